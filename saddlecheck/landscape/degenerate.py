"""Degenerate critical points of polynomial objectives, settled by expansion at an exact point.

When interval branch and bound leaves a small cluster of boxes it cannot
resolve (the Hessian is singular there, so Krawczyk's test fails), and the
objective is a polynomial with rational coefficients, three exact arguments
often settle what the cluster holds. With ``p`` an exact rational point of the
cluster where ``grad f(p) = 0`` exactly and ``h = x - p``:

* **isolation**: write ``grad f(p + h) = sum_{k >= m} g_k(h)`` with ``g_k``
  homogeneous of degree ``k``. If ``||g_m(u)||_inf >= c > 0`` on the surface of
  the cube ``||u||_inf = 1`` (proved by ball branch and bound) and
  ``sum_{k > m} A_k delta^(k-m) < c`` with ``A_k`` the largest sum of absolute
  coefficients of a component of ``g_k``, then
  ``||grad f(p + h)||_inf >= ||h||^m (c - sum A_k ||h||^(k-m)) > 0`` for
  ``0 < ||h||_inf <= delta``: ``p`` is the only critical point in ``p + [-delta, delta]^d``;
* **not a local minimum** (or maximum): along a direction ``v``, the lowest
  non-zero term ``a t^k`` of ``f(p + t v) - f(p)`` has odd ``k`` (neither), or
  even ``k`` with ``a < 0`` (not a minimum) or ``a > 0`` (not a maximum); a
  proved negative (positive) Hessian eigenvalue at ``p`` does the same;
* **a strict local minimum**: ``f(p + h) - f(p) = sum_{k >= M} F_k(h)`` with
  ``F_M >= c_F > 0`` on the cube surface (``M`` even): then
  ``f(p + h) - f(p) >= ||h||^M (c_F - sum_{k > M} B_k ||h||^(k-M)) > 0`` for
  ``0 < ||h||_inf`` small enough, ``B_k`` the sum of absolute coefficients of ``F_k``.

For example the monkey saddle ``x^3 - 3 x y^2`` at 0: ``grad f = (3x^2 - 3y^2,
-6xy)`` vanishes on the cube surface nowhere, so 0 is isolated, and
``f(t, 0) = t^3``, so it is not a local minimum.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import flint
import sympy

from saddlecheck._validation import InputError
from saddlecheck.arith.backends import BACKENDS
from saddlecheck.arith.rounding import float_up, to_fraction
from saddlecheck.arith.symmetric import lambda_min_enclosure
from saddlecheck.box import Box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.bnb import fq
from saddlecheck.landscape.krawczyk import lam_bounds
from saddlecheck.objective import Objective

_BALL = BACKENDS["ball"]


@dataclass(frozen=True)
class Degenerate:
    """What the expansion at an exact critical point ``point`` proved.

    ``isolated``: ``point`` is the only critical point in the enclosure.
    ``is_minimum``: ``True`` the point is a strict local minimum; ``False``
    it is not a local minimum; ``None`` undecided. ``reason``: in words.
    """

    point: tuple[Fraction, ...]
    isolated: bool
    is_minimum: bool | None
    is_maximum: bool | None
    reason: str


def simplest_in(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in ``[lo, hi]``.

    >>> simplest_in(Fraction(-1, 10), Fraction(1, 7)), simplest_in(Fraction(3, 10), Fraction(2, 5))
    (Fraction(0, 1), Fraction(1, 3))
    """
    if lo <= 0 <= hi:
        return Fraction(0)
    if hi < 0:
        return -simplest_in(-hi, -lo)
    fl = math.floor(lo)
    if fl == lo:
        return Fraction(fl)
    if fl + 1 <= hi:
        return Fraction(fl + 1)
    return fl + 1 / simplest_in(1 / (hi - fl), 1 / (lo - fl))


def _homogeneous(poly: sympy.Poly) -> dict[int, list]:
    parts: dict[int, list] = {}
    for monom, coeff in poly.terms():
        parts.setdefault(sum(monom), []).append((monom, Fraction(int(coeff.p), int(coeff.q))))
    return parts


def _eval(terms: list, xs: list) -> flint.arb:
    s = flint.arb(0)
    for monom, coeff in terms:
        t = flint.arb(fq(coeff))
        for x, e in zip(xs, monom, strict=True):
            if e:
                t = t * _BALL.ipow(x, e, 0)
        s += t
    return s


def _min_on_cube_surface(lower: Callable, d: int, budget: int = 4000) -> Fraction | None:
    """A proved ``c > 0`` with ``lower(U) >= c`` on boxes covering ``||u||_inf = 1``, or None."""
    one = Fraction(1)
    queue = []
    for axis in range(d):
        for s in (-one, one):
            queue.append([(s, s) if i == axis else (-one, one) for i in range(d)])
    best: Fraction | None = None
    spent = 0
    while queue:
        iv = queue.pop()
        spent += 1
        if spent > budget:
            return None
        val = lower([flint.arb(fq(a)).union(flint.arb(fq(b))) for a, b in iv])
        if val > 0:
            best = val if best is None else min(best, val)
            continue
        widths = [b - a for a, b in iv]
        k = widths.index(max(widths))
        if widths[k] == 0:
            return None
        a, b = iv[k]
        m = (a + b) / 2
        queue.append([*iv[:k], (a, m), *iv[k + 1 :]])
        queue.append([*iv[:k], (m, b), *iv[k + 1 :]])
    return best


def _tail_small(parts: dict[int, list], low: int, c: Fraction, delta: Fraction) -> bool:
    """``sum_{k > low} A_k delta^(k - low) < c``, exactly."""
    tail = Fraction(0)
    for k, terms in parts.items():
        if k > low:
            tail += sum(abs(coef) for _, coef in terms) * delta ** (k - low)
    return tail < c


def analyse_point(obj: Objective, enclosure: Box, *, budget: int = 4000) -> Degenerate | None:
    """Settle a degenerate cluster of a polynomial objective, or ``None`` when it does not apply.

    Only for ``obj.is_polynomial``; ``None`` when no exact rational critical
    point is found in ``enclosure`` (the simplest rational in each coordinate
    interval is tried).
    """
    if not obj.is_polynomial:
        return None
    p = tuple(simplest_in(lo, hi) for lo, hi in enclosure.intervals)
    if any(g != 0 for g in obj.exact("grad", p)):
        return None
    d = obj.dim
    hs = sympy.symbols(f"_sc_h0:{d}")
    shift = {v: sympy.Rational(pi.numerator, pi.denominator) + h
             for v, pi, h in zip(obj.variables, p, hs, strict=True)}  # fmt: skip
    F = sympy.Poly(sympy.expand(obj.expr.xreplace(shift)), *hs, domain="QQ")
    F = F - F.coeff_monomial(1)
    delta = max(max(pi - lo, hi - pi) for pi, (lo, hi) in zip(p, enclosure.intervals, strict=True))
    facts: list[str] = []
    pt = "(" + ", ".join(str(v) for v in p) + ")"

    # isolation from the gradient's lowest homogeneous part
    gparts = [_homogeneous(F.diff(h)) for h in hs]
    isolated = False
    degrees = [k for parts in gparts for k in parts]
    if degrees:
        m = min(degrees)

        def glower(U: list) -> Fraction:
            best = Fraction(0)
            for parts in gparts:
                if m in parts:
                    best = max(best, to_fraction(_eval(parts[m], U).abs_lower()))
            return best

        c = _min_on_cube_surface(glower, d, budget)
        if c is not None:
            isolated = all(_tail_small(parts, m, c, delta) for parts in gparts)
    if isolated:
        facts.append(f"the only critical point in the enclosure is x = {pt} (exact)")

    # not a minimum / not a maximum
    not_min = not_max = False
    why_min = why_max = ""
    H = [[Fraction(int(a.p), int(a.q)) for a in row] for row in obj.exact("hess", p)]
    hi = lambda_min_enclosure(H)[1]
    nhi = lambda_min_enclosure([[-a for a in row] for row in H])[1]
    if hi < 0:
        not_min, why_min = True, f"lambda_min(H(x)) <= {hi:.6g} < 0"
    if nhi < 0:
        not_max, why_max = True, f"lambda_max(H(x)) >= {-nhi:.6g} > 0"
    t = sympy.Symbol("t")
    fexpr = F.as_expr()
    for v in _directions(d):
        if not_min and not_max:
            break
        phi = sympy.Poly(fexpr.xreplace({h: vi * t for h, vi in zip(hs, v, strict=True)}), t)
        terms = [(k[0], c) for k, c in phi.terms() if c != 0]
        if not terms:
            continue
        k, a = min(terms)
        args = ", ".join(str(sympy.Rational(pi.numerator, pi.denominator) + vi * t)
                         for pi, vi in zip(p, v, strict=True))  # fmt: skip
        line = f"f({args}) - f{pt} = {phi.as_expr()}"
        if (k % 2 == 1 or a < 0) and not not_min:
            not_min, why_min = True, line
        if (k % 2 == 1 or a > 0) and not not_max:
            not_max, why_max = True, line

    is_min: bool | None = False if not_min else None
    if not not_min:
        fparts = _homogeneous(F)
        if fparts:
            M = min(fparts)

            def flower(U: list) -> Fraction:
                return to_fraction(_eval(fparts[M], U).lower())

            cf = _min_on_cube_surface(flower, d, budget) if M % 2 == 0 else None
            if cf is not None:  # the tail vanishes as ||h|| -> 0: a strict local minimum
                is_min = True
                facts.append(
                    f"x = {pt} is a strict local minimum: the degree-{M} part of "
                    f"f(x + h) - f(x) is >= {float(cf):.6g} ||h||_inf^{M} and dominates"
                )
    if not_min:
        facts.append(f"x = {pt} is not a local minimum: {why_min}")
    if not_max:
        facts.append(f"x = {pt} is not a local maximum: {why_max}")
    if not facts:
        facts.append(f"exact critical point x = {pt}; its kind is not settled by the expansion")
    return Degenerate(p, isolated, is_min, False if not_max else None, "; ".join(facts))


def _directions(d: int):
    """Axes, then ``e_i + e_j`` and ``e_i - e_j`` (small integer directions)."""
    for i in range(d):
        yield tuple(1 if k == i else 0 for k in range(d))
    for i, j in itertools.combinations(range(d), 2):
        for s in (1, -1):
            yield tuple(1 if k == i else (s if k == j else 0) for k in range(d))


# -- unresolved clusters of the critical-point search ------------------------------

ANALYSE_MAX_DIM = 8
"""The exact expansion (directions ``e_i +- e_j``) is tried up to this dimension."""

RAYLEIGH_MAX_BOXES = 256
"""Clusters with more boxes get one Hessian enclosure on their hull only."""


@dataclass(frozen=True)
class Cluster:
    """What is proved about a connected cluster of unresolved boxes.

    ``point``: an exact critical point in the hull (with ``point_kind``,
    ``point_lam``, ``point_is_min``, ``point_reason``), ``isolated``: it is
    the only critical point of the hull; ``non_isolated``: the cluster holds
    several distinct critical points along a chain much longer than
    ``min_width`` (a curve or surface of critical points).
    """

    hull: Box
    size: int
    lam: tuple[float, float]
    is_min: bool | None
    reason: str
    point: tuple[Fraction, ...] | None = None
    point_kind: str = "degenerate"
    point_lam: tuple[float, float] = (-math.inf, math.inf)
    point_is_min: bool | None = None
    point_reason: str = ""
    isolated: bool = False
    non_isolated: bool = False


def _exact_kind(
    obj: Objective, p: tuple[Fraction, ...]
) -> tuple[str, tuple[float, float], bool | None]:
    H = [[Fraction(int(a.p), int(a.q)) for a in row] for row in obj.exact("hess", p)]
    lam = lambda_min_enclosure(H)
    nlam = lambda_min_enclosure([[-a for a in row] for row in H])
    singular = flint.fmpq_mat([[fq(a) for a in row] for row in H]).det() == 0
    if singular:
        return "degenerate", lam, None
    if lam[0] > 0:
        return "min", lam, True
    if nlam[0] > 0:
        return "max", lam, False
    return "strict_saddle", lam, False


def _exact_zeros(obj: Objective, members: list[Box], limit: int = 32) -> list[tuple[Fraction, ...]]:
    """Distinct exact critical points at the simplest rationals of up to ``limit`` member boxes."""
    if not obj.is_rational or len(members) < 2:
        return []
    step = max(1, len(members) // limit)
    found: list[tuple[Fraction, ...]] = []
    for b in members[::step][:limit]:
        p = tuple(simplest_in(lo, hi) for lo, hi in b.intervals)
        try:
            if all(g == 0 for g in obj.exact("grad", p)) and p not in found:
                found.append(p)
        except InputError:  # a singular exact evaluation is simply no evidence
            continue
    return found


def settle_cluster(obj: Objective, members: list[Box], min_width: Fraction, *,
                   analyse: bool = True) -> Cluster:  # fmt: skip
    """Bound ``lambda_min`` on a cluster, look for an exact critical point, detect continua."""
    hullbox = _bnb.hull(members)
    try:
        bounds = lam_bounds(obj.enclose("hess", hullbox))
    except InputError:
        bounds = None
    lo, hi = (-math.inf, math.inf) if bounds is None else bounds[0]
    if hi >= 0 and len(members) <= RAYLEIGH_MAX_BOXES:  # lambda_min < 0 box by box?
        his = []
        for b in members:
            h = _bnb.rayleigh_ball(obj.enclose("hess", b))
            his.append(float_up(_bnb.to_fraction(h.upper())) if h.is_finite() else math.inf)
            if not his[-1] < 0:
                break
        if his[-1] < 0:
            hi = max(his)
    reason = (
        f"{len(members)} boxes at min_width where the gradient enclosure contains 0 and no "
        "zero was proved unique"
    )
    is_min: bool | None = None
    if hi < 0:
        is_min = False
        reason += f"; lambda_min < 0 (<= {hi:.6g}) on every box: no local minimum in it"
    elif lo > 0:
        reason += (f"; lambda_min >= {lo:.6g} > 0 on the region: any critical point in it is "
                   "a nondegenerate local minimum (not degenerate)")  # fmt: skip
    zeros = _exact_zeros(obj, members)
    extent = hullbox.max_width()
    non_isolated = len(zeros) >= 2 and extent >= 8 * min_width
    if non_isolated:
        pts = ", ".join("(" + ", ".join(str(v) for v in z) + ")" for z in zeros[:3])
        reason += (
            f"; a non-isolated critical set: this connected region of width {float(extent):.3g} "
            f"holds at least {len(zeros)} distinct exact critical points (e.g. {pts}), so it is "
            "a curve or surface of critical points that no budget resolves into points "
            "(strict-saddle checks: give minima= a distance bound to the set)"
        )
        return Cluster(hullbox, len(members), (lo, hi), is_min, reason, non_isolated=True)
    if not analyse or obj.dim > ANALYSE_MAX_DIM:
        return Cluster(hullbox, len(members), (lo, hi), is_min, reason)
    info = analyse_point(obj, hullbox)
    if info is None:
        return Cluster(hullbox, len(members), (lo, hi), is_min, reason)
    kind, plam, pmin = _exact_kind(obj, info.point)
    if info.is_minimum is not None:
        pmin = info.is_minimum
    if is_min is False:
        pmin = False
    exact = "singular" if kind == "degenerate" else "nonsingular"
    preason = f"exact critical point, exact Hessian {exact}; {info.reason}"
    if not info.isolated:
        where = "(" + ", ".join(str(v) for v in info.point) + ")"
        reason += (
            f"; it contains the exact critical point x = {where} (listed with the points), "
            "but other critical points in it are not excluded"
        )
    if pmin is True and is_min is None:
        is_min = True
    return Cluster(hullbox, len(members), (lo, hi), is_min, reason, info.point, kind, plam, pmin,
                   preason, info.isolated)  # fmt: skip

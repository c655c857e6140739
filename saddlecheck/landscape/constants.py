"""Rigorous smoothness constants of an objective over a box.

On a convex region ``f`` is ``ell``-smooth and ``rho``-Hessian Lipschitz when
(by the mean value theorem)

    sup ||Hess f(x)||_2 <= ell        and        sup ||D^3 f(x)|| <= rho,

the second norm being the operator norm of the symmetric third-derivative
tensor, ``||T|| = max_{||u|| = 1} |T(u, u, u)|``. :func:`smoothness` proves
upper bounds on both suprema by interval (ball) evaluation with adaptive
bisection, and reports values attained at witness points (rigorous lower
bounds on the suprema), so the user sees how tight the bounds are.

Bounds used on a box ``X`` (all evaluated with outward rounding):

* ``||H|| <= ||mid H(X)|| + ||rad H(X)||`` over the interval matrix ``H(X)``
  (``interval_norm_upper``);
* ``||T|| = sup_u ||sum_k u_k T_k|| <= sum_k |u_k| ||T_k|| <= sqrt(sum_k ||T_k||^2)``
  (Cauchy-Schwarz), with ``T_k = D^3 f[k, :, :]`` bounded like ``H``.

Quadratics are answered exactly: ``rho = 0`` and ``ell = ||H||`` for the
constant rational Hessian.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import arb_to_mid_rad, ball_bounds, float_up, sqrt_up
from saddlecheck.arith.symmetric import interval_norm_upper, lambda_min_enclosure
from saddlecheck.box import Box, check_box
from saddlecheck.objective import Objective


@dataclass(frozen=True)
class Smoothness:
    """Proved bounds ``ell_lower <= sup ||H|| <= ell`` and ``rho_lower <= sup ||D^3 f|| <= rho``.

    ``ell_lower`` is ``||H(ell_witness)||`` (rigorously bounded below) and
    ``rho_lower`` is ``|D^3 f(rho_witness)(u, u, u)|`` for the unit vector
    ``rho_direction``: both are attained, so the true suprema lie between.
    ``ell_gap``/``rho_gap`` are the relative gaps ``(upper - lower) / upper``.
    """

    ell: float
    rho: float
    ell_lower: float
    rho_lower: float
    ell_witness: tuple[Fraction, ...]
    rho_witness: tuple[Fraction, ...]
    rho_direction: tuple[float, ...]
    ell_gap: float
    rho_gap: float
    rel_gap: float
    boxes: int
    exact: bool
    box: Box

    def explain(self) -> str:
        from saddlecheck.arith.rounding import format_interval  # printed outward: still bounds

        how = "exact (constant Hessian)" if self.exact else f"{self.boxes} boxes"
        return (
            f"On {self.box}:\n"
            f"  ell = sup ||Hess f|| in {format_interval(self.ell_lower, self.ell)} "
            f"(gap {self.ell_gap:.1%})\n"
            f"  rho = sup ||D^3 f||  in {format_interval(self.rho_lower, self.rho)} "
            f"(gap {self.rho_gap:.1%})\n"
            f"  proved by interval arithmetic, {how}; requested gap {self.rel_gap:.0%}"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "ell": self.ell,
                "rho": self.rho,
                "ell_lower": self.ell_lower,
                "rho_lower": self.rho_lower,
                "ell_witness": [str(v) for v in self.ell_witness],
                "rho_witness": [str(v) for v in self.rho_witness],
                "rho_direction": list(self.rho_direction),
                "ell_gap": self.ell_gap,
                "rho_gap": self.rho_gap,
                "boxes": self.boxes,
                "exact": self.exact,
                "box": self.box.to_json(),
            }
        )


# -- bounds on one box / at one point ---------------------------------------------


def _lower(ball) -> float:
    return ball_bounds(ball)[0]


def _finite_or(default: float):
    """Decorator: a bound whose balls leave the float64 range becomes ``default``.

    Ball arithmetic has no float64 range limit but the norm bounds below are
    float64; ``math.inf`` is a (useless but true) upper bound and ``0.0`` a
    true lower bound of a norm, so the search goes on with smaller boxes.
    """

    def wrap(fn):
        @functools.wraps(fn)
        def bound(*args):
            try:
                return fn(*args)
            except OverflowError:
                return default if default == math.inf else (default, None)

        return bound

    return wrap


@_finite_or(math.inf)
def _hess_norm_upper(obj: Objective, box: Box, prec: int) -> float:
    return interval_norm_upper(*arb_to_mid_rad(obj.enclose("hess", box, prec)))


_UNFOLD_MAX_DIM = 8  # the unfolding bound costs d^4 ball products per box


@_finite_or(math.inf)
def _d3_norm_upper(obj: Objective, box: Box, prec: int) -> float:
    """``sup ||D^3 f||`` on ``box``: the smaller of two proved bounds.

    With ``T_k = D^3 f[k, :, :]`` and ``T(u) = sum_k u_k T_k`` for a unit ``u``:
    ``||T|| = sup_u ||T(u)||_2 <= sqrt(sum_k ||T_k||^2)`` (Cauchy-Schwarz) and
    ``||T|| <= ||T_(1)||_2 = sqrt(lambda_max(sum_k T_k^2))`` (the mode-1
    unfolding; exact for diagonal tensors).
    """
    T = obj.enclose("d3", box, prec)
    mid, rad = arb_to_mid_rad(T)
    d = obj.dim
    bound = _root_sum_squares([interval_norm_upper(mid[k], rad[k]) for k in range(d)])
    if d <= _UNFOLD_MAX_DIM:
        with flint.ctx.workprec(prec):
            G = [
                [sum((T[k][i][m] * T[k][m][j] for k in range(d) for m in range(d)), flint.arb(0))
                 for j in range(d)]
                for i in range(d)
            ]  # fmt: skip
        with contextlib.suppress(OverflowError):  # sum_k T_k^2 can leave the float range
            bound = min(bound, sqrt_up(Fraction(interval_norm_upper(*arb_to_mid_rad(G)))))
    return bound


def _root_sum_squares(norms: list[float]) -> float:
    """``sqrt(sum n_k^2)`` rounded up, scaled by ``max n_k`` so that squares cannot overflow."""
    top = max(norms, default=0.0)
    if top == 0 or not math.isfinite(top):
        return top
    M = Fraction(top)
    return float_up(Fraction(sqrt_up(sum((Fraction(n) / M) ** 2 for n in norms))) * M)


def _rayleigh_abs_lower(H: list[list], v: np.ndarray, prec: int) -> float:
    """A rigorous lower bound on ``|v^T H v| / v^T v`` for the ball matrix ``H``."""
    with flint.ctx.workprec(prec):
        u = [flint.arb(float(c)) for c in v]
        num = sum(u[i] * H[i][j] * u[j] for i in range(len(u)) for j in range(len(u)))
        den = sum(c * c for c in u)
        return max(0.0, _lower(abs(num / den)))


@_finite_or(0.0)
def _hess_norm_lower(obj: Objective, x: tuple, prec: int) -> tuple[float, None]:
    H = obj.enclose("hess", x, prec)
    mid, _ = arb_to_mid_rad(H)
    w, V = np.linalg.eigh(mid)
    return _rayleigh_abs_lower(H, V[:, int(np.argmax(np.abs(w)))], prec), None


def _tensor_direction(T: np.ndarray, seed: int = 0) -> np.ndarray:
    """A unit ``u`` with large ``|T(u, u, u)|`` (power iteration from several starts)."""
    d = T.shape[0]
    top = float(np.max(np.abs(T))) if T.size else 0.0
    if top > 0:
        T = T / top  # only the direction matters; unscaled, the norms can overflow
    starts = list(np.eye(d)) + list(np.random.default_rng(seed).standard_normal((4, d)))
    best, best_val = starts[0], -1.0
    for u in starts:
        u = u / np.linalg.norm(u)
        for _ in range(50):
            w = np.einsum("ijk,j,k->i", T, u, u)
            n = np.linalg.norm(w)
            if n == 0:
                break
            u = w / n
        val = abs(np.einsum("ijk,i,j,k->", T, u, u, u))
        if val > best_val:
            best, best_val = u, val
    return best


@_finite_or(0.0)
def _d3_norm_lower(obj: Objective, x: tuple, prec: int) -> tuple[float, np.ndarray]:
    T = obj.enclose("d3", x, prec)
    mid, _ = arb_to_mid_rad(T)
    u = _tensor_direction(mid)
    d = obj.dim
    with flint.ctx.workprec(prec):
        a = [flint.arb(float(c)) for c in u]
        val = sum(
            T[i][j][k] * a[i] * a[j] * a[k] for i in range(d) for j in range(d) for k in range(d)
        )
        norm3 = sum(c * c for c in a) ** 1.5 if d else flint.arb(1)
        return max(0.0, _lower(abs(val / norm3))), u


# -- branch and bound -------------------------------------------------------------


@dataclass(frozen=True)
class _Max:
    upper: float
    lower: float
    witness: tuple[Fraction, ...]
    extra: object
    boxes: int


def maximize(
    box: Box,
    upper: Callable[[Box], float],
    lower: Callable[[tuple], tuple[float, object]],
    *,
    rel_gap: float,
    abs_gap: float = 0.0,
    max_boxes: int,
) -> _Max:
    """Best-first branch and bound for ``sup_{x in box} q(x)``.

    ``upper(B)`` must bound ``q`` above on all of ``B``; ``lower(x)`` returns a
    value ``<= q(x)`` (and any extra data) at a point. Stops when
    ``upper - lower <= rel_gap * |upper| + abs_gap`` or after ``max_boxes``
    upper-bound evaluations; the returned ``upper`` covers every box, also
    the ones pruned because their bound fell below the best lower value.
    When the upper bound at the best point itself (a zero-width box) is
    further than ``rel_gap`` from the lower value there, bisection cannot
    close the gap, so the target is relaxed to that point's gap (plus 5%):
    this only stops the search earlier, every bound stays proved.
    """
    mid = box.midpoint()
    best_lo, best_extra = lower(mid)
    best_pt, pruned_max, count = mid, -math.inf, 1
    heap = [(-upper(box), 0, box)]
    floor_gap = 0.0  # the gap the upper bound keeps even on a single point
    while heap:
        top = -heap[0][0]
        close = math.isfinite(top) and top - best_lo <= max(rel_gap, floor_gap) * abs(top) + abs_gap
        if close or count >= max_boxes:
            break
        _, _, b = heapq.heappop(heap)
        for child in b.bisect():
            u = upper(child)
            count += 1
            pt = child.midpoint()
            lo, extra = lower(pt)
            if lo > best_lo:
                best_lo, best_pt, best_extra = lo, pt, extra
                at_point = upper(Box([(v, v) for v in pt]))
                ok = 0 < at_point < math.inf
                floor_gap = 1.05 * (at_point - lo) / at_point if ok else 0.0
            if u > best_lo:
                heapq.heappush(heap, (-u, count, child))
            else:
                pruned_max = max(pruned_max, u)
    top = max(-heap[0][0] if heap else -math.inf, pruned_max, best_lo)
    return _Max(top, best_lo, best_pt, best_extra, count)


def _gap(upper: float, lower: float) -> float:
    return 0.0 if upper <= 0 else max(0.0, (upper - lower) / upper)


def smoothness(
    obj: Objective,
    box: object,
    *,
    rel_gap: float = 0.1,
    max_boxes: int = 4000,
    prec: int = 53,
) -> Smoothness:
    """Proved upper bounds on ``ell`` and ``rho`` over ``box``, with attained lower values.

    Args:
        obj: the objective.
        box: a :class:`Box` (or a list of ``(lo, hi)`` pairs).
        rel_gap: bisect until ``(upper - lower) / upper <= rel_gap`` ...
        max_boxes: ... or until this many boxes were bounded (per constant).
        prec: ball-arithmetic precision in bits.

    Returns:
        :class:`Smoothness` with ``ell``, ``rho`` (rigorous upper bounds),
        ``ell_lower``, ``rho_lower`` (attained at the witnesses) and the gaps.

    Hypotheses (checked first): ``f`` is real and ``C^3`` on an open
    neighbourhood of the box: every condition of ``obj.domain`` is proved on
    all of it (see :mod:`saddlecheck.domain`).

    Raises:
        InputError: the box has the wrong dimension, leaves the domain of
            ``f`` (a singularity, a function outside its real domain, a
            Piecewise boundary), or it cannot be proved inside; bad
            ``rel_gap``/``max_boxes``.

    Examples:
        >>> k = smoothness(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)]))
        >>> 11 <= k.ell <= 12.1 and 12 <= k.rho <= 13.2 and k.ell_lower >= 11 * 0.9
        True
        >>> smoothness(Objective("x**2 - 3*x*y"), Box([(-1, 1), (-1, 1)])).rho
        0.0
    """
    if not isinstance(obj, Objective):
        raise InputError(f"obj must be a saddlecheck.Objective, got {type(obj).__name__}")
    box = check_box(box, obj.dim)
    gap = float(check_positive("rel_gap", rel_gap))
    max_boxes = check_int("max_boxes", max_boxes, minimum=1)
    prec = check_int("prec", prec, minimum=30)
    obj.domain.require_box(box, "smoothness")  # f real and C^3 on the box, or InputError
    if obj.is_polynomial and obj.degree <= 2:
        return _quadratic(obj, box, gap)

    ell = maximize(
        box,
        lambda b: _hess_norm_upper(obj, b, prec),
        lambda x: _hess_norm_lower(obj, x, prec),
        rel_gap=gap,
        max_boxes=max_boxes,
    )
    if obj.is_polynomial and obj.degree == 3:  # D^3 f is constant: no bisection helps
        rho_upper = _d3_norm_upper(obj, box, prec)
        lo, u = _d3_norm_lower(obj, box.midpoint(), prec)
        rho = _Max(rho_upper, lo, box.midpoint(), u, 1)
    else:
        rho = maximize(
            box,
            lambda b: _d3_norm_upper(obj, b, prec),
            lambda x: _d3_norm_lower(obj, x, prec),
            rel_gap=gap,
            max_boxes=max_boxes,
        )
    for name, m, what in (("ell", ell, "Hess f"), ("rho", rho, "D^3 f")):
        if not math.isfinite(m.upper):
            raise InputError(
                f"smoothness: sup ||{what}|| on {box} could not be bounded within the float64 "
                f"range (about 1.8e308) after {m.boxes} boxes: {name} is reported as a float64, "
                "so shrink the box (or rescale the objective)"
            )
    return Smoothness(
        ell=ell.upper,
        rho=rho.upper,
        ell_lower=ell.lower,
        rho_lower=rho.lower,
        ell_witness=ell.witness,
        rho_witness=rho.witness,
        rho_direction=tuple(0.0 for _ in range(obj.dim))
        if rho.extra is None
        else tuple(float(c) for c in rho.extra),
        ell_gap=_gap(ell.upper, ell.lower),
        rho_gap=_gap(rho.upper, rho.lower),
        rel_gap=gap,
        boxes=ell.boxes + rho.boxes,
        exact=False,
        box=box,
    )


def _quadratic(obj: Objective, box: Box, gap: float) -> Smoothness:
    """Constant Hessian: ``rho = 0`` and ``ell = ||H||_2`` from proved eigenvalue bounds."""
    mid = box.midpoint()
    H = [[Fraction(int(a.p), int(a.q)) for a in row] for row in obj.exact("hess", mid)]
    neg = [[-a for a in row] for row in H]
    lo_min, hi_min = lambda_min_enclosure(H)  # bounds on lambda_min(H)
    lo_negmin, hi_negmin = lambda_min_enclosure(neg)  # lambda_max(H) = -lambda_min(-H)
    ell = max(-lo_min, -lo_negmin, 0.0)
    ell_lower = max(-hi_min, -hi_negmin, 0.0)
    zero = tuple(0.0 for _ in range(obj.dim))
    return Smoothness(
        ell=ell,
        rho=0.0,
        ell_lower=ell_lower,
        rho_lower=0.0,
        ell_witness=mid,
        rho_witness=mid,
        rho_direction=zero,
        ell_gap=_gap(ell, ell_lower),
        rho_gap=0.0,
        rel_gap=gap,
        boxes=1,
        exact=True,
        box=box,
    )


def _value_lower_on(obj: Objective, box: Box) -> float:
    """Lower bound of ``f`` on ``box``: the better of the natural interval extension
    and the mean-value form ``f(c) + grad f(X) . (X - c)`` (second order in the width)."""
    natural = _lower(obj.enclose("value", box))
    c = box.midpoint()
    with flint.ctx.workprec(53):
        mv = obj.enclose("value", c)
        for g, (lo, hi) in zip(obj.enclose("grad", box), box.intervals, strict=True):
            h = (hi - lo) / 2
            hb = flint.arb(flint.fmpq(h.numerator, h.denominator))
            mv += g * (-hb).union(hb)  # X_i - c_i lies in [-h, h]
        return max(natural, _lower(mv))


def value_lower_bound(
    obj: Objective, box: object, *, rel_gap: float = 1e-3, max_boxes: int = 2000
) -> float:
    """A proved lower bound on ``min_{x in box} f(x)`` (used for PGD's ``Delta_f``).

    Hypothesis (checked first, else ``InputError``): ``f`` is real and ``C^3``
    on the box (every condition of ``obj.domain`` proved on it).

    >>> value_lower_bound(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)])) <= -0.25
    True
    """
    box = check_box(box, obj.dim)
    obj.domain.require_box(box, "value_lower_bound")
    res = maximize(
        box,
        lambda b: -_value_lower_on(obj, b),
        lambda x: (-ball_bounds(obj.enclose("value", x))[1], None),
        rel_gap=float(check_positive("rel_gap", rel_gap)),
        abs_gap=1e-12,
        max_boxes=check_int("max_boxes", max_boxes, minimum=1),
    )
    return -res.upper

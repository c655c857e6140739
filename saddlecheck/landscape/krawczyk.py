"""Existence, uniqueness and kind of a zero of ``grad f``: Krawczyk's test and inertia.

* :func:`krawczyk`: ``K(X) = c - Y g(c) + (I - Y H(X))(X - c)``. Every zero of
  ``grad f`` in ``X`` lies in ``K(X)``; if ``K(X) ⊂ int X``, ``grad f`` has
  exactly one zero in ``X`` and every matrix of the Hessian enclosure ``H(X)``
  is nonsingular (Krawczyk 1969; Rump, Acta Numerica 19 (2010), section 13).
* :func:`verify_near`: epsilon-inflation around a float Newton iterate, so that
  zeros on the faces of bisection boxes are caught.
* :func:`refine`: ``E <- E ∩ K(E)`` to a tight enclosure of the unique zero,
  rounded outward to dyadic ends of bounded size after every round and
  stopped at a relative width of about ``2**-60`` (a zero at exactly 0
  converges quadratically: without the stop its ends' denominators square
  every round, issue 11 item 4);
* :func:`absorb`: a larger uniqueness box ``hull(V, B)`` proved by Krawczyk's
  test, so that a box ``B`` beside a proved zero is known to hold no other
  critical point.
* :func:`classify`: the certified inertia of ``H(E)``
  (:func:`~saddlecheck.arith.symmetric.interval_lambda_min` on ``H`` and ``-H``);
  if the enclosure cannot decide, the exact Hessian at one point of the
  Krawczyk box does (the inertia is constant there: no Hessian in ``H(V)`` is
  singular).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import arb_to_mid_rad
from saddlecheck.arith.symmetric import interval_lambda_min, lambda_min_enclosure
from saddlecheck.box import Box
from saddlecheck.landscape.bnb import Local, ends, fq, hull, local_enclosures, round_box
from saddlecheck.objective import Objective


def krawczyk(
    obj: Objective,
    box: Box,
    y: Sequence[Sequence[float]],
    prec: int = 53,
    local: Local | None = None,
) -> list:
    """The Krawczyk operator ``K(X) = c - Y g(c) + (I - Y H(X))(X - c)`` (balls).

    ``Y`` is any real matrix (an approximate inverse of the Hessian at the
    centre). Every zero of ``grad f`` in ``X`` lies in ``K(X)``; if ``K(X)`` is
    inside the interior of ``X``, ``grad f`` has exactly one zero in ``X`` and
    every matrix of the Hessian enclosure is nonsingular (Krawczyk 1969;
    Rump, Acta Numerica 19 (2010), section 13).
    """
    loc = local if local is not None else local_enclosures(obj, box, prec)
    d = box.dim
    with flint.ctx.workprec(prec):
        Y = flint.arb_mat([[flint.arb(float(v)) for v in row] for row in y])
        H = flint.arb_mat(loc.hess)
        eye = flint.arb_mat(d, d, [1 if i == j else 0 for i in range(d) for j in range(d)])
        gc = flint.arb_mat(d, 1, loc.grad_centre)
        dx = flint.arb_mat(d, 1, loc.dx)
        c = flint.arb_mat(d, 1, [flint.arb(fq(v)) for v in loc.centre])
        K = c - Y * gc + (eye - Y * H) * dx
        return [K[i, 0] for i in range(d)]


def inside_interior(k: Sequence, box: Box) -> bool:
    """Every ball ``k[i]`` lies in the open interval ``(lo_i, hi_i)``."""
    return all(
        a > flint.arb(fq(lo)) and a < flint.arb(fq(hi))
        for a, (lo, hi) in zip(k, box.intervals, strict=True)
    )


def intersect_balls(k: Sequence, box: Box) -> Box | None:
    """``box ∩ hull(k)`` with exact ends, or ``None`` when proved empty."""
    out = []
    for a, (lo, hi) in zip(k, box.intervals, strict=True):
        if not a.is_finite():
            out.append((lo, hi))
            continue
        klo, khi = ends(a)
        nlo, nhi = max(lo, klo), min(hi, khi)
        if nlo > nhi:
            return None
        out.append((nlo, nhi))
    return Box(out)


@dataclass(frozen=True)
class Zero:
    """A proved unique zero: tight enclosure ``E`` in the Krawczyk box ``V``."""

    E: Box
    V: Box
    kind: str
    lam: tuple[float, float]
    reason: str


def approx_inverse(hess: list) -> np.ndarray | None:
    mid = np.array([[float(a.mid()) for a in row] for row in hess])
    if not np.all(np.isfinite(mid)):
        return None
    try:
        y = np.linalg.inv(mid)
    except np.linalg.LinAlgError:
        return None
    return y if np.all(np.isfinite(y)) and np.linalg.cond(mid) < 1e12 else None


def newton(obj: Objective, x0: np.ndarray, steps: int = 8) -> tuple[np.ndarray, float] | None:
    x = x0.copy()
    dx = np.inf
    try:
        for _ in range(steps):
            step = np.linalg.solve(obj.hess(x), obj.grad(x))
            x = x - step
            dx = float(np.max(np.abs(step)))
            if dx <= 1e-14 * (1 + float(np.max(np.abs(x)))):
                break
    except (InputError, np.linalg.LinAlgError, FloatingPointError):
        return None
    return (x, dx) if np.all(np.isfinite(x)) else None


def verify_near(obj: Objective, box: Box, y: np.ndarray | None) -> Box | None:
    """Epsilon-inflation: a box around a Newton iterate near ``box`` with ``K(V) ⊂ int V``."""
    c = np.array([float(v) for v in box.midpoint()])
    res = newton(obj, c)
    if res is None:
        return None
    x, dx = res
    w = float(box.max_width())
    if np.max(np.abs(x - c)) > w:
        return None
    try:  # a (nearly) singular Hessian at the iterate: Krawczyk's test cannot succeed
        if not np.linalg.cond(obj.hess(x)) < 1e10:
            return None
    except (InputError, np.linalg.LinAlgError, FloatingPointError):
        return None
    scale = 1 + float(np.max(np.abs(x)))
    for r in (w / 4, w / 64, max(64 * dx, 2.0**-40 * scale)):
        V = Box.around([Fraction(float(v)) for v in x], Fraction(r))
        try:
            loc = local_enclosures(obj, V)
        except InputError:
            continue
        yv = approx_inverse(loc.hess)
        if yv is None:
            continue
        if inside_interior(krawczyk(obj, V, yv, local=loc), V):
            return V
    return None


REFINE_BITS = 64
"""Significant bits kept in the ends of a refined enclosure (outward rounding)."""


def refine_tolerance(V: Box) -> Fraction:
    """The width at which :func:`refine` stops: ``2**-60`` relative to ``V``'s size."""
    scale = max(max(abs(lo), abs(hi)) for lo, hi in V.intervals)
    return max(scale, V.max_width()) * Fraction(1, 2**60)


def refine(obj: Objective, V: Box, rounds: int = 12) -> Box:
    """``E <- E ∩ K(E)`` from ``E = V`` while it shrinks; contains the unique zero of ``V``.

    Every zero of ``grad f`` in ``E`` lies in ``K(E)``, so ``E ∩ K(E)`` keeps
    it; each new ``E`` is rounded outward to :data:`REFINE_BITS` significant
    bits on a grid no finer than ``tol / 256`` (then intersected with the
    previous ``E``), so its ends stay small. Stops after ``rounds`` rounds,
    when ``E`` stops shrinking, or when its width is below
    :func:`refine_tolerance`.
    """
    E = V
    tol = refine_tolerance(V)
    quantum = tol / 256
    for _ in range(rounds):
        if E.max_width() <= tol:
            break
        try:
            loc = local_enclosures(obj, E)
        except InputError:
            break
        y = approx_inverse(loc.hess)
        if y is None:
            break
        new = intersect_balls(krawczyk(obj, E, y, local=loc), E)
        if new is None:
            break
        new = round_box(new, REFINE_BITS, quantum).intersect(E)
        if new is None or new == E:
            break
        shrank = new.max_width() < E.max_width() * Fraction(99, 100)
        E = new
        if not shrank:
            break
    return E


def proves_unique(obj: Objective, V: Box) -> bool:
    """``K(V) ⊂ int V``: ``grad f`` has exactly one zero in ``V`` (Krawczyk)."""
    try:
        loc = local_enclosures(obj, V)
    except InputError:
        return False
    y = approx_inverse(loc.hess)
    return y is not None and inside_interior(krawczyk(obj, V, y, local=loc), V)


def absorb(obj: Objective, V: Box, B: Box) -> Box | None:
    """A uniqueness box containing ``V`` and ``B``, or ``None``.

    If ``K(W) ⊂ int W`` for ``W = hull(V, B)`` (slightly inflated), ``grad f``
    has exactly one zero in ``W``; it is the proved zero of ``V``, so ``B``
    holds no other critical point.
    """
    W = hull([V, B])
    W = round_box(W.enlarge(W.max_width() / 64), REFINE_BITS)
    return W if proves_unique(obj, W) else None


def lam_bounds(hess: list) -> tuple[tuple[float, float], tuple[float, float]] | None:
    try:
        mid, rad = arb_to_mid_rad(hess)
    except OverflowError:
        return None
    return interval_lambda_min(mid, rad), interval_lambda_min(-mid, rad)


def classify(obj: Objective, E: Box, V: Box) -> tuple[str, tuple[float, float], str]:
    """The kind of the unique zero of ``V`` (enclosed in ``E``).

    ``"undecided"`` when neither the enclosure (at 53 and 128 bits) nor an
    exact Hessian decides the inertia. Never ``"degenerate"``: Krawczyk's test
    proved every Hessian in ``H(V)`` nonsingular.
    """
    bounds = None
    for prec in (53, 128):
        try:
            bounds = lam_bounds(obj.enclose("hess", E, prec))
        except InputError:
            bounds = None
        if bounds is not None and (
            bounds[0][0] > 0 or bounds[1][0] > 0 or (bounds[0][1] < 0 and bounds[1][1] < 0)
        ):
            break  # fmt: skip
    lam = (-np.inf, np.inf) if bounds is None else bounds[0]
    if bounds is not None:
        (lo, hi), (nlo, nhi) = bounds
        if lo > 0:
            return (
                "min",
                lam,
                f"unique zero (Krawczyk); lambda_min >= {lo:.6g} > 0 on the enclosure",
            )
        if nlo > 0:
            return "max", lam, f"unique zero (Krawczyk); lambda_max <= {-nlo:.6g} < 0"
        if hi < 0 and nhi < 0:
            return (
                "strict_saddle",
                lam,
                (f"unique zero (Krawczyk); lambda_min <= {hi:.6g} < 0 < {-nhi:.6g} <= lambda_max"),
            )
    if obj.is_rational:
        # No Hessian in H(V) is singular (Krawczyk), so the inertia is constant on V:
        # the exact Hessian at one point of V decides it.
        c = E.midpoint()
        H = [[Fraction(int(a.p), int(a.q)) for a in row] for row in obj.exact("hess", c)]
        lo, hi = lambda_min_enclosure(H)
        nlo, nhi = lambda_min_enclosure([[-a for a in row] for row in H])
        why = "; inertia from the exact Hessian at the enclosure's midpoint (constant on V)"
        if lo > 0:
            return "min", lam, "unique zero (Krawczyk), Hessians on V nonsingular" + why
        if nlo > 0:
            return "max", lam, "unique zero (Krawczyk), Hessians on V nonsingular" + why
        if hi < 0 and nhi < 0:
            return "strict_saddle", lam, "unique zero (Krawczyk), Hessians on V nonsingular" + why
    return (
        "undecided",
        lam,
        "exactly one critical point here (Krawczyk; its Hessian is nonsingular), "
        "but its inertia was not decided",
    )


def exact_zero(obj: Objective, E: Box) -> tuple[Fraction, ...] | None:
    """The simplest rational point of ``E`` when ``grad f`` vanishes there exactly (else None)."""
    from saddlecheck.landscape.degenerate import simplest_in

    if not obj.is_rational:
        return None
    p = tuple(simplest_in(lo, hi) for lo, hi in E.intervals)
    if max(max(v.numerator.bit_length(), v.denominator.bit_length()) for v in p) > 256:
        return None
    try:
        return p if all(g == 0 for g in obj.exact("grad", p)) else None
    except InputError:
        return None


def zero(obj: Objective, V: Box) -> Zero:
    """Refine, snap to an exact rational zero when there is one, and classify."""
    E = refine(obj, V)
    p = exact_zero(obj, E)
    if p is not None:
        E = Box([(v, v) for v in p])
    kind, lam, reason = classify(obj, E, V)
    if p is not None:
        reason += "; the zero is exactly x = (" + ", ".join(str(v) for v in p) + ")"
    return Zero(E, V, kind, lam, reason)

"""The per-box proofs of the strict-saddle covering (pure functions: they run in workers).

For a box ``X`` (see :mod:`saddlecheck.landscape.strict_saddle` for the statement):

* (G) ``sum_i mig(G_i(X))^2 >= theta^2`` with ``G(X)`` the gradient enclosure;
* (H) ``v^T H(X) v / v^T v <= -gamma`` (ball arithmetic, one fixed ``v``);
* (Z) ``sup_{x in X, m in E} ||x - m||^2 <= zeta^2`` exactly, ``E`` the
  enclosure of a proved local minimum, or the caller's upper bound ``<= zeta``;
* (H) and (G) again from the second-order forms (:func:`second_order`,
  :mod:`saddlecheck.landscape.taylor`) where the first-order ones fail;
* ``"basin"``: (Z) or (G) at every point, from a proved minimum's mean-Hessian
  bound (:mod:`saddlecheck.landscape.basin`; not with a caller's ``minima=``);
* all three fail everywhere on ``X`` (:func:`fails_everywhere`):
  ``sum_i mag(G_i(X))^2 < theta^2``, ``lambda_min > -gamma`` on the Hessian
  enclosure (:func:`~saddlecheck.arith.symmetric.interval_lambda_min`), and
  ``inf_{x in X} dist(x, minima) > zeta`` against every box that may hold a
  local minimum, or the caller's lower bound.

A box that nothing settles is bisected along the axis a float look-ahead
picks (:mod:`saddlecheck.landscape.splitting`), else the widest. ``LEVERS``
switches the optional proofs and the look-ahead (for measurements).

Also the driver's small judgements: :func:`cannot_fail` (no counterexample
can be proved in a box near a candidate) and :func:`undecided_reason` (why
boxes are left undecided, and whether a larger budget can help).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import arb_to_mid_rad, float_down, float_up, sqrt_down, sqrt_up
from saddlecheck.arith.symmetric import interval_lambda_min
from saddlecheck.box import Box
from saddlecheck.landscape import basin as _basin
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import splitting as _splitting
from saddlecheck.landscape import taylor as _taylor
from saddlecheck.objective import Objective

LEVERS = {"basin", "taylor", "axis"}
"""Which optional proofs :func:`step` tries (for measuring each one's effect, serially:
worker processes keep their own copy). Removing one never changes a verdict's truth."""


@dataclass(frozen=True)
class Params:
    theta: Fraction
    gamma: Fraction
    zeta: Fraction
    min_width: Fraction
    minima: tuple[Box, ...]  # proved local minima (boxes containing one each)
    candidates: tuple[Box, ...]  # boxes containing every local minimum near the box
    distance: Callable | None  # the caller's bound(s)
    # boxes of a non-isolated critical set (a curve of critical points): float bounds
    # rounded outward, and the width below which a box touching one stays undecided
    stuck_lo: np.ndarray | None = field(default=None, compare=False)
    stuck_hi: np.ndarray | None = field(default=None, compare=False)
    stuck_width: float = 0.0


def _down(a: flint.arb) -> float:
    return float_down(_bnb.to_fraction(a.lower())) if a.is_finite() else -math.inf


def _up(a: flint.arb) -> float:
    return float_up(_bnb.to_fraction(a.upper())) if a.is_finite() else math.inf


def _sup_dist2(x: Box, m: Box) -> Fraction:
    """``max_{a in x, b in m} ||a - b||^2``, exactly."""
    return sum(
        (max(xh - ml, mh - xl) ** 2 for (xl, xh), (ml, mh) in zip(x.intervals, m.intervals,
                                                                  strict=True)),
        Fraction(0),
    )  # fmt: skip


def distance_bounds(fn: Callable, box: Box) -> tuple[float | None, float]:
    """``(lower, upper)`` from a caller's ``minima`` function (a float is an upper bound)."""
    out = fn(box)
    if isinstance(out, tuple):
        lo, hi = out
        return (None if lo is None else float(lo)), float(hi)
    return None, float(out)


def _near_minimum(p: Params, box: Box, dist: tuple | None) -> float | None:
    if dist is not None:
        return dist[1] if dist[1] <= p.zeta else None
    z2 = p.zeta * p.zeta
    for m in p.minima:
        s = _sup_dist2(box, m)
        if s <= z2:
            return sqrt_up(s)
    return None


def _far_from_minima(p: Params, box: Box, dist: tuple | None) -> float | None:
    if dist is not None:
        return dist[0] if dist[0] is not None and dist[0] > p.zeta else None
    if not p.candidates:
        return math.inf
    gap = min(_bnb.inf_dist2(box, m) for m in p.candidates)
    return sqrt_down(gap) if gap > p.zeta * p.zeta else None


def fails_everywhere(obj: Objective, p: Params, box: Box, loc=None) -> dict | None:
    """The proof that all three conditions fail on every point of ``box``, or ``None``."""
    if loc is None:
        try:
            loc = _bnb.local_enclosures(obj, box)
        except InputError:
            return None
    hi2 = _bnb.grad_norm2_bounds(loc.grad)[1]
    if not hi2 < flint.arb(_bnb.fq(p.theta * p.theta)):
        return None
    dist = None if p.distance is None else distance_bounds(p.distance, box)
    far = _far_from_minima(p, box, dist)
    if far is None:
        return None
    try:
        mid, rad = arb_to_mid_rad(loc.hess)
        lam_lo = interval_lambda_min(mid, rad)[0]
    except OverflowError:
        return None
    if not lam_lo > -p.gamma:
        return None
    return {"grad_norm_upper": _up(hi2.upper().sqrt()), "lambda_min_lower": lam_lo,
            "distance_lower": far}  # fmt: skip


def _probe(obj: Objective, p: Params, box: Box,
           grad_c: np.ndarray | None = None) -> tuple[Box, dict] | None:  # fmt: skip
    """If all three conditions fail at the centre (floats), try small boxes around it.

    A heuristic search only (the proof is :func:`fails_everywhere`): it finds
    counterexamples before breadth-first bisection reaches their scale.
    """
    c = box.midpoint()
    try:
        xc = np.array([float(v) for v in c])
        gx = obj.grad(xc) if grad_c is None else grad_c
        if float(np.linalg.norm(gx)) >= float(p.theta):
            return None
        if float(np.linalg.eigvalsh(obj.hess(xc))[0]) <= -float(p.gamma):
            return None
    except (InputError, np.linalg.LinAlgError):
        return None
    point = Box([(v, v) for v in c])
    dist = None if p.distance is None else distance_bounds(p.distance, point)
    if _far_from_minima(p, point, dist) is None:
        return None
    w = box.max_width()
    for k in (2, 4, 6, 8, 10):
        small = Box.around(c, w / 2**k).intersect(box)
        ev = fails_everywhere(obj, p, small)
        if ev is not None:
            return small, ev
    return None


def step(obj: Objective, p: Params, box: Box) -> tuple:
    try:
        loc = _bnb.local_enclosures(obj, box)
    except InputError:
        if box.max_width() > p.min_width:
            return ("split",)
        raise
    lo2 = _bnb.grad_norm2_bounds(loc.grad)[0]
    if lo2 >= flint.arb(_bnb.fq(p.theta * p.theta)):
        return ("gradient", _down(lo2.lower().sqrt()))
    rq = _bnb.rayleigh_ball(loc.hess)
    if rq <= flint.arb(_bnb.fq(-p.gamma)):
        return ("hessian", _up(rq))
    dist = None if p.distance is None else distance_bounds(p.distance, box)
    near = _near_minimum(p, box, dist)
    if near is not None:
        return ("minimum", near)
    if p.minima and p.distance is None and "basin" in LEVERS:
        gc = np.array([float(a.mid()) for a in loc.grad_centre])
        lam = _basin.basin_bound(obj, p.minima, p.theta, p.zeta, box, gc)
        if lam is not None:
            return ("basin", float_down(lam))
    notes: dict = {}
    second = second_order(obj, p, box, loc, notes) if "taylor" in LEVERS else None
    if second is not None:
        return second
    ev = fails_everywhere(obj, p, box, loc)
    if ev is not None:
        return ("counterexample", ev, box)
    found = _probe(obj, p, box, np.array([float(a.mid()) for a in loc.grad_centre]))
    if found is not None:
        return ("counterexample", found[1], found[0])
    if _on_continuum(p, box):
        return ("undecided", "continuum")
    if box.max_width() <= p.min_width:
        return ("undecided",)
    if "axis" in LEVERS:
        widths = [2 * float(a.rad()) for a in loc.dx]  # floats suffice for a heuristic
        axis = _splitting.choose_axis(loc.grad_centre, loc.hess, widths, p.theta, p.gamma,
                                      notes.get("rayleigh"))  # fmt: skip
        if axis is not None:
            return ("split", axis)
    return ("split",)


def second_order(obj: Objective, p: Params, box: Box, loc: _bnb.Local,
                 notes: dict | None = None) -> tuple | None:  # fmt: skip
    """(H) or (G) on ``box`` from the Taylor forms of :mod:`saddlecheck.landscape.taylor`.

    Tried only where the centre meets the condition (float estimates pick
    which; the proofs are ball arithmetic): (H) when ``lambda_min(H(c)) <=
    -gamma``, from (T_q) with ``v`` the bottom eigenvector of ``H(c)``; (G) when
    ``||grad f(c)|| >= theta``, from (T_g) along the direction that maximises its
    linear part (:func:`~saddlecheck.landscape.taylor.best_direction`), when that
    part's maximum reaches ``theta``. ``notes["rayleigh"]``
    receives ``(q(c), slopes)`` of (T_q) when it was computed.
    """
    try:
        gc = np.array([float(a.mid()) for a in loc.grad_centre])
        hc = obj.enclose("hess", loc.centre)
        hmid = np.array([[float(a.mid()) for a in row] for row in hc])
        if not (np.all(np.isfinite(gc)) and np.all(np.isfinite(hmid))):
            return None
        want_h = float(np.linalg.eigvalsh(hmid)[0]) <= -float(p.gamma)
        u = None
        if float(np.linalg.norm(gc)) >= float(p.theta):
            # the direction maximising (T_g)'s linear part; its value bounds (T_g) from above
            r = np.array([float(a.rad()) for a in loc.dx])
            u = _taylor.best_direction(gc, 0.5 * (hmid + hmid.T), r)
            if not (np.all(np.isfinite(u)) and np.linalg.norm(u) >= 0.999 * float(p.theta)):
                u = None
        want_g = u is not None
        if not (want_h or want_g):
            return None
        d3 = obj.enclose("d3", box)
    except (InputError, np.linalg.LinAlgError):
        return None
    if want_h:
        v = _taylor.bottom_vector(hc)
        if v is None:
            return None
        qc, slopes = _taylor.rayleigh_parts(hc, d3, v)
        if notes is not None:
            notes["rayleigh"] = (qc, slopes)
        rq = qc + sum((s * h for s, h in zip(slopes, loc.dx, strict=True)), flint.arb(0))
        if rq <= flint.arb(_bnb.fq(-p.gamma)):
            return ("hessian", _up(rq))
    if want_g:
        lo = _taylor.gradient_along(loc.grad_centre, hc, d3, loc.dx,
                                    [flint.arb(float(t)) for t in u])  # fmt: skip
        if lo >= flint.arb(_bnb.fq(p.theta)):
            return ("gradient", _down(lo))
    return None


def _on_continuum(p: Params, box: Box) -> bool:
    """``box`` is no wider than the boxes of a non-isolated critical set and touches one.

    Near a curve of critical points none of whose points is a proved minimum,
    ``||grad f||`` is small and ``lambda_min`` near 0: bisecting further
    cannot decide such a box (floats rounded outward: at worst a box is left
    undecided, which is always allowed).
    """
    if p.stuck_lo is None or float(box.max_width()) > p.stuck_width:
        return False
    lo = np.array([float_down(v) for v in box.lower])
    hi = np.array([float_up(v) for v in box.upper])
    return bool(np.any(np.all((p.stuck_lo <= hi) & (lo <= p.stuck_hi), axis=1)))


# -- what the driver reports -------------------------------------------------------


def cannot_fail(p: Params, box: Box) -> bool:
    """No counterexample can be proved in ``box``: all of it is within ``zeta`` of one candidate.

    A counterexample needs distance ``> zeta`` from every box ``m`` that may
    hold a local minimum; ``sup_{x in box} dist(x, m) <= zeta`` (``dist`` to
    the box ``m``) for one candidate rules that out. Used once the verdict
    cannot be ``True`` any more (a box beside a non-isolated critical set is
    undecided), on boxes no wider than that set's boxes.
    """
    if p.stuck_lo is None or float(box.max_width()) > p.stuck_width:
        return False
    z2 = p.zeta * p.zeta
    for m in p.candidates:
        far = sum(
            (max(Fraction(0), ml - xl, xh - mh) ** 2
             for (xl, xh), (ml, mh) in zip(box.intervals, m.intervals, strict=True)),
            Fraction(0),
        )  # fmt: skip
        if far <= z2:
            return True
    return False


def undecided_reason(undecided: tuple[Box, ...], at_width: int, timed_out: bool,
                      mw: Fraction, max_boxes: int, time_limit: object,
                      search: object,
                      stuck: tuple[int, int] = (0, 0)) -> str:  # fmt: skip
    """Why boxes are left undecided, and whether more budget can help."""
    n = len(undecided)
    if timed_out:
        why = f"the time limit ({time_limit} s) was reached"
    elif at_width < n:
        why = f"max_boxes={max_boxes} ran out ({n - at_width} boxes not examined)"
    elif stuck[0]:
        why = "they lie beside or near a non-isolated set of critical points"
    else:
        why = f"they reached min_width={float(mw):.3g}"
    reason = f"{n} boxes undecided: {why}"
    continua = [] if search is None else search.non_isolated()
    near = [r for r in continua if any(_bnb.touching(r.enclosure, b) for b in undecided)]
    if near:
        reason += (
            f"; f has a non-isolated set of critical points ({len(near)} region(s), e.g. near "
            f"{near[0].enclosure}) beside undecided boxes: its points are not isolated minima, "
            "so raising the budget cannot settle them; pass minima= (a proved distance bound "
            "to the set of minima) instead"
        )
        if stuck[0]:
            reason += (
                f" ({stuck[0]} boxes touching the set were left undecided at once, and "
                f"{stuck[1]} boxes within zeta of it were not refined: no counterexample can "
                "lie there and the verdict can no longer be True)"
            )
    elif timed_out or at_width < n:
        reason += "; a larger time_limit or max_boxes may settle them"
    else:
        reason += "; a smaller min_width may settle them, or check them by hand"
    return reason

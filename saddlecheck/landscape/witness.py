"""The proof at one point that all three strict-saddle conditions fail, and the minima it needs.

At an exact point ``x`` (python-flint balls, outward rounded):

* (G') ``||grad f(x)|| < theta``: ``sum_i G_i^2 < theta^2`` for balls ``G_i``
  containing ``d f / d x_i (x)``;
* (H') ``lambda_min(Hess f(x)) > -gamma``: ``lambda_min(A) > -gamma`` for every
  symmetric ``A`` in the ball enclosure of the Hessian
  (:func:`~saddlecheck.arith.symmetric.interval_lambda_min`: a verified
  factorisation of ``mid + s I`` and ``||A - mid||_2 <= ||rad||_2``);
* (Z') ``dist(x, minima) > zeta``: from the caller's lower bound
  (:class:`CallerDistance`), or from a critical-point search whose box contains
  ``x +- zeta`` (:class:`SearchDistance`: every local minimum in that box lies
  in one of its minimum candidates, so ``min_k dist(x, candidate_k) > zeta``,
  exact rationals, proves it for the set of *all* local minima of ``f``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError, check_point
from saddlecheck.arith.rounding import arb_to_mid_rad, float_down, sqrt_down, sqrt_up
from saddlecheck.arith.symmetric import interval_lambda_min
from saddlecheck.box import Box, check_box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.critical import CriticalPoints, critical_points
from saddlecheck.objective import Objective


@dataclass(frozen=True)
class MinimaPoints:
    """A finite set of exact points as the minima (e.g. ``+-z*`` of phase retrieval).

    ``bounds(box)`` returns ``(lower, upper)`` with ``lower <= dist(x, points)
    <= upper`` for every ``x`` in the box (exact rationals, rounded outward).

    >>> MinimaPoints([(1, 0), (-1, 0)]).bounds(Box([(0, 0), (0, 0)]))
    (1.0, 1.0)
    """

    points: tuple[tuple[Fraction, ...], ...]

    def __init__(self, points: object):
        pts = tuple(check_point(p, len(p), "minima point") for p in points)
        if not pts or len({len(p) for p in pts}) != 1:
            raise InputError(f"points={points!r} must be a non-empty list of points of one length")
        object.__setattr__(self, "points", pts)

    def bounds(self, box: Box) -> tuple[float, float]:
        box = check_box(box, len(self.points[0]))
        lo = min(_bnb.inf_dist2(box, Box([(v, v) for v in p])) for p in self.points)
        hi = min(_sup_dist2(box, p) for p in self.points)
        return sqrt_down(lo), sqrt_up(hi)


def _sup_dist2(x: Box, p: tuple[Fraction, ...]) -> Fraction:
    """``max_{a in x} ||a - p||^2``, exactly."""
    return sum((max(hi - v, v - lo) ** 2 for (lo, hi), v in zip(x.intervals, p, strict=True)),
               Fraction(0))  # fmt: skip


# -- distance to the minima: a float estimate and a proof ---------------------------


class CallerDistance:
    """The caller's bound function: its lower bound is both the estimate and the proof."""

    def __init__(self, fn: Callable):
        self.fn = getattr(fn, "bounds", fn)
        self.upper_only = False

    def lower(self, q: tuple[Fraction, ...]) -> float | None:
        try:
            out = self.fn(Box([(v, v) for v in q]))
        except (InputError, ArithmeticError):  # the caller's bound cannot take this point
            return None
        if not isinstance(out, tuple):
            self.upper_only = True
            return None
        return None if out[0] is None else float(out[0])

    def estimate(self, x: np.ndarray) -> float:
        lo = self.lower(tuple(Fraction(float(v)) for v in x))
        return -math.inf if lo is None else lo

    def prove(self, q: tuple[Fraction, ...], zeta: Fraction) -> tuple[float | None, str]:
        lo = self.lower(q)
        if lo is None:
            return None, "minima= gives no lower bound (return (lower, upper) from it)"
        return (lo, "") if lo > zeta else (None, f"the caller's lower bound {lo!r} <= zeta")


class SearchDistance:
    """Distance to the minimum candidates of a critical-point search (or of a local one)."""

    def __init__(self, obj: Objective, search: CriticalPoints | None, max_boxes: int):
        self.obj, self.search, self.max_boxes = obj, search, max_boxes
        self.float_minima: list[np.ndarray] = []
        if search is not None:
            self.float_minima = [np.array([float(v) for v in b.midpoint()])
                                 for b in search.minimum_candidates()]  # fmt: skip

    def estimate(self, x: np.ndarray) -> float:
        if not self.float_minima:
            return math.inf
        return min(float(np.linalg.norm(x - m)) for m in self.float_minima)

    def prove(self, q: tuple[Fraction, ...], zeta: Fraction) -> tuple[float | None, str]:
        """A proved lower bound ``> zeta`` on the distance from ``q`` to every local minimum.

        Minima inside the search's box lie in its minimum candidates; a point
        outside it is farther from ``q`` than ``q``'s distance to the box's
        faces (``margin``), so ``min(gap to the candidates, margin)`` bounds
        the distance below; both must exceed ``zeta``.
        """
        search = self.search
        if search is None:
            cube = Box.around(q, zeta * Fraction(9, 8))
            try:
                search = critical_points(self.obj, cube, max_boxes=self.max_boxes)
            except InputError as exc:
                return None, f"the minima search around the point failed: {exc}"
        margin = min(min(v - lo, hi - v) for v, (lo, hi) in zip(q, search.box.intervals,
                                                                 strict=True))  # fmt: skip
        if not margin > zeta:
            return None, "the minima search's box does not reach beyond zeta of the point"
        point = Box([(v, v) for v in q])
        gap = min((_bnb.inf_dist2(point, b) for b in search.minimum_candidates()), default=None)
        if gap is not None and not gap > zeta * zeta:
            return None, "a box that may hold a local minimum lies within zeta of the point"
        lower = float_down(margin) if gap is None else min(sqrt_down(gap), float_down(margin))
        return (lower, "") if lower > zeta else (None, "the distance bound rounds to zeta")


# -- the proof -----------------------------------------------------------------------


def prove_at(
    obj: Objective, q: tuple[Fraction, ...], theta: Fraction, gamma: Fraction,
    zeta: Fraction, dist,
) -> tuple[dict | None, str]:  # fmt: skip
    """Prove (G'), (H'), (Z') at the exact point ``q``: ``(evidence, "")`` or ``(None, why)``."""
    why = "the ball enclosures at the point could not separate the margins"
    for prec in (53, 128):
        try:
            g = obj.enclose("grad", q, prec)
            H = obj.enclose("hess", q, prec)
        except InputError as exc:
            return None, str(exc)
        with flint.ctx.workprec(prec):
            s = sum((a * a for a in g), flint.arb(0))
            if not s < flint.arb(_bnb.fq(theta * theta)):
                why = "||grad f|| < theta not proved"
                continue
            g_up = sqrt_up(_bnb.to_fraction(s.upper()))
        try:
            lam_lo = interval_lambda_min(*arb_to_mid_rad(H))[0]
        except OverflowError:
            return None, "the Hessian overflows float64"
        if not lam_lo > -gamma:
            why = f"lambda_min > -gamma not proved (lower bound {lam_lo!r})"
            continue
        d_lo, why = dist.prove(q, zeta)
        if d_lo is None:
            return None, why
        return {"grad_norm_upper": g_up, "lambda_min_lower": lam_lo, "distance_lower": d_lo}, ""
    return None, why

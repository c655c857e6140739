"""Verified enclosure and classification of the critical points of ``f`` in a box.

Interval branch and bound on ``grad f`` (DESIGN.md section 3, ``critical.py``):

1. **exclusion**: a box is dropped when a component of the gradient enclosure
   (natural extension ∩ centred form ``grad f(c) + H(X)(X - c)``) excludes 0, or
   when the Krawczyk image ``K(X)`` misses ``X`` (every zero of ``X`` lies in
   ``K(X)``); otherwise ``X`` is contracted to ``X ∩ K(X)`` and bisected;
2. **existence and uniqueness**: ``K(V) ⊂ int V`` proves that ``grad f`` has
   exactly one zero in ``V`` and that every Hessian in the enclosure ``H(V)``
   is nonsingular (Krawczyk 1969; Rump, Acta Numerica 19 (2010), section 13).
   ``V`` is the box itself or, to catch zeros on box faces, a small box around
   a float Newton iterate (epsilon-inflation). The zero is then enclosed in a
   tight box ``E`` by iterating ``E <- E ∩ K(E)`` (:mod:`saddlecheck.landscape.krawczyk`);
3. **classification** by the certified inertia of ``H(E)``
   (:func:`~saddlecheck.arith.symmetric.interval_lambda_min` on ``H`` and
   ``-H``): ``"min"`` when ``lambda_min > 0`` on ``E``, ``"max"`` when
   ``lambda_max < 0``, ``"strict_saddle"`` when ``lambda_min < 0 < lambda_max``.
   If the enclosure cannot decide, the inertia at one exact point of ``V`` does
   (it is constant on ``V`` because no Hessian there is singular);
4. **degenerate** zeros and continua of critical points (Krawczyk fails) are
   bisected down to ``min_width`` and returned as ``"degenerate"`` clusters and
   in ``unresolved``, never dropped. A cluster with ``lambda_min < 0`` proved on
   every box holds no local minimum; for polynomial objectives an exact
   expansion at a rational critical point may settle it (:mod:`saddlecheck.landscape.degenerate`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import float_up
from saddlecheck.box import Box, check_box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import krawczyk as kr
from saddlecheck.landscape.degenerate import analyse
from saddlecheck.objective import Objective

__all__ = ["CriticalPoint", "CriticalPoints", "critical_points"]

KINDS = ("min", "strict_saddle", "max", "degenerate")


@dataclass(frozen=True)
class CriticalPoint:
    """One critical point (or an unresolved cluster) with its proved properties.

    Attributes:
        enclosure: a box containing the critical point (for ``"degenerate"``:
            the hull of the unresolved boxes of the cluster).
        kind: ``"min"``, ``"strict_saddle"``, ``"max"`` or ``"degenerate"``.
        lambda_min: ``(lo, hi)`` with ``lo <= lambda_min(Hess f(x)) <= hi`` for
            every ``x`` in the enclosure (``-inf`` when unknown).
        unique: existence and uniqueness of the zero in ``uniqueness_box`` proved.
        uniqueness_box: the Krawczyk box (``None`` for clusters).
        is_minimum: ``True``: the enclosure contains a local minimum; ``False``:
            no point of the enclosure is a local minimum; ``None``: unknown.
        reason: how the kind was decided, in words.
    """

    enclosure: Box
    kind: str
    lambda_min: tuple[float, float]
    unique: bool
    uniqueness_box: Box | None = None
    is_minimum: bool | None = None
    reason: str = ""
    point: tuple[Fraction, ...] | None = None  # exact critical point when known

    def to_dict(self) -> dict:
        return {
            "enclosure": self.enclosure.to_json(),
            "kind": self.kind,
            "lambda_min": _bnb.jsonable(list(self.lambda_min)),
            "unique": self.unique,
            "uniqueness_box": None
            if self.uniqueness_box is None
            else self.uniqueness_box.to_json(),
            "is_minimum": self.is_minimum,
            "point": None if self.point is None else [str(v) for v in self.point],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CriticalPoints(Sequence):
    """The critical points found in ``box``: a sequence of :class:`CriticalPoint`.

    ``unresolved`` lists every box that could be neither excluded nor resolved
    (at ``min_width``, or left when ``max_boxes`` ran out); each belongs to a
    ``"degenerate"`` entry. ``complete`` is ``True`` when the search ran to the
    end: then every critical point of ``f`` in ``box`` lies in some entry's
    enclosure.
    """

    box: Box
    points: tuple[CriticalPoint, ...]
    unresolved: tuple[Box, ...] = ()
    complete: bool = True
    boxes_processed: int = 0
    min_width: Fraction = Fraction(0)

    def __getitem__(self, i):
        return self.points[i]

    def __len__(self) -> int:
        return len(self.points)

    def of_kind(self, kind: str) -> list[CriticalPoint]:
        return [p for p in self.points if p.kind == kind]

    def minima(self) -> list[Box]:
        """Boxes each containing a proved local minimum (an exact point when known)."""
        out = []
        for p in self.points:
            if p.is_minimum is True:
                out.append(Box([(v, v) for v in p.point]) if p.point is not None else p.enclosure)
        return out

    def minimum_candidates(self) -> list[Box]:
        """Boxes that together contain every local minimum of ``f`` in ``box``.

        Proved minima, and every entry not proved free of local minima.
        """
        return [p.enclosure for p in self.points if p.is_minimum is not False]

    def explain(self) -> str:
        lines = [
            f"critical points of f in {self.box}: {len(self.points)} "
            f"({', '.join(f'{len(self.of_kind(k))} {k}' for k in KINDS)}); "
            f"{self.boxes_processed} boxes processed"
            + ("" if self.complete else "; budget exhausted, the search is INCOMPLETE")
        ]
        for p in self.points:
            mid = ", ".join(f"{float(v):.6g}" for v in p.enclosure.midpoint())
            lines.append(
                f"  {p.kind:13s} near ({mid}), width {float(p.enclosure.max_width()):.2g}, "
                f"lambda_min in [{p.lambda_min[0]:.6g}, {p.lambda_min[1]:.6g}]"
                + (f": {p.reason}" if p.reason else "")
            )
        if self.unresolved:
            lines.append(f"  {len(self.unresolved)} unresolved boxes (in the degenerate entries)")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "box": self.box.to_json(),
                "complete": self.complete,
                "boxes_processed": self.boxes_processed,
                "min_width": str(self.min_width),
                "points": [p.to_dict() for p in self.points],
                "unresolved": [b.to_json() for b in self.unresolved],
            }
        )


# -- the per-box step (pure: runs in workers) -------------------------------------


@dataclass(frozen=True)
class _Params:
    min_width: Fraction
    newton_width: Fraction


def _step(obj: Objective, params: _Params, box: Box) -> tuple:
    """One box: ``("discard",)``, ``("zero", Zero, rest)``, ``("split", X)`` or ``("leaf",)``."""
    try:
        loc = _bnb.local_enclosures(obj, box)
    except InputError:
        if box.max_width() > params.min_width:
            return ("split", box)
        raise
    if any(not g.contains(0) for g in loc.grad):
        return ("discard",)
    rest, found = box, None
    y = kr.approx_inverse(loc.hess)
    if y is not None:
        K = kr.krawczyk(obj, box, y, local=loc)
        rest = kr.intersect_balls(K, box)
        if rest is None:
            return ("discard",)
        if kr.inside_interior(K, box):
            found = box
    if found is None and box.max_width() <= params.newton_width:
        found = kr.verify_near(obj, box, y)
    if found is not None:
        return ("zero", kr.zero(obj, found), rest)
    if rest.max_width() <= params.min_width:
        return ("leaf",)
    return ("split", rest if rest.max_width() < box.max_width() else box)


# -- the driver -----------------------------------------------------------------


def critical_points(
    obj: Objective,
    box: object,
    *,
    min_width: object = None,
    max_boxes: int = 200_000,
    executor: Executor | None = None,
) -> CriticalPoints:
    """Every critical point of ``f`` in ``box``, enclosed and classified with proofs.

    Args:
        obj: the objective.
        box: a :class:`~saddlecheck.Box` (or ``[(lo, hi), ...]``).
        min_width: boxes narrower than this are not bisected further and are
            returned as unresolved (default: the box's largest width / 2**12).
        max_boxes: budget of processed boxes; when spent, the boxes left are
            returned as unresolved and ``complete`` is ``False``.
        executor: any ``concurrent.futures.Executor``; the result is identical
            without it.

    Returns:
        :class:`CriticalPoints`. When ``complete``, every critical point in
        ``box`` lies in the enclosure of some entry: proved unique points with
        their kind, and ``"degenerate"`` clusters for what was not resolved.

    Raises:
        InputError: wrong dimension, a singularity or Piecewise boundary in the
            box, ``min_width <= 0``, ``max_boxes < 1``.

    Examples:
        >>> pts = critical_points(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)]))
        >>> sorted(p.kind for p in pts), pts.complete
        (['min', 'min', 'strict_saddle'], True)
    """
    if not isinstance(obj, Objective):
        raise InputError(f"obj={obj!r} must be a saddlecheck.Objective")
    box = check_box(box, obj.dim)
    mw = box.max_width() / 2**12 if min_width is None else check_positive("min_width", min_width)
    if box.max_width() == 0:
        mw = Fraction(0)
    max_boxes = check_int("max_boxes", max_boxes, minimum=1)
    _bnb.check_evaluable(obj, box, f"critical_points on {box}")
    params = _Params(mw, box.max_width() / 4)
    zeros: list[kr.Zero] = []
    leaves: list[Box] = []
    queue: deque[Box] = deque([box])
    processed = 0

    def known(b: Box) -> bool:
        return any(z.V.contains_box(b) for z in zeros)

    while queue and processed < max_boxes:
        batch: list[Box] = []
        while queue and len(batch) < _bnb.BATCH and processed + len(batch) < max_boxes:
            b = queue.popleft()
            if not known(b):
                batch.append(b)
        results = _bnb.map_boxes(_step, obj, params, batch, executor)
        processed += len(batch)
        for b, res in zip(batch, results, strict=True):
            tag = res[0]
            if tag == "discard":
                continue
            if tag == "leaf":
                leaves.append(b)
                continue
            rest = res[1] if tag == "split" else res[2]
            if tag == "zero":
                z = res[1]
                if not any(k.V.contains_box(z.E) or z.V.contains_box(k.E) for k in zeros):
                    zeros.append(z)
                if known(rest):
                    continue
            if rest.max_width() <= mw:
                leaves.append(rest)
            else:
                queue.extend(c for c in rest.bisect() if not known(c))
    leftover = [b for b in queue if not known(b)]
    complete = not leftover
    points = [_point(z, box) for z in zeros if z.E.intersect(box) is not None]
    unresolved = leaves + leftover
    points += _degenerate_clusters(obj, unresolved)
    points.sort(key=lambda p: (p.enclosure.midpoint(), p.kind))
    return CriticalPoints(box, tuple(points), tuple(unresolved), complete, processed, mw)


def _point(z: kr.Zero, box: Box) -> CriticalPoint:
    reason = z.reason
    if not box.contains_box(z.E):
        reason += "; the enclosure reaches outside the box: the point may lie just outside"
    is_min = {"min": True, "max": False, "strict_saddle": False}.get(z.kind)
    return CriticalPoint(z.E, z.kind, z.lam, True, z.V, is_min, reason)


def _degenerate_clusters(obj: Objective, boxes: list[Box]) -> list[CriticalPoint]:
    out = []
    for group in _bnb.clusters(boxes):
        members = [boxes[i] for i in group]
        hullbox = _bnb.hull(members)
        bounds = kr.lam_bounds(obj.enclose("hess", hullbox))
        lo, hi = (-np.inf, np.inf) if bounds is None else bounds[0]
        if hi >= 0:  # try box by box: lambda_min < 0 on each would exclude minima
            his = []
            for b in members:
                h = _bnb.rayleigh_ball(obj.enclose("hess", b))
                his.append(float_up(_bnb.to_fraction(h.upper())) if h.is_finite() else np.inf)
                if his[-1] >= 0:
                    break
            if his[-1] < 0:
                hi = max(his)
        reason = (
            f"a cluster of {len(members)} unresolved boxes: the gradient enclosure contains 0 "
            "but no unique zero was proved (a degenerate critical point, a continuum of them, "
            "or overestimation)"
        )
        is_min, point = None, None
        if hi < 0:
            is_min = False
            reason += (
                f"; lambda_min <= {hi:.6g} < 0 on every box: no local minimum in it (any "
                "critical point here is a strict saddle in the paper's sense, lambda_min < 0)"
            )
        else:
            info = analyse(obj, hullbox)
            if info is not None:
                point = info.point
                reason += "; " + info.reason
                if info.is_minimum is True:
                    is_min = True
                elif info.isolated and info.is_minimum is False:
                    is_min = False
        out.append(
            CriticalPoint(hullbox, "degenerate", (lo, min(hi, np.inf)), False, None, is_min,
                          reason, point)
        )  # fmt: skip
    return out

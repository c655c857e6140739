"""The results of :func:`~saddlecheck.landscape.critical.critical_points`.

Proved critical points (:class:`CriticalPoint`) and the parts of the box that
could not be resolved (:class:`UnresolvedRegion`) are kept apart: a region is
never counted as a point, and :attr:`CriticalPoints.complete` is ``True`` only
when no region is left (issue 16: "N proved critical points + M unresolved
regions").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from saddlecheck.arith.rounding import format_interval
from saddlecheck.box import Box
from saddlecheck.landscape import bnb as _bnb

__all__ = ["KINDS", "CriticalPoint", "CriticalPoints", "UnresolvedRegion"]

KINDS = ("min", "strict_saddle", "max", "degenerate")


@dataclass(frozen=True)
class CriticalPoint:
    """One proved critical point with its proved properties.

    Attributes:
        enclosure: a box containing the critical point (a single point when it
            was located exactly).
        kind: ``"min"``, ``"strict_saddle"``, ``"max"`` or ``"degenerate"``
            (the exact Hessian at the point is singular).
        lambda_min: ``(lo, hi)`` with ``lo <= lambda_min(Hess f(x)) <= hi`` for
            every ``x`` in the enclosure (``-inf``/``inf`` when unknown).
        unique: proved to be the only critical point in ``uniqueness_box``.
        uniqueness_box: the box where uniqueness is proved (``None`` if not).
        is_minimum: ``True``: a local minimum; ``False``: not one; ``None``: unknown.
        reason: how the kind was decided, in words.
        point: the exact critical point when known.
    """

    enclosure: Box
    kind: str
    lambda_min: tuple[float, float]
    unique: bool
    uniqueness_box: Box | None = None
    is_minimum: bool | None = None
    reason: str = ""
    point: tuple[Fraction, ...] | None = None

    def to_dict(self) -> dict:
        return {
            "enclosure": _bnb.box_to_readable_json(self.enclosure),
            "kind": self.kind,
            "lambda_min": _bnb.jsonable(list(self.lambda_min)),
            "unique": self.unique,
            "uniqueness_box": None
            if self.uniqueness_box is None
            else _bnb.box_to_readable_json(self.uniqueness_box),
            "is_minimum": self.is_minimum,
            "point": None if self.point is None else [str(v) for v in self.point],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class UnresolvedRegion:
    """A connected set of boxes that may hold critical points none of which was resolved.

    Attributes:
        enclosure: the hull of the region's boxes.
        boxes: how many boxes the region has.
        lambda_min: an enclosure of ``lambda_min(Hess f)`` on the hull.
        is_minimum: ``False``: no local minimum in the region; ``True``: it
            holds a proved local minimum; ``None``: unknown.
        isolated: ``False`` when the region looks like a curve or surface of
            critical points (a non-isolated critical set: no budget resolves
            it), ``None`` otherwise.
        examined: ``False`` for boxes never examined (budget or time ran out).
        reason: what is known, in words.
        members: the boxes of the region (their hull is ``enclosure``).
    """

    enclosure: Box
    boxes: int
    lambda_min: tuple[float, float]
    is_minimum: bool | None
    isolated: bool | None
    examined: bool
    reason: str
    members: tuple[Box, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        return {
            "enclosure": _bnb.box_to_readable_json(self.enclosure),
            "boxes": self.boxes,
            "lambda_min": _bnb.jsonable(list(self.lambda_min)),
            "is_minimum": self.is_minimum,
            "isolated": self.isolated,
            "examined": self.examined,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CriticalPoints(Sequence):
    """The proved critical points in ``box`` (a sequence of :class:`CriticalPoint`).

    ``unresolved`` lists the :class:`UnresolvedRegion` s: parts of the box that
    may hold further critical points. ``complete`` is ``True`` only when there
    are none: then the points are *all* the critical points of ``f`` in
    ``box``. ``status`` is ``"complete"``, ``"unresolved"`` (the search ran to
    its end but regions are left), ``"budget"`` (``max_boxes`` ran out) or
    ``"time limit"``.
    """

    box: Box
    points: tuple[CriticalPoint, ...]
    unresolved: tuple[UnresolvedRegion, ...] = ()
    complete: bool = True
    boxes_processed: int = 0
    min_width: Fraction = Fraction(0)
    status: str = "complete"
    elapsed: float = 0.0

    def __getitem__(self, i):
        return self.points[i]

    def __len__(self) -> int:
        return len(self.points)

    def of_kind(self, kind: str) -> list[CriticalPoint]:
        return [p for p in self.points if p.kind == kind]

    def minima(self) -> list[Box]:
        """Boxes each containing a proved local minimum (an exact point when known)."""
        return [
            Box([(v, v) for v in p.point]) if p.point is not None else p.enclosure
            for p in self.points
            if p.is_minimum is True
        ]

    def minimum_candidates(self) -> list[Box]:
        """Boxes that together contain every local minimum of ``f`` in ``box``.

        Points not proved free of minima, and every unresolved region not
        proved free of minima.
        """
        return [p.enclosure for p in self.points if p.is_minimum is not False] + [
            r.enclosure for r in self.unresolved if r.is_minimum is not False
        ]

    def non_isolated(self) -> list[UnresolvedRegion]:
        """Regions that look like a curve or surface of critical points."""
        return [r for r in self.unresolved if r.isolated is False]

    def summary(self) -> str:
        """``"N proved critical points (...) + M unresolved regions"``."""
        kinds = ", ".join(f"{len(self.of_kind(k))} {k}" for k in KINDS if self.of_kind(k))
        s = f"{len(self.points)} proved critical points" + (f" ({kinds})" if kinds else "")
        if self.unresolved:
            s += f" + {len(self.unresolved)} unresolved regions"
        return s

    def explain(self) -> str:
        tail = {
            "complete": "; complete: no other critical point in the box",
            "unresolved": "; INCOMPLETE: the unresolved regions may hold more critical points",
            "budget": "; INCOMPLETE: max_boxes ran out (budget exhausted)",
            "time limit": "; INCOMPLETE: the time limit was reached",
        }[self.status]
        lines = [
            f"critical points of f in {self.box}: {self.summary()}; "
            f"{self.boxes_processed} boxes processed in {self.elapsed:.1f} s" + tail
        ]
        for p in self.points:
            mid = ", ".join(f"{float(v):.6g}" for v in p.enclosure.midpoint())
            lines.append(
                f"  {p.kind:13s} near ({mid}), width {float(p.enclosure.max_width()):.2g}, "
                f"lambda_min in {format_interval(*p.lambda_min)}"
                + (f": {p.reason}" if p.reason else "")
            )
        for r in self.unresolved:
            mid = ", ".join(f"{float(v):.6g}" for v in r.enclosure.midpoint())
            lines.append(
                f"  unresolved    near ({mid}), width {float(r.enclosure.max_width()):.2g}, "
                f"{r.boxes} boxes: {r.reason}"
            )
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "box": self.box.to_json(),
                "complete": self.complete,
                "status": self.status,
                "boxes_processed": self.boxes_processed,
                "min_width": str(self.min_width),
                "summary": self.summary(),
                "points": [p.to_dict() for p in self.points],
                "unresolved": [r.to_dict() for r in self.unresolved],
            }
        )

"""Verified enclosure and classification of the critical points of ``f`` in a box.

Interval branch and bound on ``grad f``:

1. **exclusion**: a box is dropped when a component of the gradient enclosure
   (natural extension ∩ centred form ``grad f(c) + H(X)(X - c)``) excludes 0, or
   when the Krawczyk image ``K(X)`` misses ``X`` (every zero of ``X`` lies in
   ``K(X)``); otherwise ``X`` is contracted to ``X ∩ K(X)`` (rounded outward to
   dyadic ends of bounded size) and bisected;
2. **existence and uniqueness**: ``K(V) ⊂ int V`` proves that ``grad f`` has
   exactly one zero in ``V`` and that every Hessian in the enclosure ``H(V)``
   is nonsingular (Krawczyk 1969; Rump, Acta Numerica 19 (2010), section 13).
   ``V`` is the box itself or, to catch zeros on box faces, a small box around
   a float Newton iterate (epsilon-inflation). The zero is then enclosed in a
   tight box ``E`` (:mod:`saddlecheck.landscape.krawczyk`), or located exactly
   when ``f`` is rational and ``grad f`` vanishes at a simple rational of ``E``;
3. **classification** by the certified inertia of ``H(E)``: ``"min"``,
   ``"max"`` or ``"strict_saddle"`` (never ``"degenerate"``: Krawczyk's test
   proved the Hessian nonsingular);
4. what is left: boxes at ``min_width`` that could be neither excluded nor
   resolved. Those inside (or provably merged into, :func:`~saddlecheck.landscape.krawczyk.absorb`)
   the uniqueness box of a proved zero are dropped: they duplicate it. The
   others form **unresolved regions** (``CriticalPoints.unresolved``), never
   dropped and never counted as points. For polynomial objectives an exact
   expansion at a rational critical point of a region may prove a
   ``"degenerate"`` critical point and that it is the only one in the region
   (:mod:`saddlecheck.landscape.degenerate`); a long chain of boxes holding
   several exact critical points is reported as a non-isolated critical set.

Every run ends within its budget: ``max_boxes`` boxes and ``time_limit``
seconds; what was not examined is returned as unresolved, ``complete=False``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction
from math import inf

import numpy as np

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import float_down, float_up
from saddlecheck.box import Box, check_box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import krawczyk as kr
from saddlecheck.landscape.degenerate import Cluster, settle_cluster
from saddlecheck.landscape.points import CriticalPoint, CriticalPoints, UnresolvedRegion
from saddlecheck.objective import Objective

__all__ = ["CriticalPoint", "CriticalPoints", "UnresolvedRegion", "critical_points"]

# -- the per-box step (pure: runs in workers) -------------------------------------


@dataclass(frozen=True)
class _Params:
    min_width: Fraction
    newton_width: Fraction


def _step(obj: Objective, params: _Params, box: Box) -> tuple:
    """One box: ``("discard",)``, ``("zero", V, rest)``, ``("split", X)`` or ``("leaf", X)``.

    ``V`` is a box with ``K(V) ⊂ int V``: exactly one zero of ``grad f`` in it.
    """
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
        else:  # bounded ends: round the contraction outward (on a grid of min_width / 256)
            rest = _bnb.round_box(rest, 64, params.min_width / 256).intersect(box) or box
    small = rest.max_width() <= params.min_width
    if found is None and (box.max_width() <= params.newton_width or small):
        found = kr.verify_near(obj, rest if small else box, y)
    if found is not None:
        return ("zero", found, rest)
    if small:
        return ("leaf", rest)
    return ("split", rest if rest.max_width() < box.max_width() else box)


# -- the driver -----------------------------------------------------------------


def _volume(b: Box, axes: tuple[int, ...]) -> float:
    v = 1.0
    for i in axes:
        lo, hi = b.intervals[i]
        v *= float(hi - lo)
    return v


def critical_points(
    obj: Objective,
    box: object,
    *,
    min_width: object = None,
    max_boxes: int = 200_000,
    executor: Executor | None = None,
    time_limit: object = None,
    progress: Callable[[dict], None] | None = None,
) -> CriticalPoints:
    """Every critical point of ``f`` in ``box``, enclosed and classified with proofs.

    Hypotheses (checked): ``f`` is real and ``C^3`` on the box (every
    subexpression in its domain, no Piecewise boundary inside).

    Args:
        obj: the objective.
        box: a :class:`~saddlecheck.Box` (or ``[(lo, hi), ...]``).
        min_width: boxes narrower than this are not bisected further; if
            unresolved they form unresolved regions (default: the box's
            largest width / 2**12).
        max_boxes: budget of processed boxes; when spent, the boxes left are
            returned as unresolved regions and ``status`` is ``"budget"``.
        executor: any ``concurrent.futures.Executor``; the result is identical
            without it (unless ``time_limit`` cuts the run).
        time_limit: seconds of wall-clock time (``None``: no limit); when
            reached, the search stops with what it knows, ``status`` is
            ``"time limit"``.
        progress: called now and then with a dict ``{"phase", "boxes",
            "frontier", "found", "settled_fraction", "elapsed"}``
            (``settled_fraction``: the share of the box's volume excluded or
            resolved so far).

    Returns:
        :class:`CriticalPoints`: the proved points and the unresolved regions.
        When ``complete``, every critical point in ``box`` is one of the points.

    Raises:
        InputError: wrong dimension, a singularity or Piecewise boundary in the
            box, ``min_width <= 0``, ``max_boxes < 1``, ``time_limit <= 0``.

    Examples:
        >>> pts = critical_points(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)]))
        >>> sorted(p.kind for p in pts), pts.complete
        (['min', 'min', 'strict_saddle'], True)
    """
    start = time.monotonic()
    if not isinstance(obj, Objective):
        raise InputError(f"obj={obj!r} must be a saddlecheck.Objective")
    box = check_box(box, obj.dim)
    mw = box.max_width() / 2**12 if min_width is None else check_positive("min_width", min_width)
    if box.max_width() == 0:
        mw = Fraction(0)
    max_boxes = check_int("max_boxes", max_boxes, minimum=1)
    deadline = None
    if time_limit is not None:
        deadline = start + float(check_positive("time_limit", time_limit))
    if progress is not None and not callable(progress):
        raise InputError(f"progress={progress!r} must be None or a function of one dict")
    _bnb.check_evaluable(obj, box, f"critical_points on {box}")
    params = _Params(mw, box.max_width() / 4)
    found = _Zeros(obj)
    zeros = found.zeros
    leaves: list[Box] = []
    queue: deque[Box] = deque([box])
    processed = 0
    axes = tuple(i for i, w in enumerate(box.widths) if w > 0)
    total = _volume(box, axes) or 1.0

    known = found.known
    settled = [0.0]

    def report(phase: str, extra: int = 0) -> None:
        """Call ``progress``; the settled share is recomputed between batches only."""
        if progress is None:
            return
        if extra == 0:
            left = sum(_volume(b, axes) for b in queue) + sum(_volume(b, axes) for b in leaves)
            settled[0] = max(0.0, 1 - left / total)
        progress({"phase": phase, "boxes": processed + extra, "frontier": len(queue),
                  "found": len(zeros), "settled_fraction": settled[0],
                  "elapsed": time.monotonic() - start})  # fmt: skip

    timed_out = False
    while queue and processed < max_boxes:
        if deadline is not None and time.monotonic() > deadline:
            timed_out = True
            break
        batch: list[Box] = []
        while queue and len(batch) < _bnb.BATCH and processed + len(batch) < max_boxes:
            b = queue.popleft()
            if not known(b):
                batch.append(b)
        tick = None if progress is None else (lambda k: report("critical_points", k))
        results = _bnb.map_boxes(_step, obj, params, batch, executor, deadline, tick)
        if len(results) < len(batch):
            timed_out = True
            queue.extendleft(reversed(batch[len(results) :]))
        processed += len(results)
        for res in results:
            tag = res[0]
            if tag == "discard":
                continue
            rest = res[1] if tag in ("split", "leaf") else res[2]
            if tag == "zero":
                found.add(res[1])
            if known(rest):
                continue
            if tag == "leaf" or rest.max_width() <= mw:
                leaves.append(rest)
            else:
                queue.extend(c for c in rest.bisect() if not known(c))
        report("critical_points")
    leaves, spent = _absorb(obj, found, leaves, max(0, max_boxes - processed), deadline)
    processed += spent
    leftover = [b for b in queue if not known(b)]
    if timed_out or (deadline is not None and time.monotonic() > deadline):
        status = "time limit"
    elif leftover:
        status = "budget"
    else:
        status = "complete"  # "unresolved" below if regions are left
    points = [_point(z, box) for z in zeros if z.E.intersect(box) is not None]
    regions: list[UnresolvedRegion] = []
    for p in points:
        if p.kind == "undecided":
            regions.append(UnresolvedRegion(p.enclosure, 1, p.lambda_min, None, True, True,
                                            p.reason))  # fmt: skip
    points = [p for p in points if p.kind != "undecided"]
    for group in _bnb.clusters(leaves):
        members = [leaves[i] for i in group]
        if deadline is not None and time.monotonic() > deadline:
            why = "at min_width, not analysed (time limit reached)"
            regions.append(_open_region(members, True, why))
            status = "time limit"
            continue
        _add_cluster(settle_cluster(obj, members, mw), members, box, points, regions, zeros)
    for group in _bnb.clusters(leftover):
        members = [leftover[i] for i in group]
        why = "time limit" if status == "time limit" else f"max_boxes={max_boxes}"
        regions.append(_open_region(members, False, f"not examined ({why} reached)"))
    if not regions:
        status = "complete"  # every critical point in the box is listed, however it ended
    elif status == "complete":
        status = "unresolved"
    points.sort(key=lambda p: (p.enclosure.midpoint(), p.kind))
    regions.sort(key=lambda r: r.enclosure.midpoint())
    report("done")
    return CriticalPoints(box, tuple(points), tuple(regions), not regions, processed, mw,
                          status, time.monotonic() - start)  # fmt: skip


def _open_region(members: list[Box], examined: bool, reason: str) -> UnresolvedRegion:
    """A region about which nothing is proved (not examined, or not analysed)."""
    return UnresolvedRegion(_bnb.hull(members), len(members), (-inf, inf), None, None,
                            examined, reason, tuple(members))  # fmt: skip


class _Zeros:
    """The proved zeros, and every box proved to hold exactly one zero, a listed one."""

    def __init__(self, obj: Objective):
        self.obj = obj
        self.zeros: list[kr.Zero] = []
        self.covered: list[Box] = []
        self._lo = np.empty((0, obj.dim))
        self._hi = np.empty((0, obj.dim))

    def cover(self, V: Box) -> None:
        """Record ``V``: a box whose only critical point is a listed zero."""
        if self.known(V):
            return
        self.covered.append(V)
        self._lo = np.vstack([self._lo, [float_down(lo) for lo in V.lower]])
        self._hi = np.vstack([self._hi, [float_up(hi) for hi in V.upper]])

    def known(self, b: Box) -> bool:
        """``b`` lies in a box whose only critical point is a listed zero.

        A float pre-test (covered boxes rounded outward, ``b`` to nearest: a
        monotone rounding keeps ``lo <= b_lo`` and ``b_hi <= hi``) cannot miss a
        containment; each candidate is confirmed exactly.
        """
        if not self.covered:
            return False
        blo = np.array([float(lo) for lo in b.lower])
        bhi = np.array([float(hi) for hi in b.upper])
        cand = np.nonzero(np.all((self._lo <= blo) & (bhi <= self._hi), axis=1))[0]
        return any(self.covered[i].contains_box(b) for i in cand)

    def add(self, V: Box) -> None:
        """Record the unique zero of ``V`` (refined and classified only when it is new).

        It is a listed zero when the enclosure ``E`` of a listed zero lies in
        ``V`` (``V`` has one zero and ``E`` holds one) or ``V`` lies in a
        listed uniqueness box.
        """
        self.cover(V)
        if any(V.contains_box(k.E) or k.V.contains_box(V) for k in self.zeros):
            return
        z = kr.zero(self.obj, V)
        if not any(k.V.contains_box(z.E) or z.V.contains_box(k.E) for k in self.zeros):
            self.zeros.append(z)


POLISH_ALL = 64
"""Up to this many leaves, every leaf gets a finer local search (else only those beside a zero)."""


def _beside(z: kr.Zero, b: Box) -> bool:
    """``b`` lies within a few of its own widths of the uniqueness box of ``z``."""
    return _bnb.touching(z.V.enlarge(4 * b.max_width()), b)


def _polish(obj: Objective, found: _Zeros, leaf: Box, budget: int, deadline: float | None) -> int:
    """Resolve a leaf beside a proved zero by a local, finer search; returns boxes used or -1.

    Sub-boxes down to ``width / 64`` are excluded, found inside a uniqueness
    box, or resolved as new proved zeros (appended to ``zeros``); ``-1`` when
    some part stays unresolved or the budget or time runs out.
    """
    params = _Params(leaf.max_width() / 64, leaf.max_width())
    todo, used = [leaf], 0
    while todo:
        x = todo.pop()
        if found.known(x):
            continue
        if used >= budget or (deadline is not None and time.monotonic() > deadline):
            return -1
        res = _step(obj, params, x)
        used += 1
        if res[0] == "discard":
            continue
        if res[0] == "leaf":
            return -1
        rest = res[1] if res[0] == "split" else res[2]
        if res[0] == "zero":
            found.add(res[1])
        if not found.known(rest):
            todo.extend(rest.bisect())
    return used


def _absorb(obj: Objective, found: _Zeros, leaves: list[Box], budget: int,
            deadline: float | None) -> tuple[list[Box], int]:  # fmt: skip
    """Drop leaves that duplicate a proved zero; returns the rest and the boxes spent.

    A leaf ``B`` beside the uniqueness box ``V`` of a proved zero is dropped
    when ``K(W) ⊂ int W`` on ``W ⊇ hull(V, B)`` (``W`` holds exactly one
    critical point, the known one), or when a finer local search resolves all
    of ``B`` (:func:`_polish`; tried on every leaf when there are few).
    """
    out, spent, zeros = [], 0, found.zeros
    few = len(leaves) <= POLISH_ALL
    for b in leaves:
        late = deadline is not None and time.monotonic() > deadline
        if late or not (few or any(_beside(z, b) for z in zeros)):
            out.append(b)
            continue
        done = found.known(b)
        for z in [] if done else zeros:
            if _beside(z, b) and (W := kr.absorb(obj, z.V, b)) is not None:
                found.cover(W)
                done = True
                break
        if not done:
            used = _polish(obj, found, b, min(256, budget - spent), deadline)
            done = used >= 0
            spent += used if done else 0
        if not done:
            out.append(b)
    return out, spent


def _point(z: kr.Zero, box: Box) -> CriticalPoint:
    reason = z.reason
    if not box.contains_box(z.E):
        reason += "; the enclosure reaches outside the box: the point may lie just outside"
    is_min = {"min": True, "max": False, "strict_saddle": False}.get(z.kind)
    exact = tuple(lo for lo, _ in z.E.intervals) if z.E.max_width() == 0 else None
    return CriticalPoint(z.E, z.kind, z.lam, True, z.V, is_min, reason, exact)


def _add_cluster(c: Cluster, members: list[Box], box: Box, points: list, regions: list,
                 zeros: list) -> None:  # fmt: skip
    """A settled cluster becomes a proved point, a region, or both (never a duplicate point)."""
    if c.point is not None and any(z.V.contains(c.point) for z in zeros):
        if c.isolated:
            return  # the cluster's only critical point is a proved zero already listed
    elif c.point is not None and box.contains(c.point):
        pbox = c.hull if c.isolated else Box([(v, v) for v in c.point])
        points.append(
            CriticalPoint(pbox, c.point_kind, c.point_lam, c.isolated,
                          c.hull if c.isolated else None, c.point_is_min, c.point_reason,
                          c.point)
        )  # fmt: skip
        if c.isolated:
            return
    elif c.point is not None and c.isolated:
        return  # the only critical point of the cluster lies outside the box
    regions.append(
        UnresolvedRegion(c.hull, c.size, c.lam, c.is_min, False if c.non_isolated else None,
                         True, c.reason, tuple(members))
    )  # fmt: skip

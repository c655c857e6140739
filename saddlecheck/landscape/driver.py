"""The covering engine: subtree tasks, dispatched ahead, committed in a fixed order.

Used by :func:`~saddlecheck.landscape.strict_saddle.check_strict_saddle`. The
covering is a tree: the per-box function ``step(obj, params, box)`` either
settles a box (a leaf, an undecided box, a counterexample) or asks for it to
be bisected (``("split",)``: the widest axis, ``("split", axis)``: that axis).

**Tasks.** One task (:func:`cover_task`) takes a *bundle* of root boxes and
processes them depth first, bisecting in the worker, until its box cap is
reached; it returns its leaves, undecided boxes, an eventual counterexample,
and its *frontier* (the boxes it did not reach), cut into at most
:data:`BUNDLES` bundles by a fixed rule. The driver thus handles a few dozen
objects per task instead of every box, and pickles no box twice.

**Order.** Bundles wait in a first-in first-out queue; the ``n``-th task takes
the ``n``-th bundle, with a cap that depends on ``n`` only
(:func:`cap_of`). Up to :data:`IN_FLIGHT_PER_WORKER` tasks per worker run
ahead of the driver (no batch barrier: a finished task is replaced at once),
and results are *committed* in dispatch order, so the sequence of tasks, each
task's result, and every decision taken at a commit (the ``max_boxes`` cut,
the first counterexample, the "continuum" flag handed to new bundles) are the
same with any executor and without one. A task whose result would overrun
``max_boxes`` is run again in the driver with the exact remaining budget
(its first boxes are the same), so at most ``max_boxes`` boxes are ever
counted. Only a ``time_limit`` makes the outcome depend on timing.

Any ``concurrent.futures.Executor`` works (a process pool, a Dask client's
``client.get_executor()``); the task function, its arguments and results are
picklable, and the objective travels as text (:func:`~saddlecheck.landscape.bnb._job`),
rebuilt once per worker process.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field

from saddlecheck.box import Box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.objective import Objective

CAP = 512
"""Boxes per task at most (after the first few tasks, see :func:`cap_of`)."""

RAMP = 16
"""The first task's cap; the cap doubles with each task up to :data:`CAP`, so
that all workers have work within a few tasks."""

BUNDLES = 4
"""A task's frontier is cut into at most this many bundles (new tasks)."""

BUNDLE_MIN = 4
"""... each of at least this many boxes (when the frontier has that many)."""

IN_FLIGHT_PER_WORKER = 3
"""Tasks submitted ahead per worker."""

PROGRESS_EVERY = 0.25
"""Seconds between two progress reports at least."""


def cap_of(n: int) -> int:
    """The box cap of the ``n``-th task (``n = 0, 1, ...``): ``RAMP * 2**n`` up to ``CAP``."""
    return CAP if n >= 16 else min(CAP, RAMP << n)


def bundles_of(frontier: list[Box]) -> list[list[Box]]:
    """Cut a frontier (in processing order) into bundles, dealing boxes round-robin.

    The frontier of a depth-first task holds boxes of every depth (a large
    sibling near the root, small ones near the leaf); dealing them in turn
    gives bundles of similar work.
    """
    if not frontier:
        return []
    k = max(1, min(BUNDLES, len(frontier) // BUNDLE_MIN))
    return [frontier[i::k] for i in range(k)]


def cover_task(
    step: Callable,
    prune: Callable,
    job: _bnb._Job,
    params: object,
    conditions: tuple[str, ...],
    roots: list[Box],
    cap: int,
    continuum: bool,
    seconds: float | None,
) -> tuple:
    """Process the subtrees of ``roots`` depth first, at most ``cap`` boxes (one task).

    For each box ``b`` (in order) ``step(obj, params, b)`` gives a tag: one of
    ``conditions`` (a leaf), ``"undecided"`` (``("undecided", "continuum")``
    beside a non-isolated critical set), ``"counterexample"`` (the task stops),
    or a split: ``("split",)`` / ``("split", axis)``, unless ``continuum`` (a
    continuum was seen, here or before this task's bundle was made) and
    ``prune(params, b)`` holds: then ``b`` is left undecided (pruned).

    A pure function of its arguments (and of ``seconds``, wall-clock seconds
    after which it stops early; ``None``: no limit), so the serial driver and
    any worker give the same result. Returns ``(processed, leaves,
    undecided, n_continuum, n_pruned, counterexample, frontier)``: leaves as
    ``(box, tag, bound)`` and the frontier in processing order.
    """
    obj = _bnb._worker_objective(job)
    start = time.monotonic()
    stack = list(reversed(roots))
    leaves: list[tuple] = []
    undecided: list[Box] = []
    processed = n_cont = n_pruned = 0
    found = None
    while stack and processed < cap:
        if seconds is not None and processed and time.monotonic() - start > seconds:
            break
        b = stack.pop()
        res = step(obj, params, b)
        processed += 1
        tag = res[0]
        if tag in conditions:
            leaves.append((b, tag, res[1]))
        elif tag == "counterexample":
            found = (b, res[2], res[1])  # the box stepped, the counterexample box, evidence
            break
        elif tag == "undecided":
            undecided.append(b)
            if len(res) > 1:
                n_cont += 1
                continuum = True
        elif continuum and prune(params, b):
            undecided.append(b)  # True is out of reach, and no counterexample lies in b
            n_pruned += 1
        else:
            axis = res[1] if tag == "split" and len(res) > 1 else None
            lo, hi = b.bisect(axis)
            stack.append(hi)
            stack.append(lo)
    return processed, leaves, undecided, n_cont, n_pruned, found, stack[::-1]


@dataclass
class Covering:
    """What the engine found: committed results only, in commit order."""

    leaves: list[tuple] = field(default_factory=list)  # (box, tag, bound)
    undecided: list[Box] = field(default_factory=list)  # settled as undecided (min_width, ...)
    left: list[Box] = field(default_factory=list)  # not examined (budget, time limit)
    processed: int = 0
    found: tuple | None = None  # (box, evidence)
    timed_out: bool = False
    continuum: int = 0
    pruned: int = 0
    outside: int = 0  # counterexamples refused by ``inside`` (their boxes are undecided)
    tasks: int = 0


class _Engine:
    def __init__(self, step, prune, obj, params, conditions, root, max_boxes, deadline, tick,
                 inside):  # fmt: skip
        self.step, self.prune, self.obj, self.params = step, prune, obj, params
        self.inside = inside
        self.conditions, self.max_boxes, self.deadline, self.tick = (
            conditions, max_boxes, deadline, tick)  # fmt: skip
        self.queue: deque[tuple[list[Box], bool]] = deque([([root], False)])
        self.queued = 1  # boxes in the queue
        self.out = Covering()
        self.flag = False
        self.dispatched = 0
        self.last_tick = time.monotonic()
        self.job = _bnb._job(obj)
        if len(_bnb._WORKER_OBJECTIVES) > 16:
            _bnb._WORKER_OBJECTIVES.clear()
        _bnb._WORKER_OBJECTIVES.setdefault(self.job.key, obj)  # forked workers inherit it

    def seconds(self) -> float | None:
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 0.0)

    def args(self, roots: list[Box], cap: int, flag: bool) -> tuple:
        return (self.step, self.prune, self.job, self.params, self.conditions, roots, cap,
                flag, self.seconds())  # fmt: skip

    def take(self) -> tuple[list[Box], bool, int]:
        roots, flag = self.queue.popleft()
        self.queued -= len(roots)
        cap = min(cap_of(self.dispatched), self.max_boxes - self.out.processed)
        self.dispatched += 1
        return roots, flag, cap

    def commit(self, roots: list[Box], flag: bool, cap: int, res: tuple) -> None:
        """Commit one task's result (in dispatch order)."""
        out = self.out
        room = min(cap, self.max_boxes - out.processed)
        if res[0] > room:  # dispatched before earlier tasks used up the budget
            res = cover_task(*self.args(roots, room, flag)[:-1], None)
        processed, leaves, undecided, n_cont, n_pruned, found, frontier = res
        out.tasks += 1
        out.processed += processed
        out.leaves.extend(leaves)
        out.undecided.extend(undecided)
        out.continuum += n_cont
        out.pruned += n_pruned
        if found is not None:
            stepped, box, evidence = found
            box = box if self.inside is None else self.inside(box)
            if box is not None:
                out.found = (box, evidence)
                return
            out.undecided.append(stepped)
            out.outside += 1
        self.flag = self.flag or n_cont > 0
        for bundle in bundles_of(frontier):
            self.queue.append((bundle, self.flag))
            self.queued += len(bundle)
        now = time.monotonic()
        if self.tick is not None and now - self.last_tick >= PROGRESS_EVERY:
            self.last_tick = now
            self.tick(out, self.queued)

    def done(self) -> bool:
        o = self.out
        return o.found is not None or o.processed >= self.max_boxes or o.timed_out

    def finish(self, unexamined: Sequence[list[Box]] = ()) -> Covering:
        out = self.out
        if out.found is None:
            out.left = [b for roots in unexamined for b in roots]
            out.left += [b for roots, _ in self.queue for b in roots]
        if self.tick is not None:
            self.tick(out, len(out.left))
        return out

    def run_serial(self) -> Covering:
        while self.queue and not self.done():
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.out.timed_out = True
                break
            roots, flag, cap = self.take()
            self.commit(roots, flag, cap, cover_task(*self.args(roots, cap, flag)))
        return self.finish()

    def run_parallel(self, executor: Executor, first: Callable | None) -> Covering:
        limit = IN_FLIGHT_PER_WORKER * _bnb.workers_of(executor)
        # dispatched, not yet committed, in dispatch order; finished ones wait for their turn
        flight: deque[tuple[Future, list[Box], bool, int]] = deque()

        def fill() -> None:
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.out.timed_out = True
                return
            running = sum(1 for f, *_ in flight if not f.done())
            while self.queue and running < limit and not self.done():
                roots, flag, cap = self.take()
                flight.append((executor.submit(cover_task, *self.args(roots, cap, flag)),
                               roots, flag, cap))  # fmt: skip
                running += 1

        def stop() -> None:
            for f, *_ in flight:
                f.cancel()

        fill()
        if first is not None:  # e.g. the point counterexample search, while workers cover
            found = first()
            if found is not None:
                stop()
                self.out.found = found
                return self.finish()
        try:
            while flight and not self.done():
                while flight and flight[0][0].done() and not self.done():
                    f, roots, flag, cap = flight.popleft()
                    self.commit(roots, flag, cap, f.result())
                fill()
                if not flight or self.done() or flight[0][0].done():
                    continue
                left = self.seconds()
                wait([f for f, *_ in flight if not f.done()], timeout=left,
                     return_when=FIRST_COMPLETED)  # fmt: skip
                late = left is not None and time.monotonic() >= self.deadline
                if late and not flight[0][0].done():
                    self.out.timed_out = True
        except BaseException:  # a worker raised (InputError, ...): stop the others first
            stop()
            raise
        stop()
        if self.deadline is not None and time.monotonic() > self.deadline and self.queue:
            self.out.timed_out = True
        return self.finish([roots for _, roots, _, _ in flight])


def cover(
    step: Callable,
    prune: Callable,
    obj: Objective,
    params: object,
    root: Box,
    conditions: tuple[str, ...],
    executor: Executor | None,
    *,
    max_boxes: int,
    deadline: float | None = None,
    tick: Callable[[Covering, int], None] | None = None,
    first: Callable[[], tuple | None] | None = None,
    inside: Callable[[Box], Box | None] | None = None,
) -> Covering:
    """Cover ``root`` with the tree of ``step`` (see the module docstring).

    ``step`` and ``prune`` must be module-level functions and ``params``
    picklable when an executor is used. ``first()`` (optional) runs before the
    covering (serially) or while the first tasks run (with an executor); a
    non-``None`` result ``(box, evidence)`` is taken as the counterexample and
    the covering is dropped, exactly as if it had not started. ``tick(covering,
    frontier_boxes)`` is called now and then, and once at the end. At most
    ``max_boxes`` boxes are processed; the result is the same with any executor
    and without one (only a ``deadline``, a :func:`time.monotonic` value, makes
    it depend on timing). ``inside(box)`` (optional, run in this process)
    turns a counterexample box into the one reported, or refuses it
    (``None``: the box stepped is left undecided and counted in ``outside``).
    """
    eng = _Engine(step, prune, obj, params, tuple(conditions), root, max_boxes, deadline, tick,
                  inside)  # fmt: skip
    if executor is None:
        if first is not None:
            found = first()
            if found is not None:
                eng.out.found = found
                return eng.finish()
        return eng.run_serial()
    return eng.run_parallel(executor, first)


def reporter(box: Box, progress: Callable[[dict], None], start: float) -> Callable:
    """A ``tick`` for :func:`cover` that calls ``progress`` with the covering's figures.

    ``settled_fraction``: the share of ``box``'s volume covered by leaves
    (floats, for progress only; added up incrementally).
    """
    axes = [i for i, w in enumerate(box.widths) if w > 0]
    total = math.prod(float(box.widths[i]) for i in axes) or 1.0
    seen = [0, 0.0]  # leaves added up, their volume

    def tick(out: Covering, frontier: int) -> None:
        for b, _, _ in out.leaves[seen[0] :]:
            w = b.widths
            seen[1] += math.prod(float(w[i]) for i in axes)
        seen[0] = len(out.leaves)
        progress({"phase": "covering", "boxes": out.processed, "frontier": frontier,
                  "leaves": len(out.leaves), "undecided": len(out.undecided),
                  "settled_fraction": min(1.0, seen[1] / total),
                  "elapsed": time.monotonic() - start})  # fmt: skip

    return tick

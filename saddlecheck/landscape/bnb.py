"""Interval branch and bound: local enclosures of ``grad f`` and ``Hess f`` and a box driver.

Shared by :mod:`saddlecheck.landscape.critical` and :mod:`saddlecheck.landscape.strict_saddle`.

Enclosures over a box ``X`` with centre ``c`` (python-flint balls, outward
rounded):

* the natural interval extension ``G(X) ⊇ {grad f(x) : x in X}``;
* the centred (mean-value) form ``grad f(X) ⊆ grad f(c) + H(X) (X - c)``
  (mean value theorem applied to each component: for ``x`` in ``X``,
  ``g_i(x) = g_i(c) + grad g_i(xi_i) . (x - c)`` with ``xi_i`` in ``X``);

and the gradient enclosure used is their intersection.

The driver processes boxes in fixed-size batches, in a fixed order, and applies
the per-box function either in this process or through any
``concurrent.futures.Executor``: the per-box function is pure, the batches do
not depend on the executor, and the results of a batch are merged in the order
of its boxes, so the outcome is identical with and without an executor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import float_down, float_up, to_fraction
from saddlecheck.box import Box
from saddlecheck.objective import Objective

BATCH = 1024
"""Boxes per batch: fixed, so results do not depend on the executor."""

LOCAL_BELOW = 64
"""Smaller batches run in this process (shipping them costs more than it saves)."""


def fq(q: Fraction) -> flint.fmpq:
    return flint.fmpq(q.numerator, q.denominator)


def ball(lo: Fraction, hi: Fraction) -> flint.arb:
    """A ball containing the interval ``[lo, hi]``."""
    a = flint.arb(fq(lo))
    return a if lo == hi else a.union(flint.arb(fq(hi)))


def ends(a: flint.arb) -> tuple[Fraction, Fraction]:
    """Exact rationals ``lo <= x <= hi`` for every ``x`` in the ball ``a``."""
    return to_fraction(a.lower()), to_fraction(a.upper())


def mig2(a: flint.arb) -> flint.arb:
    """``min_{x in a} x^2`` enclosed (0 when the ball contains 0)."""
    m = a.abs_lower()
    return m * m


def mag2(a: flint.arb) -> flint.arb:
    """``max_{x in a} x^2`` enclosed."""
    m = a.abs_upper()
    return m * m


@dataclass(frozen=True)
class Local:
    """Enclosures over a box: ``grad`` (natural ∩ centred form) and ``hess``."""

    centre: tuple[Fraction, ...]
    grad_centre: list
    grad: list
    hess: list
    dx: list  # X - c as balls


def local_enclosures(obj: Objective, box: Box, prec: int = 53) -> Local:
    """Gradient and Hessian enclosures over ``box`` (see the module docstring).

    Raises:
        InputError: from :meth:`Objective.enclose` (singularity, Piecewise
            boundary inside the box).
    """
    c = box.midpoint()
    gc = obj.enclose("grad", c, prec)
    gx = obj.enclose("grad", box, prec)
    hx = obj.enclose("hess", box, prec)
    d = box.dim
    with flint.ctx.workprec(prec):
        dx = [ball(lo - ci, hi - ci) for (lo, hi), ci in zip(box.intervals, c, strict=True)]
        g = []
        for i in range(d):
            mv = gc[i]
            for j in range(d):
                mv += hx[i][j] * dx[j]
            g.append(gx[i].intersection(mv) if gx[i].overlaps(mv) else gx[i])
    return Local(c, gc, g, hx, dx)


def grad_norm2_bounds(g: Sequence) -> tuple[flint.arb, flint.arb]:
    """Balls enclosing lower and upper bounds of ``||grad f||^2`` over the box."""
    lo = sum((mig2(a) for a in g), flint.arb(0))
    hi = sum((mag2(a) for a in g), flint.arb(0))
    return lo, hi


def rayleigh_ball(hess: Sequence) -> flint.arb:
    """A ball whose upper end bounds ``lambda_min(H)`` for every ``H`` in the enclosure.

    ``lambda_min(H) <= v^T H v / v^T v`` (Courant-Fischer) for the fixed float
    direction ``v``, the bottom eigenvector of the midpoint matrix; the
    quotient is evaluated in ball arithmetic over the whole enclosure.
    """
    d = len(hess)
    mid = np.array([[float(a.mid()) for a in row] for row in hess])
    if not np.all(np.isfinite(mid)):
        return flint.arb("inf")
    v = [flint.arb(float(t)) for t in np.linalg.eigh(mid)[1][:, 0]]
    q = flint.arb(0)
    for i in range(d):
        for j in range(d):
            q += v[i] * v[j] * hess[i][j]
    return q / sum((t * t for t in v), flint.arb(0))


def jsonable(x: object) -> object:
    """Floats as JSON numbers, infinities as the strings ``"inf"`` / ``"-inf"``."""
    if isinstance(x, float) and not np.isfinite(x):
        return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


def hull(boxes: Sequence[Box]) -> Box:
    d = boxes[0].dim
    return Box(
        [
            (min(b.intervals[i][0] for b in boxes), max(b.intervals[i][1] for b in boxes))
            for i in range(d)
        ]
    )


def touching(a: Box, b: Box) -> bool:
    """The closed boxes share at least one point."""
    return all(
        lo1 <= hi2 and lo2 <= hi1
        for (lo1, hi1), (lo2, hi2) in zip(a.intervals, b.intervals, strict=True)
    )


def clusters(boxes: Sequence[Box]) -> list[list[int]]:
    """Connected components of the touching relation, as sorted index lists.

    Candidate pairs come from a sweep along the first axis with a vectorised
    float pre-test (ends rounded outward, so no touching pair is missed); each
    candidate is confirmed exactly before it joins two components.
    """
    n = len(boxes)
    if n == 0:
        return []
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lo = np.array([[float_down(a) for a, _ in b.intervals] for b in boxes])
    hi = np.array([[float_up(c) for _, c in b.intervals] for b in boxes])
    order = np.argsort(lo[:, 0], kind="stable")
    lo, hi = lo[order], hi[order]
    starts = lo[:, 0]
    for pos in range(n):
        end = int(np.searchsorted(starts, hi[pos, 0], side="right"))
        if end <= pos + 1:
            continue
        ok = np.all((lo[pos + 1 : end] <= hi[pos]) & (lo[pos] <= hi[pos + 1 : end]), axis=1)
        i = int(order[pos])
        for k in np.nonzero(ok)[0]:
            j = int(order[pos + 1 + k])
            ri, rj = find(i), find(j)
            if ri != rj and touching(boxes[i], boxes[j]):
                parent[ri] = rj
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


# -- the driver ----------------------------------------------------------------

_WORKER_OBJECTIVES: dict[str, Objective] = {}


@dataclass(frozen=True)
class _Job:
    """What a worker needs: the objective as text (rebuilt once per process)."""

    key: str
    text: str
    variables: tuple[str, ...]
    engine: str


def _job(obj: Objective) -> _Job:
    text = obj.to_string()
    key = hashlib.sha256(repr((text, obj.variable_names, obj.engine)).encode()).hexdigest()
    return _Job(key, text, obj.variable_names, obj.engine)


def _worker_objective(job: _Job) -> Objective:
    obj = _WORKER_OBJECTIVES.get(job.key)
    if obj is None:
        obj = Objective(job.text, job.variables, engine=job.engine)
        _WORKER_OBJECTIVES[job.key] = obj
    return obj


def _run_chunk(func: Callable, job: _Job, params: object, boxes: list[Box]) -> list:
    obj = _worker_objective(job)
    return [func(obj, params, b) for b in boxes]


def map_boxes(
    func: Callable, obj: Objective, params: object, boxes: list[Box], executor: Executor | None
) -> list:
    """``[func(obj, params, box) for box in boxes]``, in parallel when an executor is given.

    ``func`` must be a module-level function and ``params`` picklable when an
    executor is used; the result order is the order of ``boxes``.
    """
    if executor is None or len(boxes) < LOCAL_BELOW:
        return [func(obj, params, b) for b in boxes]
    workers = max(1, int(getattr(executor, "_max_workers", 4) or 4))
    n = min(len(boxes), 2 * workers)
    size = -(-len(boxes) // n)
    job = _job(obj)
    futures = [
        executor.submit(_run_chunk, func, job, params, boxes[i : i + size])
        for i in range(0, len(boxes), size)
    ]
    out: list = []
    for f in futures:
        out.extend(f.result())
    return out


def check_evaluable(obj: Objective, box: Box, what: str) -> None:
    """Raise :class:`InputError` unless the gradient and Hessian enclose on ``box``."""
    try:
        obj.enclose("grad", box)
        obj.enclose("hess", box)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None

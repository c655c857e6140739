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
``concurrent.futures.Executor`` (a process pool, or a Dask cluster's
``client.get_executor()``): the per-box function is pure, the batches do not
depend on the executor, and the results of a batch are merged in the order of
its boxes, so the outcome is identical with and without an executor. Inside a
batch, small chunks are refilled as workers finish (:func:`map_boxes`; used by
the critical-point search). The strict-saddle covering has its own engine
without batch barriers, :mod:`saddlecheck.landscape.driver`.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import float_down, float_up, to_fraction
from saddlecheck.box import Box, _exact_box
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


def round_down(q: Fraction, bits: int = 64, quantum: Fraction | None = None) -> Fraction:
    """The largest dyadic ``<= q`` with ``bits`` significant bits, on a grid ``>= quantum``.

    Enclosures are rounded outward with this (and :func:`round_up`) so that
    their ends keep bounded size however often they are refined (issue 11,
    item 4: exact ends whose denominators square every Krawczyk round).

    >>> round_down(Fraction(1, 3), bits=4), round_down(Fraction(-1, 3), bits=4)
    (Fraction(5, 16), Fraction(-11, 32))
    """
    if q == 0:
        return q
    e = q.numerator.bit_length() - q.denominator.bit_length()  # 2**(e-1) < |q| < 2**(e+1)
    k = e - bits
    if quantum is not None and quantum > 0:
        kq = quantum.numerator.bit_length() - quantum.denominator.bit_length() - 1
        k = max(k, kq)  # 2**kq <= quantum
    n, d = q.numerator, q.denominator  # floor(q / 2**k) * 2**k in integers
    if k >= 0:
        return Fraction((n // (d << k)) << k)
    return Fraction((n << -k) // d, 1 << -k)


def round_up(q: Fraction, bits: int = 64, quantum: Fraction | None = None) -> Fraction:
    """The smallest dyadic ``>= q`` (see :func:`round_down`)."""
    return -round_down(-q, bits, quantum)


def round_box(box: Box, bits: int = 64, quantum: Fraction | None = None) -> Box:
    """A box containing ``box`` whose ends are dyadics of bounded size (outward rounding)."""
    return Box(
        [(round_down(lo, bits, quantum), round_up(hi, bits, quantum)) for lo, hi in box.intervals]
    )


def decimal_down(q: Fraction, digits: int = 17) -> str:
    """A decimal string ``<= q`` with ``digits`` significant digits (readable JSON ends)."""
    if q == 0:
        return "0"
    e = len(str(abs(q.numerator))) - len(str(q.denominator))  # 10**(e-1) < |q| < 10**(e+1)
    k = e - digits
    step = Fraction(10) ** k
    m = math.floor(q / step)
    sign, text = ("-", str(-m)) if m < 0 else ("", str(m))
    exp = k + len(text) - 1
    body = text[0] + ("." + text[1:].rstrip("0") if text[1:].rstrip("0") else "")
    return f"{sign}{body}e{exp}" if exp else sign + body


def decimal_up(q: Fraction, digits: int = 17) -> str:
    """A decimal string ``>= q`` (see :func:`decimal_down`)."""
    s = decimal_down(-q, digits)
    return s[1:] if s.startswith("-") else ("0" if s == "0" else "-" + s)


def box_to_readable_json(box: Box, digits: int = 17) -> list[list[str]]:
    """``box`` rounded outward to ``digits`` significant decimal digits, as JSON strings.

    Exact when the ends are short already; otherwise the stored box contains
    the exact one, so a claim about the enclosure stays true.
    """
    out = []
    for lo, hi in box.intervals:
        short_lo = str(lo) if len(str(lo)) <= 24 else decimal_down(lo, digits)
        short_hi = str(hi) if len(str(hi)) <= 24 else decimal_up(hi, digits)
        out.append([short_lo, short_hi])
    return out


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
    """The smallest box containing ``boxes`` (their ends are exact already)."""
    d = boxes[0].dim
    return _exact_box(
        [
            (min(b.intervals[i][0] for b in boxes), max(b.intervals[i][1] for b in boxes))
            for i in range(d)
        ]
    )


def inf_dist2(x: Box, m: Box) -> Fraction:
    """``min_{a in x, b in m} ||a - b||^2``, exactly."""
    return sum(
        (max(Fraction(0), ml - xh, xl - mh) ** 2
         for (xl, xh), (ml, mh) in zip(x.intervals, m.intervals, strict=True)),
        Fraction(0),
    )  # fmt: skip


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


_LAST_JOB: list = [None, None]  # (objective, job): printing a large objective costs ms


def _job(obj: Objective) -> _Job:
    if _LAST_JOB[0] is obj:
        return _LAST_JOB[1]
    text = obj.to_string()
    key = hashlib.sha256(repr((text, obj.variable_names, obj.engine)).encode()).hexdigest()
    _LAST_JOB[:] = [obj, _Job(key, text, obj.variable_names, obj.engine)]
    return _LAST_JOB[1]


def _worker_objective(job: _Job) -> Objective:
    obj = _WORKER_OBJECTIVES.get(job.key)
    if obj is None:
        if len(_WORKER_OBJECTIVES) > 16:  # a long-lived worker (Dask) sees many objectives
            _WORKER_OBJECTIVES.clear()
        obj = Objective(job.text, job.variables, engine=job.engine)
        _WORKER_OBJECTIVES[job.key] = obj
    return obj


def _run_chunk(func: Callable, job: _Job, params: object, boxes: list[Box]) -> list:
    obj = _worker_objective(job)
    return [func(obj, params, b) for b in boxes]


CHUNKS_PER_WORKER = 8
"""A batch is cut into about this many chunks per worker: a worker that finishes
early takes the next chunk, so at most one chunk's time is lost at a batch's end."""

IN_FLIGHT_PER_WORKER = 2
"""Chunks submitted ahead per worker (one running, one queued)."""


def workers_of(executor: Executor) -> int:
    """The number of parallel workers behind ``executor`` (4 when it does not say).

    ``ProcessPoolExecutor``/``ThreadPoolExecutor``: ``_max_workers``; a Dask
    ``client.get_executor()``: the threads of the cluster's workers.
    """
    n = getattr(executor, "_max_workers", None)
    if n is None:
        client = getattr(executor, "_client", None)
        try:
            n = sum(client.nthreads().values()) if client is not None else None
        except (OSError, RuntimeError, TimeoutError):  # a client that cannot answer
            n = None
    return max(1, int(n or 4))


def map_boxes(
    func: Callable,
    obj: Objective,
    params: object,
    boxes: list[Box],
    executor: Executor | None,
    deadline: float | None = None,
    tick: Callable[[int], None] | None = None,
) -> list:
    """``[func(obj, params, box) for box in boxes]``, in parallel when an executor is given.

    ``func`` must be a module-level function and ``params`` picklable when an
    executor is used; the result order is the order of ``boxes``. With a
    ``deadline`` (a :func:`time.monotonic` value) the list may be cut short: it
    then holds the results of a prefix of ``boxes``, and the caller keeps the
    rest as unprocessed. ``tick(k)`` (for progress reports) is called after
    every :data:`LOCAL_BELOW` boxes done in this process, and with an executor
    whenever a chunk finishes (``k``: boxes finished so far).

    With an executor the boxes are cut into small chunks (about
    :data:`CHUNKS_PER_WORKER` per worker); :data:`IN_FLIGHT_PER_WORKER` chunks
    per worker are submitted, and each finished chunk is replaced by the next
    at once (``concurrent.futures.wait(FIRST_COMPLETED)``), so no worker waits
    for a straggler before the batch's last chunks. Results are stored by chunk
    index, so their order never depends on which worker finished first.
    """
    if executor is None or len(boxes) < LOCAL_BELOW:
        out = []
        for b in boxes:
            if deadline is not None and time.monotonic() > deadline:
                break
            out.append(func(obj, params, b))
            if tick is not None and len(out) % LOCAL_BELOW == 0 and len(out) < len(boxes):
                tick(len(out))
        return out
    workers = workers_of(executor)
    size = max(1, -(-len(boxes) // (CHUNKS_PER_WORKER * workers)))
    starts = list(range(0, len(boxes), size))
    job = _job(obj)
    done: dict[int, list] = {}
    pending: dict[Future, int] = {}
    following = 0

    def submit_next() -> None:
        nonlocal following
        i = starts[following]
        pending[executor.submit(_run_chunk, func, job, params, boxes[i : i + size])] = following
        following += 1

    while following < len(starts) and len(pending) < IN_FLIGHT_PER_WORKER * workers:
        submit_next()
    while pending:
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        finished, _ = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
        if not finished:  # the deadline passed
            for f in pending:
                f.cancel()
            break
        for f in finished:
            k = pending.pop(f)
            try:
                done[k] = f.result()
            except BaseException:  # a worker raised (InputError, ...): stop the others first
                for g in pending:
                    g.cancel()
                raise
            if following < len(starts):
                submit_next()
        if tick is not None and pending:
            tick(sum(len(r) for r in done.values()))
    out: list = []
    for k in range(len(starts)):
        if k not in done:
            break
        out.extend(done[k])
    return out


def check_evaluable(obj: Objective, box: Box, what: str) -> None:
    """Raise :class:`InputError` unless ``f`` is proved real and C^3 on ``box``.

    Every condition of ``obj.domain`` (arguments of ``log``/``sqrt`` positive,
    divisors non-zero, no Piecewise boundary, ... from the formula as written)
    must be proved on the whole box, and the gradient and Hessian must enclose.
    """
    obj.domain.require_box(box, what)
    try:
        obj.enclose("grad", box)
        obj.enclose("hess", box)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None

"""Issues 5 and 13: critical points, the strict-saddle checker, workers and counterexamples.

Prints six tables:

1. the toy ``x^4/4 - x^2/2 + y^2/2`` on ``[-2, 2]^2`` and matrix factorization
   ``(d, r) = (4, 1)`` (the recalled constants ``(1/24, 1/3, 1/3)``,
   ``sigma_r = 1``): boxes, serial time, and a 2-process executor (the
   reports must be identical; the script checks that they are);
2. workers: matrix factorization ``(2, 2)`` with the recalled constants,
   serial against 1 and 2 worker processes (``ProcessPoolExecutor``) and a
   2-worker Dask ``LocalCluster``: time, speed-up against the serial run,
   worker utilisation (seconds the workers spent inside tasks / (workers x
   wall time of the whole check, start-up included)) and the driver's CPU time;
3. counterexamples: ``find_counterexample`` on matrix factorization with
   ``d * r`` up to 50 and phase retrieval, with deliberately too-large
   constants (``theta = sigma_r^(3/2)``) and with the recalled ones (there
   must be none): building the objective, and the search + proof;
4. boxes and serial seconds per problem and dimension (toy-nd ``d = 2..6``,
   matrix factorization ``(2, 2)``, ``(4, 1)``, ``(6, 1)``, ``(3, 2)``), each
   covering lever of issue 13 added in turn;
5. declared symmetries (``symmetries=``) on matrix factorization;
6. table 4's problems with all levers, serial against 2 worker processes.

Times are single runs (the work is deterministic; the machine may be shared:
the load average is printed before and after).

Run: ``.venv/bin/python benchmarks/bench_landscape.py [--quick]`` (``--quick``
skips tables 2 and 6 and the largest cases; the full run takes about 40 minutes).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import numpy as np

from saddlecheck.landscape import covering as _cov
from saddlecheck.landscape.counterexample import MinimaPoints, find_counterexample
from saddlecheck.landscape.critical import critical_points
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def _timed_call(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


class BusyMeter(Executor):
    """Wraps an executor and adds up the seconds its workers spend inside the tasks."""

    def __init__(self, inner: Executor, workers: int):
        self.inner, self._max_workers, self.busy = inner, workers, 0.0
        self._lock = threading.Lock()

    def submit(self, fn, *args):
        outer: Future = Future()

        def done(f: Future) -> None:
            if f.cancelled():
                outer.cancel()
            elif f.exception() is not None:
                outer.set_exception(f.exception())
            else:
                result, seconds = f.result()
                with self._lock:
                    self.busy += seconds
                outer.set_result(result)

        self.inner.submit(_timed_call, fn, *args).add_done_callback(done)
        return outer


def load() -> str:
    return f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def identical(a: str, b: str) -> bool:
    da, db = json.loads(a), json.loads(b)
    for d in (da, db):
        d.pop("elapsed", None)
    return da == db


def mf_run(mf, executor):
    return check_strict_saddle(mf.objective, mf.box, "1/24", "1/3", "1/3",
                               minima=mf.minima_distance.bounds, max_boxes=400_000,
                               executor=executor)  # fmt: skip


def table_serial_vs_pool() -> None:
    print("1. serial against a 2-process executor (reports identical)")
    print(f"{'case':<36}{'verdict':>10}{'boxes':>9}{'serial (s)':>12}{'2 procs (s)':>13}"
          f"{'speed-up':>10}")  # fmt: skip
    toy = get("toy")
    mf = get("matrix-factorization", d=4, r=1)
    cases = [
        ("toy critical_points", lambda ex: critical_points(toy.objective, toy.box, executor=ex)),
        ("toy strict saddle (0.3, 0.5, 0.5)", lambda ex: check_strict_saddle(
            toy.objective, toy.box, "0.3", "0.5", "0.5", executor=ex)),
        ("toy strict saddle (0.3, 1.5, 0.5)", lambda ex: check_strict_saddle(
            toy.objective, toy.box, "0.3", "1.5", "0.5", executor=ex)),
        ("MF d=4 r=1 recalled constants", lambda ex: mf_run(mf, ex)),
    ]  # fmt: skip
    with ProcessPoolExecutor(2) as ex:
        for name, run in cases:
            res, t1 = timed(lambda run=run: run(None))
            par, t2 = timed(lambda run=run, ex=ex: run(ex))
            assert identical(res.to_json(), par.to_json()), f"{name}: the executor changed it"
            verdict = str(res.holds) if hasattr(res, "holds") else f"{len(res)} points"
            print(f"{name:<36}{verdict:>10}{res.boxes_processed:>9}{t1:>12.2f}{t2:>13.2f}"
                  f"{t1 / t2:>9.2f}x")  # fmt: skip


def table_workers() -> None:
    mf = get("matrix-factorization", d=2, r=2)
    print("\n2. workers: matrix factorization (2, 2), recalled constants (1/24, 1/3, 1/3)")
    print(f"{'engine':<28}{'verdict':>9}{'boxes':>9}{'time (s)':>10}{'speed-up':>10}"
          f"{'utilisation':>13}{'driver CPU (s)':>16}   load")  # fmt: skip
    c0 = time.process_time()
    serial, t0 = timed(lambda: mf_run(mf, None))
    print(f"{'serial (no executor)':<28}{serial.holds!s:>9}{serial.boxes_processed:>9}"
          f"{t0:>10.1f}{1:>9.2f}x{'':>13}{time.process_time() - c0:>16.2f}   {load()}")  # fmt: skip

    def engines():
        for n in (1, 2):
            with ProcessPoolExecutor(n) as pool:
                yield f"{n} worker process{'es' if n > 1 else ''}", BusyMeter(pool, n)
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            return
        with (LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cl,
              Client(cl) as client):  # fmt: skip
            yield "Dask LocalCluster, 2 workers", BusyMeter(client.get_executor(), 2)

    for name, ex in engines():
        c0 = time.process_time()
        rep, t = timed(lambda ex=ex: mf_run(mf, ex))
        cpu = time.process_time() - c0  # with Dask: the client and the scheduler's threads too
        assert identical(serial.to_json(), rep.to_json()), f"{name}: the engine changed it"
        util = ex.busy / (ex._max_workers * t)
        print(f"{name:<28}{rep.holds!s:>9}{rep.boxes_processed:>9}{t:>10.1f}{t0 / t:>9.2f}x"
              f"{util:>12.0%}{cpu:>16.2f}   {load()}")  # fmt: skip


def table_counterexamples(quick: bool) -> None:
    print("\n3. find_counterexample: matrix factorization and phase retrieval")
    print(f"{'problem':<34}{'constants':<22}{'proved':>7}{'build (s)':>11}{'search+proof (s)':>18}")
    shapes = [(2, 1), (4, 1), (2, 2), (3, 2)] + ([] if quick else [(10, 5), (25, 2), (50, 1)])
    for d, r in shapes:
        mf, tb = timed(lambda d=d, r=r: get("matrix-factorization", d=d, r=r))
        tb += timed(lambda mf=mf: (mf.objective.grad([0.0] * mf.dim), mf.objective.hess(
            [0.0] * mf.dim)))[1]  # fmt: skip
        c = mf.constants
        sr = c["sigma_r"].value  # 1 with the default spectrum: theta = sigma_r^(3/2) = 1
        for label, consts in (("theta = sigma_r^(3/2)", (sr, sr / 3, "1/3")),
                              ("recalled (1/24, 1/3, 1/3)",
                               (c["theta"].value, c["gamma"].value, c["zeta"].value))):  # fmt: skip
            res, t = timed(lambda consts=consts, mf=mf: find_counterexample(
                mf.objective, *consts, minima=mf.minima_distance, region=mf.box))  # fmt: skip
            print(f"{f'MF d={d} r={r} (d*r = {d * r})':<34}{label:<22}{res.proved!s:>7}"
                  f"{tb:>11.1f}{t:>18.2f}")  # fmt: skip
    for d in (2, 10) if quick else (2, 10, 20):
        pr, tb = timed(lambda d=d: get("phase-retrieval", d=d))
        tb += timed(lambda pr=pr, d=d: pr.objective.grad([0.0] * d))[1]
        zs = pr.options["z_star"]
        mins = MinimaPoints([zs, [-v for v in zs]])
        x = [v / 2 for v in zs]  # constants chosen so that z*/2 fails all three
        g = float(np.linalg.norm(pr.objective.grad(x)))
        lam = float(np.linalg.eigvalsh(pr.objective.hess(x))[0])
        consts = (round(2 * g, 1), round(2 * max(0.0, -lam) + 1, 1), round(np.sqrt(d) / 4, 2))
        res, t = timed(lambda pr=pr, consts=consts, mins=mins: find_counterexample(
            pr.objective, *consts, minima=mins, region=pr.box))  # fmt: skip
        label = f"({consts[0]:g}, {consts[1]:g}, {consts[2]:g})"
        print(f"{f'phase retrieval d={d} m={4 * d}':<34}{label:<22}{res.proved!s:>7}"
              f"{tb:>11.1f}{t:>18.2f}")  # fmt: skip


LEVER_STEPS = (
    ("first order, widest", set()),
    ("+ Taylor", {"taylor"}),
    ("+ basin", {"taylor", "basin"}),
    ("+ axis (all)", {"taylor", "basin", "axis"}),
)
"""The covering's optional proofs switched on one at a time (``covering.LEVERS``, serial)."""


SERIAL: dict = {}
"""Table 4's runs with all levers (the last step overwrites), reused by table 6."""


def _levers_run(levers: set, fn):
    saved = set(_cov.LEVERS)
    _cov.LEVERS.clear()
    _cov.LEVERS.update(levers)
    try:
        return timed(fn)
    finally:
        _cov.LEVERS.clear()
        _cov.LEVERS.update(saved)


def table_growth(quick: bool) -> None:
    """Boxes and serial seconds per problem and dimension, each lever of issue 13 added in turn.

    ``first order, widest`` is the covering before lever 2 (gradient by the
    natural and centred forms, Rayleigh quotient by the natural form, bisect the
    widest axis); ``+ Taylor`` adds the second-order forms of the Rayleigh
    quotient and of the gradient along ``grad f(c)``; ``+ basin`` the basin
    leaves of proved minima (not used with a caller's ``minima=``); ``+ axis``
    the bisection look-ahead. The 6-variable matrix factorizations run with all
    levers only, ``time_limit=600`` s (``None`` = not decided in time).
    """
    print("\n4. boxes and serial time per added dimension, each lever of issue 13 in turn")
    print("   toy-nd on [-2, 2]^d with (0.3, 0.5, 0.5); matrix factorization (MF) with the "
          "recalled (1/24, 1/3, 1/3), minima=")  # fmt: skip
    print(f"{'problem':<14}" + "".join(f"{name:>24}" for name, _ in LEVER_STEPS)
          + f"{'growth':>8}")  # fmt: skip

    def toy(d):
        prob = get("toy-nd", d=d)
        return lambda: check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5",
                                           max_boxes=2_000_000)  # fmt: skip

    def mf(d, r, limit=None):
        p = get("matrix-factorization", d=d, r=r)
        return lambda: check_strict_saddle(p.objective, p.box, "1/24", "1/3", "1/3",
                                           minima=p.minima_distance.bounds,
                                           max_boxes=5_000_000, time_limit=limit)  # fmt: skip

    last = None
    for d in range(2, 6 if quick else 7):
        cells = []
        for _, levers in LEVER_STEPS:
            rep, t = _levers_run(levers, toy(d))
            SERIAL[f"toy-nd d={d}"] = (rep, t)
            cells.append(f"{rep.boxes_processed:>9} {t:>6.1f}s {rep.holds!s:>5}")
        growth = "" if last is None else f"{rep.boxes_processed / last:.2f}x"
        last = rep.boxes_processed
        print(f"{f'toy-nd d={d}':<14}" + "".join(f"{c:>24}" for c in cells) + f"{growth:>8}")
    shapes = [(2, 2), (4, 1)] + ([] if quick else [(6, 1), (3, 2)])
    for d, r in shapes:
        big = d * r >= 6
        cells = []
        for _, levers in LEVER_STEPS:
            if big and levers != LEVER_STEPS[-1][1]:
                cells.append("(not run)")
                continue
            rep, t = _levers_run(levers, mf(d, r, 600 if big else None))
            SERIAL[f"MF ({d}, {r})"] = (rep, t)
            cells.append(f"{rep.boxes_processed:>9} {t:>6.1f}s {rep.holds!s:>5}")
        print(f"{f'MF ({d}, {r})':<14}" + "".join(f"{c:>24}" for c in cells))


def table_dimensions_workers() -> None:
    """Table 4's last column (all levers) serial against 2 worker processes (same reports).

    The serial runs are table 4's (:data:`SERIAL`) when it ran, else run here.
    """
    print("\n6. per problem and dimension, all levers: serial against 2 worker processes")
    print(f"{'problem':<14}{'verdict':>9}{'boxes':>10}{'serial (s)':>12}{'2 workers (s)':>15}"
          f"{'speed-up':>10}")  # fmt: skip
    # the options of table 4's runs (a report records max_boxes and time_limit)
    runs = [(f"toy-nd d={d}", get("toy-nd", d=d), ("0.3", "0.5", "0.5"),
             {"max_boxes": 2_000_000}) for d in range(2, 7)]  # fmt: skip
    for d, r in ((2, 2), (4, 1), (6, 1), (3, 2)):
        p = get("matrix-factorization", d=d, r=r)
        kw = {"minima": p.minima_distance.bounds, "max_boxes": 5_000_000,
              "time_limit": 600 if d * r >= 6 else None}  # fmt: skip
        runs.append((f"MF ({d}, {r})", p, ("1/24", "1/3", "1/3"), kw))
    with ProcessPoolExecutor(2) as pool:
        for name, p, consts, kw in runs:

            def run(ex, p=p, consts=consts, kw=kw):
                return check_strict_saddle(p.objective, p.box, *consts, executor=ex, **kw)

            rep, t1 = SERIAL.get(name) or timed(lambda run=run: run(None))
            par, t2 = timed(lambda run=run: run(pool))
            assert identical(rep.to_json(), par.to_json()), f"{name}: the executor changed it"
            print(f"{name:<14}{rep.holds!s:>9}{rep.boxes_processed:>10}{t1:>12.1f}{t2:>15.1f}"
                  f"{t1 / t2:>9.2f}x")  # fmt: skip


def table_symmetries() -> None:
    """Matrix factorization with declared symmetries (``symmetries=``), all levers, serial."""
    print("\n5. declared symmetries: matrix factorization, recalled constants, minima=, serial")
    print(f"{'problem':<12}{'declared':<26}{'verdict':>9}{'boxes':>10}{'time (s)':>10}")
    for d, r in ((2, 2), (3, 2), (6, 1)):
        p = get("matrix-factorization", d=d, r=r)
        names = p.objective.variable_names
        rows = [list(names[k * r : (k + 1) * r]) for k in range(d)]
        decls = [("U -> -U", [{n: "-" + n for n in names}])]
        if r > 1:
            decls.append(("U -> U R, R orthogonal", [{"orthogonal": rows}]))
        for label, sym in decls:
            rep, t = timed(lambda p=p, sym=sym: check_strict_saddle(
                p.objective, p.box, "1/24", "1/3", "1/3", minima=p.minima_distance.bounds,
                max_boxes=5_000_000, time_limit=600, symmetries=sym))  # fmt: skip
            print(f"{f'MF ({d}, {r})':<12}{label:<26}{rep.holds!s:>9}{rep.boxes_processed:>10}"
                  f"{t:>10.1f}")  # fmt: skip


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"load average before: {load()} (other work on the machine slows the parallel runs)\n")
    table_serial_vs_pool()
    if not quick:
        table_workers()
    table_counterexamples(quick)
    table_growth(quick)
    table_symmetries()
    if not quick:
        table_dimensions_workers()
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()

"""Issue 5 speed: critical points and the strict-saddle checker.

Prints three tables:

1. the toy ``x^4/4 - x^2/2 + y^2/2`` on ``[-2, 2]^2`` (target: under 5 s) and
   matrix factorization with ``d*r = 4`` (the recalled Lemma constants
   ``(1/24, 1/3, 1/3)`` with ``sigma_r = 1``): boxes, total time and boxes per
   second, serial (the baseline, same run) and with a 2-process
   ``ProcessPoolExecutor`` (speed-up against the serial run; the reports must be
   identical, and the script checks that they are);
2. how the box count grows with the dimension for the ``d``-dimensional toy,
   ``d = 2..5``, on ``[-2, 2]^d`` with ``(theta, gamma, zeta) = (0.3, 0.5, 0.5)``.

Times are single runs (the work is deterministic; the machine may be shared).
The executor's first batch includes starting the workers and compiling the
objective in each of them.

Run: ``.venv/bin/python benchmarks/bench_landscape.py [--quick]`` (``--quick``
skips the d = r = 2 matrix factorization, which takes about a minute).
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from saddlecheck.landscape.critical import critical_points
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def cases(quick: bool):
    toy = get("toy")
    yield "toy critical_points", toy.objective, toy.box, None
    yield "toy strict saddle (0.3, 0.5, 0.5)", toy.objective, toy.box, ("0.3", "0.5", "0.5", None)
    yield "toy strict saddle (0.3, 1.5, 0.5)", toy.objective, toy.box, ("0.3", "1.5", "0.5", None)
    shapes = [(4, 1)] if quick else [(4, 1), (2, 2)]
    for d, r in shapes:
        mf = get("matrix-factorization", d=d, r=r)
        dist = mf.minima_distance.bounds
        yield f"MF d={d} r={r} Lemma constants", mf.objective, mf.box, ("1/24", "1/3", "1/3", dist)


def run(obj, box, args, executor):
    if args is None:
        return critical_points(obj, box, executor=executor)
    theta, gamma, zeta, minima = args
    return check_strict_saddle(
        obj, box, theta, gamma, zeta, minima=minima, max_boxes=400_000, executor=executor
    )


def verdict(res) -> str:
    if hasattr(res, "holds"):
        return str(res.holds)
    return f"{len(res)} points"


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(other work on the machine slows the 2-process runs)")  # fmt: skip
    print("Landscape checks: serial (baseline) against a 2-process executor")
    print(
        f"{'case':<36}{'verdict':>10}{'boxes':>9}{'serial (s)':>12}{'boxes/s':>10}"
        f"{'2 procs (s)':>13}{'boxes/s':>10}{'speed-up':>10}"
    )
    with ProcessPoolExecutor(2) as ex:
        for name, obj, box, args in cases(quick):
            res, t1 = timed(lambda obj=obj, box=box, args=args: run(obj, box, args, None))
            par, t2 = timed(lambda obj=obj, box=box, args=args: run(obj, box, args, ex))
            assert res.to_json() == par.to_json(), f"{name}: executor changed the result"
            n = res.boxes_processed
            print(
                f"{name:<36}{verdict(res):>10}{n:>9}{t1:>12.2f}{n / t1:>10.0f}"
                f"{t2:>13.2f}{n / t2:>10.0f}{t1 / t2:>9.2f}x"
            )
    print()
    print("d-dimensional toy on [-2, 2]^d, (theta, gamma, zeta) = (0.3, 0.5, 0.5), serial")
    print(
        f"{'d':>3}{'verdict':>9}{'covering boxes':>16}{'minima-search boxes':>21}"
        f"{'time (s)':>10}{'boxes/s':>10}"
    )
    for d in range(2, 6):
        prob = get("toy-nd", d=d)
        rep, t = timed(
            lambda prob=prob: check_strict_saddle(
                prob.objective, prob.box, "0.3", "0.5", "0.5", max_boxes=400_000
            )
        )
        total = rep.boxes_processed + rep.minima.boxes_processed
        print(
            f"{d:>3}{rep.holds!s:>9}{rep.boxes_processed:>16}{rep.minima.boxes_processed:>21}"
            f"{t:>10.2f}{total / t:>10.0f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Time of the guard's profiles on the reference PGD, and the mutant table.

Baseline (same run): the bare cost of the runs the guard makes, i.e. the
reference PGD alone on the same instances, without instrumentation or checks.

    python benchmarks/bench_guard.py             # quick and thorough timings
    python benchmarks/bench_guard.py --mutants   # also: which properties catch each mutant
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import guard_reference
from guard_mutants import MUTANTS

from saddlecheck.testing import Guard, check_pgd


def _bare(guard: Guard) -> float:
    """Seconds for the reference alone on every instance the guard ran (plain callables)."""

    class Plain:
        def __init__(self, case):
            from saddlecheck.testing._problem import GuardProblem, Recorder

            p = GuardProblem.for_case(case, Recorder(case.landscape, case.budget))
            self.__dict__.update({k: getattr(p, k) for k in
                                  ("x0", "dim", "ell", "rho", "eps", "c", "delta", "delta_f",
                                   "max_iter")})  # fmt: skip
            self.f, self.grad = case.landscape.f, case.landscape.grad

    start = time.perf_counter()
    for case in guard._cache:
        guard_reference.pgd(Plain(case), case.seed)
    return time.perf_counter() - start


def main() -> None:
    print(f"{'profile':10s} {'guard s':>9s} {'runs':>6s} {'bare PGD s':>11s} {'false alarm':>12s}")
    for profile in ("quick", "thorough"):
        guard = Guard(guard_reference.pgd, profile)
        from saddlecheck.testing._properties import PROPERTIES

        start = time.perf_counter()
        results = [guard.check(p) for p in PROPERTIES]
        took = time.perf_counter() - start
        fa = min(1.0, sum(r.false_alarm for r in results))
        ok = all(not r.failed for r in results)
        print(
            f"{profile:10s} {took:9.1f} {guard.runs:6d} {_bare(guard):11.1f} {fa:12.2g}"
            f"  {'passed' if ok else 'FAILED: ' + ','.join(r.name for r in results if r.failed)}"
        )
    if "--mutants" in sys.argv:
        print(f"\n{'mutant':24s} {'s':>6s}  caught by (quick profile)")
        for name, (impl, _) in MUTANTS.items():
            start = time.perf_counter()
            rep = check_pgd(impl, "quick")
            caught = ", ".join(rep.failed) or "NOT CAUGHT"
            print(f"{name:24s} {time.perf_counter() - start:6.1f}  {caught}")


if __name__ == "__main__":
    main()

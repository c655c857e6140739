"""Time of the guard's profiles, the conformance corpus, and the mutant table.

Baseline (same run): the bare cost of the runs the guard makes, i.e. the
reference PGD alone on the same instances, without instrumentation or checks.

    python benchmarks/bench_guard.py             # quick and thorough timings (reference PGD)
    python benchmarks/bench_guard.py --corpus    # also: quick and thorough on every corpus PGD
    python benchmarks/bench_guard.py --mutants   # also: every mutant, what catches it, the cause
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import guard_reference
from guard_corpus import CORPUS
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


def _profile(impl, profile: str) -> tuple:
    from saddlecheck.testing._properties import PROPERTIES

    guard = Guard(impl, profile, cases_dir=False)
    start = time.perf_counter()
    results = [guard.check(p) for p in PROPERTIES]
    took = time.perf_counter() - start
    fa = min(1.0, sum(r.false_alarm for r in results))
    failed = [r.name for r in results if r.failed]
    return took, guard.runs, fa, ("passed" if not failed else "FAILED: " + ",".join(failed)), guard


def main() -> None:
    print(f"{'profile':10s} {'guard s':>9s} {'runs':>6s} {'bare PGD s':>11s} {'false alarm':>12s}")
    for profile in ("quick", "thorough"):
        took, runs, fa, state, guard = _profile(guard_reference.pgd, profile)
        print(f"{profile:10s} {took:9.1f} {runs:6d} {_bare(guard):11.1f} {fa:12.2g}  {state}")
    if "--corpus" in sys.argv:
        print(f"\n{'corpus PGD':28s} {'quick s':>8s} {'thorough s':>11s}  outcome")
        for name, impl in CORPUS.items():
            q = _profile(impl, "quick")
            t = _profile(impl, "thorough")
            print(f"{name:28s} {q[0]:8.1f} {t[0]:11.1f}  quick {q[3]}, thorough {t[3]}")
    if "--mutants" in sys.argv:
        print(f"\n{'mutant':24s} {'s':>6s}  caught by (quick profile); likely cause of the first")
        for name, (impl, _) in MUTANTS.items():
            start = time.perf_counter()
            rep = check_pgd(impl, "quick", cases_dir=False)
            caught = ", ".join(rep.failed) or "NOT CAUGHT"
            cause = rep[rep.failed[0]].cause if rep.failed else ""
            print(f"{name:24s} {time.perf_counter() - start:6.1f}  {caught}\n{'':32s}{cause}")


if __name__ == "__main__":
    main()

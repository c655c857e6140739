"""Timing shared by the benchmark scripts."""

import time


def best_of(fn, repeat: int = 3) -> float:
    """The shortest wall time of ``repeat`` calls of ``fn()`` (the machine may be shared)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)

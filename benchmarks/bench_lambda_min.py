"""Issue 3 speed: the proved lambda_min enclosure against a plain eigen-solver.

Prints one table. Baseline measured in the same run on the same matrix:
``numpy.linalg.eigvalsh`` (unverified floats). Targets (issue 3): at most 5x
numpy's time at n = 400 and 1000, enclosure width below 1e-8 * ||H||. Also
shown: the pure-elementwise Cholesky (``blas=False``, no BLAS assumption), and
mpmath's ``eigsy`` at 30 digits (unverified, for scale) at small sizes.
Times are the best of several runs (the machine is shared).

Run: ``.venv/bin/python benchmarks/bench_lambda_min.py``
"""

from __future__ import annotations

import mpmath
import numpy as np
from _timing import best_of

from saddlecheck.arith.symmetric import enclose_lambda_min


def random_symmetric(n: int, seed: int = 0) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, n))
    return (X + X.T) / 2


def main() -> None:
    print("lambda_min of a random dense symmetric float64 matrix (best of 5 runs)")
    head = (
        f"{'n':>6}{'eigvalsh (s)':>14}{'enclosure (s)':>15}{'ratio':>8}"
        f"{'blas=False (s)':>16}{'ratio':>8}{'width/||H||':>13}{'method':>8}"
    )
    print(head)
    for n in (100, 400, 1000):
        H = random_symmetric(n)
        t_np = best_of(lambda H=H: np.linalg.eigvalsh(H), repeat=5)
        t_ours = best_of(lambda H=H: enclose_lambda_min(H), repeat=5)
        t_strict = best_of(lambda H=H: enclose_lambda_min(H, blas=False), repeat=2)
        e = enclose_lambda_min(H)
        w = np.linalg.eigvalsh(H)
        assert e.lo <= w[0] <= e.hi
        rel = (e.hi - e.lo) / max(abs(w[0]), abs(w[-1]))
        print(
            f"{n:>6}{t_np:>14.4f}{t_ours:>15.4f}{t_ours / t_np:>7.2f}x"
            f"{t_strict:>16.4f}{t_strict / t_np:>7.2f}x{rel:>13.2e}{e.method:>8}"
        )
    print()
    print("for scale: mpmath eigsy at 30 digits (eigenvalues only, not verified)")
    print(f"{'n':>6}{'mpmath eigsy (s)':>18}{'enclosure (s)':>15}")
    for n in (20, 50, 100):
        H = random_symmetric(n, 1)
        A = mpmath.matrix(H.tolist())

        def mp_eig(A=A):
            with mpmath.workdps(30):
                mpmath.eigsy(A, eigvals_only=True)

        t_mp = best_of(mp_eig, repeat=1)
        t_ours = best_of(lambda H=H: enclose_lambda_min(H), repeat=5)
        print(f"{n:>6}{t_mp:>18.3f}{t_ours:>15.4f}")


if __name__ == "__main__":
    main()

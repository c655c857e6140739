"""Issue 2 speed: deriving the gradient and Hessian, and smoothness() on the toy.

Prints one table. Baselines measured in the same run:
* raw symengine: ``f.diff(v)`` for the gradient, then every Hessian entry;
* plain SymPy: ``sympy.diff`` (gradient in full; the Hessian is timed on a
  sample of rows and extrapolated, since it takes minutes; say so).

Run: ``.venv/bin/python benchmarks/bench_objective.py``
"""

from __future__ import annotations

import time

import symengine as se
import sympy
from _timing import best_of

import saddlecheck as sc
from saddlecheck.landscape.constants import smoothness
from saddlecheck.problems import matrix_factorization


def main() -> None:
    p = matrix_factorization(30, 4)
    expr, variables = p.objective.expr, p.objective.variables
    d = len(variables)

    def ours():
        obj = sc.Objective(expr, variables)
        return obj._hess_exprs  # gradient and Hessian, symbolic (engine representation)

    f = se.sympify(expr)
    sv = [se.Symbol(v.name) for v in variables]

    def raw():
        g = [f.diff(v) for v in sv]
        [[gi.diff(v) for v in sv] for gi in g]

    t_ours, t_raw = best_of(ours), best_of(raw)
    t = time.perf_counter()
    grads = [sympy.diff(expr, v) for v in variables]
    t_sympy_grad = time.perf_counter() - t
    rows = 2
    t = time.perf_counter()
    for gi in grads[:rows]:
        for v in variables:
            sympy.diff(gi, v)
    t_sympy_hess = (time.perf_counter() - t) * d / rows
    print(f"Gradient + Hessian of 1/2||UU^T - M||_F^2, U 30x4 ({d} variables)")
    print(f"{'method':<44}{'time (s)':>12}{'vs raw symengine':>18}")
    label = "saddlecheck.Objective (parse, check, derive)"
    print(f"{label:<44}{t_ours:>12.3f}{t_ours / t_raw:>17.2f}x")
    print(f"{'raw symengine diff (full Hessian)':<44}{t_raw:>12.3f}{1:>17.2f}x")
    total = t_sympy_grad + t_sympy_hess
    label = f"plain SymPy (Hessian extrapolated from {rows} rows)"
    print(f"{label:<44}{total:>12.1f}{total / t_raw:>17.0f}x")
    print("target: saddlecheck <= 5x raw symengine")

    evaluator_table()

    toy = sc.Objective("x**4/4 - x**2/2 + y**2/2")
    box = sc.Box([(-2, 2), (-2, 2)])
    t_s = best_of(lambda: smoothness(toy, box))
    k = smoothness(toy, box)
    print()
    print("smoothness(x**4/4 - x**2/2 + y**2/2, [-2,2]^2)  (target < 2 s)")
    print(
        f"  time {t_s:.3f} s, ell in [{k.ell_lower:.4f}, {k.ell:.4f}], "
        f"rho in [{k.rho_lower:.4f}, {k.rho:.4f}], {k.boxes} boxes"
    )


def per_call(fn, x, n=2000):
    fn(x)
    t = time.perf_counter()
    for _ in range(n):
        fn(x)
    return (time.perf_counter() - t) / n


def evaluator_table() -> None:
    """Float64 gradient of matrix factorization U 20x3 (60 variables)."""
    import numpy as np

    p = matrix_factorization(20, 3)
    obj = p.objective
    M = np.array(p.options["M"].tolist(), dtype=float)
    x = np.random.default_rng(0).standard_normal(obj.dim)
    raw = obj._lambdified("grad")
    lam = sympy.lambdify(obj.variables, list(obj.gradient), modules="numpy", cse=True)

    def numpy_grad(v):
        U = v.reshape(20, 3)
        return (2 * (U @ U.T - M) @ U).ravel()

    rows = [
        ("saddlecheck obj.grad (checked)", per_call(obj.grad, x)),
        ("saddlecheck raw LLVM evaluator", per_call(raw, x)),
        ("hand-written numpy 2(UU^T - M)U", per_call(numpy_grad, x)),
        ("sympy.lambdify(cse=True)", per_call(lambda v: lam(*v), x, n=200)),
    ]
    np.testing.assert_allclose(obj.grad(x), numpy_grad(x), rtol=1e-10, atol=1e-10)
    base = rows[2][1]
    print()
    print("Float64 gradient, matrix factorization U 20x3 (60 variables)")
    print(f"{'evaluator':<36}{'us/call':>10}{'vs numpy':>10}")
    for name, t in rows:
        print(f"{name:<36}{t * 1e6:>10.1f}{t / base:>9.1f}x")


if __name__ == "__main__":
    main()

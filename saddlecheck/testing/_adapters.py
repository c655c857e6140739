"""saddlecheck's own PGD as implementations the guard can check.

* :func:`saddlecheck_stepper` runs saddlecheck's Algorithm 2 (``pgd_params``,
  the stepper with :func:`~saddlecheck.solver.steps.perturbation_rule` and
  :func:`~saddlecheck.solver.steps.stopping_rule`, the driver of :func:`saddlecheck.pgd`)
  on the problem's recorded float64 callables: every trace property applies.
* :func:`saddlecheck_pgd` calls the public :func:`saddlecheck.pgd` on the
  problem's exact objective (its own compiled evaluator): only black-box
  properties apply.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


def _callable_backend(problem):
    """saddlecheck's float64 back end with ``f`` and ``grad`` taken from callables."""
    from saddlecheck.solver.backends import Float64Backend

    class CallableBackend(Float64Backend):
        def __init__(self) -> None:  # no Objective: the problem's callables instead
            self.dim = problem.dim
            self._lo = self._hi = None
            f, grad = problem.f, problem.grad
            self.value_grad = lambda x: (float(f(x)), np.asarray(grad(x), dtype=np.float64))

    return CallableBackend()


def saddlecheck_stepper(problem, seed: int) -> np.ndarray:
    """saddlecheck's Algorithm 2 on ``problem.f`` / ``problem.grad`` (guard implementation).

    Raises:
        RuntimeError: when the run reaches ``problem.max_iter`` without terminating.
    """
    from saddlecheck.solver.algorithms import pgd_params
    from saddlecheck.solver.steps import PGDStepper, drive

    params = pgd_params(
        problem.ell, problem.rho, problem.eps, problem.c, problem.delta, problem.delta_f,
        problem.dim,
    )  # fmt: skip
    backend = _callable_backend(problem)
    stepper = PGDStepper(SimpleNamespace(dim=problem.dim), params, backend)
    state = stepper.init(np.array(problem.x0, dtype=np.float64), seed)
    run = drive(stepper, state, problem.max_iter, None, 1, False, False)
    if not run.state.done:
        raise RuntimeError(f"no termination within max_iter={problem.max_iter}")
    return np.array(run.state.x_tilde, dtype=np.float64)


def saddlecheck_pgd(problem, seed: int) -> np.ndarray:
    """The public :func:`saddlecheck.pgd` on ``problem.objective`` (black-box only)."""
    from saddlecheck.solver.algorithms import pgd

    res = pgd(
        problem.objective, problem.x0, eps=problem.eps, ell=problem.ell, rho=problem.rho,
        c=problem.c, delta=problem.delta, delta_f=problem.delta_f, seed=seed,
        max_iter=problem.max_iter,
    )  # fmt: skip
    if res.status != "terminated":
        raise RuntimeError(f"pgd stopped with status {res.status!r}")
    return np.array(res.x, dtype=np.float64)

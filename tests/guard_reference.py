"""A correct numpy PGD, written from the paper only (independent of saddlecheck.solver.algorithms).

Jin, Ge, Netrapalli, Kakade, Jordan (ICML 2017), Algorithm 2 (PGD), with
``t_thres`` rounded up to an integer. The guard must pass it (tests/test_guard.py).
"""

from __future__ import annotations

import math

import numpy as np


def uniform_ball(rng: np.random.Generator, dim: int, radius: float) -> np.ndarray:
    """A point uniform in the ball: uniform direction, radius ``radius * U^(1/dim)``."""
    direction = rng.standard_normal(dim)
    direction /= np.linalg.norm(direction)
    return radius * rng.random() ** (1.0 / dim) * direction


def pgd(problem, seed: int) -> np.ndarray:
    """Algorithm 2 of the paper on ``problem`` (the guard's ``impl(problem, seed)``)."""
    rng = np.random.default_rng(seed)
    d, ell, rho, eps = problem.dim, problem.ell, problem.rho, problem.eps
    c, delta, delta_f = problem.c, problem.delta, problem.delta_f
    chi = 3 * max(math.log(d * ell * delta_f / (c * eps**2 * delta)), 4)
    eta = c / ell
    r = math.sqrt(c) / chi**2 * eps / ell
    g_thres = math.sqrt(c) / chi**2 * eps
    f_thres = c / chi**3 * math.sqrt(eps**3 / rho)
    t_thres = math.ceil(chi / c**2 * ell / math.sqrt(rho * eps))

    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde, f_tilde = -t_thres - 1, None, None
    for t in range(problem.max_iter):
        g = problem.grad(x)
        if np.linalg.norm(g) <= g_thres and t - t_noise > t_thres:
            x_tilde, f_tilde, t_noise = x.copy(), problem.f(x), t
            x = x_tilde + uniform_ball(rng, d, r)
            g = problem.grad(x)
        if t - t_noise == t_thres and problem.f(x) - f_tilde > -f_thres:
            return x_tilde
        x = x - eta * g
    raise RuntimeError("max_iter reached")

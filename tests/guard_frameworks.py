"""Correct PGDs written the way PyTorch and JAX users write them (Algorithm 2, t_window = ceil).

* :class:`TorchPGD`: a ``torch.optim.Optimizer`` with ``step(closure)``; sets
  ``self.done`` and writes ``x_tilde`` back into the parameter.
* :func:`pgd_transform`: an optax ``GradientTransformationExtraArgs`` whose state
  carries ``done`` and ``x_tilde``; a perturbation is an update of its own
  (``xi``), and the next update takes the gradient step of the same iteration.
* :func:`torch_plain`, :func:`jax_plain`: plain functions on tensors/arrays.

Guard them with ``saddlecheck.testing.torch_optimizer(TorchPGD)``,
``optax_transform(pgd_transform)``, ``torch_function(torch_plain)``,
``jax_function(jax_plain)`` (tests/test_guard_frameworks.py).
"""

from __future__ import annotations

import math
from typing import NamedTuple

try:  # the torch half needs PyTorch, the JAX half JAX and optax: each is optional
    import torch
except ImportError:  # pragma: no cover - exercised only where torch is missing
    torch = None


def constants(ell, rho, eps, c, delta, delta_f, dim):
    """Algorithm 2's ``eta, r, g_thres, f_thres`` and ``t_window = ceil(t_thres)``."""
    chi = 3 * max(math.log(dim * ell * delta_f / (c * eps**2 * delta)), 4)
    return (c / ell, math.sqrt(c) / chi**2 * eps / ell, math.sqrt(c) / chi**2 * eps,
            c / chi**3 * math.sqrt(eps**3 / rho),
            math.ceil(chi / c**2 * ell / math.sqrt(rho * eps)))  # fmt: skip


def _problem_constants(problem):
    return constants(problem.ell, problem.rho, problem.eps, problem.c, problem.delta,
                     problem.delta_f, problem.dim)  # fmt: skip


class TorchPGD(torch.optim.Optimizer if torch is not None else object):
    """Perturbed gradient descent as a torch optimizer (one parameter tensor)."""

    def __init__(self, params, *, ell, rho, eps, c, delta, delta_f, dim, generator=None):
        eta, r, g_thres, f_thres, t_window = constants(ell, rho, eps, c, delta, delta_f, dim)
        super().__init__(params, {"eta": eta})
        self.r, self.g_thres, self.f_thres, self.t_window = r, g_thres, f_thres, t_window
        self.gen, self.t, self.t_noise = generator, 0, -t_window - 1
        self.x_tilde, self.f_tilde, self.done = None, None, False

    @torch.no_grad()
    def step(self, closure):
        (p,) = self.param_groups[0]["params"]
        with torch.enable_grad():
            loss = closure()
        if torch.linalg.norm(p.grad) <= self.g_thres and self.t - self.t_noise > self.t_window:
            self.x_tilde, self.f_tilde, self.t_noise = p.clone(), loss, self.t
            u = torch.randn(p.shape, generator=self.gen, dtype=p.dtype)
            s = torch.rand((), generator=self.gen, dtype=p.dtype) ** (1.0 / p.numel())
            p.add_(self.r * s * u / torch.linalg.norm(u))
            with torch.enable_grad():
                loss = closure()  # the gradient at x_tilde + xi
        if self.t - self.t_noise == self.t_window and loss - self.f_tilde > -self.f_thres:
            p.copy_(self.x_tilde)
            self.done = True
            return loss
        p.add_(p.grad, alpha=-self.param_groups[0]["eta"])
        self.t += 1
        return loss


class PGDState(NamedTuple):
    t: int
    t_noise: int
    pending: bool  # the last update was a perturbation: this one finishes iteration t
    x_tilde: object
    f_tilde: object
    key: object
    done: bool


def pgd_transform(*, ell, rho, eps, c, delta, delta_f, dim, key):
    """Algorithm 2 as an optax ``GradientTransformationExtraArgs`` (needs ``value=f(x)``)."""
    import jax
    import jax.numpy as jnp
    import optax

    eta, r, g_thres, f_thres, t_window = constants(ell, rho, eps, c, delta, delta_f, dim)

    def init(params):
        return PGDState(0, -t_window - 1, False, None, None, key, False)

    def update(grads, state, params=None, *, value, **extra):
        t, t_noise = state.t, state.t_noise
        if not state.pending and jnp.linalg.norm(grads) <= g_thres and t - t_noise > t_window:
            key, k1, k2 = jax.random.split(state.key, 3)
            u = jax.random.normal(k1, params.shape, params.dtype)
            s = jax.random.uniform(k2, (), params.dtype) ** (1.0 / params.size)
            xi = r * s * u / jnp.linalg.norm(u)
            return xi, state._replace(t_noise=t, pending=True, x_tilde=params, f_tilde=value,
                                      key=key)  # fmt: skip
        if t - t_noise == t_window and value - state.f_tilde > -f_thres:
            return jnp.zeros_like(grads), state._replace(done=True)
        return -eta * grads, state._replace(t=t + 1, pending=False)

    return optax.GradientTransformationExtraArgs(init, update)


def torch_plain(problem, seed):
    """Algorithm 2 with torch tensors: ``problem.f``/``grad`` take and return tensors."""
    eta, r, g_thres, f_thres, tw = _problem_constants(problem)
    gen = torch.Generator().manual_seed(seed)
    x = problem.x0.clone()
    t_noise, x_tilde, f_tilde = -tw - 1, None, None
    for t in range(problem.max_iter):
        g = problem.grad(x)
        if torch.linalg.norm(g) <= g_thres and t - t_noise > tw:
            x_tilde, f_tilde, t_noise = x.clone(), problem.f(x), t
            u = torch.randn(x.shape, generator=gen, dtype=x.dtype)
            s = torch.rand((), generator=gen, dtype=x.dtype) ** (1.0 / x.numel())
            x = x_tilde + r * s * u / torch.linalg.norm(u)
            g = problem.grad(x)
        if t - t_noise == tw and problem.f(x) - f_tilde > -f_thres:
            return x_tilde
        x = x - eta * g
    raise RuntimeError("max_iter reached")


def jax_plain(problem, seed):
    """Algorithm 2 with ``jax.numpy`` arrays and ``jax.random`` keys."""
    import jax
    import jax.numpy as jnp

    eta, r, g_thres, f_thres, tw = _problem_constants(problem)
    key = jax.random.PRNGKey(seed)
    x = problem.x0
    t_noise, x_tilde, f_tilde = -tw - 1, None, None
    for t in range(problem.max_iter):
        g = problem.grad(x)
        if float(jnp.linalg.norm(g)) <= g_thres and t - t_noise > tw:
            x_tilde, f_tilde, t_noise = x, problem.f(x), t
            key, k1, k2 = jax.random.split(key, 3)
            u = jax.random.normal(k1, x.shape, x.dtype)
            s = jax.random.uniform(k2, (), x.dtype) ** (1.0 / x.size)
            x = x_tilde + r * s * u / jnp.linalg.norm(u)
            g = problem.grad(x)
        if t - t_noise == tw and float(problem.f(x) - f_tilde) > -f_thres:
            return x_tilde
        x = x - eta * g
    raise RuntimeError("max_iter reached")

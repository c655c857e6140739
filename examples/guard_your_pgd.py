"""Guard your own PGD: run saddlecheck's regression guard on a third-party-style optimiser.

The guard needs one function, ``impl(problem, seed) -> x``. ``problem`` carries
``f`` and ``grad`` (float64 numpy callables; every call is recorded), ``x0``,
``dim``, ``ell``, ``rho``, ``eps``, ``c``, ``delta``, ``delta_f`` and ``max_iter``.
Below: a small numpy optimiser written the way libraries often are (a class with
its own sampler), a copy with a classic bug (the perturbation drawn on the
sphere instead of in the ball), and, when installed, Algorithm 2 as a
``torch.optim.Optimizer`` and as an optax transformation, guarded as they are
through ``torch_optimizer`` and ``optax_transform`` (the guard's loop calls
``step(closure)`` / ``update(grads, state, params, value=f)`` and reads ``done``
and ``x_tilde``). From a shell the same checks are

    saddlecheck guard examples/guard_your_pgd.py:numpy_impl
    saddlecheck guard examples/guard_your_pgd.py:torch_pgd
    saddlecheck guard examples/guard_your_pgd.py:optax_pgd
    pytest --saddlecheck-pgd examples/guard_your_pgd.py:numpy_impl
"""

from __future__ import annotations

import math
import os
import sys
from typing import NamedTuple

import numpy as np

from saddlecheck.testing import check_pgd, optax_transform, torch_optimizer


class PerturbedGD:
    """Perturbed gradient descent (Jin et al., ICML 2017, Algorithm 2), numpy."""

    def __init__(self, f, grad, *, ell, rho, eps, c=0.5, delta=0.1, delta_f=1.0, dim,
                 seed=0, on_sphere=False):  # fmt: skip
        self.f, self.grad, self.rng, self.on_sphere = (
            f,
            grad,
            np.random.default_rng(seed),
            on_sphere,
        )
        chi = 3 * max(math.log(dim * ell * delta_f / (c * eps**2 * delta)), 4)
        self.eta = c / ell
        self.radius = math.sqrt(c) / chi**2 * eps / ell
        self.g_thres = math.sqrt(c) / chi**2 * eps
        self.f_thres = c / chi**3 * math.sqrt(eps**3 / rho)
        self.t_thres = math.ceil(chi / c**2 * ell / math.sqrt(rho * eps))

    def noise(self, dim: int) -> np.ndarray:
        v = self.rng.normal(size=dim)
        v /= np.linalg.norm(v)
        scale = 1.0 if self.on_sphere else self.rng.uniform() ** (1 / dim)  # the bug: on_sphere
        return self.radius * scale * v

    def minimize(self, x0: np.ndarray, max_iter: int) -> np.ndarray:
        x, t_noise, anchor, f_anchor = np.array(x0, float), -self.t_thres - 1, None, None
        for t in range(max_iter):
            g = self.grad(x)
            if np.linalg.norm(g) <= self.g_thres and t - t_noise > self.t_thres:
                anchor, f_anchor, t_noise = x.copy(), self.f(x), t
                x = anchor + self.noise(x.size)
                g = self.grad(x)
            if t - t_noise == self.t_thres and self.f(x) - f_anchor > -self.f_thres:
                return anchor
            x = x - self.eta * g
        return x


FAST = "--fast" in sys.argv or os.environ.get("SADDLECHECK_FAST") == "1"


def _opt(problem, seed, **kw) -> PerturbedGD:
    return PerturbedGD(problem.f, problem.grad, ell=problem.ell, rho=problem.rho,
                       eps=problem.eps, c=problem.c, delta=problem.delta,
                       delta_f=problem.delta_f, dim=problem.dim, seed=seed, **kw)  # fmt: skip


def numpy_impl(problem, seed):
    return _opt(problem, seed).minimize(problem.x0, problem.max_iter)


def numpy_impl_on_sphere(problem, seed):
    return _opt(problem, seed, on_sphere=True).minimize(problem.x0, problem.max_iter)


# -- PyTorch and JAX, guarded as they are (saddlecheck[torch], saddlecheck[jax]) ---------

try:
    import torch
except ImportError:  # the numpy part of this example runs without it
    torch = None

if torch is not None:

    class TorchPGD(torch.optim.Optimizer):
        """Algorithm 2 as a torch optimizer: ``step(closure)``; sets ``done`` and writes
        ``x_tilde`` back into the parameter when it returns."""

        def __init__(self, params, *, ell, rho, eps, c, delta, delta_f, dim, generator=None):
            chi = 3 * max(math.log(dim * ell * delta_f / (c * eps**2 * delta)), 4)
            super().__init__(params, {"eta": c / ell})
            self.r = math.sqrt(c) / chi**2 * eps / ell
            self.g_thres = math.sqrt(c) / chi**2 * eps
            self.f_thres = c / chi**3 * math.sqrt(eps**3 / rho)
            self.t_thres = math.ceil(chi / c**2 * ell / math.sqrt(rho * eps))
            self.gen, self.t, self.t_noise, self.done = generator, 0, -self.t_thres - 1, False

        @torch.no_grad()
        def step(self, closure):
            (p,) = self.param_groups[0]["params"]
            with torch.enable_grad():
                loss = closure()
            if torch.linalg.norm(p.grad) <= self.g_thres and self.t - self.t_noise > self.t_thres:
                self.x_tilde, self.f_tilde, self.t_noise = p.clone(), loss, self.t
                u = torch.randn(p.shape, generator=self.gen, dtype=p.dtype)
                s = torch.rand((), generator=self.gen, dtype=p.dtype) ** (1.0 / p.numel())
                p.add_(self.r * s * u / torch.linalg.norm(u))
                with torch.enable_grad():
                    loss = closure()
            if self.t - self.t_noise == self.t_thres and loss - self.f_tilde > -self.f_thres:
                p.copy_(self.x_tilde)
                self.done = True
                return loss
            p.add_(p.grad, alpha=-self.param_groups[0]["eta"])
            self.t += 1
            return loss

    #: guarded in float64 ...
    torch_pgd = torch_optimizer(TorchPGD, dtype=torch.float64)
    #: ... and in torch's default float32, where the guard names the cause
    torch_pgd_float32 = torch_optimizer(TorchPGD)

try:
    import jax
    import jax.numpy as jnp
    import optax
except ImportError:
    optax = None

if optax is not None:

    class PGDState(NamedTuple):
        t: int
        t_noise: int
        pending: bool  # the last update perturbed: this one takes iteration t's step
        x_tilde: object
        f_tilde: object
        key: object
        done: bool

    def pgd_transform(*, ell, rho, eps, c, delta, delta_f, dim, key):
        """Algorithm 2 as an optax transformation; needs ``value=f(x)`` in ``update``."""
        chi = 3 * max(math.log(dim * ell * delta_f / (c * eps**2 * delta)), 4)
        eta, r = c / ell, math.sqrt(c) / chi**2 * eps / ell
        g_thres, f_thres = math.sqrt(c) / chi**2 * eps, c / chi**3 * math.sqrt(eps**3 / rho)
        t_thres = math.ceil(chi / c**2 * ell / math.sqrt(rho * eps))

        def init(params):
            return PGDState(0, -t_thres - 1, False, None, None, key, False)

        def update(grads, state, params=None, *, value, **extra):
            t, t_noise = state.t, state.t_noise
            if not state.pending and jnp.linalg.norm(grads) <= g_thres and t - t_noise > t_thres:
                k0, k1, k2 = jax.random.split(state.key, 3)
                u = jax.random.normal(k1, params.shape, params.dtype)
                s = jax.random.uniform(k2, (), params.dtype) ** (1.0 / params.size)
                return r * s * u / jnp.linalg.norm(u), state._replace(
                    t_noise=t, pending=True, x_tilde=params, f_tilde=value, key=k0
                )
            if t - t_noise == t_thres and value - state.f_tilde > -f_thres:
                return jnp.zeros_like(grads), state._replace(done=True)
            return -eta * grads, state._replace(t=t + 1, pending=False)

        return optax.GradientTransformationExtraArgs(init, update)

    optax_pgd = optax_transform(pgd_transform, dtype="float64")


def main() -> int:
    report = check_pgd(numpy_impl, "quick")
    print(report.explain())
    print()
    buggy = check_pgd(numpy_impl_on_sphere, "quick", ["radius", "radius-law"])
    print("The copy that samples on the sphere:", "caught by " + ", ".join(buggy.failed))
    print(buggy["radius-law"].explain())
    print()
    ok = report.passed and "radius-law" in buggy.failed
    props = ["terminates", "float64", "return-rule", "radius"]
    if torch is None:
        print("PyTorch is not installed (pip install 'saddlecheck[torch]'): skipped.")
    else:
        rep = check_pgd(torch_pgd, "quick", props)
        print("torch.optim optimizer, float64:", "PASSED" if rep.passed else rep.explain())
        low = check_pgd(torch_pgd_float32, "quick", ["float64"], fail_fast=True)
        print("the same in torch's default float32:", low["float64"].cause)
        ok = ok and rep.passed and low["float64"].cause.startswith("float32 arithmetic")
    if optax is None:
        print("JAX/optax is not installed (pip install 'saddlecheck[jax]'): skipped.")
    elif FAST:
        print("fast mode: the optax check is left out (eager JAX is slow; the README runs it)")
    else:
        rep = check_pgd(optax_pgd, "quick", props)
        print("optax transformation, float64:", "PASSED" if rep.passed else rep.explain())
        ok = ok and rep.passed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Guard your own PGD: run saddlecheck's regression guard on a third-party-style optimiser.

The guard needs one function, ``impl(problem, seed) -> x``. ``problem`` carries
``f`` and ``grad`` (float64 numpy callables; every call is recorded), ``x0``,
``dim``, ``ell``, ``rho``, ``eps``, ``c``, ``delta``, ``delta_f`` and ``max_iter``.
Below: a small numpy optimiser written the way libraries often are (a class with
its own sampler), a copy with a classic bug (the perturbation drawn on the
sphere instead of in the ball), and the same optimiser in PyTorch when torch
is installed. From a shell the same check is

    python -m saddlecheck.testing examples/guard_your_pgd.py:numpy_impl
    pytest --saddlecheck-pgd examples/guard_your_pgd.py:numpy_impl
"""

from __future__ import annotations

import math

import numpy as np

from saddlecheck.testing import check_pgd


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


def _opt(problem, seed, **kw) -> PerturbedGD:
    return PerturbedGD(problem.f, problem.grad, ell=problem.ell, rho=problem.rho,
                       eps=problem.eps, c=problem.c, delta=problem.delta,
                       delta_f=problem.delta_f, dim=problem.dim, seed=seed, **kw)  # fmt: skip


def numpy_impl(problem, seed):
    return _opt(problem, seed).minimize(problem.x0, problem.max_iter)


def numpy_impl_on_sphere(problem, seed):
    return _opt(problem, seed, on_sphere=True).minimize(problem.x0, problem.max_iter)


def torch_impl(problem, seed):
    """The same algorithm on torch float64 tensors; gradients come from ``problem.grad``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    opt = _opt(problem, seed)
    x = torch.tensor(problem.x0, dtype=torch.float64)
    grad = lambda v: torch.from_numpy(problem.grad(v.numpy()))  # noqa: E731
    t_noise, anchor, f_anchor = -opt.t_thres - 1, None, None
    for t in range(problem.max_iter):
        g = grad(x)
        if torch.linalg.norm(g) <= opt.g_thres and t - t_noise > opt.t_thres:
            anchor, f_anchor, t_noise = x.clone(), problem.f(x.numpy()), t
            v = torch.randn(problem.dim, generator=gen, dtype=torch.float64)
            u = torch.rand((), generator=gen, dtype=torch.float64)
            x = anchor + opt.radius * u ** (1 / problem.dim) * v / torch.linalg.norm(v)
            g = grad(x)
        if t - t_noise == opt.t_thres and problem.f(x.numpy()) - f_anchor > -opt.f_thres:
            return anchor.numpy()
        x = x - opt.eta * g
    return x.numpy()


def main() -> None:
    report = check_pgd(numpy_impl, "quick")
    print(report.explain())
    print()
    buggy = check_pgd(numpy_impl_on_sphere, "quick", ["radius", "radius-law"])
    print("The copy that samples on the sphere:", "caught by " + ", ".join(buggy.failed))
    print(buggy["radius-law"].verdict.explain())
    print()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: skipping the PyTorch implementation.")
        return
    print(check_pgd(torch_impl, "quick").explain())


if __name__ == "__main__":
    main()

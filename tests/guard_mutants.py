"""Planted bugs for the guard's mutation check (tests/test_guard.py).

One mutant per pitfall of docs/CLAIMS.md section 6, plus those issue 6 names. Each
is the reference PGD (tests/guard_reference.py) with one change, written as a
flag of :func:`_pgd` so the difference from the reference is one line.
"""

from __future__ import annotations

import math

import numpy as np


def _ball(rng, d, r, *, sphere=False, drop_r=False, cube=False):
    if cube:  # uniform in the cube inscribed in the ball: ||xi|| <= r, wrong law for d >= 2
        return r / math.sqrt(d) * rng.uniform(-1.0, 1.0, d)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    radius = 1.0 if sphere else rng.random() ** (1.0 / d)
    return (radius if drop_r else r * radius) * u


def _pgd(problem, seed, **bug):
    rng = np.random.default_rng(seed)
    dt = np.float32 if bug.get("float32") else np.float64
    d, ell, rho, eps = problem.dim, problem.ell, problem.rho, problem.eps
    c, delta, delta_f = problem.c, problem.delta, problem.delta_f
    log = math.log10 if bug.get("chi_log10") else math.log
    chi = 3 * max(log(d * ell * delta_f / (c * eps**2 * delta)), 4)
    eta = 1 / ell if bug.get("step_one_over_ell") else c / ell
    if bug.get("wrong_step_size"):
        eta = c / (2 * ell)
    r = 1e-3 if bug.get("constant_r") else math.sqrt(c) / chi**2 * eps / ell
    g_thres = math.sqrt(c) / chi**2 * eps
    f_thres = c / chi**3 * math.sqrt(eps**3 / rho)
    rounding = math.floor if bug.get("floor_window") else math.ceil
    t_thres = rounding(chi / c**2 * ell / math.sqrt(rho * eps))
    if bug.get("clip_t_thres"):
        t_thres = min(t_thres, 10)
    window = max(1, t_thres // 10) if bug.get("perturb_often") else t_thres
    eta, r, g_thres, f_thres = (dt(v) for v in (eta, r, g_thres, f_thres))

    def grad(x):
        return np.asarray(problem.grad(x), dtype=dt)

    def f(x):
        return dt(problem.f(x))

    x = np.array(problem.x0, dtype=dt)
    t_noise, x_tilde, f_tilde, x_pert = -window - 1, None, None, None
    steps = problem.max_iter // 4 if bug.get("no_termination") else problem.max_iter
    for t in range(steps):
        g = grad(x)
        small = bug.get("perturb_large_gradient") or np.linalg.norm(g) <= g_thres
        if (small and t - t_noise > window) or bug.get("perturb_every_step"):
            x_tilde = g.copy() if bug.get("x_tilde_gradient") else x.copy()
            f_tilde, t_noise = f(x_tilde), t
            xi = _ball(rng, d, r, sphere=bug.get("sphere"), drop_r=bug.get("radius_without_r"),
                       cube=bug.get("cube_in_ball"))  # fmt: skip
            x = (x + xi).astype(dt)
            x_pert = x.copy()
            if not bug.get("stale_gradient"):
                g = grad(x)
        if not bug.get("no_termination") and t - t_noise == t_thres and f(x) - f_tilde > -f_thres:
            if bug.get("returns_perturbed"):
                return x_pert
            if bug.get("last_iterate"):
                return x
            return x_tilde
        x = (x - eta * g).astype(dt)
    if bug.get("no_termination"):
        return x
    raise RuntimeError("max_iter reached")


def _mutant(name: str, doc: str):
    def impl(problem, seed):
        return _pgd(problem, seed, **{name: True})

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = doc
    return impl


#: name -> (implementation, what is wrong); the pitfalls of docs/CLAIMS.md s.6 first.
MUTANTS = {
    name: (_mutant(name, doc), doc)
    for name, doc in [
        ("x_tilde_gradient", "stores the gradient instead of the point as x_tilde"),
        ("radius_without_r", "samples the radius as U^(1/d) instead of r U^(1/d)"),
        ("sphere", "samples xi on the sphere of radius r instead of in the ball"),
        ("no_termination", "no termination test: runs max_iter/4 steps, returns the last iterate"),
        ("returns_perturbed", "returns the perturbed point x_tilde + xi instead of x_tilde"),
        ("perturb_often", "perturbs once per t_thres/10 steps instead of once per t_thres"),
        ("perturb_large_gradient", "perturbs whenever the window allows, even at large gradient"),
        ("clip_t_thres", "clips t_thres to 10"),
        ("constant_r", "overrides r by the constant 1e-3"),
        ("float32", "single precision (f_thres and r below float32 round-off)"),
        ("chi_log10", "chi with log base 10"),
        ("step_one_over_ell", "step size 1/ell instead of c/ell"),
        ("perturb_every_step", "adds a perturbation at every step"),
        ("last_iterate", "returns the last iterate instead of x_tilde"),
        ("cube_in_ball", "samples xi uniformly in the cube inscribed in the ball"),
        ("stale_gradient", "steps from x_tilde + xi with the stale gradient grad f(x_tilde)"),
        ("wrong_step_size", "step size c/(2 ell) instead of c/ell"),
        ("floor_window", "t_window = floor(t_thres) instead of ceil(t_thres)"),
    ]
}

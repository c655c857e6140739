"""Correct PGD implementations written differently: the guard's conformance corpus.

Each is Algorithm 2 of Jin et al. (ICML 2017) with ``t_window = ceil(t_thres)``,
written independently of saddlecheck in a different style: query order,
caching, re-evaluating ``f``/``grad`` at ``x_tilde``, evaluating ``f`` at every
step, vectorised sampling, integer inputs. The guard must pass every one of them
in both profiles (tests/test_guard_corpus.py): a failure here is a false alarm.
"""

from __future__ import annotations

import math

import numpy as np


def _params(problem):
    d, ell, rho, eps = problem.dim, problem.ell, problem.rho, problem.eps
    c, delta, delta_f = problem.c, problem.delta, problem.delta_f
    chi = 3 * max(math.log(d * ell * delta_f / (c * eps**2 * delta)), 4)
    return {
        "eta": c / ell,
        "r": math.sqrt(c) / chi**2 * eps / ell,
        "g_thres": math.sqrt(c) / chi**2 * eps,
        "f_thres": c / chi**3 * math.sqrt(eps**3 / rho),
        "t_thres": chi / c**2 * ell / math.sqrt(rho * eps),
    }


def _ball(rng, d, r):
    u = rng.standard_normal(d)
    return r * rng.random() ** (1.0 / d) * u / np.linalg.norm(u)


def return_test_evaluates_both(problem, seed):
    """Evaluates ``f(x_t)`` and ``f(x_tilde)`` afresh at the return test (issue 12's false
    alarm when started at an exact minimum)."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde = -tw - 1, None
    for t in range(problem.max_iter):
        g = problem.grad(x)
        if np.linalg.norm(g) <= p["g_thres"] and t - t_noise > tw:
            x_tilde, t_noise = x.copy(), t
            x = x_tilde + _ball(rng, problem.dim, p["r"])
            g = problem.grad(x)
        if t - t_noise == tw and problem.f(x) - problem.f(x_tilde) > -p["f_thres"]:
            return x_tilde
        x = x - p["eta"] * g
    raise RuntimeError("max_iter reached")


def tilde_first(problem, seed):
    """Asks ``f(x_tilde)`` before ``f(x_t)`` at the return test, and ``grad f(x_tilde)``
    once more before returning."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde = -tw - 1, None
    for t in range(problem.max_iter):
        g = problem.grad(x)
        if np.linalg.norm(g) <= p["g_thres"] and t - t_noise > tw:
            x_tilde, t_noise = x.copy(), t
            x = x_tilde + _ball(rng, problem.dim, p["r"])
            g = problem.grad(x)
        if t - t_noise == tw:
            f_tilde = problem.f(x_tilde)
            if problem.f(x) - f_tilde > -p["f_thres"]:
                problem.grad(x_tilde)  # a final check of the returned point
                return x_tilde
        x = x - p["eta"] * g
    raise RuntimeError("max_iter reached")


def f_every_step(problem, seed):
    """Evaluates ``f`` and ``grad`` at every iterate (a logging loop), ``f`` first."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde, f_tilde, history = -tw - 1, None, None, []
    for t in range(problem.max_iter):
        fx = problem.f(x)
        history.append(fx)
        g = problem.grad(x)
        if t - t_noise == tw and fx - f_tilde > -p["f_thres"]:
            return x_tilde
        if np.linalg.norm(g) <= p["g_thres"] and t - t_noise > tw:
            x_tilde, f_tilde, t_noise = x.copy(), fx, t
            x = x_tilde + _ball(rng, problem.dim, p["r"])
            fx = problem.f(x)
            g = problem.grad(x)
            if tw == 0 and fx - f_tilde > -p["f_thres"]:
                return x_tilde
        x = x - p["eta"] * g
    raise RuntimeError("max_iter reached")


class _Cached:
    """A value-and-gradient cache keyed by the point's bytes (each point asked once)."""

    def __init__(self, problem):
        self.problem, self.memo = problem, {}

    def __call__(self, x):
        key = x.tobytes()
        if key not in self.memo:
            self.memo[key] = (self.problem.f(x), self.problem.grad(x))
        return self.memo[key]


def cached(problem, seed):
    """Value and gradient through a cache: ``f`` and ``grad`` asked together, never twice
    at one point (so the return test reuses the cached ``f(x_tilde)``)."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    vg = _Cached(problem)
    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde = -tw - 1, None
    for t in range(problem.max_iter):
        fx, g = vg(x)
        if np.linalg.norm(g) <= p["g_thres"] and t - t_noise > tw:
            x_tilde, t_noise = x.copy(), t
            x = x_tilde + _ball(rng, problem.dim, p["r"])
            fx, g = vg(x)
        if t - t_noise == tw and fx - vg(x_tilde)[0] > -p["f_thres"]:
            return x_tilde
        x = x - p["eta"] * g
    raise RuntimeError("max_iter reached")


def vectorised_noise(problem, seed):
    """Draws all perturbations up front (Gaussian directions, ``U^(1/d)`` radii, one batch),
    counts steps since the perturbation instead of comparing ``t - t_noise``."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    batch = 64
    dirs = rng.standard_normal((batch, problem.dim))
    radii = p["r"] * rng.random(batch) ** (1.0 / problem.dim)
    noise = dirs / np.linalg.norm(dirs, axis=1, keepdims=True) * radii[:, None]
    used, x = 0, np.array(problem.x0, dtype=np.float64)
    since, x_tilde, f_tilde = None, None, None  # steps since the last perturbation
    for _ in range(problem.max_iter):
        g = problem.grad(x)
        if (since is None or since > tw) and np.linalg.norm(g) <= p["g_thres"]:
            x_tilde, f_tilde, since = x.copy(), problem.f(x), 0
            x = x_tilde + noise[used % batch]
            used += 1
            g = problem.grad(x)
        if since == tw and problem.f(x) - f_tilde > -p["f_thres"]:
            return x_tilde
        x = x - p["eta"] * g
        since = None if since is None else since + 1
    raise RuntimeError("max_iter reached")


def integer_inputs(problem, seed):
    """Takes ``x0`` through ``list`` and ints where they are exact (``t_thres`` via ``int``
    and a ``+ 1`` when fractional), computes ``chi`` with ``math.log1p``-free formulas, and
    returns a plain list."""
    rng = np.random.default_rng(seed)
    p = _params(problem)
    t_thres = p["t_thres"]
    tw = int(t_thres) + (1 if t_thres != int(t_thres) else 0)
    x = np.asarray(list(problem.x0))
    t_noise, x_tilde, f_tilde = -tw - 1, None, None
    for t in range(int(problem.max_iter)):
        g = np.asarray(problem.grad(x))
        if float(np.sqrt(g @ g)) <= p["g_thres"] and t - t_noise > tw:
            x_tilde, f_tilde, t_noise = x.copy(), problem.f(x), t
            x = x_tilde + _ball(rng, int(problem.dim), p["r"])
            g = np.asarray(problem.grad(x))
        if t - t_noise == tw and problem.f(x) - f_tilde > -p["f_thres"]:
            return [float(v) for v in x_tilde]
        x = x - p["eta"] * g
    raise RuntimeError("max_iter reached")


def grad_twice(problem, seed):
    """Asks ``grad`` twice per iterate (once for the test, once for the step)."""
    p, rng = _params(problem), np.random.default_rng(seed)
    tw = math.ceil(p["t_thres"])
    x = np.array(problem.x0, dtype=np.float64)
    t_noise, x_tilde, f_tilde = -tw - 1, None, None
    for t in range(problem.max_iter):
        small = np.linalg.norm(problem.grad(x)) <= p["g_thres"]
        if small and t - t_noise > tw:
            x_tilde, f_tilde, t_noise = x.copy(), problem.f(x), t
            x = x_tilde + _ball(rng, problem.dim, p["r"])
        if t - t_noise == tw and problem.f(x) - f_tilde > -p["f_thres"]:
            return x_tilde
        x = x - p["eta"] * problem.grad(x)
    raise RuntimeError("max_iter reached")


def stepper_class(problem, seed):
    """A class with ``init``/``step`` over an explicit state (optax style), ``x_tilde``
    re-evaluated by ``f`` and ``grad`` at the return."""

    class PGD:
        def __init__(self):
            self.p = _params(problem)
            self.tw = math.ceil(self.p["t_thres"])
            self.rng = np.random.default_rng(seed)

        def init(self, x0):
            return {"x": np.array(x0, dtype=np.float64), "t": 0, "t_noise": -self.tw - 1,
                    "x_tilde": None, "done": False}  # fmt: skip

        def step(self, s):
            x, t = s["x"], s["t"]
            g = problem.grad(x)
            if np.linalg.norm(g) <= self.p["g_thres"] and t - s["t_noise"] > self.tw:
                s = {**s, "x_tilde": x.copy(), "t_noise": t}
                x = x + _ball(self.rng, problem.dim, self.p["r"])
                g = problem.grad(x)
            if t - s["t_noise"] == self.tw:
                ft = problem.f(s["x_tilde"])
                problem.grad(s["x_tilde"])
                if problem.f(x) - ft > -self.p["f_thres"]:
                    return {**s, "done": True}
            return {**s, "x": x - self.p["eta"] * g, "t": t + 1}

    opt = PGD()
    state = opt.init(problem.x0)
    for _ in range(problem.max_iter):
        state = opt.step(state)
        if state["done"]:
            return state["x_tilde"]
    raise RuntimeError("max_iter reached")


#: name -> implementation; every one is correct.
CORPUS = {
    fn.__name__: fn
    for fn in (
        return_test_evaluates_both,
        tilde_first,
        f_every_step,
        cached,
        vectorised_noise,
        integer_inputs,
        grad_twice,
        stepper_class,
    )
}

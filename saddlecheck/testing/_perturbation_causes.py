"""Causes read off the perturbations: stale gradient, radius, law, where it perturbs.

Part of the guard's diagnosis (:mod:`._diagnose`): each function reads a run's
perturbations ``xi = x_(t+1) - x_tilde`` and returns one sentence with the
numbers behind it, or ``None``.
"""

from __future__ import annotations

import math

import numpy as np


def grads_at(run, pts: np.ndarray) -> np.ndarray:
    """``grad f`` at rows of points, float64."""
    return np.atleast_2d(run.case.landscape.grad(pts))


def jumps(run):
    t = run.trace
    if t is None or t.jump_indices.size == 0:
        return None
    k = t.jump_indices
    return k, t.points[k], t.points[k + 1] - t.points[k]


def stale_gradient(run) -> str | None:
    """A step from ``x_tilde + xi`` taken with ``grad f(x_tilde)``: the jump is ``xi - eta g``."""
    j = jumps(run)
    if j is None:
        return None
    k, xt, xi = j
    p = run.case.params
    g = grads_at(run, xt)
    fixed = xi + p.eta * g
    n, nf = np.linalg.norm(xi, axis=1), np.linalg.norm(fixed, axis=1)
    tol = 1 + 1e-6
    if np.max(n) > p.r * tol and np.max(nf) <= p.r * tol:
        i = int(np.argmax(n))
        return (
            f"stale gradient after a perturbation: the step from x_tilde + xi was taken with "
            f"grad f(x_tilde) (at point {int(k[i])}: ||x_(t+1) - x_tilde|| = {n[i]:.4g} > r = "
            f"{p.r:.4g}, but ||x_(t+1) - x_tilde + eta grad f(x_tilde)|| = {nf[i]:.4g} <= r)"
        )
    gn = np.linalg.norm(g, axis=1)
    use = gn > 0
    if np.count_nonzero(use) < 3:
        return None
    d = xi.shape[1]
    gh = g[use] / gn[use, None]
    sd = p.r / math.sqrt(d + 2) * math.sqrt(np.count_nonzero(use))  # sd of sum <xi, g^>
    z = float(np.sum(np.einsum("ij,ij->i", xi[use], gh))) / sd
    z_fixed = float(np.sum(np.einsum("ij,ij->i", fixed[use], gh))) / sd
    if z < -6 and abs(z_fixed) < 4:
        return (
            "stale gradient after a perturbation: the jumps x_(t+1) - x_tilde lean along "
            f"-grad f(x_tilde) (z = {z:.1f} over {int(np.count_nonzero(use))} perturbations; "
            f"{z_fixed:.1f} once -eta grad f(x_tilde) is added back)"
        )
    return None


def radius_size(run, xis: np.ndarray) -> str | None:
    p = run.case.params
    n = np.linalg.norm(xis, axis=1)
    top = float(np.max(n))
    if top > p.r * (1 + 1e-6):
        if 0.25 < top <= 1.0 + 1e-9 and top > 10 * p.r:
            return (
                f"xi not scaled by r: ||xi|| up to {top:.4g} = {top / p.r:.4g} r (radius "
                "drawn as U^(1/d) instead of r U^(1/d)?)"
            )
        return (
            f"perturbation radius too large: ||xi|| up to {top:.4g} = {top / p.r:.4g} r, "
            f"r = g_thres/ell = {p.r:.4g} (r overridden, or chi = 3 max(log(d ell Delta_f "
            f"/(c eps^2 delta)), 4) computed differently: chi = {p.chi:.4g} here)"
        )
    return None


def radius_law(run, xis: np.ndarray) -> str | None:
    p = run.case.params
    n = np.linalg.norm(xis, axis=1)
    d = xis.shape[1]
    if np.min(n) >= p.r * (1 - 1e-6):
        return f"sphere instead of ball: every ||xi|| equals r = {p.r:.4g} ({len(n)} samples)"
    if d >= 2 and np.max(np.abs(xis)) <= p.r / math.sqrt(d) * (1 + 1e-9):
        return (
            f"cube instead of ball: every |xi_i| <= r/sqrt(d) = {p.r / math.sqrt(d):.4g} over "
            f"{len(n)} samples (uniform in the cube inscribed in the ball)"
        )
    u = (n / p.r) ** d
    if abs(float(np.mean(u)) - 0.5) > 4 / math.sqrt(12 * len(u)):
        return (
            f"radius law wrong: mean of (||xi||/r)^d is {float(np.mean(u)):.3g}, 1/2 for the "
            "ball (radius r U instead of r U^(1/d)?)"
        )
    return None


def large_gradient(run) -> str | None:
    t = run.trace
    if t is None or t.jump_indices.size == 0:
        return None
    k = t.jump_indices
    gn = t.grad_norm[k]
    p = run.case.params
    if np.max(gn) > p.g_thres * (1 + 1e-9):
        i = int(np.argmax(gn))
        return (
            f"perturbs where ||grad f|| > g_thres: ||grad f(x_tilde)|| = {gn[i]:.3g} at point "
            f"{int(k[i])}, g_thres = sqrt(c) eps/chi^2 = {p.g_thres:.3g}"
        )
    return None

"""The most likely cause of a failed guard property, in one line.

A failing property states what went wrong (its verdict: the inequality, the
witness); this module says *why it probably went wrong* in the terms of the
pitfalls of docs/CLAIMS.md section 6: single precision, a wrong step size, a stale
gradient after a perturbation, the sphere or the cube instead of the ball, the
last iterate returned instead of ``x_tilde``, no termination rule, ... Each
detector reads the recorded queries or the reconstructed trace and returns a
sentence with the numbers that support it, or ``None``; the first that fires
is the cause. A cause is a diagnosis, not a proof: the verdict is the evidence.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from saddlecheck.claims._verdict import Verdict
from saddlecheck.testing._perturbation_causes import (
    grads_at,
    large_gradient,
    radius_law,
    radius_size,
    stale_gradient,
)
from saddlecheck.testing._reconstruct import is_gd_step

_U64 = 2.0**-53


def low_precision(run) -> tuple[str, float] | None:
    """``(name, unit round-off)`` of the coarsest float type the queries used, if below float64."""
    worst = None
    for t in run.recorder.dtypes:
        try:
            dt = np.dtype(t)
        except TypeError:  # torch.float32, jax's bfloat16 ...: read the name
            name = str(t).rsplit(".", 1)[-1]
            if name == "bfloat16":
                return ("bfloat16", 2.0**-8)
            try:
                dt = np.dtype(name)
            except TypeError:
                continue
        if dt.kind == "f" and dt.itemsize < 8:
            u = float(np.finfo(dt).eps) / 2
            if worst is None or u > worst[1]:
                worst = (dt.name, u)
    return worst


def precision_message(run) -> str | None:
    low = low_precision(run)
    if low is None:
        return None
    name, u = low
    p = run.case.params
    pts = run.recorder.grad_points or run.recorder.f_points
    xmax = max((float(np.max(np.abs(x))) for x in pts), default=0.0)
    fmax = abs(run.case.f0)
    return (
        f"{name} arithmetic: queries made in {name} (unit round-off {u:.2g}; at |x_i| = "
        f"{xmax:.4g} a coordinate moves in steps of {2 * u * xmax:.2g} vs r = {p.r:.3g}, "
        f"and f = {fmax:.4g} in steps of {2 * u * fmax:.2g} vs f_thres = {p.f_thres:.3g})"
    )


def _gradient_as_point(run) -> str | None:
    """A query or the returned point equal to a gradient the run received: ``x_tilde = g``."""
    rec = run.recorder
    grads = {g.tobytes() for g in rec.grad_values if np.any(g != 0) and np.all(np.isfinite(g))}
    if not grads:
        return None
    asked = [*rec.f_points, *rec.grad_points]
    if run.returned is not None:
        asked.append(run.returned)
    for x in asked:
        if np.all(np.isfinite(x)) and x.tobytes() in grads:
            return (
                "stores the gradient instead of the point as x_tilde: f, grad or the return "
                "was asked at a vector grad f returned earlier"
            )
    return None


def _diverged(run) -> str | None:
    rec = run.recorder
    if not rec.nonfinite:
        return None
    pts = [x for x in rec.grad_points if np.all(np.isfinite(x))]
    top = max((float(np.linalg.norm(x)) for x in pts), default=float("nan"))
    return (
        f"the iterates diverged: f or grad overflowed at {rec.nonfinite} queries (largest "
        f"finite ||x|| = {top:.3g}); check the step size eta = c/ell"
    )


def _error(run) -> str | None:
    if run.error is None:
        return None
    if run.error.startswith("did not return"):
        return (
            f"no termination rule (or it never fires): {run.error}; the budget is four "
            "times the gradient queries a correct run needs here, plus 200"
        )
    if "non-finite" in run.error or run.recorder.nonfinite:
        return f"the iterates diverged: {run.error}"
    return f"the implementation failed: {run.error}"


def observed_step(run) -> float | None:
    """The step size most transitions of the run were taken with, if it is not ``c/ell``.

    For each transition ``p -> q`` with ``grad f(p) = g != 0``:
    ``eta_k = <p - q, g>/||g||^2``; the transition is a step of size ``eta_k`` when
    ``q = p - eta_k g`` to 1e-9 relative. ``None`` unless at least half of the
    transitions are such steps with one common ``eta_k`` that differs from ``c/ell``.
    """
    t = run.trace
    if t is None or len(t.f) < 3:
        return None
    p, q = t.points[:-1], t.points[1:]
    with np.errstate(all="ignore"):
        g = grads_at(run, p)
        gg = np.einsum("ij,ij->i", g, g)
        ok = gg > 0
        eta_k = np.where(ok, np.einsum("ij,ij->i", p - q, g) / np.where(ok, gg, 1.0), np.nan)
        resid = np.linalg.norm(q - (p - eta_k[:, None] * g), axis=1)
        scale = np.linalg.norm(p, axis=1) + np.abs(eta_k) * np.sqrt(gg) + 1e-300
        moves = np.linalg.norm(q - p, axis=1) > 1e3 * _U64 * np.linalg.norm(p, axis=1)
        steps = ok & moves & (resid <= 1e-9 * scale) & np.isfinite(eta_k)
    n_moves = int(np.count_nonzero(moves))
    if np.count_nonzero(steps) < max(2, n_moves // 2):
        return None
    eta = float(np.median(eta_k[steps]))
    same = np.abs(eta_k[steps] - eta) <= 1e-6 * abs(eta)
    expected = run.case.params.eta
    if np.count_nonzero(same) < max(2, n_moves // 2) or abs(eta - expected) <= 1e-6 * expected:
        return None
    return eta


def _step_size(run) -> str | None:
    eta = observed_step(run)
    if eta is None:
        return None
    p = run.case.params
    return (
        f"wrong step size: eta observed = {eta:.6g} vs c/ell = {p.eta:.6g} (ratio "
        f"{eta / p.eta:.4g}); every step of another size reads as a perturbation"
    )


def _window(run, verdict: Verdict) -> str | None:
    p = run.case.params
    ceil_note = f"t_window = ceil(t_thres) = {p.t_window}, t_thres = {p.t_thres:.6g}"
    if (
        verdict.lhs is not None
        and verdict.rhs is not None
        and "between perturbations" in (verdict.message)
    ):
        return (
            f"perturbs more often than once per window: {int(verdict.lhs)} gradient steps "
            f"between perturbations, Algorithm 2 needs t_window + 1 = {p.t_window + 1} "
            f"({ceil_note})"
        )
    if "not perturbed" in verdict.message:
        return f"the perturbation rule does not fire where it should ({ceil_note})"
    return None


def window_steps_cause(run, steps: int) -> str:
    """Why a window ended after ``steps`` gradient steps instead of ``t_window``."""
    p = run.case.params
    tw = p.t_window
    if steps == math.floor(p.t_thres) and steps != tw:
        return (
            f"t_window = floor(t_thres) = {steps} instead of ceil(t_thres) = {tw} (t_thres = "
            f"{p.t_thres:.6g}): a failure, not a convention: Algorithm 2 tests t - t_noise = "
            "t_thres, first reached at the integer ceil(t_thres), and the escape lemma needs "
            "t_thres steps"
        )
    if steps < tw:
        return (
            f"window too short: the termination test came after {steps} steps, not t_window = "
            f"ceil(t_thres) = {tw} (t_thres = {p.t_thres:.6g}: clipped, or chi/c/ell differ)"
        )
    return (
        f"no termination rule at the window's end: the run went on {steps} steps after the "
        f"perturbation, t_window = ceil(t_thres) = {tw} (t_thres = {p.t_thres:.6g})"
    )


def _returned(run) -> str | None:
    t = run.trace
    if t is None or run.returned is None or t.jump_indices.size == 0:
        return None
    last = int(t.jump_indices[-1])
    x = run.returned
    if np.allclose(x, t.points[last], rtol=4 * _U64, atol=0.0):
        return None
    if np.array_equal(x, t.points[last + 1]):
        return "returns the perturbed point x_tilde + xi instead of x_tilde"
    g_end = run.case.landscape.grad(t.points[-1])
    if np.array_equal(x, t.points[-1]) or is_gd_step(t.points[-1], g_end, x, run.case.params.eta):
        steps = len(t.f) - 1 - (last + 1)
        if steps > run.case.params.t_window + 1:
            return window_steps_cause(run, steps) + "; returns the last iterate"
        return "returns the last iterate x_t instead of x_tilde"
    g = grads_at(run, t.points)
    close = np.flatnonzero(np.all(np.isclose(g, x, rtol=1e-12, atol=0.0), axis=1))
    if close.size:
        return (
            f"stores the gradient instead of the point as x_tilde: the returned point is "
            f"grad f at point {int(close[0])}"
        )
    return "returns a point that is not x_tilde of the last perturbation"


def _window_length(run) -> str | None:
    """The last window's length, when the run returned after the wrong number of steps."""
    t = run.trace
    if t is None or run.returned is None or t.jump_indices.size == 0:
        return None
    last = int(t.jump_indices[-1])
    steps = len(t.f) - 1 - (last + 1)
    if steps == run.case.params.t_window or np.any(run.hidden > last):
        return None
    return window_steps_cause(run, steps)


def _no_termination(run) -> str | None:
    """A window ended without decrease ``f_thres`` and the run went on: no termination test."""
    t = run.trace
    if t is None or t.jump_indices.size == 0 or run.hidden.size:
        return None
    p = run.case.params
    k = t.jump_indices
    ends = k + 1 + p.t_window
    done = ends < len(t.f) - 1
    stuck = done & (t.f[np.minimum(ends, len(t.f) - 1)] - t.f[k] > -p.f_thres / 2)
    if not np.any(stuck):
        return None
    i = int(np.flatnonzero(stuck)[0])
    return (
        f"no termination rule: the window from point {int(k[i])} ended (t_window = "
        f"ceil(t_thres) = {p.t_window}) without decrease f_thres = {p.f_thres:.3g}, and the "
        f"run went on instead of returning x_tilde ({int(np.count_nonzero(stuck))} such windows)"
    )


def _never_perturbs(run) -> str | None:
    t = run.trace
    if t is not None and t.jump_indices.size == 0:
        return "never perturbs: plain gradient descent stalls at a saddle"
    return None


def _too_often(run) -> str | None:
    t = run.trace
    if t is None or t.jump_indices.size < 2:
        return None
    k = t.jump_indices
    gaps = np.diff(k) - 1
    exact = np.array(
        [not np.any((run.hidden > a) & (run.hidden <= b)) for a, b in itertools.pairwise(k)]
    )
    p = run.case.params
    if np.any(exact & (gaps < p.t_window + 1)):
        g = int(np.min(gaps[exact]))
        return (
            f"perturbs more often than once per window: {g} gradient steps between "
            f"perturbations, Algorithm 2 needs t_window + 1 = {p.t_window + 1} (t_window = "
            f"ceil(t_thres) = {p.t_window}, t_thres = {p.t_thres:.6g})"
        )
    return None


def likely_cause(name: str, runs: list, verdict: Verdict, others=()) -> str:
    """The most likely cause of ``verdict`` (property ``name`` failed on ``runs``), one line.

    Causes that explain every symptom come first (single precision, the gradient
    stored as ``x_tilde``, a wrong step size, a stale gradient after a perturbation,
    which makes windows look one step short), then the failing property's own (the
    sampler, the window, the return), then the run's other faults. ``others``: more
    runs of the same implementation (evidence of a stale gradient needs a
    perturbation where the gradient is not 0).
    """
    run = runs[0]
    with np.errstate(all="ignore"):
        for r in runs:
            msg = precision_message(r) or _gradient_as_point(r)
            if msg:
                return msg
        msg = _step_size(run) or _diverged(run)
        if msg:
            return msg
        for r in [*runs, *list(others)[:300]]:
            msg = stale_gradient(r)
            if msg:
                return msg
        msg = _specific(name, runs, verdict)
        if msg:
            return msg
        msg = _too_often(run)
        if msg:
            return msg
        for r in runs:
            msg = _error(r)
            if msg:
                return msg
        for detect in (
            large_gradient,
            _no_termination,
            _returned,
            _window_length,
            _never_perturbs,
        ):
            msg = detect(run)
            if msg:
                return msg
        t = run.trace
        xis = t.xis() if t is not None else None
        if xis is not None and len(xis):
            msg = radius_size(run, xis)
            if msg:
                return msg
    return "no single cause identified: see the evidence below"


def _specific(name: str, runs: list, verdict: Verdict) -> str | None:
    run = runs[0]
    if name in ("radius", "radius-law", "perturbation-cost"):
        xis = [r.trace.xis() for r in runs if r.trace is not None and r.trace.jump_indices.size]
        if xis:
            pooled = np.concatenate(xis, axis=0)
            msg = radius_size(run, pooled) or (
                radius_law(run, pooled) if name == "radius-law" else None
            )
            if msg:
                return msg
    if name == "window-rule":
        return _window(run, verdict)
    if name == "perturb-small-gradient":
        return large_gradient(run)
    if name in ("return-rule", "window-decrease") and _no_termination(run):
        return _no_termination(run)
    if name == "return-rule":
        msg = _returned(run)
        if msg is None and "wrong number of steps" in verdict.message:
            msg = window_steps_cause(run, int(verdict.lhs))
        return msg
    return None

"""Claims about one PGD run: T2, T3, T4, T7, T10 of docs/CLAIMS.md section 3.

Each reads a :class:`~saddlecheck.claims.Trace` and the run's parameters and
returns a :class:`~saddlecheck.claims.Verdict` for the worst case found.
Float64 data are compared with the round-off allowance of
:func:`~saddlecheck.claims._verdict.float_allowance`.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from saddlecheck.claims._verdict import (
    UNIT_ROUNDOFF,
    Verdict,
    float_allowance,
    not_applicable,
    verdict,
)
from saddlecheck.solver.trace import Trace


def _point_norms(trace: Trace) -> np.ndarray:
    if trace.points is None:
        return np.zeros(len(trace.f))
    return np.linalg.norm(trace.points, axis=1)


def _scales(trace: Trace) -> np.ndarray:
    """Per point: ``|f| + ||grad f|| ||x||``, the size of ``f``'s round-off there."""
    return np.abs(trace.f) + trace.grad_norm * _point_norms(trace)


def _allowances(trace: Trace, k, j, scales: np.ndarray | None = None) -> np.ndarray:
    """Round-off of ``f_j - f_k``: both values, the rounding of the points they sit at.

    ``64 u (|f_k| + |f_j| + ||g_k|| ||x_k|| + ||g_j|| ||x_j||)`` (a rounded point moves
    ``f`` by about ``||grad|| u ||x||``) plus the trace's own ``f_error`` at both.
    """
    sc = _scales(trace) if scales is None else scales
    err = np.asarray(trace.f_error, dtype=np.float64)
    extra = 2 * err if err.ndim == 0 else err[k] + err[j]
    return 64 * UNIT_ROUNDOFF * (sc[k] + sc[j]) + extra


def _worst(claim, source, lhs, rhs, allow, what, label) -> Verdict:
    excess = lhs - rhs - allow
    i = int(np.argmax(excess))
    return verdict(claim, source, lhs[i], rhs[i], what, allowance=float(allow[i]), where=label(i))


def descent(trace: Trace, params) -> Verdict:
    """T2 (descent lemma): at every gradient step, with ``eta = c / ell <= 1/ell``,

    ``f(x_{t+1}) <= f(x_t) - eta (1 - eta ell / 2) ||grad f(x_t)||^2``
    (which is ``<= f(x_t) - (eta/2) ||grad f(x_t)||^2``). Paper Lemma (descent)
    [P], journal Lemma [J].

    >>> t = Trace(np.array([1.0, 0.5]), np.array([1.0, 0.5]), np.array([False]))
    >>> from types import SimpleNamespace
    >>> descent(t, SimpleNamespace(eta=0.5, ell=1.0)).holds  # 0.5 <= 1 - 0.375
    True
    """
    eta, ell = float(params.eta), float(params.ell)
    if eta * ell > 1 + 64 * UNIT_ROUNDOFF:
        return not_applicable(
            "T2", "P,J", f"the lemma needs eta <= 1/ell (eta * ell = {eta * ell})"
        )
    k = np.flatnonzero(~trace.jumps)
    if k.size == 0:
        return not_applicable("T2", "P,J", "the run took no gradient step")
    lhs = trace.f[k + 1]
    rhs = trace.f[k] - eta * (1 - eta * ell / 2) * trace.grad_norm[k] ** 2
    return _worst(
        "T2",
        "P,J",
        lhs,
        rhs,
        _allowances(trace, k, k + 1),
        f"f(x_t+1) <= f(x_t) - eta(1 - eta ell/2)||g||^2 over {k.size} gradient steps",
        lambda i: f"step from point {int(k[i])}",
    )


def perturbation_cost(trace: Trace, params) -> Verdict:
    """T3: ``f(x_tilde + xi) - f(x_tilde) <= g_thres r + ell r^2 / 2`` [D].

    From ``ell``-smoothness, ``||grad f(x_tilde)|| <= g_thres`` (the perturbation
    rule) and ``||xi|| <= r``: ``f(x + xi) - f(x) <= ||grad|| ||xi|| + ell ||xi||^2 / 2``.
    """
    k = trace.jump_indices
    if k.size == 0:
        return not_applicable("T3", "D", "the run made no perturbation")
    g_thres, r, ell = float(params.g_thres), float(params.r), float(params.ell)
    lhs = trace.f[k + 1] - trace.f[k]
    rhs = np.full(k.size, g_thres * r + ell * r * r / 2)
    return _worst(
        "T3",
        "D",
        lhs,
        rhs,
        _allowances(trace, k, k + 1),
        f"f(x_tilde + xi) - f(x_tilde) <= g_thres r + ell r^2/2 over {k.size} perturbation(s)",
        lambda i: f"perturbation at point {int(k[i])}",
    )


def returned_gradient(x, gradient, params) -> Verdict:
    """T4: the returned point has ``||grad f(x)|| <= g_thres`` (deterministic) [D].

    It is ``x_tilde``, chosen where Algorithm 2 saw ``||grad f|| <= g_thres``.

    Args:
        x: the returned point.
        gradient: a :class:`~saddlecheck.Objective` (decided rigorously with
            ball arithmetic at the exact point: ``None`` when the enclosure
            straddles ``g_thres``) or a float64 callable (decided with a ``64 u``
            relative allowance).
        params: the run's parameters (``g_thres``).
    """
    g_thres = float(params.g_thres)
    if hasattr(gradient, "enclose"):
        from saddlecheck.arith.rounding import ball_bounds

        balls = gradient.enclose("grad", list(np.asarray(x, dtype=np.float64)))
        sq = sum((b * b for b in balls[1:]), balls[0] * balls[0])
        lo, hi = ball_bounds(sq)
        g2 = Fraction(g_thres) ** 2
        holds = True if Fraction(hi) <= g2 else (False if Fraction(lo) > g2 else None)
        mid = math.sqrt(max(hi, 0.0))
        return Verdict(
            "T4",
            "D",
            holds,
            mid,
            g_thres,
            g_thres - mid,
            f"||grad f(x)|| in [{math.sqrt(max(lo, 0.0)):.6g}, {mid:.6g}] (ball arithmetic) "
            f"vs g_thres",
        )
    g = np.asarray(gradient(np.asarray(x, dtype=np.float64)), dtype=np.float64)
    norm = float(np.linalg.norm(g))
    return verdict(
        "T4",
        "D",
        norm,
        g_thres,
        "||grad f(x)|| <= g_thres at the returned point (float64)",
        allowance=float_allowance(g_thres, norm),
    )


def perturbation_count(trace: Trace, f_star: float, params) -> Verdict:
    """T7: ``#perturbations <= (f(x0) - f*) / f_thres + 1``, and every completed
    window that is not the last decreases ``f`` by ``>= f_thres`` from ``x_tilde`` [D].

    The window after a perturbation at ``x_tilde`` (point ``k``) ends at point
    ``k + 1 + t_window``; Algorithm 2 returns there unless
    ``f(x_end) - f(x_tilde) <= -f_thres``, so a run that continues past the end
    must have decreased. Together with descent this gives the count.
    """
    k = trace.jump_indices
    f_thres = float(params.f_thres)
    t_window = int(getattr(params, "t_window", math.ceil(float(params.t_thres))))
    # f* <= f(x0) exactly; the float f(x0) may dip below f* by its round-off
    err = float(_allowances(trace, np.array([0]), np.array([0]))[0]) / 2
    count_bound = (max(float(trace.f[0]) - float(f_star), 0.0) + err) / f_thres + 1
    count = verdict(
        "T7",
        "D",
        k.size,
        count_bound,
        "#perturbations <= (f(x0) - f*)/f_thres + 1",
        allowance=float_allowance(count_bound),
    )
    last = len(trace.f) - 1
    ends = k + 1 + t_window
    done = ends < last  # the run went on after the window: a completed, non-final window
    if not np.any(done):
        return count
    kk, ee = k[done], ends[done]
    lhs = trace.f[ee] - trace.f[kk]
    rhs = np.full(kk.size, -f_thres)
    window = _worst(
        "T7",
        "D",
        lhs,
        rhs,
        _allowances(trace, kk, ee),
        f"f(x_window_end) - f(x_tilde) <= -f_thres over {kk.size} completed window(s) "
        f"(window end = x_tilde + t_window + 1, t_window = ceil(t_thres) = {t_window})",
        lambda i: f"window from point {int(kk[i])}",
    )
    return count if count.holds is False else window


def improve_or_localize(trace: Trace, params, *, max_pairs: int = 1_000_000) -> Verdict:
    """T10 (journal, "improve or localize") along every gradient-descent segment:

    for ``eta <= 1/ell`` and ``0 < tau <= t``:
    ``||x_tau - x_0|| <= sqrt(2 eta t (f(x_0) - f(x_t)))`` [J].

    Every start of every segment is checked while the number of (start, t)
    pairs stays below ``max_pairs``; beyond that, starts are taken at a
    regular stride (said in the message). Checked squared, with the float64
    allowance on ``f(x_0) - f(x_t)`` and ``4 u ||x|| t`` for the rounding of
    ``t`` steps.
    """
    if trace.points is None:
        return not_applicable("T10", "J", "the trace has no points (values only)")
    eta = float(params.eta)
    if eta * float(params.ell) > 1 + 64 * UNIT_ROUNDOFF:
        return not_applicable("T10", "J", "the lemma needs eta <= 1/ell")
    segs = [(a, b) for a, b in trace.segments() if b > a]
    if not segs:
        return not_applicable("T10", "J", "the run took no gradient step")
    total = sum((b - a) * (b - a + 1) // 2 for a, b in segs)
    stride = max(1, math.ceil(total / max_pairs))
    worst: tuple[float, float, float, str] | None = None
    xn, sc = _point_norms(trace), _scales(trace)
    for a, b in segs:
        for s in range(a, b, stride):
            disp = np.linalg.norm(trace.points[s + 1 : b + 1] - trace.points[s], axis=1)
            reach = np.maximum.accumulate(disp)  # max_{tau <= t} ||x_tau - x_s||
            t = np.arange(1, b - s + 1)
            drop = trace.f[s] - trace.f[s + 1 : b + 1]
            idx = np.arange(s + 1, b + 1)
            allow_f = _allowances(trace, s, idx, sc)
            lhs = np.maximum(reach - 4 * UNIT_ROUNDOFF * t * (xn[s] + xn[idx]), 0.0) ** 2
            rhs = 2 * eta * t * drop
            excess = lhs - rhs - 2 * eta * t * allow_f
            i = int(np.argmax(excess))
            if worst is None or excess[i] > worst[0]:
                worst = (float(excess[i]), float(lhs[i]), float(rhs[i]), f"start {s}, t={i + 1}")
    note = "" if stride == 1 else f" (every {stride}th start)"
    excess, lhs, rhs, where = worst
    return Verdict(
        "T10",
        "J",
        excess <= 0,
        lhs,
        rhs,
        rhs - lhs,
        f"max_tau<=t ||x_tau - x_0||^2 <= 2 eta t (f_0 - f_t) on {len(segs)} segment(s){note}",
        where=where,
    )

"""Escaping saddles: T5, T8, T9, T12 of docs/CLAIMS.md section 3.

T5 and T8 are statistical: they take outcomes of independent runs and decide
with a one-sided exact binomial test whose false-alarm probability (a correct
implementation rejected) is at most ``alpha``, stated in the verdict.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np

from saddlecheck.claims._statistics import (
    binomial_critical_count,
    binomial_upper_tail,
    clopper_pearson,
)
from saddlecheck.claims._verdict import Verdict, float_allowance, not_applicable, verdict


def _binomial_verdict(claim, source, failures, n, p_max, alpha, what, **extra) -> Verdict:
    k_crit = binomial_critical_count(n, p_max, alpha)
    tail = binomial_upper_tail(n, p_max, failures)
    lo, hi = clopper_pearson(failures, n, alpha)
    msg = (
        f"{what}: {failures}/{n} failures, allowed rate {p_max:.3g}; P(Bin(n, rate) >= "
        f"{failures}) = {tail:.3g}; {1 - alpha:.6g} CI for the failure rate [{lo:.3g}, {hi:.3g}]"
    )
    return Verdict(
        claim,
        source,
        failures < k_crit,
        failures,
        k_crit - 1,
        k_crit - 1 - failures,
        msg,
        sample_size=n,
        false_alarm=alpha,
        **extra,
    )


def second_order_rate(
    outcomes: Sequence[bool | None], delta: float, *, alpha: float = 1e-7
) -> Verdict:
    """T5: the returned point has ``lambda_min >= -sqrt(rho eps)`` except with rate ``<= delta``.

    Theorem 3 [P]: with probability ``>= 1 - delta`` PGD returns an eps-SOSP.
    ``outcomes[i]`` says whether run ``i``'s returned point satisfied the
    second-order condition (``None``: undecided, left out and counted in the
    message). Rejects when ``P(Bin(n, delta) >= failures) <= alpha``.

    >>> second_order_rate([True] * 20, 0.1).holds
    True
    """
    decided = [o for o in outcomes if o is not None]
    if not decided:
        return not_applicable("T5", "P", "no run had a decided second-order verdict")
    failures = sum(1 for o in decided if o is False)
    what = "runs whose returned point has lambda_min < -sqrt(rho eps)"
    if len(decided) < len(outcomes):
        what += f" ({len(outcomes) - len(decided)} undecided left out)"
    return _binomial_verdict("T5", "P", failures, len(decided), float(delta), alpha, what)


def escape_failure_bound(dim: int, params) -> float:
    """The escape lemma's failure probability ``(d ell / sqrt(rho eps)) e^(-chi)`` [P].

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(ell=1.0, rho=1.0, eps=1.0, chi=12.0)
    >>> escape_failure_bound(1, p) == math.exp(-12)
    True
    """
    ell, rho, eps, chi = (
        float(params.ell),
        float(params.rho),
        float(params.eps),
        float(params.chi),
    )
    return min(1.0, dim * ell / math.sqrt(rho * eps) * math.exp(-chi))


def escape_probability(
    escapes: int,
    trials: int,
    *,
    dim: int,
    params,
    lambda_min: float,
    grad_norm: float,
    alpha: float = 1e-7,
) -> Verdict:
    """T8: escape probability at a strict saddle, against the escape lemma [P].

    Lemma: at ``x_tilde`` with ``||grad f|| <= g_thres`` and ``lambda_min <=
    -sqrt(rho eps)``, a perturbation uniform in the ball of radius ``r``
    followed by ``t_thres`` gradient steps decreases ``f`` by ``f_thres`` with
    probability ``>= 1 - (d ell / sqrt(rho eps)) e^(-chi)``. The lemma holds for
    ``c <= c_max`` (unknown): the verdict states the ``c`` used.

    Args:
        escapes, trials: number of escapes among independent trials.
        dim, params: the dimension and the run's parameters.
        lambda_min, grad_norm: at ``x_tilde`` (the premises).
        alpha: false-alarm probability of the one-sided binomial test.
    """
    root = math.sqrt(float(params.rho) * float(params.eps))
    if grad_norm > float(params.g_thres) or lambda_min > -root:
        return not_applicable(
            "T8",
            "P",
            f"premise fails: ||grad||={grad_norm:.3g} (g_thres="
            f"{float(params.g_thres):.3g}), lambda_min={lambda_min:.3g} (needs <= {-root:.3g})",
        )
    p_fail = escape_failure_bound(dim, params)
    return _binomial_verdict(
        "T8",
        "P",
        trials - escapes,
        trials,
        p_fail,
        alpha,
        f"trials that did not decrease f by f_thres in t_thres steps (c={float(params.c):g})",
    )


def _gd(grad: Callable, x: np.ndarray, eta: float, steps: int) -> np.ndarray:
    for _ in range(steps):
        x = x - eta * np.asarray(grad(x), dtype=np.float64)
    return x


def coupling(
    f: Callable,
    grad: Callable,
    x_tilde,
    u0,
    e1,
    mu: float,
    params,
    *,
    factor: float = 1.0,
) -> Verdict:
    """T9: two starts ``mu r`` apart along ``e1`` cannot both be stuck [P].

    ``u0 = x_tilde + v`` with ``||v|| <= r``, ``w0 = u0 + mu r e1``,
    ``mu in [delta/(2 sqrt d), 1]``, ``e1`` the unit eigenvector of the most
    negative Hessian eigenvalue at ``x_tilde``. Runs ``t_window`` gradient
    steps from both (float64) and checks:

    * ``factor == 1`` (thin stuck region, [P]): ``min(f(u_T), f(w_T)) - f(x_tilde)
      <= -f_thres``;
    * otherwise (the coupling lemma, constant recalled [R], usually
      ``factor = 2.5``): ``min(f(u_T) - f(u0), f(w_T) - f(w0)) <= -factor f_thres``.

    Args:
        f, grad: float64 callables.
        x_tilde, u0, e1: points (``u0`` is the offset ``v``, not ``x_tilde + v``).
    """
    x_tilde = np.asarray(x_tilde, dtype=np.float64)
    v, e1 = np.asarray(u0, dtype=np.float64), np.asarray(e1, dtype=np.float64)
    d, r = x_tilde.size, float(params.r)
    lo = float(params.delta) / (2 * math.sqrt(d))
    if np.linalg.norm(v) > r * (1 + 1e-12) or not lo <= mu <= 1:
        return not_applicable("T9", "P", f"need ||u0|| <= r and mu in [{lo:.3g}, 1] (mu={mu})")
    e1 = e1 / np.linalg.norm(e1)
    t = int(getattr(params, "t_window", math.ceil(float(params.t_thres))))
    eta, f_thres = float(params.eta), float(params.f_thres)
    starts = (x_tilde + v, x_tilde + v + mu * r * e1)
    ends = [_gd(grad, s, eta, t) for s in starts]
    fu, fw = (float(f(e)) for e in ends)
    if factor == 1.0:
        lhs, rhs = min(fu, fw) - float(f(x_tilde)), -f_thres
        src, recalled = "P", ()
        what = f"min(f(u_T), f(w_T)) - f(x_tilde) <= -f_thres, T={t}, mu={mu:.3g}"
    else:
        lhs = min(fu - float(f(starts[0])), fw - float(f(starts[1])))
        rhs, src, recalled = -factor * f_thres, "P,R", (f"{factor:g} (coupling constant)",)
        what = f"min(f(u_T) - f(u_0), f(w_T) - f(w_0)) <= -{factor:g} f_thres, T={t}"
    allow = float_allowance(fu, fw, float(f(x_tilde)))
    return verdict("T9", src, lhs, rhs, what, allowance=allow, recalled=recalled)


def quadratic_escape(
    a: Sequence,
    steps: int,
    *,
    f_escape,
    eigenvalues: Sequence | None = None,
    eta=Fraction(1, 2),
    rotation=None,
) -> Verdict:
    """T12: the quadratic escape formula, exactly, and the ``log d`` escape time [P blog].

    ``f = x^T H x / 2`` with ``H = Q diag(lambda) Q^T`` (default ``Q = I``,
    ``lambda = (-1, 1, ..., 1)``, ``eta = 1/2``); gradient descent from ``x_0 = Q a``
    has ``f(x_t) = sum_i lambda_i (1 - eta lambda_i)^(2t) a_i^2 / 2`` exactly.
    Iterates and ``f`` are computed in exact rationals for ``t <= steps`` and
    compared with the formula. With ``lambda_1 < 0 <= lambda_i`` (``i >= 2``) and
    ``|1 - eta lambda_i| <= 1``, ``f(x_t) <= (-(1 - eta lambda_1)^(2t) |lambda_1| a_1^2 +
    lambda_max ||a||^2) / 2``, so the first ``t`` with ``f(x_t) <= -f_escape`` is at most
    the least ``t`` with ``(1 - eta lambda_1)^(2t) |lambda_1| a_1^2 >= 2 f_escape +
    lambda_max ||a||^2``: for ``a_1^2 = ||a||^2 / d`` this is ``log d / (2 log(1 + eta
    |lambda_1|)) + O(1)`` steps. The verdict compares the escape time (``lhs``) with
    that bound (``rhs``) and fails if the formula is not exact.
    """
    a = [Fraction(v) for v in a]
    d = len(a)
    lam = (
        [Fraction(-1)] + [Fraction(1)] * (d - 1)
        if eigenvalues is None
        else [Fraction(v) for v in eigenvalues]
    )
    eta, F = Fraction(eta), Fraction(f_escape)
    if len(lam) != d or not (lam[0] < 0 and all(v >= 0 for v in lam[1:])):
        return not_applicable(
            "T12", "P", "needs lambda_1 < 0 <= lambda_i and len(eigenvalues) == len(a)"
        )
    if any(abs(1 - eta * v) > 1 for v in lam[1:]):
        return not_applicable(
            "T12", "P", "needs |1 - eta lambda_i| <= 1 for the positive eigenvalues"
        )
    Q = (
        [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
        if rotation is None
        else [[Fraction(v) for v in row] for row in rotation]
    )
    H = [[sum(Q[i][k] * lam[k] * Q[j][k] for k in range(d)) for j in range(d)] for i in range(d)]
    x = [sum(Q[i][k] * a[k] for k in range(d)) for i in range(d)]
    t_esc, first_bad = None, None
    for t in range(steps + 1):
        Hx = [sum(H[i][j] * x[j] for j in range(d)) for i in range(d)]
        f = sum(x[i] * Hx[i] for i in range(d)) / 2
        formula = sum(lam[i] * (1 - eta * lam[i]) ** (2 * t) * a[i] ** 2 for i in range(d)) / 2
        if f != formula and first_bad is None:
            first_bad = t
        if t_esc is None and f <= -F:
            t_esc = t
        x = [x[i] - eta * Hx[i] for i in range(d)]
    if first_bad is not None:
        return Verdict("T12", "P", False, None, None, None, f"formula differs at t={first_bad}")
    if a[0] == 0:
        return not_applicable("T12", "P", "a_1 = 0: the iterates stay on the stable manifold")
    growth, need = (1 - eta * lam[0]) ** 2, 2 * F + max(lam[1:], default=0) * sum(v * v for v in a)
    bound, value = 0, abs(lam[0]) * a[0] ** 2
    while value < need:
        value, bound = value * growth, bound + 1
    if t_esc is None:
        if bound <= steps:
            return Verdict("T12", "P", False, math.inf, bound, -math.inf, "no escape by the bound")
        return not_applicable("T12", "P", f"escape bound {bound} > steps={steps}; raise steps")
    return verdict(
        "T12",
        "P",
        t_esc,
        bound,
        f"formula exact for t <= {steps}; escape time vs log-d bound (d={d})",
    )

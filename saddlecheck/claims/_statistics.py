"""Tail bounds behind the statistical claims (T5, T8, T11) and the guard.

Every statistical decision here has a stated false-alarm probability: the
probability that data from a correct implementation are rejected. The tests
are one-sided binomial tests (exact tails in mpmath) and Kolmogorov-Smirnov
tests with the Dvoretzky-Kiefer-Wolfowitz-Massart bound
``P(sup |F_n - F| > t) <= 2 exp(-2 n t^2)`` (Massart, Ann. Probab. 18, 1990;
valid whenever the right side is at most 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import mpmath
import numpy as np


def binomial_upper_tail(n: int, p: float, k: int) -> float:
    """``P(Bin(n, p) >= k)``, summed exactly in 40-digit mpmath.

    >>> round(binomial_upper_tail(2, 0.5, 1), 12)
    0.75
    """
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    with mpmath.workdps(40):
        pm = mpmath.mpf(p)
        q = 1 - pm
        total = mpmath.fsum(mpmath.binomial(n, j) * pm**j * q ** (n - j) for j in range(k, n + 1))
        return float(total)


def binomial_critical_count(n: int, p: float, alpha: float) -> int:
    """Smallest ``k`` with ``P(Bin(n, p) >= k) <= alpha``: reject ``p' <= p`` at ``>= k``.

    >>> binomial_critical_count(10, 0.0, 1e-9)
    1
    """
    if p <= 0:
        return 1
    lo, hi = 0, n + 1  # tail(hi) = 0 <= alpha; find the least such k
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if binomial_upper_tail(n, p, mid) <= alpha:
            hi = mid
        else:
            lo = mid
    return hi


def clopper_pearson(successes: int, n: int, alpha: float) -> tuple[float, float]:
    """Two-sided ``1 - alpha`` Clopper-Pearson interval for a binomial proportion.

    >>> lo, hi = clopper_pearson(0, 20, 0.05)
    >>> lo, round(hi, 3)
    (0.0, 0.168)
    """
    if n <= 0:
        return 0.0, 1.0

    def solve(target: Callable[[float], float]) -> float:
        a, b = 0.0, 1.0
        for _ in range(80):
            m = (a + b) / 2
            if target(m) > 0:
                b = m
            else:
                a = m
        return (a + b) / 2

    lo = 0.0
    if successes > 0:  # P(Bin(n, lo) >= successes) = alpha/2, increasing in lo
        lo = solve(lambda p: binomial_upper_tail(n, p, successes) - alpha / 2)
    hi = 1.0
    if successes < n:  # P(Bin(n, hi) <= successes) = alpha/2, decreasing in hi
        hi = solve(lambda p: alpha / 2 - (1 - binomial_upper_tail(n, p, successes + 1)))
    return lo, hi


def dkw_threshold(n: int, alpha: float) -> float:
    """``t`` with ``2 exp(-2 n t^2) = alpha``: the KS critical value at level ``alpha``.

    >>> round(dkw_threshold(200, 1e-8), 4)
    0.2186
    """
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def ks_statistic(samples: Sequence[float], cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """``sup_x |F_n(x) - F(x)|`` for a continuous ``F`` given vectorised as ``cdf``.

    >>> ks_statistic([0.5], lambda u: u)
    0.5
    """
    u = np.sort(np.asarray(samples, dtype=np.float64))
    n = u.size
    F = np.clip(np.asarray(cdf(u), dtype=np.float64), 0.0, 1.0)
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - F), np.max(F - (i - 1) / n)))


def sphere_coordinate_cdf(d: int) -> Callable[[np.ndarray], np.ndarray]:
    """CDF of one coordinate of a uniform unit vector in ``R^d`` (``d >= 2``).

    The coordinate ``t`` has density proportional to ``(1 - t^2)^((d-3)/2)`` on
    ``[-1, 1]``, so ``F(t) = 1/2 + sign(t) I_{t^2}(1/2, (d-1)/2) / 2`` with
    ``I`` the regularized incomplete beta function.

    >>> F = sphere_coordinate_cdf(2)
    >>> [round(float(v), 6) for v in F(np.array([-1.0, 0.0, 0.5]))]
    [0.0, 0.5, 0.666667]
    >>> round(float(sphere_coordinate_cdf(3)(np.array([0.5]))[0]), 12)  # uniform on [-1, 1]
    0.75
    """
    if d < 2:
        raise ValueError("a coordinate of a unit vector in R^1 is +-1: use a sign test")
    b_target = (d - 1) / 2

    def cdf(t: np.ndarray) -> np.ndarray:
        # I_x(1/2, b) from I_x(1/2, 1/2) = (2/pi) asin(sqrt x) or I_x(1/2, 1) = sqrt(x),
        # then I_x(a, b + 1) = I_x(a, b) + Gamma(a + b)/(Gamma(a) Gamma(b + 1)) x^a (1 - x)^b.
        t = np.clip(np.asarray(t, dtype=np.float64), -1.0, 1.0)
        x = t * t
        a, b = 0.5, (0.5 if d % 2 == 0 else 1.0)
        inc = 2 / math.pi * np.arcsin(np.sqrt(x)) if d % 2 == 0 else np.sqrt(x)
        while b < b_target:
            coef = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b + 1))
            inc = inc + coef * np.sqrt(x) * (1 - x) ** b
            b += 1
        return 0.5 + np.sign(t) * np.minimum(inc, 1.0) / 2

    return cdf


def log_ball_coordinate_density(d: int) -> float:
    """``log(C_d)``, ``C_d = Gamma(d/2 + 1) / (sqrt(pi) Gamma(d/2 + 1/2))``.

    One coordinate of a point uniform in the ball of radius ``r`` in ``R^d`` has
    density at most ``C_d / r`` (its maximum, at 0: the ratio of the volume of
    the ``(d-1)``-ball to the ``d``-ball). So ``P(|a_1 - m| <= s) <= 2 s C_d / r``
    for every ``m``: the slab bound of the thin stuck region (docs/CLAIMS.md s.2).

    >>> round(math.exp(log_ball_coordinate_density(1)), 12)  # uniform on [-r, r]
    0.5
    """
    return math.lgamma(d / 2 + 1) - math.lgamma(d / 2 + 0.5) - 0.5 * math.log(math.pi)

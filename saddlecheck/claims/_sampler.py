"""The perturbation ball: T11 (the sampler) and T15 (the stuck-region volume bound)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import mpmath
import numpy as np

from saddlecheck.claims._statistics import (
    binomial_upper_tail,
    dkw_threshold,
    ks_statistic,
    sphere_coordinate_cdf,
)
from saddlecheck.claims._verdict import UNIT_ROUNDOFF, Verdict, not_applicable


def ball_sampler(xis, r: float, *, alpha: float = 1e-7, norm_error: float = 0.0) -> Verdict:
    """T11: ``xi`` uniform in the ball of radius ``r``: ``P(||xi|| <= s) = (s/r)^d``,
    direction uniform [P, Algorithm 2: "xi_t uniformly ~ B_0(r)"].

    Deterministic part: ``||xi|| <= r`` for every sample (allowance ``64 u r`` plus
    ``norm_error``, the error of samples read off rounded points, e.g.
    ``xi = fl(x_tilde + xi) - x_tilde``).
    Statistical part, at total false-alarm probability ``alpha`` (Bonferroni
    over the ``d + 1`` tests, each a Kolmogorov-Smirnov test with the DKW-Massart
    bound): ``(||xi||/r)^d`` is uniform on ``[0, 1]``; each coordinate of
    ``xi/||xi||`` has the law of a coordinate of a uniform unit vector (for
    ``d = 1``: a fair sign, tested the same way on ``{-1, +1}``); and for
    ``d >= 2`` the number of samples outside the cube inscribed in the ball
    (``max_i |xi_i| > r / sqrt(d)``) is ``Bin(n, p_d)`` with
    ``p_d = 1 - (2/sqrt(d))^d Gamma(d/2 + 1) / pi^(d/2)`` (an exact two-sided
    binomial test; it catches a sampler uniform in that cube, which the KS
    tests see only with many samples: ``p_2 = 1 - 2/pi``, so 60 samples in
    ``d = 2`` reject the cube at ``P = (2/pi)^60 < 2e-12``). Bonferroni then
    splits ``alpha`` over ``d + 2`` tests.

    Returns:
        A verdict with ``lhs`` the largest ratio statistic/critical value and
        ``rhs = 1``; ``sample_size`` and ``false_alarm`` set.
    """
    xi = np.atleast_2d(np.asarray(xis, dtype=np.float64))
    n, d = xi.shape
    if n == 0:
        return not_applicable("T11", "P", "no perturbation sampled")
    norms = np.linalg.norm(xi, axis=1)
    r = float(r)
    worst = float(np.max(norms)) / r
    if worst > 1 + 64 * UNIT_ROUNDOFF + float(norm_error) / r:
        i = int(np.argmax(norms))
        return Verdict(
            "T11",
            "P",
            False,
            worst,
            1.0,
            1.0 - worst,
            f"||xi|| = {norms[i]:.6g} exceeds r = {r:.6g}",
            sample_size=n,
            false_alarm=0.0,
            where=f"sample {i}",
        )
    m = d + 1 if d == 1 else d + 2
    t_crit = dkw_threshold(n, alpha / m)
    stats: list[tuple[float, str]] = []
    u = np.clip(norms / r, 0.0, 1.0) ** d
    stats.append((ks_statistic(u, lambda v: v), "radius law (||xi||/r)^d ~ U(0,1)"))
    if np.any(norms == 0):
        return Verdict(
            "T11",
            "P",
            False,
            1.0,
            0.0,
            -1.0,
            "a perturbation is exactly zero",
            sample_size=n,
            false_alarm=0.0,
        )
    theta = xi / norms[:, None]
    if d == 1:
        pos = np.count_nonzero(theta[:, 0] > 0)
        stats.append((abs(pos / n - 0.5), "sign of xi (fair coin)"))
    else:
        cdf = sphere_coordinate_cdf(d)
        for j in range(d):
            stats.append((ks_statistic(theta[:, j], cdf), f"direction coordinate {j}"))
        p_out = outside_cube_probability(d)
        k_out = int(np.count_nonzero(np.max(np.abs(xi), axis=1) > r / math.sqrt(d)))
        p_val = min(
            1.0,
            2
            * min(
                binomial_upper_tail(n, p_out, k_out), 1 - binomial_upper_tail(n, p_out, k_out + 1)
            ),
        )
        level = alpha / m
        ratio_cube = math.log(max(p_val, 1e-300)) / math.log(level)
        stats.append(
            (
                ratio_cube * t_crit,
                f"{k_out} of {n} samples outside the cube inscribed "
                f"in the ball (expected {p_out * n:.1f}; two-sided binomial p = {p_val:.2g})",
            )
        )
    ratio, what = max((s / t_crit, w) for s, w in stats)
    return Verdict(
        "T11",
        "P",
        ratio <= 1.0,
        ratio,
        1.0,
        1.0 - ratio,
        f"worst test: {what} (statistic / critical value; KS critical value {t_crit:.3g})",
        sample_size=n,
        false_alarm=alpha,
    )


def outside_cube_probability(d: int) -> float:
    """``P(max_i |xi_i| > r/sqrt(d))`` for ``xi`` uniform in the ball of radius ``r`` in ``R^d``.

    One minus the volume of the inscribed cube (side ``2r/sqrt(d)``) over the ball's
    (``pi^(d/2) r^d / Gamma(d/2 + 1)``).

    >>> round(outside_cube_probability(2), 12) == round(1 - 2 / math.pi, 12)
    True
    """
    log_ratio = d * math.log(2 / math.sqrt(d)) + math.lgamma(d / 2 + 1) - d / 2 * math.log(math.pi)
    return -math.expm1(log_ratio)


def _volume_fraction_le_one(d: int) -> bool:
    """Exact: ``q(d) = Gamma(d/2+1) / (sqrt(pi d) Gamma(d/2+1/2)) <= 1``, integers only.

    ``d = 2m``: ``q = 4^m (m!)^2 / ((2m)! pi sqrt(2m))``, and ``pi > 333/106``.
    ``d = 2m+1``: ``q = (2m+2)! / (4^(m+1) (m+1)! m! sqrt(2m+1))`` (no ``pi``).
    """
    if d % 2 == 0:
        m = d // 2
        a = 4**m * math.factorial(m) ** 2  # q = a / (b pi sqrt(2m))
        b = math.factorial(2 * m)
        # a^2 <= b^2 (333/106)^2 (2m) implies a^2 <= b^2 pi^2 (2m)
        return a * a * 106 * 106 <= b * b * 333 * 333 * 2 * m
    m = (d - 1) // 2
    num = math.factorial(2 * m + 2)
    den = 4 ** (m + 1) * math.factorial(m + 1) * math.factorial(m)
    return num * num <= den * den * (2 * m + 1)


def stuck_volume(dims: Iterable[int]) -> Verdict:
    """T15: the stuck region's volume fraction is at most ``delta`` for every ``d`` [P].

    The thin-stuck-region lemma bounds the fraction by
    ``(delta / sqrt(pi d)) Gamma(d/2 + 1) / Gamma(d/2 + 1/2)``; the claim is
    ``q(d) = Gamma(d/2+1) / (sqrt(pi d) Gamma(d/2+1/2)) <= 1``. For each ``d`` in
    ``dims`` this is decided exactly (integer arithmetic, see
    :func:`_volume_fraction_le_one`) and ``q(d)`` is enclosed with mpmath
    interval arithmetic for the report. For all ``d`` at once (the analytic
    argument, machine-checked in ``proofs/volume.py``): Wendel's bound
    ``Gamma(x+1)/Gamma(x+1/2) <= sqrt(x+1/2)`` gives ``q(d) <= sqrt((d+1)/(2 pi d))
    <= 1/sqrt(pi) < 1``, with ``q(1) = 1/2`` the maximum.

    >>> stuck_volume(range(1, 50)).holds
    True
    """
    dims = sorted(set(int(d) for d in dims))
    if not dims or dims[0] < 1:
        return not_applicable("T15", "P", "dimensions must be integers >= 1")
    worst_hi, worst_d, bad = -1.0, dims[0], []
    iv = mpmath.iv
    with mpmath.workdps(30):
        for d in dims:
            if not _volume_fraction_le_one(d):
                bad.append(d)
            q = iv.gamma(iv.mpf(d) / 2 + 1) / (
                iv.sqrt(iv.pi * d) * iv.gamma(iv.mpf(d) / 2 + iv.mpf(0.5))
            )
            hi = float(q.b)
            if hi > worst_hi:
                worst_hi, worst_d = hi, d
    msg = (
        f"q(d) <= 1 decided exactly for d in [{dims[0]}, {dims[-1]}] ({len(dims)} values); "
        "all d: Wendel's bound, proofs/volume.py"
    )
    if bad:
        return Verdict(
            "T15", "P", False, worst_hi, 1.0, 1.0 - worst_hi, f"{msg}; fails at {bad[:5]}"
        )
    return Verdict(
        "T15", "P", True, worst_hi, 1.0, 1.0 - worst_hi, msg, where=f"max at d={worst_d}"
    )

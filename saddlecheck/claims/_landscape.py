"""Where PGD ends up: T13 (strict saddle corollary) and T14 (local linear phase)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from saddlecheck.claims._verdict import (
    UNIT_ROUNDOFF,
    Verdict,
    float_allowance,
    not_applicable,
    verdict,
)


def distance_to_points(x, minima: Sequence) -> float:
    """Euclidean distance from ``x`` to the nearest of finitely many points.

    >>> distance_to_points([0.0, 3.0], [[0.0, 0.0], [4.0, 3.0]])
    3.0
    """
    x = np.asarray(x, dtype=np.float64)
    return float(min(np.linalg.norm(x - np.asarray(m, dtype=np.float64)) for m in minima))


def close_to_minima(
    x,
    minima: Sequence | Callable,
    zeta: float,
    *,
    recalled: Sequence[str] = (),
) -> Verdict:
    """T13 (Corollary, strict saddle) [P]: PGD run with ``eps~ = min(theta, gamma^2/rho)``
    returns a point within ``zeta`` of the set of local minima.

    Reason [D]: an ``eps~``-SOSP has ``||grad|| <= theta`` and ``lambda_min >= -gamma``,
    so by the strict saddle property it is ``zeta``-close to a local minimum.

    Args:
        x: the returned point.
        minima: the local minima (a finite list) or a callable ``x -> distance``
            (e.g. the Procrustes distance to ``{V* R}`` for matrix factorization).
        zeta: the strict-saddle constant.
        recalled: names of ``[R]`` constants among ``theta, gamma, zeta`` used.
    """
    dist = float(minima(x)) if callable(minima) else distance_to_points(x, minima)
    src = "P,R" if recalled else "P"
    return verdict(
        "T13",
        src,
        dist,
        zeta,
        "distance from the returned point to the local minima <= zeta",
        allowance=float_allowance(dist, zeta),
        recalled=tuple(recalled),
    )


def linear_rate(
    distances: Sequence[float],
    alpha: float,
    beta: float,
    *,
    scale: float = 0.0,
    recalled: Sequence[str] = (),
) -> Verdict:
    """T14 (Theorem 5, local phase): gradient descent with step ``1/beta`` under
    ``(alpha, beta)``-regularity contracts the distance to the minima:

    ``dist(x_{t+1})^2 <= (1 - alpha/beta) dist(x_t)^2`` [D], from
    ``<grad f(x), x - P(x)> >= alpha/2 ||x - P(x)||^2 + 1/(2 beta) ||grad f(x)||^2`` [P]
    and ``dist(x_{t+1}) <= ||x_{t+1} - P(x_t)||``.

    Args:
        distances: ``dist(x_t)`` along the GD run (all within the regular region).
        alpha, beta: the regularity constants; ``recalled`` names any ``[R]`` one.
        scale: magnitude of the points (``max ||x_t||``): each float64 distance
            is trusted to ``64 u (scale + dist)``.

    >>> linear_rate([1.0, 0.5, 0.25], 1.0, 1.5).holds  # rate 1/3 >= 1/4
    True
    """
    d = np.asarray(distances, dtype=np.float64)
    if d.size < 2:
        return not_applicable("T14", "D", "need at least two iterates")
    if not 0 < alpha <= beta:
        return not_applicable("T14", "D", f"need 0 < alpha <= beta (alpha={alpha}, beta={beta})")
    rate = 1 - alpha / beta
    err = 64 * UNIT_ROUNDOFF * (float(scale) + d)
    lhs = np.maximum(d[1:] - err[1:], 0.0) ** 2
    rhs = rate * (d[:-1] + err[:-1]) ** 2
    i = int(np.argmax(lhs - rhs))
    src = "D,R" if recalled else "D"
    return verdict(
        "T14",
        src,
        lhs[i],
        rhs[i],
        f"dist_t+1^2 <= (1 - alpha/beta) dist_t^2, rate {rate:.4g}",
        where=f"t={i}",
        recalled=tuple(recalled),
    )

"""Phase retrieval, a strict-saddle problem from the literature (docs/CLAIMS.md s.5, item 6).

``f(z) = (1/(4m)) sum_k (y_k^2 - (a_k^T z)^2)^2`` with ``y_k = |a_k^T z*|``.
Integer measurement vectors and an integer ``z*`` keep everything exact: the
global minima are ``+-z*`` (value 0), and the origin is a critical point with
Hessian ``-(1/m) sum_k y_k^2 a_k a_k^T`` (a local maximum when the ``a_k`` span).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy

from saddlecheck._validation import check_int
from saddlecheck.box import Box
from saddlecheck.objective import Objective
from saddlecheck.problems._problem import KnownPoint, Problem


def phase_retrieval(d: int = 2, m: int | None = None, *, seed: int = 0) -> Problem:
    """A random exact instance: ``a_k`` with entries in ``{-2, ..., 2}``, ``z*`` in ``{-1, 1}^d``.

    >>> p = phase_retrieval(2, 6, seed=0)
    >>> p.objective.value([float(v) for v in p.options["z_star"]])
    0.0
    """
    d = check_int("d", d, minimum=1)
    m = check_int("m", 4 * d if m is None else m, minimum=1)
    rng = np.random.default_rng(seed)
    A = rng.integers(-2, 3, size=(m, d))
    while np.linalg.matrix_rank(A) < d:  # the origin is then a strict local maximum
        A = rng.integers(-2, 3, size=(m, d))
    z_star = tuple(int(v) for v in rng.choice([-1, 1], size=d))
    zs = sympy.symbols(f"z1:{d + 1}")
    terms = []
    for a in A.tolist():
        y2 = sum(ai * zi for ai, zi in zip(a, z_star, strict=True)) ** 2
        az = sum((ai * v for ai, v in zip(a, zs, strict=True)), sympy.Integer(0))
        terms.append((y2 - az**2) ** 2)
    expr = sympy.Add(*terms) / (4 * m)
    Y = sum(
        (int(np.dot(a, z_star)) ** 2 * sympy.Matrix(a) * sympy.Matrix(a).T for a in A.tolist()),
        sympy.zeros(d, d),
    )
    H0 = -Y / m
    spectrum = _spectrum(H0)
    lam0, lam_max0 = spectrum[0], spectrum[-1]
    half = 2 * max(abs(v) for v in z_star)
    pts = (
        KnownPoint((0,) * d, "max", lam0)
        if lam_max0 < 0
        else KnownPoint((0,) * d, "degenerate", lam0),
        KnownPoint(z_star, "min", _lambda_min_at(A, z_star, m)),
        KnownPoint(tuple(-v for v in z_star), "min", _lambda_min_at(A, z_star, m)),
    )
    return Problem(
        name="phase-retrieval",
        objective=Objective(expr, zs),
        box=Box([(-half, half)] * d),
        critical_points=pts,
        complete_critical_points=False,
        x0=(Fraction(0),) * d,
        f_star=sympy.Integer(0),
        description=f"phase retrieval, d={d}, m={m} integer measurements",
        options={"d": d, "m": m, "seed": seed, "A": A.tolist(), "z_star": z_star},
    )


def _lambda_min_at(A: np.ndarray, z: tuple, m: int) -> sympy.Expr:
    """``lambda_min`` of ``(2/m) sum_k (a_k^T z)^2 a_k a_k^T``, the Hessian at ``+-z*``."""
    H = (
        sum(
            (2 * int(np.dot(a, z)) ** 2 * sympy.Matrix(a) * sympy.Matrix(a).T for a in A.tolist()),
            sympy.zeros(len(z), len(z)),
        )
        / m
    )
    return _spectrum(H)[0]


def _spectrum(H: sympy.Matrix) -> list:
    """The eigenvalues of a rational symmetric matrix, exact and sorted.

    Real roots of the characteristic polynomial (algebraic numbers, ``CRootOf``
    beyond degree 2), which SymPy orders exactly; the radicals of
    ``eigenvals()`` cannot always be compared.
    """
    return H.charpoly().real_roots()

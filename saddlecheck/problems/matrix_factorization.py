"""Matrix factorization, the paper's worked example (CLAIMS.md section 4).

``f(U) = 1/2 ||U U^T - M*||_F^2`` with ``U`` in ``R^{d x r}`` and ``M*``
symmetric PSD of rank ``r``. The instance is built exactly: a rational
orthogonal ``Q`` (Cayley transform of a random integer skew-symmetric matrix)
and eigenvalues ``sigma_i = s_i^2`` with rational ``s_i``, so ``M* = V* V*^T``
with ``V* = Q[:, :r] diag(s)`` rational and the spectrum known exactly. The
global minima are ``{V* R : R orthogonal}``, so exact certification at a
minimum is possible.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import sympy

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.box import Box
from saddlecheck.objective import Objective
from saddlecheck.problems._problem import Constant, KnownPoint, Problem

_SRC = "CLAIMS.md s.4 (paper's matrix factorization section, recalled)"


def rational_orthogonal(d: int, seed: int) -> sympy.Matrix:
    """An exactly orthogonal rational ``d x d`` matrix (Cayley transform).

    ``Q = (I - S)(I + S)^{-1}`` is orthogonal for skew-symmetric ``S``.

    >>> Q = rational_orthogonal(3, seed=1)
    >>> Q * Q.T == sympy.eye(3)
    True
    """
    rng = np.random.default_rng(seed)
    S = sympy.zeros(d, d)
    for i in range(d):
        for j in range(i + 1, d):
            v = int(rng.integers(-2, 3))
            S[i, j], S[j, i] = v, -v
    eye = sympy.eye(d)
    return (eye - S) * (eye + S).inv()


def matrix_factorization(
    d: int = 2, r: int = 1, *, seed: int = 0, s: tuple | None = None, Gamma: object = None
) -> Problem:
    """The matrix factorization objective with exactly known spectrum and minima.

    Args:
        d, r: ``U`` is ``d x r`` (variables ``u{i}_{j}``, row-major), ``r <= d``.
        seed: seeds the rational orthogonal ``Q``.
        s: square roots of the eigenvalues, ``s_1 >= ... >= s_r > 0``
            (default ``(r, r-1, ..., 1)``, so ``sigma = (r^2, ..., 1)``).
        Gamma: the region ``||U||^2 < Gamma`` of the recalled constants
            (default ``4 sigma_1``); the box is ``[-sqrt(Gamma), sqrt(Gamma)]^{dr}``,
            which contains that ball (``|u_ij| <= ||U||_2``).

    Returns:
        A :class:`Problem` with the recalled constants of CLAIMS.md s.4 (tag
        ``R``: proofs/ and the landscape checker settle them), the exact
        global minimum ``V*`` as ``x0``-independent data in ``options``.

    >>> p = matrix_factorization(2, 1)
    >>> p.dim, p.f_star, p.objective.exact("value", p.options["V_star"])
    (2, 0, 0)
    """
    d = check_int("d", d, minimum=1)
    r = check_int("r", r, minimum=1)
    if r > d:
        raise InputError(f"r={r} must be <= d={d}")
    s_vals = tuple(range(r, 0, -1)) if s is None else tuple(s)
    if len(s_vals) != r:
        raise InputError(f"s={s!r} must have r={r} entries")
    s_q = [sympy.Rational(check_positive(f"s[{i}]", v)) for i, v in enumerate(s_vals)]
    if any(a < b for a, b in itertools.pairwise(s_q)):
        raise InputError(f"s={s!r} must be non-increasing")
    sigma = [v**2 for v in s_q]
    Q = rational_orthogonal(d, seed)
    V = Q[:, :r] * sympy.diag(*s_q)
    M = V * V.T
    G = sympy.Rational(check_positive("Gamma", Gamma)) if Gamma is not None else 4 * sigma[0]
    if sigma[0] > G:
        raise InputError(f"Gamma={G} must be >= sigma_1={sigma[0]} (CLAIMS.md s.4)")
    sq = sympy.sqrt(G)
    half = sq if sq.is_Rational else sympy.Rational(int(sympy.ceiling(sq * 10**6)), 10**6)

    U = sympy.Matrix(d, r, lambda i, j: sympy.Symbol(f"u{i + 1}_{j + 1}"))
    R = U * U.T - M
    expr = sum((R[i, j] ** 2 for i in range(d) for j in range(d)), sympy.Integer(0)) / 2
    variables = tuple(U)  # row-major
    sr, s1 = sigma[-1], sigma[0]
    constants = {
        "sigma_1": Constant(s1, "exact spectrum of M*", "exact"),
        "sigma_r": Constant(sr, "exact spectrum of M*", "exact"),
        "Gamma": Constant(G, "region ||U||^2 < Gamma", "exact"),
        "ell": Constant(8 * G, _SRC, "R"),
        "rho": Constant(12 * sympy.sqrt(G), _SRC, "R"),
        "theta": Constant(sr ** sympy.Rational(3, 2) / 24, _SRC, "R"),
        "gamma": Constant(sr / 3, _SRC, "R"),
        "zeta": Constant(sympy.sqrt(sr) / 3, _SRC, "R"),
        "alpha": Constant(2 * sr / 3, _SRC, "R"),
        "beta": Constant(10 * s1, _SRC, "R"),
    }
    zero = tuple([0] * (d * r))
    points = [KnownPoint(zero, "strict_saddle", -2 * s1)]
    if r == 1:
        v = tuple(V[i, 0] for i in range(d))
        lam = _hessian_lambda_min_at_minimum(d, s1)
        points += [KnownPoint(v, "min", lam), KnownPoint(tuple(-c for c in v), "min", lam)]
    return Problem(
        name="matrix-factorization",
        objective=Objective(expr, variables),
        box=Box([(-half, half)] * (d * r)),
        critical_points=tuple(points),
        complete_critical_points=(r == 1),
        constants=constants,
        x0=tuple(Fraction(0) for _ in range(d * r)),
        f_star=sympy.Integer(0),
        description=f"1/2||UU^T - M*||_F^2, U {d}x{r}, sigma = {tuple(sigma)}",
        options={"d": d, "r": r, "seed": seed, "M": M, "V_star": tuple(V), "sigma": tuple(sigma)},
    )


def _hessian_lambda_min_at_minimum(d: int, sigma: sympy.Expr) -> sympy.Expr:
    """``lambda_min`` of the Hessian at ``U = +-v`` for ``r = 1`` (``M* = v v^T``).

    ``Hess f(v)[D, D] = ||v D^T + D v^T||_F^2 = 2 ||v||^2 ||D||^2 + 2 (v^T D)^2``, i.e.
    ``H = 2 sigma I + 2 v v^T``: eigenvalues ``4 sigma`` (along ``v``) and ``2 sigma``
    (the other ``d - 1`` directions).
    """
    return 4 * sigma if d == 1 else 2 * sigma

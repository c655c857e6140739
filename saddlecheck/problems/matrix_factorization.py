"""Matrix factorization, the paper's worked example (docs/CLAIMS.md section 4).

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
import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
import sympy

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import float_down, float_up, to_fraction
from saddlecheck.box import Box, check_box
from saddlecheck.objective import Objective
from saddlecheck.problems._problem import Constant, KnownPoint, Problem

_SRC = "docs/CLAIMS.md s.4 (paper's matrix factorization section, recalled)"


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
        A :class:`Problem` with the recalled constants of docs/CLAIMS.md s.4 (tag
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
        raise InputError(f"Gamma={G} must be >= sigma_1={sigma[0]} (docs/CLAIMS.md s.4)")
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
    # Hess f(0)[D, D] = -2 sum_j D_j^T M* D_j: the Hessian is -2 (I_r (x) M*), negative
    # definite when d == r (a local maximum) and singular when d > r (lambda_min = -2 sigma_1,
    # so a strict saddle in the paper's sense, but a degenerate critical point).
    points = [KnownPoint(zero, "max" if d == r else "degenerate", -2 * s1)]
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
        minima_distance=MinimaDistance.from_matrix(V),
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


@dataclass(frozen=True)
class MinimaDistance:
    """Proved bounds on the distance from a box of ``U`` to ``{V* R : R orthogonal}``.

    ``dist(U)^2 = min_R ||U - V* R||_F^2 = ||U||_F^2 + ||V*||_F^2 - 2 ||V*^T U||_*``
    (von Neumann: ``max_R tr(R^T A) = ||A||_*`` over orthogonal ``R``).

    * **upper** (``__call__``): for any ``Q`` with ``||Q||_2 <= 1``,
      ``tr(Q^T A) <= ||A||_*``, so ``dist(U)^2 <= sum_k (u_k - w_k)^2 - ||W||_F^2 + ||V*||_F^2``
      with ``W = V* Q``. ``Q`` is the float Procrustes rotation at the box's
      centre scaled by ``1/(1 + e/2)``, ``e >= ||Q^T Q - I||_F``, which makes
      ``||Q||_2 <= 1`` proved (``||Q||_2^2 <= 1 + ||Q^T Q - I||_2``); the
      supremum over the box is taken coordinate by coordinate (each term is
      convex in one variable, so its maximum is at an end).
    * **lower** (``bounds``): ``dist`` is 1-Lipschitz, so
      ``dist(U) >= dist(c) - ||U - c||`` with ``c`` the centre, and
      ``||A||_* <= sqrt(||A||_F^2 + 2 |det A|)`` (equality for ``r <= 2``);
      for ``r > 2`` a float SVD split (:func:`_nuclear_upper`).

    Evaluated in ball arithmetic (python-flint ``arb``, outward rounded) from
    the exact ``V*``; results are rounded outward to floats.

    >>> dist = MinimaDistance.from_matrix(sympy.Matrix([[1], [0]]))
    >>> lo, hi = dist.bounds(Box([(2, 2), (0, 0)]))
    >>> lo <= 1 <= hi and hi - lo < 1e-12
    True
    """

    V: tuple[tuple[Fraction, ...], ...]  # d x r, exact
    prec: int = 80

    @classmethod
    def from_matrix(cls, V: sympy.Matrix) -> MinimaDistance:
        return cls(tuple(tuple(Fraction(str(V[i, j])) for j in range(V.cols))
                         for i in range(V.rows)))  # fmt: skip

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.V), len(self.V[0])

    def _balls(self) -> list[list[flint.arb]]:
        return [[flint.arb(flint.fmpq(v.numerator, v.denominator)) for v in row] for row in self.V]

    def __call__(self, box: Box) -> float:
        """An upper bound on ``sup_{U in box} dist(U, minima)``."""
        d, r = self.shape
        box = check_box(box, d * r)
        return self._upper(box, box.midpoint())

    def _upper(self, box: Box, mid: tuple[Fraction, ...]) -> float:
        d, r = self.shape
        c = np.array([float(v) for v in mid]).reshape(d, r)
        Vf = np.array([[float(v) for v in row] for row in self.V])
        P, _, Rt = np.linalg.svd(Vf.T @ c)
        Qf = P @ Rt
        with flint.ctx.workprec(self.prec):
            V = self._balls()
            Q = [[flint.arb(float(x)) for x in row] for row in Qf]
            e2 = flint.arb(0)
            for a in range(r):
                for b in range(r):
                    qq = sum((Q[k][a] * Q[k][b] for k in range(r)), flint.arb(0))
                    dev = qq - (1 if a == b else 0)
                    e2 += dev * dev  # not dev**2: python-flint gives nan for balls around 0
            e = flint.arb(e2.upper()).sqrt().upper()  # an exact float >= ||Q^T Q - I||_F
            t = 1 / (1 + flint.arb(e) / 2)  # a ball; every value in it makes ||t Q||_2 <= 1
            total = flint.arb(0)
            for (lo, hi), (i, j) in zip(box.intervals, itertools.product(range(d), range(r)),
                                        strict=True):  # fmt: skip
                w = t * sum((V[i][k] * Q[k][j] for k in range(r)), flint.arb(0))
                a = flint.arb(flint.fmpq(lo.numerator, lo.denominator)) - w
                b = flint.arb(flint.fmpq(hi.numerator, hi.denominator)) - w
                total += (a * a).union(b * b) - w * w
            total += sum((v * v for row in V for v in row), flint.arb(0))
            if not total.is_finite():
                return math.inf
            return float_up(to_fraction(total.upper().max(flint.arb(0)).sqrt().upper()))

    def bounds(self, box: Box) -> tuple[float, float]:
        """``(lower, upper)``: ``lower <= dist(U) <= upper`` for every ``U`` in the box."""
        d, r = self.shape
        box = check_box(box, d * r)
        with flint.ctx.workprec(self.prec):
            V = self._balls()
            mid = box.midpoint()
            c = [flint.arb(flint.fmpq(v.numerator, v.denominator)) for v in mid]
            A = [[sum((V[k][a] * c[k * r + b] for k in range(d)), flint.arb(0))
                  for b in range(r)] for a in range(r)]  # fmt: skip
            fro2 = sum((x * x for row in A for x in row), flint.arb(0))
            if r == 1:
                nuc = abs(A[0][0])
            elif r == 2:
                nuc = (fro2 + 2 * abs(A[0][0] * A[1][1] - A[0][1] * A[1][0])).sqrt()
            else:
                nuc = _nuclear_upper(A)
            t = sum((x * x for x in c), flint.arb(0))
            t += sum((v * v for row in V for v in row), flint.arb(0)) - 2 * nuc
            at_c = flint.arb(t.lower()).max(flint.arb(0)).sqrt()
            half = sum((flint.arb(flint.fmpq(*_pq((hi - lo) ** 2 / 4)))
                        for lo, hi in box.intervals), flint.arb(0)).sqrt()  # fmt: skip
            low = (at_c - half).lower()
        lo_f = float_down(to_fraction(low)) if low.is_finite() else 0.0
        return max(0.0, lo_f), self._upper(box, mid)


def _nuclear_upper(A: list[list[flint.arb]]) -> flint.arb:
    """A ball whose upper end bounds ``||A||_*`` for every matrix in the ball matrix ``A``.

    ``A = X Y^T + E`` with ``X = P S^(1/2)``, ``Y = Q S^(1/2)`` from the float
    SVD of the midpoint, so ``||A||_* <= ||X Y^T||_* + ||E||_* <= (||X||_F^2 +
    ||Y||_F^2) / 2 + sqrt(r) ||E||_F`` (``||X Y^T||_* <= ||X||_F ||Y||_F``);
    tight when the float SVD is accurate, unlike ``sqrt(r) ||A||_F`` alone.
    """
    r = len(A)
    mid = np.array([[float(a.mid()) for a in row] for row in A])
    fallback = (r * sum((x * x for row in A for x in row), flint.arb(0))).sqrt()
    if not np.all(np.isfinite(mid)):
        return fallback
    P, S, Qt = np.linalg.svd(mid)
    root = np.sqrt(S)
    X = [[flint.arb(float(v)) for v in row] for row in P * root]
    Y = [[flint.arb(float(v)) for v in row] for row in Qt.T * root]
    e2 = flint.arb(0)
    for i in range(r):
        for j in range(r):
            e = A[i][j] - sum((X[i][k] * Y[j][k] for k in range(r)), flint.arb(0))
            e2 += e * e
    xy = sum((v * v for row in X + Y for v in row), flint.arb(0)) / 2
    bound = xy + (r * e2).sqrt()
    return bound if bound.upper() < fallback.upper() else fallback


def _pq(q: Fraction) -> tuple[int, int]:
    return q.numerator, q.denominator

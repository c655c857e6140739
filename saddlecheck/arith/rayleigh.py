"""Rigorous upper bounds on Rayleigh quotients and on norms of nonnegative matrices.

Every bound is an exact rational. Floating-point evaluations use elementwise
NumPy operations (one IEEE binary64 rounding each, summation in any order)
with the a-priori error bounds of Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., Lemma 3.1 and section 3.1
(``|fl(sum_i p_i) - sum_i p_i| <= gamma_{k} sum_i |p_i|`` for ``k`` roundings
per term, ``gamma_k = k u / (1 - k u)``, ``u = 2^-53``), plus explicit
underflow terms of ``2^-1022`` per operation (valid with flush-to-zero too).
``v^T H v / v^T v >= lambda_min(H)`` for every non-zero ``v`` (Courant-Fischer).
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import float_up
from saddlecheck.arith.spd import U
from saddlecheck.arith.symmatrix import SymMatrix

_REALMIN = Fraction(1, 2**1022)


def gamma(k: int) -> Fraction:
    """``gamma_k = k u / (1 - k u)`` (Higham, Lemma 3.1)."""
    return k * U / (1 - k * U)


def quad_upper_float(F: np.ndarray, v: np.ndarray) -> Fraction:
    """Rigorous upper bound on ``v^T F v`` for float ``F`` and float ``|v_i| <= 1``.

    ``F`` is first scaled by ``2^sigma`` so that ``max |F_ij|`` is in ``[1, 2)``.
    With ``q = fl(v^T fl(F v))`` and ``S~`` the same computation on absolute
    values (each term sees at most ``2n`` roundings, in any order):
    ``v^T F v <= q + gamma_{2n+2} (S~ + UF) / (1 - gamma_{2n+2}) + UF``, where
    ``UF = 8 (n^2 + n) (1 + max|F|) 2^-1022`` covers underflow (also the
    rounding of the scaling, and flush-to-zero).
    """
    n = F.shape[0]
    m = float(np.max(np.abs(F)))
    if m == 0:
        return Fraction(0)
    sigma = 1 - math.frexp(m)[1]
    Fs = np.ldexp(F, sigma)
    q = Fraction(float(np.sum(v * np.sum(Fs * v[None, :], axis=1))))
    av = np.abs(v)
    S = Fraction(float(np.sum(av * np.sum(np.abs(Fs) * av[None, :], axis=1))))
    g = gamma(2 * n + 2)
    uf = 8 * (n * n + n) * 3 * _REALMIN
    return (q + g * (S + uf) / (1 - g) + uf) * Fraction(2) ** (-sigma)


def _quad_exact(M: SymMatrix, v: tuple[Fraction, ...]) -> Fraction:
    vq = flint.fmpq_mat(M.n, 1, [flint.fmpq(x.numerator, x.denominator) for x in v])
    r = (vq.transpose() * M.fmpq_mat * vq)[0, 0]
    return Fraction(int(r.p), int(r.q))


def rayleigh_upper(M: SymMatrix, v: tuple[Fraction, ...], *, exact: bool | None = None) -> Fraction:
    """An exact rational ``>= v^T H v / v^T v`` (equal to it when ``exact``).

    ``exact=None`` chooses exact ``fmpq`` arithmetic for ``n <= 64``, for
    rational (non-float) ``H`` and for witnesses that are not floats, and the
    floating-point bound of :func:`quad_upper_float` otherwise.
    """
    if not any(v):
        raise InputError("the witness vector is zero; pass a non-zero vector")
    if exact is None:
        exact = M.n <= 64 or M.floats is None or any(Fraction(float(x)) != x for x in v)
    if exact:
        return _quad_exact(M, v) / sum(x * x for x in v)
    return _rayleigh_float(M.floats, np.array([float(x) for x in v]))


def _rayleigh_float(F: np.ndarray, x: np.ndarray) -> Fraction:
    """Upper bound on ``x^T F x / x^T x`` for float ``F`` and a non-zero float ``x``.

    ``x`` is scaled by ``2^-e`` (exactly: the scaling is checked, and the
    quotient does not change) so that ``max |x_i|`` is in ``[1/2, 1)``;
    ``x^T x`` is bounded by ``fl(sum x_i^2)`` with relative error
    ``gamma_{n+1}`` plus underflow.
    """
    n = F.shape[0]
    e = math.frexp(float(np.max(np.abs(x))))[1]
    xs = np.ldexp(x, -e)
    if not np.array_equal(np.ldexp(xs, e), x):
        v = tuple(Fraction(float(t)) for t in x)
        return _quad_exact(SymMatrix(n=n, floats=F), v) / sum(t * t for t in v)
    q = quad_upper_float(F, xs)
    g = gamma(n + 1)
    d = Fraction(float(np.sum(xs * xs)))
    uf = 2 * n * _REALMIN
    return q / ((d - uf) / (1 + g)) if q >= 0 else q / ((d + uf) / (1 - g))


def nonneg_norm_upper(R: np.ndarray) -> Fraction:
    """Upper bound on ``||R||_2`` for a symmetric, entrywise nonnegative float ``R``.

    Collatz-Wielandt: ``||R||_2 = rho(R) <= max_i (R x)_i / x_i`` for any
    ``x > 0``; tried with ``x = 1`` (the infinity norm) and a few power
    iterations. ``(R x)_i <= (fl((R x)_i) + UF) / (1 - gamma_{n+1})`` for
    nonnegative terms; ``R`` is scaled by a power of two first, and the
    scaling's rounding (underflow only) is covered by ``n 2^-1022``.
    """
    n = R.shape[0]
    m = float(np.max(R)) if R.size else 0.0
    if m == 0:
        return Fraction(0)
    sigma = 1 - math.frexp(m)[1]
    Rs = np.ldexp(R, sigma)
    g = gamma(n + 1)
    uf = 4 * n * _REALMIN
    candidates = [np.ones(n)]
    x = np.ones(n)
    for _ in range(12):
        x = np.sum(Rs * x[None, :], axis=1)
        x = np.maximum(x / np.max(x), 2.0**-30)
    candidates.append(x)
    best = None
    for x in candidates:
        y = np.sum(Rs * x[None, :], axis=1)
        b = max(
            (Fraction(yj) + uf) / (1 - g) / Fraction(xj)
            for yj, xj in zip(y.tolist(), x.tolist(), strict=True)
        )
        best = b if best is None else min(best, b)
    return Fraction(float_up((best + n * _REALMIN) * Fraction(2) ** (-sigma)))

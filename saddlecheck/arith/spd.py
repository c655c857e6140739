"""Proofs that a symmetric matrix minus a shift is positive (semi)definite.

Three tests, from fast to exact, each sound on its own:

* :func:`isspd`: Rump's floating-point test. With ``u = 2^-53`` and ``a_kk``
  the diagonal of ``A``, a floating-point Cholesky that runs to completion on
  ``A~ <= A - c I`` with ``c >= sum_k (k + 3) u a_kk + (underflow terms)``
  proves ``A`` positive definite (S. M. Rump, "Verification of positive
  definiteness", BIT 46:433-452, 2006, Thm. 2.3 / Cor. 2.4 with dense
  ``t_k = k``). The proof re-derives the bound from Higham's Lemma 8.4 (valid
  for *any* order of evaluation of the inner products, with or without FMA):
  ``R^T R = A~ + D`` with ``|D_ij| <= d_i d_j``,
  ``d_i^2 = gamma_{i+2} a~_ii / (1 - gamma_{i+2}) <= (i + 3) u a~_ii``
  (0-based ``i``), so ``lambda_min(A~) >= -sum_i d_i^2``. Underflow is
  bounded with ``2^-1022`` per operation (valid even when subnormals are
  flushed to zero).
* :func:`ldl_ball`: ``LDL^T`` without pivoting in python-flint ball
  arithmetic; every exact pivot lies in its ball, so positive balls prove
  positive definiteness (Sylvester), a negative ball disproves it.
* :func:`ldl_exact` and :func:`is_psd_exact`: exact rational elimination.

What the floating-point test assumes: IEEE binary64 arithmetic in round to
nearest (NumPy's elementwise ufuncs), and, in the blocked trailing update only,
that ``numpy.matmul`` (BLAS ``dgemm``) forms each entry as a sum of binary64
products in some order (FMA allowed; no Strassen-type algorithm). LAPACK's
``dpotrf`` is not used. ``blas=False`` removes the BLAS assumption (pure
elementwise right-looking Cholesky, about 10x slower at n = 1000).
"""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import to_rational
from saddlecheck.arith.rounding import float_down, float_up
from saddlecheck.arith.symmatrix import SymMatrix, as_symmetric

U = Fraction(1, 2**53)
"""Unit roundoff of binary64, round to nearest."""
REALMIN = Fraction(1, 2**1022)
"""Smallest normal binary64: bounds every underflow error, even with flush-to-zero."""

_BLOCK = 64


def cholesky_succeeds(A: np.ndarray, *, blas: bool = True, overwrite: bool = False) -> bool:
    """Whether plain floating-point Cholesky of ``A`` runs to completion.

    Right-looking, in a fixed order: each block row strip is factored with
    elementwise NumPy operations (``r_kk = sqrt(a_kk)``, the row divided by
    ``r_kk``, rank-one updates ``a_ij - r_ki r_kj``); the trailing matrix is
    updated with ``matmul`` (or elementwise, ``blas=False``). Only entries on
    and above the diagonal feed the result. Success means every pivot is
    positive and every computed entry finite (no overflow happened).
    """
    if not overwrite:
        A = np.array(A, dtype=np.float64, copy=True)
    n = A.shape[0]
    step = _BLOCK if blas else n
    for K in range(0, n, step):
        E = min(K + step, n)
        S = A[K:E, K:]
        for k in range(E - K):
            p = S[k, k]
            if not (p > 0 and math.isfinite(p)):
                return False
            r = math.sqrt(p)
            S[k, k] = r
            row = S[k, k + 1 :]
            row /= r
            if k + 1 < E - K:
                S[k + 1 :, k + 1 :] -= row[: E - K - k - 1, None] * row
        if not np.all(np.isfinite(S)):
            return False
        if n > E:
            R12 = S[:, E - K :]
            A[E:, E:] -= R12.T @ R12
    return True


def isspd_shift(diag: np.ndarray, t: Fraction, err: Fraction = Fraction(0)) -> Fraction:
    """An upper bound on the shift ``c`` of Rump's test for ``A - t I``.

    ``c >= sum_k (k + 3) u (a_kk - t) + err + 8 n (n + 2 + max_k (a_kk - t)) 2^-1022``,
    where ``err`` bounds the spectral norm of any perturbation of the input
    (the ``M`` of Rump's interval version). The sum is evaluated in floating
    point and inflated: with ``t_f <= t`` and nonnegative terms,
    ``sum <= (fl(sum) + n 2^-1022) / ((1 - u)(1 - gamma_{n+1}))``.
    """
    n = diag.shape[0]
    t_f = float_down(t)
    a = np.maximum(diag - t_f, 0.0)
    s = float(np.sum((np.arange(n) + 3.0) * a))
    g = (n + 1) * U / (1 - (n + 1) * U)
    amax = Fraction(float(np.max(a))) / (1 - U)
    bound = (Fraction(s) + n * REALMIN) / ((1 - U) * (1 - g))
    return U * bound + err + 8 * n * (n + 2 + amax) * REALMIN


def isspd(A: np.ndarray, t: Fraction, err: Fraction = Fraction(0), *, blas: bool = True) -> bool:
    """Prove ``lambda_min(A + E) > t`` for every ``||E||_2 <= err``.

    ``A`` is a symmetric float64 matrix (read exactly), scaled so that its
    entries are at most 2 in modulus. Forms ``A~`` with the off-diagonal of
    ``A`` and diagonal ``<= a_kk - t - c`` (``c`` from :func:`isspd_shift`;
    ``nextafter`` below the rounded difference) and runs
    :func:`cholesky_succeeds`. ``True`` is a proof; ``False`` only means the
    test did not succeed. Overflow cannot happen for such ``A`` when ``t``
    is moderate; a non-finite value makes the test fail.
    """
    n = A.shape[0]
    diag = np.diag(A).copy()
    if Fraction(float(np.min(diag))) <= t:
        return False
    c = isspd_shift(diag, t, err)
    T = float_up(t + c)
    if not math.isfinite(T):
        return False
    new = np.nextafter(diag - T, -np.inf)
    if not (np.all(np.isfinite(new)) and np.min(new) > 0):
        return False
    At = np.array(A, dtype=np.float64, copy=True)
    At[np.arange(n), np.arange(n)] = new
    return cholesky_succeeds(At, blas=blas, overwrite=True)


def ldl_ball(entries: list[list[flint.fmpq]], t: Fraction, prec: int) -> bool | None:
    """``LDL^T`` of ``H - t I`` in ball arithmetic at ``prec`` bits.

    Returns ``True`` if every pivot ball is positive (``H - t I`` positive
    definite), ``False`` if the first non-positive pivot ball is certainly
    negative (the leading minors change sign: not positive definite), ``None``
    when a pivot ball contains 0.
    """
    n = len(entries)
    tq = flint.fmpq(t.numerator, t.denominator)
    with flint.ctx.workprec(prec):
        a = [[flint.arb(entries[i][j] - (tq if i == j else 0)) for j in range(n)] for i in range(n)]
        for k in range(n):
            d = a[k][k]
            if not d > 0:
                return False if d < 0 else None
            rowk = a[k]
            for i in range(k + 1, n):
                li = rowk[i] / d
                rowi = a[i]
                for j in range(i, n):
                    rowi[j] -= li * rowk[j]
    return True


def ldl_exact(entries: list[list[flint.fmpq]], t: Fraction) -> bool:
    """Exact ``LDL^T`` without pivoting: ``True`` iff ``H - t I`` is positive definite."""
    n = len(entries)
    tq = flint.fmpq(t.numerator, t.denominator)
    a = [[entries[i][j] - (tq if i == j else 0) for j in range(n)] for i in range(n)]
    for k in range(n):
        d = a[k][k]
        if d <= 0:
            return False
        rowk = a[k]
        for i in range(k + 1, n):
            if rowk[i] == 0:
                continue
            li = rowk[i] / d
            rowi = a[i]
            for j in range(i, n):
                if rowk[j] != 0:
                    rowi[j] -= li * rowk[j]
    return True


def is_psd_exact(A: object, shift: object = 0) -> bool:
    """Decide exactly whether ``A - shift * I`` is positive semidefinite.

    Exact rational ``LDL^T`` with symmetric pivoting: pick a positive diagonal
    pivot and pass to the Schur complement (``A`` is PSD iff the complement is,
    when the pivot is positive); a negative diagonal entry disproves it; when
    every remaining diagonal entry is 0, ``A`` is PSD iff the remaining block
    is 0. Singular matrices are decided correctly.

    Args:
        A: a symmetric matrix of exact numbers (NumPy float array, SymPy
            matrix, nested list, ``flint.fmpq_mat``).
        shift: an exact number (floats are read exactly).

    Raises:
        InputError: for a matrix that is not square, symmetric and finite.

    Examples:
        >>> is_psd_exact([[1, 1], [1, 1]])
        True
        >>> is_psd_exact([[1, 2], [2, 1]], shift=-1)
        True
        >>> is_psd_exact([[0, 1], [1, 0]])
        False
    """
    M = as_symmetric(A)
    t = to_rational(shift, "shift")
    return _psd_exact(M.fmpq_entries(), t)


def _psd_exact(entries: list[list[flint.fmpq]], t: Fraction) -> bool:
    tq = flint.fmpq(t.numerator, t.denominator)
    n = len(entries)
    a = [[entries[i][j] - (tq if i == j else 0) for j in range(n)] for i in range(n)]
    idx = list(range(n))
    while idx:
        if any(a[i][i] < 0 for i in idx):
            return False
        k = next((i for i in idx if a[i][i] > 0), None)
        if k is None:
            return all(a[i][j] == 0 for i in idx for j in idx)
        idx.remove(k)
        d = a[k][k]
        for i in idx:
            if a[k][i] == 0:
                continue
            li = a[k][i] / d
            for j in idx:
                a[i][j] -= li * a[k][j]
    return True


def prove_positive_definite(
    A: object, shift: object = 0, *, max_exact_dim: int = 80, blas: bool = True
) -> bool | None:
    """Prove or disprove that ``A - shift * I`` is positive definite.

    Tries Rump's floating-point test (:func:`isspd`), then ball ``LDL^T`` at
    128 and 512 bits, then (for ``n <= max_exact_dim``) exact rational
    ``LDL^T``. ``True`` is a proof of ``lambda_min(A) > shift``; ``False`` is
    returned only from a rigorous disproof (a non-positive diagonal entry, a
    certainly negative ball pivot, or the exact test); ``None`` means
    undecided.

    Examples:
        >>> prove_positive_definite([[2, 1], [1, 2]], 0.999)
        True
        >>> prove_positive_definite([[2, 1], [1, 2]], 1)
        False
    """
    M = as_symmetric(A)
    t = to_rational(shift, "shift")
    return _prove_pd(M, t, max_exact_dim=max_exact_dim, blas=blas)


def _prove_pd(M: SymMatrix, t: Fraction, *, max_exact_dim: int, blas: bool) -> bool | None:
    if any(d <= t for d in M.diagonal()):
        return False
    sigma, F, err = M.scaled()
    if F is not None and isspd(F, t * Fraction(2) ** sigma, err, blas=blas):
        return True
    entries = M.fmpq_entries()
    for prec in (128, 512):
        r = ldl_ball(entries, t, prec)
        if r is not None:
            return r
    if M.n <= max_exact_dim:
        return ldl_exact(entries, t)
    return None

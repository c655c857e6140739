"""Exact symmetric matrices: validation, exact entries, and safe float scaling.

A symmetric matrix arrives as a NumPy array of floats of any width (float16
to longdouble, each entry read as the exact rational it holds, never rounded
to float64) or integers, a SymPy matrix of numbers, a nested list of numbers, or a
python-flint ``fmpq_mat``/``fmpz_mat``. :func:`as_symmetric` checks it once and
returns a :class:`SymMatrix` that the spectral routines share. Exact results
leave as floats rounded outward with ``float_down``/``float_up`` from
:mod:`saddlecheck.arith.backends`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import flint
import numpy as np

from saddlecheck._validation import InputError, to_rational
from saddlecheck.arith.rounding import float_up

_TWO53 = 2**53


def _fraction(x: float | int | Fraction) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x)


@dataclass(frozen=True, eq=False)
class SymMatrix:
    """A validated, exactly symmetric matrix of exact rationals.

    Exactly one of ``floats`` (every entry is a float64, held exactly) and
    ``rationals`` (rows of ``Fraction``) is set.
    """

    n: int
    floats: np.ndarray | None = None
    rationals: tuple[tuple[Fraction, ...], ...] | None = None

    def entry(self, i: int, j: int) -> Fraction:
        if self.floats is not None:
            return Fraction(float(self.floats[i, j]))
        return self.rationals[i][j]

    def diagonal(self) -> list[Fraction]:
        return [self.entry(i, i) for i in range(self.n)]

    @cached_property
    def maxabs(self) -> Fraction:
        """``max_ij |H_ij|``, exactly."""
        if self.floats is not None:
            return Fraction(float(np.max(np.abs(self.floats))))
        return max(abs(q) for row in self.rationals for q in row)

    @cached_property
    def is_zero(self) -> bool:
        return self.maxabs == 0

    def fmpq_entries(self) -> list[list[flint.fmpq]]:
        """The entries as python-flint rationals (a fresh nested list)."""
        if self.floats is not None:
            return [
                [flint.fmpq(*float(x).as_integer_ratio()) for x in row]
                for row in self.floats.tolist()
            ]
        return [[flint.fmpq(q.numerator, q.denominator) for q in row] for row in self.rationals]

    @cached_property
    def fmpq_mat(self) -> flint.fmpq_mat:
        return flint.fmpq_mat(self.fmpq_entries())

    @cached_property
    def _scaled(self) -> tuple[int, np.ndarray, Fraction]:
        n = self.n
        if self.is_zero:
            return 0, np.zeros((n, n)), Fraction(0)
        if self.floats is not None:
            sigma = 1 - math.frexp(float(self.maxabs))[1]
            F = np.ldexp(self.floats, sigma)
            if sigma >= 0:
                return sigma, F, Fraction(0)
            bad = np.argwhere(np.ldexp(F, -sigma) != self.floats)
            rows = [Fraction(0)] * n
            for i, j in bad.tolist():
                d = abs(
                    Fraction(float(self.floats[i, j])) * Fraction(2) ** sigma - Fraction(F[i, j])
                )
                rows[i] += d
            return sigma, F, Fraction(float_up(max(rows)))
        m = self.maxabs
        sigma = m.denominator.bit_length() - m.numerator.bit_length()
        scale = Fraction(2) ** sigma
        F = np.empty((n, n))
        rows = [Fraction(0)] * n
        for i, row in enumerate(self.rationals):
            for j, q in enumerate(row):
                qs = q * scale
                F[i, j] = float(qs)
                rows[i] += abs(qs - Fraction(F[i, j]))
        return sigma, F, Fraction(float_up(max(rows)))

    def scaled(self) -> tuple[int, np.ndarray, Fraction]:
        """``(sigma, F, err)``: ``F`` is float64 with ``||2^sigma H - F||_2 <= err``.

        ``2^sigma`` is chosen so that ``max |F_ij|`` lies in ``[1/2, 2]``:
        matrices from 1e-300 to 1e300 neither underflow nor overflow in the
        floating-point tests. ``err`` bounds the row sums of
        ``|2^sigma H - F|`` (the infinity norm, which bounds the spectral norm
        of a symmetric matrix); it is 0 when the scaling is exact.
        """
        sigma, F, err = self._scaled
        return sigma, F.copy(), err


def _bad_entry(i: int, j: int, value: object, why: str) -> InputError:
    try:
        text = repr(value)
    except ValueError:  # an integer beyond Python's 4,300-digit str() limit
        text = f"<a {type(value).__name__} too long to print>"
    text = text if len(text) <= 60 else text[:57] + "..."
    return InputError(
        f"matrix entry [{i}][{j}]={text} {why}; pass finite real numbers "
        "(ints, floats, Fractions or SymPy rationals)"
    )


def _from_rows(rows: list[list[object]], name: str) -> SymMatrix:
    n = len(rows)
    if n == 0:
        raise InputError(f"{name} is empty; pass a non-empty square matrix")
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)):
            raise InputError(f"{name} row {i} is {type(row).__name__}; pass a 2-D matrix")
        if len(row) != n:
            raise InputError(f"{name} is not square: row {i} has {len(row)} entries, expected {n}")
    all_float = True
    out: list[list[object]] = []
    for i, row in enumerate(rows):
        new = []
        for j, x in enumerate(row):
            if isinstance(x, (float, np.float64, np.float32, np.float16)):
                if not math.isfinite(float(x)):
                    raise _bad_entry(i, j, x, "is not finite")
                new.append(float(x))
                continue
            if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
                if abs(int(x)) > _TWO53:
                    all_float = False
                new.append(int(x))
                continue
            try:
                new.append(to_rational(x, f"{name}[{i}][{j}]"))
            except InputError as exc:
                raise _bad_entry(i, j, x, "is not an exact real number") from exc
            all_float = False
        out.append(new)
    if all_float:
        return _from_float_array(np.array(out, dtype=np.float64), name)
    q = tuple(tuple(_fraction(x) for x in row) for row in out)
    for i in range(n):
        for j in range(i):
            if q[i][j] != q[j][i]:
                raise InputError(
                    f"{name} is not symmetric: entry [{i}][{j}]={q[i][j]} but "
                    f"[{j}][{i}]={q[j][i]}; pass an exactly symmetric matrix (e.g. (H + H.T)/2)"
                )
    return SymMatrix(n=n, rationals=q)


def _from_float_array(F: np.ndarray, name: str) -> SymMatrix:
    if F.ndim != 2:
        raise InputError(f"{name} has {F.ndim} dimension(s); pass a 2-D square matrix")
    if F.shape[0] != F.shape[1]:
        raise InputError(f"{name} has shape {F.shape}; pass a square matrix")
    if F.shape[0] == 0:
        raise InputError(f"{name} is empty; pass a non-empty square matrix")
    if not np.all(np.isfinite(F)):
        i, j = np.argwhere(~np.isfinite(F))[0].tolist()
        raise _bad_entry(i, j, F[i, j], "is not finite")
    if not np.array_equal(F, F.T):
        i, j = np.argwhere(F != F.T)[0].tolist()
        raise InputError(
            f"{name} is not symmetric: entry [{i}][{j}]={F[i, j]!r} but [{j}][{i}]={F[j, i]!r}; "
            "pass an exactly symmetric matrix (e.g. (H + H.T)/2)"
        )
    return SymMatrix(n=F.shape[0], floats=np.array(F, dtype=np.float64, copy=True))


def as_symmetric(H: object, name: str = "H") -> SymMatrix:
    """Validate ``H`` as an exactly symmetric matrix of finite exact numbers.

    Raises:
        InputError: empty, not 2-D, not square, not exactly symmetric, NaN or
            infinite entries, non-numeric or symbolic entries.
    """
    if isinstance(H, SymMatrix):
        return H
    if isinstance(H, np.ndarray):
        kind = H.dtype.kind
        if kind == "f" and H.dtype.itemsize <= 8:  # float16/32/64: widening is exact
            return _from_float_array(H.astype(np.float64), name)
        if kind in "iuOf":  # longdouble: each entry read exactly (as_integer_ratio)
            if H.ndim != 2:
                raise InputError(f"{name} has {H.ndim} dimension(s); pass a 2-D square matrix")
            return _from_rows(H.astype(object).tolist(), name)
        raise InputError(
            f"{name} has dtype {H.dtype}; pass a real float64 matrix (or exact rationals)"
        )
    tname = type(H).__name__
    if type(H).__module__.startswith("flint") and tname in ("fmpq_mat", "fmpz_mat"):
        n, m = H.nrows(), H.ncols()
        if n != m:
            raise InputError(f"{name} has shape ({n}, {m}); pass a square matrix")
        e = H.entries()
        return _from_rows([[e[i * n + j] for j in range(n)] for i in range(n)], name)
    if type(H).__module__.startswith("sympy"):
        import sympy

        if isinstance(H, sympy.MatrixBase):
            if H.rows != H.cols:
                raise InputError(f"{name} has shape {H.shape}; pass a square matrix")
            return _from_rows(H.tolist(), name)
    if isinstance(H, (list, tuple)):
        return _from_rows(list(H), name)
    raise InputError(
        f"{name} has type {tname}; pass a NumPy float64 array, a SymPy Matrix, "
        "a nested list of numbers or a flint.fmpq_mat"
    )

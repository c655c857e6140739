"""Matrices with exactly known spectra for the soundness fuzzer: ``Q D Q^T`` with ``Q``
a rational orthogonal matrix (Cayley transform of an integer skew matrix, or a
product of Householder reflections), eigenvalues repeated, clustered (gaps down
to ``2^-100`` relative) and scaled from 1e-300 to 1e300, handed over as
Fractions, a SymPy matrix, ``flint.fmpq_mat``, float64/float32/longdouble arrays
or a nested list of every number type.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
import sympy
from _fuzz_numbers import _MODERATE, FAN_OUT, NUMBER_KINDS, as_kind
from _oracle import held
from hypothesis import strategies as st


def cayley(S: list[list[int]]) -> flint.fmpq_mat:
    """``(I - S)(I + S)^{-1}``: rational orthogonal for skew ``S``."""
    n = len(S)
    I_ = flint.fmpq_mat([[int(i == j) for j in range(n)] for i in range(n)])
    M = flint.fmpq_mat([[S[i][j] for j in range(n)] for i in range(n)])
    return (I_ - M) * (I_ + M).inv()


def householder(v: list[int]) -> flint.fmpq_mat:
    n = len(v)
    vv = sum(a * a for a in v)
    return flint.fmpq_mat(
        [[flint.fmpq(int(i == j) * vv - 2 * v[i] * v[j], vv) for j in range(n)] for i in range(n)]
    )


@st.composite
def orthogonals(draw, n: int) -> flint.fmpq_mat:
    if n == 1:
        return flint.fmpq_mat([[draw(st.sampled_from([1, -1]))]])
    if draw(st.booleans()):
        S = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                S[i][j] = draw(st.integers(-3, 3))
                S[j][i] = -S[i][j]
        return cayley(S)
    Q = householder(draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n).filter(any)))
    if draw(st.booleans()):
        Q = Q * householder(draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n).filter(any)))
    return Q


def with_spectrum(Q: flint.fmpq_mat, D: list[Fraction]) -> list[list[Fraction]]:
    n = len(D)
    Dm = flint.fmpq_mat(
        [
            [flint.fmpq(D[i].numerator, D[i].denominator) if i == j else 0 for j in range(n)]
            for i in range(n)
        ]
    )
    H = Q * Dm * Q.transpose()
    return [[Fraction(int(H[i, j].p), int(H[i, j].q)) for j in range(n)] for i in range(n)]


_STEP = st.tuples(st.integers(0, 3), st.integers(20, 100), _MODERATE)
_SCALE = st.one_of(
    st.just(Fraction(1)),
    st.integers(-300, 300).map(lambda e: Fraction(10) ** e),
    st.integers(-100, 100).map(lambda e: Fraction(2) ** (3 * e)),
)


@st.composite
def spectra(draw, n: int, *, scales: bool = True) -> list[Fraction]:
    """Eigenvalues with repeats, clusters (gaps ``2^-20`` to ``2^-100`` relative) and
    scales from 1e-300 to 1e300."""
    D: list[Fraction] = []
    for how, k, q in draw(st.lists(_STEP, min_size=n, max_size=n)):
        if not D or how >= 2:
            D.append(q)  # a new value
        elif how == 0:
            D.append(D[-1])  # repeated
        else:
            D.append(D[-1] + (abs(D[-1]) or Fraction(1)) / 2**k)  # clustered
    if scales and draw(st.integers(0, 5)) == 0:  # each eigenvalue its own scale
        return [d * draw(_SCALE) for d in D]
    s = draw(_SCALE) if scales else Fraction(1)
    return [d * s for d in D]


@dataclass
class MatrixInput:
    form: str
    given: object
    exact: list[list[Fraction]]  # the values the input holds
    spectrum: list[Fraction] | None  # known when the input is exact


@dataclass
class MatrixCase:
    """One matrix ``Q D Q^T`` handed over in several forms (each a case)."""

    inputs: list[MatrixInput]


MATRIX_FORMS = ("fractions", "sympy", "fmpq_mat", "float64", "longdouble", "float32", "mixed")


def matrix_input(H: list[list[Fraction]], D: list[Fraction] | None, form: str) -> MatrixInput:
    if form == "fractions":
        return MatrixInput(form, H, H, D)
    if form == "sympy":
        return MatrixInput(
            form,
            sympy.Matrix([[sympy.Rational(a.numerator, a.denominator) for a in r] for r in H]),
            H,
            D,
        )
    if form == "fmpq_mat":
        return MatrixInput(
            form,
            flint.fmpq_mat([[flint.fmpq(a.numerator, a.denominator) for a in r] for r in H]),
            H,
            D,
        )
    if form == "mixed":  # a nested list of every number type (entry (i, j) is entry (j, i))
        n = len(H)
        kinds = NUMBER_KINDS
        cells = {(i, j): as_kind(H[i][j], kinds[(3 * i + j) % len(kinds)])
                 for i in range(n) for j in range(i, n)}  # fmt: skip
        rows = [[cells[min(i, j), max(i, j)] for j in range(n)] for i in range(n)]
        ex = [[held(v) for v in r] for r in rows]
        return MatrixInput(form, rows, ex, D if ex == H else None)
    kind = {"float64": "float", "longdouble": "longdouble", "float32": "float"}[form]
    dtype = {"float64": np.float64, "longdouble": np.longdouble, "float32": np.float32}[form]
    with np.errstate(over="ignore"):
        arr = np.array([[as_kind(a, kind) for a in r] for r in H], dtype=dtype)
    arr = np.nan_to_num(arr, posinf=1.0, neginf=-1.0)
    arr = np.triu(arr) + np.triu(arr, 1).T
    ex = [[held(v) for v in r] for r in arr]
    return MatrixInput(form, arr, ex, D if ex == H else None)


@st.composite
def matrix_cases(draw, max_n: int = 8) -> MatrixCase:
    """A matrix with known spectrum in 2-4 input forms; now and then a large one
    (n = 16 or 30, exact forms only, whose spectrum needs no Sturm sequence)."""
    big = max_n >= 8 and draw(st.integers(0, 40)) == 0
    n = draw(st.sampled_from([16, 30])) if big else draw(st.integers(1, max_n))
    D = draw(spectra(n))
    H = with_spectrum(draw(orthogonals(n)), D)
    if big:
        return MatrixCase([matrix_input(H, D, draw(st.sampled_from(["fractions", "fmpq_mat"])))])
    forms = draw(
        st.lists(
            st.sampled_from(MATRIX_FORMS),
            min_size=2 * FAN_OUT,
            max_size=min(4 * FAN_OUT, len(MATRIX_FORMS)),
            unique=True,
        )
    )
    return MatrixCase([matrix_input(H, D, f) for f in forms])

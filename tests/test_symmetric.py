"""Soundness of the proved lambda_min enclosures (issue 3, adversarial suite).

Claims checked: ``lo <= lambda_min(H) <= hi`` is never wrong; a ``True`` from
``prove_positive_definite`` is never wrong, and neither is a ``False``;
``is_psd_exact`` decides semidefiniteness exactly; the interval-matrix bounds
hold for every member of the set; the enclosure is tight (width below
``1e-8 * ||H||``) for well-scaled input.

Oracles, independent of saddlecheck's code: matrices ``Q diag(lams) Q^T`` with
a rational orthogonal ``Q`` from a Cayley transform (exact spectrum ``lams``),
and, for matrices whose spectrum is not known in closed form (float-rounded
ones), python-flint's exact characteristic polynomial with Descartes' rule of
signs, which is exact for real-rooted polynomials: every eigenvalue of ``S`` is
``>= 0`` iff the coefficients of ``det(x I - S)`` alternate weakly in sign.
"""

from __future__ import annotations

import os
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import example, given
from hypothesis import strategies as st

from saddlecheck._validation import InputError
from saddlecheck.arith.spd import cholesky_succeeds, is_psd_exact, isspd, prove_positive_definite
from saddlecheck.arith.symmatrix import as_symmetric
from saddlecheck.arith.symmetric import (
    _fast,
    enclose_lambda_min,
    interval_lambda_min,
    interval_norm_upper,
    lambda_min_enclosure,
)

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
MAX_N = 60 if THOROUGH else 14
TIGHT = 1e-8  # issue 3: width below 1e-8 * ||H|| for well-scaled input

# ----------------------------------------------------------------- oracles


def fq(x: Fraction | int) -> flint.fmpq:
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def to_fmpq_mat(rows) -> flint.fmpq_mat:
    return flint.fmpq_mat([[fq(Fraction(x)) for x in row] for row in rows])


def shifted(H: flint.fmpq_mat, t: Fraction) -> flint.fmpq_mat:
    n = H.nrows()
    return H - flint.fmpq_mat(n, n, [fq(t) if i == j else 0 for i in range(n) for j in range(n)])


def eigs_all_geq(H: flint.fmpq_mat, t: Fraction) -> bool:
    """Every eigenvalue of the symmetric ``H`` is ``>= t`` (exact; Descartes)."""
    c = shifted(H, t).charpoly().coeffs()  # c[k] multiplies x^k
    n = len(c) - 1
    return all((-1) ** (n - k) * c[k] >= 0 for k in range(n + 1))


def lambda_min_leq(H: flint.fmpq_mat, t: Fraction) -> bool:
    """``lambda_min(H) <= t`` (exact)."""
    c0 = shifted(H, t).charpoly().coeffs()[0]
    return not eigs_all_geq(H, t) or c0 == 0


def cayley(n: int, seed: int) -> flint.fmpq_mat:
    """A rational orthogonal matrix ``(I - S)(I + S)^-1``, ``S`` skew-symmetric."""
    rng = np.random.default_rng(seed)
    S = flint.fmpq_mat(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            S[i, j] = flint.fmpq(int(rng.integers(-2, 3)), int(rng.integers(1, 4)))
            S[j, i] = -S[i, j]
    eye = flint.fmpq_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
    return (eye - S) * (eye + S).inv()


def with_spectrum(lams: list[Fraction], seed: int) -> flint.fmpq_mat:
    n = len(lams)
    Q = cayley(n, seed)
    D = flint.fmpq_mat(n, n, [fq(lams[i]) if i == j else 0 for i in range(n) for j in range(n)])
    return Q * D * Q.transpose()


def rounded(H: flint.fmpq_mat) -> np.ndarray:
    """Nearest float64 matrix, exactly symmetric."""
    n = H.nrows()
    F = np.array([[float(Fraction(int(H[i, j].p), int(H[i, j].q))) for j in range(n)]
                  for i in range(n)])  # fmt: skip
    return np.triu(F) + np.triu(F, 1).T


@st.composite
def spectra(draw, max_n: int = MAX_N) -> tuple[list[Fraction], int]:
    """Spectra with repeated, clustered and spread eigenvalues at scales 2^-500..2^500."""
    n = draw(st.integers(1, max_n))
    kind = draw(st.sampled_from(["distinct", "repeated", "clustered", "equal"]))
    base = [Fraction(p, q) for p, q in draw(
        st.lists(st.tuples(st.integers(-20, 20), st.integers(1, 9)), min_size=1, max_size=n)
    )]  # fmt: skip
    if kind == "equal":
        lams = [base[0]] * n
    elif kind == "repeated":
        lams = [base[draw(st.integers(0, len(base) - 1))] for _ in range(n)]
    elif kind == "clustered":
        lams = [base[0] * (1 + Fraction(k, 2**45)) + Fraction(k, 2**48) for k in range(n)]
    else:
        lams = [base[i % len(base)] + Fraction(i, 7) for i in range(n)]
    scale = Fraction(2) ** draw(st.integers(-500, 500))
    return [x * scale for x in lams], draw(st.integers(0, 2**31))


def width_ok(lo: float, hi: float, norm: Fraction) -> bool:
    return Fraction(hi) - Fraction(lo) <= TIGHT * norm


# ----------------------------------------------------------- exact spectrum


@given(spectra(), st.sampled_from(["fmpq_mat", "fractions", "sympy"]))
@example(([Fraction(0)] * 4 + [Fraction(1), Fraction(2)], 7), "fmpq_mat")
def test_exact_input_encloses_known_spectrum(case, form):
    lams, seed = case
    H = with_spectrum(lams, seed)
    rows = [[Fraction(int(H[i, j].p), int(H[i, j].q)) for j in range(len(lams))]
            for i in range(len(lams))]  # fmt: skip
    inp = {"fmpq_mat": H, "fractions": rows, "sympy": sympy.Matrix(rows)}[form]
    e = enclose_lambda_min(inp)
    lam = min(lams)
    assert Fraction(e.lo) <= lam <= Fraction(e.hi), (e.lo, float(lam), e.hi)
    assert e.s <= lam <= e.rayleigh_hi
    assert width_ok(e.lo, e.hi, max(abs(x) for x in lams)), e.explain()


@given(spectra())
def test_float_input_sound_and_tight(case):
    lams, seed = case
    F = rounded(with_spectrum(lams, seed))
    Fq = to_fmpq_mat(F.tolist())
    lo, hi = lambda_min_enclosure(F)
    assert eigs_all_geq(Fq, Fraction(lo)), f"lo={lo!r} is above lambda_min"
    assert lambda_min_leq(Fq, Fraction(hi)), f"hi={hi!r} is below lambda_min"
    assert width_ok(lo, hi, max(abs(x) for x in lams) * 2), (lo, hi)


@pytest.mark.parametrize("scale", [1e-150, 1.0, 1e150])
def test_size_60_at_extreme_scales(scale):
    lams = [Fraction(k % 5, 3) - 1 for k in range(60)]  # eigenvalue -1 five-fold... repeated
    H = with_spectrum(lams, 3)
    e = enclose_lambda_min(H)
    assert Fraction(e.lo) <= -1 <= Fraction(e.hi) and width_ok(e.lo, e.hi, Fraction(2))
    F = rounded(H) * scale
    lo, hi = lambda_min_enclosure(F)
    Fq = to_fmpq_mat(F.tolist())
    assert eigs_all_geq(Fq, Fraction(lo)) and lambda_min_leq(Fq, Fraction(hi))
    assert Fraction(hi) - Fraction(lo) <= TIGHT * 2 * Fraction(scale)


@given(spectra(max_n=8))
def test_inverse_iteration_witness_is_sound(case):
    """The large-n witness path (eigvalsh + inverse iteration), forced at small n."""
    lams, seed = case
    F = rounded(with_spectrum(lams, seed))
    b = _fast(as_symmetric(F), blas=True, eigh_max_dim=0)
    Fq = to_fmpq_mat(F.tolist())
    assert lambda_min_leq(Fq, b.rq)
    if b.s is not None:
        assert eigs_all_geq(Fq, b.s)


# ---------------------------------------------------- thresholds, 1 ulp apart


def _ulp_below_above(lam: Fraction) -> tuple[Fraction, Fraction]:
    d = abs(lam) * Fraction(1, 2**52) if lam else Fraction(1, 2**1074)
    return lam - d, lam + d


@given(spectra(max_n=10))
def test_threshold_on_and_one_ulp_around(case):
    lams, seed = case
    H = with_spectrum(lams, seed)
    lam = min(lams)
    below, above = _ulp_below_above(lam)
    # exact decisions: n <= 80 makes the exact fallback available
    assert prove_positive_definite(H, below) is True
    assert prove_positive_definite(H, lam) is False
    assert prove_positive_definite(H, above) is False
    assert is_psd_exact(H, lam) is True
    assert is_psd_exact(H, below) is True
    assert is_psd_exact(H, above) is False


@given(spectra(max_n=10), st.integers(-4, 4))
def test_isspd_true_is_never_wrong(case, k):
    """Rump's float test against the exact oracle, shifts a few ulps around the estimate."""
    lams, seed = case
    F = rounded(with_spectrum(lams, seed))
    M = as_symmetric(F)
    _sigma, A, err = M.scaled()
    est = float(np.linalg.eigvalsh(A)[0])
    t = Fraction(est) + k * Fraction(abs(est) or 1.0) * Fraction(1, 2**50)
    for blas in (True, False):
        if isspd(A, t, err, blas=blas):
            assert eigs_all_geq(to_fmpq_mat(A.tolist()), t)
            assert not lambda_min_leq(to_fmpq_mat(A.tolist()), t)


def test_blas_and_elementwise_cholesky_agree():
    rng = np.random.default_rng(5)
    for n in (1, 7, 64, 65, 130):
        X = rng.standard_normal((n, n))
        A = X @ X.T + n * np.eye(n)
        B = (X + X.T) / 2
        for M, want in ((A, True), (B, False)):
            assert cholesky_succeeds(M, blas=True) is want
            assert cholesky_succeeds(M, blas=False) is want


def test_repeated_zero_eigenvalues_do_not_break_it():
    """Matrix factorization's rotations give a multiple zero eigenvalue."""
    H = with_spectrum([Fraction(0)] * 3 + [Fraction(1), Fraction(5, 2)], 11)
    e = enclose_lambda_min(H)
    assert Fraction(e.lo) <= 0 <= Fraction(e.hi) and e.hi - e.lo < 1e-12
    assert is_psd_exact(H) is True
    assert prove_positive_definite(H, 0) is False
    assert prove_positive_definite(H, Fraction(-1, 10**30)) is True


def test_rel_width_refines_tiny_eigenvalue():
    """lambda_min = 1e-150 next to 1e150: float precision cannot resolve it, balls can."""
    lams = [Fraction(10) ** 150, Fraction(1), Fraction(1, 10**150)]
    H = with_spectrum(lams, 2)
    coarse = enclose_lambda_min(H)
    fine = enclose_lambda_min(H, rel_width=1e-310)
    lam = lams[2]
    for e in (coarse, fine):
        assert Fraction(e.lo) <= lam <= Fraction(e.hi)
    assert fine.method == "ball"
    assert fine.rayleigh_hi - fine.s <= Fraction(1e-310) * 10**150
    assert fine.lo > 0
    assert flint.ctx.prec == 53


# ---------------------------------------------------------- small exact cases


@pytest.mark.parametrize(
    ("A", "shift", "want"),
    [
        ([[1, 1], [1, 1]], 0, True),
        ([[1, 2], [2, 1]], 0, False),
        ([[0, 0], [0, 0]], 0, True),
        ([[0, 0], [0, -1]], 0, False),
        ([[0, 1], [1, 0]], 0, False),
        ([[0, 0, 0], [0, 2, 1], [0, 1, 2]], 0, True),
        ([[1, 0, 0], [0, 2, 1], [0, 1, 2]], 1, True),
        ([[0, 0, 1], [0, 2, 1], [1, 1, 2]], 0, False),
        ([[2, 1], [1, 2]], Fraction(1), True),
        ([[2, 1], [1, 2]], Fraction(1) + Fraction(1, 10**40), False),
    ],
)
def test_is_psd_exact_table(A, shift, want):
    assert is_psd_exact(A, shift) is want


def test_one_by_one_and_zero():
    assert lambda_min_enclosure([[0.1]]) == (0.1, 0.1)
    assert lambda_min_enclosure(np.zeros((3, 3))) == (0.0, 0.0)
    lo, hi = lambda_min_enclosure([[Fraction(1, 3)]])
    assert Fraction(lo) < Fraction(1, 3) < Fraction(hi)


def test_evidence_is_consistent():
    e = enclose_lambda_min(rounded(with_spectrum([Fraction(-3), Fraction(1), Fraction(2)], 4)))
    assert e.lo <= e.s and Fraction(e.hi) >= e.rayleigh_hi
    H = with_spectrum([Fraction(-3), Fraction(1), Fraction(2)], 4)
    assert e.method == "isspd" and prove_positive_definite(rounded(H), e.s) is True
    assert '"method": "isspd"' in e.to_json() and "lambda_min in" in e.explain()


# ------------------------------------------------------------- interval matrices


@given(st.integers(1, 6), st.integers(0, 2**31), st.integers(-3, 3))
def test_interval_bounds_hold_for_members(n, seed, exp):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n)) * 2.0**exp
    mid = (X + X.T) / 2
    R = np.abs(rng.standard_normal((n, n))) * 2.0 ** (exp - 6)
    rad = (R + R.T) / 2
    lo, hi = interval_lambda_min(mid, rad)
    N = interval_norm_upper(mid, rad)
    for _ in range(4):
        signs = rng.choice([-1, 0, 1], size=(n, n))
        signs = np.triu(signs) + np.triu(signs, 1).T
        A = to_fmpq_mat(
            [[Fraction(mid[i, j]) + signs[i, j] * Fraction(rad[i, j]) for j in range(n)]
             for i in range(n)]
        )  # fmt: skip
        assert eigs_all_geq(A, Fraction(lo))
        assert lambda_min_leq(A, Fraction(hi))
        assert eigs_all_geq(A, -Fraction(N)) and eigs_all_geq(-A, -Fraction(N))


def test_interval_accepts_non_symmetric_mid_soundly():
    mid = np.array([[1.0, 0.5], [0.5 + 2**-40, 2.0]])
    rad = np.zeros((2, 2))
    lo, hi = interval_lambda_min(mid, rad)
    for off in (0.5, 0.5 + 2**-40):
        A = to_fmpq_mat([[1.0, off], [off, 2.0]])
        assert eigs_all_geq(A, Fraction(lo)) and lambda_min_leq(A, Fraction(hi))
    assert interval_norm_upper(mid, rad) >= 2.2


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("H", "match"),
    [
        ([[1.0, 2.0]], "not square"),
        (np.ones((2, 3)), "square"),
        (np.array([[1.0, 2.0], [2.0 + 2**-50, 1.0]]), "not symmetric"),
        ([[1, Fraction(1, 3)], [Fraction(1, 3) + Fraction(1, 10**30), 1]], "not symmetric"),
        (np.array([[np.nan, 0.0], [0.0, 1.0]]), "not finite"),
        ([[1.0, float("inf")], [float("inf"), 1.0]], "not finite"),
        (np.zeros((0, 0)), "empty"),
        ([], "empty"),
        (np.ones((2, 2, 2)), "dimension"),
        ([[1, "a"], ["a", 1]], "not an exact real number"),
        (sympy.Matrix([[sympy.Symbol("x"), 0], [0, 1]]), "not an exact real number"),
        (sympy.Matrix([[sympy.sqrt(2), 0], [0, 1]]), "not an exact real number"),
        (np.array([[1 + 1j, 0], [0, 1]]), "dtype"),
        (np.array([[True, False], [False, True]]), "dtype"),
        ([[1, 2], [2]], "not square"),
        (flint.fmpq_mat(2, 3), "square"),
        ("abc", "type str"),
        (3.0, "type float"),
    ],
)
def test_bad_input(H, match):
    with pytest.raises(InputError, match=match):
        lambda_min_enclosure(H)


@pytest.mark.parametrize(
    ("mid", "rad", "match"),
    [
        (np.eye(2), -np.eye(2), "negative"),
        (np.eye(2), np.zeros((3, 3)), "shape"),
        (np.eye(2), np.full((2, 2), np.nan), "NaN"),
        (np.array([["a"]]), np.zeros((1, 1)), "dtype"),
        (np.ones(3), np.zeros(3), "shape"),
    ],
)
def test_bad_interval_input(mid, rad, match):
    with pytest.raises(InputError, match=match):
        interval_lambda_min(mid, rad)
    with pytest.raises(InputError, match=match):
        interval_norm_upper(mid, rad)


def test_bad_rel_width_and_shift():
    with pytest.raises(InputError, match="rel_width"):
        enclose_lambda_min([[1]], rel_width=0)
    with pytest.raises(InputError, match="shift"):
        prove_positive_definite([[1]], float("nan"))
    with pytest.raises(InputError, match="shift"):
        is_psd_exact([[1]], "x")

"""The three formerly open steps of the matrix-factorization analysis (issue 17).

L1 (Ge, Jin, Zheng 2017), L2 (Tu et al. 2016) and "PGD's iterates stay in
``{||U||_2^2 < Gamma}``" are now derived in ``proofs/_mf_lemmas.py`` and
``proofs/_pgd_region.py``. Each new constant is perturbed here and the verdict
must change (proved -> refuted with an exact counterexample, or open); the
counterexamples are recomputed without the proofs/ code; and sampling checks
the inequalities (evidence only: no step is proved by it).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from proofs import run
from proofs._mf_lemmas import less_than, sqrt2_form
from saddlecheck.cli import main as cli_main

F = Fraction
SHARP_L2 = 2 * sp.sqrt(2) - 2
NO_LANDSCAPE = {"landscape": False}


def _by_key(steps):
    return {s.key: s for s in steps}


@pytest.fixture(scope="module")
def strict_default():
    return _by_key(run("mf_strict_saddle", **NO_LANDSCAPE))


@pytest.fixture(scope="module")
def theorem_default():
    return _by_key(run("mf_theorem"))


def test_the_three_steps_are_proved(strict_default, theorem_default):
    for key in ("mf_strict_saddle.L1", "mf_strict_saddle.L2", "mf_strict_saddle.general"):
        assert strict_default[key].status == "proved", strict_default[key].explain()
    assert theorem_default["mf_theorem.region"].status == "proved"
    assert "Gamma/4" in theorem_default["mf_theorem.region_invariant"].statement
    # the lemmas are derived, not cited: the general step rests on the step keys
    general = strict_default["mf_strict_saddle.general"]
    assert "mf_strict_saddle.L1" in general.assumptions
    assert all(s.method != "numeric" for s in strict_default.values())
    # `saddlecheck proofs mf_strict_saddle` exits 0 iff all its steps (and the landscape
    # instances, checked in test_proofs.py) are proved
    assert all(s.status == "proved" for s in strict_default.values())
    assert all(s.status == "proved" for s in theorem_default.values())


PERTURBED = [
    # (module, constants, key, expected status)
    ("mf_strict_saddle", {"l1_const": F(3, 2)}, "mf_strict_saddle.L1", "refuted"),
    ("mf_strict_saddle", {"l1_const": F(3, 2)}, "mf_strict_saddle.general", "open"),
    ("mf_strict_saddle", {"l1_const": F(199, 100)}, "mf_strict_saddle.L1", "refuted"),
    ("mf_strict_saddle", {"l1_const": F(5, 2)}, "mf_strict_saddle.L1", "proved"),
    ("mf_strict_saddle", {"l1_const": F(5, 2)}, "mf_strict_saddle.general", "open"),
    ("mf_strict_saddle", {"l2_const": 1}, "mf_strict_saddle.L2", "refuted"),
    ("mf_strict_saddle", {"l2_const": 1}, "mf_strict_saddle.general", "open"),
    ("mf_strict_saddle", {"l2_const": F(83, 100)}, "mf_strict_saddle.L2", "refuted"),
    (
        "mf_strict_saddle",
        {"l2_const": SHARP_L2 + sp.Rational(1, 10**6)},
        "mf_strict_saddle.L2",
        "refuted",
    ),
    ("mf_strict_saddle", {"l2_const": F(4, 5)}, "mf_strict_saddle.L2", "proved"),
    ("mf_strict_saddle", {"l2_const": F(4, 5)}, "mf_strict_saddle.general", "proved"),
    ("mf_strict_saddle", {"l2_const": F(1, 5)}, "mf_strict_saddle.L2", "proved"),
    ("mf_strict_saddle", {"l2_const": F(1, 5)}, "mf_strict_saddle.general", "open"),
    ("mf_theorem", {"ell_const": F(1, 8)}, "mf_theorem.region_invariant", "refuted"),
    ("mf_theorem", {"ell_const": F(1, 8)}, "mf_theorem.region", "refuted"),
    ("mf_theorem", {"ell_const": 1}, "mf_theorem.region_invariant", "open"),
    ("mf_theorem", {"ell_const": 1}, "mf_theorem.region", "open"),
    ("mf_theorem", {"ell_const": F(3, 2)}, "mf_theorem.region", "proved"),
    ("mf_theorem", {"gamma_factor": 1}, "mf_theorem.region_invariant", "refuted"),
    ("mf_theorem", {"gamma_factor": 1}, "mf_theorem.region", "refuted"),
    ("mf_theorem", {"c_max": 20}, "mf_theorem.region", "open"),
    ("mf_theorem", {"c_max": 2}, "mf_theorem.region", "proved"),
]


@pytest.mark.parametrize(("module", "constants", "key", "status"), PERTURBED)
def test_perturbed_constant_changes_the_verdict(
    module, constants, key, status, strict_default, theorem_default
):
    extra = NO_LANDSCAPE if module == "mf_strict_saddle" else {}
    step = _by_key(run(module, **constants, **extra))[key]
    assert step.status == status, step.explain()
    default = strict_default if module == "mf_strict_saddle" else theorem_default
    assert default[key].status == "proved"  # the unperturbed step is proved
    if status == "refuted":
        assert "exact" in step.detail or "=" in step.detail


def test_refuted_lemmas_name_the_witness():
    l1 = _by_key(run("mf_strict_saddle", l1_const=F(3, 2), **NO_LANDSCAPE))["mf_strict_saddle.L1"]
    assert "U = e2" in l1.detail and "= 4 > 3/2 * 2" in l1.detail
    l2 = _by_key(run("mf_strict_saddle", l2_const=F(83, 100), **NO_LANDSCAPE))
    assert "U = 5/8 e2" in l2["mf_strict_saddle.L2"].detail
    region = _by_key(run("mf_theorem", ell_const=F(1, 8)))["mf_theorem.region"]
    assert "U_1 = -9 e2" in region.detail


def test_sqrt2_arithmetic_is_exact():
    assert sqrt2_form(SHARP_L2) == (F(-2), F(2))
    assert sqrt2_form(F(3, 7)) == (F(3, 7), F(0))
    with pytest.raises(ValueError, match="a \\+ b sqrt"):
        sqrt2_form(sp.pi)
    bound = (F(-2), F(2))  # 2 sqrt2 - 2 = 0.8284271247...
    assert less_than(F(8284271, 10**7), *bound) and not less_than(F(8284272, 10**7), *bound)
    assert less_than(F(-1), F(0), F(-1, 2)) and not less_than(F(-1, 2), F(0), F(-1, 2))


# --- independent re-checks of the counterexamples (exact, no proofs/ code) ---


def _frob2(rows):
    return sum(x * x for row in rows for x in row)


def test_l1_witness_recomputed():
    """U = e2, M = e1 e1^T: both e1 and -e1 are closest; ||Delta Delta^T||^2 = 2 ||E||^2."""
    for sign in (1, -1):
        delta = (F(-sign), F(1))
        dd = [[a * b for b in delta] for a in delta]
        e = [[F(-1), F(0)], [F(0), F(1)]]  # e2 e2^T - e1 e1^T
        assert _frob2(dd) == 4 and _frob2(e) == 2


def test_l2_witness_recomputed():
    """U = x e2, M = e1 e1^T: ||E||^2 = 1 + x^4, dist^2 = 1 + x^2; below any c > 2(sqrt2 - 1)."""
    x = F(5, 8)
    ratio = (1 + x**4) / (1 + x**2)
    assert ratio == F(4721, 5696) and ratio < F(83, 100)
    assert ratio > 2 * math.sqrt(2) - 2  # consistent with the proved bound
    u = np.array([[0.0], [0.625]])
    m = np.diag([1.0, 0.0])
    e = u @ u.T - m
    assert math.isclose(float(np.sum(e * e)) / (1 + 0.625**2), float(ratio), rel_tol=1e-12)


def test_region_exit_recomputed():
    """ell = Gamma/8, c = 1, Gamma = 36, U0 = 3 e2, M = e1 e1^T: U1 = -9 e2 leaves the region."""
    gamma, eta = F(36), F(1) / (F(1, 8) * 36)
    u0 = F(3)
    u1 = u0 - eta * 2 * u0**3  # grad f(a e2) = 2 a^3 e2 since M e2 = 0
    assert u1 == -9 and u1 * u1 >= gamma


# --- sampling of the derived inequalities (evidence, not proof) ---


def _closest(U, V):
    A, _, Bt = np.linalg.svd(V.T @ U)
    return V @ (A @ Bt)


@pytest.mark.parametrize("seed", range(3))
def test_l1_l2_hold_on_samples(seed):
    rng = np.random.default_rng(300 + seed)
    for _ in range(300):
        d = int(rng.integers(2, 6))
        r = int(rng.integers(1, d + 1))
        V = rng.normal(size=(d, r)) * rng.uniform(0.2, 3, size=r)
        U = V + rng.normal(size=(d, r)) * rng.choice([0.05, 0.5, 2.0])
        D = U - _closest(U, V)
        E = U @ U.T - V @ V.T
        sigma_r = np.linalg.svd(V, compute_uv=False)[-1] ** 2
        e2, dd = float(np.sum(E * E)), float(np.sum((D @ D.T) ** 2))
        assert dd <= 2 * e2 * (1 + 1e-9) + 1e-12
        assert e2 >= (2 * math.sqrt(2) - 2) * sigma_r * float(np.sum(D * D)) * (1 - 1e-9)


@pytest.mark.parametrize("seed", range(2))
def test_pgd_stays_in_quarter_region_on_samples(seed):
    """PGD with ell = 8 Gamma, c = 1, perturbations of radius g_thres/ell: ||U_t||^2 <= Gamma/4."""
    rng = np.random.default_rng(500 + seed)
    d, r = 4, 2
    V = rng.normal(size=(d, r))
    M = V @ V.T
    sig = np.linalg.eigvalsh(M)[::-1]
    U = rng.normal(size=(d, r)) * rng.choice([0.01, 1.0, 5.0])
    root = 2 * max(np.linalg.norm(U, 2), 3 * math.sqrt(sig[0]))
    gamma = root**2
    eta = 1 / (8 * gamma)
    g_thres = (sig[r - 1] ** 2 / (108 * root)) / 144
    radius = g_thres / (8 * gamma)
    for _ in range(3000):
        grad = 2 * (U @ U.T - M) @ U
        if np.linalg.norm(grad) <= g_thres:
            xi = rng.normal(size=(d, r))
            U = U + xi / np.linalg.norm(xi) * radius * rng.uniform() ** (1 / (d * r))
            grad = 2 * (U @ U.T - M) @ U
        U = U - eta * grad
        assert np.linalg.norm(U, 2) ** 2 <= gamma / 4 * (1 + 1e-12)


def test_cli_theorem_exits_zero(capsys):
    """``saddlecheck proofs mf_theorem`` exits 0 now that the region step is proved."""
    assert cli_main(["proofs", "mf_theorem"]) == 0
    assert "0 open" in capsys.readouterr().out

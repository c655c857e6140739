"""saddlecheck.strategies: the objects are what they claim (exact oracles), shrink small,
and unsatisfiable options raise InputError."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from _budget import examples
from hypothesis import find, given, settings
from hypothesis import strategies as st

from saddlecheck import InputError
from saddlecheck.strategies import (
    matrix_factorizations,
    parameter_tuples,
    planted_landscapes,
    quadratic_saddles,
    strict_saddles,
    stuck_points,
)


@settings(max_examples=examples(15))
@given(strict_saddles(max_dim=4, max_wells=2, max_center=50, max_offset=10))
def test_strict_saddles_critical_points_are_exact(land):
    """Every listed critical point has gradient exactly 0 (rational arithmetic) and a Hessian
    whose smallest eigenvalue is the listed one; the saddle is strict with gap >= 1/4."""
    obj = land.objective
    kinds = {kind for _, kind, _ in land.critical_points}
    assert "min" in kinds
    for x, kind, lam in land.critical_points:
        assert all(g == 0 for g in obj.exact("grad", x))
        H = np.array([[float(v) for v in row] for row in obj.exact("hess", x)])
        assert abs(np.linalg.eigvalsh(H)[0] - float(lam)) < 1e-9
        assert (lam > 0) == (kind == "min")
    origin = land.to_x([0] * land.dim)
    assert all(g == 0 for g in obj.exact("grad", origin))
    H0 = np.linalg.eigvalsh(np.array([[float(v) for v in r] for r in obj.exact("hess", origin)]))
    assert H0[0] < 0 and np.min(np.abs(H0)) >= 0.25 - 1e-12  # controlled gap
    assert float(land.f_star) == pytest.approx(min(land.f(np.array([float(v) for v in m]))
                                                   for m in land.minima))  # fmt: skip


@settings(max_examples=examples(15))
@given(st.one_of(strict_saddles(max_dim=3), planted_landscapes(max_dim=3)), st.data())
def test_ell_and_rho_bound_the_derivatives_on_the_region(land, data):
    """ell >= ||H(x)|| and rho >= |D^3 f(x)[u, u, u]| at random points of the region
    (float check against the exact Objective's Hessian; rho via a finite difference of H
    along u, which equals D^3 f[u] up to O(h^2))."""
    z = [data.draw(st.floats(float(c.interval[0]), float(c.interval[1]))) for c in land.components]
    x = np.array([float(v) for v in land.to_x([Fraction(v) for v in z])])
    H = land.objective.hess(x)
    assert np.max(np.abs(np.linalg.eigvalsh(H))) <= float(land.ell) * (1 + 1e-9)
    assert np.allclose(H, land.hess(x), atol=1e-9 * (1 + float(land.ell)))
    u = np.array(data.draw(st.lists(st.floats(-1, 1), min_size=land.dim, max_size=land.dim)))
    if np.linalg.norm(u) > 1e-3:
        u /= np.linalg.norm(u)
        h = 1e-5
        d3 = (land.hess(x + h * u) - land.hess(x - h * u)) / (2 * h)
        assert abs(u @ d3 @ u) <= float(land.rho) * (1 + 1e-6) + 1e-6


@settings(max_examples=examples(10))
@given(planted_landscapes(max_dim=2))
def test_planted_critical_points(land):
    obj = land.objective
    for x, _kind, lam in land.critical_points:
        assert all(g == 0 for g in obj.exact("grad", x))
        assert lam != 0


@settings(max_examples=examples(3))
@given(matrix_factorizations(max_d=2, max_r=2))
def test_matrix_factorizations_minimum_is_exact(mf):
    assert mf.objective.exact("value", mf.options["V_star"]) == 0
    assert mf.constants["ell"].tag == "R"


@given(quadratic_saddles(max_dim=4))
def test_quadratic_saddles_are_what_they_say(q):
    Q = np.array([[float(v) for v in row] for row in q.Q])
    assert np.allclose(Q @ Q.T, np.eye(q.dim))
    assert q.eigenvalues[0] < 0 and all(v > 0 for v in q.eigenvalues[1:])
    assert all(abs(1 - q.eta * v) <= 1 for v in q.eigenvalues[1:])


@settings(max_examples=examples(20))
def _with_points(q):
    pts = stuck_points(q, r=Fraction(1, 100), steps=8, f_escape=Fraction(1, 10**6))
    return st.tuples(st.just(q), pts)


@given(quadratic_saddles(max_dim=3, rotate=False).flatmap(_with_points))
def test_stuck_points_classification_is_exact(pair):
    """``stuck`` agrees with exact gradient descent (rationals) for 8 steps."""
    q, p = pair
    lam, eta = q.eigenvalues, q.eta
    a = list(p.a)
    for _ in range(8):
        a = [ai - eta * li * ai for ai, li in zip(a, lam, strict=True)]
    f = sum(li * ai * ai for ai, li in zip(a, lam, strict=True)) / 2
    assert p.stuck == (f > -Fraction(1, 10**6))


@given(parameter_tuples(ell=3, rho=2, saddle_curvature=1))
def test_parameter_tuples_meet_the_theorem(p):
    assert 0 < p.eps <= Fraction(9, 2) and p.eps <= Fraction(1, 8)  # gamma^2/(4 rho)
    assert 0 < p.c <= Fraction(1, 2) and 0 < p.delta < 1


def test_strategies_shrink_to_small_readable_examples():
    land = find(strict_saddles(max_dim=5, max_center=100, max_offset=100), lambda x: True)
    assert repr(land) == "Landscape(well(gamma=1/4, s=1))"
    big = find(strict_saddles(max_dim=5), lambda x: x.dim >= 3)
    assert big.dim == 3 and not any(big.skew)
    assert repr(find(quadratic_saddles(), lambda q: q.dim == 2)) == (
        "QuadraticSaddle(eigenvalues=(-1/4, 1/4), eta=2)"
    )
    assert repr(find(parameter_tuples(ell=1, rho=1), lambda p: True)) == (
        "ParameterTuple(eps=1, c=1/2, delta=1/10)"
    )


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: strict_saddles(min_dim=3, max_dim=2), "min_dim=3 > max_dim=2"),
        (lambda: strict_saddles(min_wells=3, max_dim=2), "min_wells=3"),
        (lambda: strict_saddles(min_gap=3), "min_gap"),
        (lambda: strict_saddles(curvature=(2, 1)), "curvature"),
        (lambda: strict_saddles(min_dim=0), "min_dim=0"),
        (lambda: planted_landscapes(max_roots=0), "max_roots=0"),
        (lambda: quadratic_saddles(min_gap=5), "min_gap"),
        (lambda: parameter_tuples(ell=1, rho=0), "rho=0"),
        (lambda: parameter_tuples(ell=1, rho=1, max_c=2), "max_c=2"),
        (lambda: parameter_tuples(ell=1, rho=1, saddle_curvature=-1), "saddle_curvature"),
        (lambda: matrix_factorizations(max_d=0), "max_d=0"),
    ],
)
def test_unsatisfiable_options_raise_input_error(make, fragment):
    with pytest.raises(InputError, match=None) as exc:
        make()
    assert fragment in str(exc.value)


def test_stuck_points_validates():
    from saddlecheck.strategies import QuadraticSaddle

    sad = QuadraticSaddle((Fraction(-1), Fraction(1)))
    with pytest.raises(InputError):
        stuck_points(sad, r=0, steps=1, f_escape=1)
    assert math.isfinite(float(sad.stuck_threshold([Fraction(1)], 3, 1)))

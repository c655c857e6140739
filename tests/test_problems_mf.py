"""Matrix factorization's rigorous distance to the minima ``{V* R : R orthogonal}``.

Oracle: ``dist(U) = ||U - V* R*||_F`` with ``R*`` the orthogonal Procrustes
solution from an SVD at 50 digits (mpmath), independent of the code under test.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from saddlecheck import Box, InputError
from saddlecheck.problems import matrix_factorization, rational_orthogonal
from saddlecheck.problems.matrix_factorization import MinimaDistance

SHAPES = [(2, 1), (4, 1), (2, 2), (3, 2), (3, 3)]


def true_distance(V: np.ndarray, U: np.ndarray) -> mpmath.mpf:
    """``min_R ||U - V R||_F`` over orthogonal ``R`` (Procrustes), at 50 digits."""
    with mpmath.workdps(50):
        A = mpmath.matrix(V.T.tolist()) * mpmath.matrix(U.tolist())
        P, _, Rt = mpmath.svd_r(A)
        R = P * Rt
        D = mpmath.matrix(U.tolist()) - mpmath.matrix(V.tolist()) * R
        return mpmath.sqrt(sum(D[i, j] ** 2 for i in range(D.rows) for j in range(D.cols)))


def v_star(p) -> np.ndarray:
    d, r = p.options["d"], p.options["r"]
    return np.array([float(v) for v in p.options["V_star"]]).reshape(d, r)


@pytest.mark.parametrize("d, r", SHAPES)
@given(data=st.data())
def test_bounds_enclose_the_distance_at_every_sampled_point(d, r, data):
    """Claim: lower <= dist(U) <= upper at every U of the box (corners, centre, random)."""
    p = matrix_factorization(d, r)
    V = v_star(p)
    n = d * r
    centre = data.draw(st.lists(st.integers(-60, 60), min_size=n, max_size=n))
    half = Fraction(data.draw(st.integers(0, 20)), 64)
    box = Box([(Fraction(c, 16) - half, Fraction(c, 16) + half) for c in centre])
    lo, hi = p.minima_distance.bounds(box)
    assert 0 <= lo <= hi
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    lows = np.array([float(a) for a, _ in box.intervals])
    highs = np.array([float(b) for _, b in box.intervals])
    points = [lows, highs, (lows + highs) / 2] + [rng.uniform(lows, highs) for _ in range(5)]
    for x in points:
        dist = true_distance(V, x.reshape(d, r))
        assert lo <= dist * (1 + mpmath.mpf(2) ** -45), f"lower {lo} > dist {dist} at {x}"
        assert dist <= hi * (1 + 2.0**-45), f"upper {hi} < dist {dist} at {x}"


@pytest.mark.parametrize("d, r", SHAPES)
def test_upper_bound_vanishes_on_the_orbit(d, r):
    """At U = V* R (R exactly orthogonal and rational) the distance is 0.

    The upper bound is ``sqrt(dist^2 + O(u))``: rounding in the float
    Procrustes rotation (about 1e-16 in ``dist^2``) appears as ~1e-8 after the
    square root, so "tight" means below 1e-6 here.
    """
    p = matrix_factorization(d, r)
    V = sympy.Matrix(d, r, list(p.options["V_star"]))
    for seed in range(3):
        U = V * rational_orthogonal(r, seed)
        box = Box([(v, v) for v in U])
        lo, hi = p.minima_distance.bounds(box)
        assert lo == 0 and hi < 1e-6


def test_bounds_are_tight_for_small_boxes():
    p = matrix_factorization(2, 2)
    V = v_star(p)
    U = np.array([[0.3, -1.1], [2.0, 0.7]])
    box = Box([(Fraction(float(x)), Fraction(float(x))) for x in U.ravel()])
    lo, hi = p.minima_distance.bounds(box)
    dist = float(true_distance(V, U))
    assert hi - lo < 1e-9 and lo <= dist <= hi


def test_the_problem_carries_the_distance():
    p = matrix_factorization(3, 1)
    assert isinstance(p.minima_distance, MinimaDistance)
    assert p.minima_distance(p.box) >= p.minima_distance.bounds(p.box)[0]


def test_wrong_dimension_is_refused():
    p = matrix_factorization(2, 2)
    with pytest.raises(InputError, match="dimension"):
        p.minima_distance(Box([(0, 1)] * 3))
    with pytest.raises(InputError, match="dimension"):
        p.minima_distance.bounds(Box([(0, 1)] * 5))

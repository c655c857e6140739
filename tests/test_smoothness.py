"""smoothness(): proved bounds on ell = sup||Hess f|| and rho = sup||D^3 f|| over a box."""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from _budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import saddlecheck as sc
from saddlecheck.landscape.constants import smoothness, value_lower_bound

TOY = "x**4/4 - x**2/2 + y**2/2"


def test_toy_constants_match_the_closed_form():
    """Issue 2: on [-2,2]^2, sup||H|| = 11 and sup||D^3 f|| = 12 (6|x| at x = +-2)."""
    k = smoothness(sc.Objective(TOY), sc.Box([(-2, 2), (-2, 2)]))
    assert 11 <= k.ell <= 12.1
    assert 12 <= k.rho <= 13.2
    assert abs(k.ell_lower - 11) <= 1.1 and k.ell_lower <= 11
    assert k.rho_lower <= 12
    assert k.ell_gap <= 0.1 and k.rho_gap <= 0.1
    assert "ell = sup ||Hess f||" in k.explain()


def test_quadratic_is_exact_rho_zero_and_ell_certified_to_1e12():
    # H = [[2, -3], [-3, 4/3]]: ||H|| = max |eigenvalue| = (2 + 4/3)/2 + sqrt(((2 - 4/3)/2)^2 + 9)
    k = smoothness(sc.Objective("x**2 - 3*x*y + 2*y**2/3"), sc.Box([(-1, 1), (-5, 5)]))
    assert k.exact and k.rho == 0.0 and k.rho_lower == 0.0
    with mpmath.workdps(40):
        true = mpmath.mpf(5) / 3 + mpmath.sqrt(mpmath.mpf(1) / 9 + 9)
        assert k.ell_lower <= true <= k.ell
        assert (k.ell - k.ell_lower) <= 1e-12 * true


def test_cubic_has_constant_third_derivative():
    k = smoothness(sc.Objective("x**3 - 3*x*y**2"), sc.Box([(-1, 1), (-1, 1)]))
    # monkey saddle: rho = max_u |6u1^3 - 18u1u2^2| = 6 exactly, ell = 6*sqrt(2)
    assert k.rho_lower <= 6 <= k.rho
    assert k.rho_lower >= 6 * (1 - 1e-9)
    assert k.ell_lower <= 6 * 2**0.5 <= k.ell


def test_budget_exhausted_reports_the_gap():
    k = smoothness(sc.Objective("sin(3*x)*cos(2*y)"), sc.Box([(-2, 2), (-2, 2)]), max_boxes=3)
    assert k.ell >= k.ell_lower and k.rho >= k.rho_lower
    assert k.boxes <= 6
    assert k.ell_gap == pytest.approx((k.ell - k.ell_lower) / k.ell)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"box": [(-1, 1)]}, "dimension 1"),
        ({"rel_gap": 0}, "rel_gap"),
        ({"max_boxes": 0}, "max_boxes"),
        ({"box": [(1, -1), (0, 1)]}, "swap"),
    ],
)
def test_bad_arguments(kwargs, fragment):
    args = {"box": [(-1, 1), (-1, 1)], **kwargs}
    with pytest.raises(sc.InputError) as info:
        smoothness(sc.Objective(TOY), args.pop("box"), **args)
    assert fragment in str(info.value)


def test_singularity_in_the_box_is_refused():
    with pytest.raises(sc.InputError, match="not smooth"):
        smoothness(sc.Objective("log(x) + y**2"), [(-1, 1), (0, 1)])
    with pytest.raises(sc.InputError, match="Objective"):
        smoothness("x**2", [(0, 1)])


def test_value_lower_bound_is_below_the_minimum():
    assert value_lower_bound(sc.Objective(TOY), [(-2, 2), (-2, 2)]) <= -0.25
    assert value_lower_bound(sc.Objective(TOY), [(-2, 2), (-2, 2)]) >= -0.25 - 0.01


def _spectral_norm(H):
    return max(abs(v) for v in mpmath.eigsy(mpmath.matrix(H))[0])


def _tensor_norm_lower(T, rng, dim):
    """max over sampled unit u of |T(u,u,u)|: a lower bound on the operator norm."""
    best = mpmath.mpf(0)
    for _ in range(20):
        u = rng.standard_normal(dim)
        u = [mpmath.mpf(float(c)) for c in u / np.linalg.norm(u)]
        val = mpmath.fsum(
            T[i][j][k] * u[i] * u[j] * u[k]
            for i in range(dim)
            for j in range(dim)
            for k in range(dim)
        )
        best = max(best, abs(val))
    return best


polys = st.lists(st.tuples(st.integers(-4, 4), *[st.integers(0, 4)] * 4), min_size=1, max_size=5)


@settings(max_examples=examples(15))
@given(
    terms=polys,
    dim=st.integers(1, 4),
    lo=st.fractions(-1, 0, max_denominator=4),
    width=st.fractions(Fraction(1, 8), 1, max_denominator=8),
    seed=st.integers(0, 2**16),
)
def test_bounds_are_never_below_norms_at_random_points(terms, dim, lo, width, seed):
    """Soundness (issue 2): ell >= ||H(x)|| and rho >= |D^3f(x)(u,u,u)| at random x, u."""
    import sympy

    xs = sympy.symbols(f"x1:{dim + 1}")
    expr = sum(
        c * sympy.prod([v**e for v, e in zip(xs, exps[:dim], strict=True)])
        for c, *exps in terms
        if sum(exps[:dim]) <= 4
    )
    obj = sc.Objective(expr + xs[0] ** 3 / 5, variables=xs)
    box = sc.Box([(lo, lo + width)] * dim)
    k = smoothness(obj, box, max_boxes=30)
    assert k.ell >= k.ell_lower >= 0 and k.rho >= k.rho_lower >= 0
    rng = np.random.default_rng(seed)
    t3 = obj.third_derivatives()
    for _ in range(3):
        x = [Fraction(lo) + Fraction(width) * Fraction(float(u)) for u in rng.uniform(size=dim)]
        with mpmath.workdps(40):
            H = obj.hess(x, dps=40).tolist()
            assert _spectral_norm(H) <= k.ell
            subs = dict(zip(xs, [sympy.Rational(v) for v in x], strict=True))
            T = [
                [
                    [
                        mpmath.mpf(sympy.Rational(t3[i, j, l].subs(subs)).p)
                        / int(sympy.Rational(t3[i, j, l].subs(subs)).q)
                        for l in range(dim)
                    ]
                    for j in range(dim)
                ]
                for i in range(dim)
            ]
            assert _tensor_norm_lower(T, rng, dim) <= k.rho


# -- issue 11: ball arithmetic has no float64 range limit; float results say so -----------


def test_exp_up_to_700_is_bounded_and_beyond_float_range_is_refused():
    """sup exp(x) on [0, 700] is e^700 ~ 1.01e304 (finite); on [0, 1000] it is not a float."""
    k = smoothness(sc.Objective("exp(x)"), sc.Box([(0, 700)]), max_boxes=200)
    with mpmath.workdps(30):
        top = mpmath.exp(700)
        assert k.ell_lower <= top <= k.ell and k.rho_lower <= top <= k.rho
    with pytest.raises(sc.InputError, match="float64 range"):
        smoothness(sc.Objective("exp(x)"), sc.Box([(0, 1000)]), max_boxes=200)


def test_overflowing_wide_box_enclosure_is_refined_not_refused():
    """exp(x**2 - x**2) = 1: the natural enclosure on [-40, 40] overflows floats (exp(1600)),
    bisection brings it back."""
    k = smoothness(sc.Objective("exp(x**2 - x**2) + x**4"), sc.Box([(-40, 40)]), max_boxes=400)
    assert k.ell_lower <= 12 * 40**2 <= k.ell and k.ell < 1e5

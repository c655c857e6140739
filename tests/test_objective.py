"""Objective: parsing, validation, derivatives and the four evaluators agree."""

import math
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import saddlecheck as sc
from saddlecheck.arith.rounding import ball_bounds

TOY = "x**4/4 - x**2/2 + y**2/2"


def test_variables_sorted_by_name_and_symbolic_derivatives():
    obj = sc.Objective("y**2 + x**3*y")
    x, y = sympy.symbols("x y")
    assert obj.variables == (x, y)
    assert obj.dim == 2
    assert obj.gradient == sympy.Matrix([3 * x**2 * y, x**3 + 2 * y])
    assert obj.hessian == sympy.Matrix([[6 * x * y, 3 * x**2], [3 * x**2, 2]])
    t = obj.third_derivatives()
    assert t[0, 0, 0] == 6 * y and t[0, 0, 1] == 6 * x and t[1, 0, 0] == 6 * x and t[1, 1, 1] == 0


def test_explicit_variables_order_and_sympy_input():
    x, y = sympy.symbols("x y")
    obj = sc.Objective(x * y**2, variables=(y, x))
    assert obj.variable_names == ("y", "x")
    assert obj.grad([2.0, 3.0]).tolist() == [12.0, 4.0]  # d/dy = 2xy, d/dx = y^2


def test_decimals_are_read_exactly_and_caret_is_power():
    obj = sc.Objective("0.1*x^2")
    assert obj.expr == sympy.Rational(1, 10) * sympy.Symbol("x") ** 2
    assert obj.is_polynomial
    # a SymPy Float is the binary number it holds
    obj2 = sc.Objective(sympy.Float(0.1) * sympy.Symbol("x"))
    assert obj2.exact("grad", [0])[0] == flint.fmpq(*Fraction(0.1).as_integer_ratio())


def test_names_sympy_would_take_as_functions_are_variables():
    obj = sc.Objective("gamma*beta + S")  # not Gamma(), beta(), S singleton
    assert obj.variable_names == ("S", "beta", "gamma")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("x +", "cannot parse"),
        ("", "empty"),
        ("abs(x) + y", "abs(.) is not differentiable"),
        ("Abs(x)", "abs(.)"),
        ("Max(x, y)", "max(.)"),
        ("Min(x, y)", "min(.)"),
        ("sign(x)", "sign(.)"),
        ("floor(x)", "floor(.)"),
        ("ceiling(x)", "ceiling(.)"),
        ("Heaviside(x)", "Heaviside"),
        ("Piecewise((abs(x), x > 0), (0, True))", "abs(.)"),
        ("Piecewise((x, Eq(x, 0)), (1, True))", "not an inequality"),
        ("foo(x)", "unknown function foo"),
        ("gamma(x)", "unknown function gamma"),
        ("x*I", "imaginary unit"),
        ("x + oo", "non-real or non-finite"),
        ("x + nan", "non-real or non-finite"),
        ("sqrt(-1)*x", "non-real"),
        ("x > 1", "condition"),
        ("__import__('os')", "underscore"),
        ("2 + 3", "no variables"),
    ],
)
def test_bad_objectives_raise_input_error(text, fragment):
    with pytest.raises(sc.InputError, match=None) as info:
        sc.Objective(text)
    assert fragment in str(info.value), str(info.value)


def test_unknown_variables_and_bad_variable_lists():
    with pytest.raises(sc.InputError, match="uses a, which are not among"):
        sc.Objective("x + a", variables=["x"])
    with pytest.raises(sc.InputError, match="repeats"):
        sc.Objective("x", variables=["x", "x"])
    with pytest.raises(sc.InputError, match="reserved"):
        sc.Objective(sympy.Symbol("E") * 2, variables=[sympy.Symbol("E")])
    with pytest.raises(sc.InputError, match="not a SymPy Symbol"):
        sc.Objective("x", variables=[sympy.Integer(1)])
    with pytest.raises(sc.InputError, match="matrix"):
        sc.Objective(sympy.Matrix([1, 2]))
    with pytest.raises(sc.InputError, match="neither a string"):
        sc.Objective(object())


def test_singularities_accepted_by_objective_rejected_on_boxes_that_reach_them():
    for text, bad, good in [
        ("1/x + y", [(-1, 1), (0, 1)], [(0.5, 1), (0, 1)]),
        ("log(x) + y", [(0, 1), (0, 1)], [(0.5, 1), (0, 1)]),
        ("sqrt(x) + y", [(-1, 1), (0, 1)], [(0.5, 1), (0, 1)]),
        ("x**(1/3) + y", [(0, 1), (0, 1)], [(0.5, 1), (0, 1)]),
        ("tan(x) + y", [(1, 2), (0, 1)], [(0, 1), (0, 1)]),
        ("asin(x) + y", [(0, 1), (0, 1)], [(0, 0.5), (0, 1)]),
    ]:
        obj = sc.Objective(text)
        with pytest.raises(sc.InputError, match="not smooth on Box"):
            obj.enclose("value", sc.Box(bad))
        assert obj.enclose("hess", sc.Box(good))[0][0].is_finite()


def test_point_evaluation_at_a_singularity_raises():
    obj = sc.Objective("1/x")
    with pytest.raises(sc.InputError, match="not finite"):
        obj.value([0.0])
    with pytest.raises(sc.InputError, match="not smooth at"):
        obj.value([0], dps=30)
    with pytest.raises(sc.InputError, match="not smooth at"):
        obj.exact("value", [0])


def test_piecewise_box_within_a_piece_and_straddling():
    obj = sc.Objective("Piecewise((x**2, x > 0), (x**3, True))")
    lo, hi = ball_bounds(obj.enclose("grad", sc.Box([(1, 2)]))[0])  # 2x on [1, 2]
    assert lo <= 2 and hi >= 4 and (2 - lo) < 1e-6 and (hi - 4) < 1e-6
    with pytest.raises(sc.InputError, match="crosses the boundary"):
        obj.enclose("grad", sc.Box([(-1, 1)]))
    assert obj.grad([-1.0]).tolist() == [3.0]
    assert obj.grad([2.0], dps=20)[0] == 4


def test_piecewise_pieces_are_evaluated_lazily():
    # log(x) must not be evaluated where x <= 0 (its piece is not chosen there)
    obj = sc.Objective("Piecewise((log(x), x > 0), (x - 1, True))")
    assert obj.value([-2.0]) == -3.0
    assert obj.enclose("value", sc.Box([(-3, -1)])).contains(-3)


@pytest.mark.parametrize("bad", [[1.0], [1.0, 2.0, 3.0], [[1.0, 2.0]], [math.nan, 1.0], "ab"])
def test_wrong_points_raise(bad):
    obj = sc.Objective(TOY)
    with pytest.raises(sc.InputError):
        obj.value(bad)
    with pytest.raises(sc.InputError):
        obj.grad(bad, dps=30)


def test_bad_dps_and_kind():
    obj = sc.Objective(TOY)
    for dps in (0, 5, 10**6, 2.5, True):
        with pytest.raises(sc.InputError, match="dps"):
            obj.value([0, 0], dps=dps)
    with pytest.raises(sc.InputError, match="kind"):
        obj.enclose("laplacian", [0, 0])
    with pytest.raises(sc.InputError, match="dimension"):
        obj.enclose("value", sc.Box([(0, 1)]))
    with pytest.raises(sc.InputError, match="rational function"):
        sc.Objective("exp(x)").exact("value", [0])


def test_exact_evaluation_and_structure_flags():
    obj = sc.Objective("x**3/3 - x*y")
    assert obj.exact("grad", ["1/2", 2]) == [flint.fmpq(-7, 4), flint.fmpq(-1, 2)]
    assert obj.exact("hess", [1, 0]) == [[2, -1], [-1, 0]]
    assert obj.is_polynomial and obj.degree == 3
    assert sc.Objective("x/(1 + y**2)").is_rational
    assert not sc.Objective("x/(1 + y**2)").is_polynomial
    assert not sc.Objective("exp(x)").is_rational


def test_pickle_round_trip_rebuilds_evaluators():
    import pickle

    obj = sc.Objective(TOY)
    obj.grad([1.0, 1.0])  # compile something first
    clone = pickle.loads(pickle.dumps(obj))
    assert clone.grad([2.0, 1.0]).tolist() == [6.0, 1.0]
    assert clone.to_string() == obj.to_string()


def test_to_string_round_trips():
    for text in [
        TOY,
        "exp(-x**2)*sin(y)/3",
        "Piecewise((x**2, x > 1/3), (x/3, True))",
        "pi*x + E*y",
    ]:
        obj = sc.Objective(text)
        again = sc.Objective(obj.to_string(), variables=obj.variable_names)
        assert sympy.simplify(again.expr - obj.expr) == 0


# -- both engines, every back end -------------------------------------------------

SMOOTH = [
    TOY,
    "exp(-x**2 - y**2) + x*y**3",
    "sin(x)*cos(y) + atan(x*y) + tanh(x - y)",
    "log(2 + x**2) + sqrt(3 + y**2) + erf(x)",
    "(x**2 + 1)**(1/3) + 1/(2 + y**2)",
    "Piecewise((x**4 + y, x > 1), (x**2 - y**2, True))",
]


@pytest.mark.parametrize("text", SMOOTH)
def test_symengine_and_sympy_engines_agree(text):
    fast, slow = sc.Objective(text), sc.Objective(text, engine="sympy")
    assert fast.engine == "symengine" and slow.engine == "sympy"
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-0.9, 0.9, size=2)
        for kind in ("value", "grad", "hess"):
            a, b = getattr(fast, kind)(x), getattr(slow, kind)(x)
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        box = sc.Box([(x[0] - 0.01, x[0] + 0.01), (x[1] - 0.01, x[1] + 0.01)])
        for ea, eb in zip(fast.enclose("grad", box), slow.enclose("grad", box), strict=True):
            assert ea.overlaps(eb)


@pytest.mark.parametrize("text", SMOOTH)
def test_float_mpmath_and_ball_evaluators_agree(text):
    obj = sc.Objective(text)
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.uniform(-0.9, 0.9, size=2)
        for kind in ("value", "grad", "hess"):
            hi = getattr(obj, kind)(x, dps=40)
            lo = getattr(obj, kind)(x)
            np.testing.assert_allclose(np.asarray(hi, dtype=float), lo, rtol=1e-12, atol=1e-13)
            balls = obj.enclose(kind, x.tolist())
            # the ball holds the true value; the 40-digit value is within 1e-30 of it
            for ball, ref in zip(
                np.ravel(np.asarray(balls, dtype=object)), np.ravel(hi), strict=True
            ):
                near = flint.arb(
                    mpmath.nstr(ref, 40, min_fixed=-1, max_fixed=1), 1e-30 * (1 + abs(float(ref)))
                )
                assert ball.overlaps(near), (text, kind, ball, ref)


polys = st.lists(
    st.tuples(
        st.integers(-5, 5),
        st.integers(0, 4),
        st.integers(0, 4),
        st.integers(0, 4),
        st.integers(0, 4),
    ),
    min_size=1,
    max_size=6,
).filter(lambda terms: any(c for c, *_ in terms))


def _poly(terms, dim):
    xs = sympy.symbols(f"x1:{dim + 1}")
    expr = sum(
        c * sympy.prod([v**e for v, e in zip(xs, exps[:dim], strict=True)])
        for c, *exps in terms
        if sum(exps[:dim]) <= 4
    )
    return sc.Objective(expr + sum(xs) / 7, variables=xs)


@given(
    terms=polys,
    dim=st.integers(1, 4),
    lo=st.fractions(-2, 1, max_denominator=8),
    width=st.fractions(0, 2, max_denominator=8),
    u=st.lists(st.floats(0, 1), min_size=4, max_size=4),
)
def test_interval_enclosure_contains_every_point_value(terms, dim, lo, width, u):
    """Soundness: the ball over the box contains f, grad, hess and D^3 f at points of it."""
    obj = _poly(terms, dim)
    box = sc.Box([(lo, lo + width)] * dim)
    point = [Fraction(lo) + Fraction(ui) * Fraction(width) for ui in u[:dim]]
    for kind in ("value", "grad", "hess", "d3"):
        over_box = np.ravel(np.asarray(obj.enclose(kind, box), dtype=object))
        at_point = np.ravel(np.asarray(obj.enclose(kind, point, prec=200), dtype=object))
        for big, small in zip(over_box, at_point, strict=True):
            assert big.contains(small), (kind, big, small)
    exact = obj.exact("value", point)  # an fmpq; flint.arb(exact) would be a rounded ball
    lo, hi = ball_bounds(obj.enclose("value", box))
    assert Fraction(lo) <= Fraction(int(exact.p), int(exact.q)) <= Fraction(hi)


def test_read_only_arrays_are_accepted():
    obj = sc.Objective(TOY)
    x = np.array([2.0, 1.0])
    x.flags.writeable = False
    assert obj.value(x) == 4 - 2 + 0.5 and obj.grad(x).tolist() == [6.0, 1.0]

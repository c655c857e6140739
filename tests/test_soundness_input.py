"""Issue 11, the input boundary: nothing is proved where f is not a smooth real
function, every number is read exactly, absurd sizes and non-formulas are refused.

Each example of the issue (and of issue 16's "Input read silently wrong") is a
regression test here.
"""

from __future__ import annotations

import decimal
import json
import time
from fractions import Fraction

import numpy as np
import pytest
import sympy
from _budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import saddlecheck as sc
from saddlecheck.arith.symmetric import lambda_min_enclosure
from saddlecheck.certificates.recheck import _digest
from saddlecheck.domain import Domain, collect

LOG_BOX = "log(x**2 - 1) + 2*x**2"


# -- 1. the domain of f -------------------------------------------------------------


@pytest.mark.parametrize(
    "f, x, fragment",
    [
        (LOG_BOX, [0], "argument of log"),
        ("atanh(x) + x/3", [2], "argument of atanh"),
        ("x**2 + log(-x**2 - 1)", [0], "argument of log"),
        ("sqrt(x) + x**2", ["-1/4"], "argument of sqrt"),
        ("sqrt(x) + x**2", [0], "argument of sqrt"),  # strict: sqrt is not C^3 at 0
        ("x**(5/2) + x", [0], "non-integer power"),
        ("acosh(x)", [1], "acosh"),
        ("asin(x) + acos(x)", ["3/2"], "asin"),
        ("1/x + x", [0], "x != 0"),
        ("tan(x)", [0], None),  # inside the domain: no refusal (checked below)
    ],
)
def test_points_outside_the_domain_are_refused(f, x, fragment):
    if fragment is None:
        assert sc.certify_sosp(f, x, eps=2, rho=1).holds is True
        return
    with pytest.raises(sc.InputError, match="not smooth") as info:
        sc.certify_sosp(f, x, eps="1e-6", rho=1)
    assert fragment in str(info.value)
    with pytest.raises(sc.InputError):
        sc.certify_strict_saddle_point(f, x, gamma=1)


@pytest.mark.parametrize("f", ["x**2 + acos(2)", "x**2 + (-1)**(1/3)", "(-2)**x", "x + asin(-3)"])
def test_constants_outside_their_domain_are_refused_at_once(f):
    with pytest.raises(sc.InputError, match="not real"):
        sc.Objective(f)


def test_negative_base_to_a_variable_power_is_input_error_not_runtime_error():
    with pytest.raises(sc.InputError, match=r"\(-2\)\*\*x|-2 > 0"):
        sc.certify_sosp("(-2)**x", [0], eps=1, rho=1)


@pytest.mark.parametrize(
    "call",
    [
        lambda o, b: sc.smoothness(o, b),
        lambda o, b: sc.critical_points(o, b),
        lambda o, b: sc.check_strict_saddle(o, b, theta=1, gamma=1, zeta="1/10"),
    ],
    ids=["smoothness", "critical_points", "check_strict_saddle"],
)
def test_boxes_where_f_is_undefined_are_refused(call):
    obj, box = sc.Objective(LOG_BOX), sc.Box([("-1/2", "1/2")])
    with pytest.raises(sc.InputError, match="argument of log"):
        call(obj, box)


def test_box_that_reaches_the_domain_boundary_is_refused_inside_is_fine():
    obj = sc.Objective("log(x**2 - 1) + x**2")
    assert obj.domain.on_box(sc.Box([(2, 3)])).holds is True
    assert obj.domain.on_box(sc.Box([(1, 3)])).holds is None  # x**2 - 1 = 0 at 1
    assert obj.domain.on_box(sc.Box([("-1/2", "1/2")])).holds is False
    with pytest.raises(sc.InputError, match="split it away"):
        obj.domain.require_box(sc.Box([(1, 3)]), "test")


def test_domain_conditions_are_exposed_on_the_objective():
    obj = sc.Objective("log(x**2 - 1) + 2*x**2 + 1/y")
    conds = {(c.kind, str(c.expr), c.reason) for c in obj.domain.conditions}
    assert ("positive", "x**2 - 1", "argument of log") in conds
    assert any(k == "nonzero" and e == "y" for k, e, _ in conds)
    assert obj.domain.at_point([2, 1]).holds is True
    res = obj.domain.at_point([0, 1])
    assert res.holds is False and res.failed.reason == "argument of log"
    assert sc.Objective("x**2 + y**2").domain.conditions == ()


def test_undecided_domain_gives_no_verdict():
    # sin(pi) = 0 cannot be proved nor refuted by balls: the certificate is undecided
    c = sc.certify_sosp("x**2 + 0*cot(pi*x)", [1], eps=3, rho=1)
    assert c.holds is None and "cannot prove" in c.reason
    s = sc.certify_strict_saddle_point("-x**2 + 0*cot(pi*x)", [1], gamma=1)
    assert s.holds is None and "cannot prove" in s.reason


def test_domain_proof_is_recorded_and_rechecked():
    c = sc.certify_sosp("x**3/x + y**2", ["1/3", 0], eps="1e-3", rho=1)
    data = json.loads(c.to_json())
    assert {k: data["domain"][0][k] for k in ("kind", "expr")} == {"kind": "nonzero", "expr": "x"}
    assert c.holds is False and sc.verify_certificate(c.to_json())
    stored = sc.Objective(data["objective"], variables=data["variables"])  # the written form
    assert [str(k.expr) for k in stored.domain.conditions] == ["x"]
    # a certificate at 0 whose (forged) domain list says x != 0 must not verify
    good = json.loads(sc.certify_sosp("x**2 + y**2", [0, 0], eps="1e-3", rho=1).to_json())
    assert sc.verify_certificate(json.dumps(good))
    forged = dict(good, domain=[{"kind": "nonzero", "expr": "x", "reason": "denominator"}])
    forged["digest"] = _digest(forged)
    assert sc.verify_certificate(json.dumps(forged)) is False


# -- 2. kinks and jumps ----------------------------------------------------------------


@pytest.mark.parametrize(
    "pw", ["Piecewise((x, x < 0), (x**2, True))", "Piecewise((x**2 - 100, x < 0), (x**2, True))"]
)
def test_points_on_a_piece_boundary_are_not_certified(pw):
    with pytest.raises(sc.InputError, match="boundary between two pieces"):
        sc.certify_sosp(sympy.sympify(pw), [0], eps="1e-9", rho=0)
    with pytest.raises(sc.InputError, match="boundary between two pieces"):
        sc.certify_sosp(pw, [0], eps="1e-9", rho=0)


def test_points_inside_a_piece_are_certified_and_inner_domains_are_guarded():
    obj = sc.Objective("Piecewise((log(x), x > 0), (x**2, True))")
    c = sc.certify_sosp(obj, ["-1/10"], eps=1, rho=1)
    assert c.holds is True and sc.verify_certificate(c.to_json())  # log(x) not chosen here
    with pytest.raises(sc.InputError, match="boundary"):
        sc.certify_sosp(obj, [0], eps=1, rho=1)
    assert obj.domain.on_box(sc.Box([(-1, "-1/2")])).holds is True
    assert obj.domain.on_box(sc.Box([(-1, 1)])).holds is None


# -- 3. inexact inputs -------------------------------------------------------------------


def test_longdouble_point_is_read_exactly():
    x = np.longdouble(1) + np.longdouble(2) ** -60
    assert sc.certify_sosp("x**2/2", [x], eps=1, rho=1).holds in (False, None)
    assert sc.certify_sosp("x**2/2", np.array([x]), eps=1, rho=1).holds in (False, None)


def test_longdouble_matrix_is_read_exactly():
    a = np.longdouble(1) + np.longdouble(2) ** -60
    true = 1 + Fraction(1, 2**60)
    for H in (np.diag([a, a]), [[a, 0], [0, a]]):
        lo, hi = lambda_min_enclosure(H)
        assert Fraction(lo) <= true <= Fraction(hi)
    with pytest.raises(sc.InputError):
        lambda_min_enclosure(np.eye(2, dtype=np.clongdouble))


@pytest.mark.parametrize(
    "value, exact",
    [
        (np.float16(0.1), Fraction(819, 8192)),
        (np.float32(0.1), Fraction(13421773, 134217728)),
        (decimal.Decimal("0.1"), Fraction(1, 10)),
        (np.longdouble(1) / 3, Fraction(*(np.longdouble(1) / 3).as_integer_ratio())),
    ],
)
def test_every_number_type_is_its_exact_value(value, exact):
    assert sc.Box([(value, 1)]).intervals[0][0] == exact
    c = sc.certify_sosp("x**2", [value], eps=1, rho=1)
    assert c.x == (exact,)


@pytest.mark.parametrize(
    "bad",
    [np.clongdouble(1), 1j, decimal.Decimal("nan"), decimal.Decimal("inf"), np.longdouble("inf")],
)
def test_complex_and_non_finite_numbers_are_refused(bad):
    with pytest.raises(sc.InputError):
        sc.certify_sosp("x**2", [bad], eps=1, rho=1)


# -- 4. absurd sizes and things that are not formulas -----------------------------------


@pytest.mark.parametrize(
    "x",
    ["1e1000000", "1e-5000", "1" * 5000, 10**5000],
    ids=["1e1000000", "1e-5000", "digits", "int"],
)
def test_huge_coordinates_are_refused_fast(x):
    t0 = time.perf_counter()
    with pytest.raises(sc.InputError, match=r"limit|bits"):
        sc.certify_sosp("x**2", [x], eps=1, rho=1)
    assert time.perf_counter() - t0 < 2


@pytest.mark.parametrize(
    "f", ["9**9**9**9", "x**(-10**10)", "x**100000", "x*1e100000", "x + 2**(10**6)", "x**1001"]
)
def test_huge_formulas_are_refused_fast(f):
    t0 = time.perf_counter()
    with pytest.raises(sc.InputError, match=r"exponent|bits|limit"):
        sc.Objective(f)
    assert time.perf_counter() - t0 < 2


def test_largest_accepted_exponent():
    assert sc.Objective("x**1000").degree == 1000


@pytest.mark.parametrize(
    "text", ["[x, 1]", "(x,1)", "{x:1}", "x == 1", "...", "'abc'", "x.func", "x; y", "lambda: x"]
)
def test_non_formulas_are_input_errors(text):
    with pytest.raises(sc.InputError):
        sc.Objective(text)


def test_box_from_string_refuses_non_strings_and_empty_interiors():
    with pytest.raises(sc.InputError, match="not a string"):
        sc.Box.from_string(None)
    with pytest.raises(sc.InputError, match="empty interior"):
        sc.Box.from_string("1:1,-2:2")
    assert sc.Box.from_string("-2:2,0:1/2").dim == 2


# -- 5. SymPy's rewriting ---------------------------------------------------------------


@pytest.mark.parametrize(
    "assumption", ["integer", "positive", "nonnegative", "complex", "rational", "negative"]
)
def test_symbols_with_assumptions_are_refused(assumption):
    x = sympy.Symbol("x", **{assumption: True})
    with pytest.raises(sc.InputError, match=assumption):
        sc.Objective(sympy.sin(sympy.pi * x) + x**2 / 2 + 1 / (2 + x**2))


def test_real_symbols_are_fine_and_examples_of_the_issue_are_refused():
    xr = sympy.Symbol("x", real=True)
    assert sc.Objective(xr**2).variable_names == ("x",)
    xi = sympy.Symbol("x", integer=True)
    with pytest.raises(sc.InputError, match="integer"):
        sc.certify_sosp(sympy.sin(sympy.pi * xi) + xi**2 / 2, ["1/2"], eps=1, rho=1)
    yp = sympy.Symbol("y", positive=True)
    with pytest.raises(sc.InputError, match="positive"):
        sc.certify_sosp(sympy.sqrt(yp**2), [-1], eps=1, rho=1)


@pytest.mark.parametrize(
    "f, x, fragment",
    [
        ("x**3/x", [0], "x != 0"),
        ("exp(log(x))**2", ["-1/1000"], "argument of log"),
        ("sqrt(x)**4", ["-1/1000"], "argument of sqrt"),
    ],
)
def test_conditions_come_from_the_formula_as_written(f, x, fragment):
    with pytest.raises(sc.InputError, match="not smooth") as info:
        sc.certify_sosp(f, x, eps=1, rho=1)
    assert fragment in str(info.value)


def test_a_cancelled_variable_stays_a_variable_with_its_condition():
    obj = sc.Objective("(x/x)*y**2")
    assert obj.variable_names == ("x", "y") and obj.expr == sympy.Symbol("y") ** 2
    assert [(c.kind, str(c.expr)) for c in obj.domain.conditions] == [("nonzero", "x")]
    with pytest.raises(sc.InputError, match="x != 0"):
        sc.certify_sosp(obj, [0, 0], eps=1, rho=1)
    assert sc.certify_sosp(obj, [1, 0], eps=1, rho=1).holds is True


def test_sympy_expression_conditions_are_those_received():
    x = sympy.Symbol("x")
    obj = sc.Objective(x**3 / x)  # SymPy already made this x**2: nothing to recover
    assert obj.domain.conditions == ()
    assert Domain(collect(sympy.log(x)), (x,)).at_point([Fraction(-1)]).holds is False


# -- 6. messages ------------------------------------------------------------------------


def test_log_on_a_box_away_from_zero_is_not_refused():
    k = sc.smoothness(sc.Objective("log(x)"), sc.Box([("1/1000", 1)]))
    assert 1e6 <= k.ell <= 1.2e6 and 2e9 <= k.rho <= 2.4e9


def test_two_symbols_with_one_name_are_refused():
    a, b = sympy.Symbol("x"), sympy.Symbol("x", real=True)
    with pytest.raises(sc.InputError, match="both named 'x'"):
        sc.Objective(a**2 + b**2)
    with pytest.raises(sc.InputError, match="both named 'x'"):
        sc.Objective(a**2 + sympy.Dummy("x") ** 2)
    with pytest.raises(sc.InputError, match="both named 'x'"):
        sc.Objective(a**2, variables=[b])
    assert sc.Objective(b**2, variables=["x"]).variables == (b,)  # a name means f's symbol


# -- 7. issue 16: input read silently wrong ---------------------------------------------


def test_non_ascii_names_are_refused():
    with pytest.raises(sc.InputError, match="non-ASCII"):
        sc.Objective("x² - y²")
    with pytest.raises(sc.InputError, match="ASCII"):
        sc.Objective(sympy.Symbol("x²") ** 2)


def test_imaginary_unit_is_refused_and_E_is_eulers_number():
    with pytest.raises(sc.InputError, match="imaginary unit"):
        sc.Objective("x**2 - I**2*y**2")
    with pytest.raises(sc.InputError, match="Euler"):
        sc.Objective(sympy.Symbol("E") * 2, variables=[sympy.Symbol("E")])
    obj = sc.Objective("x**2 + E*y")
    assert obj.variable_names == ("x", "y") and obj.expr.has(sympy.E)


def test_objective_is_callable():
    obj = sc.Objective("x**2 + 3*y")
    assert obj([1.0, 2.0]) == obj.value([1.0, 2.0]) == 7.0
    assert obj([1, 2], dps=30) == obj.value([1, 2], dps=30)


# -- the domain proof against an independent oracle -----------------------------------

_LEAVES = st.sampled_from(["x", "y", "1", "2", "1/2", "-1", "-3/2", "x**2", "x*y"])
_UNARY = ["log({})", "sqrt({})", "atanh({})", "asin({})", "acos({})", "acosh({})", "tan({})",
          "cot({})", "exp({})", "sin({})", "1/({})", "({})**(1/3)", "({})**(-2)", "({})**3/({})",
          "Piecewise(({}, x < 1/2), (x**2, True))"]  # fmt: skip
_BINARY = ["({})+({})", "({})*({})", "({})-({})", "({})/({})"]
_FORMULAS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda u, a: u.replace("{}", a), st.sampled_from(_UNARY), inner),
        st.builds(lambda b, a, c: b.format(a, c), st.sampled_from(_BINARY), inner, inner),
    ),
    max_leaves=6,
)
_ENDS = st.sampled_from([Fraction(k, 4) for k in range(-8, 9)])
_X, _Y = sympy.symbols("x y")


def _real_everywhere_at(written: sympy.Expr, x: tuple[Fraction, Fraction]) -> bool:
    """Oracle: every subexpression of ``f`` as written that is evaluated at ``x`` (in a
    Piecewise: the conditions up to the chosen piece, and that piece) is finite and
    real there, by SymPy's own evaluation at 30 digits (no saddlecheck code)."""
    sub = {_X: sympy.Rational(x[0].numerator, x[0].denominator),
           _Y: sympy.Rational(x[1].numerator, x[1].denominator)}  # fmt: skip

    def value(node):
        try:
            val = sympy.N(sympy.sympify(node).xreplace(sub), 30)
        except Exception:
            return None
        bad = val.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or not val.is_real
        return None if bad else val

    def ok(node) -> bool:
        if node.is_Atom:
            return True
        if isinstance(node, sympy.Piecewise):
            for piece, cond in node.args:
                if cond is sympy.true:
                    return ok(piece)
                lhs, rhs = cond.args
                a, b = (value(t) if ok(t) else None for t in (lhs, rhs))
                if a is None or b is None:
                    return False
                if bool(cond.func(a, b)):
                    return ok(piece)
            return False
        return all(ok(a) for a in node.args) and value(node) is not None

    return ok(written)


@settings(max_examples=examples(60), deadline=None)
@given(f=_FORMULAS, x=_ENDS, y=_ENDS, w=_ENDS, h=_ENDS)
def test_proved_domain_is_real_by_the_oracle(f, x, y, w, h):
    """Zero wrong proofs: a point (box) whose domain is proved is one where every
    subexpression of f is real (at the corners and centre of the box)."""
    try:
        obj = sc.Objective(f, variables=["x", "y"])
    except sc.InputError:
        return
    if obj.domain.at_point((x, y)).holds is True:
        assert _real_everywhere_at(obj.written, (x, y)), (f, x, y)
    box = sc.Box([(min(x, w), max(x, w)), (min(y, h), max(y, h))])
    if obj.domain.on_box(box).holds is True:
        (a, b), (c, d) = box.intervals
        for p in [(a, c), (a, d), (b, c), (b, d), ((a + b) / 2, (c + d) / 2)]:
            assert _real_everywhere_at(obj.written, p), (f, box, p)


def test_sympy_floats_are_read_as_their_binary_value_within_the_size_limit():
    """A SymPy Float is the binary number it holds (not a crash in as_integer_ratio),
    and a huge one is refused like any other number beyond the limit."""
    from saddlecheck._validation import to_rational

    assert to_rational(sympy.Float("0.1"), "x") == Fraction(0.1)
    assert to_rational(sympy.Float(-2.5), "x") == Fraction(-5, 2)
    wide = sympy.Float("0.5200000339084201388888888888888888888889", 40)  # 133 bits, not 53
    assert to_rational(wide, "x") == Fraction(*wide._mpf_[1:2], 1) * Fraction(2) ** wide._mpf_[2]
    assert to_rational(wide, "x") != Fraction(float(wide))
    with pytest.raises(sc.InputError, match="limit"):
        to_rational(sympy.Float("1e5000"), "x")  # 16,610 bits (1e1000000 takes SymPy 50 s)

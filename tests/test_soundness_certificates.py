"""Soundness of certificates and of their checker (issue 11, items 6, 8 and 9).

Claims:

* the producer never crashes: an answer, ``None`` with a reason, or
  ``InputError`` (values far outside float64, e.g. ``exp(800)``, are numbers
  like any other for ball arithmetic);
* the checker never crashes and never accepts what it should not: NaN,
  infinities, JSON floats, unknown fields, swapped bounds, a reason that
  contradicts the verdict, huge integers, deep nesting and wrong types are
  ``InputError`` or ``False``;
* producer and checker agree: an honest certificate verifies (its verdict is a
  function of the stored exact bounds, which the checker re-proves), and a
  re-signed certificate whose claim was changed verifies only if the new claim
  is true (checked against mpmath at 1,300 digits, exact where rational).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from _budget import examples
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

import saddlecheck as sc
from saddlecheck import InputError, Objective
from saddlecheck.certificates.certify import (
    certify_sosp,
    certify_strict_saddle_point,
    verify_certificate,
)
from saddlecheck.certificates.schema import digest, fmt, parse_q, qstr
from saddlecheck.cli import main

TOY = "x**4/4 - x**2/2 + y**2/2"


def resign(data: dict) -> str:
    """A forgery: edited content with a recomputed digest (so only the re-check can catch it)."""
    data = json.loads(json.dumps(data))
    data["digest"] = digest(data)
    return json.dumps(data)


def rejected(text: object) -> bool:
    """The checker refuses ``text``: ``False``, or ``InputError`` (nothing else may escape)."""
    try:
        return verify_certificate(text) is False
    except InputError:
        return True


def honest(f: str = TOY, x=(1, 0), eps="1/1000000", rho=12) -> dict:
    c = certify_sosp(f, list(x), eps=eps, rho=rho)
    text = c.to_json()
    assert verify_certificate(text) is True, c.explain()
    return json.loads(text)


# ------------------------------------------------------------------ item 6: crashes


@pytest.mark.parametrize(("f", "x"), [("exp(x)", 800), ("exp(x**2)", 30), ("exp(x)", -800)])
def test_beyond_float64_is_answered_and_verifies(f, x):
    """exp(800) ~ 1e347 and exp(900) ~ 1e390: ball arithmetic has no float64 range limit."""
    c = certify_sosp(f, [x], eps=1, rho=1)
    want = x < 0  # exp(-800): gradient ~ 1e-348 <= 1 and lambda_min > 0
    assert c.holds is want, c.explain()
    assert verify_certificate(c.to_json()) is True
    assert c.grad_norm[0] <= c.grad_norm[1] and not math.isnan(c.grad_norm[1])
    if x > 0:
        assert c.grad_norm[1] == math.inf  # the float view says "beyond float64"
        lo = Fraction(json.loads(c.to_json())["grad_norm"][0].split("*")[0])
        assert lo > 0  # the JSON keeps the exact value


@pytest.mark.parametrize("depth", [9, 1000, 100_000])
def test_deeply_nested_json_is_input_error(depth):
    with pytest.raises(InputError, match="nested"):
        verify_certificate("[" * depth + "]" * depth)


def test_deep_nesting_inside_a_certificate_is_input_error():
    data = honest()
    data["evidence"]["lower"]["how"] = json.loads("[" * 50 + "]" * 50)
    assert rejected(resign(data))
    with pytest.raises(InputError, match="nested"):
        verify_certificate(resign(data))


# ------------------------------------------------------------------ item 8: trust


def _set(data: dict, path: tuple, value) -> dict:
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return data


TAMPERS = {
    "lambda_min upper NaN": (("lambda_min", 1), float("nan")),
    "grad_norm upper NaN": (("grad_norm", 1), float("nan")),
    "grad_norm upper inf": (("grad_norm", 1), float("inf")),
    "lambda_min lower -inf": (("lambda_min", 0), float("-inf")),
    "lambda_min as floats": (("lambda_min",), [0.5, 2.0]),
    "NaN string": (("lambda_min", 1), "nan"),
    "inf string": (("grad_norm", 1), "inf"),
    "shift NaN": (("evidence", "lower", "shift"), float("nan")),
    "eps float": (("eps",), 1e-6),
    "x as numbers": (("x",), [1, 0]),
    "holds as string": (("holds",), "true"),
    "holds as 1": (("holds",), 1),
    "variables as string": (("variables",), "x,y"),
    "prec as string": (("evidence", "prec"), "53"),
    "prec as bool": (("evidence", "prec"), True),
    "v as dict": (("evidence", "upper", "v"), {"0": "1"}),
    "huge integer string": (("evidence", "lower", "shift"), "1" + "0" * 300_000),
    "huge binary exponent": (("evidence", "upper", "bound"), "1*2**99999999"),
    "zero denominator": (("evidence", "upper", "bound"), "1/0"),
    "decimal notation": (("eps",), "1e-6"),
    "how free text": (("evidence", "lower", "how"), "x is the global minimum"),
    "reason contradicts": (("reason",), "lambda_min < -sqrt(rho eps) proved (witness direction)"),
    "reason free text": (("reason",), "x is the global minimum"),
    "swapped lambda_min": (("lambda_min",), None),  # filled below
    "swapped grad_norm": (("grad_norm",), None),
    "swapped norm2": (("evidence", "grad", "norm2"), None),
    "kind unknown": (("kind",), "global_minimum"),
    "format old": (("format",), "saddlecheck-certificate/1"),
}


BASES = {
    "exact": lambda: honest(),
    "ball": lambda: honest("exp(x)*cos(y) - x/2 + y**2", (0, 0)),  # ||grad|| = 1/2 > eps
}


@pytest.mark.parametrize("base", sorted(BASES))
@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampered_certificates_are_rejected(name, base):
    data = BASES[base]()
    path, value = TAMPERS[name]
    if value is None:  # swap the two ends
        node = data
        for k in path:
            node = node[k]
        value = [node[1], node[0]]
        if value[0] == value[1]:  # an exact enclosure: nothing to swap
            assert base == "exact"
            return
    _set(data, path, value)
    assert rejected(resign(data)), name
    assert rejected(json.dumps(data)), name  # and with the stale digest


@pytest.mark.parametrize(
    ("where", "key"), [((), "note"), (("evidence",), "note"), (("evidence", "upper"), "w")]
)
def test_unknown_fields_are_refused(where, key):
    data = honest()
    node = data
    for k in where:
        node = node[k]
    node[key] = "x is the global minimum"
    with pytest.raises(InputError, match="unknown"):
        verify_certificate(resign(data))


def test_cli_verify_refuses_an_extra_claim(tmp_path, capsys):
    data = honest()
    data["note"] = "x is the global minimum"
    path = tmp_path / "cert.json"
    path.write_text(resign(data))
    code = main(["verify", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and "VALID" not in out and "unknown fields ['note']" in err


def test_reason_of_the_other_verdict_is_rejected():
    """A certificate keeps its verdict but borrows the reason of another one."""
    good, bad = honest(x=(1, 0)), honest(x=(0, 0))
    assert good["holds"] is True and bad["holds"] is False
    good["reason"] = bad["reason"]
    assert verify_certificate(resign(good)) is False


def test_json_nan_literal_and_long_integer_literal_are_input_errors():
    text = json.dumps(honest())
    with pytest.raises(InputError, match="JSON number"):
        verify_certificate(text.replace('"prec": 53', '"prec": NaN', 1))
    with pytest.raises(InputError, match="JSON number"):
        verify_certificate(text.replace('"prec": 53', '"prec": ' + "9" * 5000, 1))
    with pytest.raises(InputError, match="JSON number"):
        verify_certificate(text.replace('"holds": true', '"holds": 1e999', 1))


def test_undecided_verdict_is_decided_by_raising_precision_and_checker_agrees():
    """exp(x) - x at 1e-20: ||grad|| = e^(1e-20) - 1 = 1e-20 (1 + 5e-21) > eps = 1e-20.

    The producer used to round its ||grad||^2 bounds to 53 bits (undecided) and
    the checker, deciding it, rejected that honest certificate."""
    c = certify_sosp("exp(x)-x", ["1e-20"], eps="1e-20", rho=1)
    assert c.holds is False and "||grad f(x)|| > eps proved" in c.reason
    assert verify_certificate(c.to_json()) is True
    lo, hi = (parse_q(t, "") for t in json.loads(c.to_json())["evidence"]["grad"]["norm2"])
    assert Fraction(1, 10**40) < lo <= hi < Fraction(1, 10**40) * (1 + Fraction(1, 10**19))


def test_honest_undecided_certificate_verifies_and_forging_a_verdict_does_not():
    """lambda_min = -sqrt(2) = -sqrt(rho eps) exactly (irrational): undecided, honestly."""
    c = certify_sosp("x**2/2 + x*y - y**2/2", [0, 0], eps=2, rho=1)
    assert c.holds is None
    assert verify_certificate(c.to_json()) is True
    for holds in (True, False):
        data = json.loads(c.to_json())
        data["holds"] = holds
        assert verify_certificate(resign(data)) is False


# ------------------------------------------------------------------ item 9: sizes


@pytest.mark.parametrize(
    ("f", "x", "eps", "want"),
    [
        ("log(x)", "1e-300", 1, False),  # f'(x) = 1e300
        # f' = 1e300 <= eps = 1e301 and f'' = -1e600 >= -sqrt(rho eps) ~ -3e800 (rho = 1e1300)
        ("log(x)", "1e-300", "1e301", True),
        ("x**2*10**400", 1, 1, False),
        ("x**2/2", "1e-3000", "1e-300", True),
        ("x**4", Fraction(1, 3**3000), 1, True),  # ||grad||^2 has an 8,590-digit denominator
        ("x**1000", "1/2", 1, True),
    ],
)
def test_extreme_sizes_answer_and_verify(f, x, eps, want):
    rho = 10**1300 if f == "log(x)" and eps != 1 else 1
    c = certify_sosp(f, [x], eps=eps, rho=rho)
    assert c.holds is want, c.explain()
    text = c.to_json()
    assert verify_certificate(text) is True
    assert "e+" in c.explain() or "e-" in c.explain() or f == "x**1000"


@pytest.mark.parametrize(("x", "eps"), [("1e999", 1), (0, "1e999"), ("1e-999", "1e-999")])
def test_explain_at_huge_and_tiny_numbers(x, eps):
    c = certify_sosp("x**2", [x], eps=eps, rho=1)
    text = c.explain()
    assert "e+999" in text or "e-999" in text
    assert verify_certificate(c.to_json()) is True


def test_huge_exponents_are_refused_with_input_error_not_a_crash():
    for f, x in [("x**100000", "1/2"), ("exp(x**2)", 10**6)]:
        with pytest.raises(InputError):
            certify_sosp(f, [x], eps=1, rho=1)


def test_strict_saddle_point_beyond_float64():
    c = certify_strict_saddle_point("exp(x) - exp(2*x)/2", [800], gamma=1)
    assert c.holds is True and verify_certificate(c.to_json()) is True


def test_exact_number_strings_round_trip_at_any_size():
    for q in [Fraction(0), Fraction(-3, 4), Fraction(5, 2**300), Fraction(7 * 2**500),
              Fraction(1, 10**9000), Fraction(-(3**20000), 7)]:  # fmt: skip
        assert parse_q(qstr(q), "q") == q
    with pytest.raises(InputError):
        parse_q("1" * 200_001, "q")


# ------------------------------------------------------------------ agreement, fuzzed


def _at(expr: sympy.Expr, s: sympy.Symbol, xq: sympy.Rational) -> sympy.Expr:
    """``expr`` at ``xq``: exact for rational functions, else mpmath at 1,300 digits.

    The oracle decides only outside a relative ``1e-300`` of the threshold; with
    terms of size ~1 cancelling (``exp(x) - 1`` at ``x = 1e-237``) the absolute
    error here is ~1e-1300, far inside that. (SymPy's own evaluation of
    ``(1 + x**2)**(-3/2)`` at big rationals factors integers, and can fail.)"""
    if expr.is_rational_function(s) and not expr.atoms(sympy.NumberSymbol):
        return expr.subs(s, xq)
    with mpmath.workdps(1300):
        v = sympy.lambdify(s, expr, "mpmath")(mpmath.mpf(int(xq.p)) / int(xq.q))
        return sympy.Float(mpmath.nstr(v, 1290), 1290)


def _oracle(f: str, x: Fraction, eps: Fraction, rho: Fraction) -> bool | None:
    """The eps-SOSP verdict at 1,300 digits (exact where rational), None within 1e-300 relative."""
    s = sympy.Symbol("x")
    e = sympy.sympify(f)
    xq = sympy.Rational(x.numerator, x.denominator)
    g, h = abs(_at(sympy.diff(e, s), s, xq)), _at(sympy.diff(e, s, 2), s, xq)
    E, thr = sympy.Rational(eps), -sympy.sqrt(sympy.Rational(rho * eps)).evalf(1300)
    tol = sympy.Float("1e-300", 1300)
    grad = True if g < E * (1 - tol) else (False if g > E * (1 + tol) else None)
    hess = True if h > thr + tol * abs(thr) else (False if h < thr - tol * abs(thr) else None)
    if grad is False or hess is False:
        return False
    return True if grad and hess else None


FUNCS = ["x**2/2 - 3*x", "x**4/4 - x**2/2", "exp(x) - x", "log(1 + x**2)",
         "sin(x) + x**2/4", "sqrt(1 + x**2)", "x*exp(-x**2)", "x**3/3 - x"]  # fmt: skip


def _scaled(m: int, k: int) -> Fraction:
    return Fraction(m) * Fraction(10) ** k


@settings(max_examples=examples(30))
@given(
    f=st.sampled_from(FUNCS),
    x=st.builds(_scaled, st.integers(-9, 9), st.integers(-300, 300)),
    eps=st.builds(_scaled, st.integers(1, 9), st.integers(-300, 5)),
    rho=st.sampled_from([Fraction(0), Fraction(1), Fraction(10) ** 300, Fraction(1, 10**300)]),
)
@example(f="exp(x) - x", x=Fraction(1, 10**20), eps=Fraction(1, 10**20), rho=Fraction(1))
@example(f="exp(x) - x", x=_scaled(1, -104), eps=Fraction(1), rho=Fraction(0))  # tight witness
@example(f="exp(x) - x", x=_scaled(1, 39), eps=Fraction(1), rho=Fraction(0))  # exp(1e39)
@example(f="exp(x) - x", x=_scaled(1, -237), eps=_scaled(1, -237), rho=Fraction(0))  # 5e-475
@example(f="x*exp(-x**2)", x=_scaled(1, 2), eps=Fraction(1), rho=Fraction(0))  # H ~ 2^-14427
@example(f="x*exp(-x**2)", x=_scaled(4, 2), eps=Fraction(1), rho=Fraction(0))  # H ~ 2^-230800
@example(f="log(1 + x**2)", x=_scaled(1, 300), eps=_scaled(2, -300), rho=Fraction(1))
@example(f="x*exp(-x**2)", x=_scaled(3, 1), eps=_scaled(1, -300), rho=Fraction(1))
def test_honest_certificates_verify_and_agree_with_the_oracle(f, x, eps, rho):
    try:
        c = certify_sosp(f, [x], eps=eps, rho=rho)
    except InputError as exc:  # allowed: numbers beyond what a certificate stores
        note(f"refused: {exc}")
        assert any(w in str(exc) for w in ("beyond", "limit", "not finite")), exc
        return
    truth = _oracle(f, x, eps, rho)
    note(f"{c.explain()}\noracle: {truth}")
    if c.holds is not None and truth is not None:
        assert c.holds is truth
    text = c.to_json()
    assert verify_certificate(text) is True  # producer and checker agree, at any scale
    # a changed claim, re-signed, verifies only if it is true
    for key, value in (("eps", eps * 2), ("eps", eps / 2), ("rho", rho * 4 + 1)):
        data = json.loads(text)
        data[key] = qstr(value)
        forged = resign(data)
        if rejected(forged):
            continue
        e2, r2 = (value, rho) if key == "eps" else (eps, value)
        t2 = _oracle(f, x, e2, r2)
        assert t2 is None or data["holds"] is None or data["holds"] is t2, (key, value)


@settings(max_examples=examples(15))
@given(
    n=st.integers(1, 3),
    diag=st.lists(
        st.builds(_scaled, st.integers(-9, 9), st.integers(-300, 300)), min_size=3, max_size=3
    ),
    scale=st.integers(-300, 300),
)
def test_quadratics_at_extreme_scales_agree(n, diag, scale):
    """f = sum d_i x_i^2 / 2 at x = 10^scale (1, ..., 1): exact path, exact truth."""
    xs = sympy.symbols(f"x0:{n}")
    d = [sympy.Rational(q.numerator, q.denominator) for q in diag[:n]]
    f = sum(di * xi**2 for di, xi in zip(d, xs, strict=False)) / 2
    pt = [Fraction(10) ** scale] * n
    eps, rho = Fraction(1, 10**100), Fraction(1)
    c = certify_sosp(Objective(f, xs), pt, eps=eps, rho=rho)
    g2 = sum((q * p) ** 2 for q, p in zip(diag[:n], pt, strict=False))
    lam = min(diag[:n])
    truth = g2 <= eps * eps and (lam >= 0 or lam * lam <= rho * eps)
    assert c.holds is truth
    assert verify_certificate(c.to_json()) is True


def _paths(obj, path=()):
    """Every node of a JSON document, with its path."""
    yield path
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*path, i))


@pytest.mark.parametrize("junk", [None, True, "", "x", [], {}, [[]], ["1"], {"a": "1"}])
def test_every_field_of_every_type_is_rejected_without_a_crash(junk):
    """Replace each node of a certificate by a value of another type: InputError or False."""
    for make in (honest, lambda: honest("exp(x)*cos(y) - x/2 + y**2", (0, 0))):
        base = make()
        for path in _paths(base):
            if not path or path[-1] in ("digest", "format"):
                continue
            data = json.loads(json.dumps(base))
            node = data
            for k in path[:-1]:
                node = node[k]
            if node[path[-1]] == junk:
                continue
            node[path[-1]] = junk
            assert rejected(resign(data)), (path, junk)


def _claims_true(data: dict) -> bool:
    """Every claim of a 1-D eps-SOSP certificate, checked at 1,300 digits."""
    s = sympy.Symbol(data["variables"][0])
    e = sympy.sympify(data["objective"], locals={data["variables"][0]: s})
    q = parse_q(data["x"][0], "x")
    xq = sympy.Rational(q.numerator, q.denominator)
    g, h = abs(_at(sympy.diff(e, s), s, xq)), _at(sympy.diff(e, s, 2), s, xq)
    rat = [sympy.Rational(parse_q(t, "")) for t in (*data["grad_norm"], *data["lambda_min"])]
    ev = data["evidence"]
    shift, bound = (sympy.Rational(parse_q(ev[k][n], "")) for k, n in
                    (("lower", "shift"), ("upper", "bound")))  # fmt: skip
    ok = rat[0] <= g <= rat[1] and rat[2] <= h <= rat[3] and shift <= h <= bound
    eps, rho = parse_q(data["eps"], ""), parse_q(data["rho"], "")
    truth = _oracle(data["objective"], q, eps, rho)
    return bool(ok) and (data["holds"] is None or truth is None or data["holds"] is truth)


NUMERIC = [("x", 0), ("eps",), ("rho",), ("grad_norm", 0), ("grad_norm", 1), ("lambda_min", 0),
           ("lambda_min", 1), ("evidence", "lower", "shift"), ("evidence", "upper", "bound"),
           ("evidence", "grad", "norm2", 0), ("evidence", "grad", "norm2", 1)]  # fmt: skip


@settings(max_examples=examples(40))
@given(
    f=st.sampled_from(FUNCS),
    x=st.builds(_scaled, st.integers(-9, 9), st.integers(-30, 30)),
    path=st.sampled_from(NUMERIC),
    rel=st.sampled_from([Fraction(1, 2**k) for k in (1, 20, 52, 60, 200)]),
    sign=st.sampled_from([1, -1]),
)
def test_forged_numbers_verify_only_when_every_claim_is_true(f, x, path, rel, sign):
    """Move one stored number by a relative ``rel`` (or by ``rel`` when it is 0), re-sign:
    if the checker still accepts, every claim of the forgery must be true."""
    try:
        c = certify_sosp(f, [x], eps=Fraction(1, 10**6), rho=1)
    except InputError:
        return
    data = json.loads(c.to_json())
    node = data
    for k in path[:-1]:
        node = node[k]
    old = parse_q(node[path[-1]], "")
    new = old + sign * (abs(old) * rel if old else rel)
    node[path[-1]] = qstr(new)
    if not rejected(resign(data)):
        note(f"accepted forgery {path} {fmt(old)} -> {fmt(new)}")
        assert _claims_true(data), (path, fmt(old), fmt(new))


_TEXT = None


def _honest_text() -> str:
    global _TEXT
    if _TEXT is None:
        _TEXT = certify_sosp("exp(x)*cos(y) - x/2 + y**2", [0, 0], eps=1, rho=1).to_json()
    return _TEXT


@settings(max_examples=examples(200))
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 3),
                  st.sampled_from([*'[]{}",:0123456789-/*eE.nNaIfty \\', "NaN", "1e999"])),
        min_size=1, max_size=4,
    )
)  # fmt: skip
def test_mangled_text_never_crashes_the_checker(edits):
    """Random edits of a certificate's text: the checker says False or InputError, nothing else;
    an edit that keeps it valid must leave the same document (whitespace only)."""
    text = _honest_text()
    for pos, cut, ins in edits:
        pos %= len(text) + 1
        text = text[:pos] + ins + text[pos + cut :]
    try:
        ok = verify_certificate(text)
    except InputError:
        return
    if ok:
        assert json.loads(text) == json.loads(_honest_text())


@settings(max_examples=examples(30))
@given(
    f=st.sampled_from(FUNCS),
    x=st.builds(_scaled, st.integers(-9, 9), st.integers(-300, 300)),
    gamma=st.builds(_scaled, st.integers(1, 9), st.integers(-300, 300)),
)
@example(f="exp(x) - x", x=_scaled(-1, 7), gamma=Fraction(1))  # f'' = exp(-1e7): 2^-14.4e6
@example(f="x**2/2 - 3*x", x=Fraction(0), gamma=Fraction(1))
@example(f="sqrt(1 + x**2)", x=_scaled(5, -77), gamma=Fraction(1))
def test_strict_saddle_certificates_verify_and_agree(f, x, gamma):
    """lambda_min <= -gamma: honest certificates verify; verdicts match the 1,300-digit oracle."""
    try:
        c = certify_strict_saddle_point(f, [x], gamma=gamma)
    except InputError as exc:
        assert any(w in str(exc) for w in ("beyond", "limit", "not finite")), exc
        return
    s = sympy.Symbol("x")
    h = _at(sympy.diff(sympy.sympify(f), s, 2), s, sympy.Rational(x.numerator, x.denominator))
    g = sympy.Rational(gamma.numerator, gamma.denominator)
    note(c.explain())
    if c.holds is True:
        assert h <= -g
    elif c.holds is False:
        assert h > -g
    assert verify_certificate(c.to_json()) is True
    data = json.loads(c.to_json())
    data["gamma"] = qstr(gamma * 2)
    if not rejected(resign(data)):  # accepted only if the claim holds for 2 gamma
        assert data["holds"] is None or bool(h <= -2 * g) is data["holds"]


# ------------------------------------------------------------------ mixed scales


@pytest.mark.parametrize(
    ("f", "x", "hess", "strict"),
    [
        ("exp(x) + y**2", [800, 0], True, False),  # lambda_min = 2, entries 1e347 and 2
        ("exp(x) - y**2", [800, 0], False, True),
        ("exp(x) + y**2 + x*y/1000", [800, 0], True, False),
        ("exp(x) + y**2/2 - z**2/2 + y*z/4", [900, 0, 0], False, True),  # -sqrt(17)/4
    ],
)
def test_hessians_spanning_beyond_float64_are_decided(f, x, hess, strict):
    """Scaling H into float range loses its small entries; the exact second look decides."""
    c = certify_sosp(f, x, eps=1, rho=1)  # ||grad|| ~ e^800 > 1: False either way
    assert c.holds is False and verify_certificate(c.to_json()) is True
    assert ("lambda_min >= -sqrt(rho eps) proved" in c.reason) is hess, c.reason
    assert ("lambda_min < -sqrt(rho eps) proved" in c.reason) is (not hess), c.reason
    s = certify_strict_saddle_point(f, x, gamma="1/2")
    assert s.holds is strict and verify_certificate(s.to_json()) is True


@settings(max_examples=examples(15))
@given(
    a=st.fractions(-3, 3, max_denominator=7),
    b=st.fractions(-3, 3, max_denominator=7),
    d=st.fractions(-3, 3, max_denominator=7),
    x=st.integers(700, 1200),
    gamma=st.fractions(Fraction(1, 8), 3, max_denominator=8),
)
def test_mixed_scale_strict_saddle_matches_exact_eigenvalues(a, b, d, x, gamma):
    """f = exp(x) + (a y^2 + 2 b y z + d z^2)/2: lambda_min = that of [[a, b], [b, d]]."""
    y, z, xs = sympy.symbols("y z x")
    r = [sympy.Rational(t.numerator, t.denominator) for t in (a, b, d)]
    f = sympy.exp(xs) + (r[0] * y**2 + 2 * r[1] * y * z + r[2] * z**2) / 2
    c = certify_strict_saddle_point(Objective(f, (xs, y, z)), [x, 0, 0], gamma=gamma)
    lam = min(sympy.Matrix([[r[0], r[1]], [r[1], r[2]]]).eigenvals())
    g = sympy.Rational(gamma.numerator, gamma.denominator)
    truth = bool(lam <= -g)
    note(f"{c.explain()} truth {truth}")
    if c.holds is not None:
        assert c.holds is truth
    if sympy.simplify(lam + g) != 0:
        assert c.holds is not None  # decided unless lambda_min = -gamma exactly
    assert verify_certificate(c.to_json()) is True


# ------------------------------------------------------------------ Piecewise


PW = "Piecewise((-x**2/2 + exp(x) - x, x < 0), (x**2 + y**2 - y, x + y < 3), (x**2, True))"


@pytest.mark.parametrize(
    ("x", "want"), [([-1, 0], False), (["1/10", "1/2"], False), (["1/100000000", "1/2"], True)]
)
def test_piecewise_certificates_are_rechecked_on_the_piece_near_the_point(x, want):
    """The checker picks the piece whose conditions hold strictly at x (so near x)."""
    c = certify_sosp(PW, x, eps="1/1000", rho=1)
    assert c.holds is want, c.explain()
    assert verify_certificate(c.to_json()) is True


def test_piecewise_certificate_moved_across_or_onto_a_boundary_is_rejected():
    data = json.loads(certify_sosp(PW, ["1/100000000", "1/2"], eps="1/1000", rho=1).to_json())
    for x in (["-1/100000000", "1/2"], ["0", "1/2"], ["1/100000000", "3"]):
        d = json.loads(json.dumps(data))
        d["x"] = x
        assert rejected(resign(d)), x


def test_issue_point_1e_minus_5000_is_refused_or_answered():
    """to_json() used to raise ValueError (4300-digit limit) at x = 1e-5000."""
    try:
        c = certify_sosp("x**2", ["1e-5000"], eps=1, rho=1)
    except InputError as exc:  # the input boundary's size limit
        assert "1e-5000" in str(exc)
        return
    assert c.holds is True and verify_certificate(c.to_json()) is True


def test_domain_entries_carry_no_free_text():
    """The domain list is regenerated from the stored objective: no text is taken on trust."""
    c = certify_sosp("log(1 + x**2) + 1/(2 + y**2)", [0, 0], eps=1, rho=1)
    data = json.loads(c.to_json())
    assert len(data["domain"]) == 2 and verify_certificate(c.to_json()) is True
    for key, value in (("reason", "x is the global minimum"), ("expr", "x**2 + 2")):
        d = json.loads(json.dumps(data))
        d["domain"][0][key] = value
        assert verify_certificate(resign(d)) is False, key
    d = json.loads(json.dumps(data))
    d["domain"] = d["domain"][1:]  # a condition dropped
    assert verify_certificate(resign(d)) is False


FUNCS2 = ["exp(x)*cos(y) - x/2 + y**2", "log(1 + x**2 + y**2) - x*y", "sin(x)*sin(y) + x**2/4"]


def _claims_true_2d(data: dict) -> bool:
    """Every claim of a 2-D eps-SOSP certificate, at 1,300 digits (closed-form 2 x 2 lambda_min)."""
    x, y = sympy.symbols("x y")
    e = sympy.sympify(data["objective"], locals={"x": x, "y": y})
    pt = [parse_q(t, "") for t in data["x"]]
    with mpmath.workdps(1300):
        args = [mpmath.mpf(q.numerator) / q.denominator for q in pt]
        d1 = [sympy.lambdify((x, y), sympy.diff(e, v), "mpmath")(*args) for v in (x, y)]
        h = [sympy.lambdify((x, y), sympy.diff(e, *vs), "mpmath")(*args)
             for vs in ((x, x), (x, y), (y, y))]  # fmt: skip
        g = mpmath.sqrt(d1[0] ** 2 + d1[1] ** 2)
        lam = (h[0] + h[2]) / 2 - mpmath.sqrt(((h[0] - h[2]) / 2) ** 2 + h[1] ** 2)
        tol = mpmath.mpf(10) ** -300 * (1 + abs(lam) + g)

        def q(t: str):
            r = parse_q(t, "")
            return mpmath.mpf(r.numerator) / r.denominator

        ev = data["evidence"]
        ok = q(data["grad_norm"][0]) <= g + tol and g <= q(data["grad_norm"][1]) + tol
        ok = ok and q(data["lambda_min"][0]) <= lam + tol and lam <= q(data["lambda_min"][1]) + tol
        ok = ok and q(ev["lower"]["shift"]) <= lam + tol and lam <= q(ev["upper"]["bound"]) + tol
        eps, rho = q(data["eps"]), q(data["rho"])
        if data["holds"] is True:
            ok = ok and g <= eps + tol and lam >= -mpmath.sqrt(rho * eps) - tol
        elif data["holds"] is False:
            ok = ok and (g >= eps - tol or lam <= -mpmath.sqrt(rho * eps) + tol)
    return bool(ok)


NUMERIC2 = [p for p in NUMERIC if p[0] != "x"] + [("x", 1), ("evidence", "upper", "v", 0)]


@settings(max_examples=examples(30))
@given(
    f=st.sampled_from(FUNCS2),
    x=st.lists(st.builds(_scaled, st.integers(-9, 9), st.integers(-3, 1)), min_size=2, max_size=2),
    path=st.sampled_from(NUMERIC2),
    rel=st.sampled_from([Fraction(1, 2**k) for k in (1, 20, 52, 60, 200)]),
    sign=st.sampled_from([1, -1]),
)
def test_forged_numbers_in_two_dimensions_verify_only_when_true(f, x, path, rel, sign):
    c = certify_sosp(f, x, eps=Fraction(1, 10**3), rho=1)
    data = json.loads(c.to_json())
    assert verify_certificate(c.to_json()) is True and _claims_true_2d(data)
    node = data
    for k in path[:-1]:
        if k not in node if isinstance(node, dict) else k >= len(node):
            return  # (no witness vector in this certificate)
        node = node[k]
    if path[-1] not in node if isinstance(node, dict) else path[-1] >= len(node):
        return
    old = parse_q(node[path[-1]], "")
    node[path[-1]] = qstr(old + sign * (abs(old) * rel if old else rel))
    if not rejected(resign(data)):
        note(f"accepted forgery {path}")
        assert _claims_true_2d(data), path


@pytest.mark.parametrize(
    "f", ["x**2 + (atan(1/2) + atan(1/3))*x", "asin(x) + x**2", "acos(x/2) + x**2", "atan(x)**2"]
)
def test_inverse_trigonometric_objectives_are_re_checked(f):
    """The checker's own interval series for atan/asin/acos (mpmath.iv has none):
    honest certificates verify, and one with a forged gradient bound does not."""
    cert = sc.certify_sosp(f, ["1/10"], eps="1/2", rho=1)
    assert cert.holds is not None
    assert sc.verify_certificate(cert.to_json())
    data = json.loads(cert.to_json())
    data["grad_norm"] = ["0", "0"]  # ||grad f(1/10)|| > 0 for each of these
    assert not sc.verify_certificate(json.dumps(data))


@pytest.mark.parametrize("x", ["0.3", "-0.9", "5", "-1e6", "1e-30", "0", "1", "-1"])
@pytest.mark.parametrize("prec", [53, 200])
def test_checker_atan_encloses_mpmath_at_higher_precision(x, prec):
    import mpmath

    from saddlecheck.certificates import intervals

    iv = intervals._IV
    old = iv.prec
    try:
        iv.prec = prec
        enc = intervals._atan_point(iv.mpf(x))
    finally:
        iv.prec = old
    with mpmath.workprec(prec + 60):
        true = mpmath.atan(mpmath.mpf(x))
    assert enc.a <= true <= enc.b
    assert enc.delta < mpmath.mpf(2) ** (12 - prec) * max(1, abs(true))

"""Printed bounds are bounds (issue 16, "Progress and output").

The shared formatter ``saddlecheck.arith.rounding.format_up`` / ``format_down``
rounds exactly: the printed upper text, read back as a decimal, is ``>=`` the
value, the lower one ``<=``. Every ``explain()`` that prints a proved bound uses
it; inputs (``PGDParams``) print exactly as used.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from fractions import Fraction

import flint
import mpmath
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saddlecheck import InputError, Objective
from saddlecheck.arith.rounding import (
    format_down,
    format_interval,
    format_up,
    format_value,
)
from saddlecheck.box import Box
from saddlecheck.certificates.certify import certify_sosp, certify_strict_saddle_point
from saddlecheck.cli import _format, main
from saddlecheck.landscape import critical_points, smoothness
from saddlecheck.solver.params import iteration_bound, pgd_params

NUM = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf"

fractions = st.builds(
    Fraction,
    st.integers(-(10**400), 10**400),
    st.integers(1, 10**400),
)
floats = st.floats(allow_nan=False, allow_infinity=False)
wide_floats = st.builds(
    lambda m, e, s: s * m * 10.0**e,
    st.floats(1.0, 10.0, exclude_max=True),
    st.integers(-300, 300),
    st.sampled_from([1.0, -1.0]),
)
numbers = st.one_of(fractions, floats, wide_floats, st.integers(-(10**50), 10**50))


def digits_of(text: str) -> int:
    mant = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mant)


@given(numbers, st.integers(1, 20))
def test_up_is_upper_and_down_is_lower(q, digits):
    hi, lo = format_up(q, digits), format_down(q, digits)
    exact = Fraction(q)
    assert Fraction(hi) >= exact, (q, hi)
    assert Fraction(lo) <= exact, (q, lo)
    assert digits_of(hi) <= digits and digits_of(lo) <= digits
    # the tightest such text: one unit of the last printed digit apart at most
    assert Fraction(hi) - Fraction(lo) <= abs(exact) * Fraction(10) ** (1 - digits)


@given(numbers)
def test_exactly_representable_values_print_unchanged(q):
    text = format_up(q, 30)
    if Fraction(text) == Fraction(q):
        assert format_down(q, 30) == text


@given(floats)
def test_value_round_trips(x):
    assert float(format_value(x)) == x


def test_mpf_and_arb_inputs():
    x = mpmath.mpf(1) / 3
    assert format_up(x) == "0.333334" and format_down(x) == "0.333333"
    a = flint.arb(1) / 3  # a ball: its upper end is above 1/3, its lower end below
    assert Fraction(format_up(a, 30)) > Fraction(1, 3) > Fraction(format_down(a, 30))
    assert format_up(flint.arb("inf")) == "inf"
    assert format_up(math.inf) == "inf" and format_down(-math.inf) == "-inf"
    assert format_interval(-math.inf, 1.1102230246251558e-15) == "[-inf, 1.11023e-15]"
    assert format_value(mpmath.mpf(11)) == "11"


@pytest.mark.parametrize("digits", [0, -1, 2.5, True])
def test_bad_digits(digits):
    with pytest.raises(InputError, match="digits="):
        format_up(1.0, digits)


def test_not_a_number():
    with pytest.raises(InputError, match="q="):
        format_down(object())


def test_issue_examples():
    assert format_up(11.0000000076) == "11.0001"  # was "<= 11"
    assert format_up(1.1102230246251558e-15) == "1.11023e-15"  # was 1.11022e-15
    assert format_down(1.1102230246251558e-15) == "1.11022e-15"
    assert format_up(1e300) == "1.00001e+300" and format_down(-1e-300) == "-1.00001e-300"


def test_cli_helpers_use_the_shared_formatter():
    for q in (11.0000000076, Fraction(2, 3), -2.25, 1e-300):
        assert _format.up(q) == format_up(q) and _format.down(q) == format_down(q)
    assert _format.up("n/a") == "n/a"  # not a number: printed as is


# -- every explain() that prints a bound ---------------------------------------


def _intervals(text: str, label: str) -> list[tuple[str, str]]:
    return re.findall(re.escape(label) + rf" in \[({NUM}), ({NUM})\]", text)


def test_sosp_certificate_prints_outward():
    cert = certify_sosp(Objective("x**2/2 + y**2"), ["1/3", "0"], eps=1, rho=1)
    g, lam = cert.grad_norm_exact, cert.lambda_min_exact
    text = cert.explain()
    [(glo, ghi)] = _intervals(text, "||grad f(x)||")
    assert Fraction(glo) <= Fraction(g[0]) and Fraction(ghi) >= Fraction(g[1])
    assert ghi == "0.333334"  # rounding to nearest printed 0.333333 < 1/3
    [(llo, lhi)] = _intervals(text, "lambda_min(Hess f(x))")
    assert Fraction(llo) <= Fraction(lam[0]) and Fraction(lhi) >= Fraction(lam[1])


def test_strict_saddle_certificate_prints_outward():
    cert = certify_strict_saddle_point(Objective("x**2/2 - y**2/3"), [0, 0], "1/10")
    [(lo, hi)] = _intervals(cert.explain(), "lambda_min")
    lam = cert.lambda_min_exact
    assert Fraction(lo) <= Fraction(lam[0]) and Fraction(hi) >= Fraction(lam[1])
    assert Fraction(lo) < Fraction(-2, 3)  # the exact value is -2/3: not printed as -0.666667


def test_critical_points_print_lambda_min_outward():
    pts = critical_points(Objective("x**2/2 - y**2/2"), Box([(-1, 1), (-1, 1)]))
    p = dataclasses.replace(pts.points[0], lambda_min=(-1.0000000076, 1.1102230246251558e-15))
    text = dataclasses.replace(pts, points=(p,)).explain()
    assert "lambda_min in [-1.00001, 1.11023e-15]" in text, text
    for lo, hi in _intervals(pts.explain(), "lambda_min"):
        assert Fraction(lo) <= Fraction(pts.points[0].lambda_min[0])
        assert Fraction(hi) >= Fraction(pts.points[0].lambda_min[1])


def test_smoothness_prints_outward():
    k = smoothness(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)]))
    text = dataclasses.replace(k, ell=11.0000000076, ell_lower=10.9999999, rho=1 / 3).explain()
    assert "ell = sup ||Hess f|| in [10.9999, 11.0001]" in text, text
    assert "0.333334]" in text


def test_params_print_inputs_exactly():
    p = pgd_params(11.0000000076, 1, 0.01, 0.5, 0.1, 0.25, 2)
    text = p.explain()
    assert "ell = 11.0000000076," in text and "eps = 0.01," in text, text
    pm = pgd_params(11.0000000076, 1, 0.01, 0.5, 0.1, 0.25, 2, dps=30)
    m = re.search(r"ell = (\S+),", pm.explain())
    assert mpmath.mpf(m.group(1)) == pm.ell  # round-trips at the run's precision
    b = iteration_bound(p, 1.0, -1 / 3, "given")
    f_star = re.search(rf"f\* >= ({NUM})", b.explain()).group(1)
    assert f_star == "-0.333334" and Fraction(f_star) <= Fraction(-1 / 3)


# -- the command line ----------------------------------------------------------


def test_certify_json_is_strict_json(capsys):
    # ||grad|| = 5e320 is beyond the float range: the float end is null, not Infinity
    code = main(["certify", "x**5", "--point", "1e80", "--eps", "1", "--rho", "1", "--json"])
    out = capsys.readouterr().out
    assert "Infinity" not in out
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert code == doc["exit_code"] == 1
    assert doc["grad_norm"][1] is None and doc["lambda_min"][0] <= 2e241 <= doc["lambda_min"][1]
    man, _, exp = doc["certificate"]["grad_norm"][1].partition("*2**")  # exact: "m*2**e"
    assert Fraction(man) * 2 ** int(exp or 0) >= 5 * Fraction(10) ** 320


def test_run_does_not_call_a_proved_delta_f_given(capsys):
    argv = ["run", "x**4/4 - x**2/2 + y**2/2", "--x0", "1/2,1/2", "--box", "-2:2,-2:2"]
    argv += ["--eps", "0.1", "--max-iter", "50"]
    main(argv)
    out = capsys.readouterr().out
    assert "delta_f is given" not in out, out
    assert "delta_f proved" in out
    main([*argv, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert "given" not in doc["result"]["bound"]["f_star_source"]
    assert doc["sources"]["delta_f"] != "given"
    main([*argv, "--delta-f", "1"])
    assert "delta_f is given" in capsys.readouterr().out  # given: said so

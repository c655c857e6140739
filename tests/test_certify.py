"""eps-SOSP certificates and their independent re-check (issue 3).

Claims: ``certify_sosp`` is True exactly when ``||grad f(x)|| <= eps`` and
``lambda_min(H) >= -sqrt(rho eps)`` are proved, False when one is disproved,
never wrong; degenerate saddles are eps-SOSPs (README, "What 'certified' means"); repeated zero
eigenvalues (matrix factorization's rotations) do not make it undecided;
``verify_certificate`` re-proves every stored number and rejects tampering.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from saddlecheck import Objective
from saddlecheck._validation import InputError
from saddlecheck.certificates.certify import (
    certify_sosp,
    certify_strict_saddle_point,
    verify_certificate,
)
from saddlecheck.certificates.recheck import _digest
from saddlecheck.problems.matrix_factorization import matrix_factorization, rational_orthogonal

TOY = "x**4/4 - x**2/2 + y**2/2"


def resign(data: dict) -> str:
    """A forged certificate: edited content with a recomputed digest."""
    data = dict(data)
    data["digest"] = _digest(data)
    return json.dumps(data)


# ------------------------------------------------------------- the cases


def test_monkey_saddle_is_an_eps_sosp():
    c = certify_sosp("x**3 - 3*x*y**2", [0, 0], eps=1e-6, rho=1)
    assert c.holds is True and c.method == "exact"
    assert c.grad_norm == (0.0, 0.0) and c.lambda_min[0] <= 0 <= c.lambda_min[1]
    assert verify_certificate(c.to_json()) is True
    assert "IS an eps-SOSP" in c.explain()


def test_toy_saddle_false_at_origin_true_at_minimum():
    c0 = certify_sosp(TOY, [0, 0], eps=1e-6, rho=12)
    assert c0.holds is False and c0.lambda_min[1] <= -0.99
    assert "lambda_min < -sqrt(rho eps) proved" in c0.reason
    c1 = certify_sosp(TOY, [1, 0], eps=1e-6, rho=12)
    assert c1.holds is True and c1.lambda_min[0] > 0.99
    for c in (c0, c1):
        assert verify_certificate(c.to_json()) is True


def test_point_given_as_negative_mpf_is_read_exactly():
    c = certify_sosp(TOY, [mpmath.mpf(-1), mpmath.mpf(0)], eps=1e-6, rho=12)
    assert c.x == (Fraction(-1), Fraction(0)) and c.holds is True


@pytest.mark.parametrize(("d", "r"), [(3, 2), (4, 3)])
def test_matrix_factorization_global_minimum_is_proved(d, r):
    """Zero eigenvalues of multiplicity r(r-1)/2 from rotations: True, not None."""
    p = matrix_factorization(d, r)
    c = certify_sosp(p.objective, p.options["V_star"], eps=1e-6, rho=12)
    assert c.holds is True, c.explain()
    assert c.grad_norm == (0.0, 0.0)
    assert c.lambda_min[0] <= 0 <= c.lambda_min[1] < 1e-12
    assert verify_certificate(c.to_json()) is True


def test_matrix_factorization_saddle_at_zero_is_not():
    p = matrix_factorization(3, 2)
    c = certify_sosp(p.objective, [0] * 6, eps=1e-6, rho=12)
    assert c.holds is False and c.lambda_min[1] <= -2 * 4 + 1e-9  # -2 sigma_1, sigma_1 = 4
    assert verify_certificate(c.to_json()) is True


def test_large_gradient_is_disproved():
    c = certify_sosp(TOY, [0.5, 0], eps=1e-6, rho=12)
    assert c.holds is False and c.grad_norm[0] > 0.3
    assert "||grad f(x)|| > eps proved" in c.reason and verify_certificate(c.to_json())


# ------------------------------------------------------------ at the threshold


def test_threshold_with_rational_square_is_decided_exactly():
    """lambda_min = -1/10 and rho eps = 1/100: equality holds, so True (>=)."""
    f = "-x**2/20 + y**2"
    c = certify_sosp(f, [0, 0], eps=Fraction(1, 100), rho=1)
    assert c.holds is True and c.evidence["lower"]["how"] == "exact-psd"
    assert verify_certificate(c.to_json())
    below = certify_sosp(f, [0, 0], eps=Fraction(1, 100), rho=1 - Fraction(1, 2**52))
    assert below.holds is False and verify_certificate(below.to_json())
    above = certify_sosp(f, [0, 0], eps=Fraction(1, 100), rho=1 + Fraction(1, 2**52))
    assert above.holds is True and verify_certificate(above.to_json())


def test_irrational_threshold_equality_is_never_false():
    """H = [[1, 1], [1, -1]] has lambda_min = -sqrt(2) = -sqrt(rho eps) exactly."""
    c = certify_sosp("x**2/2 + x*y - y**2/2", [0, 0], eps=2, rho=1)
    assert c.holds is not False
    assert c.holds is None and "undecided" in c.reason
    assert verify_certificate(c.to_json())
    # a hair away from equality it decides, both ways
    assert certify_sosp("x**2/2 + x*y - y**2/2", [0, 0], eps=2, rho=1.0000001).holds is True
    assert certify_sosp("x**2/2 + x*y - y**2/2", [0, 0], eps=2, rho=0.9999999).holds is False


def test_sqrt_rho_eps_is_not_rounded():
    """lambda_min = -sqrt(rho eps) * (1 + 2^-60): a rounded sqrt could flip this."""
    t = Fraction(1, 3)
    lam = -t * (1 + Fraction(1, 2**60))
    f = sympy.Rational(lam.numerator, lam.denominator) * sympy.Symbol("x") ** 2 / 2
    c = certify_sosp(Objective(f), [0], eps=t * t, rho=1)
    assert c.holds is False and verify_certificate(c.to_json())


@given(
    st.integers(1, 4),
    st.integers(0, 2**31),
    st.lists(st.fractions(-5, 5, max_denominator=9), min_size=4, max_size=4),
    st.sampled_from([-1, 0, 1]),
    st.integers(-60, 60),
)
def test_quadratic_verdict_matches_exact_truth(n, seed, lams, rel, scale):
    """f = x^T H x / 2 with a known spectrum; rho placed so that -sqrt(rho eps) is on,
    or one part in 2^52 above or below, lambda_min. The verdict must be the truth."""
    lams = [v * Fraction(2) ** scale for v in lams[:n]]
    lam = min(lams)
    Q = rational_orthogonal(n, seed)
    D = sympy.diag(*[sympy.Rational(v.numerator, v.denominator) for v in lams])
    H = Q * D * Q.T
    xs = sympy.symbols(f"x0:{n}")
    f = sum(H[i, j] * xs[i] * xs[j] for i in range(n) for j in range(n)) / 2
    eps = Fraction(1, 1000)
    base = lam * lam / eps if lam < 0 else Fraction(1)
    rho = base * (1 + rel * Fraction(1, 2**52))
    truth = lam >= 0 or lam * lam <= rho * eps
    c = certify_sosp(Objective(f, xs), [0] * n, eps=eps, rho=rho)
    assert c.holds is truth, c.explain()
    assert verify_certificate(c.to_json()) is True


def test_rational_function_uses_exact_arithmetic():
    c = certify_sosp("1/(1 + x**2) - y**2/(2 + y**2)", [0, 0], eps=1e-6, rho=1)
    assert c.method == "exact" and c.holds is False  # both curvatures are negative at 0
    assert verify_certificate(c.to_json())


# ------------------------------------------------------------ non-rational: balls


@pytest.mark.parametrize(
    ("f", "x", "want"),
    [
        ("exp(x)*cos(y) - x", [0, 0], False),
        ("log(1 + x**2) + y**2", [0, 0], True),
        ("sin(x) + cosh(y)", [-math.pi / 2, 0], True),
        ("sqrt(1 + x**2) + tanh(y)**2", [0, 0], True),
    ],
)
def test_ball_path(f, x, want):
    c = certify_sosp(f, x, eps=1e-6, rho=12)
    assert c.method == "ball" and c.holds is want, c.explain()
    assert verify_certificate(c.to_json()) is True


# ------------------------------------------------------------- strict saddles


def test_strict_saddle_point_with_witness():
    c = certify_strict_saddle_point("x**2/2 - y**2/2", [0, 0], gamma="1/2")
    assert c.holds is True and c.direction is not None
    assert verify_certificate(c.to_json())
    no = certify_strict_saddle_point("x**2/2 - y**2/2", [0, 0], gamma=2)
    assert no.holds is False and verify_certificate(no.to_json())


def test_strict_saddle_equality_gets_an_exact_direction():
    """H = Q diag(-1, 2) Q^T with Q = [[3, -4], [4, 3]]/5: lambda_min = -1 exactly."""
    f = "(-(3*x + 4*y)**2 + 2*(-4*x + 3*y)**2)/50"
    c = certify_strict_saddle_point(f, [0, 0], gamma=1)
    assert c.holds is True
    v = c.direction
    assert v is not None and v[0] * 4 == v[1] * 3  # parallel to (3, 4)
    assert verify_certificate(c.to_json())
    assert certify_strict_saddle_point(f, [0, 0], gamma=1 + Fraction(1, 10**30)).holds is False


# ------------------------------------------------------------- tampering


def _numbers(obj, path=()):
    """Every stored number (numeric strings included) with its path."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in ("digest", "format"):
                yield from _numbers(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _numbers(v, (*path, i))
    elif isinstance(obj, bool) or obj is None:
        return
    elif isinstance(obj, (int, float)):
        yield path
    elif isinstance(obj, str):
        try:
            Fraction(obj)
        except ValueError:
            return
        yield path


def _set(data, path, value):
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def _get(data, path):
    for k in path:
        data = data[k]
    return data


def _flip(value):
    if isinstance(value, str):
        return str(Fraction(value) + Fraction(1, 7))
    if isinstance(value, int):
        return value + 1
    return value + 0.5 if value == 0 else value * (1 + 2**-20)


@pytest.mark.parametrize("case", ["true", "false", "ball"])
def test_flipping_any_stored_number_is_rejected(case):
    c = {
        "true": lambda: certify_sosp(TOY, [1, 0], 1e-6, 12),
        "false": lambda: certify_sosp(TOY, [0, 0], 1e-6, 12),
        "ball": lambda: certify_sosp("exp(x)*cos(y) - x", [0, 0], 1e-6, 12),
    }[case]()
    text = c.to_json()
    assert verify_certificate(text) is True
    paths = list(_numbers(json.loads(text)))
    assert len(paths) >= 8
    for path in paths:
        data = json.loads(text)
        _set(data, path, _flip(_get(data, path)))
        assert verify_certificate(json.dumps(data)) is False, path


def test_forged_certificates_with_a_valid_digest_are_rejected():
    """The re-check itself, not the digest, catches claims that are false."""
    good = json.loads(certify_sosp(TOY, [1, 0], 1e-6, 12).to_json())
    bad = json.loads(certify_sosp(TOY, [0, 0], 1e-6, 12).to_json())
    forgeries = []
    for data, key, value in [
        (good, "holds", False),
        (good, "holds", None),
        (bad, "holds", True),
        (bad, "holds", None),
        (good, "lambda_min", ["3/2", "2"]),  # lower end above the true lambda_min = 1
        (good, "lambda_min", ["1/2", "9/10"]),  # upper end below it
        (good, "grad_norm", ["1/1000000000", "2/1000000000"]),  # the gradient is exactly 0
        (bad, "rho", "2000000"),  # threshold -sqrt(2) < -1: the False no longer follows
    ]:
        d = json.loads(json.dumps(data))
        d[key] = value
        forgeries.append(d)
    d = json.loads(json.dumps(good))
    d["evidence"]["lower"]["shift"] = "3/2"  # H - 1.5 I is not PD
    forgeries.append(d)
    d = json.loads(json.dumps(bad))
    d["evidence"]["upper"]["bound"] = "-2"  # the witness's Rayleigh quotient is -1
    forgeries.append(d)
    d = json.loads(json.dumps(bad))
    d["x"] = ["1", "0"]  # the evidence does not hold at the minimum
    forgeries.append(d)
    for d in forgeries:
        assert verify_certificate(resign(d)) is False, d
    assert verify_certificate(resign(good)) is True  # resigning alone changes nothing


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": [0, 0], "eps": 0, "rho": 1}, "eps"),
        ({"x": [0, 0], "eps": -1, "rho": 1}, "eps"),
        ({"x": [0, 0], "eps": 1e-6, "rho": -1}, "rho"),
        ({"x": [0, 0], "eps": float("nan"), "rho": 1}, "eps"),
        ({"x": [0, float("nan")], "eps": 1e-6, "rho": 1}, "finite"),
        ({"x": [0, 0, 0], "eps": 1e-6, "rho": 1}, "shape"),
        ({"x": [0], "eps": 1e-6, "rho": 1}, "shape"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        certify_sosp(TOY, **kwargs)


def test_bad_gamma_and_singular_point():
    with pytest.raises(InputError, match="gamma"):
        certify_strict_saddle_point(TOY, [0, 0], gamma=0)
    with pytest.raises(InputError):
        certify_sosp("1/x + y**2", [0, 0], 1e-6, 1)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        "{}",
        '{"format": "saddlecheck-certificate/1", "kind": "sosp"}',
        42,
    ],
)
def test_malformed_certificates_raise(text):
    with pytest.raises(InputError):
        verify_certificate(text)


def test_malformed_fields_raise():
    data = json.loads(certify_sosp(TOY, [1, 0], 1e-6, 12).to_json())
    for key, value in [("x", ["a", "0"]), ("x", ["1"]), ("eps", "0"), ("holds", "yes"),
                       ("lambda_min", [1.0]), ("evidence", {})]:  # fmt: skip
        d = dict(data)
        d[key] = value
        with pytest.raises(InputError):
            verify_certificate(resign(d))


def test_independent_checker_interval_endpoints_are_not_rounded_to_53_bits():
    """Regression: the checker's mpmath.iv enclosures must hold at their own precision.

    ``mpmath.mpf(iv_value.a)`` rounds an endpoint to nearest at 53 bits, which
    can move a lower end above the true value; the checker reads the raw ends.
    """
    from fractions import Fraction

    import mpmath
    import sympy

    from saddlecheck.certificates.recheck import _evaluate

    x = sympy.Symbol("x")
    exprs = [sympy.exp(x) / 3, sympy.sin(x) / 7, sympy.log(1 + x) / 11, sympy.sqrt(2 + x) / 13]
    pts = [Fraction(k, 7) for k in range(1, 8)]
    for p in pts:
        for e, (lo, hi) in zip(exprs, _evaluate(exprs, (x,), [p], False, 200), strict=True):
            with mpmath.workdps(120):
                true = sympy.N(e.subs(x, sympy.Rational(p.numerator, p.denominator)), 110)
                true = mpmath.mpf(str(true))
                assert mpmath.mpf(lo.numerator) / lo.denominator <= true
                assert true <= mpmath.mpf(hi.numerator) / hi.denominator
                assert hi - lo < Fraction(1, 2**150)

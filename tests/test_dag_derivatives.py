"""The AD sweep behind traced objectives' certificates agrees with the symbolic evaluators.

``dag_derivatives.derivatives`` proves gradient and Hessian enclosures at a point
for ``certify_sosp``; the oracle is the base ``Objective``'s compiled symbolic
derivatives (an independent code path): on random smooth expressions the balls
must overlap (both contain the exact value) and, for rational expressions, the
exact results must be equal.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import symengine as se
import sympy
from hypothesis import given
from hypothesis import strategies as st

import saddlecheck as sc
from saddlecheck.frontends.dag_derivatives import derivatives

VARS = se.symbols("x y z")
UNARY = [
    se.tanh,
    se.sin,
    se.cos,
    se.atan,
    se.sinh,
    se.erf,
    se.asinh,
    lambda u: se.exp(u / 4),
    lambda u: se.log(1 + u**2),
    lambda u: se.sqrt(2 + u**2),
]
RATIONAL_BINARY = [
    lambda u, v: u + v,
    lambda u, v: u * v,
    lambda u, v: u - 3 * v / 2,
    lambda u, v: u / (1 + v**2),
    lambda u, v: u**2 * v,
    lambda u, v: (u + v) ** 3,
]


def expressions(transcendental: bool):
    leaves = st.sampled_from(VARS) | st.fractions(-3, 3, max_denominator=5).map(
        lambda q: se.Rational(q.numerator, q.denominator)
    )

    def extend(children):
        binary = st.tuples(st.sampled_from(RATIONAL_BINARY), children, children).map(
            lambda t: t[0](t[1], t[2])
        )
        if not transcendental:
            return binary
        unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0](t[1]))
        return binary | unary

    return st.recursive(leaves, extend, max_leaves=8)


points = st.lists(st.fractions(-1, 1, max_denominator=7), min_size=3, max_size=3).map(tuple)


def _flat(out) -> list:
    if not isinstance(out, list):
        return [out]
    return [t for row in out for t in (row if isinstance(row, list) else [row])]


def _objective(f) -> sc.Objective:
    return sc.Objective(sympy.sympify(f), variables=[sympy.Symbol(v.name) for v in VARS])


@given(expressions(transcendental=True), points)
def test_ball_enclosures_overlap_the_symbolic_ones(f, q):
    obj = _objective(f)
    for kind in ("value", "grad", "hess"):
        fast = derivatives(f, VARS, q, kind, prec=128)
        slow = obj.enclose(kind, q, 128)
        for a, b in zip(_flat(fast), _flat(slow), strict=True):
            assert a.overlaps(b), f"{kind} of {f} at {q}: AD {a}, symbolic {b}"


@given(expressions(transcendental=False), points)
def test_exact_results_equal_the_symbolic_rationals(f, q):
    obj = _objective(f)
    for kind in ("grad", "hess"):
        assert derivatives(f, VARS, q, kind, exact=True) == obj.exact(kind, q), (f, q)


def test_a_zero_ball_factor_does_not_break_products():
    """Partial derivatives of products are formed without dividing by a factor."""
    x, y, z = VARS
    f = x * y * z + se.tanh(x * y) * z**2
    q = (Fraction(0), Fraction(0), Fraction(1, 3))
    H = derivatives(f, VARS, q, "hess", exact=False)
    assert H[0][1].contains(flint.fmpq(4, 9)) and H[0][1].rad() < 1e-12  # z + z**2

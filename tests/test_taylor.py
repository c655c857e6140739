"""Second-order (Taylor) enclosures: every bound is checked against sampled points (issue 13).

The oracle: mpmath at 50 digits for ``v^T H(x) v`` and ``grad f(x)`` at random
exact points of the box (sampling is only an oracle here, never a proof).
"""

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from _budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlecheck import Box, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import taylor

DPS = 50
x, y, z = sympy.symbols("x y z")

OBJECTIVES = [
    "x**4/4 - x**2/2 + y**2/2",
    "x**3 - 3*x*y**2",
    "x**4 + y**4 - x*y + x**2*y",
    "(x*y - 1)**2 + x**3*y/7",
    "exp(x/2)*cos(y) + x**2*y**2/3",
    "x**2*y*z - z**3/5 + x*y + y**4",
]


def sample(box: Box, rng, n: int) -> list[tuple[Fraction, ...]]:
    pts = [box.lower, box.upper, box.midpoint()]
    for _ in range(n):
        pts.append(tuple(lo + (hi - lo) * Fraction(int(rng.integers(0, 2**20)), 2**20)
                         for lo, hi in box.intervals))  # fmt: skip
    return pts


def arb_q(a: flint.arb) -> tuple[mpmath.mpf, mpmath.mpf]:
    lo, hi = _bnb.ends(a)
    with mpmath.workdps(DPS):
        return (mpmath.mpf(lo.numerator) / lo.denominator,
                mpmath.mpf(hi.numerator) / hi.denominator)  # fmt: skip


def forms(obj: Objective, box: Box):
    loc = _bnb.local_enclosures(obj, box)
    hc = obj.enclose("hess", loc.centre)
    d3 = obj.enclose("d3", box)
    return loc, hc, d3


@st.composite
def boxes(draw, dim: int):
    out = []
    for _ in range(dim):
        c = Fraction(draw(st.integers(-24, 24)), 16)
        w = Fraction(1, 2 ** draw(st.integers(0, 6)))
        out.append((c - w / 2, c + w / 2))
    return Box(out)


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(OBJECTIVES), st.data(), st.integers(0, 2**32 - 1))
def test_rayleigh_taylor_encloses_the_quotient(expr, data, seed):
    obj = Objective(expr)
    box = data.draw(boxes(obj.dim))
    loc, hc, d3 = forms(obj, box)
    v = taylor.bottom_vector(hc)
    q = taylor.rayleigh_taylor(hc, d3, loc.dx, v)
    lo, hi = arb_q(q)
    vv = [Fraction(float(t.mid())) for t in v]
    with mpmath.workdps(DPS):
        vm = mpmath.matrix([mpmath.mpf(t.numerator) / t.denominator for t in vv])
        nv = (vm.T * vm)[0]
        for p in sample(box, np.random.default_rng(seed), 15):
            H = mpmath.matrix(obj.hess(p, dps=DPS).tolist())
            val = (vm.T * H * vm)[0] / nv
            assert lo <= val <= hi, (expr, box, p)
            # and so lambda_min(H(p)) <= hi (Courant-Fischer)
            assert min(mpmath.eigsy(H, eigvals_only=True)) <= hi


@settings(max_examples=examples(60), deadline=None)
@given(st.sampled_from(OBJECTIVES), st.data(), st.integers(0, 2**32 - 1))
def test_gradient_along_encloses_the_projection(expr, data, seed):
    obj = Objective(expr)
    box = data.draw(boxes(obj.dim))
    loc, hc, d3 = forms(obj, box)
    s = taylor.gradient_along(loc.grad_centre, hc, d3, loc.dx)
    if not s.is_finite():
        return  # grad f(c) = 0 in floats: no direction, and no claim
    lo, hi = arb_q(s)
    u = [Fraction(float(a.mid())) for a in loc.grad_centre]
    with mpmath.workdps(DPS):
        um = [mpmath.mpf(t.numerator) / t.denominator for t in u]
        nu = mpmath.sqrt(sum(t * t for t in um))
        for p in sample(box, np.random.default_rng(seed), 15):
            g = obj.grad(p, dps=DPS)
            val = sum(a * b for a, b in zip(um, g, strict=True)) / nu
            assert lo <= val <= hi, (expr, box, p)
            if lo > 0:  # the claim step() uses: ||grad f(p)|| >= lo
                assert mpmath.sqrt(sum(t * t for t in g)) >= lo


def test_rayleigh_taylor_is_tighter_than_the_natural_form_on_mf():
    """The reason for the Taylor form: on matrix factorization it settles what the natural
    extension of ``v^T H(X) v`` cannot (near the saddle circle of ``(d, r) = (2, 2)``)."""
    from saddlecheck.problems import get

    mf = get("matrix-factorization", d=2, r=2)
    obj = mf.objective
    c = np.array([1.9, 0.1, 0.15, 0.9])  # near U = s_1 q_1 e^T, lambda_min about -2
    box = Box([(Fraction(v) - Fraction(1, 32), Fraction(v) + Fraction(1, 32)) for v in c])
    loc, hc, d3 = forms(obj, box)
    natural = _bnb.rayleigh_ball(loc.hess).upper()
    second = taylor.rayleigh_taylor(hc, d3, loc.dx).upper()
    assert second < natural


@pytest.mark.parametrize("d3_sign", [1, -1])
def test_square_range_and_quadratic_term(d3_sign):
    """``h^2`` is enclosed by ``[0, r^2]`` (not ``[-r^2, r^2]``): the form is one-sided."""
    sq = taylor.square_range(flint.arb("+/- 2"))
    assert sq.lower() <= 0 <= sq.upper() and sq.upper() >= 4 and sq.lower() > -1e-7
    # f = x^3 * d3_sign / 6: grad = d3_sign * x^2 / 2, D3 = d3_sign; at c = 0 the form is
    # exactly d3_sign * [0, r^2] / 2 projected on u = (1,) (u given: grad f(0) = 0)
    g = [flint.arb(0)]
    H = [[flint.arb(0)]]
    D3 = [[[flint.arb(d3_sign)]]]
    s = taylor.gradient_along(g, H, D3, [flint.arb("+/- 1")], u=[flint.arb(1)])
    lo, hi = _bnb.ends(s)
    if d3_sign > 0:
        assert lo > -1e-7 and hi >= Fraction(1, 2)
    else:
        assert hi < 1e-7 and lo <= Fraction(-1, 2)


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_best_direction_solves_the_box_least_squares(d, seed):
    """``best_direction`` returns a residual of a feasible ``t`` that (nearly) minimises
    ``||g + H t||`` over the box, and its dual value matches (strong duality)."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=d) * rng.choice([0.1, 1, 10])
    a = rng.normal(size=(d, d))
    well = seed % 2 == 0  # well conditioned: the dual optimum is reached in 200 sweeps
    h = a @ a.T + d * np.eye(d) if well else a + a.T
    r = rng.uniform(0.01, 2, size=d)
    v = taylor.best_direction(g, h, r, sweeps=200)
    t = np.linalg.lstsq(h, v - g, rcond=None)[0]  # v = g + H t for a t in the box
    assert np.all(np.abs(t) <= r * (1 + 1e-6) + 1e-9) or np.linalg.matrix_rank(h) < d
    samples = rng.uniform(-1, 1, size=(4000, d)) * r
    best = np.min(np.linalg.norm(g + samples @ h.T, axis=1))
    assert np.linalg.norm(v) <= best + 1e-6
    n = np.linalg.norm(v)
    if n > 1e-9:
        u = v / n
        dual = u @ g - np.abs(h @ u) @ r  # a lower bound of ||g + H t|| on the box
        assert dual <= best + 1e-6
        if well and n > 0.05 * (1 + np.linalg.norm(g)):  # the dual optimum
            assert dual >= n - 1e-2 * (1 + n)


def test_gradient_along_best_direction_beats_grad_c():
    """Why the direction matters: ``f = 5 x^2 + y^2 / 2`` on ``[-0.05, 0.15] x [0.9, 1.1]``:
    ``min ||grad f|| = 0.9``; along ``grad f(c) = (0.5, 1)`` the bound is about 0.58,
    along the best direction ``(0, 1)`` it is 0.9."""
    obj = Objective("5*x**2 + y**2/2")
    box = Box([(Fraction(-1, 20), Fraction(3, 20)), (Fraction(9, 10), Fraction(11, 10))])
    loc, hc, d3 = forms(obj, box)
    gc = np.array([float(a.mid()) for a in loc.grad_centre])
    hm = np.array([[float(a.mid()) for a in row] for row in hc])
    u = taylor.best_direction(gc, hm, np.array([0.1, 0.1]))
    plain = taylor.gradient_along(loc.grad_centre, hc, d3, loc.dx)
    best = taylor.gradient_along(loc.grad_centre, hc, d3, loc.dx,
                                 [flint.arb(float(t)) for t in u])  # fmt: skip
    assert plain.lower() < 0.6 and 0.899 < best.lower() <= 0.9
    rng = np.random.default_rng(3)
    for p in sample(box, rng, 50):  # the bound is sound at sampled points
        gp = obj.grad(p, dps=DPS)
        with mpmath.workdps(DPS):
            assert mpmath.sqrt(sum(t * t for t in gp)) >= arb_q(best)[0]

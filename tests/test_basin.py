"""The basin test and the second-order levers of the strict-saddle covering (issue 13).

Soundness first: every ``"basin"`` leaf is re-checked point by point ((Z) or
(G), mpmath at 50 digits, and a float brute-force grid as a second oracle);
wrong constants never give ``True``; an undefined hull or a degenerate minimum
never settles a box; verdicts with the levers equal those without (or decide
where those did not).
"""

from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
from _budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlecheck import Box, Objective
from saddlecheck.landscape import basin as _basin
from saddlecheck.landscape import covering as _cov
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get

DPS = 50


def grad_norm(obj, q) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return mpmath.sqrt(sum(g**2 for g in obj.grad(q, dps=DPS)))


def dist2(q, m) -> Fraction:
    return sum(((a - b) ** 2 for a, b in zip(q, m, strict=True)), Fraction(0))


def grid(box: Box, n: int) -> list[tuple[Fraction, ...]]:
    """``n`` points per axis, ends included (brute force for small dimensions)."""
    axes = [[lo + (hi - lo) * Fraction(k, n - 1) for k in range(n)] for lo, hi in box.intervals]
    mesh = np.array(np.meshgrid(*[range(n)] * box.dim)).reshape(box.dim, -1).T
    return [tuple(axes[i][j] for i, j in enumerate(row)) for row in mesh]


def recheck_basin(obj, rep, points: int = 5) -> int:
    """Every grid point of every basin leaf: within zeta of a proved minimum, or
    ``||grad f|| >= theta`` (mpmath); returns the number of basin leaves."""
    minima = [m.midpoint() for m in rep.minima.minima()]
    z2, theta = rep.zeta**2, rep.theta
    n = 0
    for leaf in rep.leaves:
        if leaf.condition != "basin":
            continue
        n += 1
        for q in grid(leaf.box, points if leaf.box.dim <= 3 else 3):
            near = any(dist2(q, m) <= z2 for m in minima)
            assert near or grad_norm(obj, q) >= mpmath.mpf(theta.numerator) / theta.denominator, (
                leaf, q)  # fmt: skip
    return n


def with_levers(levers, fn):
    saved = set(_cov.LEVERS)
    _cov.LEVERS.clear()
    _cov.LEVERS.update(levers)
    try:
        return fn()
    finally:
        _cov.LEVERS.clear()
        _cov.LEVERS.update(saved)


# -- the lemma's pieces -------------------------------------------------------------


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_lambda_at_least_is_a_lower_bound(d, seed):
    """``lambda_at_least(H, s)`` True => every sampled symmetric member has lambda_min > s."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d))
    mid = a + a.T + rng.uniform(-1, 4) * np.eye(d)
    rad = np.abs(rng.normal(scale=rng.choice([0.0, 0.01, 0.3]), size=(d, d)))
    rad = rad + rad.T
    balls = [[flint.arb(mid[i, j], rad[i, j]) for j in range(d)] for i in range(d)]
    lam_mid = float(np.linalg.eigvalsh(mid)[0])
    for s in (lam_mid - 2, lam_mid - 0.5, lam_mid - 0.01, lam_mid):
        sq = Fraction(s)
        if not _basin.lambda_at_least(balls, sq):
            continue
        for _ in range(30):
            e = rng.uniform(-1, 1, size=(d, d)) * rad
            e = np.triu(e) + np.triu(e, 1).T
            with mpmath.workdps(30):
                m = mpmath.matrix((mid + e).tolist())
                assert min(mpmath.eigsy(m, eigvals_only=True)) > s
    # the bound is not vacuous: far below lambda_min of a tight matrix it holds
    tight = [[flint.arb(mid[i, j]) for j in range(d)] for i in range(d)]
    assert _basin.lambda_at_least(tight, Fraction(lam_mid - 0.5))


def test_lambda_at_least_refuses_infinite_or_indefinite():
    inf = [[flint.arb("inf"), flint.arb(0)], [flint.arb(0), flint.arb(1)]]
    assert not _basin.lambda_at_least(inf, Fraction(0))
    indefinite = [[flint.arb(1), flint.arb(2)], [flint.arb(2), flint.arb(1)]]
    assert not _basin.lambda_at_least(indefinite, Fraction(0))


@pytest.mark.parametrize("gap2", [Fraction(0), Fraction(1, 9), Fraction(1, 3), Fraction(7)])
def test_needed_lambda_is_exact(gap2):
    th, ze = Fraction(3, 10), Fraction(1, 2)
    s = _basin.needed_lambda(th, ze, gap2)
    assert s > 0 and s * s * max(ze * ze, gap2) >= th * th
    assert s <= th / ze  # never asks for more than the plain lemma


def test_basin_oracle_on_random_boxes():
    """Whenever ``basin`` settles a box, ``||grad f(x)|| >= lam ||x - m||`` at grid points
    (the lemma's inequality, stronger than the leaf's claim), for a non-quadratic f."""
    obj = Objective("x**4/4 - x**2/2 + y**2/2 + x*y/4 + y**3/10")
    # its minimum near (1.06, -0.13): find and prove it
    from saddlecheck.landscape.critical import critical_points

    cp = critical_points(obj, Box([(Fraction(1, 2), Fraction(3, 2)), (-1, 1)]))
    (e,) = cp.minima()
    m = e.midpoint()
    rng = np.random.default_rng(7)
    settled = 0
    for _ in range(300):
        c = [Fraction(int(rng.integers(-8, 40)), 16), Fraction(int(rng.integers(-24, 24)), 16)]
        w = Fraction(1, 2 ** int(rng.integers(1, 5)))
        box = Box([(v - w / 2, v + w / 2) for v in c])
        lam = _basin.basin_bound(obj, [e], Fraction(3, 10), Fraction(1, 2), box)
        if lam is None:
            continue
        settled += 1
        for q in grid(box, 5):
            g = grad_norm(obj, q)
            r = mpmath.sqrt(mpmath.mpf(float(dist2(q, m))))
            # m is known to ~1e-15 only (the enclosure's midpoint): a tiny slack
            assert g >= mpmath.mpf(float(lam)) * r - 1e-9, (box, q)
            assert dist2(q, m) <= Fraction(1, 4) + Fraction(1, 10**9) or g >= 0.3, (box, q)
    assert settled > 20  # the test is not vacuous


def test_basin_skips_a_hull_where_f_is_undefined():
    """``x - 2 log(x)``: minimum at 2, singular at 0. A box left of 0 or straddling it
    is never settled (the hull is not C^3), and no exception escapes."""
    obj = Objective("x - 2*log(x) + y**2")
    e = Box([(2, 2), (0, 0)])
    for box in (Box([(-3, -2), (0, 1)]), Box([(Fraction(-1, 2), Fraction(1, 2)), (0, 1)])):
        assert _basin.basin_bound(obj, [e], Fraction(1, 10), Fraction(1, 2), box) is None
    # and on the good side it does settle (the test is not vacuous)
    good = Box([(Fraction(3, 2), 3), (-1, 1)])
    assert _basin.basin_bound(obj, [e], Fraction(1, 10), Fraction(1, 2), good) is not None


def test_degenerate_minimum_is_never_a_basin():
    """``x^4 + y^2``: Hess f(0) is singular, so no hull that holds 0 proves ``lam > 0``."""
    obj = Objective("x**4 + y**2")
    e = Box([(0, 0), (0, 0)])
    for lo in (Fraction(1, 8), Fraction(1, 2), Fraction(3, 4)):
        box = Box([(lo, lo + Fraction(1, 4)), (Fraction(-1, 8), Fraction(1, 8))])
        assert _basin.basin_bound(obj, [e], Fraction(1, 10), Fraction(1, 100), box) is None


# -- the covering: verdicts ---------------------------------------------------------


@pytest.mark.parametrize("d", [2, 3, 4])
def test_toy_nd_basin_leaves_are_sound(d):
    prob = get("toy-nd", d=d)
    rep = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
    assert rep.holds is True and rep.counts["basin"] > 0
    assert sum(rep.counts.values()) == len(rep.leaves)
    assert recheck_basin(prob.objective, rep) == rep.counts["basin"]
    assert "basin" in rep.explain()


def test_levers_reduce_boxes_and_keep_the_verdict():
    prob = get("toy-nd", d=3)
    run = lambda: check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")  # noqa: E731
    before = with_levers(set(), run)
    after = run()
    assert before.holds is after.holds is True
    assert before.counts.get("basin", 0) == 0
    assert after.boxes_processed < before.boxes_processed


@pytest.mark.parametrize(
    ("expr", "box", "consts"),
    [
        ("x**4/4 - x**2/2 + y**2/2", [(-2, 2), (-2, 2)], ("0.3", "1.5", "0.5")),  # gamma too big
        ("x**4/4 - x**2/2 + y**2/2", [(-2, 2), (-2, 2)], ("0.3", "0.5", "0.01")),  # zeta tiny
        ("x**4/4 - x**2/2 + y**2/2 + z**2", [(-2, 2)] * 3, ("0.3", "0.5", "0.05")),
        ("x**4 + y**2", [(-1, 1), (-1, 1)], ("0.3", "0.1", "0.05")),  # degenerate minimum
        ("x**2 + y**2", [(-1, 1), (-1, 1)], ("1", "0.1", "0.4")),  # grad 2|x| < 1 at 0.45
    ],
)
def test_false_properties_are_never_proved(expr, box, consts):
    """Each property is false (a point with all three conditions failing exists):
    the verdict is False or None, with and without the levers."""
    obj = Objective(expr)
    for levers in ({"basin", "taylor"}, set()):
        rep = with_levers(levers, lambda: check_strict_saddle(obj, Box(box), *consts,
                                                              max_boxes=20_000))  # fmt: skip
        assert rep.holds is not True, (expr, consts, levers)


def test_degenerate_minimum_gives_no_basin_leaf():
    """``x^4 + y^4``: the minimum at 0 is proved (degenerate): the property holds by (Z)
    and (G), and no basin leaf appears (every hull holds 0, where Hess f = 0)."""
    obj = Objective("x**4 + y**4")
    rep = check_strict_saddle(obj, Box([(-1, 1), (-1, 1)]), "0.1", "0.1", "0.5")
    assert rep.holds is True and rep.minima.minima() == [Box([(0, 0), (0, 0)])]
    assert rep.counts["basin"] == 0


@pytest.mark.parametrize(
    ("name", "opts", "consts"),
    [
        ("toy", {}, ("0.3", "0.5", "0.5")),
        ("toy", {}, ("0.3", "1.5", "0.5")),
        ("monkey", {}, ("0.1", "0.1", "0.1")),
        ("toy-nd", {"d": 3}, ("0.3", "0.5", "0.5")),
        ("toy-nd", {"d": 3}, ("0.2", "0.9", "0.3")),
    ],
)
def test_verdicts_identical_or_better_than_without_levers(name, opts, consts):
    prob = get(name, **opts)
    run = lambda: check_strict_saddle(prob.objective, prob.box, *consts)  # noqa: E731
    old, new = with_levers(set(), run), run()
    if old.holds is not None:
        assert new.holds is old.holds
    assert new.boxes_processed <= old.boxes_processed or new.holds is False


def test_matrix_factorization_2x1_with_levers():
    mf = get("matrix-factorization", d=2, r=1)
    rep = check_strict_saddle(mf.objective, mf.box, "1/24", "1/3", "1/3",
                              minima=mf.minima_distance.bounds)  # fmt: skip
    old = with_levers(set(), lambda: check_strict_saddle(
        mf.objective, mf.box, "1/24", "1/3", "1/3", minima=mf.minima_distance.bounds))  # fmt: skip
    assert rep.holds is old.holds is True
    assert rep.counts["basin"] == 0  # the caller's bound: no proved minima, no basin test
    assert rep.boxes_processed <= old.boxes_processed

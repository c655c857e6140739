"""check_strict_saddle: coverings, counterexamples, undecided (issue 5, item 2).

Every verdict is re-checked point-wise with an independent oracle: mpmath at
50 digits for ``||grad f||`` and ``lambda_min`` (``mpmath.eigsy``), and the
minima's enclosures for the distance.
"""

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from _budget import examples
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_critical import planted_polynomials, x, y

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.cluster import open_executor
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get

DPS = 50


def grad_norm(obj, q) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return mpmath.sqrt(sum(g**2 for g in obj.grad(q, dps=DPS)))


def lambda_min(obj, q) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return min(mpmath.eigsy(mpmath.matrix(obj.hess(q, dps=DPS).tolist()), eigvals_only=True))


def mp(q: Fraction) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return mpmath.mpf(q.numerator) / q.denominator


def max_dist(q, box: Box) -> Fraction:
    """``max_{m in box} ||q - m||^2``, exactly."""
    pairs = zip(q, box.intervals, strict=True)
    return sum((max(abs(v - lo), abs(hi - v)) ** 2 for v, (lo, hi) in pairs), Fraction(0))


def min_dist(q, box: Box) -> Fraction:
    pairs = zip(q, box.intervals, strict=True)
    return sum((max(Fraction(0), lo - v, v - hi) ** 2 for v, (lo, hi) in pairs), Fraction(0))


def sample(box: Box, rng, n: int) -> list[tuple[Fraction, ...]]:
    pts = [box.midpoint(), box.lower, box.upper]
    for _ in range(n):
        pts.append(tuple(lo + (hi - lo) * Fraction(int(rng.integers(0, 2**20)), 2**20)
                         for lo, hi in box.intervals))  # fmt: skip
    return pts


def recheck_cover(obj, rep, rng, leaves: int = 200, per_leaf: int = 1) -> None:
    """Each sampled point of a leaf satisfies the leaf's condition (mpmath, 50 digits)."""
    minima = rep.minima.minima() if rep.minima is not None else []
    chosen = rng.choice(len(rep.leaves), size=min(leaves, len(rep.leaves)), replace=False)
    for i in sorted(chosen):
        leaf = rep.leaves[int(i)]
        for q in sample(leaf.box, rng, per_leaf):
            if leaf.condition == "gradient":
                assert grad_norm(obj, q) >= mp(rep.theta), (leaf, q)
            elif leaf.condition == "hessian":
                assert lambda_min(obj, q) <= -mp(rep.gamma), (leaf, q)
            elif leaf.condition == "basin":  # (Z) or (G) at each point
                assert any(max_dist(q, m) <= rep.zeta**2 for m in minima) or grad_norm(
                    obj, q) >= mp(rep.theta), (leaf, q)  # fmt: skip
            else:
                assert leaf.condition == "minimum", leaf
                assert any(max_dist(q, m) <= rep.zeta**2 for m in minima), (leaf, q)


def recheck_counterexample(obj, rep, rng, extra_minima=()) -> None:
    """All three conditions fail at sampled points of the counterexample box."""
    cands = (rep.minima.minimum_candidates() if rep.minima is not None else []) + list(extra_minima)
    assert rep.box.contains_box(rep.counterexample)
    for q in sample(rep.counterexample, rng, 20):
        assert grad_norm(obj, q) < mp(rep.theta)
        assert lambda_min(obj, q) > -mp(rep.gamma)
        assert all(min_dist(q, m) > rep.zeta**2 for m in cands)


def covers(rep) -> bool:
    """The leaves' volumes add up to the box's volume (bisection leaves do not overlap)."""
    vol = lambda b: np.prod([hi - lo for lo, hi in b.intervals])  # noqa: E731
    return sum((vol(leaf.box) for leaf in rep.leaves), Fraction(0)) == vol(rep.box)


# -- the "Must hold" cases ----------------------------------------------------


def test_toy_holds():
    prob = get("toy")
    rep = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
    assert rep.holds is True and rep.counterexample is None and not rep.undecided
    assert covers(rep)
    assert all(rep.counts[c] > 0 for c in ("gradient", "hessian", "minimum"))
    assert sum(rep.counts.values()) == len(rep.leaves)
    assert len(rep.minima.minima()) == 2 and rep.minima.complete
    recheck_cover(prob.objective, rep, np.random.default_rng(0))
    assert "HOLDS" in rep.explain()


def test_toy_fails_with_gamma_one_and_a_half():
    """lambda_min >= -1 everywhere, so near the origin all three conditions fail."""
    prob = get("toy")
    rep = check_strict_saddle(prob.objective, prob.box, "0.3", "1.5", "0.5")
    assert rep.holds is False
    assert Box([(-0.5, 0.5), (-0.5, 0.5)]).contains_box(rep.counterexample)
    ev = rep.evidence
    assert ev["grad_norm_upper"] < 0.3 and ev["lambda_min_lower"] > -1.5
    assert ev["distance_lower"] > 0.5
    recheck_counterexample(prob.objective, rep, np.random.default_rng(1),
                           [Box([(1, 1), (0, 0)]), Box([(-1, -1), (0, 0)])])  # fmt: skip
    assert "FAILS" in rep.explain()


def test_monkey_saddle_fails():
    """No local minimum anywhere (0 is degenerate and not a min): every x near 0 fails."""
    prob = get("monkey")
    rep = check_strict_saddle(prob.objective, prob.box, "0.1", "0.1", "0.1")
    assert rep.holds is False
    assert rep.minima.minimum_candidates() == []
    # no minimum in the box enlarged by zeta: the distance to the minima exceeds zeta
    # (the point counterexample bounds it by the distance to outside the searched box;
    # the covering said inf)
    assert rep.evidence["distance_lower"] > 0.1
    recheck_counterexample(prob.objective, rep, np.random.default_rng(2))
    data = json.loads(rep.to_json(), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert data["evidence"]["distance_lower"] in ("inf", rep.evidence["distance_lower"])


def test_degenerate_minimum_serves_the_zeta_condition():
    """x^4 + y^4: the minimum at 0 is degenerate (proved by expansion), yet covers its zeta-ball."""
    obj = Objective("x**4 + y**4")
    rep = check_strict_saddle(obj, Box([(-1, 1), (-1, 1)]), "0.1", "0.1", "0.5")
    assert rep.holds is True and rep.counts["minimum"] > 0
    assert rep.minima.minima() == [Box([(0, 0), (0, 0)])]
    recheck_cover(obj, rep, np.random.default_rng(5))


def _mf_report(d, r, **kw):
    p = get("matrix-factorization", d=d, r=r)
    c = p.constants
    consts = [sympy.Rational(c[k].value) for k in ("theta", "gamma", "zeta")]
    assert consts == [sympy.Rational(1, 24), sympy.Rational(1, 3), sympy.Rational(1, 3)]
    return p, check_strict_saddle(p.objective, p.box, *[str(v) for v in consts], **kw)


def test_matrix_factorization_4x1_lemma_constants_hold():
    """Recalled constants (sigma_r^(3/2)/24, sigma_r/3, sigma_r^(1/2)/3) [R]: proved on
    [-2, 2]^4, which contains {||U||^2 <= Gamma = 4}, for M* = v v^T, sigma = 1."""
    p, rep = _mf_report(4, 1, minima=get("matrix-factorization", d=4, r=1).minima_distance.bounds)
    assert rep.holds is True and covers(rep)
    recheck_cover(p.objective, rep_without_minima(rep), np.random.default_rng(3), leaves=60)


def rep_without_minima(rep):
    """For the caller's distance function, re-check the minimum leaves against +-v* separately."""
    return type(rep)(**{**rep.__dict__, "leaves": tuple(
        leaf for leaf in rep.leaves if leaf.condition != "minimum")})  # fmt: skip


@pytest.mark.slow
def test_matrix_factorization_2x2_lemma_constants_hold():
    """d = r = 2, sigma = (4, 1): proved on [-4, 4]^4 (contains ||U||^2 <= Gamma = 16)."""
    _, rep = _mf_report(2, 2, minima=get("matrix-factorization", d=2, r=2).minima_distance.bounds)
    assert rep.holds is True and covers(rep)


def test_matrix_factorization_minimum_leaves_are_near_the_orbit():
    """The zeta-leaves of the 2x1 case are within zeta of {+-v*} at sampled points (mpmath)."""
    p = get("matrix-factorization", d=2, r=1)
    rep = check_strict_saddle(p.objective, p.box, "1/24", "1/3", "1/3",
                              minima=p.minima_distance.bounds)  # fmt: skip
    assert rep.holds is True
    v = [Fraction(str(t)) for t in p.options["V_star"]]
    rng = np.random.default_rng(4)
    for leaf in rep.leaves:
        if leaf.condition == "minimum":
            for q in sample(leaf.box, rng, 5):
                d2 = min(sum((a - s * b) ** 2 for a, b in zip(q, v, strict=True)) for s in (1, -1))
                assert d2 <= Fraction(1, 9)


# -- executor, budget, serialisation ----------------------------------------------


def test_executor_gives_identical_results(monkeypatch):
    monkeypatch.setattr(_bnb, "LOCAL_BELOW", 2)  # ship even the small batches to the workers
    prob = get("toy")
    serial = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
    with open_executor(workers=2) as ex:  # what analyze --workers 2 uses
        parallel = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5", executor=ex)
    assert serial.to_json() == parallel.to_json()


def test_budget_gives_undecided_boxes_never_a_verdict():
    prob = get("toy")
    rep = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5", max_boxes=10)
    assert rep.holds is None and rep.undecided and rep.counts["undecided"] == len(rep.undecided)
    vol = lambda b: np.prod([hi - lo for lo, hi in b.intervals])  # noqa: E731
    total = sum((vol(b) for b in rep.undecided), Fraction(0))
    total += sum((vol(leaf.box) for leaf in rep.leaves), Fraction(0))
    assert total == vol(prob.box)
    assert "UNDECIDED" in rep.explain()


def test_json_round_trip():
    prob = get("toy")
    rep = check_strict_saddle(prob.objective, prob.box, "0.3", "1.5", "0.5")
    data = json.loads(rep.to_json())
    assert data["holds"] is False and Box.from_json(data["counterexample"]) == rep.counterexample
    assert data["theta"] == "3/10" and len(data["leaves"]) == len(rep.leaves)


# -- adversarial input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "theta, gamma, zeta", [(0, 1, 1), (1, -1, 1), (1, 1, 0), ("nan", 1, 1), (1, 1, float("inf"))]
)
def test_nonpositive_constants_are_refused(theta, gamma, zeta):
    with pytest.raises(InputError):
        check_strict_saddle(get("toy").objective, Box([(-1, 1)] * 2), theta, gamma, zeta)


@pytest.mark.parametrize(
    "expr, box, match",
    [
        ("1/x + y**2", [(0, 1), (-1, 1)], "not smooth"),
        ("Piecewise((x**2, x < 0), (x**3, True)) + y**2", [(-1, 1), (-1, 1)], "Piecewise"),
    ],
)
def test_singularity_or_piecewise_boundary_is_refused(expr, box, match):
    with pytest.raises(InputError, match=match):
        check_strict_saddle(Objective(expr), Box(box), 1, 1, 1)


def test_singularity_in_the_enlarged_box_is_explained():
    with pytest.raises(InputError, match="enlarged by zeta"):
        check_strict_saddle(Objective("1/x + y**2"), Box([(1, 2), (-1, 1)]), 1, 1, 2)


def test_bad_arguments_are_refused():
    obj = get("toy").objective
    with pytest.raises(InputError, match="dimension"):
        check_strict_saddle(obj, Box([(-1, 1)] * 3), 1, 1, 1)
    with pytest.raises(InputError, match="minima"):
        check_strict_saddle(obj, Box([(-1, 1)] * 2), 1, 1, 1, minima=[(1, 0)])
    with pytest.raises(InputError, match="max_boxes"):
        check_strict_saddle(obj, Box([(-1, 1)] * 2), 1, 1, 1, max_boxes=0)


# -- Hypothesis ----------------------------------------------------------------------


@settings(max_examples=examples(12))
@given(
    planted_polynomials(),
    st.sampled_from(["1/10", "1/4"]),
    st.sampled_from(["1/10", "1/4", "1"]),
    st.sampled_from(["1/4", "1/2"]),
    st.integers(0, 2**16),
)
def test_verdicts_survive_pointwise_recheck(planted, theta, gamma, zeta, seed):
    """Claim: a True covering holds at random points of its leaves, and a counterexample
    fails all three conditions at random points of its box (mpmath, 50 digits)."""
    f, _ = planted
    obj = Objective(f, (x, y))
    rep = check_strict_saddle(obj, Box([(-1, 1), (-1, 1)]), theta, gamma, zeta,
                              max_boxes=5_000)  # fmt: skip
    event(f"holds={rep.holds}")
    rng = np.random.default_rng(seed)
    if rep.holds is True:
        assert covers(rep)
        recheck_cover(obj, rep, rng, leaves=40)
    elif rep.holds is False:
        recheck_counterexample(obj, rep, rng)
    else:
        assert rep.undecided

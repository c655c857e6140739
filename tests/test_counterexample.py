"""find_counterexample: proved counterexamples in any dimension, re-checked independently.

Every proved counterexample is re-checked here without saddlecheck's
evaluators: the gradient and Hessian from their closed forms in exact
rationals, ``Hess + gamma I`` positive definite by an exact ``LDL^T``
(python-flint ``fmpq``), and the distance to the minima exactly (finite sets)
or with mpmath at 100 digits (matrix factorization: ``dist(U)^2 = ||U||^2 +
||V*||^2 - 2 ||V*^T U||_*``).
"""

from __future__ import annotations

import json
from fractions import Fraction

import flint
import mpmath
import pytest
import sympy

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape.counterexample import MinimaPoints, find_counterexample
from saddlecheck.landscape.critical import critical_points
from saddlecheck.landscape.witness import prove_at
from saddlecheck.problems import get

TOY = "x**4/4 - x**2/2 + y**2/2"
SQUARE = Box([(-2, 2), (-2, 2)])


# -- the independent oracle ---------------------------------------------------------


def _pd_exact(H: list[list[Fraction]], shift: Fraction) -> bool:
    """``H + shift I`` positive definite, by exact LDL^T (Sylvester)."""
    n = len(H)
    a = [[flint.fmpq(v.numerator, v.denominator) for v in row] for row in H]
    for i in range(n):
        a[i][i] += flint.fmpq(shift.numerator, shift.denominator)
    for k in range(n):
        if a[k][k] <= 0:
            return False
        for i in range(k + 1, n):
            li = a[i][k] / a[k][k]
            for j in range(k + 1, n):
                a[i][j] -= li * a[k][j]
    return True


def _check_margins(grad: list[Fraction], hess, res) -> None:
    assert sum(g * g for g in grad) < res.theta**2, "||grad f|| < theta fails exactly"
    assert _pd_exact(hess, res.gamma), "lambda_min > -gamma fails exactly"
    e = res.evidence
    assert sum(g * g for g in grad) <= Fraction(e["grad_norm_upper"]) ** 2


def _mf_oracle(prob, res) -> None:
    d, r = prob.options["d"], prob.options["r"]
    U = [[res.point[i * r + a] for a in range(r)] for i in range(d)]
    V = [[Fraction(str(prob.options["V_star"][i * r + a])) for a in range(r)] for i in range(d)]
    M = [[sum(V[i][a] * V[j][a] for a in range(r)) for j in range(d)] for i in range(d)]
    E = [[sum(U[i][a] * U[j][a] for a in range(r)) - M[i][j] for j in range(d)] for i in range(d)]
    grad = [2 * sum(E[i][k] * U[k][a] for k in range(d)) for i in range(d) for a in range(r)]
    G = [[sum(U[k][a] * U[k][b] for k in range(d)) for b in range(r)] for a in range(r)]
    hess = [[2 * ((G[b][a] if i == j else 0) + U[i][b] * U[j][a] + (E[i][j] if a == b else 0))
             for j in range(d) for b in range(r)] for i in range(d) for a in range(r)]  # fmt: skip
    _check_margins(grad, hess, res)
    with mpmath.workdps(100):
        A = mpmath.matrix([[mpmath.mpf(sum(V[k][a] * U[k][b] for k in range(d)).numerator)
                            / sum(V[k][a] * U[k][b] for k in range(d)).denominator
                            for b in range(r)] for a in range(r)])  # fmt: skip
        nuclear = sum(mpmath.svd_r(A, compute_uv=False))
        sq = sum(v * v for row in U for v in row) + sum(v * v for row in V for v in row)
        dist2 = mpmath.mpf(sq.numerator) / sq.denominator - 2 * nuclear
        assert dist2 > mpmath.mpf(res.zeta.numerator) ** 2 / res.zeta.denominator**2
        assert mpmath.sqrt(dist2) >= res.evidence["distance_lower"]


def _pr_oracle(prob, res) -> None:
    A, zs, m = prob.options["A"], prob.options["z_star"], prob.options["m"]
    z = res.point
    d = len(z)
    grad, hess = [Fraction(0)] * d, [[Fraction(0)] * d for _ in range(d)]
    for a in A:
        az = sum(ai * zi for ai, zi in zip(a, z, strict=True))
        y2 = Fraction(sum(ai * zi for ai, zi in zip(a, zs, strict=True))) ** 2
        for i in range(d):
            grad[i] += (az * az - y2) * az * a[i] / m
            for j in range(d):
                hess[i][j] += (3 * az * az - y2) * a[i] * a[j] / m
    _check_margins(grad, hess, res)
    dist2 = min(sum((zi - s * w) ** 2 for zi, w in zip(z, zs, strict=True)) for s in (1, -1))
    assert dist2 > res.zeta**2


# -- proved counterexamples -----------------------------------------------------------


def test_toy_with_too_large_gamma_is_refuted_against_every_local_minimum():
    res = find_counterexample(Objective(TOY), "0.3", "1.5", "0.5", region=SQUARE)
    assert res.proved is True and SQUARE.contains(res.point)
    x, y = res.point
    _check_margins([x**3 - x, y], [[3 * x * x - 1, Fraction(0)], [Fraction(0), Fraction(1)]], res)
    # the toy's local minima are (+-1, 0): both farther than zeta
    assert min((x - s) ** 2 + y**2 for s in (1, -1)) > Fraction(1, 4)
    assert "every local minimum" in res.reason


@pytest.mark.parametrize("d, r", [(2, 1), (4, 1), (2, 2), (3, 2), (6, 3)])
def test_matrix_factorization_theta_sigma_r_three_halves_is_refuted(d, r):
    prob = get("matrix-factorization", d=d, r=r)
    sr = prob.constants["sigma_r"].value  # 1: theta = sigma_r^(3/2) = 1
    res = find_counterexample(prob.objective, sr, sr / 3, sympy.sqrt(sr) / 3,
                              minima=prob.minima_distance, region=prob.box)  # fmt: skip
    assert res.proved is True, res.explain()
    assert prob.box.contains(res.point) and res.box.contains(res.point)
    _mf_oracle(prob, res)


@pytest.mark.slow
def test_matrix_factorization_with_fifty_variables_is_refuted():
    prob = get("matrix-factorization", d=25, r=2)
    res = find_counterexample(prob.objective, 1, "1/3", "1/3", minima=prob.minima_distance,
                              region=prob.box)  # fmt: skip
    assert res.proved is True, res.explain()
    _mf_oracle(prob, res)


def test_phase_retrieval_with_too_large_constants_is_refuted():
    prob = get("phase-retrieval", d=10)
    zs = prob.options["z_star"]
    minima = MinimaPoints([zs, [-v for v in zs]])
    res = find_counterexample(prob.objective, 330, 101, "0.79", minima=minima, region=prob.box)
    assert res.proved is True, res.explain()
    assert "the caller's set of minima" in res.reason
    _pr_oracle(prob, res)


# -- no counterexample where the constants hold ----------------------------------------


@pytest.mark.parametrize("d, r", [(2, 1), (2, 2)])
def test_recalled_constants_give_no_counterexample(d, r):
    prob = get("matrix-factorization", d=d, r=r)
    c = prob.constants
    constants = (c["theta"].value, c["gamma"].value, c["zeta"].value)
    res = find_counterexample(prob.objective, *constants, minima=prob.minima_distance,
                              region=prob.box)  # fmt: skip
    assert res.proved is False and res.point is None and res.evidence is None
    assert res.best_margin <= 0


def test_toy_where_strict_saddle_holds_gives_no_counterexample():
    res = find_counterexample(Objective(TOY), "0.3", "0.5", "0.5", region=SQUARE)
    assert res.proved is False and res.best_margin <= 0
    assert "no counterexample proved" in res.explain()


def test_proof_refuses_points_where_a_condition_holds():
    obj = Objective(TOY)
    search = critical_points(obj, SQUARE.enlarge(1))
    from saddlecheck.landscape.witness import SearchDistance

    dist = SearchDistance(obj, search, 1000)
    third = Fraction(1, 3)
    zero = (Fraction(0), Fraction(0))
    # the saddle: lambda_min = -1 <= -gamma = -1/2
    ev, why = prove_at(obj, zero, third, Fraction(1, 2), Fraction(1, 2), dist)
    assert ev is None and "lambda_min" in why
    # a minimum: the distance to it is 0 <= zeta
    ev, why = prove_at(obj, (Fraction(1), Fraction(0)), third, Fraction(2), third, dist)
    assert ev is None and "within zeta" in why
    # the gradient at (2, 0) is 6 >= theta
    ev, why = prove_at(obj, (Fraction(2), Fraction(0)), third, Fraction(2), third, dist)
    assert ev is None and "grad" in why
    # and the saddle with gamma = 3/2 is a counterexample
    ev, why = prove_at(obj, zero, third, Fraction(3, 2), Fraction(1, 2), dist)
    assert ev is not None and ev["lambda_min_lower"] > -1.5 and ev["distance_lower"] > 0.5


def test_a_bound_without_a_lower_end_proves_nothing():
    prob = get("matrix-factorization", d=2, r=1)
    res = find_counterexample(prob.objective, 1, "1/3", "1/3", minima=prob.minima_distance.__call__,
                              region=prob.box)  # fmt: skip
    assert res.proved is False and "no lower bound" in res.reason


def test_the_search_is_deterministic_and_serialises():
    prob = get("matrix-factorization", d=2, r=1)
    args = (prob.objective, 1, "1/3", "1/3")
    a = find_counterexample(*args, minima=prob.minima_distance, region=prob.box, seed=3)
    b = find_counterexample(*args, minima=prob.minima_distance, region=prob.box, seed=3)
    assert a.to_json() == b.to_json()
    data = json.loads(a.to_json())
    assert data["proved"] is True and [Fraction(v) for v in data["point"]] == list(a.point)


@pytest.mark.parametrize("d, r", [(3, 3), (6, 3), (10, 5)])
def test_matrix_factorization_distance_lower_bound_is_tight_for_rank_above_two(d, r):
    prob = get("matrix-factorization", d=d, r=r)
    V = sympy.Matrix(d, r, prob.options["V_star"])
    for k in range(5):
        U = V * sympy.Rational(k + 1, 4) + sympy.Matrix(d, r, lambda i, j: sympy.Rational(i - j, 7))
        lo, hi = prob.minima_distance.bounds(Box([(v, v) for v in U]))
        with mpmath.workdps(50):
            A = mpmath.matrix((V.T * U).tolist())
            nuclear = sum(mpmath.svd_r(A, compute_uv=False))
            sq = sum(v * v for v in U) + sum(v * v for v in V)
            true = mpmath.sqrt(mpmath.mpf(sq.p) / sq.q - 2 * nuclear)
            assert lo <= true <= hi and true - lo < 1e-9 * max(1, true)


def test_minima_points_bounds_are_exact_enclosures():
    mins = MinimaPoints([(1, 0), (-1, 0)])
    lo, hi = mins.bounds(Box([(0, "1/2"), (0, 0)]))
    assert lo == 0.5 and hi == 1.0
    with pytest.raises(InputError, match="points"):
        MinimaPoints([])


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"region": None}, "region=None"),
        ({"region": [(-2, 2)]}, "region has dimension 1"),
        ({"region": SQUARE, "minima": 3}, "minima=3"),
        ({"region": SQUARE, "starts": 0}, "starts=0"),
        ({"region": SQUARE, "time_limit": -1}, "time_limit=-1"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        find_counterexample(Objective(TOY), "0.3", "1.5", "0.5", **kwargs)


def test_bad_constants_are_refused():
    with pytest.raises(InputError, match="theta"):
        find_counterexample(Objective(TOY), 0, "1.5", "0.5", region=SQUARE)


# -- inside check_strict_saddle -----------------------------------------------------------


@pytest.mark.slow
def test_check_strict_saddle_refutes_fifty_variables_without_a_covering():
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    prob = get("matrix-factorization", d=25, r=2)
    rep = check_strict_saddle(prob.objective, prob.box, 1, "1/3", "1/3",
                              minima=prob.minima_distance, max_boxes=100)  # fmt: skip
    assert rep.holds is False and rep.boxes_processed == 0
    assert rep.counterexample.max_width() == 0 and prob.box.contains_box(rep.counterexample)
    assert rep.evidence["grad_norm_upper"] < 1 and rep.evidence["distance_lower"] > 1 / 3


@pytest.mark.slow
def test_check_strict_saddle_with_the_recalled_constants_stays_undecided_without_a_covering():
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    prob = get("matrix-factorization", d=25, r=2)
    c = prob.constants
    constants = (c["theta"].value, c["gamma"].value, c["zeta"].value)
    rep = check_strict_saddle(prob.objective, prob.box, *constants, minima=prob.minima_distance,
                              max_boxes=50)  # fmt: skip
    assert rep.holds is None and rep.counterexample is None and rep.undecided


def test_minima_outside_the_search_box_count_through_its_margin():
    from saddlecheck.landscape.witness import SearchDistance

    obj = Objective("x**2 - y**2")  # no local minimum anywhere: no candidates in any box
    search = critical_points(obj, Box([(-1, 1), (-1, 1)]))
    dist = SearchDistance(obj, search, 1000)
    assert search.minimum_candidates() == []
    half = Fraction(1, 2)
    assert dist.prove((Fraction(0), Fraction(0)), half) == (1.0, "")  # the faces are 1 away
    lower, why = dist.prove((Fraction(9, 10), Fraction(0)), half)  # a minimum could lie at 0.1
    assert lower is None and "beyond zeta" in why

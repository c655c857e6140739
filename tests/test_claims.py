"""docs/CLAIMS.md section 3 (T1-T15) checked on saddlecheck's own PGD, and the checks' own honesty.

Each claim runs against :func:`saddlecheck.pgd` on objectives with exact
constants (:func:`saddlecheck.strategies.strict_saddles`: rotated double wells,
``ell = 59 gamma/16``, ``rho = 15 gamma/(2 s)``) and must hold. The ``c`` used is
1/2 (the theorem needs ``c <= c_max``, unknown). Statistical claims state their
false-alarm probability: T5, T8 at ``1e-7`` each (binomial tests), T11 at
``1e-7`` (KS/DKW). A second group feeds each check data that violate its
claim, so every check is seen to fail when it should.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest
from _budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlecheck import certify_sosp, claims
from saddlecheck.claims import Trace
from saddlecheck.solver.algorithms import draw_perturbation, gd, pgd, pgd_li, pgd_params
from saddlecheck.strategies import (
    matrix_factorizations,
    parameter_tuples,
    quadratic_saddles,
    strict_saddles,
)
from saddlecheck.testing import Landscape

C = Fraction(1, 2)
ALPHA = 1e-7
LANDS = strict_saddles(max_dim=3, max_wells=2, curvature=(Fraction(1, 2), Fraction(2)),
                       max_center=5)  # fmt: skip


def inputs(land: Landscape, kappa: int = 4):
    """``eps = gamma^2/(kappa rho)``: saddles have ``lambda_min <= -sqrt(kappa rho eps)``."""
    gamma = min(c.params[0] for c in land.components if c.kind == "well")
    return float(land.ell), float(land.rho), float(gamma**2 / (kappa * land.rho))


def start(land: Landscape, where: str) -> tuple[float, ...]:
    if where == "saddle":
        return (
            tuple(float(v) for v in land.saddles[0]) if land.saddles else land.to_x([0] * land.dim)
        )
    z = [c.params[1] / 2 if c.kind == "well" else Fraction(1) for c in land.components]
    return tuple(float(v) for v in land.to_x(z))


@lru_cache(maxsize=256)
def run(land: Landscape, where: str, seed: int):
    """saddlecheck.pgd on ``land`` (exact objective), path kept; cached across claims."""
    ell, rho, eps = inputs(land)
    x0 = start(land, where)
    delta_f = land.f(np.array(x0)) - float(land.f_star) + 1e-3
    return pgd(land.objective, x0, eps=eps, ell=ell, rho=rho, c=C, delta=0.1,
               delta_f=delta_f, seed=seed, keep_path=True)  # fmt: skip


runs = st.tuples(LANDS, st.sampled_from(["point", "saddle"]), st.integers(0, 2**16))


def _trace(case):
    res = run(*case)
    assert res.status == "terminated", res.status
    trace = Trace.from_result(res)
    err = 16 * 2.0**-53 * case[0].f_magnitude(trace.points)  # rounding of f's terms
    return res, Trace.from_result(res, f_error=err)


def _ok(v: claims.Verdict) -> None:
    assert v.holds is True, v.explain()


# -- T1: parameters -------------------------------------------------------------------


LAND_PARAMS = LANDS.flatmap(
    lambda land: st.tuples(st.just(land), parameter_tuples(ell=land.ell, rho=land.rho))
)


@given(LAND_PARAMS, st.integers(1, 50), st.sampled_from([None, 30, 60]),
       st.sampled_from([1, "1/3", 1000]))  # fmt: skip
def test_T1_parameter_formulas(lp, dim, dps, delta_f):
    """T1 [P, D]: pgd_params follows Algorithm 2's formulas; chi >= 12; r = g_thres/ell;
    f_thres/t_thres = c^3 eps^2/(chi^4 ell); t_window = ceil(t_thres)."""
    land, p = lp
    params = pgd_params(land.ell, land.rho, p.eps, p.c, p.delta, delta_f, dim, dps=dps)
    _ok(claims.parameter_formulas(params))


# -- claims on one run: T2, T3, T4, T6, T7, T10 ------------------------------------


@settings(max_examples=examples(15))
@given(runs)
def test_T2_descent_at_every_gradient_step(case):
    _ok(claims.descent(_trace(case)[1], run(*case).params))


@settings(max_examples=examples(15))
@given(runs)
def test_T3_perturbation_cost(case):
    res, trace = _trace(case)
    _ok(claims.perturbation_cost(trace, res.params))


@settings(max_examples=examples(15))
@given(runs)
def test_T4_returned_gradient_proved_below_g_thres(case):
    res, _ = _trace(case)
    _ok(claims.returned_gradient(res.x, case[0].objective, res.params))  # ball arithmetic


@settings(max_examples=examples(15))
@given(runs)
def test_T6_iteration_count_within_explicit_bound(case):
    res, trace = _trace(case)
    f0 = case[0].f(np.array(start(case[0], case[1])))
    _ok(claims.iteration_bound(trace.gd_steps, f0, float(case[0].f_star), res.params))
    assert trace.gd_steps == res.iterations


@settings(max_examples=examples(15))
@given(runs)
def test_T7_perturbations_and_window_decrease(case):
    res, trace = _trace(case)
    _ok(claims.perturbation_count(trace, float(case[0].f_star), res.params))


@settings(max_examples=examples(15))
@given(runs)
def test_T10_improve_or_localize(case):
    res, trace = _trace(case)
    _ok(claims.improve_or_localize(trace, res.params))


# -- statistical: T5, T8, T11 ----------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=examples(3))
@given(LANDS)
def test_T5_second_order_failure_rate_at_most_delta(land):
    """T5 [P]: 30 runs from a strict saddle; second-order failures ~ Bin(30, <= delta);
    binomial test at false-alarm 1e-7."""
    _ell, rho, eps = inputs(land)
    outcomes = [certify_sosp(land.objective, run(land, "saddle", s).x.tolist(), eps, rho).holds
                for s in range(30)]  # fmt: skip
    v = claims.second_order_rate(outcomes, 0.1, alpha=ALPHA)
    _ok(v)
    assert v.sample_size == 30 and v.false_alarm == ALPHA


@pytest.mark.slow
@settings(max_examples=examples(3))
@given(LANDS)
def test_T8_escape_probability_against_the_lemma(land):
    """T8 [P]: at an exact strict saddle, 40 independent perturbations; escapes counted
    by saddlecheck's events; one-sided binomial test against the lemma's failure bound
    (d ell/sqrt(rho eps)) e^-chi at false-alarm 1e-7 (c = 1/2)."""
    _ell, _rho, _eps = inputs(land)
    events = [run(land, "saddle", s).perturbations[0] for s in range(40)]
    x_tilde = np.array(events[0].x_tilde, dtype=float)
    lam = float(np.linalg.eigvalsh(land.hess(x_tilde))[0])
    v = claims.escape_probability(
        sum(bool(e.escaped) for e in events), len(events), dim=land.dim,
        params=run(land, "saddle", 0).params, lambda_min=lam,
        grad_norm=float(np.linalg.norm(land.grad(x_tilde))), alpha=ALPHA,
    )  # fmt: skip
    _ok(v)


@given(st.integers(1, 8), st.integers(0, 2**16))
def test_T11_ball_sampler_of_saddlecheck_pgd(dim, seed):
    """T11 [P]: saddlecheck's draw_perturbation + float64 ball point, 2000 draws:
    ||xi|| <= r, (||xi||/r)^d uniform, direction uniform (KS, false-alarm 1e-7)."""
    from saddlecheck.solver.backends import Float64Backend

    st0 = np.random.PCG64(seed).state
    r, rng = 1e-3, (st0["state"]["state"], st0["state"]["inc"], 0, 0)
    xs = []
    ball = SimpleNamespace(dim=dim)
    for _ in range(2000):
        z, u, rng = draw_perturbation(rng, dim)
        xs.append(Float64Backend.ball_point(ball, z, u, r))
    v = claims.ball_sampler(np.array(xs), r, alpha=ALPHA)
    _ok(v)
    assert v.sample_size == 2000


@settings(max_examples=examples(2))
@given(LANDS)
def test_T11_perturbations_of_pgd_runs(land):
    """T11 on the perturbations saddlecheck.pgd actually made (all runs' events pooled)."""
    xis = [ev.xi for s in range(25) for ev in run(land, "saddle", s).perturbations]
    _ok(claims.ball_sampler(np.array(xis, dtype=float), run(land, "saddle", 0).params.r,
                            alpha=ALPHA))  # fmt: skip


# -- T9: coupling, T12: quadratic escape, T13-T15 -----------------------------------


@settings(max_examples=examples(10))
@given(LANDS, st.data())
def test_T9_two_starts_along_e1_are_not_both_stuck(land, data):
    """T9 [P] thin stuck region: u0 anywhere in the ball of radius r about the saddle,
    w0 = u0 + mu r e1 with mu in [delta/(2 sqrt d), 1]: at least one run of t_window
    gradient steps decreases f by f_thres from x_tilde."""
    ell, rho, eps = inputs(land)
    params = pgd_params(ell, rho, eps, C, 0.1, 1.0, land.dim)
    x_tilde = np.array([float(v) for v in land.to_x([0] * land.dim)])  # z = 0: negative curvature
    H = land.hess(x_tilde)
    e1 = np.linalg.eigh(H)[1][:, 0]
    coords = data.draw(st.lists(st.floats(-1, 1), min_size=land.dim, max_size=land.dim))
    v = np.array(coords) * params.r / max(1.0, np.linalg.norm(coords))
    v -= (v @ e1) * e1 * data.draw(st.sampled_from([1.0, 0.0]))  # often exactly in the slab
    lo = 0.1 / (2 * math.sqrt(land.dim))
    mu = data.draw(st.floats(lo, 1))
    _ok(claims.coupling(land.f, land.grad, x_tilde, v, e1, mu, params))


@settings(max_examples=examples(10))
@given(LANDS, st.data())
def test_T9_recalled_coupling_constant(land, data):
    """T9 with the recalled [R] constant 2.5: min(f(u_T) - f(u_0), f(w_T) - f(w_0))
    <= -2.5 f_thres. Recorded as [R] in the verdict."""
    ell, rho, eps = inputs(land)
    params = pgd_params(ell, rho, eps, C, 0.1, 1.0, land.dim)
    x_tilde = np.array([float(v) for v in land.to_x([0] * land.dim)])  # z = 0: negative curvature
    e1 = np.linalg.eigh(land.hess(x_tilde))[1][:, 0]
    mu = data.draw(st.floats(0.1 / (2 * math.sqrt(land.dim)), 1))
    coords = data.draw(st.lists(st.floats(-1, 1), min_size=land.dim, max_size=land.dim))
    v = np.array(coords) * params.r / max(1.0, np.linalg.norm(coords))
    verdict = claims.coupling(land.f, land.grad, x_tilde, v, e1, mu, params, factor=2.5)
    assert verdict.source == "P,R" and verdict.recalled
    _ok(verdict)


@given(quadratic_saddles(max_dim=5), st.data())
def test_T12_quadratic_escape_formula_against_saddlecheck_gd(saddle, data):
    """T12 [P blog]: exact formula f(x_t) = sum lambda_i (1 - eta lambda_i)^(2t) a_i^2/2
    (exact rationals), saddlecheck's gd at 60 digits agrees to 1e-50, and the escape
    time is within the log-d bound."""
    import sympy

    d = saddle.dim
    a = data.draw(st.lists(st.integers(-3, 3).map(lambda k: Fraction(k, 4)), min_size=d,
                           max_size=d).filter(lambda v: v[0] != 0))  # fmt: skip
    steps = 25
    v = claims.quadratic_escape(a, steps, f_escape=1, eigenvalues=saddle.eigenvalues,
                                eta=saddle.eta, rotation=saddle.Q)  # fmt: skip
    assert v.holds is not False, v.explain()
    xs = sympy.symbols(f"x1:{d + 1}")
    Q, lam = saddle.Q, saddle.eigenvalues
    H = [[sum(Q[i][k] * lam[k] * Q[j][k] for k in range(d)) for j in range(d)] for i in range(d)]
    expr = sum(sympy.Rational(H[i][j].numerator, H[i][j].denominator) * xs[i] * xs[j]
               for i in range(d) for j in range(d)) / 2  # fmt: skip
    from saddlecheck import Objective

    ell = max(abs(v) for v in lam)
    x0 = [sum(Q[i][k] * a[k] for k in range(d)) for i in range(d)]
    res = gd(Objective(expr, xs), x0, eps=1, ell=ell, rho=0, c=saddle.eta * ell, delta=0.5,
             delta_f=1, dps=60, stop=False, max_iter=steps)  # fmt: skip
    # compare from the start the run used (pgd/gd round x0 to the run's precision)
    from saddlecheck._validation import to_rational

    x_used = [to_rational(v) for v in res.x0]
    a_used = [sum(Q[i][k] * x_used[i] for i in range(d)) for k in range(d)]  # Q^T x0
    for t, ft in zip(res.history.t, res.history.f, strict=True):
        exact = (
            sum(lam[i] * (1 - saddle.eta * lam[i]) ** (2 * t) * a_used[i] ** 2 for i in range(d))
            / 2
        )
        with mpmath.workdps(60):
            gap = abs(ft - mpmath.mpf(exact.numerator) / exact.denominator)
        assert gap <= 1e-50 * (1 + abs(float(exact))), (t, ft, exact)


def test_T12_escape_steps_grow_like_log_d():
    """T12: blog example H = diag(-1, 1, ..., 1), eta = 1/2, a = (1, ..., 1) (a_1^2 = ||a||^2/d):
    escape time to f <= -1 is within the bound and grows by ~log(d)/(2 log 1.5)."""
    times = {}
    for d in (1, 2, 4, 8, 16, 32, 64):
        v = claims.quadratic_escape([1] * d, 40, f_escape=1)
        _ok(v)
        times[d] = v.lhs
        assert (
            v.rhs <= math.log(d) / (2 * math.log(1.5)) + math.log(2 + 1) / (2 * math.log(1.5)) + 1
        )
    assert times[64] - times[1] <= math.log(64) / (2 * math.log(1.5)) + 1
    assert times[64] > times[1]


@settings(max_examples=examples(6))
@given(LANDS)
def test_T13_strict_saddle_returned_point_is_zeta_close(land):
    """T13 [P]: the landscape is (theta, gamma, zeta)-strict saddle with (derived here, [D])
    theta = min(5 gamma_i s_i/(6 sqrt 6), lam_j s/2), gamma = min gamma_i/2,
    zeta = sqrt(sum s_i^2/4 + (d-w) s^2/4), s = min s_i; PGD with eps~ = min(theta,
    gamma^2/rho) returns a point within zeta of a minimum."""
    wells = [c.params for c in land.components if c.kind == "well"]
    quads = [c.params[0] for c in land.components if c.kind == "quadratic"]
    s_min = min(s for _, s in wells)
    theta = min([5 * g * s / (6 * math.sqrt(6)) for g, s in wells] + [q * s_min / 2 for q in quads])
    gamma = min(g for g, _ in wells) / 2
    zeta = math.sqrt(sum(float(s) ** 2 / 4 for _, s in wells) + len(quads) * float(s_min) ** 2 / 4)
    eps = min(float(theta), float(gamma) ** 2 / float(land.rho))
    x0 = [float(v) for v in land.to_x([0] * land.dim)]
    res = pgd(land.objective, x0, eps=eps, ell=float(land.ell), rho=float(land.rho), c=C,
              delta=0.1, delta_f=-float(land.f_star) + land.f(np.array(x0)), seed=3)  # fmt: skip
    _ok(claims.close_to_minima(res.x, [[float(v) for v in m] for m in land.minima], zeta))


@settings(max_examples=examples(6))
@given(LANDS)
def test_T14_local_linear_rate(land):
    """T14 [D from P]: near a minimum (each well coordinate within s_i/4 of +-s_i, the box is
    convex and invariant), f is alpha-strongly convex and beta-smooth with
    alpha = min(11 gamma_i/16, lam_j), beta = max(59 gamma_i/16, lam_j), hence
    (alpha, beta)-regular; pgd_li's local phase (GD, step 1/beta) contracts dist^2 by
    1 - alpha/beta per step."""
    wells = [c.params for c in land.components if c.kind == "well"]
    quads = [c.params[0] for c in land.components if c.kind == "quadratic"]
    alpha = float(min([11 * g / 16 for g, _ in wells] + quads))
    beta = float(max([59 * g / 16 for g, _ in wells] + quads))
    z = [
        c.params[1] * Fraction(5, 4) if c.kind == "well" else Fraction(1, 8)
        for c in land.components
    ]
    x0 = [float(v) for v in land.to_x(z)]
    m = np.array([float(v) for v in land.to_x([c.params[1] if c.kind == "well" else 0
                                               for c in land.components])])  # fmt: skip
    res = gd(land.objective, x0, eps=1, ell=beta, rho=1, c=1, delta=0.5, delta_f=1,
             stop=False, max_iter=60, keep_path=True)  # fmt: skip
    dist = [float(np.linalg.norm(np.array(x, dtype=float) - m)) for x in res.path]
    _ok(claims.linear_rate(dist, alpha, beta, scale=float(np.linalg.norm(m))))


@pytest.mark.slow
@settings(max_examples=examples(2))
@given(matrix_factorizations(max_d=2, max_r=1, max_s=2))
def test_T13_T14_matrix_factorization_with_recalled_constants(mf):
    """T13/T14 on the paper's matrix factorization with its recalled [R] constants
    (docs/CLAIMS.md s.4): PGDli with ell = 8 Gamma, rho = 12 sqrt(Gamma),
    eps~ = sigma_r^2/(108 sqrt(Gamma)), beta = 10 sigma_1 ends within zeta = sqrt(sigma_r)/3
    of {V* R}, and its local phase contracts at rate 1 - alpha/beta, alpha = 2 sigma_r/3."""
    G, s1, sr = (mf.constant(k) for k in ("Gamma", "sigma_1", "sigma_r"))
    v = np.array([float(t) for t in mf.options["V_star"]])
    x0 = (0.5 * v).tolist()  # on the segment to the minimum: not a saddle start
    res = pgd_li(mf.objective, x0, eps=sr**2 / (108 * math.sqrt(G)), beta=10 * s1, ell=8 * G,
                 rho=12 * math.sqrt(G), delta_f=mf.objective.value(x0), seed=0, local_iter=200,
                 keep_path=False)  # fmt: skip

    def dist(x):
        return min(
            np.linalg.norm(np.asarray(x, float) - v), np.linalg.norm(np.asarray(x, float) + v)
        )

    verdict = claims.close_to_minima(res.x, dist, math.sqrt(sr) / 3, recalled=("zeta",))
    _ok(verdict)
    assert verdict.source == "P,R"


def test_T15_volume_bound_exact_for_every_d_up_to_3000():
    """T15 [P]: (1/sqrt(pi d)) Gamma(d/2+1)/Gamma(d/2+1/2) <= 1, decided exactly (integers,
    pi > 333/106) for d = 1..3000; the maximum is 1/2 at d = 1. For all d: proofs/volume.py."""
    v = claims.stuck_volume(range(1, 3001))
    _ok(v)
    assert abs(v.lhs - 0.5) < 1e-12 and v.where == "max at d=1"


# -- every check fails on data that violate its claim ---------------------------------

P = pgd_params(1, 1, 1, Fraction(1, 2), Fraction(1, 2), 1, 1)


def _bad(v: claims.Verdict) -> None:
    assert v.holds is False, v.explain()


def test_checks_fail_on_violating_data():
    bad_params = SimpleNamespace(**{**P.__dict__, "r": P.r * 1.001})
    _bad(claims.parameter_formulas(bad_params))  # T1
    no_drop = Trace(np.array([1.0, 1.0]), np.array([1.0, 1.0]), np.array([False]))
    _bad(claims.descent(no_drop, P))  # T2: no decrease despite ||g|| = 1
    jump_up = Trace(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([True]))
    _bad(claims.perturbation_cost(jump_up, P))  # T3
    _bad(claims.returned_gradient([0.0], lambda x: np.array([1.0]), P))  # T4 (float)
    from saddlecheck import Objective

    _bad(claims.returned_gradient([1.0], Objective("x**2"), P))  # T4 (balls): ||g|| = 2
    _bad(claims.second_order_rate([False] * 20, 0.1))  # T5: 20/20 failures at delta = 0.1
    _bad(claims.iteration_bound(10**9, 1.0, 0.0, P))  # T6
    many = Trace(np.zeros(7), np.zeros(7), np.array([True, False, True, False, True, False]))
    _bad(claims.perturbation_count(many, -1e-9, P))  # T7: 3 perturbations, budget ~1
    H = SimpleNamespace(
        **{**P.__dict__, "chi": 1.0}
    )  # lemma bound ~1/e: 0 escapes of 200 is rejected
    _bad(claims.escape_probability(0, 200, dim=1, params=H, lambda_min=-2.0, grad_norm=0.0))  # T8
    far = Trace(np.array([1.0, 0.999]), np.array([1.0, 1.0]), np.array([False]),
                points=np.array([[0.0], [10.0]]))  # fmt: skip
    _bad(claims.improve_or_localize(far, P))  # T10: moved 10 for a drop of 1e-3
    sphere = np.random.default_rng(0).standard_normal((300, 3))
    sphere *= P.r / np.linalg.norm(sphere, axis=1, keepdims=True)
    _bad(claims.ball_sampler(sphere, P.r))  # T11: on the sphere, not in the ball
    _bad(claims.ball_sampler(sphere * 2, P.r))  # T11: outside the ball
    _bad(claims.close_to_minima([3.0], [[0.0]], 1.0))  # T13
    _bad(claims.linear_rate([1.0, 0.99], 1.0, 2.0))  # T14: rate 1/2 promised
    flat = SimpleNamespace(**{**P.__dict__, "t_window": 0, "t_thres": 0.5, "f_thres": 1.0})
    _bad(claims.coupling(lambda x: float(x @ x), lambda x: 2 * x, [0.0], [0.0], [1.0], 1.0,
                         flat))  # T9: a minimum, nothing to escape  # fmt: skip


def test_T12_detects_a_wrong_formula():
    """A claimed eigenvalue that is not the matrix's gives a formula that fails exactly."""
    v = claims.quadratic_escape([1, 1], 5, f_escape=1, eigenvalues=[-1, 1], eta=Fraction(1, 2),
                                rotation=[[0, 1], [1, 0]])  # fmt: skip
    assert v.holds is True  # a permutation is orthogonal: still exact
    assert claims.quadratic_escape([0, 1], 5, f_escape=1).holds is None  # a_1 = 0: never escapes


def test_T15_exact_decision_matches_mpmath():
    """The integer test of T15 agrees with 50-digit mpmath on q(d) for d <= 200."""
    from saddlecheck.claims._sampler import _volume_fraction_le_one

    with mpmath.workdps(50):
        for d in range(1, 201):
            q = mpmath.gamma(mpmath.mpf(d) / 2 + 1) / (
                mpmath.sqrt(mpmath.pi * d) * mpmath.gamma(mpmath.mpf(d) / 2 + 0.5)
            )
            assert _volume_fraction_le_one(d) == (q <= 1)
            assert q <= 0.5 + 1e-40


@pytest.mark.parametrize("d", [2, 3, 4, 7, 12, 31])
def test_sphere_coordinate_cdf_matches_mpmath_betainc(d):
    from saddlecheck.claims._statistics import sphere_coordinate_cdf

    t = np.linspace(-1, 1, 81)
    b = (d - 1) / 2
    ref = [0.5 + math.copysign(0.5, v) * float(mpmath.betainc(0.5, b, 0, v * v, regularized=True))
           for v in t]  # fmt: skip
    assert np.max(np.abs(sphere_coordinate_cdf(d)(t) - np.array(ref))) < 1e-14


def test_verdict_serialises_and_explains():
    import json

    v = claims.ball_sampler(np.full((5, 1), 0.5), 1.0)
    data = json.loads(v.to_json())
    assert data["claim"] == "T11" and data["sample_size"] == 5
    assert "T11 [P]" in v.explain()
    with pytest.raises(ValueError):
        claims.Verdict("T1", "X", True, 0, 0, 0, "bad tag")

"""PGD (Algorithm 2 of Jin et al., ICML 2017), GD and PGDli: behaviour and contracts (issue 4).

Claims checked here: the parameters follow Algorithm 2's formulas (T1) and
Theorem 3's conditions are enforced; from the exact saddle of the toy, GD
never moves and PGD reaches a certified eps-SOSP within 0.05 of a minimum for
every seed tried; float64 and mpmath (50 digits) runs with one seed agree to
float64 accuracy; the run is a sequence of pure steps; it matches an
independent numpy implementation written from the paper (tests/guard_reference.py)
draw for draw. The run-by-run inequalities (T2-T7, T10) are in
tests/test_pgd_properties.py.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import saddlecheck.solver.steps as steps_module
from saddlecheck import Box, InputError, Objective
from saddlecheck.certificates.certify import certify_sosp
from saddlecheck.solver.algorithms import PGDStepper, gd, pgd, pgd_li, pgd_params

TOY = "x**4/4 - x**2/2 + y**2/2"
# The toy on [-2, 2]^2: ell = 3*2^2 - 1 = 11, rho = 6*2 = 12 (docs/CLAIMS.md s.5), f* = -1/4.
TOY_KW = {"eps": Fraction(1, 100), "ell": 11, "rho": 12, "delta_f": Fraction(1, 4)}


@pytest.fixture(scope="module")
def toy():
    return Objective(TOY)


# -- T1: parameters ----------------------------------------------------------------------


positive = st.fractions(min_value=Fraction(1, 1000), max_value=1000)


def formulas_50_digits(ell, rho, eps, c, delta, delta_f, dim) -> dict:
    """Algorithm 2's parameters straight from the paper's Algorithm 2, in 50-digit mpmath."""
    with mpmath.workdps(50):
        L, P, E, C, D, F = (
            mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
            for v in (ell, rho, eps, c, delta, delta_f)
        )
        chi = 3 * max(mpmath.log(dim * L * F / (C * E**2 * D)), 4)
        return {
            "chi": chi,
            "eta": C / L,
            "r": mpmath.sqrt(C) / chi**2 * E / L,
            "g_thres": mpmath.sqrt(C) / chi**2 * E,
            "f_thres": C / chi**3 * mpmath.sqrt(E**3 / P),
            "t_thres": chi / C**2 * L / mpmath.sqrt(P * E),
        }


@given(
    ell=positive,
    rho=positive,
    eps_frac=st.fractions(min_value=Fraction(1, 10**6), max_value=1),
    c=st.fractions(min_value=Fraction(1, 100), max_value=1),
    delta=st.fractions(min_value=Fraction(1, 1000), max_value=Fraction(999, 1000)),
    delta_f=positive,
    dim=st.integers(1, 1000),
    dps=st.sampled_from([None, 30]),
)
@example(Fraction(23, 4), 9, Fraction(4, 23**2), 1, Fraction(1, 100), 3, 20, None)
@example(288, 72, Fraction(1, 64), Fraction(1, 4), Fraction(1, 2), 7, 6, 30)
def test_T1_parameter_formulas(ell, rho, eps_frac, c, delta, delta_f, dim, dps):
    """T1 (eps <= ell^2/rho): every parameter equals its formula evaluated in 50 digits, to
    the run's precision (float64: 4 ulps; 30 digits: 10^-29 relative); chi >= 12;
    r = g_thres/ell; f_thres/t_thres = c^3 eps^2/(chi^4 ell); t_window = ceil(t_thres)."""
    eps = eps_frac * ell * ell / rho
    p = pgd_params(ell, rho, eps, c, delta, delta_f, dim, dps=dps)
    want = formulas_50_digits(ell, rho, eps, c, delta, delta_f, dim)
    rel = 4 * 2.0**-53 if dps is None else mpmath.mpf(10) ** -29
    with mpmath.workdps(50):
        for name, w in want.items():
            assert abs(mpmath.mpf(getattr(p, name)) - w) <= rel * abs(w), name
        chi, ell_m = mpmath.mpf(p.chi), mpmath.mpf(p.ell)
        assert chi >= 12
        assert abs(mpmath.mpf(p.r) * ell_m / mpmath.mpf(p.g_thres) - 1) <= 4 * rel
        ratio = mpmath.mpf(p.f_thres) / mpmath.mpf(p.t_thres)
        identity = mpmath.mpf(p.c) ** 3 * mpmath.mpf(p.eps) ** 2 / (chi**4 * ell_m)
        assert abs(ratio / identity - 1) <= 16 * rel
    t = want["t_thres"]
    assert p.t_window == int(mpmath.ceil(t)) or abs(t - mpmath.nint(t)) < 10**-40
    assert isinstance(p.t_window, int)
    assert isinstance(p.eta, float if dps is None else mpmath.mpf)


def test_t_window_is_exact_when_t_thres_is_an_integer():
    """chi = 12 and ell = rho = eps = c = 1: t_thres = 12 exactly, so t_window = 12 (not 13)."""
    p = pgd_params(1, 1, 1, 1, Fraction(1, 2), 1, 1)
    assert (p.chi, p.t_thres, p.t_window) == (12.0, 12.0, 12)
    # c = 1/2, rho eps = (48/49)^2: t_thres = 48 ell / sqrt(rho eps) = 49 exactly (decided
    # exactly, whatever the rounding of the float value)
    eps = Fraction(48, 49) ** 2
    p = pgd_params(1, 1, eps, Fraction(1, 2), Fraction(1, 2), Fraction(1, 10**6), 1)
    assert p.chi == 12.0 and p.t_window == 49 and p.t_thres == pytest.approx(49, rel=1e-15)


def test_rho_zero_means_no_curvature_condition():
    """rho = 0: the formulas use rho = ell^2/eps (the largest Theorem 3 allows); then
    t_thres = chi/c^2 and f_thres = c eps^2/(chi^3 ell), and any eps > 0 is accepted."""
    p = pgd_params(2, 0, 100, Fraction(1, 2), Fraction(1, 10), 1, 3)
    assert p.rho_given == 0 and p.rho == 2**2 / 100 and p.no_curvature_condition
    assert p.t_thres == pytest.approx(p.chi / 0.25, rel=1e-15)
    assert p.f_thres == pytest.approx(0.5 * 100**2 / (p.chi**3 * 2), rel=1e-15)
    assert "no curvature condition" in p.explain()
    res = pgd("x**2/2 + y**2", [1, -1], eps=0.01, ell=2, rho=0, delta_f=2, seed=0)
    assert res.status == "terminated" and res.grad_norm <= res.params.g_thres


def test_quadratic_saddle_with_rho_zero_keeps_escaping_until_max_iter():
    """x^2/2 - y^2/2 is unbounded below: every window escapes, the run ends at max_iter."""
    res = pgd("x**2/2 - y**2/2", [0, 0], eps=0.01, ell=1, rho=0, delta_f=1, seed=1, max_iter=400)
    assert res.status == "max_iter" and res.iterations == 400
    assert res.perturbations and all(e.escaped for e in res.perturbations if e.f_after is not None)


BAD_PARAMS = [
    ({"ell": 0}, "ell=0 must be > 0"),
    ({"rho": -1}, "rho=-1 must be >= 0"),
    ({"eps": 0}, "eps=0 must be > 0"),
    ({"eps": 11}, "Theorem 3 assumes eps <= ell^2/rho"),
    ({"c": 0}, "must lie in (0, 1]"),
    ({"c": 1.5}, "descent lemma needs eta <= 1/ell"),
    ({"delta": 1}, "failure probability"),
    ({"delta_f": 0}, "upper bound on f(x0) - f*"),
    ({"dim": 0}, "dim=0"),
    ({"ell": float("nan")}, "not finite"),
    ({"dps": 5}, "dps=5 is out of range"),
]


@pytest.mark.parametrize("change, fragment", BAD_PARAMS)
def test_bad_parameters_are_refused_with_the_reason(change, fragment):
    kw = dict(ell=1, rho=1, eps=1, c=0.5, delta=0.1, delta_f=1, dim=2) | change
    with pytest.raises(InputError) as info:
        pgd_params(**kw)
    assert fragment in str(info.value)


BAD_RUNS = [
    ({"ell": None}, "pass ell= and rho="),
    ({"delta_f": None}, "pass delta_f="),
    ({"box": [(-2, 2)]}, "dimension 1"),
    ({"box": [(1, 2), (1, 2)]}, "outside box"),
    ({"x0": [0]}, "shape"),
    ({"x0": [0, "a"]}, "not a number"),
    ({"seed": -1}, "seed=-1"),
    ({"max_iter": 1.5}, "max_iter=1.5"),
    ({"callback": 3}, "must be callable"),
    ({"callback_every": 0}, "callback_every=0"),
    ({"obj": 3}, "formula string"),
]


@pytest.mark.parametrize("change, fragment", BAD_RUNS)
def test_bad_runs_are_refused_with_the_reason(toy, change, fragment):
    kw = dict(obj=toy, x0=[0, 0], **TOY_KW) | change
    with pytest.raises(InputError) as info:
        pgd(**kw)
    assert fragment in str(info.value)


def test_pgd_li_refuses_bad_beta(toy):
    with pytest.raises(InputError, match="beta=0 must be > 0"):
        pgd_li(toy, [0, 0], beta=0, **TOY_KW)


def test_non_finite_gradient_stops_the_run_with_iteration_and_point():
    """ell far too small for x**4 at x = 10: the iterates blow up and the run says where."""
    with pytest.raises(InputError) as info:
        pgd("x**4 + y**2", [10, 0], eps=1e-3, ell=1e-3, rho=1e-3, delta_f=1e4, seed=0)
    msg = str(info.value)
    assert "at iteration" in msg and "x_t = [" in msg and "beyond the float64 range" in msg
    assert "diverged" in msg and "dps=" in msg


def test_pgd_from_700_on_exp_runs_and_overflow_messages_are_true():
    """Issue 11 item 10: exp(700) ~ 1e304 is finite; only ||grad||^2 overflowed."""
    res = pgd("exp(x)", [700], eps=1e-3, ell=1, rho=1, delta_f=1, max_iter=3, seed=0)
    assert res.iterations == 3 and res.x[0] < 0
    with pytest.raises(InputError, match=r"f\(x0\) at x0=\[710.0\] is beyond the float64 range"):
        pgd("exp(x)", [710], eps=1e-3, ell=1, rho=1, delta_f=1, max_iter=3, seed=0)
    res = pgd("exp(x)", [710], eps=1e-3, ell=1, rho=1, delta_f=1, max_iter=3, seed=0, dps=30)
    assert res.iterations == 3  # mpmath has no float64 range limit


# -- the exact saddle of the toy ----------------------------------------------------------


def test_gd_stays_at_the_exact_saddle_forever(toy):
    """grad f(0, 0) = 0 exactly: GD never moves (2000 steps), and GD's own stopping
    test (||grad|| <= g_thres) returns the saddle at t = 0."""
    res = gd(toy, [0, 0], stop=False, max_iter=2000, **TOY_KW)
    assert res.status == "max_iter" and res.iterations == 2000
    assert res.x.tolist() == [0.0, 0.0] and res.perturbations == ()
    assert set(res.history.f) == {0.0} and len(res.history) == 2001
    stopped = gd(toy, [0, 0], **TOY_KW)
    assert (stopped.status, stopped.iterations, stopped.x.tolist()) == ("terminated", 0, [0.0, 0.0])


@pytest.mark.parametrize("seed", range(8))
def test_pgd_escapes_the_exact_saddle_to_a_certified_sosp(toy, seed):
    """From (0, 0) PGD returns a point within 0.05 of (+-1, 0) for every seed tried,
    and certify_sosp proves it is an eps-SOSP (eps = 1/100, rho = 12; c = 1/2)."""
    res = pgd(toy, [0, 0], seed=seed, **TOY_KW)
    assert res.status == "terminated"
    assert min(np.hypot(res.x[0] - s, res.x[1]) for s in (1, -1)) <= 0.05
    cert = certify_sosp(toy, res.x, eps=TOY_KW["eps"], rho=12)
    assert cert.holds is True, cert.reason
    assert cert.grad_norm[1] <= res.params.g_thres
    assert res.perturbations[0].iteration == 0 and res.perturbations[0].escaped is True


def test_both_minima_are_reached_over_seeds(toy):
    """The perturbation direction is random: seeds 0..15 reach both (1, 0) and (-1, 0)."""
    signs = {np.sign(pgd(toy, [0, 0], seed=s, **TOY_KW).x[0]) for s in range(16)}
    assert signs == {1.0, -1.0}


def test_float64_and_mpmath_50_digits_agree_on_the_same_draws(toy):
    """Same seed: same draws, same decisions, same point to float64 accuracy."""
    a = pgd(toy, [0.25, 0.5], seed=7, **TOY_KW)
    b = pgd(toy, [0.25, 0.5], seed=7, dps=50, **TOY_KW)
    assert b.params.dps == 50 and isinstance(b.x[0], mpmath.mpf)
    assert (a.iterations, a.status) == (b.iterations, b.status)
    assert [e.iteration for e in a.perturbations] == [e.iteration for e in b.perturbations]
    assert [e.escaped for e in a.perturbations] == [e.escaped for e in b.perturbations]
    u = 2.0**-52
    for ea, eb in zip(a.perturbations, b.perturbations, strict=True):
        assert np.allclose(ea.xi, eb.xi.astype(float), rtol=8 * u, atol=0)
    assert np.allclose(a.x, b.x.astype(float), rtol=1e3 * u, atol=1e3 * u)
    assert abs(a.f - float(b.f)) <= 1e3 * u


def test_matches_an_independent_numpy_implementation_draw_for_draw():
    """tests/guard_reference.py (written from the paper only) with the same
    Generator(PCG64(seed)) draws returns the same x_tilde."""
    from guard_reference import pgd as reference

    obj = Objective(TOY)
    for seed in (0, 1, 2):
        res = pgd(obj, [0, 0], seed=seed, **TOY_KW)
        problem = SimpleNamespace(
            dim=2, ell=11.0, rho=12.0, eps=0.01, c=0.5, delta=0.1, delta_f=0.25,
            x0=[0.0, 0.0], max_iter=10**6, f=obj.value, grad=obj.grad,
        )  # fmt: skip
        ref = reference(problem, seed)
        assert np.allclose(ref, res.x, rtol=1e-12, atol=1e-300)


# -- pure steps, reproducibility, history ------------------------------------------------------


def test_steps_are_pure(toy):
    p = pgd_params(11, 12, 0.01, 0.5, 0.1, 0.25, 2)
    stepper = PGDStepper(toy, p, steps_module_backend(toy))
    s0 = stepper.init([0.0, 0.0], seed=3)
    again = stepper.init([0.0, 0.0], seed=3)
    assert s0.perturbed and np.array_equal(s0.x, again.x) and s0.rng_state == again.rng_state
    x_before = s0.x.copy()
    a, b = stepper.step(s0), stepper.step(s0)
    assert np.array_equal(a.x, b.x) and a.t == b.t == 1 and np.array_equal(s0.x, x_before)
    done = s0._replace(done=True)
    with pytest.raises(InputError, match="no next step"):
        stepper.step(done)


def steps_module_backend(obj):
    from saddlecheck.solver.backends import backend_for

    return backend_for(obj, None)


def test_same_seed_same_run_and_seed_is_recorded(toy):
    a, b = pgd(toy, [0, 0], seed=11, **TOY_KW), pgd(toy, [0, 0], seed=11, **TOY_KW)
    assert a.iterations == b.iterations and np.array_equal(a.x, b.x)
    c = pgd(toy, [0, 0], seed=12, **TOY_KW)
    assert not np.array_equal(a.perturbations[0].xi, c.perturbations[0].xi)
    fresh = pgd(toy, [0, 0], **TOY_KW)
    replay = pgd(toy, [0, 0], seed=fresh.seed, **TOY_KW)
    assert np.array_equal(fresh.x, replay.x)


def test_history_is_complete_for_short_runs(toy):
    res = pgd(toy, [0, 0], seed=0, **TOY_KW)
    h = res.history
    assert h.complete and list(h.t) == list(range(res.iterations + 1))
    assert [t for t, p in zip(h.t, h.perturbed, strict=True) if p] == [
        e.iteration for e in res.perturbations
    ]


def test_history_is_thinned_beyond_the_cap_but_keeps_every_event(toy, monkeypatch):
    monkeypatch.setattr(steps_module, "HISTORY_CAP", 50)
    res = pgd(toy, [0, 0], seed=0, **TOY_KW)
    h = res.history
    assert not h.complete and res.iterations > 50
    assert list(h.t[:51]) == list(range(51)) and h.t[-1] == res.iterations
    assert all(a < b for a, b in zip(h.t, h.t[1:], strict=False))
    kept = set(h.t)
    tw = res.params.t_window
    for e in res.perturbations:
        assert e.iteration in kept and (e.f_after is None or e.iteration + tw in kept)
    assert len(h) <= 2 * 50 + 2 * len(res.perturbations) + 2


def test_callback_sees_states_every_k_iterations(toy):
    seen = []
    res = pgd(toy, [0, 0], seed=0, callback=lambda s: seen.append(s.t), callback_every=1000,
              **TOY_KW)  # fmt: skip
    assert seen == list(range(1000, res.iterations + 1, 1000))


def test_box_defaults_and_leaving_the_box_is_reported(toy):
    """With only a box, ell and rho come from smoothness() and Delta_f from
    value_lower_bound(); a box the run leaves is reported, not ignored."""
    box = Box([(-2, 2), (-2, 2)])
    res = pgd(toy, [0, 0], eps=0.01, box=box, seed=0)
    assert res.params.ell >= 11 and res.params.rho >= 12 and res.params.delta_f >= 0.25
    assert "smoothness" in res.sources["ell"] and res.bound.f_star <= -0.25
    assert res.left_box == () and "stayed in the box" in res.explain()
    small = pgd(toy, [0, 0], seed=0, box=[(-0.5, 0.5), (-0.5, 0.5)], **TOY_KW)
    assert small.left_box and small.outside_box >= 1 and "WARNING" in small.explain()
    assert abs(abs(small.x[0]) - 1) < 0.05  # the run itself is not confined


def test_pgd_li_runs_the_local_phase_from_pgds_point(toy):
    """PGDli: GD with step 1/beta (beta = 2 >= Hess norm 2 near (+-1, 0)) from x_tilde."""
    res = pgd_li(toy, [0, 0], beta=2, seed=0, local_iter=40, **TOY_KW)
    first = pgd(toy, [0, 0], seed=0, **TOY_KW)
    assert np.array_equal(res.local.x0, first.x) and res.local.iterations == 40
    assert res.iterations == first.iterations + 40
    assert res.local.grad_norm <= first.grad_norm and res.f <= first.f
    f = res.local.history.f
    assert all(b <= a for a, b in itertools.pairwise(f))
    tol = pgd_li(toy, [0, 0], beta=2, seed=0, local_tol=1e-300, local_iter=10, **TOY_KW)
    assert tol.local.status in ("completed", "tolerance") and "local phase" in tol.explain()


def test_to_json_round_trips_the_numbers(toy):
    for dps in (None, 30):
        res = pgd(toy, [0.5, 0.5], seed=2, dps=dps, **TOY_KW)
        data = json.loads(res.to_json())
        assert data["iterations"] == res.iterations and data["status"] == res.status
        assert len(data["history"]["t"]) == len(res.history)
        if dps is None:
            assert data["x"] == res.x.tolist()
        else:
            with mpmath.workdps(30):
                assert [mpmath.mpf(v) for v in data["x"]] == list(res.x)
        assert data["params"]["t_window"] == res.params.t_window
    assert "iteration bound" in res.explain() and math.isfinite(res.bound.value)


def test_trace_feeds_the_claims_module(toy):
    """result.trace() is the chain of points the claims read (x_tilde and x_tilde + xi
    both present): saddlecheck.claims finds T2, T3, T7 and T10 true on a run."""
    from saddlecheck import claims

    res = pgd(toy, [0.5, -0.5], seed=4, keep_path=True, **TOY_KW)
    tr = res.trace()
    assert len(tr.f) == res.iterations + 1 + len(res.perturbations)
    assert int(tr.jumps.sum()) == len(res.perturbations) and tr.terminated
    xis = np.array([e.xi for e in res.perturbations])
    assert np.allclose(tr.xis(), xis, rtol=0, atol=4 * 2.0**-53 * np.abs(tr.points).max())
    p = res.params
    for verdict in (
        claims.descent(tr, p),
        claims.perturbation_cost(tr, p),
        claims.perturbation_count(tr, -0.25, p),
        claims.improve_or_localize(tr, p),
    ):
        assert verdict.holds is True, verdict.message


def test_mpmath_start_point_keeps_the_run_precision():
    """x0 = -3/20 at dps=60 is rounded to 60 digits, not to 53 bits (regression)."""
    obj = Objective("x**2/2")
    res = pgd(obj, ["-3/20"], eps=1e-3, ell=1, rho=1, delta_f=1, dps=60, seed=0, max_iter=3)
    with mpmath.workdps(60):
        assert abs(res.x0[0] + mpmath.mpf(3) / 20) < mpmath.mpf(10) ** -58

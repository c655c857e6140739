"""Run-by-run claims of the paper on saddlecheck's PGD (docs/CLAIMS.md s.3), float64 and mpmath.

Every run of a Hypothesis-generated family must satisfy, in the run's own
precision (round-off allowance ``64 u`` times the magnitude of the terms, with
``u = 2^-53`` for float64 and ``2^-prec`` for mpmath):

* T2 descent lemma at every gradient step: ``f(x_{t+1}) <= f(x_t) - eta (1 - eta
  ell/2) ||grad f(x_t)||^2`` (needs only ``eta = c/ell <= 1/ell``, i.e. ``c <= 1``);
* T3 perturbation cost ``f(x_tilde + xi) - f(x_tilde) <= g_thres r + ell r^2/2``;
* T4 the returned point has ``||grad f|| <= g_thres`` (as computed, and proved
  with ball arithmetic up to the evaluation round-off);
* T6 iterations ``<= 2 chi^4 ell (f(x0) - f*)/(c^3 eps^2) + t_thres + 1``;
* T7 perturbations ``<= (f(x0) - f*)/f_thres + 1``, every completed non-final
  window decreases ``f`` by ``>= f_thres``;
* T10 improve or localize: ``||x_tau - x_a||^2 <= 2 eta (t - a)(f(x_a) - f(x_t))``
  for ``a <= tau <= t`` on every gradient-descent segment;
and T5 (second order, rate ``<= delta``) is checked statistically over seeds.

The deterministic claims need ``c <= 1`` only; the paper's ``c_max`` is unknown,
so each test states the ``c`` values it draws. The families: the toy
``z1^4/4 - z1^2/2 + sum_i a_i z_i^2/2`` with ``z = Q^T x`` for an exactly
orthogonal rational ``Q`` (two Householder reflections), ``d`` up to 20, on the
region ``|z1| <= 3/2`` (``ell = max(23/4, max a_i)``, ``rho = 9``, ``f* = -1/4``;
GD with ``eta <= 1/ell`` never leaves it: the map ``z1 -> z1 - eta (z1^3 - z1)``
is increasing and fixes 0 and +-1); matrix factorization ``1/2||UU^T - M*||_F^2``
with the paper's ``sqrt(Gamma) = 2 max(||U0||, 3 sqrt(sigma_1))``, ``ell = 8
Gamma``, ``rho = 12 sqrt(Gamma)`` on ``||U||^2 <= Gamma`` (derived here:
``|Hess[D,D]| <= (6||U||^2 + 2 sigma_1)||D||^2``, ``|D^3 f[D,D,D]| = 6|<UD^T + DU^T,
DD^T>| <= 12 ||U|| ||D||^3``), checked to hold along each run.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import flint
import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from saddlecheck import Objective
from saddlecheck.certificates.certify import certify_sosp
from saddlecheck.problems import matrix_factorization
from saddlecheck.solver.algorithms import pgd

R = Fraction(3, 2)  # region |z1| <= R of the rotated toy
TOY_RHO = 6 * R


def householder_pair(d: int, seed: int) -> list[list[Fraction]]:
    """``Q = H(v) H(w)``, ``H(v) = I - 2 v v^T / v^T v``: exactly orthogonal, rational."""
    rng = np.random.default_rng(seed)
    Q = [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    for _ in range(2):
        v = [Fraction(int(k)) for k in rng.integers(-3, 4, d)]
        if not any(v):
            v[0] = Fraction(1)
        vv = sum(a * a for a in v)
        H = [[Fraction(int(i == j)) - 2 * v[i] * v[j] / vv for j in range(d)] for i in range(d)]
        Q = [[sum(Q[i][k] * H[k][j] for k in range(d)) for j in range(d)] for i in range(d)]
    return Q


@functools.lru_cache(maxsize=64)
def rotated_toy(d: int, seed: int, a: tuple[Fraction, ...]):
    """``(objective, Q as floats, ell)``; ``f* = -1/4`` at ``z = (+-1, 0, ...)``."""
    Q = householder_pair(d, seed)
    xs = sympy.symbols(f"x1:{d + 1}")
    z = [sum(sympy.Rational(Q[k][j]) * xs[k] for k in range(d)) for j in range(d)]
    expr = z[0] ** 4 / 4 - z[0] ** 2 / 2
    expr += sum(sympy.Rational(ai) * zi**2 / 2 for ai, zi in zip(a, z[1:], strict=True))
    ell = max(3 * R * R - 1, *a)
    return Objective(expr, xs), np.array([[float(v) for v in row] for row in Q]), ell, Q


def exact_value(obj: Objective, x) -> Fraction:
    v = obj.exact("value", list(x))
    return Fraction(int(v.p), int(v.q))


def proved_grad_norm_upper(obj: Objective, x) -> float:
    with flint.ctx.workprec(80):
        sq = sum((g * g for g in obj.enclose("grad", list(x), prec=80)), flint.arb(0))
        return float(sq.upper().sqrt().upper())


def chain(res):
    """Points of the run in order, in the run's precision: (f, grad_norm, jump to next)."""
    h, events = res.history, {e.iteration: e for e in res.perturbations}
    assert h.complete, "property checks need every iteration"
    f, g, jump, t_of = [], [], [], []
    for i, t in enumerate(h.t):
        if h.perturbed[i]:
            e = events[t]
            f.append(e.f_before), g.append(e.grad_norm_before), jump.append(True), t_of.append(t)
        f.append(h.f[i]), g.append(h.grad_norm[i]), jump.append(False), t_of.append(t)
    return f, g, jump[:-1], t_of


def check_run(res, obj, f_star, f_scale: float, in_region) -> None:
    """T2, T3, T4, T6, T7, T10 on one run (see the module docstring), in the run's precision."""
    with mpmath.workdps(res.params.dps or 15):
        _check_run(res, obj, f_star, f_scale, in_region)


def _check_run(res, obj, f_star, f_scale: float, in_region) -> None:
    p = res.params
    u = 2.0**-53 if p.dps is None else 2.0 ** -mpmath.libmp.dps_to_prec(p.dps)
    xn = max(float(np.linalg.norm(np.asarray(x, dtype=float))) for x in res.path)
    eta, ell = p.eta, p.ell
    f, g, jump, _ = chain(res)
    tol = 64 * u * (f_scale + float(max(g)) * (1 + xn))
    for k, is_jump in enumerate(jump):  # T2
        if not is_jump:
            bound = f[k] - eta * (1 - eta * ell / 2) * g[k] ** 2
            assert f[k + 1] <= bound + tol, f"T2 fails at point {k}: {f[k + 1]} > {bound}"
    for e in res.perturbations:  # T3 (g_thres r + ell r^2/2), and the rule's own conditions
        assert e.f_perturbed - e.f_before <= p.g_thres * p.r + ell * p.r**2 / 2 + tol
        assert e.grad_norm_before <= p.g_thres
        assert float(np.linalg.norm(np.asarray(e.xi, dtype=float))) <= float(p.r) * (1 + 8 * u)
    if res.status == "terminated":  # T4
        assert res.grad_norm <= p.g_thres
        assert proved_grad_norm_upper(obj, res.x) <= float(p.g_thres) + 64 * u * float(ell) * (
            1 + xn
        )
    f0 = f[0]
    assert res.iterations <= res.bound.value  # T6 with the bound's own f*
    gap = max(float(f0) - float(f_star), 0.0)
    true_bound = 2 * float(p.chi) ** 4 * float(ell) * gap / (float(p.c) ** 3 * float(p.eps) ** 2)
    assert res.iterations <= true_bound + float(p.t_thres) + 1  # T6 with the true f*
    assert len(res.perturbations) <= gap / float(p.f_thres) + 1 + 1e-9  # T7
    completed = [e for e in res.perturbations if e.f_after is not None]
    final = completed[-1:] if res.status == "terminated" else []
    for e in completed:
        if e in final:
            assert e.escaped is False and e.f_after - e.f_before > -p.f_thres
        else:
            assert e.escaped is True and e.f_after - e.f_before <= -p.f_thres
    pts = [np.asarray(x) for x in res.path]  # float64, or mpf objects (exact run values)
    ff, seg_start = res.history.f, 0
    cuts = [e.iteration for e in res.perturbations] + [res.iterations + 1]
    for cut in cuts:  # T10 on each gradient-descent segment [seg_start, cut - 1]
        seg = range(seg_start, cut)
        for a in list(seg)[:: max(1, len(seg) // 5)]:
            far = 0
            for t in range(a, cut):
                far = max(far, np.sum((pts[t] - pts[a]) ** 2))
                rhs = 2 * eta * (t - a) * (ff[a] - ff[t])
                assert far <= rhs + 2 * eta * (t - a) * 4 * tol + 64 * u * xn**2, f"T10 {a}..{t}"
        seg_start = cut
    assert all(in_region(x) for x in pts), "the run left the region where ell, rho hold"


def toy_region(Qf):
    def inside(x):
        return abs(float(np.asarray(x, dtype=float) @ Qf[:, 0])) <= float(R) * (1 + 1e-12)

    return inside


@st.composite
def toy_runs(draw, max_dim: int, min_c: Fraction):
    d = draw(st.integers(2, max_dim))
    a = tuple(
        draw(
            st.lists(
                st.sampled_from([Fraction(1, 4), Fraction(1), Fraction(4)]),
                min_size=d - 1,
                max_size=d - 1,
            )
        )
    )
    seed = draw(st.integers(0, 3))
    if draw(st.booleans()):
        z0 = [Fraction(0)] * d  # the exact saddle
    else:
        z0 = [Fraction(draw(st.integers(-12, 12)), 8)]
        z0 += [Fraction(draw(st.integers(-8, 8)), 8) for _ in range(d - 1)]
    c = draw(
        st.sampled_from([v for v in (Fraction(1, 4), Fraction(1, 2), Fraction(1)) if v >= min_c])
    )
    eps_kind = draw(st.sampled_from(["saddle", "max"]))
    return d, a, seed, z0, c, eps_kind, draw(st.integers(0, 2**32 - 1))


def run_toy(d, a, seed, z0, c, eps_kind, run_seed, dps):
    obj, Qf, ell, Q = rotated_toy(d, seed, a)
    x0 = [float(sum(Q[i][j] * z0[j] for j in range(d))) for i in range(d)]
    # "saddle": sqrt(rho eps) = 1/2, so the saddle's lambda_min = -1 < -sqrt(rho eps);
    # "max": eps = ell^2/rho, the largest Theorem 3 allows.
    eps = Fraction(1, 4) / TOY_RHO if eps_kind == "saddle" else ell * ell / TOY_RHO
    delta_f = exact_value(obj, x0) + Fraction(1, 4)
    res = pgd(
        obj,
        x0,
        eps=eps,
        ell=ell,
        rho=TOY_RHO,
        c=c,
        delta=Fraction(1, 10),
        delta_f=delta_f,
        dps=dps,
        seed=run_seed,
        keep_path=True,
        max_iter=60_000,
    )
    f_scale = 4 * float(R) ** 4 + max(float(v) for v in a) * d * 4
    return res, obj, f_scale, toy_region(Qf)


@given(toy_runs(max_dim=20, min_c=Fraction(1, 4)))
def test_claims_hold_on_rotated_toys_float64(case):
    """T2-T4, T6, T7, T10 on rotated toys, d in 2..20, c in {1/4, 1/2, 1}, float64."""
    res, obj, f_scale, inside = run_toy(*case, dps=None)
    assert res.status == "terminated"
    check_run(res, obj, Fraction(-1, 4), f_scale, inside)


@settings(max_examples=min(settings.default.max_examples, 6))
@given(toy_runs(max_dim=3, min_c=Fraction(1, 2)))
def test_claims_hold_on_rotated_toys_mpmath(case):
    """The same claims at 30 digits (d <= 3, c in {1/2, 1}), with 30-digit tolerances."""
    res, obj, f_scale, inside = run_toy(*case, dps=30)
    assert res.status == "terminated" and isinstance(res.f, mpmath.mpf)
    check_run(res, obj, Fraction(-1, 4), f_scale, inside)


@st.composite
def mf_runs(draw):
    d = draw(st.integers(2, 3))
    r = draw(st.integers(1, min(d, 2)))
    s = tuple(sorted(draw(st.lists(st.integers(1, 3), min_size=r, max_size=r)), reverse=True))
    u0 = [Fraction(draw(st.integers(-8, 8)), 8) for _ in range(d * r)]
    k = draw(st.integers(2, 5))
    c = draw(st.sampled_from([Fraction(1, 2), Fraction(1)]))
    return d, r, s, draw(st.integers(0, 3)), u0, k, c, draw(st.integers(0, 2**32 - 1))


@given(mf_runs())
def test_claims_hold_on_matrix_factorization_float64(case):
    """T2-T4, T6, T7, T10 on U d x r (d <= 3, r <= 2), sqrt(Gamma) the integer
    2 max(ceil ||U0||_F, 3 s_1), eps = ell^2/(rho 4^k), k in 2..5, c in {1/2, 1}."""
    d, r, s, qseed, u0, k, c, run_seed = case
    sq = 2 * max(math.ceil(math.sqrt(sum(v * v for v in u0))), 3 * s[0])
    G = sq * sq
    prob = matrix_factorization(d, r, seed=qseed, s=s, Gamma=G)
    obj, ell, rho = prob.objective, 8 * G, 12 * sq
    x0 = [float(v) for v in u0]
    res = pgd(
        obj,
        x0,
        eps=Fraction(ell * ell, rho * 4**k),
        ell=ell,
        rho=rho,
        c=c,
        delta=Fraction(1, 10),
        delta_f=exact_value(obj, x0) + Fraction(1, 10**9),
        seed=run_seed,
        keep_path=True,
        max_iter=60_000,
    )

    def inside(x):
        return float(np.linalg.norm(np.asarray(x, dtype=float).reshape(d, r), 2)) ** 2 <= G

    check_run(res, obj, 0, 4.0 * (G + 9 * d) ** 2, inside)


def _binomial_critical(n: int, p: Fraction, alpha: Fraction) -> int:
    """Smallest ``k`` with ``P(Bin(n, p) >= k) <= alpha`` (exact rationals)."""
    tail = Fraction(0)
    for k in range(n, -1, -1):
        nxt = tail + math.comb(n, k) * p**k * (1 - p) ** (n - k)
        if nxt > alpha:
            return k + 1
        tail = nxt
    return 0


@pytest.mark.slow
@pytest.mark.parametrize("d", [2, 8])
def test_T5_second_order_failures_at_rate_at_most_delta(d):
    """T5 (Theorem 3 [P], c = 1/2 <= c_max assumed): over 24 seeds from the exact saddle,
    the number of returned points that certify_sosp does not prove to be eps-SOSPs
    (False or undecided both count as failures) stays below the critical count of
    Bin(24, delta = 1/10) at false-alarm probability 1e-7."""
    obj, _, ell, _ = rotated_toy(d, 1, tuple([Fraction(1)] * (d - 1)))
    eps, n = Fraction(1, 4) / TOY_RHO, 24
    failures = 0
    for seed in range(n):
        res = pgd(
            obj,
            [0.0] * d,
            eps=eps,
            ell=ell,
            rho=TOY_RHO,
            delta=Fraction(1, 10),
            delta_f=Fraction(1, 4),
            seed=seed,
        )
        failures += certify_sosp(obj, res.x, eps=eps, rho=TOY_RHO).holds is not True
    crit = _binomial_critical(n, Fraction(1, 10), Fraction(1, 10**7))
    assert failures < crit, f"{failures} of {n} runs failed; critical count {crit}"

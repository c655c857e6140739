"""The guard's properties: what every run of a PGD implementation must satisfy.

Black-box properties look only at the returned point; trace properties read
the run reconstructed from the recorded queries and are "not applicable" when
it cannot be reconstructed. Rules of Algorithm 2 that are not numbered claims
carry the id ``"Alg2"``; the others cite docs/CLAIMS.md section 3.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from saddlecheck import claims
from saddlecheck.claims._verdict import Verdict, float_allowance, not_applicable, verdict
from saddlecheck.solver.trace import Trace
from saddlecheck.testing._landscapes import well_escape_log_bound
from saddlecheck.testing._problem import (
    BudgetExceeded,
    GuardCase,
    GuardProblem,
    Recorder,
    as_float64,
)
from saddlecheck.testing._reconstruct import hidden_steps, reconstruct


@dataclass
class Run:
    """One call ``impl(problem, seed)`` and everything it queried."""

    case: GuardCase
    recorder: Recorder
    returned: np.ndarray | None
    error: str | None
    seconds: float

    @cached_property
    def trace(self) -> Trace | None:
        p = self.case.params
        return reconstruct(self.recorder, p.eta, self.returned, self.case.landscape.f, p.t_window)

    @cached_property
    def hidden(self) -> np.ndarray:
        """Trace points where a caching implementation may have taken unseen steps."""
        return hidden_steps(self.recorder, self.trace, self.case.params.eta)

    @cached_property
    def episode_log_bound(self) -> float:
        """``log`` of the probability that a correct run is stuck at a strict saddle.

        At most ``(f(x0) - f*)/f_thres + 1`` perturbation episodes (T7), each
        stuck with probability at most :func:`well_escape_log_bound`.
        """
        p = self.case.params
        per = well_escape_log_bound(self.case.landscape, p, p.t_window)
        episodes = (self.case.f0 - float(self.case.landscape.f_star)) / p.f_thres + 1
        return min(0.0, per + math.log(episodes))


def execute(impl: Callable, case: GuardCase) -> Run:
    """Run ``impl`` on ``case`` with instrumented callables; never raises."""
    rec = Recorder(case.landscape, case.budget)
    problem = GuardProblem.for_case(case, rec)
    start = time.perf_counter()
    returned, error = None, None
    try:
        out = impl(problem, case.seed)
        arr = as_float64(out).reshape(-1)
        if arr.shape != (case.landscape.dim,):
            error = f"returned shape {np.shape(out)}, expected ({case.landscape.dim},)"
        elif not np.all(np.isfinite(arr)):
            error = f"returned a non-finite point {arr.tolist()}"
        else:
            returned = arr
    except BudgetExceeded as exc:
        error = f"did not return: {exc} (budget {case.budget})"
    except Exception as exc:  # the implementation's own failure is a finding, not a crash
        error = f"raised {type(exc).__name__}: {exc}"
    return Run(case, rec, returned, error, time.perf_counter() - start)


@dataclass(frozen=True)
class Property:
    """A property of runs, with the claim it checks.

    Attributes:
        name: short id (``"descent"``, ``"sosp"``, ...), the pytest test name.
        claim: docs/CLAIMS.md id (``"T2"``) or ``"Alg2"`` for a rule of Algorithm 2.
        kind: ``"black-box"`` or ``"trace"``.
        cases: ``"any"``, ``"saddle"`` (runs started at an exact strict saddle)
            or ``"sampler"`` (pooled over many seeds at a minimum: statistical).
        check: ``Run -> Verdict`` (``list[Run] -> Verdict`` for ``"sampler"``).
    """

    name: str
    claim: str
    kind: str
    cases: str
    description: str
    check: Callable = field(repr=False)


def _no_point(run: Run, claim: str) -> Verdict | None:
    if run.returned is None:
        return Verdict(claim, "P", False, None, None, None, f"no point returned: {run.error}")
    return None


def _terminates(run: Run) -> Verdict:
    n = len(run.recorder.grad_points)
    if run.error is not None:
        return Verdict("Alg2", "P", False, n, run.case.budget, None, run.error)
    return verdict("Alg2", "P", n, run.case.budget, "returned a finite point within the budget")


def _gradient(run: Run) -> Verdict:
    return _no_point(run, "T4") or claims.returned_gradient(
        run.returned, run.case.landscape.grad, run.case.params
    )


def _sosp(run: Run) -> Verdict:
    bad = _no_point(run, "T5")
    if bad:
        return bad
    from saddlecheck.certificates.certify import certify_sosp

    p = run.case.params
    cert = certify_sosp(run.case.landscape.objective, run.returned.tolist(), p.eps, p.rho)
    fa = math.exp(run.episode_log_bound)
    return Verdict(
        "T5", "P", cert.holds, cert.grad_norm[1], p.eps, None,
        f"certify_sosp: {cert.reason}; lambda_min in [{cert.lambda_min[0]:.4g}, "
        f"{cert.lambda_min[1]:.4g}], -sqrt(rho eps) = {-math.sqrt(p.rho * p.eps):.4g}",
        sample_size=1, false_alarm=fa,
    )  # fmt: skip


def _escape(run: Run) -> Verdict:
    bad = _no_point(run, "T8")
    if bad:
        return bad
    p, land = run.case.params, run.case.landscape
    f0, fx = run.case.f0, land.f(run.returned)
    return verdict(
        "T8", "P", fx - f0, -p.f_thres,
        "started at an exact strict saddle: f(returned) - f(x0) <= -f_thres",
        allowance=float_allowance(f0, fx, np.linalg.norm(run.returned) * np.linalg.norm(
            land.grad(run.returned))),
        sample_size=1, false_alarm=math.exp(run.episode_log_bound),
    )  # fmt: skip


def _precision(run: Run) -> Verdict:
    """Queries in float64: in float32 the guard's problems cannot resolve ``r`` or ``f_thres``."""
    from saddlecheck.testing._diagnose import low_precision, precision_message

    if not run.recorder.grad_points and not run.recorder.f_points:
        return not_applicable("S6", "D", "the implementation never queried f or grad")
    low = low_precision(run)
    if low is None:
        return Verdict("S6", "D", True, None, None, None, "every query in float64 (or exact)")
    return Verdict(
        "S6", "D", False, low[1], 2.0**-53, None,
        f"queries in {low[0]}: {precision_message(run)} (lhs, rhs: unit round-offs)",
    )  # fmt: skip


def _trace_or_na(run: Run, claim: str) -> Trace | Verdict:
    if run.trace is None:
        why = (
            "the implementation never queried grad"
            if not run.recorder.grad_points
            else ("queries of the wrong shape")
        )
        return not_applicable(claim, "P", f"trace not reconstructible: {why}")
    return run.trace


def _trace_claim(fn: Callable, claim: str) -> Callable[[Run], Verdict]:
    def check(run: Run) -> Verdict:
        t = _trace_or_na(run, claim)
        return t if isinstance(t, Verdict) else fn(t, run)

    return check


def _small_gradient(trace: Trace, run: Run) -> Verdict:
    k = trace.jump_indices
    if k.size == 0:
        return not_applicable("Alg2", "P", "no perturbation in this run")
    g_thres = run.case.params.g_thres
    i = int(np.argmax(trace.grad_norm[k]))
    gn = float(trace.grad_norm[k[i]])
    return verdict(
        "Alg2", "P", gn, g_thres,
        f"perturb only where ||grad f(x_t)|| <= g_thres ({k.size} perturbation(s); a step that "
        "is not -eta grad counts as one)",
        allowance=float_allowance(g_thres, gn), where=f"point {int(k[i])}",
    )  # fmt: skip


def _window(trace: Trace, run: Run) -> Verdict:
    p = run.case.params
    tw, k = p.t_window, trace.jump_indices
    gaps = np.diff(k) - 1  # gradient steps between consecutive perturbations
    # a gap through a fixed point a caching implementation sits on silently: a lower bound
    hid = run.hidden
    exact = np.array([not np.any((hid > a) & (hid <= b)) for a, b in itertools.pairwise(k)])
    gaps = np.where(exact, gaps, np.iinfo(np.int64).max) if gaps.size else gaps
    note = f"t_window = ceil(t_thres) = {tw}, t_thres = {p.t_thres:.6g}"
    if gaps.size and gaps.min() < tw + 1:
        i = int(np.argmin(gaps))
        return Verdict(
            "Alg2", "P", False, float(gaps[i]), float(tw + 1), float(gaps[i] - tw - 1),
            "perturbations at most once per window: gradient steps between perturbations "
            f">= t_window + 1 ({note})",
            where=f"perturbations at points {int(k[i])} and {int(k[i + 1])} "
            f"({int(gaps[i])} gradient steps between them)",
        )  # fmt: skip
    # no missed perturbation: an eligible point with a small gradient must be perturbed
    low = trace.grad_norm < p.g_thres * (1 - float_allowance(1.0))
    eligible = np.ones(len(trace.f), dtype=bool)
    for j in k:
        eligible[j + 1 : j + 2 + tw] = False
    eligible[k] = False
    eligible[-1] = False  # the run's end is judged by the return rule
    missed = np.flatnonzero(low & eligible)
    if missed.size:
        j = int(missed[0])
        return Verdict(
            "Alg2",
            "P",
            False,
            float(trace.grad_norm[j]),
            p.g_thres,
            None,
            f"a point with ||grad|| <= g_thres outside every window was not perturbed ({note})",
            where=f"point {j}",
        )
    return Verdict(
        "Alg2",
        "P",
        True,
        None,
        None,
        None,
        f"{k.size} perturbation(s), each window >= t_window + 1 = {tw + 1} steps, none missed "
        f"({note})",
    )


def _radius(trace: Trace, run: Run) -> Verdict:
    xis = trace.xis()
    if xis is None or len(xis) == 0:
        return not_applicable("T11", "P", "no perturbation in this run")
    norms = np.linalg.norm(xis, axis=1)
    k = trace.jump_indices
    # xi is read off as x_t - x_tilde: both rounded, at most u ||x|| each per coordinate
    scale = np.linalg.norm(trace.points[k], axis=1) + np.linalg.norm(trace.points[k + 1], axis=1)
    slack = norms - 4 * 2.0**-53 * math.sqrt(trace.points.shape[1]) * scale
    i = int(np.argmax(slack))
    r = run.case.params.r
    return verdict(
        "T11", "P", slack[i], r,
        "||xi|| <= r for every perturbation (xi = x_tilde + xi - x_tilde as rounded, "
        "less 4 u sqrt(d) (||x_tilde|| + ||x_tilde + xi||))",
        allowance=float_allowance(r), where=f"perturbation {i}",
    )  # fmt: skip


def _return_rule(trace: Trace, run: Run) -> Verdict:
    if run.returned is None:
        return Verdict("Alg2", "P", False, None, None, None, f"no point returned: {run.error}")
    p, k = run.case.params, trace.jump_indices
    if k.size == 0:
        return Verdict("Alg2", "P", False, None, None, None, "returned without any perturbation")
    last = int(k[-1])
    x_tilde = trace.points[last]
    if not np.allclose(run.returned, x_tilde, rtol=4 * 2.0**-53, atol=0.0):
        dist = float(np.linalg.norm(run.returned - x_tilde))
        return Verdict(
            "Alg2",
            "P",
            False,
            dist,
            0.0,
            -dist,
            "the returned point is not x_tilde of the last perturbation",
            where=f"point {last}",
        )
    end = last + 1 + p.t_window
    m = len(trace.f) - 1
    while m > end and np.array_equal(trace.points[m], x_tilde):  # re-evaluations of x_tilde
        m -= 1
    # a trailing run of identical points (a float fixed point of the step) may hold
    # re-evaluations that cannot be told from steps: any end inside it is consistent
    j = m
    while j > last + 1 and np.array_equal(trace.points[j - 1], trace.points[m]):
        j -= 1
    if np.any((run.hidden > last) & (run.hidden <= m)) and m <= end:
        end = m  # a cache hid steps at a fixed point: the count is a lower bound
    if not j <= end <= m:
        return Verdict(
            "Alg2", "P", False, float(m - last - 1), float(p.t_window), None,
            "returned after the wrong number of steps: the termination test is at "
            f"t - t_noise = t_window = ceil(t_thres) = {p.t_window} (t_thres = {p.t_thres:.6g})",
            where=f"point {m}",
        )  # fmt: skip
    dec = float(trace.f[end] - trace.f[last])
    return Verdict(
        "Alg2", "P", dec > -p.f_thres - float_allowance(trace.f[end], trace.f[last]), dec,
        -p.f_thres, dec + p.f_thres,
        "returned x_tilde at the window's end, where f(x_t) - f(x_tilde) > -f_thres",
    )  # fmt: skip


def _iterations(trace: Trace, run: Run) -> Verdict:
    return claims.iteration_bound(
        trace.gd_steps, run.case.f0, float(run.case.landscape.f_star), run.case.params
    )


def _count(trace: Trace, run: Run) -> Verdict:
    return claims.perturbation_count(trace, float(run.case.landscape.f_star), run.case.params)


def _xi_error(trace: Trace) -> float:
    """Bound on the error of ``xi`` read off as ``fl(x_tilde + xi) - x_tilde``."""
    k = trace.jump_indices
    if k.size == 0:
        return 0.0
    scale = np.linalg.norm(trace.points[k], axis=1) + np.linalg.norm(trace.points[k + 1], axis=1)
    return float(4 * 2.0**-53 * math.sqrt(trace.points.shape[1]) * scale.max())


def _radius_law(runs: list[Run]) -> Verdict:
    traces = [run.trace for run in runs if run.trace is not None]
    if not traces:
        return not_applicable("T11", "P", "trace not reconstructible")
    xis = [t.xis() for t in traces if t.jump_indices.size]
    if not xis:
        return not_applicable("T11", "P", "no perturbation in these runs")
    pooled = np.concatenate(xis, axis=0)[
        :RADIUS_LAW_MAX_SAMPLES
    ]  # the first ones: no selection bias
    err = max(_xi_error(t) for t in traces)
    return claims.ball_sampler(pooled, runs[0].case.params.r, alpha=RADIUS_LAW_ALPHA,
                               norm_error=err)  # fmt: skip


#: False-alarm probability of one radius-law test (KS + DKW, Bonferroni over d + 1).
RADIUS_LAW_ALPHA = 1e-8
#: At most this many perturbations enter one radius-law test (in run order).
RADIUS_LAW_MAX_SAMPLES = 2000

PROPERTIES: tuple[Property, ...] = (
    Property("terminates", "Alg2", "black-box", "any",
             "returns a finite point of the right shape within the query budget", _terminates),
    Property("gradient-at-return", "T4", "black-box", "any",
             "||grad f(x)|| <= g_thres at the returned point", _gradient),
    Property("sosp", "T5", "black-box", "any",
             "the returned point is certified an eps-SOSP (certify_sosp)", _sosp),
    Property("escape", "T8", "black-box", "saddle",
             "started at an exact strict saddle, the returned point is f_thres lower", _escape),
    Property("float64", "S6", "trace", "any",
             "queries made in float64 (docs/CLAIMS.md s.6: f_thres below float32 round-off)",
             _precision),
    Property("descent", "T2", "trace", "any", "descent lemma at every gradient step",
             _trace_claim(lambda t, run: claims.descent(t, run.case.params), "T2")),
    Property("perturb-small-gradient", "Alg2", "trace", "any",
             "perturbations only where ||grad|| <= g_thres", _trace_claim(_small_gradient, "Alg2")),
    Property("window-rule", "Alg2", "trace", "any",
             "one perturbation per t_window + 1 steps, and none missed",
             _trace_claim(_window, "Alg2")),
    Property("radius", "T11", "trace", "any", "||xi|| <= r", _trace_claim(_radius, "T11")),
    Property("perturbation-cost", "T3", "trace", "any",
             "f(x_tilde + xi) - f(x_tilde) <= g_thres r + ell r^2/2",
             _trace_claim(lambda t, run: claims.perturbation_cost(t, run.case.params), "T3")),
    Property("return-rule", "Alg2", "trace", "any",
             "returns x_tilde exactly when a window ends without decrease f_thres",
             _trace_claim(_return_rule, "Alg2")),
    Property("window-decrease", "T7", "trace", "any",
             "#perturbations <= (f0 - f*)/f_thres + 1; completed windows decrease f_thres",
             _trace_claim(_count, "T7")),
    Property("iteration-bound", "T6", "trace", "any", "explicit deterministic iteration bound",
             _trace_claim(_iterations, "T6")),
    Property("improve-or-localize", "T10", "trace", "any",
             "||x_tau - x_0||^2 <= 2 eta t (f(x_0) - f(x_t)) along GD segments",
             _trace_claim(lambda t, run: claims.improve_or_localize(t, run.case.params), "T10")),
    Property("radius-law", "T11", "trace", "sampler",
             "perturbations uniform in the ball (pooled over seeds, KS tests)", _radius_law),
)  # fmt: skip

NAMES = tuple(p.name for p in PROPERTIES)

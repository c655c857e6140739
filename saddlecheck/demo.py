"""The flagship demo: the paper's story in three acts, in well under two minutes.

Jin, Ge, Netrapalli, Kakade, Jordan, "How to Escape Saddle Points
Efficiently" (ICML 2017):

1. **Toy saddle** ``x^4/4 - x^2/2 + y^2/2``: proved smoothness constants,
   every critical point, the strict-saddle property (a covering of the box);
   PGD from the exact saddle (where GD never moves) to a point that is then
   certified an eps-SOSP, and the escape lemma checked by sampling.
2. **Matrix factorization** ``1/2 ||U U^T - M*||_F^2`` (the paper's worked
   example) at a small size: PGD from ``U = 0``, a strict saddle, to a
   certified eps-SOSP whose value is proved within a hair of ``f* = 0``.
3. **The octopus** of Du et al. (NeurIPS 2017): GD from a random start needs
   time exponential in ``d`` (it visits ``d`` saddles, each slower than the
   last); PGD goes through.

Every line of the report is tagged: ``[proved]`` (interval or exact rational
arithmetic), ``[run]`` (what one float64 run did) or ``[sampled]`` (Monte
Carlo: evidence, not proof). The library never prints: :func:`run_demo` hands
each line to ``log`` as it is produced and returns a :class:`DemoReport`.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy

from saddlecheck import problems
from saddlecheck.certificates.certify import certify_sosp, verify_certificate
from saddlecheck.cli._format import down, up
from saddlecheck.landscape.constants import smoothness
from saddlecheck.landscape.critical import critical_points
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.objective import Objective
from saddlecheck.solver.algorithms import gd, pgd

TAGS = "[proved] interval/exact arithmetic; [run] one float64 run; [sampled] Monte Carlo"


@dataclass
class DemoReport:
    """What the demo showed: tagged lines per act, figure paths, time, overall success."""

    out_dir: str
    fast: bool
    lines: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every statement the demo set out to show came out as expected."""
        return all(self.checks.values())

    def summary_lines(self) -> list[str]:
        failed = [k for k, v in self.checks.items() if not v]
        status = "all checks passed" if not failed else f"FAILED: {', '.join(failed)}"
        return [
            f"demo finished in {self.seconds:.1f} s ({status}); "
            f"{len(self.figures)} figures in {self.out_dir}/"
        ]

    def to_dict(self) -> dict:
        return {
            "out_dir": self.out_dir,
            "fast": self.fast,
            "seconds": self.seconds,
            "checks": dict(self.checks),
            "lines": list(self.lines),
        }


class _Ctx:
    def __init__(self, out_dir: str, fast: bool, log: Callable[[str], None]):
        self.report = DemoReport(out_dir, fast)
        self.fast = fast
        self.log = log

    def say(self, line: str) -> None:
        self.report.lines.append(line)
        self.log(line)

    def check(self, name: str, ok: bool) -> bool:
        self.report.checks[name] = bool(ok)
        return bool(ok)

    def save(self, fig, name: str) -> str:
        from saddlecheck import plot

        path = plot.save(fig, os.path.join(self.report.out_dir, name))
        self.report.figures.append(path)
        return path


def _pt(x, digits: int = 4) -> str:
    vals = [float(v) for v in x]
    body = ", ".join(f"{v:.{digits}g}" for v in vals[:4])
    return f"({body}{', ...' if len(vals) > 4 else ''})"


# -- the escape lemma by sampling -------------------------------------------------------


def escape_experiment(obj: Objective, x_tilde, params, n: int, seed: int = 0) -> list[int | None]:
    """Steps until ``f(x_t) <= f(x_tilde) - f_thres`` after ``x_tilde + xi``, for ``n`` draws.

    ``xi`` is uniform in the ball of radius ``r`` (Algorithm 2's law); the ``n``
    gradient-descent runs with step ``eta`` go in lockstep in float64 (numpy,
    vectorised over the draws) for ``t_window`` steps; ``None`` marks a run
    that did not decrease ``f`` by ``f_thres`` within the window. This is the
    escape lemma's event [P]: its probability is at least
    ``1 - (d ell / sqrt(rho eps)) e^(-chi)``. Sampled, not proved.
    """
    d = obj.dim
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d))
    u = rng.random(n)
    r, eta, f_thres = float(params.r), float(params.eta), float(params.f_thres)
    xi = z / np.linalg.norm(z, axis=1, keepdims=True) * (r * u ** (1 / d))[:, None]
    X = np.asarray([float(v) for v in x_tilde])[None, :] + xi
    value = sympy.lambdify(obj.variables, obj.expr, "numpy")
    grad = sympy.lambdify(obj.variables, list(obj.gradient), "numpy")
    target = float(obj.value([float(v) for v in x_tilde])) - f_thres
    times: list[int | None] = [None] * n
    open_ = np.ones(n, dtype=bool)
    for t in range(int(params.t_window) + 1):
        cols = [X[:, i] for i in range(d)]
        fv = np.broadcast_to(np.asarray(value(*cols), dtype=float), (n,))
        hit = open_ & (fv <= target)
        for i in np.flatnonzero(hit):
            times[i] = t
        open_ &= ~hit
        if not open_.any():
            break
        G = np.stack([np.broadcast_to(np.asarray(g, dtype=float), (n,)) for g in grad(*cols)], 1)
        X = X - eta * G
    return times


# -- act 1: the toy saddle -----------------------------------------------------------------


def _toy(ctx: _Ctx) -> None:
    from saddlecheck import plot

    p = problems.get("toy")
    obj, box = p.objective, p.box
    ctx.say(f"1. Toy saddle f = {obj.to_string()} on [-2, 2]^2")
    k = smoothness(obj, box)
    ctx.say(
        f"   [proved]  ell <= {up(k.ell, 4)}, rho <= {up(k.rho, 4)} on the box "
        f"(values {down(k.ell_lower, 4)}, {down(k.rho_lower, 4)} attained)"
    )
    pts = critical_points(obj, box)
    desc = ", ".join(f"{q.kind} {_pt(q.enclosure.midpoint(), 3)}" for q in pts)
    ctx.say(f"   [proved]  {len(pts)} critical points, no others in the box: {desc}")
    ctx.check(
        "toy critical points",
        sorted(q.kind for q in pts) == ["min", "min", "strict_saddle"] and pts.complete,
    )
    rep = check_strict_saddle(obj, box, "0.3", "0.5", "0.5")
    counts = ", ".join(f"{v} {c}" for c, v in rep.counts.items() if c != "undecided")
    ctx.say(
        f"   [proved]  (theta, gamma, zeta) = (0.3, 0.5, 0.5)-strict saddle: "
        f"{ {True: 'holds', False: 'fails', None: 'undecided'}[rep.holds] } "
        f"(covering by {len(rep.leaves)} boxes: {counts})"
    )
    ctx.check("toy strict saddle", rep.holds is True)

    eps = Fraction(1, 100) if ctx.fast else Fraction(1, 1000)
    common = dict(eps=eps, ell=k.ell, rho=k.rho, box=box, seed=0)
    g = gd(obj, p.x0, max_iter=1000, **common)
    g_cert = certify_sosp(obj, list(g.x), eps=eps, rho=k.rho)
    ctx.say(
        f"   [run]     GD from the exact saddle (0, 0): the gradient is 0, GD stops there; "
        f"[proved] not an eps-SOSP (lambda_min <= {up(g_cert.lambda_min[1], 3)})"
    )
    res = pgd(obj, p.x0, keep_path=True, max_iter=200_000, **common)
    ctx.say(
        f"   [run]     PGD from (0, 0), eps = {float(eps):g}: {res.status} after "
        f"{res.iterations} iterations, {len(res.perturbations)} perturbations, "
        f"returned {_pt(res.x)}"
    )
    cert = certify_sosp(obj, list(res.x), eps=eps, rho=k.rho)
    rechecked = verify_certificate(cert.to_json())
    ctx.say(
        "   [proved]  the returned point is an eps-SOSP: ||grad f|| <= "
        f"{up(cert.grad_norm[1], 2)}, "
        f"lambda_min >= {down(cert.lambda_min[0], 4)} ({cert.method}); certificate re-checked "
        f"independently: {rechecked}"
    )
    ctx.check("toy PGD certified", cert.holds is True and rechecked and g_cert.holds is False)

    n = 200 if ctx.fast else 2000
    times = escape_experiment(obj, p.x0, res.params, n, seed=1)
    done = [t for t in times if t is not None]
    from saddlecheck.claims import escape_failure_bound

    bound = escape_failure_bound(obj.dim, res.params)
    ctx.say(
        f"   [sampled] escape lemma: {len(done)}/{n} perturbations of the saddle decreased f "
        f"by f_thres within t_thres = {res.params.t_window} steps (median "
        f"{np.median(done) if done else float('nan'):.0f} steps); lemma: "
        f"P(stuck) <= {up(bound, 2)}"
    )
    ctx.check("toy escapes", len(done) == n)

    figs = [
        ctx.save(
            plot.landscape(
                obj,
                box,
                critical=pts,
                covering=rep,
                title="toy: certified critical points and strict-saddle covering",
            ),
            "toy_landscape.png",
        ),
        ctx.save(plot.run_summary(obj, res, box=box), "toy_pgd.png"),
        ctx.save(
            plot.escape_times(times, res.params.t_window, failure_bound=bound),
            "toy_escape_times.png",
        ),
    ]
    ctx.say("   figures: " + ", ".join(figs))


# -- act 2: matrix factorization ---------------------------------------------------------


def _matrix_factorization(ctx: _Ctx) -> None:
    from saddlecheck import plot

    d, r = (3, 1) if ctx.fast else (4, 2)
    p = problems.get("matrix-factorization", d=d, r=r, seed=0)
    obj = p.objective
    ell, rho = p.constant("ell"), p.constant("rho")
    G = p.constants["Gamma"].value
    ctx.say(
        f"2. Matrix factorization 1/2 ||U U^T - M*||_F^2, U {d} x {r}, "
        f"sigma(M*) = {tuple(int(s) for s in p.options['sigma'])} (exact)"
    )
    ctx.say(
        f"   constants: ell = 8 Gamma = {ell:g}, rho = 12 sqrt(Gamma) = {rho:g} with Gamma = "
        f"{G} (recalled [R]; re-derived in proofs/mf_region.py)"
    )
    eps = Fraction(1, 100)
    start = certify_sosp(obj, p.x0, eps=eps, rho=rho)
    ctx.say(
        f"   [proved]  U = 0 is not an eps-SOSP: ||grad f|| = {start.grad_norm[1]:g}, "
        f"lambda_min <= {up(start.lambda_min[1], 4)} (exactly -2 sigma_1)"
    )
    f0 = obj.exact("value", p.x0)
    delta_f = Fraction(int(f0.p), int(f0.q))
    res = pgd(obj, p.x0, eps=eps, ell=ell, rho=rho, delta_f=delta_f, seed=0, max_iter=500_000)
    ctx.say(
        f"   [run]     PGD from U = 0: {res.status} after {res.iterations} iterations, "
        f"{len(res.perturbations)} perturbations"
    )
    cert = certify_sosp(obj, list(res.x), eps=eps, rho=rho)
    fx = obj.exact("value", list(res.x))
    ctx.say(
        f"   [proved]  the result is an eps-SOSP ({cert.method} arithmetic) and "
        f"f(U) = {float(fx):.3g} exactly; f >= 0 = f*, so it is within {up(fx, 2)} of "
        f"the global minimum value"
    )
    ctx.check(
        "matrix factorization certified",
        start.holds is False and cert.holds is True and float(fx) < 1e-6,
    )
    fig = plot.value_history(
        res, f_star=0.0, log=True, title=f"matrix factorization {d}x{r}: PGD from U = 0"
    )
    ctx.say("   figures: " + ctx.save(fig, "matrix_factorization_pgd.png"))


# -- act 3: the octopus ----------------------------------------------------------------------


def octopus_constants(L=sympy.E, gamma=1, tau=sympy.E, *, rel_gap: float = 0.3):
    """Proved ``ell``, ``rho`` of the octopus on Du et al.'s domain.

    Its Hessian is block diagonal: entries ``2L`` (outer coordinates),
    ``-2 gamma`` (the inner one) and the 2 x 2 Hessian of
    ``g(a, b) = g1(a) + g2(a) b^2`` at the coordinate in transition
    (``tau < |x_i| <= 2 tau``, next one ``|x_{i+1}| <= tau``); only ``g`` has
    third derivatives. So ``ell = max(2L, 2 gamma, sup ||Hess g||)`` and
    ``rho = sup ||D^3 g||`` over ``[tau, 2 tau] x [-tau, tau]``, bounded by
    :func:`~saddlecheck.smoothness` on a rational box containing it (the
    block argument is written here, not machine-checked).
    """
    a, b = sympy.symbols("a b")
    L, gamma, tau = (sympy.sympify(v) for v in (L, gamma, tau))
    g1 = (
        -gamma * a**2
        + (-14 * L + 10 * gamma) / (3 * tau) * (a - tau) ** 3
        + (5 * L - 3 * gamma) / (2 * tau**2) * (a - tau) ** 4
    )
    g2 = (
        -gamma
        - 10 * (L + gamma) * (a - 2 * tau) ** 3 / tau**3
        - 15 * (L + gamma) * (a - 2 * tau) ** 4 / tau**4
        - 6 * (L + gamma) * (a - 2 * tau) ** 5 / tau**5
    )
    lo = Fraction(int(sympy.floor(tau * 1000)), 1000)
    hi = Fraction(int(sympy.ceiling(tau * 1000)), 1000)
    k = smoothness(Objective(g1 + g2 * b**2, (a, b)), [(lo, 2 * hi), (-hi, hi)], rel_gap=rel_gap)
    two_l = float(2 * L) if 2 * gamma >= 2 * L else float(sympy.ceiling(2 * L * 10**6)) / 10**6
    return max(k.ell, two_l, float(2 * gamma)), k.rho


def _octopus(ctx: _Ctx) -> None:
    from saddlecheck import plot

    d = 6 if ctx.fast else 10
    p = problems.get("octopus", d=d)
    obj = p.objective
    ctx.say(
        f"3. The octopus of Du et al. in d = {d} (L = e, gamma = 1, tau = e): {d} saddles "
        "in a row on the way to the global minimum"
    )
    ell, rho = octopus_constants(rel_gap=0.6 if ctx.fast else 0.3)
    ctx.say(
        f"   [proved]  ell <= {up(ell, 4)}, rho <= {up(rho, 4)} for the 2-D transition piece "
        "(interval arithmetic); they hold on Du et al.'s domain by the block-diagonal "
        "Hessian (argued in octopus_constants, not machine-checked)"
    )
    x0 = np.random.default_rng(0).uniform(-1, 1, d)  # Du et al.'s random start
    f_star = float(p.f_star)
    common = dict(
        eps=Fraction(1, 10), ell=ell, rho=rho, delta_f=float(obj.value(x0)) - f_star + 1, seed=0
    )
    tau = float(sympy.E)
    passed = lambda x: int(np.sum(np.abs(np.asarray(x, dtype=float)) > 2 * tau))  # noqa: E731
    res = pgd(obj, x0, max_iter=200_000, **common)
    budget = (6 if ctx.fast else 20) * res.iterations
    when: dict[int, int] = {}  # saddles passed -> first recorded iteration

    def record(state) -> None:
        when.setdefault(passed(state.x), state.t)

    g = gd(obj, x0, max_iter=budget, stop=False, callback=record, callback_every=10, **common)
    ctx.say(
        f"   [run]     PGD: {res.status} after {res.iterations} iterations at f = "
        f"{float(res.f):.6g} (f* = {f_star:.6g}), past all {passed(res.x)} saddles"
    )
    marks = [when[k] for k in sorted(when) if k > 0]
    ratios = [b / a for a, b in itertools.pairwise(marks) if a > 0]
    ctx.say(
        f"   [run]     GD, same start and step, {budget} iterations ({budget // res.iterations}"
        f"x more): f = {float(g.f):.6g}, past {passed(g.x)} of {d} saddles, at iterations "
        f"{', '.join(f'~{m}' for m in marks)} (each about "
        f"{np.median(ratios) if ratios else float('nan'):.1f}x later than the one before)"
    )
    cert = certify_sosp(obj, list(res.x), eps=common["eps"], rho=rho)
    ctx.say(f"   [proved]  PGD's point is an eps-SOSP: {cert.holds} ({cert.method} arithmetic)")
    ctx.check(
        "octopus race",
        res.status == "terminated"
        and passed(res.x) == d
        and passed(g.x) < d
        and cert.holds is True,
    )
    fig = plot.race(
        {"GD": g, "PGD": res},
        f_star=f_star,
        title=f"octopus, d = {d}: GD vs PGD from the same random start",
    )
    ctx.say("   figures: " + ctx.save(fig, "octopus_race.png"))


ACTS = {"toy": _toy, "matrix-factorization": _matrix_factorization, "octopus": _octopus}


def run_demo(
    out_dir: str = "demo-output",
    *,
    fast: bool = False,
    log: Callable[[str], None] | None = None,
    acts: tuple[str, ...] = tuple(ACTS),
) -> DemoReport:
    """Run the three acts, write the figures to ``out_dir``, return the report.

    Args:
        out_dir: directory for the PNG figures (created).
        fast: smaller instances and samples (for tests).
        log: called with each report line as it is produced (the CLI prints them).
        acts: which acts to run, in order (names of :data:`ACTS`); the README's
            excerpt of the octopus act is regenerated by ``tests/test_readme.py``.
    """
    unknown = [a for a in acts if a not in ACTS]
    if unknown:
        from saddlecheck._validation import InputError

        raise InputError(f"acts={unknown!r}: choose from {', '.join(ACTS)}")
    ctx = _Ctx(out_dir, fast, log or (lambda line: None))
    start = time.perf_counter()
    ctx.say('saddlecheck demo: "How to Escape Saddle Points Efficiently" (Jin et al., ICML 2017)')
    ctx.say(f"tags: {TAGS}")
    for name in acts:
        ctx.say("")
        ACTS[name](ctx)
    ctx.report.seconds = time.perf_counter() - start
    return ctx.report

"""The paper's perturbed gradient descent (Algorithm 2), plain GD and PGDli.

Jin, Ge, Netrapalli, Kakade, Jordan, "How to Escape Saddle Points
Efficiently", ICML 2017, Algorithm 2::

    t_noise = -t_thres - 1
    for t = 0, 1, ...:
        if ||grad f(x_t)|| <= g_thres and t - t_noise > t_thres:
            x_tilde = x_t; t_noise = t
            x_t = x_tilde + xi,   xi uniform in the ball of radius r
        if t - t_noise == t_thres and f(x_t) - f(x_tilde) > -f_thres:
            return x_tilde
        x_{t+1} = x_t - eta * grad f(x_t)

with ``t_thres`` used as the integer ``t_window = ceil(t_thres)``. The solver
is pure steps over immutable state (:class:`PGDStepper`: ``init(x0) ->
State``, ``step(state) -> State``; the iteration counter, ``t_noise``,
``x_tilde`` and the random generator's state live in the :class:`State`).
The two rules are the named functions :func:`perturbation_rule` and
:func:`stopping_rule`. One implementation serves float64 and mpmath at
``dps`` digits (:mod:`saddlecheck.solver.backends`). Perturbations come from
``numpy.random.Generator(PCG64(seed))`` (a normal vector, then a uniform), the
same draws on both back ends.

The algorithm itself (rules, state, steps, the recording loop) is in
:mod:`saddlecheck.solver.steps`; the parameters in :mod:`saddlecheck.solver.params`.

The iterates are not confined to a box: when one is given (it supplies the
default ``ell``, ``rho``, ``Delta_f``), iterations whose iterate left it are
reported in the result, since the constants are only known inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saddlecheck._validation import InputError, check_dps, check_int, check_point, to_rational
from saddlecheck.arith.rounding import ball_bounds, float_down
from saddlecheck.box import check_box
from saddlecheck.objective import Objective
from saddlecheck.solver.backends import backend_for
from saddlecheck.solver.params import IterationBound, PGDParams, iteration_bound, pgd_params
from saddlecheck.solver.result import (
    HISTORY_CAP,
    History,
    LocalPhase,
    PerturbationEvent,
    PGDResult,
)
from saddlecheck.solver.steps import (
    PGDStepper,
    Run,
    State,
    _show,
    draw_perturbation,
    drive,
    perturbation_rule,
    stopping_rule,
)

#: ``max_iter`` when none is given and the iteration bound is larger.
DEFAULT_MAX_ITER = 1_000_000

__all__ = [
    "DEFAULT_MAX_ITER",
    "HISTORY_CAP",
    "History",
    "IterationBound",
    "LocalPhase",
    "PGDParams",
    "PGDResult",
    "PGDStepper",
    "PerturbationEvent",
    "State",
    "draw_perturbation",
    "gd",
    "perturbation_rule",
    "pgd",
    "pgd_li",
    "pgd_params",
    "stopping_rule",
]


# -- public entry points ---------------------------------------------------------------


@dataclass
class _Setup:
    obj: Objective
    backend: object
    params: PGDParams
    bound: IterationBound
    x0: object
    seed: int
    max_iter: int
    sources: dict
    box: object


def _exact(v) -> Fraction:
    return to_rational(v)


def _setup(obj, x0, eps, ell, rho, box, c, delta, delta_f, dps, seed, max_iter) -> _Setup:
    if isinstance(obj, str):
        obj = Objective(obj)
    if not isinstance(obj, Objective):
        raise InputError(
            f"obj must be a saddlecheck.Objective or a formula string, got {type(obj).__name__}"
        )
    dps = check_dps(dps)
    if box is not None:
        box = check_box(box, obj.dim)
    B = backend_for(obj, dps, box)
    x = B.vector(check_point(x0, obj.dim, "x0"))
    q0 = tuple(_exact(v) for v in x)  # the start the run uses, exactly
    if box is not None and not box.contains(q0):
        raise InputError(
            f"x0={_show(x)} is outside box={box}: the constants ell, rho and the "
            "bound on f* hold only in the box; start inside it"
        )
    sources = {}
    if ell is None or rho is None:
        if box is None:
            raise InputError(
                "pass ell= and rho= (gradient- and Hessian-Lipschitz constants), "
                "or box= to bound them rigorously with smoothness(obj, box)"
            )
        from saddlecheck.landscape.constants import smoothness

        k = smoothness(obj, box)
        for name, value in (("ell", ell), ("rho", rho)):
            if value is None:
                sources[name] = "smoothness(obj, box) (proved upper bound)"
        ell = k.ell if ell is None else ell
        rho = k.rho if rho is None else rho
    sources.setdefault("ell", "given")
    sources.setdefault("rho", "given")
    with B.context():
        f0 = B.value_grad(x)[0]
    if not B.finite(f0):
        why = (
            "is beyond the float64 range (about 1.8e308): run with dps= (mpmath numbers have "
            "no float64 range limit) or rescale the objective"
            if B.dps is None and f0 == f0
            else "is not a number: f is singular or undefined there"
        )
        raise InputError(f"f(x0) at x0={_show(x)} {why}")
    if delta_f is None:
        if box is None:
            raise InputError(
                "pass delta_f= (an upper bound on f(x0) - f*), or box= to bound f* "
                "from below rigorously on the box"
            )
        from saddlecheck.landscape.constants import value_lower_bound

        f_lo = value_lower_bound(obj, box)
        f0_hi = ball_bounds(obj.enclose("value", q0))[1]
        delta_f = Fraction(f0_hi) - Fraction(f_lo)
        if delta_f <= 0:  # x0 minimizes f: any positive Delta_f bounds f(x0) - f* = 0
            delta_f = to_rational(eps) ** 2 / to_rational(ell)
        sources["delta_f"] = "f(x0) (upper bound) - value_lower_bound(obj, box)"
        f_star, f_src = f_lo, "value_lower_bound(obj, box), proved"
    else:
        sources["delta_f"] = "given"
        f_star = float_down(Fraction(_exact(f0)) - to_rational(delta_f, "delta_f"))
        f_src = "f(x0) - delta_f (delta_f is given as an upper bound on f(x0) - f*)"
    params = pgd_params(ell, rho, eps, c, delta, delta_f, obj.dim, dps=dps)
    bound = iteration_bound(params, f0, f_star, f_src)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    seed = check_int("seed", seed, minimum=0)
    if max_iter is None:
        max_iter = min(math.floor(bound.value) + 1, DEFAULT_MAX_ITER)
    max_iter = check_int("max_iter", max_iter, minimum=0)
    return _Setup(obj, B, params, bound, x, seed, max_iter, sources, box)


def _result(su: _Setup, run: Run, algorithm: str) -> PGDResult:
    s, B = run.state, su.backend
    # Algorithm 2 returns x_tilde; a run stopped by max_iter right after a
    # perturbation returns the point before it.
    if (s.done and algorithm != "gd") or s.perturbed:
        x, f, gn = s.x_tilde, s.f_tilde, s.grad_norm_tilde
    else:
        x, f, gn = s.x, s.f, s.grad_norm
    return PGDResult(
        x=B.export(x),
        x0=B.export(su.x0),
        iterations=s.t,
        perturbations=run.events,
        history=run.history,
        params=su.params,
        status="terminated" if s.done else "max_iter",
        bound=su.bound,
        left_box=run.left_box,
        outside_box=run.outside,
        algorithm=algorithm,
        seed=su.seed,
        f=f,
        grad_norm=gn,
        sources=su.sources,
        path=run.path,
        box=su.box,
    )


def _check_callback(callback, callback_every) -> int:
    if callback is not None and not callable(callback):
        raise InputError(f"callback={callback!r} must be callable as callback(state)")
    return check_int("callback_every", callback_every, minimum=1)


def pgd(
    obj: Objective | str,
    x0,
    eps,
    ell=None,
    rho=None,
    box=None,
    c=0.5,
    delta=0.1,
    delta_f=None,
    dps: int | None = None,
    seed: int | None = None,
    max_iter: int | None = None,
    callback: Callable | None = None,
    callback_every: int = 1000,
    keep_path: bool = False,
) -> PGDResult:
    """Perturbed gradient descent, Algorithm 2 of Jin et al. (ICML 2017), exactly.

    Args:
        obj: the objective (or a formula string).
        x0: the start (read exactly, then rounded to the run's precision).
        eps: target accuracy (Theorem 3: ``eps <= ell^2/rho``).
        ell, rho: smoothness constants; default: :func:`saddlecheck.smoothness`
            on ``box`` (proved upper bounds). ``rho = 0``: see :func:`pgd_params`.
        box: the region the constants refer to; iterates leaving it are reported.
        c: ``eta = c/ell``; ``0 < c <= 1``. The theorem needs ``c <= c_max``, an
            absolute constant the paper does not give; 1/2 is this toolkit's choice.
        delta: failure probability of Theorem 3.
        delta_f: upper bound on ``f(x0) - f*``; default ``f(x0) -``
            :func:`saddlecheck.landscape.constants.value_lower_bound` on ``box``.
        dps: ``None`` for float64, else mpmath at ``dps`` digits.
        seed: seed of ``numpy.random.Generator(PCG64(seed))``; drawn (and
            recorded in the result) when ``None``.
        max_iter: cap on iterations; default ``min(bound + 1, 1_000_000)``.
        callback: ``callback(state)`` every ``callback_every`` iterations.
        keep_path: record every iterate in ``result.path``.

    Returns:
        :class:`PGDResult`; ``status`` ``"terminated"`` when the stopping rule
        returned ``x_tilde``, ``"max_iter"`` otherwise.

    Raises:
        InputError: bad input, or a non-finite ``f``/gradient during the run
            (with the iteration and the point).

    Examples:
        >>> res = pgd("x**4/4 - x**2/2 + y**2/2", [0, 0], eps=0.01, ell=11, rho=12,
        ...           delta_f=0.25, seed=1)
        >>> res.status, [round(float(v), 3) for v in res.x], len(res.perturbations)
        ('terminated', [1.0, 0.0], 2)
    """
    every = _check_callback(callback, callback_every)
    su = _setup(obj, x0, eps, ell, rho, box, c, delta, delta_f, dps, seed, max_iter)
    stepper = PGDStepper(su.obj, su.params, su.backend)
    state = stepper.init(su.x0, su.seed)
    run = drive(stepper, state, su.max_iter, callback, every, su.box is not None, keep_path)
    return _result(su, run, "pgd")


def gd(
    obj: Objective | str,
    x0,
    eps,
    ell=None,
    rho=None,
    box=None,
    c=0.5,
    delta=0.1,
    delta_f=None,
    dps: int | None = None,
    seed: int | None = None,
    max_iter: int | None = None,
    callback: Callable | None = None,
    callback_every: int = 1000,
    keep_path: bool = False,
    stop: bool = True,
) -> PGDResult:
    """Plain gradient descent with PGD's step ``eta = c/ell``, for comparison.

    Same arguments and result as :func:`pgd`, without perturbations. With
    ``stop=True`` the run terminates at the first ``t`` with ``||grad f(x_t)||
    <= g_thres`` (the point where PGD would perturb) and returns ``x_t``; with
    ``stop=False`` it runs ``max_iter`` steps. ``seed`` is unused.

    >>> gd("x**4/4 - x**2/2 + y**2/2", [0, 0], eps=0.01, ell=11, rho=12, delta_f=0.25,
    ...    stop=False, max_iter=100).x.tolist()
    [0.0, 0.0]
    """
    every = _check_callback(callback, callback_every)
    su = _setup(obj, x0, eps, ell, rho, box, c, delta, delta_f, dps, seed, max_iter)
    stepper = PGDStepper(
        su.obj, su.params, su.backend, perturb=False, stop="gradient" if stop else "none"
    )
    state = stepper.init(su.x0, su.seed)
    run = drive(stepper, state, su.max_iter, callback, every, su.box is not None, keep_path)
    return _result(su, run, "gd")


def pgd_li(
    obj: Objective | str,
    x0,
    eps,
    beta,
    ell=None,
    rho=None,
    box=None,
    c=0.5,
    delta=0.1,
    delta_f=None,
    dps: int | None = None,
    seed: int | None = None,
    max_iter: int | None = None,
    callback: Callable | None = None,
    callback_every: int = 1000,
    keep_path: bool = False,
    local_iter: int = 1000,
    local_tol=None,
) -> PGDResult:
    """PGDli (Theorem 5 of the paper): PGD, then GD with step ``1/beta`` from its point.

    The local phase runs ``local_iter`` steps, or stops earlier at the first
    iterate with ``||grad f|| <= local_tol`` when ``local_tol`` is given.
    Theorem 5 bounds the phase by ``O((beta/alpha) log(zeta/eps))`` steps under
    ``alpha``-strong convexity (or ``(alpha, beta)``-regularity) near the minima
    (docs/CLAIMS.md s.1); the paper's local loop has no stopping test of its own.
    When PGD stops at ``max_iter`` there is no local phase.

    >>> res = pgd_li("x**4/4 - x**2/2 + y**2/2", [0, 0], eps=0.01, beta=2, ell=11, rho=12,
    ...              delta_f=0.25, seed=1, local_iter=50)
    >>> res.local.iterations, abs(abs(float(res.x[0])) - 1) < 1e-12
    (50, True)
    """
    every = _check_callback(callback, callback_every)
    beta_q = to_rational(beta, "beta")
    if beta_q <= 0:
        raise InputError(f"beta={beta!r} must be > 0: the local phase steps 1/beta")
    local_iter = check_int("local_iter", local_iter, minimum=0)
    su = _setup(obj, x0, eps, ell, rho, box, c, delta, delta_f, dps, seed, max_iter)
    B = su.backend
    stepper = PGDStepper(su.obj, su.params, B)
    state = stepper.init(su.x0, su.seed)
    first = drive(stepper, state, su.max_iter, callback, every, su.box is not None, keep_path)
    res = _result(su, first, "pgd_li")
    if res.status != "terminated":
        return res
    eta_local = B.vector((1 / beta_q,))[0]
    g_stop = None if local_tol is None else B.vector((to_rational(local_tol, "local_tol"),))[0]
    local = PGDStepper(
        su.obj,
        su.params,
        B,
        perturb=False,
        eta=eta_local,
        stop="none" if g_stop is None else "gradient",
        g_stop=g_stop,
    )
    start = first.state.x_tilde
    run = drive(local, local.init(start, su.seed), local_iter, None, 1, False, False)
    s = run.state
    phase = LocalPhase(
        beta=B.vector((beta_q,))[0],
        eta=eta_local,
        x0=B.export(start),
        x=B.export(s.x),
        iterations=s.t,
        f=s.f,
        grad_norm=s.grad_norm,
        status="tolerance" if s.done else "completed",
        history=run.history,
    )
    return PGDResult(
        **{
            **res.__dict__,
            "x": phase.x,
            "f": s.f,
            "grad_norm": s.grad_norm,
            "iterations": res.iterations + s.t,
            "local": phase,
        }
    )

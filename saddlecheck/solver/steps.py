"""Algorithm 2 of Jin et al. (ICML 2017) as pure steps, and the loop that records a run.

The solver is pure steps over immutable state: :class:`PGDStepper` has
``init(x0, seed) -> State`` and ``step(state) -> State``; the iteration
counter, ``t_noise``, ``x_tilde`` and the random generator's state live in the
:class:`State`. The two rules of the algorithm are the named functions
:func:`perturbation_rule` and :func:`stopping_rule`; ``xi`` comes from
:func:`draw_perturbation`. :func:`drive` runs a stepper and records the
history, the perturbation events and the iterations outside the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from saddlecheck._validation import InputError, check_point
from saddlecheck.objective import Objective
from saddlecheck.solver.params import PGDParams
from saddlecheck.solver.result import HISTORY_CAP, History, PerturbationEvent

# -- the rules of Algorithm 2 -------------------------------------------------------


def perturbation_rule(grad_norm, t: int, t_noise: int, params: PGDParams) -> bool:
    """Algorithm 2: ``if ||grad f(x_t)|| <= g_thres and t - t_noise > t_thres``.

    >>> from saddlecheck.solver.algorithms import pgd_params
    >>> p = pgd_params(1, 1, 1, 1, 0.5, 1, 1)
    >>> perturbation_rule(0.0, 0, -p.t_window - 1, p), perturbation_rule(0.0, 5, 0, p)
    (True, False)
    """
    return grad_norm <= params.g_thres and t - t_noise > params.t_window


def stopping_rule(f_x, f_x_tilde, t: int, t_noise: int, params: PGDParams) -> bool:
    """Algorithm 2: ``if t - t_noise = t_thres and f(x_t) - f(x_tilde) > -f_thres: return x_tilde``.

    >>> from saddlecheck.solver.algorithms import pgd_params
    >>> p = pgd_params(1, 1, 1, 1, 0.5, 1, 1)
    >>> stopping_rule(0.0, 0.0, 12, 0, p), stopping_rule(-1.0, 0.0, 12, 0, p)
    (True, False)
    """
    return t - t_noise == params.t_window and f_x - f_x_tilde > -params.f_thres


def draw_perturbation(rng_state: tuple, dim: int) -> tuple[np.ndarray, float, tuple]:
    """Algorithm 2's ``xi`` "uniform in the ball": the raw float64 draws.

    From ``numpy.random.Generator(PCG64)`` at ``rng_state``: ``z`` standard
    normal in ``R^dim`` (direction ``z / ||z||``, uniform on the sphere), then
    ``u`` uniform in ``[0, 1)`` (radius ``r u^(1/dim)``, so ``P(||xi|| <= s) =
    (s/r)^dim``). Returns ``(z, u, next_rng_state)``; the back end forms ``xi``.
    """
    bg = np.random.PCG64()
    state, inc, has32, u32 = rng_state
    bg.state = {
        "bit_generator": "PCG64",
        "state": {"state": state, "inc": inc},
        "has_uint32": has32,
        "uinteger": u32,
    }
    gen = np.random.Generator(bg)
    z = gen.standard_normal(dim)
    while not np.any(z):  # probability 0; keeps the direction defined
        z = gen.standard_normal(dim)
    u = float(gen.random())
    return z, u, _snapshot(bg)


def _snapshot(bg: np.random.PCG64) -> tuple:
    s = bg.state
    return (s["state"]["state"], s["state"]["inc"], s["has_uint32"], s["uinteger"])


# -- state and steps ----------------------------------------------------------------


class State(NamedTuple):
    """PGD's state at iteration ``t`` (immutable; vectors are never written to).

    ``x`` is ``x_t`` after this iteration's perturbation, if any (the point
    the gradient step starts from); ``f``, ``g``, ``grad_norm`` are taken there.
    ``done`` is true when the stopping rule held at ``t``.
    """

    t: int
    x: object
    f: object
    g: object
    grad_norm: object
    t_noise: int
    x_tilde: object
    f_tilde: object
    grad_norm_tilde: object
    xi: object
    rng_state: tuple
    perturbed: bool
    done: bool
    n_perturbations: int


@dataclass(frozen=True)
class PGDStepper:
    """Algorithm 2 as ``init``/``step`` over :class:`State`, on one back end.

    Args:
        obj: the objective.
        params: :class:`PGDParams` in the back end's precision.
        backend: from :func:`saddlecheck.solver.backends.backend_for`.
        perturb: apply :func:`perturbation_rule` (``False``: plain GD).
        stop: ``"pgd"`` (:func:`stopping_rule`), ``"gradient"`` (stop when
            ``||grad f(x_t)|| <= g_stop``: GD's test) or ``"none"``.
        eta: the step (default ``params.eta = c/ell``).
        g_stop: the gradient threshold of ``stop="gradient"`` (default ``g_thres``).

    Examples:
        >>> from saddlecheck.solver.backends import backend_for
        >>> from saddlecheck.solver.algorithms import pgd_params
        >>> obj = Objective("x**4/4 - x**2/2 + y**2/2")
        >>> p = pgd_params(11, 12, 0.01, 0.5, 0.1, 1, 2)
        >>> s = PGDStepper(obj, p, backend_for(obj, None)).init([0.0, 0.0], seed=0)
        >>> s.t, s.perturbed, bool(np.linalg.norm(s.x) <= p.r)
        (0, True, True)
    """

    obj: Objective
    params: PGDParams
    backend: object
    perturb: bool = True
    stop: str = "pgd"
    eta: object = None
    g_stop: object = None

    def __post_init__(self) -> None:
        if self.stop not in ("pgd", "gradient", "none"):
            raise InputError(f"stop={self.stop!r} must be 'pgd', 'gradient' or 'none'")
        if self.eta is None:
            object.__setattr__(self, "eta", self.params.eta)
        if self.g_stop is None:
            object.__setattr__(self, "g_stop", self.params.g_thres)

    def _eval(self, x, t: int):
        B = self.backend
        try:
            f, g = B.value_grad(x)
        except ArithmeticError as exc:  # Singularity / Straddle from the compiled code
            raise InputError(f"f is not smooth at iteration {t}, x = {_show(x)}: {exc}") from None
        gn = B.norm(g)
        if not (B.finite(f) and B.finite(gn)):
            raise InputError(_not_finite(B, x, f, gn, t))
        return f, g, gn

    def init(self, x0, seed: int = 0) -> State:
        """The state at ``t = 0`` (the rules applied to ``x_0``); ``x0`` already
        in the back end's vector type, or a sequence of numbers."""
        B = self.backend
        if not B.is_vector(x0):
            x0 = B.vector(check_point(x0, self.obj.dim, "x0"))
        with B.context():
            f, g, gn = self._eval(x0, 0)
            rng = _snapshot(np.random.PCG64(seed))
            return self._settle(
                0, x0, f, g, gn, -self.params.t_window - 1, None, None, None, None, rng, 0
            )

    def step(self, s: State) -> State:
        """``x_{t+1} = x_t - eta grad f(x_t)``, then the rules at ``t + 1``."""
        if s.done:
            raise InputError(f"the run stopped at iteration {s.t}; there is no next step")
        if self.backend.dps is None:
            return self._advance(s)
        with self.backend.context():
            return self._advance(s)

    def _advance(self, s: State) -> State:
        t = s.t + 1
        x = self.backend.step(s.x, self.eta, s.g)
        f, g, gn = self._eval(x, t)
        return self._settle(
            t,
            x,
            f,
            g,
            gn,
            s.t_noise,
            s.x_tilde,
            s.f_tilde,
            s.grad_norm_tilde,
            s.xi,
            s.rng_state,
            s.n_perturbations,
        )

    def _settle(self, t, x, f, g, gn, t_noise, x_tilde, f_tilde, gn_tilde, xi, rng, n) -> State:
        p = self.params
        perturbed = False
        if self.perturb and perturbation_rule(gn, t, t_noise, p):
            x_tilde, f_tilde, gn_tilde, t_noise = x, f, gn, t
            z, u, rng = draw_perturbation(rng, p.dim)
            xi = self.backend.ball_point(z, u, p.r)
            x = self.backend.add(x_tilde, xi)
            f, g, gn = self._eval(x, t)
            perturbed, n = True, n + 1
        if self.stop == "pgd":
            done = stopping_rule(f, f_tilde, t, t_noise, p) if t_noise >= 0 else False
        elif self.stop == "gradient":
            done = gn <= self.g_stop
        else:
            done = False
        return State(
            t, x, f, g, gn, t_noise, x_tilde, f_tilde, gn_tilde, xi, rng, perturbed, done, n
        )


def _not_finite(B, x, f, gn, t: int) -> str:
    """Why ``f(x_t)`` or ``||grad f(x_t)||`` is not a finite number, truthfully."""
    if not all(B.finite(v) for v in x):
        return (
            f"the gradient step overflowed at iteration {t}: x_t = {_show(x)} is not finite, "
            "so the iterates diverged; check that ell bounds the Hessian where they go (eta = "
            "c/ell is too large otherwise)"
        )
    what = [name for name, v in (("f(x_t)", f), ("||grad f(x_t)||", gn)) if not B.finite(v)]
    nan = any(v != v for v in (f, gn))
    if B.dps is None and not nan:
        return (
            f"{' and '.join(what)} at iteration {t}, x_t = {_show(x)}, is beyond the float64 "
            "range (about 1.8e308): run with dps= (mpmath numbers have no float64 range "
            "limit) or rescale the objective; if the iterates diverged, check that ell bounds "
            "the Hessian where they go"
        )
    return (
        f"{' and '.join(what)} is not a number at iteration {t}, x_t = {_show(x)}: f is "
        "singular or undefined there (did the iterates leave the domain? check that ell bounds "
        "the Hessian where they go)"
    )


def _show(x) -> str:
    vals = [float(v) for v in list(x)[:6]]
    return str(vals)[:-1] + (", ...]" if len(x) > 6 else "]")


# -- the driver: history, events, box, callback ------------------------------------------


@dataclass
class Run:
    state: State
    history: History
    events: tuple
    left_box: tuple
    outside: int
    path: tuple | None


def drive(
    stepper: PGDStepper, s: State, max_iter: int, callback, every: int, box: bool, keep_path: bool
) -> Run:
    B, p = stepper.backend, stepper.params
    tw, f_thres = p.t_window, p.f_thres
    ts, fs, gs, ps = [], [], [], []
    keep: set[int] = set()  # event iterations: never thinned away
    events: list[PerturbationEvent] = []
    open_ev: dict | None = None
    left, outside, was_in = [], 0, True
    path = [] if keep_path else None
    stride, tail_start = 1, None

    def observe(s: State) -> None:
        nonlocal open_ev, outside, was_in, stride, tail_start
        t = s.t
        if s.perturbed:
            open_ev = {
                "iteration": t,
                "x_tilde": B.export(s.x_tilde),
                "xi": B.export(s.xi),
                "f_before": s.f_tilde,
                "grad_norm_before": s.grad_norm_tilde,
                "f_perturbed": s.f,
            }
            keep.add(t)
        if open_ev is not None and t == open_ev["iteration"] + tw:
            esc = not (s.f - open_ev["f_before"] > -f_thres)
            events.append(PerturbationEvent(f_after=s.f, escaped=esc, **open_ev))
            open_ev = None
            keep.add(t)
        if t <= HISTORY_CAP or t % stride == 0 or t in keep or s.done:
            ts.append(t), fs.append(s.f), gs.append(s.grad_norm), ps.append(s.perturbed)
            if t > HISTORY_CAP:
                tail_start = len(ts) - 1 if tail_start is None else tail_start
                if len(ts) - tail_start > HISTORY_CAP:
                    stride *= 2
                    idx = [
                        i
                        for i in range(tail_start, len(ts))
                        if ts[i] % stride == 0 or ts[i] in keep
                    ]
                    for lst in (ts, fs, gs, ps):
                        lst[tail_start:] = [lst[i] for i in idx]
        if box:
            inside = B.inside(s.x)
            if not inside:
                outside += 1
                if was_in:
                    left.append(t)
            was_in = inside
        if path is not None:
            path.append(B.export(s.x))

    observe(s)
    step = stepper.step
    while not s.done and s.t < max_iter:
        until = min(max_iter, (s.t // every + 1) * every) if callback else max_iter
        with B.context():
            while not s.done and s.t < until:
                s = step(s)
                observe(s)
        if callback is not None and s.t % every == 0:
            callback(s)
    if open_ev is not None:
        events.append(PerturbationEvent(f_after=None, escaped=None, **open_ev))
    hist = History(tuple(ts), tuple(fs), tuple(gs), tuple(ps), complete=len(ts) == s.t + 1)
    return Run(s, hist, tuple(events), tuple(left), outside, None if path is None else tuple(path))

"""What a PGD run returns: the point, the events, the history, the bound.

Values are in the run's precision (floats, or ``mpf`` for an mpmath run);
``to_json`` writes floats as numbers and ``mpf`` as decimal strings with
enough digits to read them back exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from saddlecheck.solver.params import IterationBound, PGDParams, _num_json

#: The history keeps every iteration up to this one; beyond it, a thinned
#: sample (at most about as many again), always with the event iterations.
HISTORY_CAP = 100_000


def _vec_json(x) -> list:
    return [_num_json(v) for v in x]


@dataclass(frozen=True, eq=False)
class PerturbationEvent:
    """One perturbation (Algorithm 2: ``x_tilde = x_t; x_t = x_tilde + xi``).

    Attributes:
        iteration: ``t_noise``, the iteration of the perturbation.
        x_tilde: the point before the perturbation.
        xi: the perturbation, uniform in the ball of radius ``r``.
        f_before: ``f(x_tilde)``.
        f_after: ``f`` at the end of the window (``t_noise + t_window``), or
            ``None`` when the run ended inside the window.
        escaped: ``f_after - f_before <= -f_thres`` (``None`` when the run
            ended inside the window).
        grad_norm_before: ``||grad f(x_tilde)||`` (``<= g_thres`` by the rule).
        f_perturbed: ``f(x_tilde + xi)``.
    """

    iteration: int
    x_tilde: np.ndarray
    xi: np.ndarray
    f_before: object
    f_after: object
    escaped: bool | None
    grad_norm_before: object = None
    f_perturbed: object = None

    def to_dict(self) -> dict:
        return {
            "iteration": self.iteration,
            "x_tilde": _vec_json(self.x_tilde),
            "xi": _vec_json(self.xi),
            "f_before": _num_json(self.f_before),
            "f_after": None if self.f_after is None else _num_json(self.f_after),
            "escaped": self.escaped,
            "grad_norm_before": _num_json(self.grad_norm_before),
            "f_perturbed": _num_json(self.f_perturbed),
        }


@dataclass(frozen=True, eq=False)
class History:
    """Per recorded iteration ``t``: ``f(x_t)``, ``||grad f(x_t)||``, perturbed or not.

    At a perturbation iteration the values are those at the perturbed point
    ``x_tilde + xi`` (the point the gradient step starts from); ``f(x_tilde)``
    is in the :class:`PerturbationEvent`. ``complete`` is true when every
    iteration ``0..T`` is present (always when ``T <= HISTORY_CAP``).
    """

    t: tuple[int, ...]
    f: tuple
    grad_norm: tuple
    perturbed: tuple[bool, ...]
    complete: bool

    def __len__(self) -> int:
        return len(self.t)

    def to_dict(self) -> dict:
        return {
            "t": list(self.t),
            "f": [_num_json(v) for v in self.f],
            "grad_norm": [_num_json(v) for v in self.grad_norm],
            "perturbed": list(self.perturbed),
            "complete": self.complete,
        }


@dataclass(frozen=True, eq=False)
class LocalPhase:
    """The local-improvement phase of PGDli: GD with step ``1/beta`` from PGD's point.

    ``history.t`` counts the phase's own steps (0 is PGD's returned point).
    """

    beta: object
    eta: object
    x0: np.ndarray
    x: np.ndarray
    iterations: int
    f: object
    grad_norm: object
    status: str  # "completed" (ran local_iter steps) or "tolerance" (||grad|| <= local_tol)
    history: History


@dataclass(frozen=True, eq=False)
class PGDResult:
    """The outcome of :func:`saddlecheck.pgd` (or ``gd``, ``pgd_li``).

    Attributes:
        x: the returned point: ``x_tilde`` when Algorithm 2 terminated; the last
            iterate (before any perturbation at that iteration) at ``max_iter``;
            for ``pgd_li``, the end of the local phase.
        x0: the start, in the run's precision.
        iterations: gradient steps taken (the ``t`` at which the run stopped;
            for ``pgd_li``, PGD's plus the local phase's).
        perturbations: the :class:`PerturbationEvent` s in order.
        history: :class:`History` of PGD's iterations.
        params: the :class:`~saddlecheck.solver.PGDParams` used.
        status: ``"terminated"`` (the stopping rule returned) or ``"max_iter"``.
        bound: the :class:`IterationBound` of the theorem's count.
        left_box: iterations at which an iterate left the box (was outside it
            while the previous one was inside); empty without a box.
        outside_box: number of iterations whose iterate was outside the box.
        algorithm: ``"pgd"``, ``"gd"`` or ``"pgd_li"``.
        seed: the seed of ``numpy.random.Generator(PCG64(seed))`` (drawn and
            recorded when none was given).
        f, grad_norm: ``f(x)`` and ``||grad f(x)||`` at the returned point
            (PGD's point for ``pgd_li``; see ``local``).
        sources: where ``ell``, ``rho``, ``delta_f`` came from.
        path: every iterate (``keep_path=True``), else ``None``.
        local: the :class:`LocalPhase` of ``pgd_li``, else ``None``.
    """

    x: np.ndarray
    x0: np.ndarray
    iterations: int
    perturbations: tuple[PerturbationEvent, ...]
    history: History
    params: PGDParams
    status: str
    bound: IterationBound
    left_box: tuple[int, ...] = ()
    outside_box: int = 0
    algorithm: str = "pgd"
    seed: int | None = None
    f: object = None
    grad_norm: object = None
    sources: dict = field(default_factory=dict)
    path: tuple | None = None
    local: LocalPhase | None = None
    box: object = None

    @property
    def dps(self) -> int | None:
        return self.params.dps

    def explain(self) -> str:
        p = self.params
        name = {"pgd": "PGD (Algorithm 2)", "gd": "GD", "pgd_li": "PGDli"}[self.algorithm]
        prec = "float64" if p.dps is None else f"mpmath at {p.dps} digits"
        lines = [
            f"{name}, {prec}, seed {self.seed}: {self.status} after {self.iterations} "
            f"iterations (bound {self.bound.value:.6g})"
        ]
        if self.status == "max_iter":
            lines.append(
                "  stopped by max_iter: the returned point is the last iterate, not a "
                "point Algorithm 2 returned; raise max_iter"
            )
        x = ", ".join(f"{float(v):.6g}" for v in self.x[:6]) + (", ..." if len(self.x) > 6 else "")
        lines.append(
            f"  x = ({x}), f(x) = {float(self.f):.10g}, ||grad f(x)|| = "
            f"{float(self.grad_norm):.3g} (g_thres = {float(p.g_thres):.3g})"
        )
        if self.algorithm != "gd":
            esc = sum(1 for e in self.perturbations if e.escaped)
            lines.append(
                f"  {len(self.perturbations)} perturbation(s), {esc} escaped "
                f"(decrease >= f_thres = {float(p.f_thres):.3g} within "
                f"t_window = {p.t_window} steps)"
            )
        lines.append("  " + self.bound.explain())
        lines.append("  " + ", ".join(f"{k} from {v}" for k, v in self.sources.items()))
        if self.box is not None:
            if self.left_box:
                lines.append(
                    f"  WARNING: iterates left the box {self.box} at iterations "
                    f"{list(self.left_box[:10])} ({self.outside_box} iterations "
                    "outside): ell, rho and f* are only known inside it, so the "
                    "theorem's guarantees do not cover this run"
                )
            else:
                lines.append(f"  every iterate stayed in the box {self.box}")
        if p.no_curvature_condition:
            lines.append("  rho = 0 given: run with rho = ell^2/eps (no curvature condition)")
        lines.append(
            f"  c = {float(p.c):.4g}: Theorem 3 needs c <= c_max, which the paper does not give"
        )
        if self.local is not None:
            lp = self.local
            lines.append(
                f"  local phase (GD, step 1/beta = {float(lp.eta):.3g}): {lp.iterations}"
                f" steps, {lp.status}; f = {float(lp.f):.10g}, ||grad|| = "
                f"{float(lp.grad_norm):.3g}"
            )
        return "\n".join(lines)

    def trace(self):
        """PGD's iterations as a :class:`saddlecheck.claims.Trace` (float64 values).

        Each perturbation appears as two points, ``x_tilde`` and ``x_tilde + xi``,
        joined by a jump; points are included when the run kept its path.
        Needs the complete history (runs of at most ``HISTORY_CAP`` iterations).
        """
        from saddlecheck._validation import InputError
        from saddlecheck.solver.trace import Trace

        h = self.history
        if not h.complete:
            raise InputError(
                f"the history of this run is thinned ({self.history.t[-1]} iterations > "
                f"HISTORY_CAP = {HISTORY_CAP}): a trace needs every iteration"
            )
        events = {e.iteration: e for e in self.perturbations}
        f, g, jumps, pts = [], [], [], []
        for i, t in enumerate(h.t):
            if h.perturbed[i]:
                e = events[t]
                f.append(e.f_before), g.append(e.grad_norm_before), jumps.append(True)
                pts.append(e.x_tilde)
            f.append(h.f[i]), g.append(h.grad_norm[i]), jumps.append(False)
            if self.path is not None:
                pts.append(self.path[t])
        jumps.pop()
        points = None if self.path is None else np.array(pts, dtype=np.float64)
        return Trace(
            np.array(f, dtype=np.float64),
            np.array(g, dtype=np.float64),
            np.array(jumps, dtype=bool),
            points=points,
            returned=np.array(self.x if self.local is None else self.local.x0, dtype=np.float64),
            terminated=self.status == "terminated",
        )

    def to_json(self, *, history: bool = True) -> str:
        data = {
            "algorithm": self.algorithm,
            "status": self.status,
            "iterations": self.iterations,
            "seed": self.seed,
            "x": _vec_json(self.x),
            "x0": _vec_json(self.x0),
            "f": _num_json(self.f),
            "grad_norm": _num_json(self.grad_norm),
            "params": json.loads(self.params.to_json()),
            "bound": self.bound.to_dict(),
            "perturbations": [e.to_dict() for e in self.perturbations],
            "left_box": list(self.left_box),
            "outside_box": self.outside_box,
            "box": None if self.box is None else self.box.to_json(),
            "sources": dict(self.sources),
        }
        if history:
            data["history"] = self.history.to_dict()
        if self.local is not None:
            lp = self.local
            data["local"] = {
                "beta": _num_json(lp.beta),
                "eta": _num_json(lp.eta),
                "x": _vec_json(lp.x),
                "iterations": lp.iterations,
                "f": _num_json(lp.f),
                "grad_norm": _num_json(lp.grad_norm),
                "status": lp.status,
            }
            if history:
                data["local"]["history"] = lp.history.to_dict()
        return json.dumps(data)

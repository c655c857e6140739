"""What the guard hands an implementation: a problem with instrumented ``f`` and ``grad``.

An implementation under test is a callable ``impl(problem, seed) -> x``. The
:class:`GuardProblem` carries the objective as plain float64 numpy callables
and Algorithm 2's inputs; every call of ``problem.f`` and ``problem.grad`` is
recorded (a copy of the query point, in call order), so the guard can
reconstruct the run without any cooperation from the implementation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from types import SimpleNamespace

import numpy as np

from saddlecheck.claims._parameters import expected_parameters
from saddlecheck.testing._landscapes import Landscape


def as_float64(x) -> np.ndarray:
    """A fresh float64 numpy copy of ``x`` (numpy, lists, torch tensors, jax arrays)."""
    if not isinstance(x, np.ndarray) and hasattr(x, "detach"):  # torch: no __array__ copy=
        x = x.detach().cpu().numpy()
    return np.array(x, dtype=np.float64)


class BudgetExceeded(BaseException):
    """Raised inside the implementation when it exceeds the guard's query budget.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that an implementation's
    ``except Exception`` does not swallow it.
    """


@dataclass(frozen=True)
class GuardCase:
    """One test instance of the guard: a landscape, a start, Algorithm 2's inputs, a seed.

    Attributes:
        landscape: the objective (:class:`~saddlecheck.testing._landscapes.Landscape`).
        start: ``"saddle"`` (``x0`` an exact strict saddle), ``"minimum"``
            (``x0`` a minimum: PGD perturbs at once) or ``"point"`` (``x0`` at
            the exact ``z`` coordinates ``z0``).
        z0: the start in the landscape's ``z`` coordinates (for ``"point"``).
        kappa: ``eps = gamma^2 / (kappa rho)``, so ``sqrt(rho eps) = gamma/sqrt(kappa)``
            with ``gamma`` the smallest well curvature: every strict saddle has
            ``lambda_min <= -sqrt(rho eps)``.
        c, delta: Algorithm 2's ``c`` and ``delta``.
        seed: passed to the implementation.
    """

    landscape: Landscape
    start: str = "point"
    z0: tuple[Fraction, ...] = ()
    kappa: int = 4
    c: Fraction = Fraction(1, 2)
    delta: Fraction = Fraction(1, 10)
    seed: int = 0

    def with_seed(self, seed: int) -> GuardCase:
        return GuardCase(self.landscape, self.start, self.z0, self.kappa, self.c, self.delta, seed)

    @cached_property
    def x0_exact(self) -> tuple[Fraction, ...]:
        land = self.landscape
        if self.start == "saddle":
            z = [Fraction(0) for _ in land.components]
        elif self.start == "minimum":
            z = [
                c.critical[-1][0] if c.kind != "quadratic" else Fraction(0) for c in land.components
            ]
        else:
            z = list(self.z0)
        return land.to_x(z)

    @cached_property
    def x0(self) -> np.ndarray:
        return np.array([float(v) for v in self.x0_exact])

    @cached_property
    def f0(self) -> float:
        return self.landscape.f(self.x0)

    @cached_property
    def gamma(self) -> Fraction:
        wells = [c.params[0] for c in self.landscape.components if c.kind == "well"]
        return min(wells) if wells else Fraction(1)

    @cached_property
    def inputs(self) -> dict[str, float]:
        """``ell, rho, eps, c, delta, delta_f`` as handed to the implementation.

        ``delta_f = f(x0) - f* + gamma s^2 / 4`` (an upper bound on ``f(x0) - f*``,
        kept away from 0 so that ``log`` in ``chi`` is finite).
        """
        land = self.landscape
        rho = float(land.rho)
        depth = min(
            (c.params[0] * c.params[1] ** 2 / 4 for c in land.components if c.kind == "well"),
            default=Fraction(1, 4),
        )
        gap = max(self.f0 - float(land.f_star), 0.0)
        return {
            "ell": float(land.ell),
            "rho": rho,
            "eps": float(self.gamma) ** 2 / (self.kappa * rho),
            "c": float(self.c),
            "delta": float(self.delta),
            "delta_f": gap + float(depth),
        }

    @cached_property
    def params(self) -> SimpleNamespace:
        """Algorithm 2's parameters for these inputs (the guard's expectation, float64)."""
        inp = self.inputs
        exp = expected_parameters(
            inp["ell"], inp["rho"], inp["eps"], inp["c"], inp["delta"], inp["delta_f"],
            self.landscape.dim,
        )  # fmt: skip
        vals = {k: float(v) for k, v in exp.items()}
        vals["eta"] = inp["c"] / inp["ell"]  # the float an implementation computes
        return SimpleNamespace(
            **inp, dim=self.landscape.dim, **vals, t_window=math.ceil(vals["t_thres"])
        )

    @cached_property
    def budget(self) -> int:
        """Gradient queries allowed: four times what a correct run needs here, plus 200.

        A correct run from a minimum perturbs at once and returns after one
        window: ``t_window + 2`` queries. Otherwise it makes at most ``#wells + 1``
        perturbation windows (each ``t_window + 1`` steps) plus the gradient
        steps that reach ``||grad|| <= g_thres`` at linear rate ``1 - eta mu`` (``mu``
        the smallest curvature at a minimum): ``log(G / g_thres) / (eta mu)`` per
        phase, ``G = ||grad f(x0)|| + ell``, at most ``#wells + 1`` phases.
        """
        p, land = self.params, self.landscape
        if self.start == "minimum":
            return 4 * (p.t_window + 2) + 200
        wells = sum(1 for c in land.components if c.kind == "well")
        mu = min(
            [float(c.params[0]) for c in land.components if c.kind == "quadratic"]
            + [2 * float(self.gamma)]
        )
        g0 = float(np.linalg.norm(land.grad(self.x0))) + p.ell
        conv = math.log(max(g0 / p.g_thres, math.e)) / (p.eta * mu)
        return int(4 * (wells + 1) * (p.t_window + 2 + conv)) + 200

    def describe(self) -> str:
        p = self.params
        return (
            f"{self.landscape.explain()}; start={self.start} x0={np.round(self.x0, 6).tolist()}; "
            f"eps={p.eps:.6g} c={p.c:g} delta={p.delta:g} delta_f={p.delta_f:.6g}; "
            f"seed={self.seed}; "
            f"chi={p.chi:.4g} t_window={p.t_window} g_thres={p.g_thres:.3g} r={p.r:.3g} "
            f"f_thres={p.f_thres:.3g}"
        )


@dataclass
class Recorder:
    """Instrumented ``f`` and ``grad``: every query point is copied and kept in order."""

    landscape: Landscape
    budget: int
    grad_points: list[np.ndarray] = field(default_factory=list)
    grad_values: list[np.ndarray] = field(default_factory=list)
    grad_order: list[int] = field(default_factory=list)
    f_points: list[np.ndarray] = field(default_factory=list)
    f_order: list[int] = field(default_factory=list)
    dtypes: set = field(default_factory=set)
    bad_shapes: int = 0
    calls: int = 0
    nonfinite: int = 0

    def _take(self, x) -> np.ndarray:
        self.dtypes.add(getattr(x, "dtype", type(x)))
        if isinstance(x, (list, tuple)):
            self.dtypes.update(type(v) for v in x)
        arr = as_float64(x)  # always a copy: x may be written to later
        if arr.shape != (self.landscape.dim,):
            self.bad_shapes += 1
            arr = arr.reshape(-1)
        return arr

    def f(self, x) -> float:
        """``f(x)`` in float64 (recorded)."""
        arr = self._take(x)
        self.calls += 1
        self.f_points.append(arr)
        self.f_order.append(self.calls)
        with np.errstate(all="ignore"):  # a diverging run: inf/nan is the finding, not a warning
            value = float(self.landscape.f(arr))
        if not math.isfinite(value):
            self.nonfinite += 1
        return value

    def grad(self, x) -> np.ndarray:
        """``grad f(x)`` as a fresh float64 array (recorded; budgeted)."""
        if len(self.grad_points) >= self.budget:
            raise BudgetExceeded(f"more than {self.budget} gradient queries")
        arr = self._take(x)
        self.calls += 1
        with np.errstate(all="ignore"):
            g = self.landscape.grad(arr)
        if not np.all(np.isfinite(g)):
            self.nonfinite += 1
        self.grad_points.append(arr)
        self.grad_values.append(g)
        self.grad_order.append(self.calls)
        return g.copy()


@dataclass(frozen=True)
class GuardProblem:
    """The problem an implementation receives: ``impl(problem, seed) -> x``.

    Attributes:
        f, grad: float64 callables (instrumented: every query is recorded).
        x0: the start (a fresh float64 array).
        dim, ell, rho, eps, c, delta, delta_f: Algorithm 2's inputs
            (``delta_f >= f(x0) - f*``).
        max_iter: a cap a correct implementation never reaches on this problem
            (for implementations that want one).
        objective: the exact :class:`~saddlecheck.Objective` (built on first
            use), for implementations that take a symbolic objective; evaluating
            it bypasses the recording, so trace properties become not applicable.
    """

    f: object
    grad: object
    x0: np.ndarray
    dim: int
    ell: float
    rho: float
    eps: float
    c: float
    delta: float
    delta_f: float
    max_iter: int
    landscape: Landscape = field(repr=False, default=None)

    @property
    def objective(self):
        return self.landscape.objective

    @staticmethod
    def for_case(case: GuardCase, recorder: Recorder) -> GuardProblem:
        inp = case.inputs
        return GuardProblem(
            f=recorder.f, grad=recorder.grad, x0=case.x0.copy(), dim=case.landscape.dim,
            max_iter=case.budget // 2, landscape=case.landscape, **inp,
        )  # fmt: skip

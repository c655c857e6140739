"""Refute strict saddle in any dimension: one point where all three conditions fail, proved.

``f`` is ``(theta, gamma, zeta)``-strict saddle on a region when every ``x`` in
it satisfies ``||grad f(x)|| >= theta``, ``lambda_min(Hess f(x)) <= -gamma``
or ``dist(x, local minima) <= zeta`` (Jin et al. 2017, Definition 5). One
point ``x`` of the region with

    (G') ``||grad f(x)|| < theta``,
    (H') ``lambda_min(Hess f(x)) > -gamma``,
    (Z') ``dist(x, minima) > zeta``

disproves it, and needs no covering, so it works in any dimension.

**Search (floats, not trusted).** Projected gradient descent on ``f`` from
many starts in the region (the centre, uniform points, and uniform points
pulled towards the centre); every iterate is scored by the smallest relative
margin ``min((theta - ||g||)/theta, (lambda_min + gamma)/gamma,
(dist - zeta)/zeta)`` (positive: all three fail in floating point), then the
best point is polished by a (1+1) evolution strategy on that margin.

**Proof** at the best points, in ball arithmetic:
:func:`~saddlecheck.landscape.witness.prove_at`. The distance condition (Z') is
proved against the caller's ``minima`` (a function ``Box -> (lower, upper)``,
or an object with such a ``bounds`` method like the matrix-factorization
problem's ``minima_distance``: the claim is then about the caller's set), or
against every local minimum of ``f``: from a
:class:`~saddlecheck.landscape.critical.CriticalPoints` search whose box
contains ``x +- zeta``, or (``minima=None``) from such a search run on
``x +- zeta`` itself (low dimensions only).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import float_down, float_up
from saddlecheck.box import Box, check_box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.critical import CriticalPoints
from saddlecheck.landscape.witness import CallerDistance, MinimaPoints, SearchDistance, prove_at
from saddlecheck.objective import Objective

__all__ = ["CounterexampleSearch", "MinimaPoints", "find_counterexample"]

_PER_PATH = 12
"""Distance evaluations per descent path (the caller's bound may be costly)."""


@dataclass(frozen=True)
class CounterexampleSearch:
    """The outcome of :func:`find_counterexample`.

    Attributes:
        proved: ``True``: ``point`` is a proved counterexample (``evidence``
            holds the proved bounds); ``False``: none was proved, which proves
            nothing (see ``reason``).
        point: the exact point, or ``None``.
        evidence: ``grad_norm_upper`` (``> ||grad f(x)||``), ``lambda_min_lower``
            (``< lambda_min``), ``distance_lower`` (``< dist(x, minima)``).
        best_margin: the float margin of the best point found (``> 0``: all three
            conditions fail in floating point there).
        starts, evaluations: search effort (descent starts; gradient evaluations).
    """

    proved: bool
    reason: str
    theta: Fraction
    gamma: Fraction
    zeta: Fraction
    point: tuple[Fraction, ...] | None
    evidence: dict | None
    best_margin: float
    starts: int
    evaluations: int

    @property
    def box(self) -> Box | None:
        """The point as a degenerate :class:`~saddlecheck.Box` (``None`` when not proved)."""
        return None if self.point is None else Box([(v, v) for v in self.point])

    def explain(self) -> str:
        head = "PROVED counterexample" if self.proved else "no counterexample proved"
        lines = [f"({float(self.theta):.6g}, {float(self.gamma):.6g}, {float(self.zeta):.6g})"
                 f"-strict saddle: {head}", f"  {self.reason}",
                 f"  {self.starts} descent starts, {self.evaluations} gradient evaluations, "
                 f"best float margin {self.best_margin:.3g}"]  # fmt: skip
        if self.point is not None:
            e = self.evidence or {}
            lines.append(
                f"  at x = ({', '.join(f'{float(v):.6g}' for v in self.point)}): ||grad f|| <= "
                f"{e['grad_norm_upper']!r}, lambda_min >= {e['lambda_min_lower']!r}, "
                f"distance to the minima >= {e['distance_lower']!r}"
            )
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"proved": self.proved, "reason": self.reason, "theta": str(self.theta),
             "gamma": str(self.gamma), "zeta": str(self.zeta),
             "point": None if self.point is None else [str(v) for v in self.point],
             "evidence": _bnb.jsonable(self.evidence),
             "best_margin": _bnb.jsonable(self.best_margin),
             "starts": self.starts, "evaluations": self.evaluations}
        )  # fmt: skip


# -- the float search ---------------------------------------------------------------


class _Search:
    def __init__(self, obj, th, ga, ze, dist, lo, hi, rng, deadline):
        self.obj, self.dist, self.rng, self.deadline = obj, dist, rng, deadline
        self.th, self.ga, self.ze = float(th), float(ga), float(ze)
        self.lo, self.hi = lo, hi
        self.evaluations = 0

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def grad(self, x: np.ndarray) -> np.ndarray | None:
        self.evaluations += 1
        try:
            return self.obj.grad(x)
        except InputError:
            return None

    def partial(self, x: np.ndarray, gn: float) -> float:
        """``min`` of the gradient and curvature margins (relative)."""
        m1 = (self.th - gn) / self.th
        return m1 if m1 <= 0 else min(m1, (self.lam(x) + self.ga) / self.ga)

    def lam(self, x: np.ndarray) -> float:
        """``lambda_min(Hess f(x))`` in floats (``-inf`` where it cannot be evaluated)."""
        try:
            return float(np.linalg.eigvalsh(self.obj.hess(x))[0])
        except (InputError, np.linalg.LinAlgError):
            return -math.inf

    def score(self, x: np.ndarray) -> float:
        g = self.grad(x)
        if g is None:
            return -math.inf
        s = self.partial(x, float(np.linalg.norm(g)))
        return s if s <= 0 else min(s, (self.dist.estimate(x) - self.ze) / self.ze)

    def descend(self, x: np.ndarray, steps: int) -> list[tuple[np.ndarray, float]]:
        """Projected gradient descent with Armijo backtracking: ``[(x_k, ||g_k||), ...]``.

        Steps are at most ``zeta / 4`` long, so the path samples the region
        where the distance to the minima crosses ``zeta``.
        """
        try:
            fx = self.obj.value(x)
        except InputError:
            return []
        path, t = [], 1.0
        for _ in range(steps):
            g = self.grad(x)
            if g is None:
                break
            gn = float(np.linalg.norm(g))
            path.append((x, gn))
            if gn == 0 or self.out_of_time():
                break
            t = min(2 * t, self.ze / (4 * gn))
            for _ in range(60):
                y = np.clip(x - t * g, self.lo, self.hi)
                try:
                    fy = self.obj.value(y)
                except InputError:
                    fy = math.inf
                if fy <= fx - 1e-4 * float(g @ (x - y)):
                    break
                t /= 2
            else:
                break
            if np.array_equal(x, y):
                break
            x, fx = y, fy
        return path

    def polish(self, x: np.ndarray, s: float, budget: int, scale: float) -> tuple:
        """A (1+1) evolution strategy on the margin (the 1/5 success rule)."""
        sigma = scale
        for _ in range(budget):
            if self.out_of_time():
                break
            y = np.clip(x + sigma * self.rng.standard_normal(x.size), self.lo, self.hi)
            sy = self.score(y)
            if sy > s:
                x, s, sigma = y, sy, sigma * 2
            else:
                sigma *= 0.84
        return x, s


def _starts(lo: np.ndarray, hi: np.ndarray, n: int, rng) -> list[np.ndarray]:
    centre = (lo + hi) / 2
    out = [np.clip(centre, lo, hi)]
    for k in range(1, n):
        u = lo + (hi - lo) * rng.random(lo.size)
        out.append(u if k % 2 else np.clip(centre + rng.random() * (u - centre), lo, hi))
    return out


def find_counterexample(
    obj: Objective,
    theta: object,
    gamma: object,
    zeta: object,
    *,
    minima: object = None,
    region: object = None,
    starts: int = 24,
    steps: int = 300,
    polish: int = 150,
    seed: int = 0,
    max_boxes: int = 20_000,
    time_limit: float | None = None,
) -> CounterexampleSearch:
    """Search for a point of ``region`` where all three strict-saddle conditions fail; prove it.

    Proves ``||grad f(x)|| < theta``, ``lambda_min(Hess f(x)) > -gamma`` and
    ``dist(x, minima) > zeta`` at one exact point (module docstring). Not
    finding one proves nothing: the verdict stays with the covering of
    :func:`~saddlecheck.landscape.strict_saddle.check_strict_saddle`.

    Args:
        obj: the objective.
        theta, gamma, zeta: the constants, ``> 0`` (read exactly).
        minima: ``None`` (search for local minima near the point), a
            :class:`~saddlecheck.landscape.critical.CriticalPoints` search, or
            the caller's distance bound ``Box -> (lower, upper)`` (an object
            with a ``bounds`` method is read through it).
        region: the box searched (required: it bounds the starts and the point).
        starts, steps, polish: descent starts, steps per descent, polishing steps.
        seed: the search's random seed (the result is deterministic).
        max_boxes: budget of the local minima search when ``minima`` is ``None``.
        time_limit: seconds for the float search (``None``: no limit; a limit
            makes the outcome depend on the machine's speed).

    Returns:
        :class:`CounterexampleSearch`.

    Raises:
        InputError: constants not ``> 0``, ``region`` missing or of the wrong
            dimension, ``minima`` of the wrong type, bad budgets.

    Examples:
        >>> obj = Objective("x**4/4 - x**2/2 + y**2/2")
        >>> res = find_counterexample(obj, "0.3", "1.5", "0.5", region=Box([(-2, 2), (-2, 2)]))
        >>> res.proved, res.evidence["lambda_min_lower"] > -1.5
        (True, True)
    """
    if not isinstance(obj, Objective):
        raise InputError(f"obj={obj!r} must be a saddlecheck.Objective")
    th, ga, ze = (check_positive(n, v) for n, v in (("theta", theta), ("gamma", gamma),
                                                    ("zeta", zeta)))  # fmt: skip
    if region is None:
        raise InputError("region=None: pass the box to search, e.g. region=[(-2, 2), (-2, 2)]")
    region = check_box(region, obj.dim, "region")
    starts = check_int("starts", starts, minimum=1)
    steps = check_int("steps", steps, minimum=1)
    polish = check_int("polish", polish, minimum=0)
    seed = check_int("seed", seed)
    max_boxes = check_int("max_boxes", max_boxes, minimum=1)
    if time_limit is not None:
        time_limit = float(check_positive("time_limit", time_limit))
    if minima is None or isinstance(minima, CriticalPoints):
        dist = SearchDistance(obj, minima, max_boxes)
    elif callable(minima) or callable(getattr(minima, "bounds", None)):
        dist = CallerDistance(minima)
    else:
        raise InputError(
            f"minima={minima!r} must be None, a CriticalPoints search or a function "
            "Box -> (lower, upper)"
        )
    if isinstance(dist, CallerDistance) and dist.lower(region.midpoint()) is None:
        why = "minima= gives no lower bound on the distance: return (lower, upper) from it"
        return CounterexampleSearch(False, why, th, ga, ze, None, None, -math.inf, 0, 0)
    lo = np.array([float_up(a) for a in region.lower])
    hi = np.array([max(float_down(b), a) for a, b in zip(lo, region.upper, strict=True)])
    rng = np.random.default_rng(seed)
    deadline = None if time_limit is None else time.monotonic() + time_limit
    s = _Search(obj, th, ga, ze, dist, lo, hi, rng, deadline)
    paths = []
    for x0 in _starts(lo, hi, starts, rng):
        if s.out_of_time():
            break
        paths.append(s.descend(x0, steps))
    if isinstance(dist, SearchDistance) and minima is None:
        dist.float_minima = [
            p[-1][0] for p in paths if p and p[-1][1] < 1e-3 * s.th and s.lam(p[-1][0]) > 0
        ]
    best, best_s = None, -math.inf
    ranked: list[tuple[float, int, np.ndarray]] = []
    for path in paths:
        picked = [(x, m) for x, gn in path if (m := s.partial(x, gn)) > max(best_s, 0)]
        step = max(1, -(-len(picked) // _PER_PATH))
        for x, m in picked[::step]:
            sc = min(m, (dist.estimate(x) - s.ze) / s.ze)
            ranked.append((sc, len(ranked), x))
            if sc > best_s:
                best, best_s = x, sc
        if best is None and path:  # keep something to polish
            best, best_s = path[-1][0], s.score(path[-1][0])
    if best_s <= 1e-6:  # the shells just outside zeta around the descents' limits
        for x in _shells(paths, s, rng):
            sc = s.score(x)
            ranked.append((sc, len(ranked), x))
            if sc > best_s:
                best, best_s = x, sc
    if best is not None and best_s <= 1e-6 and polish:
        best, best_s = s.polish(best, best_s, polish, s.ze / 4)
        ranked.append((best_s, len(ranked), best))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    why, tried = "no point found where all three conditions fail in floating point", 0
    for sc, _, x in ranked:
        if sc <= 0 or tried >= 3:
            break
        x = _simplest(s, x)
        q = tuple(Fraction(float(v)) for v in x)
        if not region.contains(q):
            continue
        tried += 1
        ev, why = prove_at(obj, q, th, ga, ze, dist)
        if ev is not None:
            reason = ("at the exact point x of the region: ||grad f|| < theta, lambda_min > -gamma "
                      f"and distance > zeta to {_where(minima)} (ball arithmetic)")  # fmt: skip
            return CounterexampleSearch(True, reason, th, ga, ze, q, ev, sc, len(paths),
                                        s.evaluations)  # fmt: skip
    if s.out_of_time():
        why += f" (time_limit={time_limit} s reached)"
    return CounterexampleSearch(False, why, th, ga, ze, None, None, best_s, len(paths),
                                s.evaluations)  # fmt: skip


def _shells(paths: list, s: _Search, rng, limits: int = 8, soft: int = 4) -> list:
    """Points at distance ``(1.05 .. 2) zeta`` from each descent's limit, along soft directions.

    Near a minimum the gradient is small and the curvature not very negative;
    just outside its ``zeta``-ball the distance condition fails as well. The
    gradient grows slowest along the Hessian's eigenvectors with the smallest
    clearly positive eigenvalues (null directions, e.g. rotations of a
    continuum of minima, do not move away from the minima), so those are
    tried, with both signs and a few random mixtures of them.
    """
    ends: list[np.ndarray] = []
    for path in paths:
        if (
            path
            and path[-1][1] < 1e-3 * s.th
            and s.lam(path[-1][0]) > -s.ga
            and all(np.linalg.norm(path[-1][0] - e) > s.ze for e in ends)
        ):
            ends.append(path[-1][0])
    out = []
    for e in ends[:limits]:
        try:
            lam, vecs = np.linalg.eigh(s.obj.hess(e))
        except (InputError, np.linalg.LinAlgError):
            continue
        keep = lam > 1e-6 * max(1.0, float(np.abs(lam).max()))
        dirs = list(vecs[:, keep][:, :soft].T)
        if not dirs:
            continue
        basis = np.array(dirs)
        dirs += [w / np.linalg.norm(w) for w in rng.standard_normal((soft, len(dirs))) @ basis]
        for u in dirs:
            for sign in (1, -1):
                for radius in (1.05, 1.2, 1.5, 2.0):
                    out.append(np.clip(e + sign * radius * s.ze * u, s.lo, s.hi))
    return out


def _simplest(s: _Search, x: np.ndarray) -> np.ndarray:
    """``x`` rounded to the coarsest dyadic grid ``2^-k`` that keeps a positive margin.

    Short coordinates make the reported point readable; the proof is then at
    the rounded point.
    """
    for k in (2, 4, 6, 8, 12, 16, 24, 32):
        y = np.clip(np.round(x * 2.0**k) / 2.0**k, s.lo, s.hi)
        if s.score(y) > 0:
            return y
    return x


def _where(minima: object) -> str:
    if minima is None:
        return "every local minimum of f (critical-point search on x +- zeta)"
    if isinstance(minima, CriticalPoints):
        return f"every local minimum of f (critical-point search on {minima.box})"
    return "the caller's set of minima (minima=)"

"""Decide whether ``f`` is ``(theta, gamma, zeta)``-strict saddle on a box, with a proof.

Jin, Ge, Netrapalli, Kakade, Jordan (ICML 2017), Definition 5
(the paper's): ``f`` is ``(theta, gamma, zeta)``-strict saddle when every ``x``
satisfies at least one of

    (G) ``||grad f(x)|| >= theta``,
    (H) ``lambda_min(Hess f(x)) <= -gamma``,
    (Z) ``x`` is within distance ``zeta`` of the set of local minima.

Interval branch and bound over the box proves, for each leaf box ``X``, one
condition for *every* point of ``X``:

* (G): ``sum_i mig(G_i(X))^2 >= theta^2``, ``G(X)`` the gradient enclosure
  (natural ∩ centred form, :mod:`saddlecheck.landscape.bnb`);
* (H): ``v^T H(X) v / v^T v <= -gamma`` in ball arithmetic for one fixed
  direction ``v`` (the bottom eigenvector at the box's centre), so
  ``lambda_min(H(x)) <= -gamma`` by Courant-Fischer;
* (Z): ``sup_{x in X, m in E} ||x - m|| <= zeta`` (exact rationals) for the
  enclosure ``E`` of a proved local minimum, found by
  :func:`~saddlecheck.landscape.critical.critical_points` on the box enlarged by ``zeta``
  (which holds every minimum within ``zeta`` of the box), or a caller's
  rigorous distance bound ``minima(X) >= sup_{x in X} dist(x, minima)``;
* (G) and (H) also from second-order (Taylor) forms with the enclosure of
  ``D^3 f`` (:mod:`saddlecheck.landscape.taylor`) where the first-order ones
  are too loose;
* (Z) or (G), leaf ``"basin"``: every point is within ``zeta`` of a proved
  local minimum ``m`` or has ``||grad f|| >= theta``, from a lower bound
  ``lam`` on the mean Hessian between the box and ``m`` with
  ``lam * zeta >= theta`` (:mod:`saddlecheck.landscape.basin`).

A **counterexample** is a box ``X`` on which all three fail at every point:
``sum_i mag(G_i(X))^2 < theta^2``; ``lambda_min(H) > -gamma`` for every
``H`` in the enclosure (:func:`~saddlecheck.arith.symmetric.interval_lambda_min`);
and ``inf_{x in X} dist(x, minima) > zeta``, which needs *every* local minimum
within ``zeta`` of the box: all entries of the (complete or not) critical-point
search of the enlarged box that are not proved free of minima count, or the
caller's lower bound.

Every run ends within its budget: ``max_boxes`` boxes for the covering (and
as many for the minima search) and ``time_limit`` seconds for the whole
check; what is left is reported undecided with the reason (``status``). When
the minima search finds a **non-isolated critical set** (a curve of minima,
as for ``(a b - 1)^2``), boxes touching it are left undecided at once (no
budget decides them: ``||grad f||`` is small, ``lambda_min`` near 0, and none
of its points is a proved minimum), and once ``True`` is out of reach, boxes
within ``zeta`` of a candidate are not refined further (no counterexample can
be proved there); the reason says to pass ``minima=``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.arith.rounding import float_down, float_up
from saddlecheck.box import Box, check_box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import covering as _cov
from saddlecheck.landscape import driver as _driver
from saddlecheck.landscape.counterexample import find_counterexample
from saddlecheck.landscape.critical import CriticalPoints, critical_points
from saddlecheck.landscape.symmetry import Reduction, reduce_box
from saddlecheck.objective import Objective

__all__ = ["Leaf", "StrictSaddleReport", "check_strict_saddle"]

CONDITIONS = ("gradient", "hessian", "minimum", "basin")


@dataclass(frozen=True)
class Leaf:
    """A leaf box of the covering and the condition proved on all of it.

    ``bound``: the proved bound: a lower bound on ``||grad f||`` (gradient),
    an upper bound on ``lambda_min`` (hessian) or on the distance to the
    minima (minimum); for ``"basin"`` (each point is within ``zeta`` of the
    proved minimum ``m`` or has ``||grad f|| >= theta``,
    :mod:`saddlecheck.landscape.basin`) a lower bound ``lam > 0`` on
    ``lambda_min`` of the mean Hessian between the box and ``m``
    (``||grad f(x)|| >= lam ||x - m||``).
    """

    box: Box
    condition: str
    bound: float

    def to_dict(self) -> dict:
        return {"box": self.box.to_json(), "condition": self.condition, "bound": self.bound}


@dataclass(frozen=True)
class StrictSaddleReport:
    """The verdict with its covering, counterexample or undecided boxes.

    Attributes:
        holds: ``True`` proved, ``False`` disproved (see ``counterexample``),
            ``None`` undecided at this budget (see ``undecided``).
        reason: what the verdict proves, in words.
        counts: leaves per condition, and ``"undecided"``.
        leaves: the covering (when ``holds`` is ``True`` it covers the box).
        counterexample: a box on every point of which all three conditions fail.
        evidence: for the counterexample: upper bound on ``||grad f||``, lower
            bound on ``lambda_min``, lower bound on the distance to the minima.
        minima: the critical-point search of the enlarged box, or ``None``
            when the caller gave the minima.
    """

    holds: bool | None
    reason: str
    box: Box
    theta: Fraction
    gamma: Fraction
    zeta: Fraction
    counts: dict[str, int]
    leaves: tuple[Leaf, ...]
    counterexample: Box | None
    evidence: dict | None
    undecided: tuple[Box, ...]
    boxes_processed: int
    minima: CriticalPoints | None = None
    minima_source: str = ""
    options: dict = field(default_factory=dict)
    status: str = "complete"
    elapsed: float = 0.0

    def explain(self) -> str:
        verdict = {True: "HOLDS", False: "FAILS", None: "UNDECIDED"}[self.holds]
        lines = [
            f"({float(self.theta):.6g}, {float(self.gamma):.6g}, {float(self.zeta):.6g})-strict "
            f"saddle on {self.box}: {verdict}",
            f"  {self.reason}",
            f"  boxes processed: {self.boxes_processed} in {self.elapsed:.1f} s; leaves: "
            + ", ".join(f"{k} {v}" for k, v in self.counts.items()),
            f"  minima: {self.minima_source}",
        ]
        if self.counterexample is not None:
            e = self.evidence or {}
            lines.append(
                f"  counterexample box {self.counterexample}: ||grad f|| <= "
                f"{e.get('grad_norm_upper')!r}, lambda_min >= {e.get('lambda_min_lower')!r}, "
                f"distance to the minima >= {e.get('distance_lower')!r}"
            )
        if self.undecided:
            lines.append(f"  {len(self.undecided)} undecided boxes, e.g. {self.undecided[0]}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "holds": self.holds,
                "reason": self.reason,
                "status": self.status,
                "box": self.box.to_json(),
                "theta": str(self.theta),
                "gamma": str(self.gamma),
                "zeta": str(self.zeta),
                "counts": self.counts,
                "boxes_processed": self.boxes_processed,
                "counterexample": None
                if self.counterexample is None
                else self.counterexample.to_json(),
                "evidence": _bnb.jsonable(self.evidence),
                "undecided": [b.to_json() for b in self.undecided],
                "leaves": [_bnb.jsonable(leaf.to_dict()) for leaf in self.leaves],
                "minima_source": self.minima_source,
                "minima": None if self.minima is None else json.loads(self.minima.to_json()),
                "options": self.options,
            }
        )


# -- the driver ---------------------------------------------------------------------


def check_strict_saddle(
    obj: Objective,
    box: object,
    theta: object,
    gamma: object,
    zeta: object,
    *,
    minima: Callable | None = None,
    min_width: object = None,
    max_boxes: int = 200_000,
    executor: Executor | None = None,
    time_limit: object = None,
    progress: Callable[[dict], None] | None = None,
    symmetries: Sequence[Mapping] = (),
) -> StrictSaddleReport:
    """Prove or disprove that ``f`` is ``(theta, gamma, zeta)``-strict saddle on ``box``.

    Hypotheses (checked first): ``f`` is real and ``C^3`` on an open
    neighbourhood of the box (and of the box enlarged by ``zeta`` for the
    minima search): every condition of ``obj.domain`` is proved there.

    Args:
        obj: the objective.
        box: the region (a :class:`~saddlecheck.Box` or ``[(lo, hi), ...]``).
        theta, gamma, zeta: the constants, ``> 0`` (read exactly).
        minima: ``None`` to find the local minima with
            :func:`~saddlecheck.landscape.critical.critical_points` on ``box`` enlarged
            by ``zeta``; or a function ``Box -> float`` returning a proved
            upper bound on ``sup_{x in box} dist(x, minima)``, or
            ``Box -> (lower, upper)`` adding a proved lower bound on
            ``inf_{x in box} dist(x, minima)`` (needed for counterexamples);
            for continua of minima (matrix factorization).
        min_width: boxes narrower than this are left undecided (default: the
            box's largest width / 2**16).
        max_boxes: budget of boxes for the covering (and, separately, for the
            critical-point search); the covering never processes more.
        executor: any ``concurrent.futures.Executor`` (a process pool, a Dask
            ``client.get_executor()``): tasks of up to 512 boxes are processed
            in the workers, run ahead and committed in a fixed order
            (:mod:`saddlecheck.landscape.driver`), so results are identical
            without it (unless ``time_limit`` cuts the run).
        time_limit: seconds of wall-clock time for the whole check, the
            minima search included (``None``: no limit). When reached the
            verdict is ``None`` with ``status == "time limit"`` (a
            counterexample already proved still gives ``False``).
        progress: called now and then with a dict ``{"phase", "boxes",
            "frontier", "settled_fraction", "elapsed", ...}``; ``phase`` is
            ``"minima"`` (the critical-point search) or ``"covering"``.
        symmetries: signed permutations of the variables under which ``f`` is
            invariant, e.g. ``[{"x": "-x"}]``, or an orthogonal invariance
            ``{"orthogonal": [["u1_1", "u1_2"], ...]}`` (``f(U R) = f(U)``,
            needs ``minima=``); each is verified exactly and the covering is
            restricted to a fundamental box or slice
            (:func:`~saddlecheck.landscape.symmetry.reduce_box`). With
            ``minima=``, the caller's set of minima must be invariant too.

    Returns:
        :class:`StrictSaddleReport`; ``status`` is ``"complete"``,
        ``"budget"`` (``max_boxes`` ran out), ``"time limit"``, ``"min_width"``
        (boxes left undecided at ``min_width``) or ``"counterexample"``.

    Raises:
        InputError: ``theta``, ``gamma`` or ``zeta`` not ``> 0``, a box of the
            wrong dimension, a singularity or Piecewise boundary in the box (or
            in the enlarged box, for the minima search), ``minima`` not callable,
            a declared symmetry that does not hold (or cannot be proved), an
            orthogonal declaration without ``minima=``.

    Examples:
        >>> obj = Objective("x**4/4 - x**2/2 + y**2/2")
        >>> rep = check_strict_saddle(obj, Box([(-2, 2), (-2, 2)]), "0.3", "0.5", "0.5")
        >>> rep.holds, rep.counterexample
        (True, None)
    """
    start = time.monotonic()
    if not isinstance(obj, Objective):
        raise InputError(f"obj={obj!r} must be a saddlecheck.Objective")
    box = check_box(box, obj.dim)
    deadline = None
    if time_limit is not None:
        deadline = start + float(check_positive("time_limit", time_limit))
    if progress is not None and not callable(progress):
        raise InputError(f"progress={progress!r} must be None or a function of one dict")
    th = check_positive("theta", theta)
    ga = check_positive("gamma", gamma)
    ze = check_positive("zeta", zeta)
    max_boxes = check_int("max_boxes", max_boxes, minimum=1)
    width = box.max_width()
    mw = width / 2**16 if min_width is None else check_positive("min_width", min_width)
    if minima is not None and not callable(minima):
        raise InputError(f"minima={minima!r} must be None or a function Box -> float")
    _bnb.check_evaluable(obj, box, f"check_strict_saddle on {box}")
    red = (reduce_box(obj, box, symmetries, minima_given=minima is not None) if symmetries
           else Reduction(box, box, ()))  # fmt: skip
    cover, sym_notes = red.cover, list(red.notes)
    search = None
    if minima is None:
        big = box.enlarge(ze)
        try:
            w = big.max_width()
            cp_width = max(w / 2**12, min(ze / 32, w / 2**8))
            left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
            search = critical_points(
                obj, big, min_width=cp_width, max_boxes=max_boxes, executor=executor,
                time_limit=left, progress=None if progress is None else
                (lambda d: progress({**d, "phase": "minima"})),
            )  # fmt: skip
        except InputError as exc:
            raise InputError(
                f"the minima search needs f on the box enlarged by zeta, {big}: {exc}; "
                "pass minima= (a distance bound) or a smaller zeta"
            ) from None
        stuck = [b for r in search.non_isolated() for b in r.members]
        params = _cov.Params(
            th, ga, ze, mw, tuple(search.minima()), tuple(search.minimum_candidates()), None,
            np.array([[float_down(v) for v in b.lower] for b in stuck]) if stuck else None,
            np.array([[float_up(v) for v in b.upper] for b in stuck]) if stuck else None,
            float_up(cp_width),
        )  # fmt: skip
        source = (
            f"{len(params.minima)} proved local minima of critical_points on {big} "
            f"({'complete' if search.complete else 'INCOMPLETE: ' + search.status} search; "
            f"{len(params.candidates)} boxes may hold a local minimum)"
        )
    else:
        params = _cov.Params(th, ga, ze, mw, (), (), minima)
        source = "the caller's distance bound (minima=)"
    # a proved point counterexample first (any dimension, no covering): False comes fast;
    # with an executor it runs here while the workers start on the covering

    def first() -> tuple[Box, dict] | None:
        quick = find_counterexample(
            obj, th, ga, ze, minima=search if minima is None else minima, region=box, starts=12,
            steps=150,
            time_limit=None if deadline is None else max(deadline - time.monotonic(), 1e-3),
        )  # fmt: skip
        return (quick.box, quick.evidence) if quick.proved else None

    # by the symmetries, covering `cover` covers `box`; a counterexample of the slice
    # may lie off the box (red.inside: None), its box is then undecided
    run = _driver.cover(
        _cov.step, _cov.cannot_fail, obj, params, cover, CONDITIONS, executor,
        max_boxes=max_boxes, deadline=deadline, first=first, inside=red.inside,
        tick=None if progress is None else _driver.reporter(cover, progress, start),
    )  # fmt: skip
    leaves = [Leaf(b, tag, bound) for b, tag, bound in run.leaves]
    undecided, queue, processed, found = run.undecided, run.left, run.processed, run.found
    timed_out, continuum, pruned, outside = run.timed_out, run.continuum, run.pruned, run.outside
    counts = {c: sum(1 for leaf in leaves if leaf.condition == c) for c in CONDITIONS}
    if found is not None:
        holds: bool | None = False
        where = (
            "every local minimum of f (all that can lie within zeta of the box were searched "
            f"for in the box enlarged by zeta, {box.enlarge(ze)})"
            if minima is None
            else "the caller's set of minima"
        )
        reason = (
            f"every point of the counterexample box {found[0]} (inside the box) has "
            f"||grad f|| < theta, lambda_min(Hess f) > -gamma and distance > zeta from {where}"
        )
        undecided_out: tuple[Box, ...] = ()
    else:
        at_width = len(undecided)
        undecided.extend(queue)
        counts["undecided"] = len(undecided)
        undecided_out = tuple(undecided)
        if undecided:
            holds = None
            reason = _cov.undecided_reason(undecided_out, at_width, timed_out, mw, max_boxes,
                                       time_limit, search, (continuum, pruned))  # fmt: skip
            if outside:
                reason += (f"; {outside} of them hold a counterexample of the covered slice "
                           f"{cover} that was not proved to be the image of a point of the box "
                           "(it proves nothing about the box)")  # fmt: skip
        else:
            holds = True
            reason = (
                "every point of the box satisfies ||grad f|| >= theta, "
                "lambda_min(Hess f) <= -gamma, or lies within zeta of a "
                + ("proved local minimum" if minima is None else "minimum (caller's bound)")
                + (f" (covering {cover}; its images under the verified symmetries cover the box)"
                   if cover != box else "")
            )  # fmt: skip
    counts.setdefault("undecided", 0)
    if found is not None:
        status = "counterexample"
    elif timed_out:
        status = "time limit"
    elif queue:
        status = "budget"
    elif undecided_out:
        status = "min_width"
    else:
        status = "complete"
    return StrictSaddleReport(
        holds, reason, box, th, ga, ze, counts, tuple(leaves),
        None if found is None else found[0], None if found is None else found[1],
        undecided_out, processed, search, source,
        {"min_width": str(mw), "max_boxes": max_boxes, "time_limit": time_limit,
         **({"symmetries": sym_notes} if sym_notes else {})},
        status, time.monotonic() - start,
    )  # fmt: skip

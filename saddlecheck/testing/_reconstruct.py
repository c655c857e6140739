"""Rebuild a run's trace from the queries an implementation made.

Algorithm 2 evaluates ``grad f`` at every iterate, so the sequence of gradient
query points is the chain of iterates: a transition ``p -> p'`` with
``p' = p - eta grad f(p)`` (to round-off) is a gradient step, any other is a
perturbation ``p' = x_tilde + xi`` with ``x_tilde = p``. Three implementation
habits are undone first:

* repeated queries at one point (an implementation that asks twice per
  iteration) collapse to one, except at float fixed points of gradient descent
  (``p - eta g`` rounds to ``p``), where repeats are real steps;
* a query at a point already visited earlier (e.g. ``grad f(x_tilde)`` again
  before returning) is a re-evaluation, not a step, unless it is the
  gradient-step successor of the previous point (a re-evaluation at a float
  fixed point cannot be told from a step: the return rule allows for it);
* the last iterate of a window is often evaluated only by ``f`` (for the
  termination test): a final ``f`` query at the gradient-step successor of the
  last point is appended as the final iterate.

The result is ``None`` (trace properties not applicable) when ``grad`` was
never called with a point of the right shape.
"""

from __future__ import annotations

import numpy as np

from saddlecheck.claims._verdict import UNIT_ROUNDOFF
from saddlecheck.solver.trace import Trace
from saddlecheck.testing._problem import Recorder


def is_gd_step(p: np.ndarray, g: np.ndarray, q: np.ndarray, eta: float) -> bool:
    """``q == p - eta g`` up to float64 round-off of the step (``8 u`` per coordinate).

    >>> is_gd_step(np.array([1.0]), np.array([2.0]), np.array([0.8]), 0.1)
    True
    >>> is_gd_step(np.array([1.0]), np.array([2.0]), np.array([0.8 + 1e-9]), 0.1)
    False
    """
    step = p - eta * g
    tol = 8 * UNIT_ROUNDOFF * (np.abs(p) + np.abs(eta * g)) + 1e-300
    return bool(np.all(np.abs(q - step) <= tol))


def reconstruct(rec: Recorder, eta: float, returned: np.ndarray | None, f) -> Trace | None:
    """The :class:`~saddlecheck.claims.Trace` of a recorded run (``None``: not reconstructible).

    Args:
        rec: the recorder the implementation queried.
        eta: the step size ``c / ell``.
        returned: the point the implementation returned (or ``None``).
        f: the float64 objective (the guard's own, not the recorded one).
    """
    if not rec.grad_points or rec.bad_shapes:
        return None
    pts, gs = rec.grad_points, rec.grad_values
    # 1. consecutive repeats: re-queries, unless the point is a fixed point of the step
    runs: list[tuple[int, int]] = []  # (index of first, length)
    i = 0
    while i < len(pts):
        j = i + 1
        while j < len(pts) and np.array_equal(pts[j], pts[i]):
            j += 1
        runs.append((i, j - i))
        i = j
    moving = {
        length
        for start, length in runs
        if not np.array_equal(pts[start] - eta * gs[start], pts[start])
    }
    per_iter = max(moving) if len(moving) == 1 else 1
    chain: list[int] = []
    for start, length in runs:
        fixed = np.array_equal(pts[start] - eta * gs[start], pts[start])
        chain.extend(range(start, start + length, per_iter) if fixed else [start])
    # 2. drop re-evaluations of points visited before: a repeat that is not the
    #    gradient-step successor of the last point (descent can return bitwise to
    #    x_tilde when x_tilde is a float fixed point: that is a real step)
    seen: set[bytes] = set()
    kept: list[int] = []
    for k in chain:
        key = pts[k].tobytes()
        revisit = kept and key in seen and not np.array_equal(pts[kept[-1]], pts[k])
        if revisit and not is_gd_step(pts[kept[-1]], gs[kept[-1]], pts[k], eta):
            continue
        seen.add(key)
        kept.append(k)
    points = [pts[k] for k in kept]
    grads = [gs[k] for k in kept]
    # 3. the final iterate, evaluated only by f after the last gradient query
    last_order = rec.grad_order[kept[-1]]
    for x, order in zip(rec.f_points, rec.f_order, strict=True):
        if (
            order > last_order
            and is_gd_step(points[-1], grads[-1], x, eta)
            and not np.array_equal(x, points[-1])
        ):
            points.append(x)
            grads.append(None)
            break
    P = np.array(points)
    fvals = np.asarray(f(P), dtype=np.float64).reshape(-1)
    gnorm = np.array(
        [np.linalg.norm(g) if g is not None else np.nan for g in grads], dtype=np.float64
    )
    if np.isnan(gnorm[-1]):
        gnorm[-1] = np.linalg.norm(rec.landscape.grad(P[-1]))
    jumps = np.array(
        [not is_gd_step(P[k], grads[k], P[k + 1], eta) for k in range(len(P) - 1)], dtype=bool
    )
    f_error = 16 * UNIT_ROUNDOFF * rec.landscape.f_magnitude(P)  # cancellation in f's terms
    return Trace(
        fvals, gnorm, jumps, points=P, returned=returned, terminated=returned is not None,
        f_error=f_error,
    )  # fmt: skip

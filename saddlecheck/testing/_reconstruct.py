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
  fixed point cannot be told from a step: the return rule allows for it) or the
  next query is its own gradient-step successor (a run that goes through the
  same points again, e.g. identical windows from a re-seeded sampler);
* the last iterate of a window is often evaluated only by ``f`` (for the
  termination test): a final ``f`` query at the gradient-step successor of the
  last point is appended as the final iterate, unless it is a point visited
  before (``f(x_tilde)`` asked for the return test, a few ulps from a converged
  last iterate) while the last window is already complete.

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


def gd_steps(P: np.ndarray, G: np.ndarray, eta: float) -> np.ndarray:
    """:func:`is_gd_step` for every transition ``P[k] -> P[k+1]`` with gradients ``G[k]``."""
    if len(P) < 2:
        return np.zeros(0, dtype=bool)
    p, g = P[:-1], G[: len(P) - 1]
    step = p - eta * g
    tol = 8 * UNIT_ROUNDOFF * (np.abs(p) + np.abs(eta * g)) + 1e-300
    return np.all(np.abs(P[1:] - step) <= tol, axis=1)


def _window_complete(points: list, grads: list, eta: float, t_window: int | None) -> bool:
    """Whether the chain already holds ``t_window`` gradient steps after its last jump."""
    if t_window is None:
        return True
    if len(points) < 2:
        return False
    jumps = np.flatnonzero(~gd_steps(np.array(points), np.array(grads[: len(points) - 1]), eta))
    return jumps.size > 0 and len(points) - 1 - (int(jumps[-1]) + 1) >= t_window


def _unhide(points: list, grads: list, eta: float) -> tuple[list, list]:
    """Insert the steps a caching implementation took onto points it had asked before.

    When ``p - eta grad f(p)`` is a point visited earlier and is not the next
    query, a cache answered it: the step is inserted (with the earlier gradient).
    """
    known: dict[bytes, np.ndarray] = {}
    out_p, out_g = [], []
    for i, (x, g) in enumerate(zip(points, grads, strict=True)):
        out_p.append(x)
        out_g.append(g)
        known[x.tobytes()] = g
        nxt = points[i + 1] if i + 1 < len(points) else None
        for _ in range(len(known)):  # follow the cached path (it ends at a fixed point)
            y = out_p[-1] - eta * out_g[-1]
            if y.tobytes() not in known or np.array_equal(y, out_p[-1]):
                break
            if nxt is not None and is_gd_step(y, known[y.tobytes()], nxt, eta):
                out_p.append(y)  # the next query continues from this cached point
                out_g.append(known[y.tobytes()])
                break
            if nxt is not None and np.array_equal(nxt, y):
                break
            out_p.append(y)
            out_g.append(known[y.tobytes()])
    return out_p, out_g


def hidden_steps(rec: Recorder, trace: Trace | None, eta: float) -> np.ndarray:
    """Points of ``trace`` where an unknown number of steps may be hidden by a cache.

    An implementation that never asks ``grad`` twice in a row at one point (it
    caches values) takes steps at a float fixed point of gradient descent
    (``x - eta grad f(x) == x``) without any query: the trace shows the point
    once, and step counts through it are lower bounds. Empty when the
    implementation repeats queries (the counts are exact) or has no fixed point.
    """
    if trace is None:
        return np.zeros(0, dtype=int)
    pts = rec.grad_points
    repeats = any(np.array_equal(pts[i], pts[i + 1]) for i in range(len(pts) - 1))
    if repeats:
        return np.zeros(0, dtype=int)
    with np.errstate(all="ignore"):  # the gradient exactly as the recorder returns it
        fixed = [np.array_equal(x - eta * rec.landscape.grad(x), x) for x in trace.points]
    return np.flatnonzero(fixed)


def reconstruct(
    rec: Recorder, eta: float, returned: np.ndarray | None, f, t_window: int | None = None
) -> Trace | None:
    """The :class:`~saddlecheck.claims.Trace` of a recorded run (``None``: not reconstructible).

    Args:
        rec: the recorder the implementation queried.
        eta: the step size ``c / ell``.
        returned: the point the implementation returned (or ``None``).
        f: the float64 objective (the guard's own, not the recorded one).
        t_window: ``ceil(t_thres)``; decides whether an ``f`` query at an earlier
            point after the last gradient query can be the final iterate.
    """
    if not rec.grad_points or rec.bad_shapes:
        return None
    pts, gs = rec.grad_points, rec.grad_values
    # 1. consecutive repeats: re-queries, unless the point is a fixed point of the step
    A, GA = np.array(pts), np.array(gs)
    firsts = np.flatnonzero(np.r_[True, np.any(A[1:] != A[:-1], axis=1)])
    lengths = np.diff(np.r_[firsts, len(pts)])
    runs = list(zip(firsts.tolist(), lengths.tolist(), strict=True))  # (index of first, length)
    still = np.all(A - eta * GA == A, axis=1)  # float fixed points of the step
    moving = [length for start, length in runs if not still[start]]
    # queries per iterate: the usual run length where the point moves (a perturbed
    # point is often asked once fewer: only for its step)
    per_iter = max(set(moving), key=lambda n: (moving.count(n), -n)) if moving else 1
    chain: list[int] = []
    for start, length in runs:
        chain.extend(range(start, start + length, per_iter) if still[start] else [start])
    # 2. drop re-evaluations of points visited before: a repeat that is not the
    #    gradient-step successor of the last point (descent can return bitwise to
    #    x_tilde when x_tilde is a float fixed point: that is a real step)
    seen: set[bytes] = set()
    kept: list[int] = []
    revisits: set[int] = set()
    for n, k in enumerate(chain):
        key = pts[k].tobytes()
        revisit = kept and key in seen and not np.array_equal(pts[kept[-1]], pts[k])
        if revisit:
            nxt = chain[n + 1] if n + 1 < len(chain) else None
            follows = nxt is not None and is_gd_step(pts[k], gs[k], pts[nxt], eta)
            if not (follows or is_gd_step(pts[kept[-1]], gs[kept[-1]], pts[k], eta)):
                continue
            revisits.add(k)
        seen.add(key)
        kept.append(k)
    points = [pts[k] for k in kept]
    grads = [gs[k] for k in kept]
    # a final query at an earlier point (grad f(x_tilde) before returning, a few ulps
    # from a converged last iterate, or bitwise on it at a float fixed point) is not a
    # step when the window is complete without it
    requery = kept[-1] in revisits or (len(kept) > 1 and np.array_equal(points[-1], points[-2]))
    if len(kept) > 1 and requery and _window_complete(points[:-1], grads[:-1], eta, t_window):
        kept.pop()
        points.pop()
        grads.pop()
    # 2b. a cache: a step onto a point asked before makes no query; put it back
    if not any(length > 1 for _, length in runs):
        points, grads = _unhide(points, grads, eta)
    # 3. the final iterate, evaluated only by f after the last gradient query
    last_order = rec.grad_order[kept[-1]]
    complete = None
    for x, order in zip(rec.f_points, rec.f_order, strict=True):
        if (
            order > last_order
            and is_gd_step(points[-1], grads[-1], x, eta)
            and not np.array_equal(x, points[-1])
        ):
            if x.tobytes() in seen:  # f(x_tilde) for the return test, or the true last step?
                if complete is None:
                    complete = _window_complete(points, grads, eta, t_window)
                if complete:
                    continue
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
    jumps = ~gd_steps(P, np.array(grads[: len(P) - 1]).reshape(-1, P.shape[1]), eta)
    f_error = 16 * UNIT_ROUNDOFF * rec.landscape.f_magnitude(P)  # cancellation in f's terms
    return Trace(
        fvals, gnorm, jumps, points=P, returned=returned, terminated=returned is not None,
        f_error=f_error,
    )  # fmt: skip

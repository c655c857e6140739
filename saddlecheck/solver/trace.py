"""A PGD run as data: the chain of points joined by GD steps and perturbations.

Both saddlecheck's own PGD and the guard's reconstruction of a third-party run
produce a :class:`Trace`; the trace claims (T2, T3, T6, T7, T10) read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Trace:
    """The points a PGD run visited, in order, and how each was reached.

    Point ``k`` is ``points[k]``; transition ``k`` (from point ``k`` to point
    ``k + 1``) is a gradient step ``p_{k+1} = p_k - eta grad f(p_k)`` unless
    ``jumps[k]``, in which case ``p_k`` is ``x_tilde`` and ``p_{k+1} = x_tilde +
    xi`` (Algorithm 2, line "x_t <- x_tilde + xi_t"). So a perturbation shows as
    two points: ``x_tilde`` and the perturbed point.

    Attributes:
        f: ``f(p_k)`` for every point, float64.
        grad_norm: ``||grad f(p_k)||`` for every point.
        jumps: boolean, one per transition (``len(f) - 1`` entries).
        points: the points as an ``(m + 1, d)`` array, or ``None`` when the
            producer kept only values (claims needing points then do not apply).
        returned: the returned point (or ``None``).
        terminated: ``True`` when the run stopped by Algorithm 2's termination
            test (``return x_tilde``), ``False`` when a cap stopped it.
        f_error: an upper bound on the error of each ``f`` value beyond the
            default float64 allowance: one number, or one per point (e.g.
            ``16 u`` times the sum of the magnitudes of ``f``'s terms, which
            matters when they cancel).
    """

    f: np.ndarray
    grad_norm: np.ndarray
    jumps: np.ndarray
    points: np.ndarray | None = None
    returned: np.ndarray | None = None
    terminated: bool = True
    f_error: float | np.ndarray = 0.0
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        m = len(self.f)
        if len(self.grad_norm) != m or len(self.jumps) != max(m - 1, 0):
            raise ValueError(
                f"trace lengths disagree: {m} values, {len(self.grad_norm)} gradient norms, "
                f"{len(self.jumps)} transitions (need {max(m - 1, 0)})"
            )
        if self.points is not None and len(self.points) != m:
            raise ValueError(f"trace has {len(self.points)} points but {m} values")

    @classmethod
    def from_result(cls, result, f_error: float = 0.0) -> Trace:
        """The trace of a :func:`saddlecheck.pgd` result (``history`` must be complete).

        Each perturbation event at iteration ``t`` contributes ``x_tilde`` (with
        ``f_before``, ``grad_norm_before``) before ``x_t``. Points are included when
        the run kept its path (``keep_path=True``). Values of an mpmath run are
        rounded to float64.

        Raises:
            ValueError: when the history was thinned (more than ``HISTORY_CAP``
                iterations) so the chain cannot be rebuilt.
        """
        hist = result.history
        if not hist.complete:
            raise ValueError("the run's history is thinned; rebuild needs every iteration")
        events = {ev.iteration: ev for ev in result.perturbations}
        path = getattr(result, "path", None)
        f, g, jumps, pts = [], [], [], []
        for i, t in enumerate(hist.t):
            if hist.perturbed[i]:
                ev = events[t]
                if f:
                    jumps.append(False)
                f.append(float(ev.f_before))
                g.append(float(ev.grad_norm_before))
                if path is not None:
                    pts.append(np.array(ev.x_tilde, dtype=np.float64))
                jumps.append(True)
            elif f:
                jumps.append(False)
            f.append(float(hist.f[i]))
            g.append(float(hist.grad_norm[i]))
            if path is not None:
                pts.append(np.array(path[i], dtype=np.float64))
        return cls(
            np.array(f), np.array(g), np.array(jumps, dtype=bool),
            points=np.array(pts) if path is not None else None,
            returned=np.array(result.x, dtype=np.float64),
            terminated=result.status == "terminated", f_error=f_error,
        )  # fmt: skip

    @property
    def jump_indices(self) -> np.ndarray:
        """Indices ``k`` of the ``x_tilde`` points (transition ``k`` is a perturbation)."""
        return np.flatnonzero(self.jumps)

    @property
    def gd_steps(self) -> int:
        """Number of gradient steps taken (transitions that are not perturbations)."""
        return int(len(self.jumps) - np.count_nonzero(self.jumps))

    def xis(self) -> np.ndarray | None:
        """The perturbation vectors ``xi`` (one row per perturbation) or ``None``."""
        if self.points is None:
            return None
        k = self.jump_indices
        return self.points[k + 1] - self.points[k]

    def segments(self) -> list[tuple[int, int]]:
        """Maximal runs of gradient steps as ``(first point, last point)`` pairs.

        >>> t = Trace(np.zeros(5), np.zeros(5), np.array([False, True, False, False]))
        >>> t.segments()
        [(0, 1), (2, 4)]
        """
        out, start = [], 0
        for k, jump in enumerate(self.jumps):
            if jump:
                if k > start:
                    out.append((start, k))
                start = k + 1
        if len(self.f) - 1 > start:
            out.append((start, len(self.f) - 1))
        return out

"""The live progress line of ``saddlecheck run`` (stderr only).

On a terminal: one line redrawn in place, at most ten times a second,
``[#####.....] t = 1200 / bound 5.6e+05   f = -0.2499   ||grad|| = 3.1e-04   perturbations 2``.
Elsewhere (pipes, CI logs): the same numbers as plain lines, at most one
every ``plain_every`` seconds, so logs stay short. Nothing goes to stdout.
"""

from __future__ import annotations

import math
import time
from typing import TextIO

WIDTH = 24


class Progress:
    """A callback for :func:`saddlecheck.pgd` that reports on ``stream``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        label: str,
        bound: float | None = None,
        enabled: bool = True,
        plain_every: float = 5.0,
    ):
        self.stream = stream
        self.label = label
        self.bound = bound
        self.enabled = enabled
        self.tty = enabled and bool(getattr(stream, "isatty", lambda: False)())
        self.every = 0.1 if self.tty else plain_every
        self.start = time.perf_counter()
        self.last = self.start
        self.calls = 0
        self.drawn = False

    def __call__(self, state: object) -> None:
        self.calls += 1
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < self.every:
            return
        self.last = now
        self._draw(self.describe(state))

    def describe(self, state: object) -> str:
        t = int(_get(state, "t", "iteration", "iterations", default=0))
        f = _get(state, "f", "value", default=math.nan)
        g = _get(state, "grad_norm", "gnorm", default=math.nan)
        n = _get(state, "perturbations", "n_perturbations", default=0)
        n = n if isinstance(n, int) else len(n)
        if self.bound and math.isfinite(self.bound) and self.bound > 0:
            frac = min(1.0, t / self.bound)
            bar = "[" + "#" * round(frac * WIDTH) + "." * (WIDTH - round(frac * WIDTH)) + "] "
            of = f" / bound {self.bound:.3g}"
        else:
            bar, of = "", ""
        return (
            f"{self.label}: {bar}t = {t}{of}   f = {float(f):.6g}   ||grad|| = {float(g):.2e}   "
            f"perturbations {n}   {time.perf_counter() - self.start:.1f}s"
        )

    def _draw(self, line: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the live line (a terminal gets its newline)."""
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _get(state: object, *names: str, default: object) -> object:
    for name in names:
        value = state.get(name) if isinstance(state, dict) else getattr(state, name, None)
        if value is not None:
            return value
    return default

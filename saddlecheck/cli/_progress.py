"""Live progress on stderr: ``run``'s iteration bar and ``analyze``'s box counter.

``run`` on a terminal: one line redrawn in place, at most ten times a second,
``[#####.....] t = 1200 / max_iter 10605 (theorem's bound 1.3e+12)   f = -0.2499 ...``:
the bar fills towards ``max_iter``, the iteration cap the run really has,
with the theorem's bound beside it. Elsewhere (pipes, CI logs): the same
numbers as plain lines, at most one every ``plain_every`` seconds.

``analyze`` on a terminal: ``critical points: 1,234 boxes, 3 found, 45%
settled, 2.1 s``, redrawn in place and erased when the section is printed;
nothing when stderr is not a terminal or with ``--json``. Nothing goes to stdout.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from typing import TextIO

WIDTH = 24


class Progress:
    """A callback for :func:`saddlecheck.pgd` that reports on ``stream``."""

    def __init__(
        self,
        stream: TextIO,
        *,
        label: str,
        max_iter: int | None = None,
        bound: float | None = None,
        enabled: bool = True,
        plain_every: float = 5.0,
        deadline: object = None,
    ):
        self.stream = stream
        self.label = label
        self.max_iter = max_iter
        self.bound = bound
        self.deadline = deadline  # a Deadline: stop PGD between iterations when it expires
        self.state: object = None  # the last state seen
        self.enabled = enabled
        self.tty = enabled and bool(getattr(stream, "isatty", lambda: False)())
        self.every = 0.1 if self.tty else plain_every
        self.start = time.perf_counter()
        self.last = self.start
        self.calls = 0
        self.drawn = False

    def __call__(self, state: object) -> None:
        self.calls += 1
        self.state = state
        if self.deadline is not None and self.deadline.expired():
            from saddlecheck.cli._deadline import TimedOut

            raise TimedOut(f"{self.label} at iteration {_get(state, 't', default='?')}")
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
        bar, of = "", ""
        if self.max_iter:
            frac = min(1.0, t / self.max_iter)
            bar = "[" + "#" * round(frac * WIDTH) + "." * (WIDTH - round(frac * WIDTH)) + "] "
            of = f" / max_iter {self.max_iter}"
        if self.bound is not None and math.isfinite(self.bound):
            of += f" (theorem's bound {self.bound:.3g})"
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


class BoxCounter:
    """``analyze``'s live box counter: one redrawn stderr line, on a terminal only."""

    def __init__(self, stream: TextIO, *, enabled: bool = True, every: float = 0.1):
        self.stream = stream
        self.enabled = enabled and bool(getattr(stream, "isatty", lambda: False)())
        self.every = every
        self.last = -math.inf
        self.start = time.perf_counter()
        self.drawn = False

    @contextlib.contextmanager
    def section(self, label: str) -> Iterator[None]:
        """Show ``label`` while a section runs; erase the line when it ends."""
        self.start = time.perf_counter()
        self.last = -math.inf
        self.draw(f"{label} ...", force=True)
        try:
            yield
        finally:
            self.clear()

    def callback(self, label: str) -> Callable[[object], None]:
        """A ``progress=`` callback for a search: redraws ``label: N boxes ...``."""

        def report(info: object) -> None:
            self.draw(f"{label}: {describe_search(info)}, {time.perf_counter() - self.start:.1f} s")

        return report

    def draw(self, line: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < self.every:
            return
        self.last = now
        self.stream.write("\r\x1b[2K" + line)
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.drawn = False


def describe_search(info: object) -> str:
    """``"1,234 boxes, 3 found, 45% settled"`` from what a search reports.

    >>> describe_search({"boxes": 1234, "found": 3, "settled_fraction": 0.451})
    '1,234 boxes, 3 found, 45% settled'
    >>> describe_search(17)
    '17 boxes'
    """
    if isinstance(info, int):
        return f"{info:,} boxes"
    parts = []
    boxes = _get(info, "boxes", "processed", default=None)
    if boxes is not None:
        parts.append(f"{int(boxes):,} boxes")
    found = _get(info, "found", default=None)
    if found is not None:
        parts.append(f"{found} found")
    settled = _get(info, "settled_fraction", default=None)
    if settled is not None:
        parts.append(f"{float(settled):.0%} settled")
    return ", ".join(parts) or "working"

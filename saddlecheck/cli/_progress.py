"""Live progress on stderr: ``run``'s iteration bar and ``analyze``'s box counter.

``run`` on a terminal: one line redrawn in place, at most ten times a second,
``[#####.....] t = 1200 / max_iter 10605 (theorem's bound 1.3e+12)   f = -0.2499 ...``:
the bar fills towards ``max_iter``, the iteration cap the run really has,
with the theorem's bound beside it. Elsewhere (pipes, CI logs): the same
numbers as plain lines, at most one every ``plain_every`` seconds.

``analyze`` on a terminal: ``strict saddle (covering): 12,345 boxes, frontier
2,048, 87.3% settled, 41.2 s, ETA ~1m30s (estimate)``, redrawn in place (cut
to the terminal's width) and erased when the section is printed; the estimate
comes from :mod:`saddlecheck.cli._eta` (``ETA ?`` until it means something).
Nothing when stderr is not a terminal or with ``--json``: ``analyze`` prints
each section as soon as it is decided, which is its plain-text progress.
Nothing goes to stdout.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from saddlecheck.cli._eta import Estimate, RemainingTime, format_estimate

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
    """``analyze``'s live box counter: one redrawn stderr line, on a terminal only.

    ``clock`` (seconds) and ``width`` (columns; ``None``: the terminal's) are
    for tests; ``deadline`` (a :class:`~saddlecheck.cli._deadline.Deadline`)
    caps the estimated time left by ``--timeout``.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool = True,
        every: float = 0.1,
        deadline: object = None,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ):
        self.stream = stream
        self.enabled = enabled and bool(getattr(stream, "isatty", lambda: False)())
        self.every = every
        self.deadline = deadline
        self.clock = clock
        self.width = width
        self.last = -math.inf
        self.start = clock()
        self.drawn = False

    @contextlib.contextmanager
    def section(self, label: str) -> Iterator[None]:
        """Show ``label`` while a section runs; erase the line when it ends."""
        self.start = self.clock()
        self.last = -math.inf
        self.draw(f"{label} ...", force=True)
        try:
            yield
        finally:
            self.clear()

    def callback(self, label: str, *, budget: int | None = None) -> Callable[[object], None]:
        """A ``progress=`` callback for a search: redraws ``label: N boxes ..., ETA ...``.

        ``budget``: the search's ``max_boxes`` (the estimate knows the search
        stops there). On a terminal at most one report per ``every`` seconds
        is looked at; elsewhere the callback does nothing.
        """
        eta = RemainingTime(budget=budget)

        def report(info: object) -> None:
            if not self.enabled:
                return
            now = self.clock()
            if now - self.last < self.every:
                return
            remaining = getattr(self.deadline, "remaining", None)
            est = eta.report(now, info, remaining() if remaining is not None else None)
            line = live_line(label, info, now - self.start, est, self.columns() - 1)
            self.draw(line, force=True)

        return report

    def draw(self, line: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if not force and now - self.last < self.every:
            return
        self.last = now
        self.stream.write("\r\x1b[2K" + line[: max(20, self.columns() - 1)])  # \r redraws 1 row
        self.stream.flush()
        self.drawn = True

    def columns(self) -> int:
        """The line's room: ``width``, else the terminal's width (100 if unknown)."""
        return self.width or shutil.get_terminal_size((100, 24)).columns

    def clear(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.drawn = False


#: what ``live_line`` leaves out, in this order, when the terminal is too narrow
DROPPABLE = ("elapsed", "found", "frontier")


def live_line(
    label: str, info: object, elapsed: float, est: Estimate, width: int | None = None
) -> str:
    """The live line: label (and phase), counts, elapsed time, estimate.

    When longer than ``width`` columns, the elapsed time, then ``found``, then
    the frontier are left out, so the estimate stays visible.

    >>> info = {"phase": "covering", "boxes": 1234, "frontier": 48, "settled_fraction": 0.8734}
    >>> print(live_line("strict saddle", info, 4.23, Estimate(90.0, "volume")))
    strict saddle (covering): 1,234 boxes, frontier 48, 87.3% settled, 4.2 s, ETA ~1m30s (estimate)
    >>> print(live_line("strict saddle", info, 4.23, Estimate(90.0, "volume"), width=80))
    strict saddle (covering): 1,234 boxes, 87.3% settled, ETA ~1m30s (estimate)
    """
    phase = _get(info, "phase", default=None) if isinstance(info, dict) else None
    phase = str(phase).replace("_", " ") if phase is not None else ""
    head = f"{label} ({phase})" if phase and phase != label else label
    parts = [*_search_parts(info), ("elapsed", f"{elapsed:.1f} s"), ("eta", format_estimate(est))]
    line = f"{head}: " + ", ".join(text for _, text in parts)
    for key in DROPPABLE:
        if width is None or len(line) <= width:
            break
        parts = [(k, text) for k, text in parts if k != key]
        line = f"{head}: " + ", ".join(text for _, text in parts)
    return line


def describe_search(info: object) -> str:
    """``"1,234 boxes, frontier 56, 3 found, 45.1% settled"`` from what a search reports.

    The settled share is rounded down (``99.96%`` shows as ``99.9%``, never ``100%``);
    keys a search does not report are left out.

    >>> describe_search({"boxes": 1234, "frontier": 56, "found": 3, "settled_fraction": 0.4519})
    '1,234 boxes, frontier 56, 3 found, 45.1% settled'
    >>> describe_search({"boxes": 10, "settled_fraction": 0.5}), describe_search(17)
    ('10 boxes, 50% settled', '17 boxes')
    """
    return ", ".join(text for _, text in _search_parts(info)) or "working"


def _search_parts(info: object) -> list[tuple[str, str]]:
    if isinstance(info, int) and not isinstance(info, bool):
        return [("boxes", f"{info:,} boxes")]
    parts = []
    for key, fmt in (("boxes", "{:,} boxes"), ("frontier", "frontier {:,}"), ("found", "{} found")):
        value = _get(info, key, *(("processed",) if key == "boxes" else ()), default=None)
        if _finite(value):
            parts.append((key, fmt.format(int(value))))
    settled = _get(info, "settled_fraction", default=None)
    if _finite(settled):
        tenths = math.floor(min(1.0, max(0.0, float(settled))) * 1000)
        parts.append(
            ("settled", f"{tenths // 10}{'' if tenths % 10 == 0 else f'.{tenths % 10}'}% settled")
        )
    return parts


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

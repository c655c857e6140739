"""``--timeout SECONDS``: every command ends in bounded time and says what it knows.

Two mechanisms, so that no loop escapes the limit:

* **cooperative**: searches that take a time budget (``time_limit=`` of
  :func:`~saddlecheck.landscape.critical.critical_points` and
  :func:`~saddlecheck.landscape.strict_saddle.check_strict_saddle`) get the
  seconds left and return what they settled (their own "time limit" status);
  the progress callback of ``run`` stops PGD between iterations;
* **hard**: on POSIX, ``SIGALRM`` fires :data:`GRACE` after the deadline
  (1 s plus 10% of the limit) and raises :class:`TimedOut` wherever the
  command is, e.g. inside a smoothness bound that takes no budget.

Either way the command ends with exit code 3 (undecided) and the sections
already decided (``analyze`` prints them as it goes).
"""

from __future__ import annotations

import contextlib
import inspect
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator

from saddlecheck._validation import InputError


class TimedOut(BaseException):
    """The ``--timeout`` expired; ``where`` says what was running."""

    def __init__(self, where: str = ""):
        super().__init__(where)
        self.where = where


def grace(seconds: float) -> float:
    """Extra time the hard limit allows cooperative searches to wrap up in."""
    return 1.0 + 0.1 * seconds


class Deadline:
    """The wall-clock end of a command (``None`` seconds: no limit).

    >>> Deadline(None).remaining() is None, Deadline(None).expired()
    (True, False)
    >>> 0 < Deadline(5).remaining() <= 5
    True
    """

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.start = time.monotonic()
        self.end = None if seconds is None else self.start + seconds
        self.phase = ""  # what the command is doing now, for the message when it stops

    def remaining(self) -> float | None:
        """Seconds left (at least a millisecond, so budgets stay valid), or ``None``."""
        if self.end is None:
            return None
        return max(1e-3, self.end - time.monotonic())

    def expired(self) -> bool:
        return self.end is not None and time.monotonic() >= self.end

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def check_timeout(text: str | None) -> float | None:
    """``--timeout`` as positive finite seconds (``None``: no limit).

    >>> check_timeout("2.5"), check_timeout(None)
    (2.5, None)
    """
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= 10**7):
        raise InputError(f"--timeout={text!r} must be a number of seconds in (0, 1e7], e.g. 60")
    return value


@contextlib.contextmanager
def hard_limit(deadline: Deadline) -> Iterator[None]:
    """Raise :class:`TimedOut` in the main thread :func:`grace` seconds after ``deadline``."""
    usable = (
        deadline.seconds is not None
        and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def fire(signum, frame):
        raise TimedOut(f"while {deadline.phase}" if deadline.phase else "the time limit expired")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, deadline.seconds + grace(deadline.seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def budget_kwargs(
    func: Callable, deadline: Deadline, progress: Callable | None = None, **given: object
) -> dict:
    """Keyword arguments for ``func``: ``given`` (``None`` values dropped), plus
    ``time_limit`` and ``progress`` when ``func`` accepts them."""
    params = inspect.signature(func).parameters
    kwargs = {k: v for k, v in given.items() if v is not None}
    if "time_limit" in params and deadline.remaining() is not None:
        kwargs["time_limit"] = deadline.remaining()
    if "progress" in params and progress is not None:
        kwargs["progress"] = progress
    return kwargs

"""An honest estimate of the time a box search has left, for ``analyze``'s live line.

A branch-and-bound search reports the share of the volume it has settled
(``settled_fraction``), the boxes it has processed and its frontier (boxes
queued). :class:`RemainingTime` turns a stream of those reports into an
estimate from what was *recently* observed (a sliding window, default 30 s):

* **volume rate**: ``v = (s_now - s_then) / (t_now - t_then)`` over the
  window, ``ETA_volume = (1 - s_now) / v``, at least ``frontier / b`` (every
  queued box is processed once at least; ``b`` boxes per second);
* **shown only when stable**: every finish time it predicted, ``t + ETA``,
  over the last ``stable`` seconds (3 s, or a fifth of the phase's time so
  far if longer) must agree, within a fifth of the time the first of them
  had left (plus half a second). A
  search with a hard tail (most of the volume settled at once, the last
  thousandth near the critical points taking most of the time) makes the
  constant-rate estimate recede as it goes; measured on matrix factorization
  ``(2, 2)``: 99% settled at 19 s of 129 s, with ``ETA_volume`` saying 2-10 s
  throughout. Such an estimate is not shown;
* **what ends the search first**: the box budget (``(max_boxes - boxes) / b``)
  and ``--timeout`` (seconds left) stop the search whatever the volume; when
  sooner than the volume estimate (or when there is none) they are shown
  as what they are, an upper estimate: ``ETA <= ...``.

Until the phase has run ``warmup`` seconds, when the settled share has not
grown over the window, or when the volume estimate is unstable and nothing
bounds the search, there is no estimate (``ETA ?``); beyond ``cap`` seconds
it shows as ``> cap``. Nothing is ever negative. A new phase (or a settled
share that goes down) starts afresh. A display, not a bound: the rates can
change at any time.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

__all__ = ["Estimate", "RemainingTime", "format_duration", "format_estimate"]


@dataclass(frozen=True)
class Estimate:
    """Seconds left (``None``: unknown) and what ends the search first.

    ``limit`` is ``"volume"`` (everything settled), ``"budget"`` (the box
    budget runs out first: an upper estimate), ``"timeout"`` (``--timeout``
    stops it by then), ``"cap"`` (more than the cap; ``seconds`` is the cap)
    or ``""`` (no estimate).
    """

    seconds: float | None
    limit: str = ""


UNKNOWN = Estimate(None)


def _number(value: object) -> float | None:
    """``value`` as a finite float, or ``None`` (missing, NaN, not a number)."""
    if isinstance(value, bool):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


class RemainingTime:
    """Estimates the seconds a search has left from its progress reports.

    Args:
        window: seconds of recent reports the rates are measured over.
        warmup: no estimate before the phase has run this long.
        stable: the volume estimate is shown once the finish time it
            predicts has held for this many seconds, or a fifth of the
            phase's time if longer (see the module).
        min_gain: the unsettled share must have shrunk by more than this
            fraction of itself over the window (else no volume estimate).
        budget: the search's box budget (``max_boxes``), if known.
        cap: estimates above this many seconds are reported as ``> cap``.

    Examples:
        >>> eta = RemainingTime(warmup=2.0, stable=2.0)
        >>> [eta.update(t, settled=t / 16, boxes=100 * t).seconds for t in (0, 2, 4, 6)]
        [None, None, 12.0, 10.0]
        >>> eta.update(8, settled=0.5, boxes=800)
        Estimate(seconds=8.0, limit='volume')
    """

    def __init__(
        self,
        *,
        window: float = 30.0,
        warmup: float = 3.0,
        stable: float = 3.0,
        min_gain: float = 1e-3,
        budget: int | None = None,
        cap: float = 99 * 3600.0,
    ):
        self.window = window
        self.warmup = warmup
        self.stable = stable
        self.min_gain = min_gain
        self.budget = budget
        self.cap = cap
        self.samples: deque[tuple[float, float | None, float | None]] = deque()
        self.finishes: deque[tuple[float, float]] = deque()  # (when, predicted finish time)
        self.phase: object = None
        self.started: float | None = None  # when the current phase's first report came

    def reset(self) -> None:
        """Forget every report (a new phase, or a search started afresh)."""
        self.samples.clear()
        self.finishes.clear()
        self.started = None

    def report(self, now: float, info: object, time_left: float | None = None) -> Estimate:
        """:meth:`update` from a progress dict (missing or odd keys are ignored)."""
        if not isinstance(info, dict):
            return self.update(now, boxes=_number(info), time_left=time_left)
        phase = info.get("phase")
        if phase == "done":  # critical_points' last report: nothing is left
            return Estimate(0.0, "volume")
        if phase != self.phase:
            self.phase = phase
            self.reset()
        return self.update(
            now,
            settled=_number(info.get("settled_fraction")),
            boxes=_number(info.get("boxes")),
            frontier=_number(info.get("frontier")),
            time_left=time_left,
        )

    def update(
        self,
        now: float,
        *,
        settled: float | None = None,
        boxes: float | None = None,
        frontier: float | None = None,
        time_left: float | None = None,
    ) -> Estimate:
        """Record one report at time ``now`` (seconds, any origin) and estimate."""
        if settled is not None:
            settled = min(1.0, max(0.0, settled))
        if self.samples:
            _, s_last, b_last = self.samples[-1]
            fewer = settled is not None and s_last is not None and settled < s_last - 1e-9
            went_back = fewer or (boxes is not None and b_last is not None and boxes < b_last)
            if went_back or now < self.samples[-1][0]:
                self.reset()  # a new search (or a clock that went back): start afresh
        if self.started is None:
            self.started = now
        self.samples.append((now, settled, boxes))
        while len(self.samples) > 2 and self.samples[1][0] <= now - self.window:
            self.samples.popleft()  # keep one report at least `window` old as the base
        return self._estimate(now, settled, boxes, frontier, time_left)

    def _change(self, now: float, index: int, current: float | None) -> tuple[float, float]:
        """``(growth, seconds)`` of sample field ``index`` since the oldest report having it."""
        if current is not None:
            for sample in self.samples:
                if sample[index] is not None and now > sample[0]:
                    return current - sample[index], now - sample[0]
        return 0.0, 0.0

    def _volume(self, now: float, settled, frontier, box_rate) -> float | None:
        """The constant-rate volume estimate, or ``None`` (no rate, or not stable yet)."""
        if settled is None:
            return None
        if settled >= 1.0:
            return 0.0
        gain, dt = self._change(now, 1, settled)
        if gain <= self.min_gain * (1.0 - settled + gain):
            return None
        seconds = (1.0 - settled) / (gain / dt)
        if frontier is not None and box_rate is not None:
            seconds = max(seconds, frontier / box_rate)  # each queued box: once at least
        held = max(self.stable, 0.2 * (now - self.started))
        if not self.finishes or now - self.finishes[-1][0] >= held / 64:  # a bounded record
            self.finishes.append((now, now + seconds))
        while len(self.finishes) > 2 and self.finishes[1][0] <= now - held:
            self.finishes.popleft()  # the first kept: the latest at least `held` old
        then, finish = self.finishes[0]
        predicted = [f for _, f in self.finishes] + [now + seconds]
        spread = max(predicted) - min(predicted)
        if now - then < held or spread > 0.2 * (finish - then) + 0.5:
            return None
        return seconds

    def _estimate(self, now, settled, boxes, frontier, time_left) -> Estimate:
        candidates: list[Estimate] = []
        if now - self.started >= self.warmup:
            grown, dt = self._change(now, 2, boxes)
            box_rate = grown / dt if dt > 0 and grown > 0 else None
            seconds = self._volume(now, settled, frontier, box_rate)
            if seconds is not None:
                candidates.append(Estimate(seconds, "volume"))
            if self.budget is not None and boxes is not None and box_rate is not None:
                candidates.append(Estimate(max(0.0, self.budget - boxes) / box_rate, "budget"))
        soonest = min((c.seconds for c in candidates), default=math.inf)
        if time_left is not None and 0 <= time_left < soonest:
            candidates = [Estimate(float(time_left), "timeout")]
        if not candidates:
            return UNKNOWN
        best = min(candidates, key=lambda c: c.seconds)
        if best.seconds > self.cap:
            return Estimate(self.cap, "cap")
        return Estimate(max(0.0, best.seconds), best.limit)


def format_duration(seconds: float) -> str:
    """``45s``, ``12m05s``, ``3h07m`` (rounded up to the unit shown).

    >>> format_duration(0.2), format_duration(45.1), format_duration(725), format_duration(11220)
    ('1s', '46s', '12m05s', '3h07m')
    """
    s = max(0, math.ceil(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    m = math.ceil(s / 60)
    return f"{m // 60}h{m % 60:02d}m"


def format_estimate(est: Estimate) -> str:
    """The ETA part of the live line; always says it is an estimate.

    >>> format_estimate(Estimate(None))
    'ETA ?'
    >>> format_estimate(Estimate(90.0, "volume"))
    'ETA ~1m30s (estimate)'
    >>> format_estimate(Estimate(40.0, "budget"))
    'ETA <= ~40s (box budget)'
    >>> format_estimate(Estimate(12.0, "timeout"))
    'ETA <= 12s (--timeout)'
    """
    if est.seconds is None:
        return "ETA ?"
    text = format_duration(est.seconds)
    if est.limit == "timeout":
        return f"ETA <= {text} (--timeout)"
    if est.limit == "cap":
        return f"ETA > {text} (estimate)"
    if est.limit == "budget":
        return f"ETA <= ~{text} (box budget)"
    return f"ETA ~{text} (estimate)"

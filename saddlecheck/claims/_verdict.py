"""The verdict every claim check returns, and the float64 round-off allowance.

A :class:`Verdict` records one inequality of the paper checked on concrete
data: which claim (docs/CLAIMS.md section 3 id), where the claim comes from (its
source tag), whether it held, its two sides and the slack. Checks never
assert: tests and the guard decide what a verdict means for them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

#: Unit round-off of IEEE double precision, ``u = 2^-53``.
UNIT_ROUNDOFF = 2.0**-53

#: Source tags of docs/CLAIMS.md: paper, journal version, derived here, recalled.
TAGS = ("P", "J", "D", "R")


def float_allowance(*magnitudes: float, ulps: int = 64) -> float:
    """Round-off allowance ``ulps * u * sum |m|`` for a float64 comparison.

    A claim checked on float64 data (iterates rounded to doubles, ``f``
    evaluated in double precision) cannot be decided below the round-off of
    the quantities compared. The allowance is derived from the precision
    (``u = 2^-53``) and the magnitudes involved, never a fixed ``1e-8``:
    ``ulps`` covers the few dozen roundings of a short evaluation.

    >>> float_allowance(1.0, 0.5) == 64 * 2.0**-53 * 1.5
    True
    """
    return ulps * UNIT_ROUNDOFF * math.fsum(abs(float(m)) for m in magnitudes)


@dataclass(frozen=True)
class Verdict:
    """One claim checked on concrete data.

    The inequality checked is ``lhs <= rhs`` (``slack = rhs - lhs``), unless
    the message says otherwise; for a statistical claim ``lhs`` is the test
    statistic and ``rhs`` its critical value.

    Attributes:
        claim: the docs/CLAIMS.md section 3 id (``"T1"`` ... ``"T15"``).
        source: the tags of the statement used, e.g. ``"P"``, ``"D"``,
            ``"P,R"`` (``R``: a constant recalled, not confirmed from the text).
        holds: ``True``, ``False``, or ``None`` (not applicable or undecided;
            the message says why).
        lhs, rhs, slack: the two sides at the worst case found and ``rhs - lhs``.
        message: one line for people: what was compared, where, with which
            tolerance.
        sample_size: number of samples of a statistical claim (else ``None``).
        false_alarm: probability that a correct implementation fails this
            check (statistical claims; ``None`` for exact ones).
        recalled: names of recalled ``[R]`` constants the verdict relies on.
        where: location of the worst case (step index, dimension, ...).
    """

    claim: str
    source: str
    holds: bool | None
    lhs: float | None
    rhs: float | None
    slack: float | None
    message: str
    sample_size: int | None = None
    false_alarm: float | None = None
    recalled: tuple[str, ...] = ()
    where: str = ""

    def __post_init__(self) -> None:
        tags = [t.strip() for t in self.source.split(",")]
        if not tags or any(t not in TAGS for t in tags):
            raise ValueError(f"source={self.source!r} must be comma-separated tags from {TAGS}")
        if self.holds is not None:  # numpy booleans and numbers become plain Python ones
            object.__setattr__(self, "holds", bool(self.holds))
        for name in ("lhs", "rhs", "slack"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, float(v))

    @property
    def applicable(self) -> bool:
        """False when the claim did not apply to the data (``holds is None``)."""
        return self.holds is not None

    def explain(self) -> str:
        """The verdict in one or two lines."""
        state = {True: "holds", False: "FAILS", None: "undecided/not applicable"}[self.holds]
        text = f"{self.claim} [{self.source}] {state}: {self.message}"
        if self.lhs is not None and self.rhs is not None:
            text += f" (lhs={self.lhs:.6g}, rhs={self.rhs:.6g}"
            text += ")" if self.slack is None else f", slack={self.slack:.3g})"
        if self.where:
            text += f" at {self.where}"
        if self.sample_size is not None:
            text += f"; n={self.sample_size}, false-alarm probability <= {self.false_alarm:.2g}"
        if self.recalled:
            text += f"; relies on recalled [R] constant(s): {', '.join(self.recalled)}"
        return text

    def to_json(self) -> str:
        """The verdict as a JSON object (non-finite numbers as strings)."""

        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return str(v)
            return v

        return json.dumps({k: clean(v) for k, v in asdict(self).items()})


def verdict(
    claim: str,
    source: str,
    lhs: float,
    rhs: float,
    message: str,
    *,
    allowance: float = 0.0,
    **extra,
) -> Verdict:
    """A verdict for ``lhs <= rhs + allowance`` (``allowance`` >= 0: round-off).

    >>> verdict("T2", "P", 1.0, 2.0, "demo").holds
    True
    """
    lhs, rhs = float(lhs), float(rhs)
    if math.isnan(lhs) or math.isnan(rhs):
        return Verdict(claim, source, None, lhs, rhs, None, message + " (NaN: undecided)", **extra)
    return Verdict(claim, source, lhs <= rhs + allowance, lhs, rhs, rhs - lhs, message, **extra)


def not_applicable(claim: str, source: str, why: str, **extra) -> Verdict:
    """A verdict saying the claim does not apply to these data, and why."""
    return Verdict(claim, source, None, None, None, None, f"not applicable: {why}", **extra)

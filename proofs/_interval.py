"""Rigorous interval checks with python-flint ``arb`` balls (outward rounding only).

Everything here proves or disproves: a box is *decided* only when a ball
enclosure certifies it (an ``arb`` comparison is ``True`` only when it holds
for every point of the balls), and a counterexample is a single rational point
whose ball evaluation certifies the violation. Precision is python-flint's
default (53 bits); it is never changed here.

Gotcha (python-flint 0.9): ``arb(0, 2)**2`` is ``nan``; squares go through
:func:`sq`, which is also tighter than ``x * x``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from flint import arb, fmpq

Interval = tuple[fmpq, fmpq]


def q(value: object) -> fmpq:
    """An exact rational: ``q("1/3")``, ``q(2)``, ``q(fractions.Fraction(1, 3))``.

    Examples:
        >>> q("1/3")
        1/3
    """
    if isinstance(value, fmpq):
        return value
    if isinstance(value, str):
        num, _, den = value.partition("/")
        return fmpq(int(num), int(den or 1))
    if isinstance(value, float):
        value = Fraction(value)  # the exact rational the float represents
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        return fmpq(int(value.numerator), int(value.denominator))
    if isinstance(value, int):
        return fmpq(value)
    raise TypeError(f"q({value!r}): expected a rational number")


def hull(lo: object, hi: object) -> arb:
    """A ball containing the closed interval ``[lo, hi]`` (rational ends).

    Examples:
        >>> x = hull("1/3", "1/2")
        >>> bool(x > q("1/4")) and bool(x < q("3/5"))
        True
    """
    return arb(q(lo)).union(arb(q(hi)))


def sq(x: arb) -> arb:
    """An enclosure of ``{t**2 : t in x}`` (no ``nan``, no negative part)."""
    return hull_arb(x.abs_lower() ** 2, x.abs_upper() ** 2)


def hull_arb(lo: arb, hi: arb) -> arb:
    """A ball containing both balls."""
    return lo.union(hi)


def nonneg_sqrt(x: arb) -> arb:
    """sqrt of a quantity known to be ``>= 0`` whose enclosure may dip below 0."""
    return x.nonnegative_part().sqrt()


@dataclass(frozen=True)
class Cover:
    """The outcome of a branch-and-bound cover.

    Attributes:
        holds: True (every box decided), False (a certified counterexample) or None.
        boxes: boxes examined.
        witness: the counterexample point (rational coordinates) when ``holds`` is False.
        note: what the decider said about the witness, or why the cover stopped.
    """

    holds: bool | None
    boxes: int
    witness: tuple[fmpq, ...] | None = None
    note: str = ""


def cover(
    box: list[Interval],
    decide: Callable[[list[arb]], bool],
    violated_at: Callable[[tuple[fmpq, ...]], str | None],
    *,
    max_boxes: int = 20_000,
) -> Cover:
    """Branch and bound: prove ``decide`` on every sub-box or find a certified violation.

    Args:
        box: the domain, a list of rational ``(lo, hi)`` pairs.
        decide: ``decide(balls) -> True`` when the property is certified on the
            whole sub-box enclosed by ``balls`` (``False`` means undecided).
        violated_at: called with the exact rational centre of each undecided
            box: returns a description when the property is certifiably
            violated there (exact or ball arithmetic), else ``None``.
        max_boxes: budget; when exhausted the result is ``None`` (undecided).

    Returns:
        :class:`Cover`.

    Examples:
        >>> c = cover([(q(0), q(1))], lambda b: bool(b[0] * b[0] - 2 < 0), lambda b: None)
        >>> c.holds, c.boxes
        (True, 1)
        >>> c = cover([(q(0), q(2))], lambda b: bool(b[0] * b[0] - 2 < 0),
        ...           lambda c: "x^2 >= 2" if c[0] * c[0] >= 2 else None)
        >>> c.holds, c.witness
        (False, (3/2,))
    """
    queue = deque([list(box)])  # breadth first: coarse counterexamples are found early
    examined = 0
    while queue:
        if examined >= max_boxes:
            return Cover(None, examined, note=f"budget of {max_boxes} boxes exhausted")
        current = queue.popleft()
        examined += 1
        balls = [hull(lo, hi) for lo, hi in current]
        if decide(balls):
            continue
        centre = tuple((lo + hi) / 2 for lo, hi in current)
        why = violated_at(centre)
        if why is not None:
            return Cover(False, examined, centre, why)
        k = max(range(len(current)), key=lambda i: current[i][1] - current[i][0])
        lo, hi = current[k]
        mid = (lo + hi) / 2
        left, right = list(current), list(current)
        left[k], right[k] = (lo, mid), (mid, hi)
        queue.extend((left, right))
    return Cover(True, examined)


def upper_q(x: arb) -> fmpq:
    """The exact upper end of a ball, as a rational.

    Examples:
        >>> upper_q(arb(1) / 3) > fmpq(1, 3)
        True
    """
    man, exp = x.upper().man_exp()
    return fmpq(int(man)) * fmpq(2) ** int(exp) if int(exp) >= 0 else fmpq(int(man), 2 ** -int(exp))


def frac(x: fmpq) -> Fraction:
    """An ``fmpq`` as a ``fractions.Fraction``."""
    return Fraction(int(x.p), int(x.q))

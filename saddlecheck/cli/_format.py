"""Printing proved bounds so that the printed number is itself a bound.

``f"{ell:.6g}"`` rounds to nearest: a proved ``ell <= 11.0000000076`` would
print as ``<= 11``, which is not proved. :func:`up` rounds a number up to
``digits`` significant decimal digits and :func:`down` rounds it down, so a
printed upper (lower) bound is at least (at most) the value it stands for.
The work is done exactly by the shared formatter of the core layer,
:func:`saddlecheck.arith.rounding.format_up` / ``format_down``, which every
``explain()`` uses too; here a value that is not a number prints as ``str(x)``.
"""

from __future__ import annotations

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import DIGITS, format_down, format_up


def up(x: object, digits: int = DIGITS) -> str:
    """``x`` rounded up to ``digits`` significant digits: the text is ``>= x``.

    >>> from fractions import Fraction
    >>> up(11.0000000076), up(12.0), up(-2.25, 2), up(Fraction(1, 3))
    ('11.0001', '12', '-2.2', '0.333334')
    >>> up(1.336e12, 4), up(3.690571e-07)
    ('1.336e+12', '3.69058e-07')
    """
    try:
        return format_up(x, digits)
    except InputError:
        return str(x)


def down(x: object, digits: int = DIGITS) -> str:
    """``x`` rounded down to ``digits`` significant digits: the text is ``<= x``.

    >>> from fractions import Fraction
    >>> down(10.26171875), down(-2.25, 2), down(Fraction(2, 3))
    ('10.2617', '-2.3', '0.666666')
    """
    try:
        return format_down(x, digits)
    except InputError:
        return str(x)


def interval(lo: object, hi: object, digits: int = DIGITS) -> str:
    """``[lo, hi]`` rounded outward: the printed interval contains the proved one.

    >>> interval(0.9999999999999922, 1.0)
    '[0.999999, 1]'
    """
    return f"[{down(lo, digits)}, {up(hi, digits)}]"

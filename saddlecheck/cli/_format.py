"""Printing proved bounds so that the printed number is itself a bound.

``f"{ell:.6g}"`` rounds to nearest: a proved ``ell <= 11.0000000076`` would
print as ``<= 11``, which is not proved. :func:`up` rounds a number up to
``digits`` significant decimal digits and :func:`down` rounds it down, so a
printed upper (lower) bound is at least (at most) the value it stands for.
The rounding is exact: the input (float, ``Fraction``, ``int``, mpmath ``mpf``
or a decimal string) is read as the rational number it holds, and
:mod:`decimal` divides with a directed rounding mode.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

DIGITS = 6


def _fraction(x: object) -> Fraction | None:
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int | float):
        return Fraction(x) if x == x and abs(x) != float("inf") else None
    try:  # mpmath mpf, numpy scalars, decimal strings
        import mpmath

        if isinstance(x, mpmath.mpf):
            if not mpmath.isfinite(x):
                return None
            man, exp = mpmath.mpf(x).man_exp
            return Fraction(int(man)) * Fraction(2) ** int(exp)
        return Fraction(str(x)) if isinstance(x, str) else Fraction(float(x))
    except (ValueError, TypeError, OverflowError, ZeroDivisionError):
        return None


def _round(x: object, digits: int, mode: str) -> str:
    q = _fraction(x)
    if q is None:
        return str(x)
    if q == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = mode
        ctx.Emax, ctx.Emin = 10**9, -(10**9)
        d = Decimal(q.numerator) / Decimal(q.denominator)  # correctly rounded in `mode`
    if abs(d) < Decimal("1e300") and abs(d) > Decimal("1e-300"):
        # float(d) is within half an ulp of d, which has `digits` digits: %g gives them back
        return format(float(d), f".{digits}g")
    return f"{d.normalize():g}".replace("E+", "e+").replace("E-", "e-")


def up(x: object, digits: int = DIGITS) -> str:
    """``x`` rounded up to ``digits`` significant digits: the text is ``>= x``.

    >>> up(11.0000000076), up(12.0), up(-2.25, 2), up(Fraction(1, 3))
    ('11.0001', '12', '-2.2', '0.333334')
    >>> up(1.336e12, 4), up(3.690571e-07)
    ('1.336e+12', '3.69058e-07')
    """
    return _round(x, digits, ROUND_CEILING)


def down(x: object, digits: int = DIGITS) -> str:
    """``x`` rounded down to ``digits`` significant digits: the text is ``<= x``.

    >>> down(10.26171875), down(-2.25, 2), down(Fraction(2, 3))
    ('10.2617', '-2.3', '0.666666')
    """
    return _round(x, digits, ROUND_FLOOR)


def interval(lo: object, hi: object, digits: int = DIGITS) -> str:
    """``[lo, hi]`` rounded outward: the printed interval contains the proved one.

    >>> interval(0.9999999999999922, 1.0)
    '[0.999999, 1]'
    """
    return f"[{down(lo, digits)}, {up(hi, digits)}]"

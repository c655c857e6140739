"""Outward rounding between exact numbers, balls and floats.

Every function here returns a float on the safe side of an exact value (or a
float matrix pair ``(mid, rad)`` that encloses a matrix of balls). NumPy cannot
set rounding modes: values are computed exactly (``fractions.Fraction``) and
stepped outward with ``math.nextafter``.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

import flint
import numpy as np

# -- converting balls to float (mid, rad) matrices ----------------------------

_U = 2.0**-52


def arb_to_mid_rad(entries) -> tuple[np.ndarray, np.ndarray]:
    """Float ``(mid, rad)`` arrays with ``|x - mid| <= rad`` for every ``x`` in each ball.

    ``mid`` is the ball's centre rounded to nearest; ``rad`` absorbs that
    rounding (relative error at most 2**-53 for normal numbers, plus the
    smallest subnormal) and the ball's own radius, with a generous factor for
    the float operations that combine them.

    Raises:
        OverflowError: when a centre or radius is not finite in float64.
    """
    arr = np.asarray(entries, dtype=object)
    flat = arr.ravel()
    mid = np.array([float(a.mid()) for a in flat], dtype=np.float64)
    rad = np.array([float(a.rad()) for a in flat], dtype=np.float64)
    if not (np.all(np.isfinite(mid)) and np.all(np.isfinite(rad))):
        raise OverflowError("a ball is not finite in float64")
    rad = (rad + np.abs(mid) * _U + 2.0**-1073) * (1 + 8 * _U)
    return mid.reshape(arr.shape), rad.reshape(arr.shape)


def float_down(q) -> float:
    """The largest float ``<= q`` for an exact rational or exact ``arb`` ``q``.

    NumPy cannot set rounding modes; ``float(Fraction)`` is correctly rounded
    in CPython, and one ``nextafter`` step fixes the direction.
    """
    return -float_up(-_exact(q)) + 0.0  # never -0.0


def float_up(q) -> float:
    """The smallest float ``>= q`` for an exact rational or exact ``arb`` ``q``."""
    q = _exact(q)
    try:
        f = float(q)
    except OverflowError:
        # |q| beyond the float range: +inf above, the most negative float below.
        return math.inf if q > 0 else -sys.float_info.max
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def sqrt_down(q: Fraction) -> float:
    """The largest float whose square is ``<= q`` (``q >= 0`` exact)."""
    r = math.sqrt(float_down(q)) if q > 0 else 0.0
    while r > 0 and Fraction(r) ** 2 > q:
        r = math.nextafter(r, 0)
    return r


def sqrt_up(q: Fraction) -> float:
    """The smallest float whose square is ``>= q`` (``q >= 0`` exact)."""
    r = math.sqrt(float_up(q))
    while Fraction(r) ** 2 < q:
        r = math.nextafter(r, math.inf)
    return r


def to_fraction(a: flint.arb) -> Fraction:
    """The exact value of the midpoint of the ball ``a`` (e.g. ``a.lower()``)."""
    man, exp = a.mid().man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp)


def _exact(q) -> Fraction:
    if isinstance(q, flint.arb):
        return to_fraction(q)
    if isinstance(q, flint.fmpq):
        return Fraction(int(q.p), int(q.q))
    return Fraction(q)


def ball_bounds(a) -> tuple[float, float]:
    """Floats ``(lo, hi)`` with ``lo <= x <= hi`` for every ``x`` in the ball ``a``."""
    if not a.is_finite():
        return -math.inf, math.inf
    mid, rad = _exact(a.mid()), _exact(a.rad())
    return float_down(mid - rad), float_up(mid + rad)


# -- printing: decimal text on the safe side of an exact value ------------------

#: Significant digits of printed bounds unless a caller asks for more.
DIGITS = 6


def format_up(q, digits: int = DIGITS) -> str:
    """Decimal text ``s`` with at most ``digits`` significant digits and ``s >= q``.

    ``q`` is read exactly: a ``Fraction``, ``int``, float, ``flint.fmpq``, an
    mpmath ``mpf``, a decimal string, or an ``arb`` ball (its upper end
    ``mid + rad``). The text is the smallest such decimal (``%g`` layout,
    trailing zeros dropped), so ``Fraction(s) >= q`` holds exactly.
    ``f"{q:.6g}"`` rounds to nearest instead: ``11.0000000076`` would print
    as ``11``, below the value. Non-finite values print as ``inf``, ``-inf``,
    ``nan``.

    >>> format_up(11.0000000076), format_up(12.0), format_up(-2.25, 2)
    ('11.0001', '12', '-2.2')
    >>> format_up(Fraction(1, 3)), format_up(1.336e12, 4), format_up(1.1102230246251565e-16)
    ('0.333334', '1.336e+12', '1.11023e-16')

    Raises:
        InputError: ``digits`` is not an integer >= 1, or ``q`` is not a number.
    """
    return _directed(q, digits, up=True)


def format_down(q, digits: int = DIGITS) -> str:
    """Decimal text ``s`` with at most ``digits`` significant digits and ``s <= q``.

    The mirror image of :func:`format_up` (an ``arb`` ball gives its lower end).

    >>> format_down(10.26171875), format_down(-2.25, 2), format_down(Fraction(2, 3))
    ('10.2617', '-2.3', '0.666666')
    """
    return _directed(q, digits, up=False)


def format_interval(lo, hi, digits: int = DIGITS) -> str:
    """``[lo, hi]`` rounded outward: the printed interval contains ``[lo, hi]``.

    >>> format_interval(0.9999999999999922, 1.0), format_interval(-math.inf, 0)
    ('[0.999999, 1]', '[-inf, 0]')
    """
    return f"[{format_down(lo, digits)}, {format_up(hi, digits)}]"


def format_value(x) -> str:
    """The shortest decimal text that reads back as exactly ``x`` (a value used, not a bound).

    A float prints as its shortest round-trip ``repr`` (``11.0000000076``,
    ``1e-05``; ``12.0`` as ``12``); an mpmath ``mpf`` with enough digits for
    its own precision; ``Fraction``/``int`` exactly (``p/q``).

    >>> format_value(11.0000000076), format_value(12.0), format_value(Fraction(1, 3))
    ('11.0000000076', '12', '1/3')
    """
    import mpmath

    if isinstance(x, mpmath.mpf):
        if not mpmath.isfinite(x):
            return str(x)
        dps = mpmath.libmp.prec_to_dps(max(int(x._mpf_[3]), 53)) + 3
        text = mpmath.libmp.to_str(x._mpf_, dps, strip_zeros=True)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(x, float | np.floating):
        text = repr(float(x))
        return text[:-2] if text.endswith(".0") else text
    return str(x)


def _directed(q, digits: int, up: bool) -> str:
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        from saddlecheck._validation import InputError

        raise InputError(f"digits={digits!r} must be an integer >= 1")
    if isinstance(q, flint.arb):
        if not q.is_finite():
            return "inf" if up else "-inf"
        mid, rad = _exact(q.mid()), _exact(q.rad())
        q = mid + rad if up else mid - rad
    exact = _read_exact(q)
    if isinstance(exact, str):
        return exact
    if exact == 0:
        return "0"
    # e with 10**e <= |q| < 10**(e+1), from bit lengths, then corrected exactly.
    a = abs(exact)
    e = math.floor((a.numerator.bit_length() - a.denominator.bit_length()) * math.log10(2))
    while _pow10(e) > a:
        e -= 1
    while _pow10(e + 1) <= a:
        e += 1
    scaled = exact / _pow10(e - digits + 1)  # |scaled| in [10**(digits-1), 10**digits)
    m = math.ceil(scaled) if up else math.floor(scaled)
    if abs(m) == 10**digits:  # rounded away from zero to the next power of ten
        m, e = m // 10, e + 1
    sign, digs = ("-" if m < 0 else ""), str(abs(m)).rstrip("0")
    if -4 <= e < digits:  # %g's fixed layout
        if e >= 0:
            whole, frac = (digs + "0" * (e + 1))[: e + 1], digs[e + 1 :]
        else:
            whole, frac = "0", "0" * (-e - 1) + digs
        return sign + whole + ("." + frac if frac else "")
    mant = digs[0] + ("." + digs[1:] if len(digs) > 1 else "")
    return f"{sign}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _pow10(e: int) -> Fraction:
    return Fraction(10**e) if e >= 0 else Fraction(1, 10**-e)


def _read_exact(q) -> Fraction | str:
    """``q`` as an exact ``Fraction``, or the text of a non-finite value."""
    import mpmath

    if isinstance(q, mpmath.mpf):
        if not mpmath.isfinite(q):
            return str(q).replace("+", "")
        man, exp = q.man_exp
        return Fraction(int(man)) * _pow2(int(exp))
    if isinstance(q, float | np.floating):
        q = float(q)
        if not math.isfinite(q):
            return str(q)
        return Fraction(q)
    if isinstance(q, str):
        text = q.strip().lower()
        if text in ("inf", "+inf", "-inf", "nan", "infinity", "-infinity", "+infinity"):
            return text.replace("infinity", "inf").replace("+", "")
    try:
        return _exact(q)
    except (TypeError, ValueError, ZeroDivisionError):
        from saddlecheck._validation import InputError

        raise InputError(f"q={q!r} is not a number that can be printed") from None


def _pow2(e: int) -> Fraction:
    return Fraction(2**e) if e >= 0 else Fraction(1, 2**-e)

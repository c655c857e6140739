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

"""Bad input is refused at the boundary, with the culprit and the remedy.

Every public entry point funnels its arguments through the small ``check_*``
helpers below, so a user always gets :class:`InputError` (a ``ValueError``)
with a ``name=value!r`` message, never a bare SymPy or mpmath traceback.
Numbers that must be exact (points, box ends) are read as the rational numbers
they represent: ``0.1`` is ``3602879701896397/36028797018963968``.
"""

from __future__ import annotations

import decimal
import numbers
import re
from collections.abc import Iterable
from fractions import Fraction

import mpmath
import numpy as np


class InputError(ValueError):
    """Raised for bad input: the message names the problem and what to do."""


def _describe(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 1000:
        return f"<an integer of {value.bit_length()} bits>"
    if (
        isinstance(value, Fraction)
        and max(value.numerator.bit_length(), value.denominator.bit_length()) > 1000
    ):
        return (
            f"<a fraction of {value.numerator.bit_length()}/{value.denominator.bit_length()} bits>"
        )
    try:
        text = repr(value)
    except ValueError:  # an integer too long to print
        return f"<a {type(value).__name__} too long to print>"
    return text if len(text) <= 80 else text[:77] + "..."


MAX_BITS = 14_000
"""Largest exact input: numerators and denominators of at most this many bits.

About 4,200 decimal digits: every accepted number prints as a decimal string
(Python refuses to convert integers of more than 4,300 digits) and exact
arithmetic on it stays fast. Larger numbers are refused, not rounded.
"""

MAX_DECIMAL_EXPONENT = 4_000
"""Decimal strings such as ``"1e-300"`` may have an exponent ``|e| <= 4000``."""

_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)


def _check_size(q: Fraction, name: str, value: object) -> Fraction:
    if q.numerator.bit_length() > MAX_BITS or q.denominator.bit_length() > MAX_BITS:
        raise InputError(
            f"{name}={_describe(value)} is too large or too finely resolved: its exact "
            f"numerator or denominator has more than {MAX_BITS} bits (about 4,200 decimal "
            "digits), the limit saddlecheck accepts; rescale the problem"
        )
    return q


def _from_string(value: str, name: str) -> Fraction:
    text = value.strip()
    if len(text) > 3 * MAX_BITS // 10 + 50:  # more digits than MAX_BITS allows
        raise InputError(
            f"{name}={_describe(value)} has {len(text)} characters; numbers are limited to "
            f"{MAX_BITS} bits (about 4,200 decimal digits)"
        )
    m = _DECIMAL.match(text)
    if m and m.group(2) and abs(int(m.group(2)[1:])) > MAX_DECIMAL_EXPONENT:
        raise InputError(
            f"{name}={value!r} has a decimal exponent beyond +-{MAX_DECIMAL_EXPONENT}, the "
            "limit saddlecheck accepts; rescale the problem"
        )
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InputError(
            f"{name}={value!r} is not a number; write it like '0.25' or '1/4'"
        ) from None


def _ratio(value: object, name: str) -> Fraction:
    """A float-like value's exact ``as_integer_ratio`` (NaN and infinities refused)."""
    try:
        p, q = value.as_integer_ratio()
    except (ValueError, OverflowError, ArithmeticError):  # NaN, inf (also decimal's)
        raise InputError(f"{name}={value!r} is not finite; pass a finite real number") from None
    return Fraction(int(p), int(q))


def to_rational(value: object, name: str = "value") -> Fraction:
    """The exact rational number that ``value`` represents.

    Accepts Python and NumPy integers and floats of every width (``float16``
    to ``longdouble``: each is read through its exact ``as_integer_ratio``,
    never rounded to float64), ``decimal.Decimal``, ``Fraction``, SymPy
    rationals and floats, mpmath ``mpf``, python-flint ``fmpz``/``fmpq`` and
    decimal strings such as ``"1/3"`` or ``"0.1"`` (read exactly as 1/10).

    Sizes are limited: a numerator or denominator may have at most
    :data:`MAX_BITS` (14,000) bits, about 4,200 decimal digits, and a decimal
    string an exponent ``|e| <= 4000``; larger numbers are refused, fast.

    Raises:
        InputError: for NaN, infinities, complex and non-numeric values, and
            numbers beyond the size limits.

    Examples:
        >>> to_rational(0.5)
        Fraction(1, 2)
        >>> to_rational("1/3")
        Fraction(1, 3)
    """
    return _check_size(_to_rational(value, name), name, value)


def _to_rational(value: object, name: str) -> Fraction:
    if isinstance(value, bool):
        raise InputError(f"{name}={value!r} is a bool; pass a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        return _ratio(value, name)
    if isinstance(value, str):
        return _from_string(value, name)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise InputError(f"{name}={value!r} is not finite; pass a finite real number")
        man, exp = value.man_exp  # man_exp drops the sign
        man = -man if value < 0 else man
        if abs(int(exp)) > 2 * MAX_BITS:
            raise InputError(
                f"{name}={_describe(value)} is beyond the size limit of {MAX_BITS} bits"
            )
        return Fraction(int(man)) * Fraction(2) ** int(exp)
    if isinstance(value, numbers.Rational):  # gmpy2.mpq and other exact rationals
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, numbers.Real) and hasattr(value, "as_integer_ratio"):
        return _ratio(value, name)  # other binary floats (gmpy2.mpfr, ...): their exact value
    mod = type(value).__module__
    if mod.startswith("flint") and type(value).__name__ in ("fmpz", "fmpq"):
        return Fraction(int(value.p), int(value.q)) if hasattr(value, "q") else Fraction(int(value))
    if mod.startswith("sympy") or mod.startswith("symengine"):
        import sympy

        expr = sympy.sympify(value)
        if expr.is_Rational:
            return Fraction(int(expr.p), int(expr.q))
        if expr.is_Float and expr.is_finite:  # its exact binary value, through the size checks
            with mpmath.workprec(max(53, int(expr._mpf_[3]))):  # mpf() rounds to the context
                return to_rational(mpmath.mpf(expr._mpf_), name)
        raise InputError(f"{name}={_describe(value)} is not a finite real number")
    raise InputError(
        f"{name}={_describe(value)} has type {type(value).__name__}; pass a real number"
    )


def check_point(x: object, dim: int, name: str = "x") -> tuple[Fraction, ...]:
    """``x`` as a tuple of ``dim`` exact rationals (see :func:`to_rational`)."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        if dim == 1 and not isinstance(x, (str, bytes)):
            x = [x]
        else:
            raise InputError(f"{name}={_describe(x)} is not a sequence of {dim} numbers")
    arr = np.asarray(x, dtype=object)
    if arr.ndim != 1 or arr.shape[0] != dim:
        raise InputError(
            f"{name} has shape {arr.shape}; the objective has {dim} variable(s), "
            f"so pass a flat sequence of {dim} numbers"
        )
    return tuple(to_rational(v, f"{name}[{i}]") for i, v in enumerate(arr))


def check_float_point(x: object, dim: int, name: str = "x") -> np.ndarray:
    """``x`` as a finite float64 vector of length ``dim``."""
    try:
        arr = np.array(x, dtype=np.float64)  # a copy: compiled evaluators need a writable buffer
    except (TypeError, ValueError):
        raise InputError(f"{name}={_describe(x)} is not a sequence of {dim} numbers") from None
    if arr.ndim == 0 and dim == 1:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.shape[0] != dim:
        raise InputError(
            f"{name} has shape {arr.shape}; the objective has {dim} variable(s), "
            f"so pass a flat sequence of {dim} numbers"
        )
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name}={arr.tolist()!r} has NaN or infinite entries")
    return arr


def check_real(name: str, value: object) -> Fraction:
    """A finite real number, as an exact rational."""
    return to_rational(value, name)


def check_positive(name: str, value: object, *, allow_zero: bool = False) -> Fraction:
    """A finite number ``> 0`` (or ``>= 0`` with ``allow_zero``)."""
    q = to_rational(value, name)
    if q < 0 or (q == 0 and not allow_zero):
        need = ">= 0" if allow_zero else "> 0"
        raise InputError(f"{name}={value!r} must be {need}")
    return q


def check_open_unit(name: str, value: object, *, closed_right: bool = False) -> Fraction:
    """A number in ``(0, 1)`` (or ``(0, 1]`` with ``closed_right``)."""
    q = to_rational(value, name)
    if q <= 0 or q > 1 or (q == 1 and not closed_right):
        rng = "(0, 1]" if closed_right else "(0, 1)"
        raise InputError(f"{name}={value!r} must lie in {rng}")
    return q


def check_int(name: str, value: object, *, minimum: int = 0) -> int:
    """An integer ``>= minimum`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name}={value!r} must be an integer >= {minimum}")
    if int(value) < minimum:
        raise InputError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_dps(dps: object) -> int | None:
    """``None`` (float64) or a decimal precision between 15 and 10000 digits."""
    if dps is None:
        return None
    d = check_int("dps", dps, minimum=1)
    if not 15 <= d <= 10_000:
        raise InputError(f"dps={dps!r} is out of range; use None for float64 or 15..10000 digits")
    return d

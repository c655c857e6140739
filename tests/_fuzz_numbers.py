"""Numbers for the soundness fuzzer: exact rationals (small, dyadic, decimal, down to
1e-300 and up to 1e300) and the same values handed over as float64, float32,
``numpy.longdouble``, ``Fraction``, ``Decimal``, mpmath ``mpf``, SymPy ``Float``,
``numpy.int64``, decimal or fraction strings. The oracle reads back the value a
number actually holds (``_oracle.held``).
"""

from __future__ import annotations

import decimal
from fractions import Fraction

import numpy as np
import sympy
from hypothesis import settings
from hypothesis import strategies as st

# calls per generated case: doubled under long profiles (``thorough``: 1000 examples per
# test), so that profile makes at least 100,000 checked calls (see README)
FAN_OUT = 2 if settings.default.max_examples >= 500 else 1


small_ints = st.integers(-5, 5)
nonzero_small = st.integers(1, 5).flatmap(lambda k: st.sampled_from([k, -k]))


def _dyadic(m: int, e: int) -> Fraction:
    return Fraction(m) * Fraction(2) ** e


_R_INT = small_ints.map(Fraction)
_R_FRAC = st.builds(Fraction, st.integers(-20, 20), st.integers(1, 12))
_R_DYADIC = st.builds(_dyadic, st.integers(-(2**20), 2**20), st.integers(-70, 10))
_R_DECIMAL = st.builds(lambda m, k: Fraction(m, 10**k), st.integers(-999, 999), st.integers(0, 20))
_R_TINY = st.builds(lambda m, k: Fraction(m, 10**k), nonzero_small, st.integers(20, 300))
_R_HUGE = st.builds(lambda m, k: Fraction(m * 10**k), nonzero_small, st.integers(20, 300))
_MODERATE = st.one_of(_R_INT, _R_FRAC, _R_DYADIC, _R_DECIMAL)
_WITH_TINY = st.one_of(_MODERATE, _R_TINY)


def rationals(*, tiny: bool = True, huge: bool = False) -> st.SearchStrategy[Fraction]:
    """Exact rationals: small fractions, dyadics, decimals, and powers of ten down to 1e-300
    (``tiny``) or up to 1e300 (``huge``)."""
    if huge:
        return st.one_of(_WITH_TINY, _R_HUGE)
    return _WITH_TINY if tiny else _MODERATE


NUMBER_KINDS = (
    "fraction", "float", "longdouble", "decimal", "ratstr",
    "float32", "Decimal", "mpf", "sympy_float", "int64",
)  # fmt: skip
FLOAT_KINDS = ("float", "longdouble", "float32")
EPS_KINDS = ("fraction", "ratstr", "fraction", *(k for k in NUMBER_KINDS if k != "int64"))


def as_kind(q: Fraction, kind: str, nudge: int = 0) -> object:
    """``q`` as a number of type ``kind`` (rounded if that type cannot hold it),
    moved ``nudge`` ulps for float types."""
    if kind == "fraction":
        return q
    if kind == "ratstr":
        return f"{q.numerator}/{q.denominator}"
    if kind == "decimal":
        with decimal.localcontext() as ctx:
            ctx.prec = 30
            return str(decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator))
    if q == 0:
        nudge = 0  # one ulp off 0 is a subnormal with a 5,000-digit denominator in longdouble
    if kind == "Decimal":
        with decimal.localcontext() as ctx:
            ctx.prec = 30
            return decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator)
    if kind == "mpf":
        import mpmath

        with mpmath.workprec(120):
            return mpmath.mpf(q.numerator) / q.denominator
    if kind == "sympy_float":
        return sympy.Float(sympy.Rational(q.numerator, q.denominator), 40)
    if kind == "int64":
        return np.int64(q) if q.denominator == 1 and abs(q) < 2**62 else q
    if kind == "float32":
        with np.errstate(over="ignore"):
            v = np.float32(float(q))
        if not np.isfinite(v):
            return q
        for _ in range(abs(nudge)):
            v = np.nextafter(v, np.float32(np.inf if nudge > 0 else -np.inf))
        return v
    if kind == "float":
        v = float(q)
        for _ in range(abs(nudge)):
            v = float(np.nextafter(v, np.inf if nudge > 0 else -np.inf))
        return v
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        v = np.longdouble(str(decimal.Decimal(q.numerator) / decimal.Decimal(q.denominator)))
    for _ in range(abs(nudge)):
        v = np.nextafter(v, np.longdouble(np.inf if nudge > 0 else -np.inf))
    return v


@st.composite
def numbers_of_some_kind(draw, q: Fraction) -> object:
    kind = draw(st.sampled_from(NUMBER_KINDS))
    nudge = draw(st.sampled_from([0, 0, 0, 1, -1])) if kind in FLOAT_KINDS else 0
    return as_kind(q, kind, nudge)

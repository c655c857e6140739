"""The numeric back ends an expression can be evaluated in.

One compiled expression (see :mod:`saddlecheck.arith.compile`) runs on any of
four back ends, which differ only in their number type:

* ``float``: Python floats with the ``math`` module (the SymPy fallback path;
  the fast float64 path is symengine's LLVM ``Lambdify`` in ``objective.py``);
* ``mpmath``: ``mpf`` at a chosen precision (not rigorous, just precise);
* ``ball``: python-flint ``arb`` balls, outward rounded: every result encloses
  the exact value for every input in the input balls;
* ``exact``: python-flint ``fmpq`` rationals, for rational functions with
  rational coefficients.

Each back end checks the domain of the functions it evaluates: a function that
is not smooth at (or not defined on) some point of its argument raises
:class:`Singularity`, and a ``Piecewise`` condition that a ball cannot decide
raises :class:`Straddle`. Callers turn both into ``InputError`` with the place.
Integer powers of balls are computed from the endpoints (``arb(0, 2)**2`` is
``nan`` in python-flint, and ``x*x`` on ``[-2, 2]`` would give ``[-4, 4]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import flint
import mpmath

_FUNCS = [
    "exp",
    "log",
    "sin",
    "cos",
    "tan",
    "cot",
    "sec",
    "csc",
    "asin",
    "acos",
    "atan",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "erf",
    "erfc",
    "sqrt",
]
"""The smooth functions saddlecheck accepts (each on the open set where it is smooth)."""


class Singularity(ArithmeticError):
    """The argument of a function can leave the open set where it is smooth."""

    def __init__(self, func: str, tag: int, need: str):
        super().__init__(f"{func}: needs {need}")
        self.func, self.tag, self.need = func, tag, need


class Straddle(ArithmeticError):
    """A Piecewise condition is neither true nor false on the whole region."""

    def __init__(self, tag: int):
        super().__init__("undecided Piecewise condition")
        self.tag = tag


# Where each function is smooth, as (predicate name, human text).
_DOMAINS = {
    "log": ("pos", "argument > 0"),
    "sqrt": ("pos", "argument > 0"),
    "pow": ("pos", "base > 0 (non-integer power)"),
    "div": ("nonzero", "denominator != 0"),
    "tan": ("cos_nonzero", "cos(argument) != 0"),
    "sec": ("cos_nonzero", "cos(argument) != 0"),
    "cot": ("sin_nonzero", "sin(argument) != 0"),
    "csc": ("sin_nonzero", "sin(argument) != 0"),
    "asin": ("open_unit", "-1 < argument < 1"),
    "acos": ("open_unit", "-1 < argument < 1"),
    "atanh": ("open_unit", "-1 < argument < 1"),
    "acosh": ("gt_one", "argument > 1"),
}


class Backend:
    """Arithmetic on one number type; subclasses give ``num`` and the functions.

    The generated code calls ``B.const(p, q)`` once per constant at compile
    time, and at run time ``B.div``, ``B.ipow``, ``B.pow``, ``B.<func>`` (each
    with a tag naming the sub-expression, for error messages), ``B.cmp`` for
    Piecewise conditions and ``B.and_``/``B.or_``/``B.not_``.
    """

    name = "abstract"

    # -- numbers -----------------------------------------------------------
    def const(self, p: int, q: int = 1):  # pragma: no cover - abstract
        raise NotImplementedError

    def pi(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def e(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def point(self, x: Fraction):
        return self.const(x.numerator, x.denominator)

    # -- domain predicates: True when the argument is certainly in the set ---
    def _in_domain(self, kind: str, a) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _checked(self, func: str, a, tag: int):
        kind, need = _DOMAINS[func]
        if not self._in_domain(kind, a):
            raise Singularity(func, tag, need)
        return a

    # -- arithmetic ----------------------------------------------------------
    def div(self, a, b, tag: int):
        self._checked("div", b, tag)
        return a / b

    def ipow(self, a, n: int, tag: int):
        if n < 0:
            return self.div(self.const(1), self.ipow(a, -n, tag), tag)
        return a**n

    def pow(self, a, b, tag: int):
        self._checked("pow", a, tag)
        return self.exp(b * self.log(a, tag), tag)

    # -- three-valued logic for Piecewise conditions ------------------------
    def cmp(self, op: str, a, b, tag: int) -> bool:
        """``a op b`` for point values (balls override this: they may straddle)."""
        return _PY_CMP[op](a, b)

    @staticmethod
    def and_(*vals: bool) -> bool:
        return all(vals)

    @staticmethod
    def or_(*vals: bool) -> bool:
        return any(vals)

    @staticmethod
    def not_(val: bool) -> bool:
        return not val


def _scalar_func(name: str, impl: Callable, domain: str | None = None):
    """A back-end method applying ``impl`` after the domain check of ``name``."""

    if domain is None:

        def method(self, a, tag):
            return impl(self, a)

    else:

        def method(self, a, tag):
            return impl(self, self._checked(name, a, tag))

    method.__name__ = name
    return method


def _install(cls, table: dict[str, Callable]) -> None:
    for fname in _FUNCS:
        setattr(cls, fname, _scalar_func(fname, table[fname], _DOMAINS.get(fname)))


class _PointBackend(Backend):
    """Numbers at a point (floats or mpf): domain checks on the value itself."""

    lib = math

    def _in_domain(self, kind, a):
        if kind == "pos":
            return a > 0
        if kind == "nonzero":
            return a != 0
        if kind == "cos_nonzero":
            return self.lib.cos(a) != 0
        if kind == "sin_nonzero":
            return self.lib.sin(a) != 0
        if kind == "open_unit":
            return -1 < a < 1
        return a > 1  # gt_one


class FloatBackend(_PointBackend):
    """Python floats and ``math``; domain errors become :class:`Singularity`."""

    name = "float"
    lib = math

    def const(self, p, q=1):
        return p / q if q != 1 else float(p)

    def pi(self):
        return math.pi

    def e(self):
        return math.e

    def point(self, x):
        return float(x)

    def ipow(self, a, n, tag):
        try:
            return super().ipow(a, n, tag)
        except OverflowError:
            return math.inf


_PY_CMP = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _safe_exp(self, a):
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


def _call(fn):
    return lambda self, a: fn(a)


_install(
    FloatBackend,
    {
        **{f: _call(getattr(math, f)) for f in _FUNCS if hasattr(math, f)},
        "exp": _safe_exp,
        "cot": lambda s, a: 1 / math.tan(a),
        "sec": lambda s, a: 1 / math.cos(a),
        "csc": lambda s, a: 1 / math.sin(a),
    },
)


class MpmathBackend(_PointBackend):
    """mpmath ``mpf`` numbers; callers evaluate inside ``mpmath.workdps(dps)``."""

    name = "mpmath"
    lib = mpmath

    def const(self, p, q=1):
        return mpmath.mpf(p) / q

    def pi(self):
        return +mpmath.pi

    def e(self):
        return +mpmath.e

    def point(self, x):
        return mpmath.mpf(x.numerator) / x.denominator


_install(MpmathBackend, {f: _call(getattr(mpmath, f)) for f in _FUNCS})


class BallBackend(Backend):
    """python-flint ``arb`` balls: every operation encloses the exact result.

    Callers evaluate inside ``flint.ctx.workprec(prec)``. Domain checks are
    rigorous: ``log(a)`` needs every point of ``a`` positive.
    """

    name = "ball"

    def const(self, p, q=1):
        return flint.arb(flint.fmpq(p, q))

    def pi(self):
        return flint.arb.pi()

    def e(self):
        return flint.arb.const_e()

    def point(self, x):
        return flint.arb(flint.fmpq(x.numerator, x.denominator))

    def _in_domain(self, kind, a):
        if not a.is_finite():
            return False
        if kind == "pos":
            return a > 0
        if kind == "nonzero":
            return a > 0 or a < 0
        if kind == "cos_nonzero":
            c = a.cos()
            return c > 0 or c < 0
        if kind == "sin_nonzero":
            s = a.sin()
            return s > 0 or s < 0
        if kind == "open_unit":
            return a > -1 and a < 1
        return a > 1

    def ipow(self, a, n, tag):
        """``a**n`` for an integer ``n``, from the endpoints (tight where ``x**n`` is monotone).

        ``n < 0`` needs ``0`` outside ``a``; ``x**n`` is then monotone on ``a``
        and its hull is spanned by the endpoint values. Computing ``a**|n|``
        first and then ``1/(.)`` would widen a ball such as ``[1/1000, 1]``
        through 0 (a midpoint-radius ball cannot hold ``[1e-9, 1]`` tightly).
        """
        if n < 0:
            self._checked("div", a, tag)
            if a.is_exact():
                return flint.arb(1) / a ** (-n)
            lo, hi = a.lower(), a.upper()
            return (flint.arb(1) / lo ** (-n)).union(flint.arb(1) / hi ** (-n))
        if n == 0:
            return flint.arb(1)
        if n == 1:
            return a
        if a.is_exact():
            return a**n
        lo, hi = a.lower(), a.upper()
        out = (lo**n).union(hi**n)
        if n % 2 == 0 and not (a > 0 or a < 0):
            out = out.union(flint.arb(0))
        return out

    def cmp(self, op, a, b, tag):
        d = a - b
        if op in ("<", "<="):
            d = -d  # now asking whether d > 0 (or >= 0)
        strict = op in ("<", ">")
        if d > 0 or (not strict and d >= 0):
            return True
        if d < 0 or (strict and d <= 0):
            return False
        raise Straddle(tag)


_install(
    BallBackend,
    {
        **{f: (lambda name: lambda s, a: getattr(a, name)())(f) for f in _FUNCS},
        "csc": lambda s, a: 1 / a.sin(),
    },
)


class ExactBackend(Backend):
    """Exact rationals (python-flint ``fmpq``) for rational functions."""

    name = "exact"

    def const(self, p, q=1):
        return flint.fmpq(p, q)

    def point(self, x):
        return flint.fmpq(x.numerator, x.denominator)

    def _in_domain(self, kind, a):
        if kind == "nonzero":
            return a != 0
        raise TypeError("exact arithmetic only evaluates rational functions")


def _no_exact(name):
    def method(self, a, tag):
        raise TypeError(f"{name} is not a rational operation")

    return method


for _f in _FUNCS:
    setattr(ExactBackend, _f, _no_exact(_f))
ExactBackend.pi = ExactBackend.e = lambda self: _no_exact("pi/E")(self, None, 0)
ExactBackend.pow = lambda self, a, b, tag: _no_exact("a non-integer power")(self, a, tag)


BACKENDS: dict[str, Backend] = {
    b.name: b for b in (FloatBackend(), MpmathBackend(), BallBackend(), ExactBackend())
}

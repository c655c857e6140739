"""Intervals with exact ``Fraction`` ends, and the checker's own evaluation into them.

An interval is a pair ``(lo, hi)`` of ``Fraction``; every operation here is
exact, and :func:`round_out` widens ends to dyadics of a given length so that
sizes stay bounded. Expressions are evaluated at an exact point by exact
``Rational`` substitution or by ``mpmath.iv`` through ``sympy.lambdify``
(:func:`_evaluate`). Nothing here uses python-flint, NumPy or floats: the
checker shares no arithmetic with the producer (README, "What 'certified' means").
"""

from __future__ import annotations

import functools
from fractions import Fraction

import mpmath
import sympy
from sympy.printing.pycode import MpmathPrinter

#: The checker's own interval context: its precision changes never touch ``mpmath.iv``.
_IV = mpmath.ctx_iv.MPIntervalContext()


def round_out(lo: Fraction, hi: Fraction, bits: int) -> tuple[Fraction, Fraction]:
    """Outward rounding to dyadics (keeps the endpoint sizes bounded)."""

    def rnd(q: Fraction, up: bool) -> Fraction:
        if q == 0 or (q.denominator & (q.denominator - 1) == 0 and q.numerator.bit_length() < bits):
            return q
        shift = bits - (abs(q.numerator).bit_length() - q.denominator.bit_length())
        k = q * Fraction(2) ** shift
        n = -((-k.numerator) // k.denominator) if up else k.numerator // k.denominator
        return Fraction(n) * Fraction(2) ** (-shift)

    return rnd(lo, False), rnd(hi, True)


def mul(a: tuple, b: tuple) -> tuple[Fraction, Fraction]:
    """The product of two intervals."""
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(ps), max(ps)


def ldl_pd(H: list[list[tuple]], s: Fraction, bits: int | None) -> bool:
    """Interval ``LDL^T`` (no pivoting) of ``H - s I``: every member positive definite?

    With degenerate intervals and ``bits=None`` (no rounding) this is the exact
    test: ``False`` then proves that ``H - s I`` is not positive definite.
    """
    n = len(H)
    a = [[(lo - s, hi - s) if i == j else (lo, hi) for j, (lo, hi) in enumerate(row)]
         for i, row in enumerate(H)]  # fmt: skip
    for k in range(n):
        d = a[k][k]
        if d[0] <= 0:
            return False
        for i in range(k + 1, n):
            li = mul(a[k][i], (1 / d[1], 1 / d[0]))
            for j in range(i, n):
                p = mul(li, a[k][j])
                a[i][j] = (a[i][j][0] - p[1], a[i][j][1] - p[0])
                if bits is not None:
                    a[i][j] = round_out(*a[i][j], bits)
    return True


def psd_exact(H: list[list[Fraction]], s: Fraction) -> bool:
    """Exact PSD test of ``H - s I`` by ``LDL^T`` with symmetric pivoting."""
    n = len(H)
    a = [[H[i][j] - (s if i == j else 0) for j in range(n)] for i in range(n)]
    idx = list(range(n))
    while idx:
        if any(a[i][i] < 0 for i in idx):
            return False
        k = next((i for i in idx if a[i][i] > 0), None)
        if k is None:
            return all(a[i][j] == 0 for i in idx for j in idx)
        idx.remove(k)
        for i in idx:
            f = a[k][i] / a[k][k]
            for j in idx:
                a[i][j] -= f * a[k][j]
    return True


def sq_lo(g: tuple[Fraction, Fraction]) -> Fraction:
    """``min |t|^2`` over ``t`` in ``g``."""
    lo, hi = g
    if lo <= 0 <= hi:
        return Fraction(0)
    return min(lo * lo, hi * hi)


# ------------------------------------------------------------ re-evaluation


class _CannotCheck(Exception):
    pass


def _iv_namespace() -> dict:
    iv = _IV
    ns = {n: getattr(iv, n) for n in ("exp", "log", "sqrt", "sin", "cos", "tan", "cot", "sec",
                                      "csc", "pi", "e", "mpf")}  # fmt: skip
    ns.update(
        E=iv.e,
        sinh=lambda t: (iv.exp(t) - iv.exp(-t)) / 2,
        cosh=lambda t: (iv.exp(t) + iv.exp(-t)) / 2,
        tanh=lambda t: (iv.exp(t) - iv.exp(-t)) / (iv.exp(t) + iv.exp(-t)),
        asinh=lambda t: iv.log(t + iv.sqrt(t * t + 1)),
        acosh=lambda t: iv.log(t + iv.sqrt(t * t - 1)),
        atanh=lambda t: iv.log((1 + t) / (1 - t)) / 2,
        atan=_monotone(_atan_point, increasing=True),
        asin=_monotone(_asin_point, increasing=True),
        acos=_monotone(lambda t: _IV.pi / 2 - _asin_point(t), increasing=False),
    )
    return ns


def _monotone(point_fn, *, increasing: bool):
    """A monotone function on an interval: the hull of its enclosures at the two ends."""

    def fn(t):
        t = _IV.convert(t)
        lo, hi = point_fn(_IV.mpf(t.a)), point_fn(_IV.mpf(t.b))
        a, b = (lo, hi) if increasing else (hi, lo)
        return _IV.mpf([a.a, b.b])

    return fn


def _atan_point(x):
    """An enclosure of ``atan(x)`` for a (thin) interval ``x``, by ``mpmath.iv`` alone.

    ``|x| > 1``: ``atan(x) = sign(x) pi/2 - atan(1/x)``. Then ``k`` halvings
    ``atan(y) = 2 atan(y / (1 + sqrt(1 + y^2)))`` bring ``|y| < 2^-k``, and the
    alternating series ``sum (-1)^n y^(2n+1)/(2n+1)`` is cut after ``N`` terms with
    the remainder ``|R| <= |y|^(2N+3)/(2N+3)`` added as an interval.
    """
    iv = _IV
    if x.a > 1 or x.b < -1:
        s = 1 if x.a > 1 else -1
        return s * iv.pi / 2 - _atan_point(1 / x)
    if not (x.a >= -1 and x.b <= 1):
        raise ValueError("atan: argument interval straddles +-1")
    k = 8
    y = x
    for _ in range(k):
        y = y / (1 + iv.sqrt(1 + y * y))
    n_terms = iv.prec // (2 * k) + 2
    y2, power, total = y * y, y, iv.mpf(0)
    for n in range(n_terms):
        total += (-1) ** n * power / (2 * n + 1)
        power *= y2
    bound = iv.mpf(abs(power.b)) / (2 * n_terms + 1)  # |y|^(2N+1)/(2N+1), N = n_terms
    return 2**k * (total + iv.mpf([-bound.b, bound.b]))


def _asin_point(x):
    """``asin(x) = atan(x / sqrt(1 - x^2))`` for ``|x| < 1`` (else not checkable)."""
    if not (x.a > -1 and x.b < 1):
        raise ValueError("asin/acos: argument interval reaches +-1")
    return _atan_point(x / _IV.sqrt(1 - x * x))


def _evaluate(exprs: list, syms: tuple, x: list[Fraction], exact: bool, prec: int) -> list:
    """``[(lo, hi)]`` Fraction enclosures of each expression at ``x``."""
    if exact:
        sub = {s: sympy.Rational(q.numerator, q.denominator) for s, q in zip(syms, x, strict=True)}
        out = []
        for e in exprs:
            val = sympy.sympify(e).xreplace(sub)
            if not val.is_Rational:
                raise _CannotCheck
            q = Fraction(int(val.p), int(val.q))
            out.append((q, q))
        return out
    old = _IV.prec
    try:
        _IV.prec = prec
        pts = [_IV.mpf(q.numerator) / _IV.mpf(q.denominator) for q in x]
        out = []
        for e in exprs:
            try:
                val = _IV.mpf(_lambdified(tuple(syms), e)(*pts))
            except (NameError, TypeError, ValueError, ArithmeticError):
                raise _CannotCheck from None
            # the raw endpoints: mpmath.mpf(val.a) would round them to 53 bits (nearest)
            lo, hi = val._mpi_
            if any(
                e in (mpmath.libmp.finf, mpmath.libmp.fninf, mpmath.libmp.fnan) for e in (lo, hi)
            ):
                raise _CannotCheck
            out.append((_raw_q(lo, up=False), _raw_q(hi, up=True)))
        return out
    finally:
        _IV.prec = old


@functools.lru_cache(maxsize=1024)
def _lambdified(syms: tuple, e: sympy.Expr):
    """``e`` as a function of ``syms`` on ``mpmath.iv`` intervals (built once per expression)."""
    printer = MpmathPrinter({"fully_qualified_modules": False})
    return sympy.lambdify(syms, e, modules=[_iv_namespace()], printer=printer)


def _raw_q(raw: tuple, *, up: bool) -> Fraction:
    """A rational on the outer side (``up``: ``>=``) of a raw mpmath ``(sign, man, exp, bc)``.

    Exact, except that magnitudes below ``2^-2^22`` become ``0`` or ``+-2^-2^22``
    (outward), and magnitudes beyond ``2^(2^22)`` cannot be checked: no
    certificate stores numbers that far out (the producer stops at ``2^(2^20)``).
    """
    sign, man, exp, bc = raw  # (mpf.man_exp drops the sign)
    exp, top = int(exp), int(exp) + int(bc)
    if top > 1 << 22:
        raise _CannotCheck
    if man and top < -(1 << 22):
        tiny = Fraction(1, 2 ** (1 << 22))
        return (tiny if up else Fraction(0)) if not sign else (Fraction(0) if up else -tiny)
    man = -man if sign else man
    return Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2**-exp)


def _is_rational_objective(expr: sympy.Expr, syms: tuple) -> bool:
    return (
        bool(expr.is_rational_function(*syms))
        and not expr.atoms(sympy.NumberSymbol)
        and all(a.is_Rational for a in expr.atoms(sympy.Number))
    )

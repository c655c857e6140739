"""An independent oracle for the soundness fuzzer (tests/test_soundness_fuzz.py).

Nothing here imports saddlecheck: the oracle decides the questions that
saddlecheck answers with its own code paths.

* **Numbers** are read as the exact rationals they hold (``as_integer_ratio``
  for float64 and ``numpy.longdouble``, ``Fraction(text)`` for strings).
* **Domain**: an objective comes with the conditions under which it is a real
  ``C^3`` function near a point (``g > 0`` for ``log``/``sqrt``/non-integer
  powers, ``g != 0`` for divisors, ``1 - g^2 > 0`` for ``atanh``, and piece
  boundaries ``g != 0`` of a Piecewise), written down by the generator as it
  builds the formula, *before* SymPy can simplify anything away. A condition is
  decided exactly when SymPy evaluates it to a rational, else with mpmath at two
  working precisions (200 and 300 digits) and a wide margin; otherwise the
  oracle abstains.
* **Exact spectra**: for a rational Hessian, ``lambda_min >= -sqrt(T)`` is
  decided by Sturm counting on the characteristic polynomial, evaluated exactly
  in ``Q(sqrt(T))`` (no irrational is ever rounded).
* **Transcendental values** are compared at 200 and 300 digits; the oracle
  decides only when both agree with a margin of ``1e-100`` (relative).
"""

from __future__ import annotations

import decimal
import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import mpmath
import numpy as np
import sympy

DPS = (200, 300)
MARGIN_DIGITS = 100


# ------------------------------------------------------------------ numbers


def held(v: object) -> Fraction:
    """The exact rational number that ``v`` holds."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("bool")
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    if isinstance(v, (float, np.floating)):
        return Fraction(*v.as_integer_ratio())
    if isinstance(v, str):
        return Fraction(v.strip())
    if isinstance(v, sympy.Rational):
        return Fraction(int(v.p), int(v.q))
    if isinstance(v, decimal.Decimal):
        return Fraction(v)  # exact
    if isinstance(v, (sympy.Float, mpmath.mpf)):
        sign, man, exp, _ = v._mpf_  # the binary value, exactly
        q = Fraction(int(man)) * Fraction(2) ** int(exp)
        return -q if sign else q
    raise TypeError(f"oracle cannot read {type(v).__name__}")


def fq(q: Fraction) -> flint.fmpq:
    return flint.fmpq(q.numerator, q.denominator)


def rat(q: Fraction) -> sympy.Rational:
    return sympy.Rational(q.numerator, q.denominator)


# ------------------------------------------------------------- exact spectra


def charpoly(H: list[list[Fraction]]) -> flint.fmpq_poly:
    """``det(t I - H)`` exactly."""
    return flint.fmpq_mat([[fq(a) for a in row] for row in H]).charpoly()


def _sturm(p: flint.fmpq_poly) -> list[flint.fmpq_poly]:
    """The Sturm sequence of the square-free part of ``p`` (repeated eigenvalues would
    otherwise make every member vanish at a root)."""
    g = p.gcd(p.derivative())
    if g.degree() > 0:
        p = p // g
    seq = [p, p.derivative()]
    while seq[-1].degree() > 0:
        r = seq[-2] % seq[-1]
        if r == 0:
            break
        seq.append(-r)
    return seq


def _sign_qsqrt(a: Fraction, b: Fraction, T: Fraction) -> int:
    """Sign of ``a + b sqrt(T)`` (``T >= 0``), exactly."""
    if b == 0 or T == 0:
        return (a > 0) - (a < 0)
    sb = 1 if b > 0 else -1
    if a == 0 or (a > 0) == (b > 0):
        return sb if a == 0 else (1 if a > 0 else -1)
    # opposite signs: compare a^2 with b^2 T
    d = a * a - b * b * T
    if d == 0:
        return 0
    return (1 if a > 0 else -1) if d > 0 else sb


def _eval_qsqrt(p: flint.fmpq_poly, c: Fraction, T: Fraction) -> tuple[Fraction, Fraction]:
    """``p(c * sqrt(T)) = a + b sqrt(T)`` as ``(a, b)`` (Horner in ``Q(sqrt T)``)."""
    a, b = Fraction(0), Fraction(0)
    coeffs = [Fraction(int(k.p), int(k.q)) for k in p.coeffs()]
    for k in reversed(coeffs):  # highest degree first
        # (a + b s) * (c s) = b c T + a c s
        a, b = b * c * T + k, a * c
    return a, b


def _sign_changes(signs: list[int]) -> int:
    s = [v for v in signs if v != 0]
    return sum(1 for u, v in itertools.pairwise(s) if u != v)


def count_below(p: flint.fmpq_poly, c: Fraction, T: Fraction = Fraction(1)) -> int:
    """Number of distinct real roots of ``p`` strictly below ``c sqrt(T)``."""
    seq = _sturm(p)
    at_minus_inf = [
        (1 if int(q.coeffs()[-1].p) > 0 else -1) * (-1) ** q.degree() for q in seq if q != 0
    ]
    if T == 1:
        fc = fq(c)
        at_c = [(lambda v: (v > 0) - (v < 0))(q(fc)) for q in seq]
    else:
        at_c = [_sign_qsqrt(*_eval_qsqrt(q, c, T), T) for q in seq]
    n_le = _sign_changes(at_minus_inf) - _sign_changes(at_c)  # roots in (-inf, c]
    root_at_c = at_c[0] == 0
    return n_le - (1 if root_at_c else 0)


def lam_min_ge_neg_sqrt(H: list[list[Fraction]], T: Fraction) -> bool:
    """``lambda_min(H) >= -sqrt(T)``, exactly."""
    return count_below(charpoly(H), Fraction(-1), T) == 0


def lam_min_ge(H: list[list[Fraction]], t: Fraction) -> bool:
    """``lambda_min(H) >= t``, exactly."""
    return count_below(charpoly(H), t) == 0


def lam_min_le(H: list[list[Fraction]], t: Fraction) -> bool:
    """``lambda_min(H) <= t``, exactly."""
    p = charpoly(H)
    return count_below(p, t) > 0 or p(fq(t)) == 0


# ------------------------------------------------------------------ objectives


@dataclass(frozen=True)
class Cond:
    """``kind`` is ``"pos"`` (``g > 0``), ``"nonzero"`` (``g != 0``) or
    ``"kink"`` (``g != 0``, a piece boundary)."""

    kind: str
    g: sympy.Expr


@dataclass(frozen=True)
class Piece:
    """``left`` where ``g < 0``, else ``right`` (a two-piece Piecewise term)."""

    g: sympy.Expr
    left: sympy.Expr
    right: sympy.Expr


@dataclass(frozen=True)
class Spec:
    """An objective as the fuzzer passes it, with what the oracle needs.

    ``given`` is what saddlecheck receives (a string or a SymPy expression);
    ``smooth`` is a SymPy expression equal to ``f`` off the piece boundaries,
    without the Piecewise terms (those are ``pieces``); ``conds`` are the
    domain conditions of the formula as written.
    """

    given: object
    syms: tuple[sympy.Symbol, ...]
    smooth: sympy.Expr
    conds: tuple[Cond, ...] = ()
    pieces: tuple[Piece, ...] = ()
    label: str = ""
    given_vars: tuple | None = None  # the variables saddlecheck gets (default: syms)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def local(self, x: tuple[Fraction, ...]) -> sympy.Expr:
        """An expression equal to ``f`` on a neighbourhood of ``x`` (``x`` inside)."""
        e = self.smooth
        for p in self.pieces:
            e = e + (p.left if sign(p.g, self.syms, x) < 0 else p.right)
        return e


def expr_conds(e: sympy.Expr) -> list[Cond]:
    """The domain conditions of a SymPy expression as it stands (inner ones first).

    For an objective handed over as a SymPy expression: SymPy has already
    simplified it, and what saddlecheck receives is this expression. Piecewise
    terms are skipped (the generator records their boundaries).
    """
    out: list[Cond] = []
    never = Cond("pos", sympy.Integer(-1))

    def walk(a: sympy.Basic) -> None:
        if isinstance(a, sympy.Piecewise):
            return
        for arg in a.args:
            walk(arg)
        if a.is_number and (a.has(sympy.zoo, sympy.nan, sympy.oo) or a.is_real is False):
            out.append(never)
        elif isinstance(a, sympy.log):
            out.append(Cond("pos", a.args[0]))
        elif isinstance(a, sympy.Pow):
            b, ex = a.args
            if ex.is_Integer:
                if ex < 0:
                    out.append(Cond("nonzero", b))
            else:
                out.append(Cond("pos", b))
        elif isinstance(a, (sympy.atanh, sympy.asin, sympy.acos)):
            out.append(Cond("pos", 1 - a.args[0] ** 2))
        elif isinstance(a, (sympy.tan, sympy.sec)):
            out.append(Cond("nonzero", sympy.cos(a.args[0])))
        elif isinstance(a, (sympy.cot, sympy.csc)):
            out.append(Cond("nonzero", sympy.sin(a.args[0])))
        elif isinstance(
            a,
            (
                sympy.Abs,
                sympy.sign,
                sympy.floor,
                sympy.ceiling,
                sympy.Min,
                sympy.Max,
                sympy.Heaviside,
                sympy.re,
                sympy.im,
            ),
        ):
            out.append(Cond("nonzero", a.args[0]) if len(a.args) == 1 else never)

    walk(e)
    return out


def _subs(e: sympy.Expr, syms, x) -> sympy.Expr:
    """``e`` at ``x`` as SymPy evaluates it (``exp(0) = 1`` exactly); on SymPy's own
    failures (e.g. factoring a 400-digit radicand raises ``ValueError``) the
    unevaluated expression, so the caller falls back to mpmath."""
    try:
        return e.xreplace({s: rat(v) for s, v in zip(syms, x, strict=False)})
    except (ValueError, RecursionError):
        return sympy.Symbol("unevaluated")


def _cheap_exact(exprs, syms, x, limit: int = 10**40) -> bool:
    """Whether SymPy can evaluate ``exprs`` at ``x`` exactly without huge work: every
    function argument and every base of a non-integer power is a modest rational there
    (``exp(0)``, ``sqrt(1)`` are cheap; ``(p/q)**(r/s)`` with 300-digit ``p``, ``q`` is not)."""
    sub = {s: rat(v) for s, v in zip(syms, x, strict=False)}
    for e in exprs:
        for node in sympy.preorder_traversal(e):
            if isinstance(node, sympy.Pow) and node.exp.is_Integer:
                continue
            if not isinstance(node, (sympy.Pow, sympy.Function)):
                continue
            for arg in node.args:
                if not isinstance(arg, sympy.Expr) or arg.is_Integer:
                    continue
                if not arg.free_symbols and not arg.is_Rational:
                    return False
                try:
                    v = arg.xreplace(sub) if arg.is_polynomial(*syms) else None
                except (ValueError, RecursionError):
                    return False
                if v is None or not v.is_Rational or abs(v.p) > limit or v.q > limit:
                    return False
    return True


def _mp_eval(e: sympy.Expr, syms, x, dps: int) -> mpmath.mpf | mpmath.mpc:
    with mpmath.workdps(dps):
        f = sympy.lambdify(syms, e, modules="mpmath")
        args = [mpmath.mpf(v.numerator) / v.denominator for v in x]
        return f(*args)


def sign(g: sympy.Expr, syms, x) -> int | None:
    """The sign of ``g(x)``: exactly if SymPy evaluates it to a rational, else
    from mpmath at two precisions with a margin; ``None`` if undecided or not real."""
    v = _subs(g, syms, x) if _cheap_exact([g], syms, x) else sympy.Symbol("unevaluated")
    if v.is_Rational:
        q = Fraction(int(v.p), int(v.q))
        return (q > 0) - (q < 0)
    signs = set()
    for dps in DPS:
        try:
            w = _mp_eval(g, syms, x, dps)
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        if isinstance(w, mpmath.mpc):
            if abs(w.imag) > mpmath.mpf(10) ** (-MARGIN_DIGITS) * (1 + abs(w.real)):
                return None  # not real: the caller's enclosing condition decides
            w = w.real
        if not mpmath.isfinite(w) or abs(w) <= mpmath.mpf(10) ** (-MARGIN_DIGITS):
            return None
        signs.add(1 if w > 0 else -1)
    return signs.pop() if len(signs) == 1 else None


def domain_status(spec: Spec, x: tuple[Fraction, ...]) -> str:
    """``"inside"``, ``"outside"``, ``"kink"`` or ``"unknown"`` for ``f`` near ``x``.

    ``"inside"``: every condition holds strictly at ``x`` (hence on a
    neighbourhood), so ``f`` is real and ``C^3`` there. Conditions are checked
    in the order written (inner subexpressions first).
    """
    key = ("status", x)
    if key in spec._cache:
        return spec._cache[key]
    out = "inside"
    for c in spec.conds:
        s = sign(c.g, spec.syms, x)
        if s is None:
            out = "unknown"
            break
        if (c.kind == "pos" and s <= 0) or (c.kind == "nonzero" and s == 0):
            out = "outside"
            break
    if out == "inside":
        for p in spec.pieces:
            s = sign(p.g, spec.syms, x)
            if s is None:
                out = "unknown"
                break
            if s == 0:
                out = "kink"
                break
    spec._cache[key] = out
    return out


@dataclass
class Truth:
    """What the oracle knows at a point inside the domain.

    Exact (``H`` rational, ``G2`` rational) or approximate (mpmath values at
    the highest precision, ``exact=False``).
    """

    exact: bool
    G2: object
    H: list
    G2_alt: object = None
    lam_alt: object = None
    lam: object = None


def truth(spec: Spec, x: tuple[Fraction, ...]) -> Truth | None:
    """Gradient norm squared and Hessian of ``f`` at ``x`` (``x`` inside the domain)."""
    key = ("truth", x)
    if key in spec._cache:
        return spec._cache[key]
    e = spec.local(x)
    syms = spec.syms
    grad = [sympy.diff(e, s) for s in syms]
    hess = [[sympy.diff(g, s) for s in syms] for g in grad]
    out: Truth | None
    cheap = _cheap_exact([*grad, *(h for row in hess for h in row)], syms, x)
    gv = [_subs(g, syms, x) for g in grad] if cheap else [None]
    hv = [[_subs(h, syms, x) for h in row] for row in hess] if cheap else [[None]]
    if cheap and all(v.is_Rational for v in gv) and all(v.is_Rational for r in hv for v in r):
        G2 = sum((Fraction(int(v.p), int(v.q)) ** 2 for v in gv), Fraction(0))
        H = [[Fraction(int(v.p), int(v.q)) for v in row] for row in hv]
        out = Truth(True, G2, H)
    else:
        vals = []
        try:
            for dps in DPS:
                with mpmath.workdps(dps):
                    g = [_mp_eval(v, syms, x, dps) for v in grad]
                    h = mpmath.matrix([[_mp_eval(v, syms, x, dps) for v in row] for row in hess])
                    if any(isinstance(t, mpmath.mpc) for t in [*g, *h]):
                        raise ValueError("not real")
                    if not all(mpmath.isfinite(t) for t in [*g, *h]):
                        raise ValueError("not finite")
                    G2 = mpmath.fsum(t * t for t in g)
                    lam = min(mpmath.eigsy(h, eigvals_only=True))
                    vals.append((G2, h, lam))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            out = None
        else:
            (G2a, _, lama), (G2b, hb, lamb) = vals
            out = Truth(False, G2b, hb, G2a, lama, lamb)
    spec._cache[key] = out
    return out


def _mp_decide(a, b, a_alt, b_alt) -> int | None:
    """Sign of ``a - b`` when two precisions agree with a margin, else ``None``."""
    with mpmath.workdps(DPS[-1]):
        d, d_alt = a - b, a_alt - b_alt
        scale = 1 + abs(a) + abs(b)
        tol = mpmath.mpf(10) ** (-MARGIN_DIGITS) * scale
        if abs(d) <= tol or abs(d_alt) <= tol or (d > 0) != (d_alt > 0):
            return None
        return 1 if d > 0 else -1


def grad_le_eps(t: Truth, eps: Fraction) -> bool | None:
    """``||grad f(x)|| <= eps``, or ``None`` if the oracle cannot decide."""
    if t.exact:
        return eps * eps >= t.G2
    e2 = mpmath.mpf(eps.numerator) ** 2 / mpmath.mpf(eps.denominator) ** 2
    with mpmath.workdps(DPS[-1]):
        e2 = mpmath.mpf(eps.numerator) ** 2 / mpmath.mpf(eps.denominator) ** 2
        s = _mp_decide(t.G2, e2, t.G2_alt, e2)
    return None if s is None else s <= 0


def hess_ok(t: Truth, T: Fraction) -> bool | None:
    """``lambda_min(H) >= -sqrt(T)``, or ``None`` if the oracle cannot decide."""
    if t.exact:
        return lam_min_ge_neg_sqrt(t.H, T)
    with mpmath.workdps(DPS[-1]):
        thr = -mpmath.sqrt(mpmath.mpf(T.numerator) / T.denominator)
        s = _mp_decide(t.lam, thr, t.lam_alt, thr)
    return None if s is None else s >= 0


def sosp_truth(t: Truth, eps: Fraction, rho: Fraction) -> bool | None:
    g, h = grad_le_eps(t, eps), hess_ok(t, rho * eps)
    if g is False or h is False:
        return False
    if g and h:
        return True
    return None


# --------------------------------------------------------- enclosure checks


def _finite_q(v: float) -> Fraction | None:
    return Fraction(*float(v).as_integer_ratio()) if math.isfinite(v) else None


def grad_norm_contained(t: Truth, lo: float, hi: float) -> bool | None:
    """``lo <= ||grad f(x)|| <= hi`` (``None``: the oracle cannot decide)."""
    if math.isnan(lo) or math.isnan(hi):
        return False
    qlo, qhi = _finite_q(lo), _finite_q(hi)
    if t.exact:
        ok_lo = qlo is None or qlo <= 0 or qlo * qlo <= t.G2
        ok_hi = qhi is None or (qhi >= 0 and qhi * qhi >= t.G2)
        return ok_lo and ok_hi
    results = []
    with mpmath.workdps(DPS[-1]):
        if qlo is not None and qlo > 0:
            b = mpmath.mpf(qlo.numerator) ** 2 / mpmath.mpf(qlo.denominator) ** 2
            results.append(_mp_decide(t.G2, b, t.G2_alt, b))
        if qhi is not None:
            if qhi < 0:
                return False
            b = mpmath.mpf(qhi.numerator) ** 2 / mpmath.mpf(qhi.denominator) ** 2
            results.append(None if (s := _mp_decide(b, t.G2, b, t.G2_alt)) is None else s)
    if any(r is not None and r < 0 for r in results):
        return False
    return True if all(r is not None for r in results) else None


def lam_contained(t: Truth, lo: float, hi: float) -> bool | None:
    """``lo <= lambda_min(H) <= hi`` (``None``: the oracle cannot decide)."""
    if math.isnan(lo) or math.isnan(hi):
        return False
    qlo, qhi = _finite_q(lo), _finite_q(hi)
    if t.exact:
        ok_lo = qlo is None or lam_min_ge(t.H, qlo)
        ok_hi = qhi is None or lam_min_le(t.H, qhi)
        return ok_lo and ok_hi
    verdicts = []
    with mpmath.workdps(DPS[-1]):
        for q, want in ((qlo, 1), (qhi, -1)):
            if q is None:
                continue
            b = mpmath.mpf(q.numerator) / q.denominator
            s = _mp_decide(t.lam, b, t.lam_alt, b)
            verdicts.append(None if s is None else (s * want >= 0))
    if False in verdicts:
        return False
    return True if all(v is not None for v in verdicts) else None


# ------------------------------------------------------------ derivatives (boxes)


def hess_norm_and_d3(spec: Spec, x: tuple[Fraction, ...], u: tuple[Fraction, ...]):
    """``(||H(x)||_2, |D^3 f(x)[u, u, u]| / |u|^3)`` at 200 digits: lower bounds on the
    suprema of ``||Hess f||`` and ``||D^3 f||`` over any region that contains ``x``."""
    e = spec.local(x)
    key = ("d23", e)
    if key not in spec._cache:
        syms = spec.syms
        hess = [[sympy.diff(e, a, b) for b in syms] for a in syms]
        d3 = [[[sympy.diff(h, c) for c in syms] for h in row] for row in hess]
        spec._cache[key] = sympy.lambdify(syms, [hess, d3], modules="mpmath")
    fn = spec._cache[key]
    n = len(spec.syms)
    with mpmath.workdps(DPS[0]):
        h, d3 = fn(*[mpmath.mpf(v.numerator) / v.denominator for v in x])
        ev = mpmath.eigsy(mpmath.matrix(h), eigvals_only=True)
        hn = max(abs(v) for v in ev)
        um = [mpmath.mpf(v.numerator) / v.denominator for v in u]
        val = abs(
            mpmath.fsum(
                d3[i][j][k] * um[i] * um[j] * um[k]
                for i in range(n)
                for j in range(n)
                for k in range(n)
            )
        )
        norm_u = mpmath.sqrt(mpmath.fsum(v * v for v in um))
        return hn, val / norm_u**3

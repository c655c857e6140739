"""The real domain of an objective: where ``f`` and every subexpression are real and C^3.

Every proof saddlecheck gives assumes that ``f`` is real-valued and ``C^3`` on
an open neighbourhood of the point, or of the whole box. This module states
that hypothesis as a finite list of :class:`Condition` s and proves them:

* ``positive``: ``g > 0`` for the argument of ``log`` and ``sqrt``, the base of
  a non-integer or symbolic power (``x**(1/3)``, ``(-2)**x``), ``1 - a**2`` for
  ``asin``/``acos``/``atanh`` (``|a| < 1``), ``a - 1`` for ``acosh``. Strict:
  ``sqrt`` and ``x**(5/2)`` are not ``C^3`` at 0, and saddlecheck differentiates.
* ``nonzero``: ``g != 0`` for the base of a negative integer power (every
  division), ``cos(a)`` under ``tan``/``sec``, ``sin(a)`` under ``cot``/``csc``,
  and ``lhs - rhs`` for each inequality of a ``Piecewise`` condition: a point
  on a piece boundary (where ``f`` may have a kink or a jump) is refused.

The conditions come from the expression **as the user wrote it**, before
SymPy's automatic simplification (``x**3/x`` keeps ``x != 0``,
``sqrt(x)**4`` keeps ``x > 0``): :class:`~saddlecheck.Objective` parses a
string twice, once unevaluated for this list. A SymPy expression is taken as
received: whatever SymPy simplified before saddlecheck saw it is gone.
Conditions inside a ``Piecewise`` piece carry a ``guard`` (where that piece
is the one chosen) and apply only there.

Each condition is decided with exact rationals (rational ``g``) or python-flint
balls at increasing precision: ``True`` (proved), ``False`` (proved violated:
the caller raises ``InputError`` naming the function and its argument) or
``None`` (undecided: no verdict may be given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import sympy

from saddlecheck._validation import InputError
from saddlecheck.arith.backends import BACKENDS, Singularity, Straddle
from saddlecheck.arith.compile import compile_exprs
from saddlecheck.box import Box

KINDS = ("positive", "nonzero")
_POINT_PRECS = (64, 256, 1024)
_BOX_PRECS = (53, 128)
_UNIT = ("asin", "acos", "atanh")
_RELATIONS = (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)


@dataclass(frozen=True)
class Condition:
    """One hypothesis: ``expr > 0`` (``kind="positive"``) or ``expr != 0`` (``"nonzero"``).

    ``expr`` is a SymPy expression in the user's variables; ``reason`` says
    where it comes from (``"argument of log"``); ``guard`` is where it applies
    (``true`` outside ``Piecewise``).
    """

    kind: str
    expr: sympy.Expr
    reason: str
    guard: sympy.Basic = sympy.true

    def describe(self) -> str:
        op = "> 0" if self.kind == "positive" else "!= 0"
        where = "" if self.guard is sympy.true else f", where {self.guard}"
        return f"{self.expr} {op} ({self.reason}{where})"

    def to_json(self) -> dict:
        """``{"kind", "expr", "reason"}`` (``expr`` parses back with saddlecheck's parser).

        The guard is left out: certificates list only the conditions that apply
        at their point.
        """
        return {"kind": self.kind, "expr": sympy.sstr(self.expr, full_prec=True),
                "reason": self.reason}  # fmt: skip


@dataclass(frozen=True)
class DomainCheck:
    """The outcome: ``holds`` True/False/None, the ``failed`` condition and a ``reason``.

    ``checked`` lists the conditions that apply at the point (their guard
    holds) and were proved; with ``holds=True`` that is every applicable one.
    """

    holds: bool | None
    reason: str
    failed: Condition | None = None
    checked: tuple[Condition, ...] = field(default=())


# -- collecting the conditions ----------------------------------------------------


def _exponent_value(ex: sympy.Basic) -> sympy.Basic | None:
    """The value of a constant exponent (evaluated), or ``None`` when it has symbols."""
    if ex.free_symbols:
        return None
    try:
        return sympy.sympify(ex).doit()
    except Exception:  # SymPy cannot evaluate it: treat as non-integer
        return sympy.nan


class _Collector:
    def __init__(self) -> None:
        self.out: list[Condition] = []
        self._seen: set = set()

    def add(self, kind: str, g: sympy.Basic, reason: str, guard: sympy.Basic) -> None:
        g = _tidy(g)
        key = (kind, g, guard)
        if key not in self._seen:
            self._seen.add(key)
            self.out.append(Condition(kind, g, reason, guard))

    def walk(self, e: sympy.Basic, guard: sympy.Basic) -> None:
        if e.is_Atom:
            return
        if isinstance(e, sympy.Piecewise):
            self._piecewise(e, guard)
            return
        for a in e.args:
            self.walk(a, guard)
        name = type(e).__name__
        if isinstance(e, sympy.Pow):
            self._pow(e, guard)
        elif name == "log":
            self.add("positive", e.args[0], "argument of log", guard)
        elif name in _UNIT:
            a = e.args[0]
            self.add("positive", 1 - a**2, f"argument of {name} (|{_tidy(a)}| < 1)", guard)
        elif name == "acosh":
            self.add("positive", e.args[0] - 1, "argument of acosh (> 1)", guard)
        elif name in ("tan", "sec"):
            self.add("nonzero", sympy.cos(e.args[0]), f"cos(argument) of {name}", guard)
        elif name in ("cot", "csc"):
            self.add("nonzero", sympy.sin(e.args[0]), f"sin(argument) of {name}", guard)

    def _pow(self, e: sympy.Pow, guard: sympy.Basic) -> None:
        base, ex = e.args
        if base is sympy.E:
            return
        val = _exponent_value(ex)
        if val is not None and val.is_Integer:
            if val < 0:
                self.add("nonzero", base, f"denominator of {_tidy(e)}", guard)
            return
        if val is not None and val.is_Rational and val == sympy.Rational(1, 2):
            self.add("positive", base, "argument of sqrt", guard)
            return
        self.add("positive", base, f"base of the non-integer power {_tidy(e)}", guard)

    def _piecewise(self, pw: sympy.Piecewise, guard: sympy.Basic) -> None:
        earlier: list = []
        for piece, cond in pw.args:
            here = sympy.And(guard, *[sympy.Not(c) for c in earlier])
            for rel in _relations(cond):
                for side in rel.args:
                    self.walk(side, here)
                self.add(
                    "nonzero", rel.lhs - rel.rhs,
                    f"{_tidy(rel.lhs - rel.rhs)} = 0 is the boundary of the Piecewise "
                    f"condition {_tidy(rel)}",
                    here,
                )  # fmt: skip
            self.walk(piece, sympy.And(here, cond))
            earlier.append(cond)
            if cond is sympy.true:
                break


def _tidy(g: sympy.Basic) -> sympy.Basic:
    """``g`` evaluated, for display and evaluation (its own singularities, e.g. the
    ``x != 0`` of ``x**3/x``, are separate conditions collected before it)."""
    try:
        return sympy.sympify(g).doit()
    except Exception:  # SymPy cannot evaluate it: keep it as written
        return g


def _relations(cond: sympy.Basic) -> list:
    if isinstance(cond, _RELATIONS):
        return [cond]
    if isinstance(cond, (sympy.And, sympy.Or, sympy.Not)):
        return [r for c in cond.args for r in _relations(c)]
    return []


def collect(expr: sympy.Basic) -> tuple[Condition, ...]:
    """The domain conditions of ``expr`` as written, innermost first (no duplicates).

    Examples:
        >>> x = sympy.Symbol("x")
        >>> [c.describe() for c in collect(sympy.log(x**2 - 1))]
        ['x**2 - 1 > 0 (argument of log)']
    """
    c = _Collector()
    c.walk(expr, sympy.true)
    return tuple(c.out)


# -- deciding them ----------------------------------------------------------------


def _sign_test(kind: str, value) -> bool | None:
    """Decide ``value > 0`` / ``value != 0`` for an exact ``fmpq`` or an ``arb`` ball."""
    if isinstance(value, flint.fmpq):
        return value > 0 if kind == "positive" else value != 0
    if not value.is_finite():
        return None
    if kind == "positive":
        if value > 0:
            return True
        return False if value <= 0 else None
    if value > 0 or value < 0:
        return True
    return False if (value.is_exact() and value == 0) else None


def _and3(vals: Sequence[bool | None]) -> bool | None:
    if any(v is False for v in vals):
        return False
    return True if all(v is True for v in vals) else None


class Domain:
    """The domain conditions of an objective and their proofs at points and on boxes.

    Args:
        conditions: the :class:`Condition` s (see :func:`collect`).
        variables: the objective's variables, in order.

    Examples:
        >>> x = sympy.Symbol("x")
        >>> dom = Domain(collect(sympy.log(x**2 - 1)), (x,))
        >>> dom.at_point([2]).holds, dom.at_point([0]).holds
        (True, False)
        >>> dom.on_box(Box([("-1/2", "1/2")])).holds
        False
    """

    def __init__(self, conditions: Sequence[Condition], variables: Sequence[sympy.Symbol]):
        self.conditions = tuple(conditions)
        self.variables = tuple(variables)
        self._internal = tuple(sympy.Symbol(f"_sc_v{i}") for i in range(len(self.variables)))
        self._cache: dict = {}

    def __repr__(self) -> str:
        return f"Domain([{'; '.join(c.describe() for c in self.conditions)}])"

    # -- evaluation of one expression ------------------------------------------
    def _eval(self, g: sympy.Basic, args: list, backend: str, prec: int):
        key = (g, backend, prec)
        fn = self._cache.get(key)
        if fn is None:
            body = sympy.sympify(g).xreplace(dict(zip(self.variables, self._internal, strict=True)))
            fn = compile_exprs([body], len(self.variables), BACKENDS[backend], "sympy")
            self._cache[key] = fn
        return fn(args)[0]

    def _decide(self, kind: str, g, point, box) -> bool | None:
        if box is None and _is_rational(g):
            try:
                B = BACKENDS["exact"]
                return _sign_test(kind, self._eval(g, [B.point(v) for v in point], "exact", 0))
            except (Singularity, TypeError):
                return None
        out = None
        for prec in _BOX_PRECS if box is not None else _POINT_PRECS:
            with flint.ctx.workprec(prec):
                args = _box_balls(box) if box is not None else [
                    BACKENDS["ball"].point(v) for v in point
                ]  # fmt: skip
                try:
                    out = _sign_test(kind, self._eval(g, args, "ball", prec))
                except (Singularity, Straddle, ArithmeticError, ValueError):
                    out = None
            if out is not None:
                return out
        return out

    def _guard(self, cond: sympy.Basic, point, box) -> bool | None:
        if cond is sympy.true:
            return True
        if cond is sympy.false:
            return False
        if isinstance(cond, sympy.And):
            return _and3([self._guard(c, point, box) for c in cond.args])
        if isinstance(cond, sympy.Or):
            vals = [self._guard(c, point, box) for c in cond.args]
            if any(v is True for v in vals):
                return True
            return False if all(v is False for v in vals) else None
        if isinstance(cond, sympy.Not):
            v = self._guard(cond.args[0], point, box)
            return None if v is None else not v
        if isinstance(cond, _RELATIONS):
            d = (
                cond.lhs - cond.rhs
                if isinstance(cond, (sympy.Gt, sympy.Ge))
                else (cond.rhs - cond.lhs)
            )  # now asking d > 0 (or d >= 0)
            pos = self._decide("positive", d, point, box)
            if pos is True:
                return True
            neg = self._decide("positive", -d, point, box)
            if neg is True:
                return False
            strict = isinstance(cond, (sympy.Gt, sympy.Lt))
            if self._decide("nonzero", d, point, box) is False:  # d == 0 exactly
                return not strict
            return None
        return None

    def _check(self, point, box) -> DomainCheck:
        where = "at x" if box is None else "on the box"
        checked: list[Condition] = []
        undecided: Condition | None = None
        for c in self.conditions:
            active = self._guard(c.guard, point, box)
            if active is False:
                continue
            ok = self._decide(c.kind, c.expr, point, box) if active else None
            if ok is False:
                if box is not None and active is None:
                    ok = None
                else:
                    return DomainCheck(False, _violated(c, where), c, tuple(checked))
            if ok is None and undecided is None:
                undecided = c
            if ok is True and active is True and c.expr.free_symbols:
                checked.append(c)  # (constants were proved when the objective was built)
        if undecided is not None:
            return DomainCheck(None, _undecided(undecided, where), undecided, tuple(checked))
        return DomainCheck(True, "every domain condition proved " + where, None, tuple(checked))

    # -- public ------------------------------------------------------------------
    def at_point(self, x: Sequence[Fraction]) -> DomainCheck:
        """Decide every condition at the exact point ``x`` (a tuple of Fractions).

        ``holds=True`` proves ``f`` real and ``C^3`` on an open neighbourhood
        of ``x`` (each ``g`` is continuous where its inner conditions hold, so
        ``g > 0`` / ``g != 0`` at ``x`` persists nearby; no piece boundary
        passes through ``x``).
        """
        return self._check(tuple(x), None)

    def on_box(self, box: Box) -> DomainCheck:
        """Decide every condition on all of ``box`` (ball arithmetic).

        ``holds=True`` proves ``f`` real and ``C^3`` on an open neighbourhood
        of the closed box; ``False``: some condition fails on the whole box.
        """
        return self._check(None, box)

    def require_point(self, x: Sequence[Fraction], what: str) -> DomainCheck:
        """:meth:`at_point`, raising ``InputError`` when a condition is proved violated."""
        res = self.at_point(x)
        if res.holds is False:
            raise InputError(
                f"{what}: f is not smooth (real and C^3) at x={_show(x)}: {res.reason}; "
                "saddlecheck only proves things where f and every subexpression are real "
                "and C^3 (move the point or rewrite f)"
            )
        return res

    def require_box(self, box: Box, what: str) -> DomainCheck:
        """:meth:`on_box`, raising ``InputError`` unless every condition is proved."""
        res = self.on_box(box)
        if res.holds is not True:
            fix = (
                "shrink or move the box" if res.holds is False
                else "shrink the box, or split it away from the boundary of the domain"
            )  # fmt: skip
            raise InputError(
                f"{what}: f is not smooth on {box} (not proved real and C^3 there): "
                f"{res.reason}; {fix}"
            )
        return res

    def require_real_constants(self) -> None:
        """Raise ``InputError`` if a condition without variables is false (``acos(2)``)."""
        zero = tuple(Fraction(0) for _ in self.variables)
        for c in self.conditions:
            constant = c.guard is sympy.true and not c.expr.free_symbols
            if constant and self._decide(c.kind, c.expr, zero, None) is False:
                op = "> 0" if c.kind == "positive" else "!= 0"
                raise InputError(
                    f"the objective is not real: {c.reason} needs {c.expr} {op}, which is "
                    "false; saddlecheck needs a real-valued objective"
                )


def _box_balls(box: Box) -> list:
    out = []
    for lo, hi in box.intervals:
        a = flint.arb(flint.fmpq(lo.numerator, lo.denominator))
        out.append(a if lo == hi else a.union(flint.arb(flint.fmpq(hi.numerator, hi.denominator))))
    return out


def _is_rational(g: sympy.Basic) -> bool:
    for e in sympy.preorder_traversal(g):
        if isinstance(e, sympy.Pow):
            val = _exponent_value(e.exp)
            if val is None or not val.is_Integer or e.base is sympy.E:
                return False
        elif (
            isinstance(e, (sympy.Function, sympy.NumberSymbol))
            or e is sympy.E
            or isinstance(e, sympy.Float)
        ):
            return False
    return True


def _violated(c: Condition, where: str) -> str:
    op = "> 0" if c.kind == "positive" else "!= 0"
    if "Piecewise" in c.reason:
        subject = "x lies" if where == "at x" else "the box lies"
        return (
            f"{subject} on the boundary between two pieces ({c.reason}), where f may have a "
            "kink or a jump"
        )
    return f"outside the domain: {c.reason} needs {c.expr} {op}, which fails {where}"


def _undecided(c: Condition, where: str) -> str:
    op = "> 0" if c.kind == "positive" else "!= 0"
    return f"cannot prove {c.expr} {op} ({c.reason}) {where}: f may not be real and C^3 there"


def _show(x: Sequence[Fraction]) -> str:
    return "[" + ", ".join(_short(v) for v in x) + "]"


def _short(v: Fraction) -> str:
    text = str(v)
    if len(text) < 40:
        return text
    try:
        return f"{float(v):.17g}"
    except OverflowError:
        return text[:20] + "..."

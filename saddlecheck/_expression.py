"""Reading an objective: parse a string, check it is a smooth real expression.

saddlecheck's analysis needs a C^3 objective. This module refuses, with
``InputError`` and a remedy, everything that is not:

* strings that do not parse, unknown functions, non-smooth functions
  (``Abs``, ``Max``, ``Min``, ``sign``, ``floor``, ``ceiling``, ``Heaviside``,
  ...), non-real or non-finite numbers (``I``, ``oo``, ``nan``, ``zoo``),
  relations where a number is expected;
* ``Piecewise`` whose pieces are not themselves smooth expressions, or whose
  conditions are equalities (a piece on a lower-dimensional set).

* names that are not plain ASCII (``"x² - y²"``: write ``x**2``), ``I`` (the
  imaginary unit: ``f`` must be real), attribute access, strings, lists,
  tuples, dicts and comparisons where a formula is expected;
* sizes beyond the documented limits: integer exponents ``|n| > 1000``
  (:data:`MAX_EXPONENT`), numbers with more than 14,000 bits
  (:data:`saddlecheck._validation.MAX_BITS`), decimal exponents beyond +-4000;
* SymPy symbols with assumptions other than ``real=True`` (``integer``,
  ``positive``, ...: SymPy rewrites ``f`` with them), and two different
  symbols with the same name.

``E`` is Euler's number e and ``pi`` is pi (both are accepted as constants, not
variables). Functions that are smooth on part of the line (``1/x``,
``log(x)``, ``sqrt(x)``) are accepted here; their domain conditions are kept
from the formula as written (see :mod:`saddlecheck.domain`), and every proof
checks them at its point or on its box. Floats are read as the rational numbers they represent
(strings: the decimal they spell, ``"0.1"`` is 1/10; SymPy ``Float``: its
binary value).
"""

from __future__ import annotations

import sympy

from saddlecheck._parsing import (  # noqa: F401  (_GLOBALS: used by frontends)
    _CONSTANT_NAMES,
    _GLOBALS,
    _NONSMOOTH,
    MAX_EXPONENT,
    SMOOTH_FUNCTIONS,
    _check_kind,
    check_sizes,
    parse,
    read,
)
from saddlecheck._validation import InputError

_RESERVED = {"E", "pi", "I", "oo", "nan", "zoo", "True", "False"}
_RELATIONS = (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)
_SUPPORTED = ", ".join(SMOOTH_FUNCTIONS)


# -- symbols --------------------------------------------------------------------------

_PLAIN = ({}, {"commutative": True}, {"real": True}, {"real": True, "commutative": True})


def check_symbols(symbols: object, where: str) -> None:
    """Refuse symbols with assumptions (other than ``real=True``) and repeated names.

    SymPy rewrites an expression using assumptions (with an integer ``x``,
    ``sin(pi*x)`` is 0; with a positive ``y``, ``sqrt(y**2)`` is ``y``), which
    would change ``f`` on the real line where saddlecheck works.
    """
    by_name: dict[str, sympy.Symbol] = {}
    for s in sorted(symbols, key=lambda t: (t.name, str(type(t)))):
        orig = getattr(s, "_assumptions_orig", None)
        if orig is None:
            orig = {k: v for k, v in s.assumptions0.items() if k in ("real", "commutative")}
        orig = dict(orig)
        if orig not in _PLAIN:
            extra = sorted(f"{k}={v}" for k, v in orig.items() if k not in ("real", "commutative")
                           or v is not True)  # fmt: skip
            raise InputError(
                f"{where}: the variable {s.name!r} carries the SymPy assumption(s) "
                f"{', '.join(extra)}; SymPy rewrites the formula with them, so saddlecheck "
                f"needs plain real symbols: use sympy.Symbol({s.name!r}) or "
                f"sympy.Symbol({s.name!r}, real=True)"
            )
        other = by_name.get(s.name)
        if other is not None and other != s:
            raise InputError(
                f"{where}: two different SymPy symbols are both named {s.name!r} "
                f"({sympy.srepr(other)} and {sympy.srepr(s)}); use one Symbol per name"
            )
        by_name[s.name] = s
        if not s.name.isascii() or not s.name.isidentifier():
            raise InputError(
                f"{where}: the variable name {s.name!r} is not a plain ASCII identifier; "
                "rename it (powers are written x**2)"
            )


def to_sympy(expr: object) -> sympy.Expr:
    """A SymPy expression from a string, SymPy or symengine object, or number."""
    return read_objective(expr)[1]


def read_objective(expr: object) -> tuple[sympy.Expr, sympy.Expr]:
    """``(written, expr)``: the objective as written and as SymPy evaluates it.

    For a string the written form is parsed without evaluation (see
    :func:`read`); a SymPy expression is taken as received (what SymPy
    simplified before saddlecheck saw it cannot be recovered), so both are
    the same object. Sizes and symbols are checked on both.
    """
    if isinstance(expr, str):
        written, out = read(expr)
        check_symbols(written.free_symbols | out.free_symbols, "the objective")
        return written, out
    out = _to_sympy(expr)
    check_sizes(out, "the objective")
    check_symbols(out.free_symbols, "the objective")
    return out, out


def _to_sympy(expr: object) -> sympy.Expr:
    if isinstance(expr, str):
        return parse(expr)
    if isinstance(expr, sympy.MatrixBase) or getattr(expr, "is_Matrix", False):
        raise InputError("the objective must be a scalar expression, not a matrix")
    try:
        out = sympy.sympify(expr, strict=True)
    except (sympy.SympifyError, TypeError, AttributeError):
        raise InputError(
            f"objective of type {type(expr).__name__} is neither a string nor a SymPy expression"
        ) from None
    if not isinstance(out, sympy.Basic) or isinstance(out, sympy.Tuple):
        _check_kind(out, repr(expr)[:80])  # repr only when refusing: it is slow on large f
    return out


def exact_floats(expr: sympy.Expr) -> sympy.Expr:
    """Replace each SymPy ``Float`` by the rational number it represents."""
    floats = expr.atoms(sympy.Float)
    return expr.xreplace({f: sympy.Rational(f) for f in floats}) if floats else expr


def check_smooth(expr: sympy.Basic, where: str) -> None:
    """Raise ``InputError`` unless ``expr`` is built from smooth real pieces."""
    if isinstance(expr, (sympy.logic.boolalg.Boolean, sympy.Rel)) and not expr.is_Symbol:
        raise InputError(
            f"{where} is a condition ({expr}), not a number; an objective must be real-valued"
        )
    bad_numbers = expr.atoms(sympy.I.__class__) | {
        a for a in expr.atoms(sympy.Number) if not a.is_finite or not a.is_real
    }
    if expr.has(sympy.I) or expr.has(sympy.zoo) or expr.has(sympy.nan) or bad_numbers:
        raise InputError(
            f"{where} contains a non-real or non-finite number ({expr}); "
            "saddlecheck needs a real-valued objective with finite coefficients"
        )
    _walk(expr, where)


def _walk(e: sympy.Basic, where: str) -> None:
    if e.is_Atom:
        if not (e.is_Symbol or e.is_Number or e in (sympy.pi, sympy.E)):
            raise InputError(f"{where}: cannot use {e!r} in an objective")
        return
    name = type(e).__name__
    if isinstance(e, sympy.Piecewise):
        for piece_expr, cond in e.args:
            _walk(piece_expr, where)
            _check_condition(cond, where)
        return
    if name in _NONSMOOTH:
        raise InputError(
            f"{where} uses {e}: {_NONSMOOTH[name]}; saddlecheck needs a C^3 objective on "
            "the box (write the function without it, or as a Piecewise of smooth pieces)"
        )
    if isinstance(e, sympy.core.function.AppliedUndef):
        raise InputError(
            f"{where} uses the unknown function {e.func}(...); known functions: {_SUPPORTED}"
        )
    if isinstance(e, (sympy.Add, sympy.Mul, sympy.Pow)) or name in SMOOTH_FUNCTIONS:
        for a in e.args:
            _walk(a, where)
        return
    if isinstance(e, (sympy.Rel, sympy.logic.boolalg.Boolean)):
        raise InputError(f"{where} contains the condition {e} outside a Piecewise")
    raise InputError(
        f"{where} uses {name} ({e}), which saddlecheck does not evaluate; known functions: "
        f"{_SUPPORTED}, and Piecewise of them"
    )


def _check_condition(cond: sympy.Basic, where: str) -> None:
    if cond in (sympy.true, sympy.false):
        return
    if isinstance(cond, (sympy.And, sympy.Or, sympy.Not)):
        for c in cond.args:
            _check_condition(c, where)
        return
    if isinstance(cond, _RELATIONS):
        for side in cond.args:
            if side.has(sympy.I) or side.has(sympy.zoo) or side.has(sympy.nan):
                raise InputError(f"{where}: condition {cond} is not real")
        return
    raise InputError(
        f"{where}: Piecewise condition {cond} is not an inequality; use <, <=, >, >= "
        "(a piece defined by an equality lives on a lower-dimensional set)"
    )


def check_variables(expr: sympy.Expr, variables: object) -> tuple[sympy.Symbol, ...]:
    """The objective's variables: given, or the free symbols sorted by name."""
    free = expr.free_symbols
    if variables is None:
        if not free:
            raise InputError(
                f"the objective {expr} has no variables; pass variables=... to say what it "
                "is a function of"
            )
        out = tuple(sorted(free, key=lambda s: s.name))
    else:
        if isinstance(variables, (str, sympy.Symbol)):
            variables = [variables]
        by_name = {s.name: s for s in free}  # a name given as text means the symbol in f
        try:
            out = tuple(
                by_name.get(v, sympy.Symbol(v)) if isinstance(v, str) else v for v in variables
            )
        except TypeError:
            raise InputError(f"variables={variables!r} is not a sequence of symbols") from None
        if not out:
            raise InputError("variables=() is empty; pass at least one variable")
        for v in out:
            if not isinstance(v, sympy.Symbol):
                raise InputError(f"variables contains {v!r}, which is not a SymPy Symbol")
        names = [v.name for v in out]
        if len(set(names)) != len(names):
            raise InputError(f"variables={names!r} repeats a name")
        check_symbols(set(out) | free, "the objective and its variables")
        unknown = sorted(s.name for s in free if s not in set(out))
        if unknown:
            raise InputError(
                f"the objective uses {', '.join(unknown)}, which are not among "
                f"variables={tuple(names)!r}; add them to variables or substitute numbers"
            )
    check_symbols(set(out), "variables")
    for v in out:
        if v.name in _CONSTANT_NAMES:
            raise InputError(f"variable name {v.name!r} is reserved: {_CONSTANT_NAMES[v.name]}")
        if v.name.startswith("_") or v.name in _RESERVED:
            raise InputError(
                f"variable name {v.name!r} is reserved (underscore prefix, or one of "
                f"{sorted(_RESERVED)}); rename it"
            )
    return out


def structure_flags(expr: sympy.Expr) -> dict[str, bool]:
    """Which of transcendental parts, negative powers and Piecewise ``expr`` has."""
    flags = {"transcendental": False, "negative_power": False, "piecewise": False}
    for e in sympy.preorder_traversal(expr):
        if isinstance(e, sympy.Piecewise):
            flags["piecewise"] = True
        elif isinstance(e, sympy.Pow):
            if not e.exp.is_Integer:
                flags["transcendental"] = True
            elif e.exp < 0:
                flags["negative_power"] = True
        elif isinstance(e, sympy.Function) or e in (sympy.pi, sympy.E):
            flags["transcendental"] = True
    return flags

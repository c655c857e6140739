"""Reading an objective: parse a string, check it is a smooth real expression.

saddlecheck's analysis needs a C^3 objective. This module refuses, with
``InputError`` and a remedy, everything that is not:

* strings that do not parse, unknown functions, non-smooth functions
  (``Abs``, ``Max``, ``Min``, ``sign``, ``floor``, ``ceiling``, ``Heaviside``,
  ...), non-real or non-finite numbers (``I``, ``oo``, ``nan``, ``zoo``),
  relations where a number is expected;
* ``Piecewise`` whose pieces are not themselves smooth expressions, or whose
  conditions are equalities (a piece on a lower-dimensional set).

Functions that are smooth on part of the line (``1/x``, ``log(x)``,
``sqrt(x)``) are accepted here; the box operations reject a box that reaches
the singularity. Floats are read as the rational numbers they represent
(strings: the decimal they spell, ``"0.1"`` is 1/10; SymPy ``Float``: its
binary value).
"""

from __future__ import annotations

import keyword
import tokenize
from io import StringIO

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    rationalize,
    standard_transformations,
)

from saddlecheck._validation import InputError
from saddlecheck.arith.backends import _FUNCS

SMOOTH_FUNCTIONS = tuple(_FUNCS)
_NONSMOOTH = {
    "Abs": "abs(.) is not differentiable at 0",
    "Max": "max(.) is not differentiable where its arguments tie",
    "Min": "min(.) is not differentiable where its arguments tie",
    "sign": "sign(.) jumps at 0",
    "floor": "floor(.) jumps at the integers",
    "ceiling": "ceiling(.) jumps at the integers",
    "Heaviside": "Heaviside(.) jumps at 0",
    "frac": "frac(.) jumps at the integers",
    "Mod": "Mod(.) jumps",
    "re": "re(.) is not complex-differentiable",
    "im": "im(.) is not complex-differentiable",
    "arg": "arg(.) jumps on the negative axis",
    "conjugate": "conjugate(.) is not complex-differentiable",
    "DiracDelta": "DiracDelta(.) is not a function",
}
_RESERVED = {"E", "pi", "I", "oo", "nan", "zoo", "True", "False"}
_RELATIONS = (sympy.StrictLessThan, sympy.LessThan, sympy.StrictGreaterThan, sympy.GreaterThan)

_GLOBALS: dict[str, object] = {
    "__builtins__": {},
    "Symbol": sympy.Symbol,
    "Integer": sympy.Integer,
    "Float": sympy.Float,
    "Rational": sympy.Rational,
    "Function": sympy.Function,
    "Piecewise": sympy.Piecewise,
    "And": sympy.And,
    "Or": sympy.Or,
    "Not": sympy.Not,
    "Eq": sympy.Eq,
    "Ne": sympy.Ne,
    "pi": sympy.pi,
    "E": sympy.E,
    "I": sympy.I,
    "oo": sympy.oo,
    "nan": sympy.nan,
    "zoo": sympy.zoo,
    "abs": sympy.Abs,
    "max": sympy.Max,
    "min": sympy.Min,
    **{name: getattr(sympy, name) for name in SMOOTH_FUNCTIONS},
    **{name: getattr(sympy, name) for name in _NONSMOOTH},
}
_TRANSFORMS = (*standard_transformations, convert_xor, rationalize)
_SUPPORTED = ", ".join(SMOOTH_FUNCTIONS)


def parse(text: str) -> sympy.Expr:
    """Parse a formula such as ``"x**4/4 - x^2/2 + y**2/2"`` (``^`` is power).

    Every name not followed by ``(`` is a variable, except ``pi`` and ``E``.

    Raises:
        InputError: when the text does not parse, or names a variable with a
            leading underscore or a Python keyword.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"objective={text!r} is empty; pass a formula such as 'x**2 + y**2'")
    try:
        names = [
            tok.string
            for tok in tokenize.generate_tokens(StringIO(text).readline)
            if tok.type == tokenize.NAME
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise InputError(f"cannot parse objective {text!r}: {exc}") from None
    for name in names:
        if name.startswith("_"):
            raise InputError(
                f"name {name!r} in {text!r} starts with an underscore; rename the variable"
            )
        if keyword.iskeyword(name) and name not in ("True", "False", "and", "or", "not"):
            raise InputError(
                f"{name!r} is a Python keyword and cannot name a variable in {text!r}; rename it"
            )
    try:
        expr = parse_expr(
            text, local_dict={}, global_dict=dict(_GLOBALS), transformations=_TRANSFORMS
        )
    except Exception as exc:  # SymPy raises many kinds here; all mean "did not parse"
        raise InputError(
            f"cannot parse objective {text!r} ({type(exc).__name__}: {exc}); "
            "write it in Python/SymPy syntax, e.g. 'x**4/4 - x**2/2 + y**2/2'"
        ) from None
    return expr


def to_sympy(expr: object) -> sympy.Expr:
    """A SymPy expression from a string, SymPy or symengine object, or number."""
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
        try:
            out = tuple(sympy.Symbol(v) if isinstance(v, str) else v for v in variables)
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
        unknown = sorted(s.name for s in free if s not in set(out))
        if unknown:
            raise InputError(
                f"the objective uses {', '.join(unknown)}, which are not among "
                f"variables={tuple(names)!r}; add them to variables or substitute numbers"
            )
    for v in out:
        if v.name.startswith("_") or v.name in _RESERVED:
            raise InputError(
                f"variable name {v.name!r} is reserved (underscore prefix, or one of "
                f"{sorted(_RESERVED)}); rename it"
            )
    return out

"""Parsing a formula string, twice: as written and as SymPy evaluates it.

The written (unevaluated) form keeps what SymPy's automatic simplification
would remove, for :mod:`saddlecheck.domain`; sizes are checked on it before
anything is evaluated. Refused, with ``InputError``: non-ASCII characters
(``"x² - y²"``: write ``x**2``), ``I`` (the imaginary unit: ``f`` must be
real), attribute access, strings, ``...``, lists, tuples, dicts and ``==``
where a formula is expected, integer exponents ``|n| > 1000``
(:data:`MAX_EXPONENT`), numbers of more than 14,000 bits
(:data:`saddlecheck._validation.MAX_BITS`) and decimal exponents beyond
+-4000. ``E`` is Euler's number and ``pi`` is pi.
"""

from __future__ import annotations

import keyword
import tokenize
import warnings
from io import StringIO

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    rationalize,
    standard_transformations,
)

from saddlecheck._validation import MAX_BITS, MAX_DECIMAL_EXPONENT, InputError
from saddlecheck.arith.backends import _FUNCS

MAX_EXPONENT = 1000
"""Largest ``|n|`` of a numeric exponent (``x**1000`` is accepted, ``x**1001`` refused)."""

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
_GLOBALS_WRITTEN = {
    **_GLOBALS,
    "Add": sympy.Add,
    "Mul": sympy.Mul,
    "Pow": sympy.Pow,
    "Lt": sympy.Lt,
    "Le": sympy.Le,
    "Gt": sympy.Gt,
    "Ge": sympy.Ge,
}
_TRANSFORMS = (*standard_transformations, convert_xor, rationalize)
_CONSTANT_NAMES = {
    "I": "I is SymPy's imaginary unit (sqrt(-1)); saddlecheck needs a real objective, so I cannot "
    "appear in it; rename the variable",
    "E": "E is SymPy's Euler's number e = 2.718...; rename the variable",
    "pi": "pi is the number pi = 3.14159...; rename the variable",
}


def _q(text: str) -> str:
    """The formula quoted for a message (long ones shortened)."""
    return repr(text) if len(text) <= 80 else repr(text[:60] + " ... " + text[-15:])


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    if not text.isascii():
        pos = next(i for i, ch in enumerate(text) if not ch.isascii())
        raise InputError(
            f"objective {_q(text)} contains the non-ASCII character {text[pos]!r} at position "
            f"{pos}; write formulas in ASCII (powers as x**2 or x^2, names of letters, digits "
            "and underscores)"
        )
    try:
        return list(tokenize.generate_tokens(StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as exc:
        raise InputError(f"cannot parse objective {_q(text)}: {exc}") from None


def _check_tokens(text: str) -> None:
    for tok in _tokens(text):
        if tok.type == tokenize.NAME:
            name = tok.string
            if name.startswith("_"):
                raise InputError(
                    f"name {name!r} in {_q(text)} starts with an underscore; rename the variable"
                )
            if keyword.iskeyword(name) and name not in ("True", "False", "and", "or", "not"):
                raise InputError(
                    f"{name!r} is a Python keyword and cannot name a variable in {_q(text)}; "
                    "rename it"
                )
            if name == "I":
                raise InputError(f"objective {_q(text)} uses I: {_CONSTANT_NAMES['I']}")
        elif tok.type == tokenize.STRING:
            raise InputError(
                f"objective {_q(text)} contains the string {tok.string}; pass a formula"
            )
        elif tok.type == tokenize.OP and tok.string in (".", "...", "=", ":", ";", "@", ":="):
            raise InputError(
                f"objective {_q(text)} uses {tok.string!r}, which has no meaning in a formula; "
                "write it in Python/SymPy syntax, e.g. 'x**4/4 - x**2/2 + y**2/2'"
            )
        elif tok.type == tokenize.NUMBER:
            _check_literal(tok.string, text)


def _check_literal(lit: str, text: str) -> None:
    low = lit.lower().replace("_", "")
    mant, _, exp = low.partition("e") if not low.startswith("0x") else (low, "", "")
    if exp and exp.lstrip("+-").isdigit() and abs(int(exp)) > MAX_DECIMAL_EXPONENT:
        raise InputError(
            f"the number {lit[:40]} in {_q(text)} has a decimal exponent beyond "
            f"+-{MAX_DECIMAL_EXPONENT}, the limit saddlecheck accepts; rescale the problem"
        )
    if len(mant) > 3 * MAX_BITS // 10:
        raise InputError(
            f"a number in {_q(text)} has {len(mant)} digits; numbers are limited to {MAX_BITS} "
            "bits (about 4,200 decimal digits)"
        )


def _parse(text: str, evaluate: bool) -> object:
    try:
        with warnings.catch_warnings():  # SymPy's deprecations about odd input: refused anyway
            warnings.simplefilter("error")
            return parse_expr(
                text,
                local_dict={},
                global_dict=dict(_GLOBALS if evaluate else _GLOBALS_WRITTEN),
                transformations=_TRANSFORMS,
                evaluate=evaluate,
            )
    except InputError:
        raise
    except Exception as exc:  # SymPy raises many kinds here; all mean "did not parse"
        detail = next((ln for ln in str(exc).splitlines() if ln.strip()), "")[:150]
        raise InputError(
            f"cannot parse objective {_q(text)} ({type(exc).__name__}: {detail}); "
            "write it in Python/SymPy syntax, e.g. 'x**4/4 - x**2/2 + y**2/2'"
        ) from None


def _check_kind(expr: object, text: str) -> None:
    """A parsed formula must be a SymPy expression or a condition (refused later)."""
    if isinstance(expr, sympy.Basic) and not isinstance(expr, sympy.Tuple):
        return
    kind = {bool: "a truth value (did you write '==' ?)"}.get(type(expr), type(expr).__name__)
    raise InputError(
        f"objective {_q(text)} is {kind}, not a formula; pass one real-valued expression "
        "such as 'x**2 + y**2'"
    )


def read(text: str) -> tuple[sympy.Expr, sympy.Expr]:
    """Parse ``text`` twice: as written (unevaluated) and as SymPy evaluates it.

    The written form keeps what automatic simplification would remove
    (``x**3/x``, ``sqrt(x)**4``, ``(x/x)*y**2``): the domain conditions and
    the variables come from it. Sizes are checked on the written form before
    anything is evaluated, so ``9**9**9**9`` is refused at once.

    Raises:
        InputError: see :func:`parse`.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"objective={_q(text)} is empty; pass a formula such as 'x**2 + y**2'")
    _check_tokens(text)
    written = _parse(text, evaluate=False)
    _check_kind(written, text)
    check_sizes(written, f"objective {_q(text)}")
    expr = _parse(text, evaluate=True)
    _check_kind(expr, text)
    check_sizes(expr, f"objective {_q(text)}")  # products of accepted powers can still grow
    return written, expr


def parse(text: str) -> sympy.Expr:
    """Parse a formula such as ``"x**4/4 - x^2/2 + y**2/2"`` (``^`` is power).

    Every name not followed by ``(`` is a variable, except ``pi`` and ``E``
    (Euler's number e).

    Raises:
        InputError: when the text does not parse, is not a single formula,
            uses non-ASCII characters, ``I``, attribute access or strings,
            names a variable with a leading underscore or a Python keyword, or
            exceeds the size limits (exponents ``|n| <= 1000``, numbers of at
            most 14,000 bits).
    """
    return read(text)[1]


# -- sizes --------------------------------------------------------------------------


def _too_big(what: str, where: str) -> InputError:
    return InputError(
        f"{where} contains {what}; saddlecheck accepts integer exponents |n| <= "
        f"{MAX_EXPONENT} and numbers of at most {MAX_BITS} bits (about 4,200 digits): "
        "rescale or rewrite the formula"
    )


def _bits(q: sympy.Rational) -> int:
    return max(abs(int(q.p)).bit_length(), int(q.q).bit_length())


def _small_value(e: sympy.Basic, where: str) -> sympy.Rational | None:
    """The rational value of a constant subexpression, refusing any that grows too big.

    ``None`` when it is not a rational constant (symbols, functions, pi).
    """
    if e.is_Rational:
        if _bits(e) > MAX_BITS:
            raise _too_big(f"a number of {_bits(e)} bits", where)
        return e
    if e.free_symbols or not isinstance(e, (sympy.Add, sympy.Mul, sympy.Pow)):
        return None
    vals = [_small_value(a, where) for a in e.args]
    if any(v is None for v in vals):
        return None
    if isinstance(e, sympy.Pow):
        base, ex = vals
        if not ex.is_Integer:
            return None
        if abs(ex) > MAX_EXPONENT and abs(base) != 1 and base != 0:
            raise _too_big(f"the power {_q(str(e))}", where)
        if base == 0 and ex < 0:
            return None  # a division by zero: the domain check refuses it
        out = base**ex
    elif isinstance(e, sympy.Add):
        out = sympy.Add(*vals)
    else:
        out = sympy.Mul(*vals)
    if _bits(out) > MAX_BITS:
        raise _too_big(f"the number {_q(str(e))} ({_bits(out)} bits)", where)
    return out


def check_sizes(expr: sympy.Basic, where: str) -> None:
    """Refuse numbers and exponents beyond the documented limits, without evaluating them.

    Every rational literal has at most ``MAX_BITS`` bits; every constant
    subexpression (``9**9**9``) evaluates below that size; every numeric
    exponent has ``|n| <= MAX_EXPONENT`` (``x**100000``, ``x**(-10**10)``).
    """
    stack = [expr]
    while stack:
        e = stack.pop()
        if e.is_Atom:
            if e.is_Rational and _bits(e) > MAX_BITS:
                raise _too_big(f"a number of {_bits(e)} bits", where)
            continue
        if isinstance(e, sympy.Pow) and not e.exp.free_symbols:
            val = _small_value(e.exp, where)
            trivial = e.base.is_Number and (abs(e.base) == 1 or e.base == 0)
            if val is not None and abs(val) > MAX_EXPONENT and not trivial:
                raise _too_big(f"the exponent {_q(str(e.exp))} in {_q(str(e))}", where)
            if val is not None and not e.base.free_symbols:
                _small_value(e, where)
        stack.extend(e.args)

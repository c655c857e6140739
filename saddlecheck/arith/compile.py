"""Compile symbolic expressions into Python functions over a numeric back end.

One code generator serves every back end of :mod:`saddlecheck.arith.backends`
(floats, mpmath, balls, exact rationals), so the rigorous and the precise
evaluators cannot drift apart. Expressions may come from SymPy or symengine;
common subexpressions are shared (symengine's ``cse``, or SymPy's), integer
powers go through the back end's ``ipow`` (tight on balls), and every function
that is smooth only on part of the line (``log``, ``sqrt``, division, ...)
checks its argument.

``Piecewise`` is compiled lazily: its conditions are evaluated in order and
only the chosen piece is computed, each piece with its own subexpressions, so
that ``log(x)`` in the piece for ``x > 0`` is never evaluated at ``x < 0``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import symengine as se
import sympy

from saddlecheck._validation import InputError
from saddlecheck.arith.backends import _FUNCS, Backend

_REL = {
    "StrictLessThan": "<",
    "LessThan": "<=",
    "StrictGreaterThan": ">",
    "GreaterThan": ">=",
}


@dataclass(frozen=True)
class Compiled:
    """A compiled list of expressions: ``fn(args) -> list`` on one back end."""

    fn: Callable[[Sequence], list]
    backend: Backend
    tags: tuple  # (node, replacements) per tagged call, for error messages
    source: str

    def __call__(self, args: Sequence) -> list:
        return self.fn(args)

    def describe(self, tag: int, names: dict[str, str]) -> str:
        """The sub-expression behind ``tag``, in the user's variable names."""
        node, repl = self.tags[tag]
        for sym, val in reversed(repl):
            node = node.subs({sym: val})
        text = str(node)
        for internal, user in sorted(names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(internal, user)
        return text

    def failure(self, exc: ArithmeticError, names: dict[str, str], where: str) -> InputError:
        """The ``InputError`` for a :class:`Singularity` or :class:`Straddle` raised ``where``."""
        from saddlecheck.arith.backends import Straddle

        part = self.describe(exc.tag, names)
        if isinstance(exc, Straddle):
            return InputError(
                f"the Piecewise condition {part} is undecided {where}: the region crosses the "
                "boundary between two pieces, where f need not be C^3; split the box there"
            )
        return InputError(
            f"f is not smooth {where}: {part} needs {exc.need}; "
            "shrink or move the region to avoid the singularity"
        )


def _name(e) -> str:
    return type(e).__name__


def _rational(e) -> Fraction:
    """The exact value of a numeric atom (SymPy or symengine)."""
    if isinstance(e, sympy.Basic):
        if e.is_Rational:
            return Fraction(int(e.p), int(e.q))
        return Fraction(*sympy.Rational(e).as_numer_denom())  # Float: its binary value
    if e.is_Integer:
        return Fraction(int(e))
    if e.is_Rational:
        p, q = e.get_num_den()
        return Fraction(int(p), int(q))
    return Fraction(float(e))  # RealDouble: the binary64 value


def _cse(exprs: list, library: str):
    if library == "symengine":
        return se.cse(exprs)
    return sympy.cse(exprs, symbols=sympy.numbered_symbols("_sc_cse"), order="none")


class _Generator:
    def __init__(self, backend: Backend, library: str, nvars: int):
        self.B = backend
        self.library = library
        self.nvars = nvars
        self.consts: dict[Fraction, str] = {}
        self.namespace: dict[str, object] = {"B": backend}
        self.tags: list = []
        self.lines: list[str] = []
        self.npw = 0
        self._repl: list = []

    # -- names -------------------------------------------------------------
    def _sym(self, e) -> str:
        name = str(e)
        if name.startswith("_sc_v"):
            return "v" + name[5:]
        if name.startswith("_sc_pw"):
            return "pw" + name[6:]
        return "c_" + name

    def _const(self, q: Fraction) -> str:
        if q not in self.consts:
            name = f"K{len(self.consts)}"
            self.consts[q] = name
            self.namespace[name] = self.B.const(q.numerator, q.denominator)
        return self.consts[q]

    def _tag(self, node) -> int:
        self.tags.append((node, list(self._repl)))
        return len(self.tags) - 1

    # -- expressions ---------------------------------------------------------
    def code(self, e) -> str:
        name = _name(e)
        if e.is_Symbol:
            return self._sym(e)
        if name in ("Pi", "Exp1") or (name == "Constant" and str(e) in ("pi", "E")):
            key = "PI" if str(e) == "pi" else "EE"
            if key not in self.namespace:
                self.namespace[key] = self.B.pi() if key == "PI" else self.B.e()
            return key
        if name in ("BooleanTrue", "BooleanFalse", "BooleanAtom"):
            return "True" if bool(e) else "False"
        if e.is_Number:
            return self._const(_rational(e))
        args = e.args
        if name == "Add":
            return "(" + " + ".join(self.code(a) for a in args) + ")"
        if name == "Mul":
            return "(" + " * ".join(self.code(a) for a in args) + ")"
        if name == "Pow":
            base, ex = args
            if _name(base) in ("Exp1",) or (_name(base) == "Constant" and str(base) == "E"):
                return f"B.exp({self.code(ex)}, {self._tag(e)})"
            if ex.is_Number and ex.is_Integer:
                return f"B.ipow({self.code(base)}, {int(ex)}, {self._tag(e)})"
            if ex.is_Number and _rational(ex) == Fraction(1, 2):
                return f"B.sqrt({self.code(base)}, {self._tag(e)})"
            return f"B.pow({self.code(base)}, {self.code(ex)}, {self._tag(e)})"
        if name in _REL:
            a, b = args
            return f"B.cmp({_REL[name]!r}, {self.code(a)}, {self.code(b)}, {self._tag(e)})"
        if name in ("And", "Or"):
            op = "and_" if name == "And" else "or_"
            return f"B.{op}(" + ", ".join(self.code(a) for a in args) + ")"
        if name == "Not":
            return f"B.not_({self.code(args[0])})"
        if name == "Abs":  # only reachable inside Piecewise conditions
            return f"abs({self.code(args[0])})"
        if name in _FUNCS and len(args) == 1:
            return f"B.{name}({self.code(args[0])}, {self._tag(e)})"
        raise TypeError(f"cannot compile {name}: {e}")

    # -- blocks with shared subexpressions and lazy Piecewise ---------------
    def _hide_piecewise(self, e, found: dict):
        if _name(e) == "Piecewise":
            if e not in found:
                found[e] = (sympy.Symbol if self.library == "sympy" else se.Symbol)(
                    f"_sc_pw{self.npw}"
                )
                self.npw += 1
            return found[e]
        if not e.args or e.is_Number or e.is_Symbol:
            return e
        new_args = [self._hide_piecewise(a, found) for a in e.args]
        if all(a is b for a, b in zip(new_args, e.args, strict=True)):
            return e
        return e.func(*new_args)

    def block(self, exprs: list, indent: str) -> list[str]:
        found: dict = {}
        hidden = [self._hide_piecewise(e, found) for e in exprs]
        for pw, sym in found.items():
            self._piecewise(pw, self._sym(sym), indent)
        repl, reduced = _cse(hidden, self.library) if hidden else ([], [])
        saved = self._repl
        self._repl = saved + list(repl)
        for sym, val in repl:
            self.lines.append(f"{indent}{self._sym(sym)} = {self.code(val)}")
        out = [self.code(r) for r in reduced]
        self._repl = saved
        return out

    def _piecewise(self, pw, target: str, indent: str) -> None:
        fname = f"_f_{target}"
        self.lines.append(f"{indent}def {fname}():")
        inner = indent + "    "
        for expr, cond in pieces_of(pw):
            if _name(cond) in ("BooleanTrue",) or (_name(cond) == "BooleanAtom" and bool(cond)):
                (res,) = self.block([expr], inner)
                self.lines.append(f"{inner}return {res}")
                break
            self.lines.append(f"{inner}if {self.code(cond)}:")
            (res,) = self.block([expr], inner + "    ")
            self.lines.append(f"{inner}    return {res}")
        else:
            self.lines.append(
                f"{inner}raise _Singularity('Piecewise', {self._tag(pw)}, "
                "'a piece whose condition holds')"
            )
        self.lines.append(f"{indent}{target} = {fname}()")


def pieces_of(pw) -> list[tuple]:
    """The ``(expr, cond)`` pairs of a Piecewise from SymPy or symengine (flat args)."""
    args = list(pw.args)
    if args and _name(args[0]) == "ExprCondPair":
        return [tuple(a.args) for a in args]
    return list(zip(args[::2], args[1::2], strict=True))


def compile_exprs(exprs: Sequence, nvars: int, backend: Backend, library: str) -> Compiled:
    """Compile ``exprs`` (in variables named ``_sc_v0``, ``_sc_v1``, ...) for ``backend``.

    Args:
        exprs: SymPy or symengine expressions; the variables must already be
            renamed to ``_sc_v{i}`` so that generated names cannot collide.
        nvars: the number of variables; the function takes a sequence of them.
        backend: the number type and its functions.
        library: ``"symengine"`` or ``"sympy"``, whichever built ``exprs``.

    Returns:
        A :class:`Compiled` whose call maps back-end numbers to a list of results.

    Examples:
        >>> import symengine as se
        >>> from saddlecheck.arith.backends import BACKENDS
        >>> v0 = se.Symbol("_sc_v0")
        >>> f = compile_exprs([v0**2 / 3], 1, BACKENDS["exact"], "symengine")
        >>> f([BACKENDS["exact"].const(3)])
        [3]
    """
    from saddlecheck.arith.backends import Singularity

    gen = _Generator(backend, library, nvars)
    results = gen.block(list(exprs), "    ")
    unpack = ", ".join(f"v{i}" for i in range(nvars))
    head = ["def _generated(X):"]
    if nvars:
        head.append(f"    ({unpack},) = X")
    source = "\n".join([*head, *gen.lines, "    return [" + ", ".join(results) + "]"])
    namespace = dict(gen.namespace, _Singularity=Singularity)
    exec(compile(source, "<saddlecheck-generated>", "exec"), namespace)
    return Compiled(namespace["_generated"], backend, tuple(gen.tags), source)

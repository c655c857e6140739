"""The objective ``f: R^d -> R``: symbolic derivatives and compiled evaluators.

An :class:`Objective` is parsed and validated once (see ``_expression.py``),
differentiated with symengine (SymPy as the fallback for what symengine cannot
express), and evaluated on four back ends, each compiled lazily on first use
and cached:

* float64: symengine's LLVM ``Lambdify`` with common-subexpression elimination;
* mpmath at ``dps`` digits (``value/grad/hess(x, dps=30)``);
* balls (python-flint ``arb``), outward rounded, over a :class:`~saddlecheck.Box`
  or at an exact point: :meth:`Objective.enclose`;
* exact rationals for rational functions with rational coefficients:
  :meth:`Objective.exact`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import cached_property

import flint
import mpmath
import numpy as np
import symengine as se
import sympy

from saddlecheck import _expression
from saddlecheck._validation import InputError, check_dps, check_float_point, check_point
from saddlecheck.arith.backends import BACKENDS, Singularity, Straddle
from saddlecheck.arith.compile import Compiled, compile_exprs
from saddlecheck.box import Box
from saddlecheck.domain import Domain, collect

_KINDS = ("value", "grad", "hess", "d3")


class Objective:
    """A smooth real function of named variables, with its derivatives.

    Proofs check first that ``f`` is real and ``C^3`` there: the conditions of
    :attr:`domain`, from the formula as written. ``obj(x)`` is ``obj.value(x)``.

    Args:
        expr: a formula string (``"x**4/4 - x**2/2 + y**2/2"``; ``^`` means
            power; decimals are read exactly; ``E`` is Euler's number, ``pi``
            is pi, ``I`` is refused) or a SymPy expression (plain or ``real=True``
            symbols; its domain conditions are those of the expression received).
        variables: the variables in order (Symbols or names); default: the
            free symbols of the formula as written, sorted by name
            (``"(x/x)*y**2"`` has the variables ``x`` and ``y``).

    Raises:
        InputError: unparseable text, non-smooth or unknown functions,
            non-real numbers or constants (``acos(2)``, ``(-1)**(1/3)``),
            symbols that are not variables or carry SymPy assumptions,
            non-ASCII names, sizes beyond the limits (integer exponents
            ``|n| <= 1000``, numbers of at most 14,000 bits).

    Examples:
        >>> obj = Objective("x**4/4 - x**2/2 + y**2/2")
        >>> obj.variables, obj.dim
        ((x, y), 2)
        >>> obj.grad([2.0, 1.0]).tolist()
        [6.0, 1.0]
        >>> obj.hessian
        Matrix([
        [3*x**2 - 1, 0],
        [         0, 1]])
    """

    def __init__(self, expr: object, variables: Sequence | None = None, *, engine: str = "auto"):
        written, sym = _expression.read_objective(expr)
        written, sym = _expression.exact_floats(written), _expression.exact_floats(sym)
        _expression.check_smooth(sym, "the objective")
        if written is not sym:
            _expression.check_smooth(written, "the objective")
        self._expr = sym
        self._written = written
        self._variables = _expression.check_variables(written, variables)
        self.domain.require_real_constants()  # acos(2), (-1)**(1/3), (-2)**x: InputError
        self._internal = tuple(sympy.Symbol(f"_sc_v{i}") for i in range(self.dim))
        rename = dict(zip(self._variables, self._internal, strict=True))
        if engine not in ("auto", "symengine", "sympy"):
            raise InputError(f"engine={engine!r} must be 'auto', 'symengine' or 'sympy'")
        self._engine = "sympy"
        if engine != "sympy":
            try:  # rename in symengine: SymPy's xreplace re-evaluates every node (slow on big f)
                se_rename = {se.sympify(k): se.sympify(v) for k, v in rename.items()}
                self._f = se.sympify(sym).xreplace(se_rename)
                self._engine = "symengine"
            except Exception:  # symengine cannot express it: SymPy is the fallback
                if engine == "symengine":
                    raise InputError("symengine cannot represent this objective") from None
        if self._engine == "sympy":
            self._f = sym.xreplace(rename)
        self._vars = tuple(
            (se.Symbol if self._engine == "symengine" else sympy.Symbol)(s.name)
            for s in self._internal
        )
        self._cache: dict = {}

    @classmethod
    def from_jax(cls, fn, example_input: object) -> Objective:
        """The objective ``fn(params)`` as JAX traces it (optional extra ``saddlecheck[jax]``).

        Exact reals, exact constants (a float32 holds a rational), variables named
        after the pytree's key paths in ``ravel_pytree`` order; non-smooth primitives
        raise ``InputError``. See :mod:`saddlecheck.frontends.jax_trace`.
        """
        from saddlecheck.frontends.jax_trace import from_jax

        return from_jax(fn, example_input, cls=cls)

    # -- pickling (for process pools): rebuild the compiled parts lazily -----
    def __getstate__(self) -> dict:
        keys = ("expr", "variables", "engine", "written")
        return {k: getattr(self, "_" + k) for k in keys} | {"conditions": self.domain.conditions}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["expr"], state["variables"], engine=state["engine"])
        self._written = state.get("written", self._expr)
        self.__dict__["domain"] = Domain(state.get("conditions", ()), self._variables)

    def __call__(self, x: object, dps: int | None = None):  # obj(x) is obj.value(x)
        return self.value(x, dps)

    def __repr__(self) -> str:
        return f"Objective({str(self._expr)!r}, variables={self.variable_names!r})"

    # -- symbolic ------------------------------------------------------------
    @property
    def expr(self) -> sympy.Expr:
        """The objective as a SymPy expression (floats replaced by exact rationals)."""
        return self._expr

    @property
    def written(self) -> sympy.Expr:
        """``f`` as written, before SymPy simplifies it (``"x**3/x"`` stays ``x**3/x``)."""
        return self._written

    @cached_property
    def domain(self) -> Domain:
        """Where ``f`` is real and ``C^3``: ``.conditions`` (``kind``, ``expr``, ``reason``),
        proved by ``.at_point(x)`` / ``.on_box(box)`` (see :mod:`saddlecheck.domain`).

        >>> [c.describe() for c in Objective("log(x**2 - 1) + 2*x**2").domain.conditions]
        ['x**2 - 1 > 0 (argument of log)']
        """
        return Domain(collect(self._written), self._variables)

    @property
    def variables(self) -> tuple[sympy.Symbol, ...]:
        return self._variables

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self._variables)

    @property
    def dim(self) -> int:
        return len(self._variables)

    @property
    def engine(self) -> str:
        """``"symengine"`` or ``"sympy"`` (the fallback), whichever differentiates."""
        return self._engine

    def to_string(self, *, written: bool = False) -> str:
        """A string that ``Objective(s, variables=self.variable_names)`` parses back;
        ``written=True`` keeps the formula as written where simplifying it lost a
        domain condition (``"x**3/x"``), as certificates need."""
        lost = written and set(collect(self._expr)) != set(self.domain.conditions)
        return sympy.sstr(self._written if lost else self._expr, full_prec=True)

    @cached_property
    def _grad_exprs(self) -> list:
        return [self._f.diff(v) for v in self._vars]

    @cached_property
    def _hess_exprs(self) -> list[list]:
        """The Hessian, each entry below the diagonal shared with its mirror."""
        g = self._grad_exprs
        h = [[None] * self.dim for _ in range(self.dim)]
        for i in range(self.dim):
            for j in range(i, self.dim):
                h[i][j] = h[j][i] = g[i].diff(self._vars[j])
        return h

    @cached_property
    def _d3_exprs(self) -> dict[tuple[int, int, int], object]:
        """Third derivatives for ``i <= j <= k`` (the tensor is symmetric)."""
        h = self._hess_exprs
        return {
            (i, j, k): h[i][j].diff(self._vars[k])
            for i, j, k in itertools.combinations_with_replacement(range(self.dim), 3)
        }

    def _to_user(self, e) -> sympy.Expr:
        return sympy.sympify(e).xreplace(dict(zip(self._internal, self._variables, strict=True)))

    @cached_property
    def gradient(self) -> sympy.Matrix:
        """The gradient as a SymPy column matrix."""
        return sympy.Matrix([self._to_user(g) for g in self._grad_exprs])

    @cached_property
    def hessian(self) -> sympy.Matrix:
        """The Hessian as a symmetric SymPy matrix."""
        return sympy.Matrix(self.dim, self.dim, lambda i, j: self._to_user(self._hess_exprs[i][j]))

    def third_derivatives(self) -> sympy.Array:
        """The symmetric tensor ``D^3 f`` as a SymPy ``Array`` of shape ``(d, d, d)``."""
        d3 = self._d3_exprs
        return sympy.Array(
            [
                [
                    [self._to_user(d3[tuple(sorted((i, j, k)))]) for k in range(self.dim)]
                    for j in range(self.dim)
                ]
                for i in range(self.dim)
            ]
        )

    # -- structure -------------------------------------------------------------
    @cached_property
    def _structure(self) -> dict[str, bool]:
        return _expression.structure_flags(self._expr)

    @property
    def is_rational(self) -> bool:
        """A rational function with rational coefficients: exact evaluation applies."""
        s = self._structure
        return not (s["transcendental"] or s["piecewise"])

    @property
    def is_polynomial(self) -> bool:
        """A polynomial with rational coefficients.

        >>> Objective("x**3 - 3*x*y**2").is_polynomial, Objective("1/x").is_polynomial
        (True, False)
        """
        return self.is_rational and not self._structure["negative_power"]

    @cached_property
    def degree(self) -> int | None:
        """Total degree for a polynomial, else ``None``."""
        if not self.is_polynomial:
            return None
        return sympy.Poly(self._expr, *self._variables).total_degree()

    # -- compiled evaluators --------------------------------------------------
    def _exprs(self, kind: str) -> list:
        if kind == "value":
            return [self._f]
        if kind == "grad":
            return self._grad_exprs
        if kind == "hess":
            return [self._hess_exprs[i][j] for i in range(self.dim) for j in range(i, self.dim)]
        if kind == "d3":
            return list(self._d3_exprs.values())
        raise InputError(f"kind={kind!r} must be one of {_KINDS}")

    def _compiled(self, kind: str, backend: str, prec: int = 53) -> Compiled:
        key = (kind, backend, prec)
        if key not in self._cache:
            exprs = self._exprs(kind)
            if backend == "mpmath":
                with mpmath.workprec(prec):
                    fn = compile_exprs(exprs, self.dim, BACKENDS[backend], self._engine)
            elif backend == "ball":
                with flint.ctx.workprec(prec):
                    fn = compile_exprs(exprs, self.dim, BACKENDS[backend], self._engine)
            else:
                fn = compile_exprs(exprs, self.dim, BACKENDS[backend], self._engine)
            self._cache[key] = fn
        return self._cache[key]

    def _lambdified(self, kind: str):
        """The raw float64 evaluator ``x -> array`` (no checks); used in hot loops."""
        key = (kind, "llvm")
        if key not in self._cache:
            self._cache[key] = self._make_float(kind)
        return self._cache[key]

    def _make_float(self, kind: str):
        d = self.dim
        if self._engine == "symengine":
            exprs = (
                [self._hess_exprs[i][j] for i in range(d) for j in range(d)]
                if kind == "hess"
                else self._exprs(kind)
            )
            lam = se.Lambdify(list(self._vars), exprs, backend="llvm", cse=True, real=True)
            if kind == "value":
                return lambda x: lam(x)[0]
            if kind == "hess":
                return lambda x: lam(x).reshape(d, d)
            return lam
        fn = self._compiled(kind, "float")
        unpack = self._unpack_triangle
        if kind == "value":
            return lambda x: fn(x.tolist())[0]
        if kind == "hess":
            return lambda x: np.array(unpack(fn(x.tolist())), dtype=np.float64)
        return lambda x: np.array(fn(x.tolist()), dtype=np.float64)

    def _unpack_triangle(self, flat: list) -> list[list]:
        d, it = self.dim, iter(flat)
        h = [[None] * d for _ in range(d)]
        for i in range(d):
            for j in range(i, d):
                h[i][j] = h[j][i] = next(it)
        return h

    def _shape(self, kind: str, flat: list):
        if kind == "value":
            return flat[0]
        if kind == "grad":
            return flat
        if kind == "hess":
            return self._unpack_triangle(flat)
        d3, d = dict(zip(self._d3_exprs, flat, strict=True)), self.dim
        return [
            [[d3[tuple(sorted((i, j, k)))] for k in range(d)] for j in range(d)] for i in range(d)
        ]

    def _describe_failure(self, exc: ArithmeticError, fn: Compiled, where: str) -> InputError:
        return fn.failure(exc, {f"_sc_v{i}": n for i, n in enumerate(self.variable_names)}, where)

    # -- numeric evaluation ----------------------------------------------------
    def _point_eval(self, kind: str, x: object, dps: int | None):
        dps = check_dps(dps)
        if dps is None:
            xf = check_float_point(x, self.dim)
            try:
                out = self._lambdified(kind)(xf)
            except Singularity as exc:
                raise self._describe_failure(
                    exc, self._compiled(kind, "float"), f"at x={xf.tolist()}"
                ) from None
            if not np.all(np.isfinite(out)):
                raise InputError(
                    f"f's {kind} is not finite at x={xf.tolist()}: the objective is singular "
                    "or overflows there; move the point"
                )
            return float(out) if kind == "value" else out
        q = check_point(x, self.dim)
        prec = mpmath.libmp.dps_to_prec(dps)
        fn = self._compiled(kind, "mpmath", prec)
        with mpmath.workprec(prec):
            args = [BACKENDS["mpmath"].point(v) for v in q]
            try:
                flat = fn(args)
            except Singularity as exc:
                raise self._describe_failure(exc, fn, f"at x={[float(v) for v in q]}") from None
        out = self._shape(kind, flat)
        return out if kind == "value" else np.array(out, dtype=object)

    def value(self, x: object, dps: int | None = None):
        """``f(x)``: a float (``dps=None``) or an ``mpf`` with ``dps`` digits."""
        return self._point_eval("value", x, dps)

    def grad(self, x: object, dps: int | None = None) -> np.ndarray:
        """The gradient at ``x``: float64 array, or object array of ``mpf`` at ``dps``."""
        return self._point_eval("grad", x, dps)

    def hess(self, x: object, dps: int | None = None) -> np.ndarray:
        """The Hessian at ``x``: ``(d, d)`` float64 array, or ``mpf`` objects at ``dps``."""
        return self._point_eval("hess", x, dps)

    def enclose(self, kind: str, region: object, prec: int = 53):
        """Rigorous ball enclosures of ``f``, its gradient, Hessian or ``D^3 f``.

        Args:
            kind: ``"value"``, ``"grad"``, ``"hess"`` or ``"d3"``.
            region: a :class:`Box` (every point of it) or an exact point.
            prec: working precision in bits.

        Returns:
            ``flint.arb`` (value), a list (grad), nested lists (hess: d x d,
            d3: d x d x d); each ball contains the exact value at every point of
            the region.

        Raises:
            InputError: the region reaches a singularity, crosses a Piecewise
                boundary, or has the wrong dimension.

        Examples:
            >>> from saddlecheck import Box
            >>> Objective("x**2").enclose("value", Box([(-1, 2)]))
            [+/- 4.01]
        """
        if kind not in _KINDS:
            raise InputError(f"kind={kind!r} must be one of {_KINDS}")
        fn = self._compiled(kind, "ball", prec)
        with flint.ctx.workprec(prec):
            if isinstance(region, Box):
                if region.dim != self.dim:
                    raise InputError(
                        f"the box has dimension {region.dim} but the objective has {self.dim} "
                        "variables"
                    )
                args = [
                    flint.arb(flint.fmpq(lo.numerator, lo.denominator)).union(
                        flint.arb(flint.fmpq(hi.numerator, hi.denominator))
                    )
                    for lo, hi in region.intervals
                ]
            else:
                region = check_point(region, self.dim)
                args = [BACKENDS["ball"].point(v) for v in region]
            try:
                flat = fn(args)
            except (Singularity, Straddle) as exc:
                raise self._describe_failure(exc, fn, _where(region)) from None
        for a in flat:
            if not a.is_finite():
                raise InputError(f"f's {kind} is not finite {_where(region)}; shrink the region")
        return self._shape(kind, flat)

    def exact(self, kind: str, x: object):
        """Exact ``fmpq`` value, gradient or Hessian at an exact point.

        Only for rational functions with rational coefficients (``is_rational``).

        >>> Objective("x**3/3 - x*y").exact("grad", ["1/2", 2])
        [-7/4, -1/2]
        """
        if not self.is_rational:
            raise InputError(
                "exact evaluation needs a rational function with rational coefficients; "
                "use enclose() for this objective"
            )
        if kind not in _KINDS:
            raise InputError(f"kind={kind!r} must be one of {_KINDS}")
        q = check_point(x, self.dim)
        fn = self._compiled(kind, "exact")
        try:
            flat = fn([BACKENDS["exact"].point(v) for v in q])
        except Singularity as exc:
            raise self._describe_failure(exc, fn, f"at x={[str(v) for v in q]}") from None
        return self._shape(kind, flat)


def _where(region: Box | tuple) -> str:
    """Where an evaluation failed, for messages (built only when one is raised)."""
    if isinstance(region, Box):
        return f"on {region}"
    return f"at x={[float(v) for v in region]}"

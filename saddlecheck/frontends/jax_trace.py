"""Objectives traced from JAX: a jaxpr read as an exact symbolic expression.

:meth:`Objective.from_jax` calls :func:`from_jax` here. ``fn(params)`` is traced
once with ``jax.make_jaxpr`` (64-bit types enabled for the trace only), and its
jaxpr is interpreted equation by equation over NumPy object arrays of
symengine expressions:

* each parameter entry becomes a plain symbol, in JAX's flattening order (the
  order of ``jax.flatten_util.ravel_pytree``: the pytree's leaves in
  ``tree_flatten`` order, each leaf row-major), named after the leaf's key path
  (``{'W1': w}`` gives ``W1_0_0, W1_0_1, ...``);
* every constant (closed-over data, literals) becomes the exact rational number
  its float holds: a float32 ``0.1`` is ``13421773/134217728``, not ``1/10``;
* every primitive is a real operation on exact reals: ``add`` is ``+`` with no
  rounding, ``convert_element_type`` between float types is the identity.

So the objective is the function *as traced*, with exact constants and exact
arithmetic, not the float32 (or float64) rounding of the user's code; a
certificate is a statement about that function. Sums stay sums (nothing is
expanded) and subexpressions are shared, so the derivatives of a small MLP
loss over tens of data points stay compact.

Only smooth primitives are interpreted (``jaxpr_ops.SUPPORTED``); calls
(``jit``, ``custom_jvp_call``, ``custom_vjp_call``, ...) are inlined, which
ignores any custom derivative rule: derivatives are those of the traced body;
``scan`` (``fori_loop`` with static bounds) is unrolled. Integer and boolean
equations (``iota``, index arithmetic, masks: ``jnp.eye``, ``jnp.arange``)
never depend on the parameters and are evaluated exactly by JAX, and
``select_n`` with such a constant mask picks per entry. Anything else
(``max``, ``abs``, comparisons of parameter values and ``jnp.where`` on them,
``while_loop``, randomness, ...) raises :class:`~saddlecheck.InputError` naming
the primitive and the line of user code it came from: a certificate would not
be about a C^3 function.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable

import numpy as np
import symengine as se
import sympy

from saddlecheck._validation import InputError, check_point
from saddlecheck.box import Box
from saddlecheck.frontends import jaxpr_ops
from saddlecheck.frontends.dag_derivatives import Unsupported, derivatives, post_order
from saddlecheck.objective import Objective

INSTALL_HINT = "pip install 'saddlecheck[jax]'"
_RESERVED_NAMES = {"E", "pi", "I", "oo", "nan", "zoo", "True", "False", "S", "N", "O", "Q"}
_CALL_PARAMS = ("jaxpr", "call_jaxpr", "fun_jaxpr")


def import_jax():
    """``jax``, or an ``ImportError`` that says how to install the optional extra."""
    try:
        import jax
    except ImportError:
        raise ImportError(
            "Objective.from_jax needs jax, which is not installed; install the optional extra "
            f"with `{INSTALL_HINT}` (or `pip install jax`)"
        ) from None
    return jax


# ------------------------------------------------------------ parameter names


def _key_text(key: object) -> str:
    for attr in ("key", "idx", "name"):
        if hasattr(key, attr):
            return str(getattr(key, attr))
    return str(key)


def _base_name(path: tuple) -> str:
    text = "_".join(_key_text(k) for k in path)
    text = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
    text = re.sub(r"_+", "_", text)
    if not text:
        return "x"
    return "p" + text if text[0].isdigit() else text


def _names(paths_shapes: list[tuple[tuple, tuple]]) -> list[str]:
    """One identifier per parameter entry, unique, none reserved by the parser."""
    from saddlecheck._expression import _GLOBALS

    taken: set[str] = set()
    out = []
    for path, shape in paths_shapes:
        base = _base_name(path)
        for index in np.ndindex(*shape):
            name = "_".join([base, *map(str, index)])
            if keyword.iskeyword(name) or name in _RESERVED_NAMES or name in _GLOBALS:
                name += "_"
            unique, k = name, 2
            while unique in taken:
                unique, k = f"{name}_{k}", k + 1
            taken.add(unique)
            out.append(unique)
    return out


# ------------------------------------------------------------ the objective


class TracedObjective(Objective):
    """An :class:`Objective` read from a JAX trace.

    Everything is the base class's, except at a single point: ``enclose`` and
    ``exact`` of the value, gradient and Hessian come from automatic
    differentiation over the expression DAG (see
    :mod:`saddlecheck.frontends.dag_derivatives`) in balls or exact rationals,
    as rigorous as the symbolic path and without compiling ``d^2`` symbolic
    entries; ``hess(x)`` in float64 is the midpoint of the 53-bit balls.
    Boxes, third derivatives and anything the sweep does not handle go to the
    symbolic evaluators.
    """

    def _sweep(self, kind: str, x: object, prec: int, exact: bool):
        if kind not in ("value", "grad", "hess") or self.engine != "symengine":
            return None
        q = check_point(x, self.dim)
        try:
            return derivatives(self._f, self._vars, q, kind, prec, exact=exact)
        except Unsupported:
            return None

    def enclose(self, kind: str, region: object, prec: int = 53):
        out = None if isinstance(region, Box) else self._sweep(kind, region, prec, False)
        return super().enclose(kind, region, prec) if out is None else out

    def exact(self, kind: str, x: object):
        out = self._sweep(kind, x, 0, True) if self.is_rational else None
        return super().exact(kind, x) if out is None else out

    def hess(self, x: object, dps: int | None = None) -> np.ndarray:
        if dps is None:
            H = self._sweep("hess", np.asarray(x, dtype=np.float64).tolist(), 53, False)
            if H is not None:
                return np.array([[float(h.mid()) for h in row] for row in H])
        return super().hess(x, dps)


def _sympy_of(expr: se.Basic) -> sympy.Expr:
    """``expr`` in SymPy, node by node without re-evaluation (symengine's form is canonical)."""
    out: dict = {}
    for node in post_order(expr):
        args = [out[a] for a in node.args]
        if node.is_Symbol:
            out[node] = sympy.Symbol(node.name)
        elif node.is_Number or not node.args:
            out[node] = sympy.sympify(node)
        elif node.is_Add:
            out[node] = sympy.Add(*args, evaluate=False)
        elif node.is_Mul:
            out[node] = sympy.Mul(*args, evaluate=False)
        elif node.is_Pow:
            if node.args[0] == se.E:
                out[node] = sympy.exp(args[1], evaluate=False)
            else:
                out[node] = sympy.Pow(*args, evaluate=False)
        else:
            out[node] = getattr(sympy, type(node).__name__)(*args, evaluate=False)
    return out[expr]


# ---------------------------------------------------------------- interpreter


def _location(eqn: object) -> str:
    """``file:line (function)`` of the user code that emitted ``eqn``, if JAX knows it."""
    try:
        from jax._src import source_info_util  # private, but the only way to the frame

        text = source_info_util.summarize(eqn.source_info)
    except Exception:  # any JAX version without it: the message omits the line
        return ""
    return "" if not text or text.startswith("unknown") else f"at {text}"


def _body(eqn: object):
    """The inner jaxpr and its constants of a call primitive (``jit``, ``custom_jvp_call``)."""
    for key in _CALL_PARAMS:
        inner = eqn.params.get(key)
        if inner is None:
            continue
        if hasattr(inner, "consts") and hasattr(inner, "jaxpr"):
            return inner.jaxpr, list(inner.consts)
        if hasattr(inner, "eqns"):
            return inner, []
    return None, []


def _call_name(eqn: object, jaxpr: object) -> str:
    name = eqn.params.get("name")
    if not name:
        info = getattr(jaxpr, "debug_info", None)
        name = str(getattr(info, "func_src_info", "") or "").split(" ")[0]
    return f"{eqn.primitive.name} {name!r}" if name else eqn.primitive.name


class _Interpreter:
    """Evaluates a jaxpr over exact object arrays, inlining calls."""

    def __init__(self, jax: object, jax_core: object):
        self.jax = jax
        self.literal = jax_core.Literal
        self.dropvar = jax_core.DropVar

    def run(self, jaxpr, consts: list, args: list[np.ndarray], context: tuple) -> list:
        env: dict = {}
        where_consts = "a constant " + (f"in {context[-1]}" if context else "of fn")
        for var, value in zip(jaxpr.constvars, consts, strict=True):
            env[var] = jaxpr_ops.constant(value, where_consts)
        for var, value in zip(jaxpr.invars, args, strict=True):
            env[var] = value
        for eqn in jaxpr.eqns:
            where = ", ".join(filter(None, [_location(eqn), *(f"in {c}" for c in context)]))
            ins = [self._read(env, v, where) for v in eqn.invars]
            outs = self._equation(eqn, ins, where or "location unknown", context)
            for var, value in zip(eqn.outvars, outs, strict=True):
                if not isinstance(var, self.dropvar):
                    _check_shape(eqn, var, value)
                    env[var] = value
        return [self._read(env, v, "an output") for v in jaxpr.outvars]

    def _read(self, env: dict, var: object, where: str) -> np.ndarray:
        if isinstance(var, self.literal):
            return jaxpr_ops.constant(var.val, where)
        return env[var]

    def _equation(self, eqn, ins: list, where: str, context: tuple) -> list:
        name = eqn.primitive.name
        if name == "scan":
            return self._scan(eqn, ins, (*context, f"scan of length {eqn.params['length']}"))
        if name in jaxpr_ops.CALLS:
            jaxpr, consts = _body(eqn)
            if jaxpr is not None:
                called = " ".join(filter(None, [_call_name(eqn, jaxpr), _location(eqn)]))
                return self.run(jaxpr, consts, ins, (*context, called))
        if all(_integral(v) for v in (*eqn.invars, *eqn.outvars)):
            return self._fold(eqn, ins, where)
        if name == "select_n" and not _depends(ins[0]):
            return [jaxpr_ops.select(ins[0], ins[1:])]
        if name not in jaxpr_ops.SUPPORTED:
            jaxpr_ops.apply(name, ins, eqn.params, where)  # raises, naming the primitive
        for out in eqn.outvars:
            dtype = out.aval.dtype
            if (
                name != "convert_element_type"
                and not jaxpr_ops.is_float(dtype)
                and any(_depends(a) for a in ins)
            ):
                raise InputError(
                    f"the traced function computes a {dtype} value from the parameters "
                    f"with {name!r} ({where}); saddlecheck needs real floating-point "
                    "arithmetic: keep the loss in float32/float64"
                )
        out = jaxpr_ops.apply(name, ins, eqn.params, where)
        return list(out) if eqn.primitive.multiple_results else [out]

    def _fold(self, eqn, ins: list, where: str) -> list:
        """Integers and booleans only (indices, masks, ``jnp.eye``): JAX computes them exactly."""
        args = [
            np.array([int(v) for v in a.ravel()], dtype=np.dtype(var.aval.dtype)).reshape(a.shape)
            for a, var in zip(ins, eqn.invars, strict=True)
        ]
        try:
            with self.jax.enable_x64(True):
                outs = eqn.primitive.bind(*args, **eqn.params)
        except Exception as exc:  # JAX could not run it eagerly: no exact value to use
            raise InputError(
                f"the traced function computes integers with {eqn.primitive.name!r} ({where}) "
                f"that saddlecheck could not evaluate ({type(exc).__name__}: {exc})"
            ) from exc
        outs = outs if eqn.primitive.multiple_results else [outs]
        return [jaxpr_ops.constant(np.asarray(o), where) for o in outs]

    def _scan(self, eqn, ins: list, context: tuple) -> list:
        """``lax.scan`` (and ``fori_loop`` with static bounds), unrolled: its length is static."""
        p = eqn.params
        body, n_consts, n_carry = p["jaxpr"], p["num_consts"], p["num_carry"]
        consts, carry, xs = (
            ins[:n_consts],
            ins[n_consts : n_consts + n_carry],
            ins[n_consts + n_carry :],
        )
        steps = range(p["length"])
        ys = []
        for i in reversed(steps) if p["reverse"] else steps:
            args = [*consts, *carry, *(x[i, ...] for x in xs)]
            out = self.run(body.jaxpr, list(body.consts), args, context)
            carry, y = out[:n_carry], out[n_carry:]
            ys.append(y)
        if p["reverse"]:
            ys.reverse()
        stacked = []
        for k, var in enumerate(eqn.outvars[n_carry:]):
            shape = tuple(var.aval.shape)
            stacked.append(np.stack([y[k] for y in ys]) if ys else np.empty(shape, dtype=object))
        return [*carry, *stacked]


def _integral(var: object) -> bool:
    """An integer or boolean JAX value (never a function of the float parameters)."""
    try:
        return np.dtype(var.aval.dtype).kind in "biu"
    except TypeError:  # PRNG keys and other extended dtypes
        return False


def _depends(a: np.ndarray) -> bool:
    return any(getattr(x, "free_symbols", None) for x in a.ravel())


def _check_shape(eqn: object, var: object, value: np.ndarray) -> None:
    """Our result must have JAX's shape; anything else is a bug here, never a certificate."""
    shape = tuple(getattr(var.aval, "shape", ()))
    if value.shape != shape:
        raise RuntimeError(
            f"saddlecheck read {eqn.primitive.name} with shape {value.shape}, JAX says {shape}; "
            "please report this bug"
        )


# ------------------------------------------------------------------ tracing


def _trace(jax, fn: Callable, example_input: object):
    """``jax.make_jaxpr(fn)(example_input)`` with 64-bit types, errors as ``InputError``."""
    try:
        return jax.make_jaxpr(fn)(example_input)
    except (
        jax.errors.ConcretizationTypeError,
        jax.errors.TracerBoolConversionError,
        jax.errors.TracerIntegerConversionError,
        jax.errors.TracerArrayConversionError,
    ) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"fn cannot be traced with jax.make_jaxpr ({type(exc).__name__}: {first}); it "
            "branches in Python on parameter values or converts them to NumPy: write it with "
            "jax.numpy operations only"
        ) from exc
    except Exception as exc:  # the user's code failed: say so, keep the cause chained
        raise InputError(
            f"tracing fn(example_input) raised {type(exc).__name__}: {exc}; fn must take the "
            "parameter pytree and return a scalar loss"
        ) from exc


def _leaves(jax, example_input: object) -> list[tuple[tuple, tuple]]:
    """``(key path, shape)`` of each parameter leaf, in JAX's flattening order."""
    leaves = jax.tree_util.tree_flatten_with_path(example_input)[0]
    if not leaves:
        raise InputError(
            f"example_input={example_input!r} has no array leaves; pass the parameters, "
            "e.g. {'w': jnp.zeros(3)}"
        )
    out = []
    for path, leaf in leaves:
        arr = np.asarray(leaf)
        if arr.dtype.kind != "f":
            raise InputError(
                f"parameter {jax.tree_util.keystr(path) or 'example_input'} has dtype "
                f"{arr.dtype}; parameters must be real floating-point arrays"
            )
        out.append((path, arr.shape))
    return out


def from_jax(fn: Callable, example_input: object, cls: type = Objective) -> Objective:
    """The objective ``fn(params)`` as JAX traces it, in the flattened parameters.

    Args:
        fn: a function of one pytree of float arrays returning a scalar; data
            it closes over become exact constants.
        example_input: a pytree with the shapes and dtypes of the parameters
            (its values are not used).
        cls: the class to build (``Objective`` or a subclass).

    Returns:
        ``cls(expr, variables)``: the variables are the parameter entries in
        JAX's order (``jax.flatten_util.ravel_pytree(params)[0]`` is the
        point in the same order), named after their key paths.

    Raises:
        ImportError: jax is not installed (the message says how to install it).
        InputError: fn is not traceable, does not return one real scalar, or
            uses a primitive that is not smooth (``max``, ``abs``, comparisons,
            ``select_n``, loops, randomness, ...): the message names the
            primitive and where it came from.

    Examples:
        >>> import jax.numpy as jnp
        >>> loss = lambda p: jnp.sum(p["w"] ** 2) + jnp.tanh(p["b"])
        >>> obj = from_jax(loss, {"w": jnp.zeros(2), "b": 0.0})
        >>> obj.variable_names, obj.expr
        (('b', 'w_0', 'w_1'), w_0**2 + w_1**2 + tanh(b))
    """
    jax = import_jax()
    from jax.extend import core as jax_core

    if not callable(fn):
        raise InputError(
            f"fn={fn!r} is not callable; pass the loss as a function of the parameters"
        )
    with jax.enable_x64(True):
        leaves = _leaves(jax, example_input)
        closed = _trace(jax, fn, example_input)
    outs = closed.out_avals
    if len(outs) != 1 or int(np.prod(outs[0].shape)) != 1 or not jaxpr_ops.is_float(outs[0].dtype):
        got = ", ".join(f"{a.dtype}{list(a.shape)}" for a in outs)
        raise InputError(
            f"fn returns {got}; it must return one real scalar (the loss): drop auxiliary "
            "outputs, e.g. lambda p: fn(p)[0]"
        )
    names = _names(leaves)
    symbols = iter(se.Symbol(n) for n in names)
    args = []
    for _, shape in leaves:
        arr = np.empty(shape, dtype=object)
        arr.reshape(-1)[:] = [next(symbols) for _ in range(arr.size)] if arr.size else []
        args.append(arr)
    (result,) = _Interpreter(jax, jax_core).run(closed.jaxpr, list(closed.consts), args, ())
    expr = _sympy_of(se.sympify(result.reshape(-1)[0]))
    cls = TracedObjective if cls is Objective else cls
    return cls(expr, variables=[sympy.Symbol(n) for n in names])

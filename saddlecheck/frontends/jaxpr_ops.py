"""The JAX primitives saddlecheck interprets, as operations on exact expressions.

Values are NumPy object arrays of symengine expressions with the shape JAX
gives them. Elementwise primitives broadcast like NumPy (JAX's jaxprs rely on
size-1 and scalar broadcasting); sums are built as single symengine ``Add``
nodes, never expanded; constants are the exact rationals their floats hold.
See :mod:`saddlecheck.frontends.jax_trace` for what the result means.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import symengine as se

from saddlecheck._validation import InputError

_UNARY: dict[str, Callable] = {
    "neg": lambda a: -a,
    "sqrt": se.sqrt,
    "rsqrt": lambda a: 1 / se.sqrt(a),
    "square": lambda a: a**2,
    "exp": se.exp,
    "exp2": lambda a: se.exp(a * se.log(2)),
    "log": se.log,
    "log1p": lambda a: se.log(1 + a),
    "expm1": lambda a: se.exp(a) - 1,
    "tanh": se.tanh,
    "logistic": lambda a: 1 / (1 + se.exp(-a)),
    "sin": se.sin,
    "cos": se.cos,
    "tan": se.tan,
    "atan": se.atan,
    "sinh": se.sinh,
    "cosh": se.cosh,
    "asinh": se.asinh,
    "erf": se.erf,
    "copy": lambda a: a,
    "copy_p": lambda a: a,
}
_BINARY: dict[str, Callable] = {
    "add": lambda a, b: a + b,
    "add_any": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** (se.Integer(int(b)) if b.is_Number and b == int(b) else b),
}
CALLS = (
    "pjit",
    "jit",
    "closed_call",
    "core_call",
    "custom_jvp_call",
    "custom_vjp_call",
    "custom_vjp_call_jaxpr",
    "checkpoint",
    "remat",
)
_SHAPES = (
    "integer_pow",
    "dot_general",
    "reduce_sum",
    "broadcast_in_dim",
    "reshape",
    "transpose",
    "squeeze",
    "expand_dims",
    "concatenate",
    "slice",
    "convert_element_type",
)
SUPPORTED = tuple(sorted({*_UNARY, *_BINARY, *CALLS, *_SHAPES, "scan"}))
"""The JAX primitives :func:`from_jax` interprets."""

_WHY = {
    "max": "max(.) is not differentiable where its arguments tie (relu, clip, jnp.maximum)",
    "min": "min(.) is not differentiable where its arguments tie (jnp.minimum, clip)",
    "abs": "abs(.) is not differentiable at 0",
    "sign": "sign(.) jumps at 0",
    "select_n": "select_n chooses between branches (jnp.where): the function is piecewise",
    "stop_gradient": "stop_gradient changes JAX's gradient but not the function, so JAX's "
    "derivatives and the certified ones would disagree",
    "while": "a while loop runs a data-dependent number of times (fori_loop with static "
    "bounds is a scan, which is unrolled)",
    "cond": "lax.cond chooses a branch from data: the function is piecewise",
    "sort": "sorting is not differentiable where entries tie",
    "floor": "floor(.) jumps at the integers",
    "ceil": "ceil(.) jumps at the integers",
    "round": "round(.) jumps",
    "reduce_max": "a maximum is not differentiable where entries tie",
    "reduce_min": "a minimum is not differentiable where entries tie",
    "argmax": "argmax is piecewise constant",
    "argmin": "argmin is piecewise constant",
}
for _cmp in ("eq", "ne", "lt", "le", "gt", "ge"):
    _WHY[_cmp] = "a comparison makes the function piecewise"
for _rnd in ("random_bits", "random_seed", "random_wrap", "random_unwrap", "threefry2x32"):
    _WHY[_rnd] = "randomness makes the function change from call to call"

# ------------------------------------------------------------------- numbers


def _number(value: object, where: str) -> se.Basic:
    """The exact value of one scalar constant (a float is the rational it holds)."""
    if isinstance(value, (bool, np.bool_)):
        return se.Integer(int(value))
    if isinstance(value, (int, np.integer)):
        return se.Integer(int(value))
    v = complex(value) if isinstance(value, (complex, np.complexfloating)) else float(value)
    if isinstance(v, complex) or not np.isfinite(v):
        raise InputError(
            f"the traced function uses the constant {value!r} ({where}); saddlecheck needs "
            "finite real constants"
        )
    q = Fraction(v)
    return se.Rational(q.numerator, q.denominator)


def constant(value: object, where: str) -> np.ndarray:
    """A constant array (data, literal) as an object array of exact numbers."""
    arr = np.asarray(value)
    out = np.empty(arr.shape, dtype=object)
    cache: dict = {}
    for index in np.ndindex(*arr.shape):
        v = arr[index].item()
        if v not in cache:
            cache[v] = _number(arr[index], where)
        out[index] = cache[v]
    return out


def map_elementwise(fn: Callable, *arrays: np.ndarray) -> np.ndarray:
    """``fn`` elementwise over broadcast object arrays (NumPy broadcasting rules)."""
    parts = np.broadcast_arrays(*arrays)
    out = np.empty(parts[0].shape, dtype=object)
    flat = [p.ravel() for p in parts]
    out.reshape(-1)[:] = [fn(*xs) for xs in zip(*flat, strict=True)] if out.size else []
    return out


def _sum(terms) -> se.Basic:
    return se.Add(*terms) if len(terms) else se.Integer(0)


# ------------------------------------------------------------ array operations


def _dot_general(lhs: np.ndarray, rhs: np.ndarray, dimension_numbers) -> np.ndarray:
    """``lax.dot_general``: output axes are batch, then lhs free, then rhs free."""
    (lc, rc), (lb, rb) = dimension_numbers
    lc, rc, lb, rb = (tuple(int(d) for d in ds) for ds in (lc, rc, lb, rb))
    lf = tuple(d for d in range(lhs.ndim) if d not in lc + lb)
    rf = tuple(d for d in range(rhs.ndim) if d not in rc + rb)
    batch = tuple(lhs.shape[d] for d in lb)
    left, right = tuple(lhs.shape[d] for d in lf), tuple(rhs.shape[d] for d in rf)
    size = int(np.prod([lhs.shape[d] for d in lc], dtype=np.int64))
    L = lhs.transpose(lb + lf + lc).reshape(int(np.prod(batch, dtype=np.int64)), -1, size)
    R = rhs.transpose(rb + rf + rc).reshape(L.shape[0], -1, size)
    out = np.empty((L.shape[0], L.shape[1], R.shape[1]), dtype=object)
    for b in range(L.shape[0]):
        for m in range(L.shape[1]):
            for n in range(R.shape[1]):
                out[b, m, n] = _sum([x * y for x, y in zip(L[b, m], R[b, n], strict=True)])
    return out.reshape(batch + left + right)


def _reduce_sum(a: np.ndarray, axes) -> np.ndarray:
    axes = tuple(int(d) for d in axes)
    rest = tuple(d for d in range(a.ndim) if d not in axes)
    moved = a.transpose(rest + axes).reshape((*(a.shape[d] for d in rest), -1))
    out = np.empty(moved.shape[:-1], dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = _sum(list(moved[index]))
    return out


def _broadcast_in_dim(a: np.ndarray, shape, broadcast_dimensions) -> np.ndarray:
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = a.shape[i]
    return np.broadcast_to(a.reshape(expanded), tuple(shape))


def _reshape(a: np.ndarray, new_sizes, dimensions) -> np.ndarray:
    if dimensions is not None:
        a = a.transpose(tuple(dimensions))
    return a.reshape(tuple(new_sizes))


def _slice(a: np.ndarray, start_indices, limit_indices, strides) -> np.ndarray:
    steps = strides if strides is not None else (1,) * a.ndim
    return a[
        tuple(slice(s, e, k) for s, e, k in zip(start_indices, limit_indices, steps, strict=True))
    ]


def is_float(dtype: object) -> bool:
    """A real floating dtype (float16/32/64, bfloat16); keys and ints are not."""
    try:
        return np.dtype(dtype).kind == "f" or "float" in str(dtype)
    except TypeError:  # JAX's extended dtypes (PRNG keys) are not NumPy dtypes
        return False


def _convert(a: np.ndarray, new_dtype, where: str) -> np.ndarray:
    """Float to float is the identity (exact reals); anything else only for constants."""
    if is_float(new_dtype):
        return a
    if any(getattr(x, "free_symbols", None) for x in a.ravel()):
        raise InputError(
            f"the traced function converts a value that depends on the parameters to "
            f"{np.dtype(new_dtype).name} ({where}); the result is piecewise constant, so "
            "saddlecheck cannot certify it: keep the computation in floating point"
        )
    kind = np.dtype(new_dtype).kind
    if kind == "b":
        return map_elementwise(lambda x: se.Integer(int(x != 0)), a)
    if kind in "iu":  # C-style truncation toward zero, exactly
        return map_elementwise(lambda x: se.Integer(int(Fraction(str(x)))), a)
    raise InputError(
        f"the traced function converts to {np.dtype(new_dtype).name} ({where}); "
        "saddlecheck needs real floating-point values"
    )


def _shape_op(name: str, args: list[np.ndarray], params: dict, where: str) -> np.ndarray:
    a = args[0]
    if name == "integer_pow":
        y = se.Integer(int(params["y"]))
        return map_elementwise(lambda x: x**y, a)
    if name == "dot_general":
        return _dot_general(a, args[1], params["dimension_numbers"])
    if name == "reduce_sum":
        return _reduce_sum(a, params["axes"])
    if name == "broadcast_in_dim":
        return _broadcast_in_dim(a, params["shape"], params["broadcast_dimensions"])
    if name == "reshape":
        return _reshape(a, params["new_sizes"], params.get("dimensions"))
    if name == "transpose":
        return a.transpose(tuple(params["permutation"]))
    if name == "squeeze":
        return a.reshape(tuple(n for i, n in enumerate(a.shape) if i not in params["dimensions"]))
    if name == "expand_dims":
        return np.expand_dims(a, tuple(params["dimensions"]))
    if name == "concatenate":
        return np.concatenate(args, axis=params["dimension"])
    if name == "slice":
        return _slice(a, params["start_indices"], params["limit_indices"], params["strides"])
    return _convert(a, params["new_dtype"], where)


def select(which: np.ndarray, cases: list[np.ndarray]) -> np.ndarray:
    """``select_n`` with a constant ``which`` (a mask known at trace time): pick per entry."""
    parts = np.broadcast_arrays(which, *cases)
    out = np.empty(parts[0].shape, dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = parts[1 + int(parts[0][index])][index]
    return out


def apply(name: str, args: list[np.ndarray], params: dict, where: str) -> np.ndarray:
    """The result of the (non-call) primitive ``name`` on exact arrays ``args``."""
    if name in _UNARY:
        return map_elementwise(_UNARY[name], args[0])
    if name in _BINARY:
        return map_elementwise(_BINARY[name], *args)
    if name in _SHAPES:
        return _shape_op(name, args, params, where)
    why = _WHY.get(name, "saddlecheck does not interpret it")
    raise InputError(
        f"the traced function uses the JAX primitive {name!r} ({where}): {why}. saddlecheck "
        "certifies smooth (C^3) functions only; write the loss without it. Supported "
        f"primitives: {', '.join(SUPPORTED)}"
    )

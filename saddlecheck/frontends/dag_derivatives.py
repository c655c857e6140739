"""Value, gradient and Hessian of a symengine expression at one point, by exact AD.

The symbolic Hessian of a traced loss (``d^2`` entries, each a sum over the
data) is large, and compiling it with common-subexpression elimination takes
minutes at ``d = 40``. At a single point the same numbers come from automatic
differentiation over the expression's DAG (each distinct subexpression once):
a forward sweep carries each node's value and its gradient (a ``1 x d`` row),
a reverse sweep carries each node's adjoint and the adjoint's gradient, so the
Hessian's row ``i`` is the gradient of ``df/dx_i`` (forward-over-reverse, all
directions at once). Every rule is an exact identity (``tanh' = 1 - tanh^2``,
``(u v)' = u' v + u v'``, ...), evaluated either

* in python-flint balls (``arb``, ``arb_mat``) at a given precision: every
  result contains the exact derivative (outward rounding is the library's);
* or in exact rationals (``fmpq``, ``fmpq_mat``) for rational functions.

Anything it does not know (a power with a variable exponent, a function
outside the table, a ball that is not finite because an argument left the
function's domain) raises :class:`Unsupported`; the caller then falls back to
the symbolic evaluators, which report domain errors properly.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import symengine as se


class Unsupported(Exception):
    """This expression or point is outside what the AD sweep handles."""


class _Kit:
    """Numbers (``scalar``) and gradient rows (``row``) of one arithmetic."""

    def __init__(self, exact: bool, d: int):
        self.exact, self.d = exact, d
        self.S = flint.fmpq if exact else flint.arb
        self.M = flint.fmpq_mat if exact else flint.arb_mat

    def const(self, e) -> object:
        if e.is_Integer or e.is_Rational:
            q = Fraction(str(e))
            return self.S(q.numerator) / self.S(q.denominator)
        if self.exact:
            raise Unsupported(f"the constant {e} is not rational")
        if e == se.pi:
            return flint.arb.pi()
        if e == se.E:
            return flint.arb(1).exp()
        if e.is_Number:  # RealDouble: its binary value
            q = Fraction(float(e))
            return flint.arb(q.numerator) / q.denominator
        raise Unsupported(f"constant {e}")

    def unit(self, i: int):
        row = self.M(1, self.d)
        row[0, i] = 1
        return row

    def ipow(self, b, n: int):
        """``b**n`` by repeated products (``arb(0, 2)**2`` would be NaN in flint)."""
        if n < 0:
            return 1 / self.ipow(b, -n)
        out, base = self.S(1), b
        while n:
            if n & 1:
                out = out * base
            base, n = base * base, n >> 1
        return out


def _function(name: str, u, kit: _Kit) -> tuple:
    """``(f(u), f'(u), f''(u))`` for the smooth functions of the table."""
    if kit.exact:
        raise Unsupported(f"{name} is not rational")
    if name == "tanh":
        t = u.tanh()
        g = 1 - t * t
        return t, g, -2 * t * g
    if name == "log":
        return u.log(), 1 / u, -1 / (u * u)
    if name == "sin":
        s, c = u.sin(), u.cos()
        return s, c, -s
    if name == "cos":
        s, c = u.sin(), u.cos()
        return c, -s, -c
    if name == "tan":
        t = u.tan()
        g = 1 + t * t
        return t, g, 2 * t * g
    if name == "atan":
        g = 1 / (1 + u * u)
        return u.atan(), g, -2 * u * g * g
    if name == "sinh":
        return u.sinh(), u.cosh(), u.sinh()
    if name == "cosh":
        return u.cosh(), u.sinh(), u.cosh()
    if name == "asinh":
        r = 1 / (1 + u * u).sqrt()
        return u.asinh(), r, -u * r * r * r
    if name == "erf":
        g = 2 * (-u * u).exp() / flint.arb.pi().sqrt()
        return u.erf(), g, -2 * u * g
    raise Unsupported(f"function {name}")


def post_order(root) -> list:
    """The distinct subexpressions of ``root``, children before parents."""
    seen, out, stack = set(), [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            out.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for a in node.args:
            if a not in seen:
                stack.append((a, False))
    return out  # in a DAG a node is finished once, after all of its children


def _local(node, val: dict, kit: _Kit):
    """``(value, [(child, partial, [(child_j, second partial)])])`` of one node."""
    args = node.args
    if node.is_Add:
        parts = [(a, None, ()) for a in args if not a.is_Number]
        return sum((val[a] for a in args), kit.S(0)), parts
    if node.is_Mul:
        vs = [val[a] for a in args]
        value = kit.S(1)
        for v in vs:
            value = value * v
        parts = []
        for i, a in enumerate(args):
            if a.is_Number:
                continue
            g, second = kit.S(1), []
            for j in range(len(args)):
                if j != i:
                    g = g * vs[j]
            for j, b in enumerate(args):
                if j == i or b.is_Number:
                    continue
                h = kit.S(1)
                for k in range(len(args)):
                    if k not in (i, j):
                        h = h * vs[k]
                second.append((b, h))
            parts.append((a, g, second))
        return value, parts
    if node.is_Pow:
        base, ex = args
        if base == se.E:
            if kit.exact:
                raise Unsupported("exp is not rational")
            e = val[ex].exp()
            return e, [(ex, e, [(ex, e)])]
        if ex.free_symbols:
            raise Unsupported("a power with a variable exponent")
        b = val[base]
        if ex.is_Integer:
            n = int(ex)
            bn2 = kit.ipow(b, n - 2)
            value = bn2 * b * b if n >= 2 else kit.ipow(b, n)
            return value, [(base, n * bn2 * b, [(base, n * (n - 1) * bn2)])]
        if kit.exact:
            raise Unsupported("a fractional power is not rational")
        q = kit.const(ex)
        if not b > 0:
            raise Unsupported("a fractional power of a ball that is not positive")
        value = b**q
        return value, [(base, q * value / b, [(base, q * (q - 1) * value / (b * b))])]
    if len(args) == 1 and node.is_Function:
        (u,) = args
        f, g, h = _function(type(node).__name__, val[u], kit)
        return f, [(u, g, [(u, h)])]
    raise Unsupported(f"{type(node).__name__}: {node}")


def derivatives(f, variables: tuple, point: tuple, kind: str, prec: int = 53, exact: bool = False):
    """``f``'s value, gradient (list) or Hessian (nested lists) at an exact ``point``.

    Args:
        f: a symengine expression in ``variables``.
        variables: symengine symbols, in the order of ``point``.
        point: exact rationals (``Fraction``).
        kind: ``"value"``, ``"grad"`` or ``"hess"``.
        prec: ball precision in bits (ignored when ``exact``).
        exact: ``fmpq`` results instead of ``arb`` balls.

    Raises:
        Unsupported: the expression or the point needs the symbolic path.
    """
    kit = _Kit(exact, len(variables))
    index = {v: i for i, v in enumerate(variables)}
    ctx = flint.ctx.workprec(prec) if not exact else _Null()
    with ctx:
        nodes = post_order(f)
        val: dict = {}
        tan: dict = {}
        local: dict = {}
        for node in nodes:
            if node in index:
                q = point[index[node]]
                val[node] = kit.S(q.numerator) / kit.S(q.denominator)
                tan[node] = kit.unit(index[node])
            elif not node.free_symbols:  # a number, pi, or a constant such as log(2)
                val[node] = kit.const(node) if not node.args else _local(node, val, kit)[0]
            else:
                value, parts = _local(node, val, kit)
                val[node], local[node] = value, parts
                if kind == "hess":
                    row = None
                    for child, g, _ in parts:
                        t = tan.get(child)
                        if t is not None:
                            term = t if g is None else t * g
                            row = term if row is None else row + term
                    tan[node] = row
            if not exact and not val[node].is_finite():
                raise Unsupported(f"{node} is not finite at the point")
        if kind == "value":
            return val[f]
        return _reverse(f, nodes, local, tan, index, kit, kind)


def _reverse(f, nodes, local, tan, index, kit: _Kit, kind: str):
    adj = {f: kit.S(1)}
    adjtan: dict = {}
    for node in reversed(nodes):
        a = adj.get(node)
        if a is None or node not in local:
            continue
        A = adjtan.get(node)
        for child, g, second in local[node]:
            adj[child] = adj.get(child, kit.S(0)) + (a if g is None else a * g)
            if kind != "hess":
                continue
            row = A if g is None or A is None else A * g
            for other, h in second:
                t = tan.get(other)
                if t is not None:
                    term = t * (a * h)
                    row = term if row is None else row + term
            if row is not None:
                prev = adjtan.get(child)
                adjtan[child] = row if prev is None else prev + row
    d = kit.d
    order = sorted(index, key=index.get)
    grad = [adj.get(v, kit.S(0)) for v in order]
    if not kit.exact and not all(g.is_finite() for g in grad):
        raise Unsupported("the gradient is not finite at the point")
    if kind == "grad":
        return grad
    rows = [adjtan.get(v) for v in order]
    H = [[None] * d for _ in range(d)]
    for i in range(d):
        for j in range(i, d):
            hij = rows[i][0, j] if rows[i] is not None else kit.S(0)
            if not kit.exact and not hij.is_finite():
                raise Unsupported("the Hessian is not finite at the point")
            H[i][j] = H[j][i] = hij
    return H


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

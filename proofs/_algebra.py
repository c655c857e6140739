"""SymPy checks that count as proofs, and nothing that only looks like one.

* :func:`is_identity` proves ``lhs == rhs`` for rational functions (and for
  expressions whose radicals were removed by substituting squares of positive
  symbols) by ``cancel`` + ``expand`` reaching 0. A non-zero remainder is *not*
  a disproof; callers refute only with an exact counterexample.
* :func:`bilinear_vectors` gives generic vectors for identities in an inner
  product space: any ``k`` vectors of an inner product space span at most ``k``
  dimensions and are isometric to vectors of ``R^k``, so an identity in inner
  products that holds for ``k`` generic vectors of ``R^k`` holds in every inner
  product space (Frobenius inner product on matrices included).
"""

from __future__ import annotations

import sympy as sp


def is_identity(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """True when ``lhs - rhs`` reduces to 0 by ``together``/``cancel``/``expand``.

    Examples:
        >>> x, y = sp.symbols("x y", positive=True)
        >>> is_identity((x**2 - y**2) / (x - y), x + y)
        True
        >>> is_identity(x, y)
        False
    """
    diff = sp.together(sp.expand(lhs - rhs))
    return sp.expand(sp.cancel(diff)) == 0


def bilinear_vectors(names: str, dim: int | None = None) -> list[sp.Matrix]:
    """Generic column vectors of ``R^k`` (``k`` = number of names unless ``dim``).

    For identities in inner products (see the module docstring).

    Examples:
        >>> e, a = bilinear_vectors("e a")
        >>> sp.expand(inner(e + a, e + a) - inner(e, e) - 2 * inner(e, a) - inner(a, a))
        0
    """
    labels = names.split()
    k = dim or len(labels)
    return [sp.Matrix(sp.symbols(f"{n}_0:{k}", real=True)) for n in labels]


def inner(u: sp.Matrix, v: sp.Matrix) -> sp.Expr:
    """The Euclidean inner product of two column vectors (or Frobenius of matrices)."""
    return sum(a * b for a, b in zip(u, v, strict=True))


def generic_matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A matrix of independent real symbols ``name_i_j``.

    Examples:
        >>> generic_matrix("U", 2, 1).shape
        (2, 1)
    """
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def generic_symmetric(name: str, n: int) -> sp.Matrix:
    """A symmetric matrix of independent real symbols."""
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{min(i, j)}_{max(i, j)}", real=True))


def frob(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    """The Frobenius inner product ``<A, B> = trace(A^T B)``."""
    return sum(x * y for x, y in zip(a, b, strict=True))


SMALL_SHAPES = ((1, 1), (2, 1), (3, 1), (2, 2), (3, 2))
"""Matrix shapes ``(d, r)`` on which size-dependent identities are also checked entrywise."""

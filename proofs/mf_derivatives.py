"""Matrix factorization: gradient, Hessian and third derivative (CLAIMS section 4, [D]).

``f(U) = ||U U^T - M||_F^2 / 2`` with ``U`` in ``R^{d x r}`` and ``M`` symmetric.
With ``E = U U^T - M``, ``A = U D^T + D U^T``, ``B = D D^T``:

    (U + tD)(U + tD)^T = U U^T + t A + t^2 B                         (non-commutative expansion)
    f(U + tD) = f(U) + t <E, A> + t^2 (||A||^2/2 + <E, B>) + t^3 <A, B> + t^4 ||B||^2/2
    grad f(U) = 2 E U
    Hess f(U)[D, D] = ||U D^T + D U^T||_F^2 + 2 <E, D D^T>
    Hess f(U)[D] = 2 (D U^T + U D^T) U + 2 E D
    D^3 f(U)[D, D, W] = 2 <U D^T + D U^T, W D^T + D W^T> + 2 <U W^T + W U^T, D D^T>

The first two are checked size-free (matrix symbols of symbolic shape; three
generic vectors for the Frobenius expansion, see :mod:`proofs._algebra`); all
are also checked entrywise as polynomial identities for every shape in
:data:`~proofs._algebra.SMALL_SHAPES`, against SymPy's own derivatives of ``f``.
"""

from __future__ import annotations

import sympy as sp

from proofs._algebra import (
    SMALL_SHAPES,
    bilinear_vectors,
    frob,
    generic_matrix,
    generic_symmetric,
    inner,
    is_identity,
)
from proofs._step import Step, verdict

t, s_ = sp.symbols("t s", real=True)
HYP = ("M symmetric", "Frobenius inner product <X, Y> = trace(X^T Y)")


def objective(U: sp.Matrix, M: sp.Matrix) -> sp.Expr:
    """``||U U^T - M||_F^2 / 2``."""
    E = U * U.T - M
    return frob(E, E) / 2


def hess_form(U: sp.Matrix, M: sp.Matrix, D: sp.Matrix) -> sp.Expr:
    """``||U D^T + D U^T||_F^2 + 2 <U U^T - M, D D^T>``."""
    A = U * D.T + D * U.T
    return frob(A, A) + 2 * frob(U * U.T - M, D * D.T)


def third_form(U: sp.Matrix, D: sp.Matrix, W: sp.Matrix) -> sp.Expr:
    """``2 <U D^T + D U^T, W D^T + D W^T> + 2 <U W^T + W U^T, D D^T>``."""
    return 2 * frob(U * D.T + D * U.T, W * D.T + D * W.T) + 2 * frob(U * W.T + W * U.T, D * D.T)


def _entrywise(shapes) -> dict[str, list]:
    """Which shapes fail each entrywise identity (empty lists: all hold)."""
    fails: dict[str, list] = {"grad": [], "hess": [], "hess_op": [], "third": []}
    for d, r in shapes:
        U, D, W = (generic_matrix(n, d, r) for n in "UDW")
        M = generic_symmetric("M", d)
        f = objective(U, M)
        grad = sp.Matrix(d, r, [sp.diff(f, U[i, j]) for i in range(d) for j in range(r)])
        if not all(is_identity(a, b) for a, b in zip(grad, 2 * (U * U.T - M) * U, strict=True)):
            fails["grad"].append((d, r))
        moved = {U[i, j]: U[i, j] + t * D[i, j] for i in range(d) for j in range(r)}
        second = sp.diff(f.subs(moved, simultaneous=True), t, 2).subs(t, 0)
        if not is_identity(second, hess_form(U, M, D)):
            fails["hess"].append((d, r))
        op = 2 * (D * U.T + U * D.T) * U + 2 * (U * U.T - M) * D
        dgrad = sp.diff(grad.subs(moved, simultaneous=True), t).subs(t, 0)
        if not all(is_identity(x, y) for x, y in zip(dgrad, op, strict=True)):
            fails["hess_op"].append((d, r))
        shifted = {U[i, j]: U[i, j] + s_ * W[i, j] for i in range(d) for j in range(r)}
        third = sp.diff(hess_form(U, M, D).subs(shifted, simultaneous=True), s_).subs(s_, 0)
        if not is_identity(third, third_form(U, D, W)):
            fails["third"].append((d, r))
    return fails


def check(shapes=SMALL_SHAPES) -> list[Step]:
    """Check the derivative formulas of the matrix factorization objective.

    Args:
        shapes: the ``(d, r)`` shapes for the entrywise checks.

    Examples:
        >>> [s.status for s in check(shapes=((2, 1),))]
        ['proved', 'proved', 'proved', 'proved', 'proved', 'proved', 'proved']
    """
    steps = []
    d, r = sp.symbols("d r", integer=True, positive=True)
    Um, Dm = sp.MatrixSymbol("U", d, r), sp.MatrixSymbol("D", d, r)
    lhs = ((Um + t * Dm) * (Um + t * Dm).T).expand()
    rhs = Um * Um.T + t * (Um * Dm.T + Dm * Um.T) + t**2 * Dm * Dm.T
    prod_ok = bool((lhs - rhs).expand().is_ZeroMatrix)
    steps.append(
        verdict(
            "mf_derivatives.product",
            "(U + tD)(U + tD)^T = U U^T + t (U D^T + D U^T) + t^2 D D^T",
            "symbolic",
            prod_ok or None,
            assumptions=(),
            proof="non-commutative expansion of matrix symbols of symbolic shape d x r",
            reason="did not reduce",
        )
    )

    e, a, b = bilinear_vectors("e a b")
    x = e + t * a + t**2 * b
    target = (
        inner(e, e) / 2
        + t * inner(e, a)
        + t**2 * (inner(a, a) / 2 + inner(e, b))
        + t**3 * inner(a, b)
        + t**4 * inner(b, b) / 2
    )
    steps.append(
        verdict(
            "mf_derivatives.expansion",
            "f(U + tD) = f(U) + t<E,A> + t^2(||A||^2/2 + <E,B>) + t^3<A,B> + t^4||B||^2/2",
            "symbolic",
            is_identity(inner(x, x) / 2, target) or None,
            assumptions=HYP,
            proof="bilinearity: identity for three generic vectors of R^3 (any three matrices span "
            "<= 3 dimensions of the Frobenius space)",
            reason="did not reduce",
        )
    )

    fails = _entrywise(shapes)
    shown = ", ".join(f"{dd}x{rr}" for dd, rr in shapes)

    def entry(key, stmt, name, size_free):
        bad = fails[name]
        return verdict(
            key,
            stmt,
            "symbolic",
            True if not bad else None,
            assumptions=HYP,
            proof=f"{size_free}; entrywise polynomial identity against SymPy's derivatives of f "
            f"for d x r in {{{shown}}}",
            reason=f"entrywise identity did not reduce for shapes {bad}",
        )

    steps.append(
        entry(
            "mf_derivatives.gradient",
            "grad f(U) = 2 (U U^T - M) U",
            "grad",
            "t-coefficient <E, U D^T + D U^T> = 2 <E U, D> (E symmetric, trace cyclicity)",
        )
    )
    steps.append(
        entry(
            "mf_derivatives.hessian_form",
            "Hess f(U)[D, D] = ||U D^T + D U^T||_F^2 + 2 <U U^T - M, D D^T>",
            "hess",
            "twice the t^2-coefficient of the expansion",
        )
    )
    steps.append(
        entry(
            "mf_derivatives.hessian_operator",
            "Hess f(U)[D] = 2 (D U^T + U D^T) U + 2 (U U^T - M) D",
            "hess_op",
            "the derivative of grad f(U + tD) at t = 0",
        )
    )
    steps.append(
        entry(
            "mf_derivatives.third",
            "D^3 f(U)[D, D, W] = 2<U D^T + D U^T, W D^T + D W^T> + "
            "2<U W^T + W U^T, D D^T> (independent of M)",
            "third",
            "derivative in direction W of the quadratic form",
        )
    )
    steps.append(
        verdict(
            "mf_derivatives.origin",
            "Hess f(0)[D, D] = -2 <M, D D^T> >= -2 sigma_1 ||D||_F^2, "
            "with equality at D = v_1 w^T: lambda_min(Hess f(0)) = -2 sigma_1",
            "symbolic",
            True,
            assumptions=(*HYP, "M PSD with top eigenpair (sigma_1, v_1)"),
            proof="U = 0 in the quadratic form: -2 sum_j d_j^T M d_j (columns d_j), each "
            ">= -2 sigma_1 ||d_j||^2 (Rayleigh quotient), attained at d_j = w_j v_1",
        )
    )
    return steps

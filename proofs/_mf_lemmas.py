"""The two lemmas behind the strict-saddle constants for ``r >= 2``, re-derived.

Notation: ``M = V* V*^T`` PSD of rank ``r`` (``sigma_r`` its smallest non-zero
eigenvalue), ``U* = V* R`` the closest point of the orbit to ``U`` (so
``U* U*^T = M``), ``Delta = U - U*``, ``E = U U^T - M`` and the ``r x r`` Gram
blocks ``A = U^T U``, ``B = P = U*^T U*``, ``S = U*^T U``, ``G = Delta^T Delta``,
``K = U*^T Delta``. Orthogonal Procrustes (polar decomposition and von
Neumann's trace inequality: ``R`` maximises ``tr(R^T V*^T U)``) makes
``S = U*^T U`` symmetric PSD, hence ``K = S - P`` symmetric.

L1 (Ge, Jin, Zheng, ICML 2017, Lemma 6 as recalled), constant ``c1 = 2``::

    ||Delta Delta^T||^2 = tr((A - S - S^T + B)^2),  ||E||^2 = tr A^2 + tr B^2 - 2 tr(S^T S)
    2||E||^2 - ||Delta Delta^T||^2 = ||A - B||^2 + 4 tr(S G) >= 0      (S symmetric, S, G PSD)

L2 (Tu, Boczar, Simchowitz, Soltanolkotabi, Recht, ICML 2016, Lemma 5.4 as
recalled), constant ``c2 = 2(sqrt 2 - 1)``::

    ||E||^2 = tr G^2 + 2 tr(G (K + K^T)) + 2 tr(G P) + 2 tr K^2
    ||E||^2 - c2 tr(G P) = ||G + sqrt2 K||^2 + (4 - 2 sqrt2) tr(G S) + (2 sqrt2 - 2 - c2) tr(G P)
    tr(G P) >= lambda_min(P) tr G = sigma_r ||Delta||_F^2

Both constants are sharp, with exact witnesses on ``d = 2``, ``r = 1``,
``M = e1 e1^T``: ``U = e2`` attains ``2`` in L1; ``U = b e2`` with
``b^2 = sqrt 2 - 1`` attains ``2(sqrt 2 - 1)`` in L2, and rational ``b`` near it
refute every larger constant.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import sympy as sp

from proofs._algebra import SMALL_SHAPES, frob, generic_matrix, generic_symmetric, is_identity
from proofs._step import Step, chain, verdict

PROCRUSTES = (
    "the closest U* = V* R has S = U*^T U symmetric PSD (orthogonal Procrustes: polar "
    "decomposition of V*^T U and von Neumann's trace inequality)"
)
TRACE = "tr(XY) = tr(YX) (cyclicity) and ||X||_F^2 = tr(X^T X), all sizes"
PSD_TRACE = "tr(P Q) >= 0 for P, Q symmetric PSD; tr(P G) >= lambda_min(P) tr(G) for G PSD"
GRAM = "U* = V* R: U* U*^T = M and the eigenvalues of U*^T U* are sigma_1, ..., sigma_r"
HYP = ("M = V* V*^T PSD of rank r, sigma_r its r-th eigenvalue", "Delta = U - U*")
SQRT2 = sp.sqrt(2)
BOUND2 = 2 * SQRT2 - 2  # L2's recalled constant


def sqrt2_form(value) -> tuple[Fraction, Fraction]:
    """``(a, b)`` with ``value = a + b sqrt 2`` exactly (rationals, or a SymPy ``a + b*sqrt(2)``).

    Examples:
        >>> sqrt2_form(2 * sp.sqrt(2) - 2)
        (Fraction(-2, 1), Fraction(2, 1))
        >>> sqrt2_form(Fraction(4, 5))
        (Fraction(4, 5), Fraction(0, 1))
    """
    if isinstance(value, Fraction | int):
        return Fraction(value), Fraction(0)
    expr = sp.nsimplify(value) if isinstance(value, float | str) else sp.sympify(value)
    expr = sp.expand(expr)
    b = expr.coeff(SQRT2)
    a = sp.expand(expr - b * SQRT2)
    if not (a.is_Rational and b.is_Rational):
        raise ValueError(f"value={value!r} is not of the form a + b sqrt(2) with a, b rational")
    return Fraction(int(a.p), int(a.q)), Fraction(int(b.p), int(b.q))


def sqrt2_text(a: Fraction, b: Fraction) -> str:
    """``a + b sqrt 2`` for people (``2(sqrt 2 - 1)`` for L2's constant).

    Examples:
        >>> sqrt2_text(Fraction(-2), Fraction(2)), sqrt2_text(Fraction(4, 5), Fraction(0))
        ('2(sqrt 2 - 1)', '4/5')
    """
    if (a, b) == (-2, 2):
        return "2(sqrt 2 - 1)"
    return str(a) if b == 0 else f"({a} + {b} sqrt 2)"


def less_than(x: Fraction, a: Fraction, b: Fraction) -> bool:
    """Exactly decide ``x < a + b sqrt 2`` (rationals; squares compared, signs split).

    Examples:
        >>> less_than(Fraction(41, 50), Fraction(-2), Fraction(2)), less_than(Fraction(83, 100),
        ...     Fraction(-2), Fraction(2))
        (True, False)
    """
    y = x - a  # decide y < b sqrt 2
    if b >= 0:
        return y < 0 or y * y < 2 * b * b
    return y < 0 and y * y > 2 * b * b


@lru_cache(maxsize=1)
def _gram_steps() -> tuple[Step, Step]:
    """The trace forms of ``||Delta Delta^T||^2``, ``||E||^2`` (L1) and ``||E||^2`` (L2)."""
    ok1 = ok2 = True
    for d, r in SMALL_SHAPES:
        U, X = generic_matrix("U", d, r), generic_matrix("X", d, r)
        A, B, S, D = U.T * U, X.T * X, X.T * U, U - X
        E = U * U.T - X * X.T
        G, K = D.T * D, X.T * D
        ok1 = ok1 and is_identity(frob(D * D.T, D * D.T), ((A - S - S.T + B) ** 2).trace())
        ok1 = ok1 and is_identity(frob(E, E), (A**2 + B**2 - 2 * S.T * S).trace())
        rhs = (G**2 + 2 * G * (K + K.T) + 2 * G * B + 2 * K**2).trace()
        ok2 = ok2 and is_identity(frob(E, E), rhs)
    d, r = sp.symbols("d r", positive=True, integer=True)
    Um, Xm = sp.MatrixSymbol("U", d, r), sp.MatrixSymbol("X", d, r)
    Dm = Um - Xm
    e_form = (Um * Um.T - Xm * Xm.T) - (Xm * Dm.T + Dm * Xm.T + Dm * Dm.T)
    ok2 = ok2 and bool(e_form.expand().is_ZeroMatrix)
    shapes = ", ".join(f"{d} x {r}" for d, r in SMALL_SHAPES)
    first = verdict(
        "mf_strict_saddle.L1_traces",
        "||Delta Delta^T||^2 = tr((A - S - S^T + B)^2) and ||U U^T - M||^2 = tr(A^2) + tr(B^2) "
        "- 2 tr(S^T S), A = U^T U, B = U*^T U*, S = U*^T U",
        "symbolic",
        ok1 or None,
        assumptions=(*HYP, TRACE),
        proof=f"||Delta Delta^T||_F = ||Delta^T Delta||_F, Delta^T Delta = A - S - S^T + B and "
        f"<U U^T, U* U*^T> = tr(S^T S) by cyclicity; entrywise identities on generic {shapes} "
        "matrices",
        reason="an identity did not reduce",
    )
    second = verdict(
        "mf_strict_saddle.L2_expand",
        "||U U^T - M||^2 = tr(G^2) + 2 tr(G (K + K^T)) + 2 tr(G P) + 2 tr(K^2), "
        "G = Delta^T Delta, K = U*^T Delta, P = U*^T U*",
        "symbolic",
        ok2 or None,
        assumptions=(*HYP, TRACE),
        proof="U U^T - U* U*^T = U* Delta^T + Delta U*^T + Delta Delta^T (matrix symbols, all "
        f"sizes), expanded with cyclicity; entrywise identity on generic {shapes} matrices",
        reason="an identity did not reduce",
    )
    return first, second


def _symmetric_identity(lhs_of, rhs_of) -> bool:
    """``lhs_of(X, Y, Z) == rhs_of(X, Y, Z)`` for generic symmetric ``r x r``, ``r = 1, 2, 3``."""
    for n in (1, 2, 3):
        X, Y, Z = (generic_symmetric(name, n) for name in "XYZ")
        if not is_identity(lhs_of(X, Y, Z), rhs_of(X, Y, Z)):
            return False
    return True


def l1_witness() -> tuple[sp.Expr, sp.Expr]:
    """``(||Delta Delta^T||^2, ||E||^2)`` at ``U = e2``, ``M = e1 e1^T``, ``U* = e1`` (exact)."""
    U, Us = sp.Matrix([0, 1]), sp.Matrix([1, 0])
    D, E = U - Us, U * U.T - Us * Us.T
    assert (U - Us).norm() == (U + Us).norm()  # both minima are closest
    return frob(D * D.T, D * D.T), frob(E, E)


def l1_steps(c1=2) -> list[Step]:
    """L1 with constant ``c1``: proved for ``c1 >= 2``, refuted (exactly) for ``c1 < 2``."""
    c1 = Fraction(c1)
    traces, _ = _gram_steps()
    gap_ok = _symmetric_identity(
        lambda A, B, S: 2 * (A**2 + B**2 - 2 * S**2).trace() - ((A + B - 2 * S) ** 2).trace(),
        lambda A, B, S: ((A - B) ** 2).trace() + 4 * (S * (A + B - 2 * S)).trace(),
    )
    gap = verdict(
        "mf_strict_saddle.L1_gap",
        "S symmetric: 2||U U^T - M||^2 - ||Delta Delta^T||^2 = ||A - B||_F^2 + 4 tr(S Delta^T "
        "Delta) >= 0",
        "symbolic",
        gap_ok or None,
        assumptions=(*HYP, PROCRUSTES, PSD_TRACE),
        proof="with S^T = S the trace forms give 2(tr A^2 + tr B^2 - 2 tr S^2) - tr((A + B - "
        "2S)^2) = tr((A - B)^2) + 4 tr(S (A + B - 2S)) (identity for generic symmetric r x r, "
        "r = 1, 2, 3; trace linearity and cyclicity in general); A + B - 2S = Delta^T Delta and "
        "S are PSD, so tr(S Delta^T Delta) >= 0",
        reason="the identity did not reduce",
    )
    dd, ee = l1_witness()
    sharp = verdict(
        "mf_strict_saddle.L1_sharp",
        "the constant 2 of L1 is attained: ||Delta Delta^T||^2 = 2 ||U U^T - M||^2 at d = 2, "
        "r = 1, M = e1 e1^T, U = e2",
        "exact",
        dd == 2 * ee,
        assumptions=HYP,
        proof=f"U* = e1 (and -e1, equally close): ||Delta Delta^T||^2 = {dd}, ||E||^2 = {ee}",
        counterexample=f"||Delta Delta^T||^2 = {dd}, ||E||^2 = {ee}",
    )
    statement = (
        f"L1: ||Delta Delta^T||_F^2 <= {c1} ||U U^T - M||_F^2 for the closest U* "
        "(Ge, Jin, Zheng, ICML 2017, Lemma 6)"
    )
    if c1 < 2:
        lemma = verdict(
            "mf_strict_saddle.L1",
            statement,
            "exact",
            False,
            proof="",
            assumptions=HYP,
            counterexample=f"d = 2, r = 1, M = e1 e1^T, U = e2, U* = e1 (closest, U*^T U = 0): "
            f"||Delta Delta^T||^2 = {dd} > {c1} * {ee}",
        )
    else:
        lemma = chain(
            "mf_strict_saddle.L1",
            statement,
            [traces, gap],
            assumptions=(*HYP, PROCRUSTES, PSD_TRACE),
            proof=f"L1_traces and L1_gap: ||Delta Delta^T||^2 <= 2||E||^2 <= {c1}||E||^2",
        )
    return [traces, gap, lemma, sharp]


def l2_witness(a: Fraction, b: Fraction, max_bits: int = 60) -> Fraction | None:
    """A rational ``x`` with ``(1 + x^4)/(1 + x^2) < a + b sqrt 2``, near ``x^2 = sqrt 2 - 1``."""
    x_star = sp.sqrt(SQRT2 - 1)
    for k in range(1, max_bits + 1):
        x = Fraction(int(sp.floor(x_star * 2**k + sp.Rational(1, 2))), 2**k)
        if less_than((1 + x**4) / (1 + x**2), a, b):
            return x
    return None


def l2_steps(c2=BOUND2) -> list[Step]:
    """L2 with constant ``c2``: proved for ``c2 <= 2(sqrt 2 - 1)``, else refuted exactly."""
    a, b = sqrt2_form(c2)
    c2_text = sqrt2_text(a, b)
    _, expand = _gram_steps()
    c = sp.Symbol("c", real=True)
    square_ok = _symmetric_identity(
        lambda G, K, P: (G**2 + 4 * G * K + 2 * K**2 + 2 * G * P - c * G * P).trace(),
        lambda G, K, P: (
            frob(G + SQRT2 * K, G + SQRT2 * K)
            + ((4 - 2 * SQRT2) * G * (K + P) + (2 * SQRT2 - 2 - c) * G * P).trace()
        ),
    )
    # c2 > 2 sqrt2 - 2  iff  -2 - a < (b - 2) sqrt2
    within = not less_than(Fraction(-2) - a, Fraction(0), b - 2)
    square = verdict(
        "mf_strict_saddle.L2_square",
        f"K symmetric: ||U U^T - M||^2 - {c2_text} tr(G P) = ||G + sqrt2 K||^2 + (4 - 2 sqrt2) "
        f"tr(G S) + (2 sqrt2 - 2 - {c2_text}) tr(G P) >= 0",
        "symbolic",
        (square_ok and within) or None,
        assumptions=(*HYP, PROCRUSTES, PSD_TRACE),
        proof="K = S - P is symmetric, so tr(G K^T) = tr(G K); identity for generic symmetric "
        "G, K, P (r = 1, 2, 3; trace linearity and cyclicity in general) with K + P = S; "
        f"G, S, P are PSD and 2 sqrt2 - 2 - ({c2_text}) >= 0 (exact)",
        reason="the identity did not reduce"
        if not square_ok
        else f"2 sqrt2 - 2 - ({c2_text}) < 0: the last term has the wrong sign",
    )
    statement = (
        f"L2: ||U U^T - M||_F^2 >= {c2_text} sigma_r ||Delta||_F^2 "
        "(Tu, Boczar, Simchowitz, Soltanolkotabi, Recht, ICML 2016, Lemma 5.4)"
    )
    assumptions = (*HYP, PROCRUSTES, PSD_TRACE, GRAM)
    if within:
        lemma = chain(
            "mf_strict_saddle.L2",
            statement,
            [expand, square],
            assumptions=assumptions,
            proof=f"L2_expand and L2_square give ||E||^2 >= {c2_text} tr(G P) and tr(G P) >= "
            "lambda_min(U*^T U*) tr(G) = sigma_r ||Delta||_F^2",
        )
    else:
        x = l2_witness(a, b)
        ratio = (1 + x**4) / (1 + x**2) if x is not None else None
        lemma = verdict(
            "mf_strict_saddle.L2",
            statement,
            "exact",
            False if x is not None else None,
            proof="",
            assumptions=assumptions,
            counterexample=f"d = 2, r = 1, M = e1 e1^T (sigma_r = 1), U = {x} e2, U* = e1 "
            f"(closest, U*^T U = 0): ||E||^2/||Delta||^2 = (1 + x^4)/(1 + x^2) = {ratio} < "
            f"{c2_text} (exact)",
            reason=f"{c2_text} exceeds 2(sqrt2 - 1) by too little for a 60-bit witness",
        )
    xs2 = SQRT2 - 1  # x^2 at the minimiser
    value = sp.radsimp((1 + xs2**2) / (1 + xs2))
    sharp = verdict(
        "mf_strict_saddle.L2_sharp",
        "the constant 2(sqrt2 - 1) of L2 is attained: d = 2, r = 1, M = e1 e1^T, U = x e2, "
        "x^2 = sqrt2 - 1",
        "symbolic",
        is_identity(value, BOUND2) or None,
        assumptions=HYP,
        proof="U* = e1 is closest (U*^T U = 0): ||E||^2/||Delta||^2 = (1 + x^4)/(1 + x^2) = "
        "(4 - 2 sqrt2)/sqrt2 = 2 sqrt2 - 2 at x^2 = sqrt2 - 1 (the minimum over x)",
        reason="did not reduce",
    )
    return [expand, square, lemma, sharp]


def branch_constant(c1, c2) -> tuple[Fraction, Fraction]:
    """``(3 - c1) c2`` as ``(a, b)`` meaning ``a + b sqrt 2``.

    L1 and L2 give ``Hess[Delta, Delta] <= -(3 - c1) c2 t^2 + 4 <grad f, Delta>``.
    """
    a, b = sqrt2_form(c2)
    k = 3 - Fraction(c1)
    return k * a, k * b

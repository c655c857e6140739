"""Matrix factorization is ``(2 sigma_r/3, 10 sigma_1)``-regular near its minima (CLAIMS s.4, [R]).

Recalled claim (Jin et al., ICML 2017, section 5, "Lemma 8" as recalled): for ``dist(U, {V* R}) <=
sigma_r^(1/2)/3``, with ``U* = P(U)`` the closest minimum and ``Delta = U - U*``,

    <grad f(U), Delta> >= (alpha/2) ||Delta||^2 + ||grad f(U)||^2 / (2 beta),
    (alpha, beta) = (2 sigma_r/3, 10 sigma_1).

Proof checked here (units ``sigma_r = 1``, ``t = ||Delta||_F <= zeta``,
``E = U U^T - M``), using only elementary facts:

    <grad f, Delta> = ||E||^2 + <E, Delta Delta^T> >= ||E||^2 - ||E|| t^2        (identity)
    ||grad f||^2 <= 4 ||E||^2 ||U||_2^2 <= 4 ||E||^2 sigma_1 (1 + zeta)^2   (||U|| <= ||U*|| + t)
    ||E|| >= (sqrt2 - t) t                                            (mf_strict_saddle.cross_term)

so with ``k = 2(1 + zeta)^2/beta_c`` the claim follows from
``(1 - k) y^2 - y t^2 >= (alpha_c/2) t^2`` at ``y = ||E||``; the left side increases in
``y`` beyond ``t^2/(2(1 - k))``, so it suffices at ``y = (sqrt2 - t) t``:
``(1 - k)(sqrt2 - t)^2 - (sqrt2 - t) t >= alpha_c/2`` on ``[0, zeta]`` (interval arithmetic).
For ``r = 1`` a polar branch-and-bound cover decides the claim directly and
finds exact rational counterexamples for wrong constants.
"""

from __future__ import annotations

import math
from fractions import Fraction

from flint import arb

from proofs._algebra import generic_matrix, is_identity
from proofs._interval import cover, frac, q, sq
from proofs._step import Step, verdict

HYP = (
    "f(U) = ||U U^T - M||_F^2/2, M PSD of rank r, sigma_r = 1 (homogeneity)",
    "U* = P(U) the closest minimum: U*^T Delta symmetric (orthogonal Procrustes)",
)


def chain_scalar(alpha, beta, zeta, max_boxes=2000):
    """The one-variable inequality of the chain, ``(True | None, text)``."""
    al, be, ze = q(alpha), q(beta), q(zeta)
    k = 2 * (1 + ze) ** 2 / be
    if not k < 1:
        return None, f"k = 2(1 + zeta)^2/beta_c = {k} >= 1"
    s2 = arb(2).sqrt()
    if not ze / (2 * (1 - k)) <= s2 - ze:
        return None, "the vertex condition zeta/(2(1 - k)) <= sqrt2 - zeta fails"

    def decide(balls):
        (T,) = balls
        s = s2 - T
        return bool((1 - k) * sq(s) - s * T - al / 2 >= 0)

    def violated(centre):
        T = arb(centre[0])
        value = (1 - k) * sq(s2 - T) - (s2 - T) * T - al / 2
        return (
            f"t = {centre[0]}: the left side minus {alpha}/2 is {value} < 0" if value < 0 else None
        )

    res = cover([(q(0), ze)], decide, violated, max_boxes=max_boxes)
    if res.holds:
        return True, (
            f"k = {k}; (1 - k)(sqrt2 - t)^2 - (sqrt2 - t) t >= {alpha}/2 on [0, {zeta}] "
            f"({res.boxes} arb intervals); vertex condition holds"
        )
    if res.holds is False:
        return False, res.note
    return None, f"the inequality is not certified on [0, {zeta}] ({res.note})"


def r1_regular(a: Fraction, b: Fraction, alpha, beta) -> Fraction:
    """Exact ``<grad, Delta> - ||grad||^2/(2 beta) - (alpha/2)||Delta||^2``.

    At ``U = (a, b)``, ``M = e1 e1^T``, ``Delta = U - e1``.
    """
    n = a * a + b * b
    g = (2 * a * (n - 1), 2 * b * n)
    p, w = a - 1, b
    return g[0] * p + g[1] * w - (g[0] ** 2 + g[1] ** 2) / (2 * beta) - alpha / 2 * (p * p + w * w)


def r1_cover(alpha, beta, zeta, max_boxes=20000):
    """Polar cover ``Delta = rho (cos phi, sin phi)``, ``rho <= zeta``, ``phi in [0, pi]``, of

    ``[<grad, Delta> - ||grad||^2/(2 beta)]/rho^2 >= alpha/2`` with
    ``<grad, Delta>/rho^2 = 2a cos(2cos + rho) + 2 sin^2 n`` and
    ``||grad||^2/rho^2 = 4a^2 (2cos + rho)^2 + 4 sin^2 n^2`` (``a = 1 + rho cos``,
    ``n = 1 + 2 rho cos + rho^2``).
    """
    al, be, ze = Fraction(alpha), Fraction(beta), Fraction(zeta)
    alq, beq = q(al), q(be)
    pi_hi = q(Fraction(355, 113))  # > pi

    def decide(balls):
        R, Phi = balls
        c, s = Phi.cos(), Phi.sin()
        a = 1 + R * c
        n = 1 + 2 * R * c + sq(R)
        inner_ = 2 * a * c * (2 * c + R) + 2 * sq(s) * n
        grad2 = 4 * sq(a) * sq(2 * c + R) + 4 * sq(s) * sq(n)
        return bool(inner_ - grad2 / (2 * beq) - alq / 2 >= 0)

    def violated(centre):
        rho, phi = (float(frac(x)) for x in centre)
        p = Fraction(rho * math.cos(phi)).limit_denominator(10**6)
        w = Fraction(abs(rho * math.sin(phi))).limit_denominator(10**6)
        if p * p + w * w == 0 or p * p + w * w > ze * ze:
            return None
        if r1_regular(1 + p, w, al, be) < 0:
            return (
                f"d = 2, r = 1, M = e1 e1^T, U = ({1 + p}, {w})^T (dist "
                f"{float(p * p + w * w) ** 0.5:.4g}"
                f" <= {ze}): <grad, Delta> < (alpha/2)||Delta||^2 + ||grad||^2/(2 beta) exactly"
            )
        return None

    return cover([(q(0), q(ze)), (q(0), pi_hi)], decide, violated, max_boxes=max_boxes)


def check(alpha=Fraction(2, 3), beta=10, zeta=Fraction(1, 3), max_boxes=20000) -> list[Step]:
    """Check ``(alpha sigma_r, beta sigma_1)``-regularity within ``zeta sigma_r^(1/2)`` of minima.

    Examples:
        >>> [s.status for s in check()]
        ['proved', 'proved', 'proved', 'proved']
    """
    al, be, ze = Fraction(alpha), Fraction(beta), Fraction(zeta)
    stmt = (
        f"(alpha, beta) = ({al} sigma_r, {be} sigma_1)-regular within {ze} sigma_r^(1/2) "
        "of the minima"
    )
    steps = []
    U, D = generic_matrix("U", 3, 2), generic_matrix("Delta", 3, 2)
    M = (U - D) * (U - D).T
    E = U * U.T - M
    lhs = sum(x * y for x, y in zip(2 * E * U, D, strict=True))
    rhs = sum(x * x for x in E) + sum(x * y for x, y in zip(E, D * D.T, strict=True))
    steps.append(
        verdict(
            "mf_regularity.inner",
            "<grad f(U), Delta> = ||E||^2 + <E, Delta Delta^T>",
            "symbolic",
            is_identity(lhs, rhs) or None,
            assumptions=HYP,
            proof="U Delta^T + Delta U^T = E + Delta Delta^T; entrywise identity for d x r = 3 x 2 "
            "(size-free by the matrix-symbol identity in mf_strict_saddle.hessian_identity)",
            reason="did not reduce",
        )
    )

    ok, why = chain_scalar(al, be, ze)
    scalar = verdict(
        "mf_regularity.scalar",
        f"(1 - k)(sqrt2 - t)^2 - (sqrt2 - t) t >= {al / 2} for t in [0, {ze}], k = 2(1 + "
        f"{ze})^2/{be}",
        "interval",
        ok,
        proof=why,
        reason=why,
        counterexample=why,
        assumptions=(),
    )
    steps.append(scalar)

    res = r1_cover(al, be, ze, max_boxes=max_boxes)
    r1 = verdict(
        "mf_regularity.r1",
        f"r = 1, every d: f is {stmt}",
        "interval",
        res.holds,
        assumptions=(*HYP, "r = 1: rotate M = sigma v v^T to e1 e1^T, U = (a, b, 0, ...)"),
        proof=f"Delta = rho (cos phi, sin phi), rho in [0, {ze}], phi in [0, pi] (b >= 0 by "
        f"reflection) covered by {res.boxes} boxes (arb)",
        counterexample=res.note,
        reason=res.note,
    )
    steps.append(r1)

    base = dict(
        assumptions=(
            *HYP,
            "||grad f|| <= 2 ||E||_F ||U||_2, ||U||_2 <= sqrt(sigma_1) + t <= (1 + zeta) "
            "sqrt(sigma_1)",
            "mf_regularity.inner",
            "mf_strict_saddle.cross_term",
        )
    )
    key, full = "mf_regularity.general", f"every d >= r: f is {stmt}"
    if scalar.status == "proved":
        steps.append(
            verdict(
                key,
                full,
                "interval",
                True,
                proof=(
                    "<grad, Delta> - ||grad||^2/(2 beta) >= (1 - k)||E||^2 - ||E|| t^2 >= "
                    "(alpha_c/2) t^2 "
                    "by mf_regularity.scalar at ||E|| >= (sqrt2 - t) t"
                ),
                **base,
            )
        )
    elif r1.status == "refuted":
        steps.append(
            verdict(
                key, full, "interval", False, proof="", counterexample=f"r = 1: {r1.detail}", **base
            )
        )
    else:
        steps.append(
            verdict(
                key,
                full,
                "interval",
                None,
                proof="",
                reason=f"the chain does not close: {scalar.detail}",
                **base,
            )
        )
    return steps

"""Matrix factorization: the strict-saddle constants (CLAIMS section 4, [R]).

Recalled claim (Jin et al., ICML 2017, section 5, "Lemma 7" as recalled): every ``U`` has
``||grad f(U)|| >= theta`` or ``lambda_min(Hess f(U)) <= -gamma`` or
``dist(U, {V* R}) <= zeta`` with ``(theta, gamma, zeta) = (sigma_r^(3/2)/24,
sigma_r/3, sigma_r^(1/2)/3)``. Units: by homogeneity (``f_{s^2 M}(s U) = s^4
f_M(U)``) take ``sigma_r = 1``; the constants are ``theta_c, gamma_c, zeta_c``.

General ``d >= r`` (unconditional: both lemmas re-derived in ``proofs/_mf_lemmas.py``).
``U* = V* R`` closest to ``U``, ``Delta = U - U*``, ``t = ||Delta||_F`` (so
``t > zeta_c`` off the neighbourhood), ``E = U U^T - M``:

    Hess[Delta, Delta] = ||Delta Delta^T||^2 - 3||E||^2 + 4<grad f, Delta>      (identity)
    ||E|| >= ||U* Delta^T + Delta U*^T|| - ||Delta Delta^T|| >= (sqrt 2 - t) t  (U*^T Delta sym.)
    L1 (Ge, Jin, Zheng 2017):   ||Delta Delta^T||^2 <= c1 ||E||^2,       c1 = 2
    L2 (Tu et al. 2016):        ||E||^2 >= c2 t^2,                      c2 = 2(sqrt 2 - 1)

so with ``||grad f|| < theta_c``: ``lambda_min <= Hess[Delta,Delta]/t^2 <
min(t^2 - 3(sqrt 2 - t)^2, -(3 - c1) c2) + 4 theta_c/t``, which is
``<= -gamma_c`` for all ``t >= zeta_c`` (interval arithmetic). L1 and L2 are
re-derived from trace identities (SymPy) and textbook facts (Procrustes, traces
of PSD products), and both constants are sharp; their lemma numbers (GJZ
Lemma 6, Tu et al. Lemma 5.4) are as recalled.

``r = 1``, all ``d`` (unconditional): rotating ``M = sigma v v^T`` to ``e1 e1^T``
reduces to ``U = (a, b, 0, ...)``, ``a, b >= 0``, with exact formulas for
``||grad||^2``, ``lambda_min`` and the distance; a branch-and-bound cover with
``arb`` decides every box, or returns an exact rational counterexample.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb

from proofs._algebra import bilinear_vectors, generic_matrix, inner, is_identity
from proofs._interval import cover, frac, nonneg_sqrt, q, sq, upper_q
from proofs._mf_lemmas import BOUND2, PROCRUSTES, branch_constant, l1_steps, l2_steps
from proofs._step import Step, verdict
from proofs.mf_derivatives import hess_form

HYP = ("f(U) = ||U U^T - M||_F^2/2, M PSD of rank r, sigma_r = 1 (homogeneity)",)


def r1_quantities(a, b):
    """``(||grad||^2, disc, n)`` at ``U = (a, b)``, ``M = e1 e1^T``.

    ``lambda_min = 4n - 1 - sqrt(disc)``.
    """
    n = a * a + b * b
    return 4 * a * a * (n - 1) ** 2 + 4 * b * b * n * n, 4 * n * n - 4 * a * a + 4 * b * b + 1, n


def r1_reduction_step() -> Step:
    """The r = 1 formulas, checked against the general Hessian and gradient."""
    a, b = sp.symbols("a b", real=True)
    U = sp.Matrix([a, b])
    M = sp.Matrix([[1, 0], [0, 0]])
    grad = 2 * (U * U.T - M) * U
    D = generic_matrix("D", 2, 1)
    form = sp.expand(hess_form(U, M, D))
    H = sp.Matrix(2, 2, lambda i, j: sp.diff(form, D[i], D[j]) / 2)
    g2, disc, n = r1_quantities(a, b)
    tr = H.trace()
    ok = (
        is_identity(grad.dot(grad), g2)
        and is_identity(tr, 8 * n - 2)
        and is_identity(tr**2 / 4 - H.det(), disc / 4 * 4)
    )
    return verdict(
        "mf_strict_saddle.r1_reduction",
        "r = 1: ||grad||^2 = 4a^2(n-1)^2 + 4b^2 n^2, lambda_min = 4n - 1 - sqrt(4n^2 - 4a^2 + "
        "4b^2 + 1), n = a^2 + b^2",
        "symbolic",
        ok or None,
        assumptions=(
            *HYP,
            "rotate M = sigma v v^T to e1 e1^T; U = (a, b, 0, ...); on span(U, e1)^perp "
            "Hess = 2n I >= 0",
        ),
        proof="trace and (trace/2)^2 - det of the 2 x 2 Hessian block "
        "and ||grad||^2 reduced to the formulas",
        reason="an identity did not reduce",
    )


def r1_violation(a: Fraction, b: Fraction, th, ga, ze) -> bool:
    """Exact: ``||grad|| < theta``, ``lambda_min > -gamma``, ``dist > zeta`` at ``(a, b)``."""
    g2, disc, n = r1_quantities(a, b)
    lhs = 4 * n - 1 + ga  # lambda_min > -gamma  iff  lhs > sqrt(disc)
    return g2 < th * th and lhs > 0 and lhs * lhs > disc and (a - 1) ** 2 + b * b > ze * ze


def r1_cover(th, ga, ze, max_boxes=20000):
    """Branch and bound over ``a, b >= 0`` for the r = 1 strict-saddle property.

    Outside ``[0, R]^2`` we have ``n = a^2 + b^2 > R^2 >= N`` and
    ``||grad||^2 >= 4n(n-1)^2 >= 4N(N-1)^2 >= theta^2`` (``n >= 1``).

    Returns:
        ``(Cover, N, R)``.
    """
    th, ga, ze = Fraction(th), Fraction(ga), Fraction(ze)
    big_n = 2
    while 4 * big_n * (big_n - 1) ** 2 < th * th:
        big_n += 1
    rad = 1
    while rad * rad < big_n:
        rad += 1
    thq, gaq, zeq = q(th), q(ga), q(ze)

    def decide(balls):
        A, B = balls
        A2, B2 = sq(A), sq(B)
        n = A2 + B2
        if 4 * A2 * sq(n - 1) + 4 * B2 * sq(n) >= thq * thq:
            return True
        if 4 * n - 1 - nonneg_sqrt(4 * sq(n) - 4 * A2 + 4 * B2 + 1) <= -gaq:
            return True
        return bool(sq(A - 1) + B2 <= zeq * zeq)

    def violated(centre):
        a, b = (frac(x) for x in centre)
        if not r1_violation(a, b, th, ga, ze):
            return None
        g2, disc, n = r1_quantities(a, b)
        lam = float(4 * n - 1) - float(disc) ** 0.5
        return (
            f"d = 2, r = 1, M = e1 e1^T, U = ({a}, {b})^T: ||grad|| = {float(g2) ** 0.5:.4g} "
            f"< {th}, lambda_min = {lam:.4g} > -{ga}, dist = "
            f"{float((a - 1) ** 2 + b * b) ** 0.5:.4g}"
            f" > {ze}"
        )

    box = [(q(0), q(rad)), (q(0), q(rad))]
    return cover(box, decide, violated, max_boxes=max_boxes), big_n, rad


def chain_scalar(th, ga, ze, max_boxes=4000, branch=(-2, 2)):
    """Is ``min(t^2 - 3(sqrt2 - t)^2, -k) + 4 theta/t <= -gamma`` for all ``t >= zeta``?

    ``k = (3 - c1) c2 = a + b sqrt 2`` with ``(a, b) = branch`` (L1 and L2; ``2(sqrt2 - 1)``).
    Returns ``(True | None, text)``: the second branch alone holds for
    ``t >= t2 = 4 theta/(k - gamma)``; the first, multiplied by
    ``t > 0``, is ``p(t) = t^3 - 3t(sqrt2 - t)^2 + 4 theta + gamma t <= 0``, proved by
    an interval cover of ``[zeta, t2]`` (needs ``t2 <= sqrt 2``).
    """
    s2 = arb(2).sqrt()
    k = q(branch[0]) + q(branch[1]) * s2
    gap = k - q(ga)
    if not gap > 0:
        return None, f"gamma_c = {ga} >= (3 - c1) c2 = {k}: the L1/L2 branch never reaches -gamma"
    t2 = 4 * q(th) / gap
    t2_hi = upper_q(t2)
    if not t2_hi < s2:
        return None, f"t2 = {t2} > sqrt 2: the first branch is not available up to t2"
    if t2_hi <= q(ze):
        return True, f"t >= t2 = {t2}: -(3 - c1) c2 + 4 theta/t <= -gamma"

    def decide(balls):
        (T,) = balls
        return bool(T * sq(T) - 3 * T * sq(s2 - T) + 4 * q(th) + q(ga) * T <= 0)

    res = cover([(q(ze), t2_hi)], decide, lambda c: None, max_boxes=max_boxes)
    if res.holds:
        return True, (
            f"p(t) <= 0 on [zeta, t2] = [{ze}, {t2_hi}] ({res.boxes} arb intervals) and "
            f"the L2 branch for t >= t2 = {t2}"
        )
    return None, f"p(t) <= 0 not certified on [{ze}, {t2_hi}]: {res.note or 'p > 0 somewhere'}"


def check(
    theta=Fraction(1, 24),
    gamma=Fraction(1, 3),
    zeta=Fraction(1, 3),
    max_boxes=20000,
    landscape=True,
    l1_const=2,
    l2_const=BOUND2,
) -> list[Step]:
    """Check the constants ``(theta sigma_r^(3/2), gamma sigma_r, zeta sigma_r^(1/2))``.

    Args:
        theta, gamma, zeta: the constants in units of ``sigma_r`` (1/24, 1/3, 1/3).
        max_boxes: budget of the r = 1 cover.
        landscape: also run saddlecheck's landscape checker on small instances
            (about 10 s; tests of the other steps switch it off).
        l1_const, l2_const: the constants ``c1`` of L1 (2) and ``c2`` of L2
            (``2(sqrt 2 - 1)``, a rational or ``a + b*sqrt(2)``).

    Examples:
        >>> [s.status for s in check(landscape=False)][-2:]
        ['proved', 'proved']
    """
    th, ga, ze = Fraction(theta), Fraction(gamma), Fraction(zeta)
    stmt = f"(theta, gamma, zeta) = ({th} sigma_r^(3/2), {ga} sigma_r, {ze} sigma_r^(1/2))"
    steps = []
    d, r, s = sp.symbols("d r s", positive=True)
    Um, Mm = sp.MatrixSymbol("U", d, r), sp.MatrixSymbol("M", d, d)
    scaled = ((s * Um) * (s * Um).T - s**2 * Mm) - s**2 * (Um * Um.T - Mm)
    steps.append(
        verdict(
            "mf_strict_saddle.scaling",
            "f_{s^2 M}(s U) = s^4 f_M(U): grad, Hess, dist scale by s^3, "
            "s^2, s, like theta, gamma, zeta; so sigma_r = 1 loses no generality",
            "symbolic",
            bool(scaled.expand().is_ZeroMatrix) or None,
            assumptions=(),
            proof="(sU)(sU)^T - s^2 M = s^2 (U U^T - M) (matrix symbols)",
            reason="did not reduce",
        )
    )

    Ds = sp.MatrixSymbol("Delta", d, r)
    e_id = bool(
        ((Um * Um.T - (Um - Ds) * (Um - Ds).T) - (Um * Ds.T + Ds * Um.T - Ds * Ds.T))
        .expand()
        .is_ZeroMatrix
    )
    ev, bv = bilinear_vectors("e b")
    hess = inner(ev + bv, ev + bv) + 2 * inner(ev, bv)
    scal = is_identity(
        hess, inner(bv, bv) - 3 * inner(ev, ev) + 4 * (inner(ev, ev) + inner(ev, bv))
    )
    U2, D2 = generic_matrix("U", 3, 2), generic_matrix("Delta", 3, 2)
    Ms = (U2 - D2) * (U2 - D2).T
    E2 = U2 * U2.T - Ms
    g_d = sum(x * y for x, y in zip(2 * E2 * U2, D2, strict=True))
    rhs = sum(x * x for x in D2 * D2.T) - 3 * sum(x * x for x in E2) + 4 * g_d
    entry = is_identity(hess_form(U2, Ms, D2), rhs)
    steps.append(
        verdict(
            "mf_strict_saddle.hessian_identity",
            "Hess f(U)[Delta, Delta] = ||Delta Delta^T||^2 - 3||E||^2 + 4<grad f(U), Delta>, "
            "M = (U - Delta)(U - Delta)^T",
            "symbolic",
            (e_id and scal and entry) or None,
            assumptions=HYP,
            proof="U Delta^T + Delta U^T = E + Delta Delta^T (matrix symbols); "
            "<grad f, Delta> = <E, E + Delta Delta^T>; bilinear identity in E, "
            "B = Delta Delta^T; also entrywise for d x r = 3 x 2",
            reason="an identity did not reduce",
        )
    )

    X3, D3 = generic_matrix("X", 3, 2), generic_matrix("Delta", 3, 2)
    A = X3 * D3.T + D3 * X3.T
    cross = is_identity(
        sum(x * x for x in A), 2 * (D3.T * D3 * X3.T * X3).trace() + 2 * ((X3.T * D3) ** 2).trace()
    )
    steps.append(
        verdict(
            "mf_strict_saddle.cross_term",
            "||E|| >= ||U* Delta^T + Delta U*^T|| - ||Delta Delta^T|| >= (sqrt2 - t) t  (t = "
            "||Delta||_F, "
            "sigma_r = 1)",
            "symbolic",
            cross or None,
            assumptions=(
                *HYP,
                PROCRUSTES,
                "tr(P G) >= lambda_min(G) tr(P) for P, G PSD",
                "||Delta Delta^T||_F <= ||Delta||_F^2",
            ),
            proof="||X D^T + D X^T||^2 = 2 tr(D^T D X^T X) + 2 tr((X^T D)^2) (entrywise identity, "
            "3 x 2; trace cyclicity in general) >= 2 sigma_r ||D||^2 as X^T D is symmetric",
            reason="did not reduce",
        )
    )

    l1 = l1_steps(l1_const)
    l2 = l2_steps(l2_const)
    steps += l1 + l2
    lemmas = [x for x in l1 + l2 if x.key in ("mf_strict_saddle.L1", "mf_strict_saddle.L2")]

    steps.append(r1_reduction_step())
    res, big_n, rad = r1_cover(th, ga, ze, max_boxes=max_boxes)
    r1 = verdict(
        "mf_strict_saddle.r1",
        f"r = 1, every d: f is {stmt}-strict saddle",
        "interval",
        res.holds,
        assumptions=(*HYP, "mf_strict_saddle.r1_reduction"),
        proof=f"a, b in [0, {rad}] covered by {res.boxes} boxes (arb); outside, n >= {big_n} and "
        f"||grad||^2 >= 4n(n-1)^2 >= {4 * big_n * (big_n - 1) ** 2} >= theta^2",
        counterexample=f"{res.note} (inequalities checked in exact rationals)",
        reason=res.note,
    )
    steps.append(r1)

    ok, why = chain_scalar(th, ga, ze, branch=branch_constant(l1_const, l2_const))
    broken = [x for x in lemmas if x.status != "proved"]
    if ok and broken:
        ok, why = (
            None,
            "the lemmas do not hold as stated: "
            + ", ".join(f"{x.key} ({x.status})" for x in broken),
        )
    base = dict(
        assumptions=(
            *HYP,
            PROCRUSTES,
            "mf_strict_saddle.L1",
            "mf_strict_saddle.L2",
            "mf_strict_saddle.hessian_identity",
            "mf_strict_saddle.cross_term",
        )
    )
    if ok:
        steps.append(
            verdict(
                "mf_strict_saddle.general",
                f"every d >= r: f is {stmt}-strict saddle",
                "interval",
                True,
                proof=(
                    "off the zeta-neighbourhood with ||grad|| < theta: lambda_min <= "
                    "Hess[Delta,Delta]/t^2 "
                    f"< min(t^2 - 3(sqrt2 - t)^2, -(3 - c1) c2) + 4 theta/t <= -gamma: {why}"
                ),
                **base,
            )
        )
    elif r1.status == "refuted":
        steps.append(
            verdict(
                "mf_strict_saddle.general",
                f"every d >= r: f is {stmt}-strict saddle",
                "interval",
                False,
                proof="",
                counterexample=f"r = 1: {r1.detail}",
                **base,
            )
        )
    else:
        steps.append(
            verdict(
                "mf_strict_saddle.general",
                f"every d >= r: f is {stmt}-strict saddle",
                "interval",
                None,
                proof="",
                reason=f"the chain does not close: {why}",
                **base,
            )
        )
    if landscape:
        steps.append(landscape_checker_step(th, ga, ze))
    return steps


LANDSCAPE_INSTANCES = ((2, 1, (1,)), (2, 2, (1, 1)))
"""(d, r, s) with sigma = s^2: instances checked by saddlecheck's landscape checker."""


def landscape_checker_step(th, ga, ze, instances=LANDSCAPE_INSTANCES) -> Step:
    """The strict-saddle property on concrete instances by ``saddlecheck.check_strict_saddle``.

    Each instance is built exactly (``saddlecheck.problems.matrix_factorization``:
    rational orthogonal ``Q``, ``sigma = s^2``, ``Gamma = 4 sigma_1``) and checked
    on the box ``[-sqrt(Gamma), sqrt(Gamma)]^{dr}``, which contains the region
    ``||U||^2 <= Gamma``, with the rigorous distance to the orbit ``{V* R}`` of
    minima. True on every instance is ``proved`` for those instances (interval
    covering); a counterexample box is ``refuted``; a budget overrun is ``open``.
    This is the only step of proofs/ that runs saddlecheck's own code.
    """
    from saddlecheck.landscape.strict_saddle import check_strict_saddle
    from saddlecheck.problems import matrix_factorization

    names, verdicts, details = [], [], []
    for d, r, svals in instances:
        p = matrix_factorization(d, r, s=svals)
        sr = p.constants["sigma_r"].value
        theta = th * sr ** sp.Rational(3, 2)
        rep = check_strict_saddle(
            p.objective,
            p.box,
            theta=Fraction(str(theta)) if theta.is_Rational else float(theta),
            gamma=ga * Fraction(str(sr)),
            zeta=ze * Fraction(str(sp.sqrt(sr))),
            minima=p.minima_distance.bounds,
        )
        names.append(f"(d, r, sigma) = ({d}, {r}, {p.options['sigma']})")
        verdicts.append(rep.holds)
        if rep.holds is False:
            details.append(f"{names[-1]}: counterexample box {rep.counterexample}")
        elif rep.holds is None:
            details.append(f"{names[-1]}: undecided ({rep.reason})")
        else:
            details.append(f"{names[-1]}: covered by {sum(rep.counts.values())} proved boxes")
    if all(v is True for v in verdicts):
        status = "proved"
    elif any(v is False for v in verdicts):
        status = "refuted"
    else:
        status = "open"
    return Step(
        "mf_strict_saddle.landscape_checker",
        f"saddlecheck.check_strict_saddle: ({th}, {ga}, {ze}) strict saddle on "
        + "; ".join(names)
        + ", box [-sqrt(Gamma), sqrt(Gamma)]^(dr), Gamma = 4 sigma_1",
        "interval",
        status,
        ("saddlecheck.check_strict_saddle (issue 5): interval covering, proved minima distance",),
        "; ".join(details),
    )

"""PGD's iterates stay in ``{U : ||U||_2^2 < Gamma}`` (the region of the smoothness constants).

PGD on ``f(U) = ||U U^T - M||_F^2/2`` with ``eta = c/ell``, ``ell = k Gamma``
(``k = 8``), ``0 < c <= c_max`` (``c_max = 1``), ``g_thres = sqrt(c) eps/chi^2``,
radius ``r = g_thres/ell``, ``chi >= 12``, ``eps = sigma_r^2/(den sqrt(Gamma))``
(``den = 108``), ``sqrt(Gamma) = gf max(||U0||, 3 sqrt(sigma_1))`` (``gf = 2``).
With ``s = ||U||_2`` and ``w = sqrt(sigma_1)``:

* gradient step: ``U - eta grad f(U) = U (I - 2 eta U^T U) + 2 eta M U``, so
  ``||U_+|| <= s (1 - 2 eta s^2) + 2 eta w^2 s`` when ``6 eta s^2 <= 1``
  (``x (1 - 2 eta x^2)`` is nonnegative and nondecreasing on ``[0, s]``), and that is
  ``<= max(s, w (1 + 2 eta w^2))``;
* perturbation points have ``||grad f(U)|| <= g_thres``, hence
  ``s^2 <= w^2 + g_thres/(2 w)`` (the top singular pair gives
  ``||grad f|| >= 2 s (s^2 - w^2)``), and ``||U + xi||_2 <= s + r``;
* so by induction every iterate (and perturbed point) has ``||U||_2^2 <= B =
  max(Gamma/gf^2, w^2 (1 + 2 eta w^2)^2, (sqrt(w^2 + g_thres/(2w)) + r)^2)``, provided
  ``6 eta B <= 1``; exact rational checks give ``B = Gamma/4 < Gamma``;
* PGDli's local phase (GD with ``eta <= 1/beta`` from a ``zeta``-close point)
  never increases the distance to the minima (regularity), so ``||U||_2 <=
  sqrt(sigma_1) + zeta``.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs._algebra import bilinear_vectors, generic_symmetric, inner, is_identity
from proofs._step import Step, chain, verdict

SVD = "thin SVD U = P Sigma Q^T (P^T P = I, Q orthogonal): ||P X Q^T||_2 = ||X||_2"
NORMS = "||A + B||_2 <= ||A||_2 + ||B||_2, ||M U||_2 <= ||M||_2 ||U||_2, ||A||_2 <= ||A||_F"
PGD = (
    "PGD (Jin et al. Algorithm 2): x_{t+1} = x_t - eta grad f(x_t); x_t <- x_t + xi, "
    "||xi||_F <= r, only when ||grad f(x_t)|| <= g_thres"
)


def _rotation(t):
    """The rational rotation ``((1 - t^2), -2t; 2t, (1 - t^2))/(1 + t^2)``."""
    n = 1 + t * t
    return sp.Matrix([[(1 - t * t) / n, -2 * t / n], [2 * t / n, (1 - t * t) / n]])


def gd_step() -> Step:
    """``||U - eta grad f(U)||_2 <= s(1 - 2 eta (s^2 - sigma_1))`` when ``6 eta s^2 <= 1``."""
    eta, x = sp.symbols("eta x", real=True)
    d, r = sp.symbols("d r", positive=True, integer=True)
    U, M = sp.MatrixSymbol("U", d, r), sp.MatrixSymbol("M", d, d)
    split = (U - eta * 2 * (U * U.T - M) * U) - (U * (sp.Identity(r) - 2 * eta * U.T * U))
    ok = bool((split - 2 * eta * M * U).expand().is_ZeroMatrix)
    P, S, Q = sp.MatrixSymbol("P", d, r), sp.MatrixSymbol("Sigma", r, r), sp.MatrixSymbol("Q", r, r)
    Us = P * S * Q.T
    svd = (Us * (sp.Identity(r) - 2 * eta * Us.T * Us)).expand() - (
        P * S * (sp.Identity(r) - 2 * eta * S.T * S) * Q.T
    ).expand()
    svd = svd.subs({P.T * P: sp.Identity(r), Q.T * Q: sp.Identity(r)})
    ok = ok and bool(svd.expand().is_ZeroMatrix)
    phi = x * (1 - 2 * eta * x**2)
    ok = ok and is_identity(sp.diff(phi, x), 1 - 6 * eta * x**2)
    ok = ok and is_identity(phi, x * (1 - 6 * eta * x**2) + 4 * eta * x**3)
    return verdict(
        "mf_theorem.region_gd_step",
        "6 eta s^2 <= 1 implies ||U - eta grad f(U)||_2 <= s (1 - 2 eta (s^2 - sigma_1)), "
        "s = ||U||_2",
        "symbolic",
        ok or None,
        assumptions=(SVD, NORMS, "grad f(U) = 2 (U U^T - M) U (mf_derivatives.gradient)"),
        proof="U - eta grad f = U (I - 2 eta U^T U) + 2 eta M U (matrix symbols); U (I - 2 eta "
        "U^T U) = P Sigma (I - 2 eta Sigma^2) Q^T (matrix symbols with P^T P = Q^T Q = I), "
        "norm max_i phi(s_i), phi(x) = x (1 - 2 eta x^2); phi' = 1 - "
        "6 eta x^2 >= 0 and phi = x (1 - 6 eta x^2) + 4 eta x^3 >= 0 on [0, s], so the norm is "
        "phi(s); ||2 eta M U|| <= 2 eta sigma_1 s",
        reason="an identity did not reduce",
    )


def gd_max() -> Step:
    """``s(1 - 2 eta (s^2 - w^2)) <= max(s, w (1 + 2 eta w^2))`` for ``s, w, eta >= 0``."""
    s, w, eta = sp.symbols("s w eta", nonnegative=True)
    psi = s * (1 - 2 * eta * (s**2 - w**2))
    ok = is_identity(s - psi, 2 * eta * s * (s - w) * (s + w))
    ok = ok and is_identity(
        w * (1 + 2 * eta * w**2) - psi, (w - s) * (1 + 2 * eta * w**2) + 2 * eta * s**3
    )
    return verdict(
        "mf_theorem.region_gd_max",
        "s (1 - 2 eta (s^2 - sigma_1)) <= max(s, sqrt(sigma_1) (1 + 2 eta sigma_1))",
        "symbolic",
        ok or None,
        assumptions=("s, eta >= 0, w = sqrt(sigma_1) > 0",),
        proof="s - psi = 2 eta s (s - w)(s + w) >= 0 when s >= w; w (1 + 2 eta w^2) - psi = "
        "(w - s)(1 + 2 eta w^2) + 2 eta s^3 >= 0 when s <= w (identities)",
        reason="an identity did not reduce",
    )


def stationary() -> Step:
    """``||grad f(U)||_F <= g`` implies ``||U||_2^2 <= sigma_1 + g/(2 sqrt(sigma_1))``."""
    t, u, s1, s2, g, s, w = sp.symbols("t u s1 s2 g s w", real=True)
    P, Q, Mm = _rotation(u), _rotation(t), generic_symmetric("M", 2)
    U = P * sp.diag(s1, s2) * Q.T
    p, v = P[:, 0], Q[:, 0]
    lhs = (p.T * 2 * (U * U.T - Mm) * U * v)[0]
    ok = is_identity(lhs, 2 * s1 * (s1**2 - (p.T * Mm * p)[0]))
    ok = ok and is_identity(
        w**2 + g / (2 * w) - s**2,
        (g / 2 - s * (s**2 - w**2)) / w + (s**2 - w**2) * (s - w) / w,
    )
    return verdict(
        "mf_theorem.region_stationary",
        "||grad f(U)||_F <= g implies ||U||_2^2 <= sigma_1 + g/(2 sqrt(sigma_1))",
        "symbolic",
        ok or None,
        assumptions=(
            "top singular pair U v = s p, U^T p = s v, ||p|| = ||v|| = 1, s = ||U||_2",
            "p^T M p <= sigma_1, p^T A v <= ||A||_2 <= ||A||_F",
        ),
        proof="p^T grad f(U) v = 2 s (s^2 - p^T M p) >= 2 s (s^2 - sigma_1) (identity, checked "
        "entrywise for d = r = 2 with rational rotations P, Q and generic M), so s (s^2 - w^2) "
        "<= g/2; then w^2 + g/(2w) - s^2 = (g/2 - s (s^2 - w^2))/w + (s^2 - w^2)(s - w)/w "
        ">= 0 when s >= w (identity), and trivially when s < w",
        reason="an identity did not reduce",
    )


def local_phase(zeta=Fraction(1, 3), gf=2) -> Step:
    """PGDli's GD phase (``eta <= 1/beta``) keeps ``dist(U, minima) <= zeta``, so stays inside."""
    dl, gr = bilinear_vectors("Delta g")
    eta, al, be, slack = sp.symbols("eta alpha beta slack", positive=True)
    reg = al / 2 * inner(dl, dl) + inner(gr, gr) / (2 * be) + slack  # = <g, Delta>
    ok = is_identity(
        inner(dl, dl) - 2 * eta * reg + eta**2 * inner(gr, gr),
        (1 - eta * al) * inner(dl, dl) - eta * (1 / be - eta) * inner(gr, gr) - 2 * eta * slack,
    )
    bound = (1 + Fraction(zeta)) ** 2  # (sqrt(sigma_1) + zeta sqrt(sigma_r))^2 / sigma_1
    inside = bound < 9 * Fraction(gf) ** 2
    return verdict(
        "mf_theorem.region_local",
        "PGDli's local phase (GD, eta <= 1/beta, from a zeta-close point) stays zeta-close, so "
        f"||U||_2^2 <= (1 + {zeta})^2 sigma_1 < Gamma",
        "symbolic",
        (ok and inside) or None,
        assumptions=(
            "mf_regularity.general: <g, Delta> = (alpha/2)||Delta||^2 + ||g||^2/(2 beta) + slack, "
            "slack >= 0, within zeta",
            "corollary.zeta_close (PGD's output is zeta-close outside the failure event)",
            "dist(U_+) <= ||U_+ - P(U)||; ||U||_2 <= ||P(U)||_2 + ||Delta||_F",
        ),
        proof="||Delta - eta g||^2 = (1 - eta alpha)||Delta||^2 - eta (1/beta - eta)||g||^2 - "
        "2 eta slack <= ||Delta||^2 (identity); ||U||_2 <= sqrt(sigma_1) + zeta sqrt(sigma_r) and "
        f"(1 + {zeta})^2 = {bound} < {9 * Fraction(gf) ** 2} <= Gamma/sigma_1 (exact)",
        reason="an identity did not reduce" if not ok else f"(1 + zeta)^2 = {bound} >= 9 gf^2",
    )


def invariant_bound(k, gf, c_max, den) -> tuple[Fraction, Fraction, Fraction]:
    """Upper bounds, in units ``sigma_1 = 1`` and over ``Gamma >= m = 9 gf^2``, ``c <= c_max``.

    Returns ``(m, T2, T3)``: ``(1 + 2 eta)^2 <= T2`` and ``(sqrt(1 + g/2) + r)^2 <= T3``
    (``eps <= 1/(den 3 gf)``, ``sqrt(c) <= (1 + c)/2``, ``chi >= 12``,
    ``sqrt(1 + x) <= 1 + x/2``). Each bound is nondecreasing in ``c`` and in ``1/Gamma``.
    """
    m = 9 * gf * gf
    h = 2 * c_max / (k * m)  # 2 eta sigma_1
    gmax = (1 + c_max) / 2 / (den * 3 * gf) / 144
    rmax = gmax / (k * m)
    return m, (1 + h) ** 2, (1 + gmax / 4 + rmax) ** 2


def exact_run(k, gf, c_max, den, steps=6) -> str | None:
    """An exact PGD run leaving the region: ``M = e1 e1^T``, ``U0 = 3 e2``, ``c = c_max``.

    On the line ``U = a e2`` the gradient is ``2 a^3 e2`` (``M U = 0``), so the
    iterates are ``a_{t+1} = a_t (1 - 2 eta a_t^2)``; every step before leaving has
    ``||grad|| = 2|a|^3 > g_thres`` (no perturbation is drawn), checked exactly.
    """
    gamma = (3 * gf) ** 2
    eta = c_max / (k * gamma)
    gmax = (1 + c_max) / 2 / (den * 3 * gf) / 144
    a = Fraction(3)
    for t in range(steps + 1):
        if a * a >= gamma:
            return (
                f"d = 2, r = 1, M = e1 e1^T (sigma_1 = 1), U0 = 3 e2, Gamma = {gamma}, "
                f"c = {c_max}, eta = {eta}: U_{t} = {a} e2 has ||U||^2 = {a * a} >= Gamma "
                "(exact run)"
            )
        if 2 * abs(a) ** 3 <= gmax:
            return None
        a = a * (1 - 2 * eta * a * a)
    return None


def region_steps(ell_const=8, gamma_factor=2, c_max=1, den=108) -> list[Step]:
    """The steps of the region claim and its conclusion ``mf_theorem.region``."""
    k, gf, cm, dn = (Fraction(x) for x in (ell_const, gamma_factor, c_max, den))
    links = [gd_step(), gd_max(), stationary()]
    m, t2, t3 = invariant_bound(k, gf, cm, dn)
    first = 1 / (gf * gf)  # Gamma/gf^2 in units of Gamma
    six_eta = 6 * cm / k  # 6 eta Gamma
    checks = {
        "gf > 1": gf > 1,
        "6 eta Gamma/gf^2 <= 1": six_eta * first <= 1,
        "T2 < m and 6 eta T2 <= 1": t2 < m and six_eta * t2 <= m,
        "T3 < m and 6 eta T3 <= 1": t3 < m and six_eta * t3 <= m,
    }
    quarter = max(t2, t3) <= m * first
    ok = all(checks.values())
    failed = ", ".join(name for name, good in checks.items() if not good)
    run = None if ok else exact_run(k, gf, cm, dn)
    bound_text = f"Gamma/{gf * gf}" if quarter else "B"
    inv = verdict(
        "mf_theorem.region_invariant",
        f"eta = c/ell, ell = {k} Gamma, 0 < c <= {cm}, sqrt(Gamma) = {gf} max(||U0||, 3 "
        f"sqrt(sigma_1)), r = g_thres/ell: every PGD iterate and perturbed point has "
        f"||U||_2^2 <= {bound_text} < Gamma",
        "exact",
        True if ok else (False if run else None),
        assumptions=(
            PGD,
            "chi >= 12, eps = sigma_r^2/(den sqrt(Gamma)), sigma_r <= sigma_1 (homogeneity: "
            "sigma_1 = 1)",
            "mf_theorem.region_gd_step",
            "mf_theorem.region_gd_max",
            "mf_theorem.region_stationary",
        ),
        proof=f"induction on B = max(Gamma/gf^2, (1 + 2 eta)^2, (sqrt(1 + g_thres/2) + r)^2): a "
        "gradient step from ||U||^2 <= B gives <= max(||U||^2, (1 + 2 eta)^2) as 6 eta B <= 1; a "
        "perturbation at ||grad|| <= g_thres gives <= (sqrt(1 + g_thres/2) + r)^2. Exact, over "
        f"Gamma >= m = {m}, c <= {cm}: (1 + 2 eta)^2 <= {t2}, (sqrt(1 + g_thres/2) + r)^2 <= "
        f"{float(t3):.9f} (<= {t3}), both < m and <= Gamma/{gf * gf}; 6 eta Gamma/{gf * gf} "
        f"<= {six_eta * first} <= 1",
        counterexample=run or "",
        reason=f"the argument needs {failed}; no exact run found leaving the region "
        "(U0 = 3 e2, M = e1 e1^T, 6 steps)",
    )
    local = local_phase(gf=gf)
    steps = [*links, inv, local]
    statement = (
        "PGD's iterates (and PGDli's local phase) stay in {||U||_2^2 < Gamma}, where ell and rho "
        "apply"
    )
    if inv.status == "refuted":
        region = verdict(
            "mf_theorem.region", statement, "exact", False, proof="", counterexample=inv.detail
        )
    else:
        region = chain(
            "mf_theorem.region",
            statement,
            [*links, inv, local],
            assumptions=("mf_region.lemma",),
            proof=f"region_invariant (PGD: ||U||_2^2 <= {bound_text}) and region_local "
            "(GD phase: zeta-close)",
        )
    return [*steps, region]

"""Matrix factorization: the constants of the final theorem (CLAIMS section 4, [R] and [D]).

Recalled statement (Jin et al., ICML 2017, section 5, "Theorem 9" as recalled): with
``sqrt(Gamma) = 2 max(||U0||, 3 sqrt(sigma_1))``, PGD(li) with ``ell = 8 Gamma``,
``rho = 12 sqrt(Gamma)``, ``eps~ = sigma_r^2/(108 sqrt(Gamma))``,
``Delta_f = r Gamma^2/2``, ``beta = 10 sigma_1`` finds an ``eps``-close point in
``O((Gamma/sigma_r)^4 log^4(...) + kappa log(sigma_r/eps))`` iterations.

Checked: ``min(theta, gamma^2/rho) = sigma_r^2/(108 sqrt(Gamma))`` with the
strict-saddle constants (the ``108``); the choice of ``Gamma``
satisfies ``Gamma >= sigma_1`` and puts ``U0`` in the region;
``Delta_f = r Gamma^2/2 >= f(U0) - f*``; ``eps~ <= ell^2/rho`` (Theorem 3's
hypothesis); ``ell Delta_f/eps~^2 = 46656 r (Gamma/sigma_r)^4``: the
iteration bound does carry the extra factor ``r``; and that PGD's iterates
stay in the region (``||U||_2^2 <= Gamma/4``; ``proofs/_pgd_region.py``).
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs._algebra import is_identity
from proofs._pgd_region import region_steps
from proofs._step import Step, verdict

s, G, r = sp.symbols("s G r", positive=True)  # sigma_r = s^2, Gamma = G^2
HYP = ("Gamma >= sigma_1 >= sigma_r > 0", "sigma_r = s^2, Gamma = G^2 in the identities")


def check(den=108, count_const=46656, ell_const=8, gamma_factor=2, c_max=1) -> list[Step]:
    """Check the constants of the matrix factorization theorem.

    Args:
        den: the claimed ``eps~ = sigma_r^2/(den sqrt(Gamma))`` (108).
        count_const: the claimed ``ell Delta_f/eps~^2 = count_const r (Gamma/sigma_r)^4``.
        ell_const, gamma_factor, c_max: PGD's ``ell = ell_const Gamma``, ``sqrt(Gamma) =
            gamma_factor max(||U0||, 3 sqrt(sigma_1))`` and ``c <= c_max`` (8, 2, 1), for the
            region steps.

    Examples:
        >>> [x.status for x in check()][-1]
        'proved'
        >>> check(ell_const=sp.Rational(1, 8))[-1].status
        'refuted'
        >>> check(den=96)[0].status
        'refuted'
    """
    dn = sp.nsimplify(den)
    theta, gamma, rho, ell = s**3 / 24, s**2 / 3, 12 * G, 8 * G**2
    steps = []
    g2r = gamma**2 / rho
    if is_identity(g2r, s**4 / (dn * G)):
        steps.append(
            verdict(
                "mf_theorem.gamma2_over_rho",
                f"gamma^2/rho = sigma_r^2/({dn} sqrt(Gamma))",
                "symbolic",
                True,
                assumptions=HYP,
                proof="(sigma_r/3)^2/(12 sqrt(Gamma)) = sigma_r^2/(108 sqrt(Gamma))",
            )
        )
    else:
        steps.append(
            verdict(
                "mf_theorem.gamma2_over_rho",
                f"gamma^2/rho = sigma_r^2/({dn} sqrt(Gamma))",
                "exact",
                False,
                proof="",
                assumptions=HYP,
                counterexample=f"sigma_r = Gamma = 1: gamma^2/rho = 1/108, claimed 1/{dn}",
            )
        )
    diff_ok = is_identity(theta - g2r, s**3 * (9 * G - 2 * s) / (216 * G))
    steps.append(
        verdict(
            "mf_theorem.min",
            "min(theta, gamma^2/rho) = gamma^2/rho when Gamma >= sigma_r",
            "symbolic",
            diff_ok or None,
            assumptions=HYP,
            proof="theta - gamma^2/rho = s^3 (9G - 2s)/(216 G) >= 0 as G >= s (i.e. Gamma >= 4 "
            "sigma_r/81)",
            reason="did not reduce",
        )
    )
    steps.append(
        verdict(
            "mf_theorem.gamma_choice",
            "sqrt(Gamma) = 2 max(||U0||, 3 sqrt(sigma_1)) gives Gamma >= 36 sigma_1 >= sigma_1 and "
            "||U0||^2 <= Gamma/4 < Gamma",
            "exact",
            True,
            assumptions=(),
            proof="(2 * 3 sqrt(sigma_1))^2 = 36 sigma_1 and (2 ||U0||)^2 = 4 ||U0||^2",
        )
    )
    bound = Fraction(2) * Fraction(1, 4) ** 2 / 2  # (2r) (Gamma/4)^2 / 2, per unit r Gamma^2
    steps.append(
        verdict(
            "mf_theorem.delta_f",
            "Delta_f = r Gamma^2/2 >= f(U0) - f*",
            "exact",
            bound <= Fraction(1, 2),
            assumptions=(
                "f* = 0",
                "rank(U0 U0^T - M) <= 2r",
                "||U0 U0^T - M||_2 <= max(||U0||^2, sigma_1)",
            ),
            proof=f"f(U0) = ||E||_F^2/2 <= 2r ||E||_2^2/2 <= r max(Gamma/4, Gamma/36)^2 = "
            f"{bound} r Gamma^2 <= r Gamma^2/2",
            counterexample="constant arithmetic fails",
        )
    )
    eps = s**4 / (dn * G)
    nonneg = (16 * dn * (G**4 - s**4) + (16 * dn - 3) * s**4) / (3 * dn * G)
    hyp_ok = bool(dn > 0) and bool(16 * dn >= 3) and is_identity(ell**2 / rho - eps, nonneg)
    steps.append(
        verdict(
            "mf_theorem.eps_small",
            "eps~ <= ell^2/rho (Theorem 3's hypothesis)",
            "symbolic",
            hyp_ok or None,
            assumptions=HYP,
            proof=f"ell^2/rho - eps~ = (16*{dn} (Gamma^2 - sigma_r^2) + (16*{dn} - 3) sigma_r^2)/"
            f"(3*{dn} sqrt(Gamma)) (identity), every term >= 0 as Gamma >= sigma_r",
            reason="did not reduce",
        )
    )
    count = ell * (r * G**4 / 2) / eps**2
    cc = sp.nsimplify(count_const)
    if is_identity(count, cc * r * G**8 / s**8):
        steps.append(
            verdict(
                "mf_theorem.count",
                f"ell Delta_f / eps~^2 = {cc} r (Gamma/sigma_r)^4",
                "symbolic",
                True,
                assumptions=HYP,
                proof=f"8 Gamma (r Gamma^2/2) ({dn} sqrt(Gamma))^2/sigma_r^4: the "
                "O((Gamma/sigma_r)^4) term carries a factor r",
            )
        )
    else:
        val = count.subs({s: 1, G: 1, r: 1})
        steps.append(
            verdict(
                "mf_theorem.count",
                f"ell Delta_f / eps~^2 = {cc} r (Gamma/sigma_r)^4",
                "exact",
                False,
                proof="",
                assumptions=HYP,
                counterexample=f"sigma_r = Gamma = r = 1: ell Delta_f/eps~^2 = {val} != {cc}",
            )
        )
    steps += region_steps(ell_const, gamma_factor, c_max, den)
    return steps

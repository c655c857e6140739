"""Theorem 3's union bound: the choice of ``chi`` makes the failure probability ``<= delta``.

The chain (Jin et al., ICML 2017, proof of Theorem 3), every link checked:

1. ``chi = 3 max(log(X/delta), 4) >= 12`` with ``X = d ell Delta_f/(c eps^2)``.
2. A *bad* saddle ``x_tilde`` (``||grad|| <= g_thres``, ``lambda_min <= -sqrt(rho eps)``)
   has ``f(x_tilde) - f* >= (2/3) sqrt(eps^3/rho)``: step ``s = 2 sqrt(eps/rho)``
   along the bottom eigenvector in the cubic upper bound of ``rho``-Hessian
   Lipschitz ``f``. Sharp: ``f(x) = -x^2/2 + |x|^3/6`` (``eps = rho = 1``).
3. ``f_thres = c/chi^3 sqrt(eps^3/rho) <= (2/3) sqrt(eps^3/rho)``, so every bad
   saddle lies ``>= f_thres`` above ``f*``; each successful escape lowers ``f``
   by ``>= f_thres``, so the k-th bad perturbation needs ``k f_thres <= Delta_f``:
   at most ``Delta_f/f_thres`` escape attempts can fail.
4. ``(Delta_f/f_thres) (d ell/sqrt(rho eps)) e^(-chi) = chi^3 e^(-chi) X``.
5. ``chi^3 e^(-chi) <= e^(-chi/3)`` for ``chi >= 12`` (interval arithmetic at the
   minimiser of a convex function; the sharp threshold is about 10.6).
6. ``e^(-chi/3) X <= delta`` because ``chi/3 >= log(X/delta)``.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb

from proofs._algebra import is_identity
from proofs._interval import q
from proofs._step import Step, chain, verdict

ell, c, chi, e, p, d, delta_f, E = sp.symbols("ell c chi e p d Delta_f E", positive=True)
HYP = ("Algorithm 2's parameters with c <= 1", "eps = e^2, rho = p^2 in the SymPy identities")


def _h(x: arb, exponent: Fraction) -> arb:
    """``h(chi) = (1 - exponent) chi - 3 log chi``: the claim at ``chi`` iff ``h(chi) >= 0``."""
    return (1 - q(exponent)) * x - 3 * x.log()


def _threshold(exponent: Fraction) -> str:
    """The sharp threshold: the larger root of ``h``, bracketed by interval bisection."""
    lo, hi = q(3) / (1 - q(exponent)), q(1000)
    for _ in range(40):
        mid = (lo + hi) / 2
        if _h(arb(mid), exponent) < 0:
            lo = mid
        else:
            hi = mid
    return f"{float(lo):.4f}"


def exp_power_step(chi_min, exponent) -> Step:
    """``chi^3 e^(-chi) <= e^(-exponent chi)`` for every ``chi >= chi_min``."""
    cm, ex = Fraction(chi_min), Fraction(exponent)
    key, stmt = "union_bound.exp_power", f"chi^3 e^(-chi) <= e^(-{ex} chi) for all chi >= {cm}"
    if cm <= 0:
        raise ValueError(f"chi_min={chi_min!r} must be > 0")
    if ex >= 1:
        x = max(cm, Fraction(2))
        return verdict(
            key,
            stmt,
            "interval",
            False,
            proof="",
            counterexample=(f"chi = {x}: chi^3 e^(-chi) >= e^(-chi) * 8 > e^(-{ex} chi)"),
        )
    crit = Fraction(3) / (1 - ex)  # h'(chi) = (1 - exponent) - 3/chi vanishes here
    at = max(cm, crit)
    value = _h(arb(q(at)), ex)
    domain = f"the point chi = {at} (arb ball arithmetic, 53 bits)"
    if value >= 0:
        return verdict(
            key,
            stmt,
            "interval",
            True,
            proof=(
                f"h(chi) = (1 - {ex}) chi - 3 log chi is convex (h'' = 3/chi^2 > 0) with minimiser "
                f"max(chi_min, 3/(1 - {ex})) = {at} on [chi_min, oo); h({at}) in {value} >= 0 on "
                f"{domain}; sharp threshold ~ {_threshold(ex)}"
            ),
        )
    if value < 0:
        return verdict(
            key,
            stmt,
            "interval",
            False,
            proof="",
            counterexample=(
                f"chi = {at}: h(chi) = (1 - {ex}) chi - 3 log chi in {value} < 0, i.e. "
                f"chi^3 e^(-chi) > e^(-{ex} chi); the claim needs chi >= ~{_threshold(ex)}"
            ),
        )
    return verdict(key, stmt, "interval", None, proof="", reason=f"h({at}) encloses 0: {value}")


def check(
    chi_min=12, exponent=Fraction(1, 3), chi_factor=3, chi_floor=4, saddle_drop=Fraction(2, 3)
) -> list[Step]:
    """Check the union-bound arithmetic of Theorem 3.

    Args:
        chi_min: the range ``chi >= chi_min`` of the exponential inequality (12).
        exponent: the claimed ``chi^3 e^(-chi) <= e^(-exponent chi)`` (1/3).
        chi_factor, chi_floor: ``chi = chi_factor max(log(X/delta), chi_floor)`` (3, 4).
        saddle_drop: the claimed ``f(x_tilde) - f* >= saddle_drop sqrt(eps^3/rho)`` (2/3).

    Examples:
        >>> [s.status for s in check()][-1]
        'proved'
        >>> check(chi_min=3)[1].status
        'refuted'
    """
    cm, ex, cf = Fraction(chi_min), Fraction(exponent), Fraction(chi_factor)
    floor_, drop = Fraction(chi_floor), Fraction(saddle_drop)
    steps = []
    chi_ok = verdict(
        "union_bound.chi_range",
        f"chi = {cf} max(log(X/delta), {floor_}) >= {cm}",
        "exact",
        cf * floor_ >= cm,
        assumptions=HYP,
        proof=f"{cf} * {floor_} >= {cm}",
        counterexample=f"X/delta <= e^{floor_}: chi = {cf * floor_} < {cm}",
    )
    steps.append(chi_ok)
    power = exp_power_step(cm, ex)
    steps.append(power)

    # cubic upper bound at s = 2 sqrt(eps/rho), eps = e^2, rho = p^2, lambda_min = -p e
    s_ = 2 * e / p
    value = -(p * e) * s_**2 / 2 + p**2 * s_**3 / 6
    drop_ok = is_identity(value, -sp.Rational(2, 3) * e**3 / p)
    ok = (drop <= Fraction(2, 3)) if drop_ok else None
    bad = verdict(
        "union_bound.bad_saddle_height",
        f"a bad saddle has f(x_tilde) - f* >= {drop} sqrt(eps^3/rho)",
        "symbolic",
        ok,
        assumptions=(
            *HYP,
            "f rho-Hessian Lipschitz",
            "||grad f|| <= g_thres, lambda_min <= -sqrt(rho eps)",
        ),
        proof="f(x + s e1) <= f(x) + s<g, e1> - sqrt(rho eps) s^2/2 + rho |s|^3/6 with the sign "
        "of s "
        "making s<g, e1> <= 0; s = 2 sqrt(eps/rho) gives -(2/3) sqrt(eps^3/rho) (identity)"
        f"{'' if drop == Fraction(2, 3) else f' >= {drop} ...'}",
        counterexample="f(x) = -x^2/2 + |x|^3/6 (rho = 1, eps = 1): x = 0 is a bad saddle "
        "(f' = 0, f'' = -1) and f* = f(2) = -2/3 exactly",
        reason="the cubic-bound identity did not reduce",
    )
    steps.append(bad)
    fth = verdict(
        "union_bound.f_thres_below",
        f"f_thres = c/chi^3 sqrt(eps^3/rho) <= {drop} sqrt(eps^3/rho)",
        "exact",
        1 / cm**3 <= drop,
        assumptions=(*HYP, f"c <= 1, chi >= {cm}"),
        proof=f"c/chi^3 <= 1/{cm}^3 = {1 / cm**3} <= {drop}",
        counterexample=f"c = 1, chi = {cm}: c/chi^3 = {1 / cm**3} > {drop}",
    )
    steps.append(fth)
    count = chain(
        "union_bound.count",
        "at most Delta_f/f_thres escape attempts at bad saddles can fail",
        [bad, fth],
        assumptions=(*HYP, "each completed window lowers f by >= f_thres"),
        proof="the k-th bad saddle has f(x_tilde) <= f(x0) - (k-1) f_thres and "
        "f(x_tilde) - f* >= f_thres, so k f_thres <= Delta_f",
    )
    steps.append(count)

    f_thres = c / chi**3 * e**3 / p
    lhs = delta_f / f_thres * (d * ell / (p * e)) * E
    rhs = chi**3 * E * d * ell * delta_f / (c * e**4)
    steps.append(
        verdict(
            "union_bound.identity",
            "(Delta_f/f_thres)(d ell/sqrt(rho eps)) e^(-chi) = chi^3 e^(-chi) d ell Delta_f/(c "
            "eps^2)",
            "symbolic",
            is_identity(lhs, rhs) or None,
            assumptions=HYP,
            proof="cancel/expand with E = e^(-chi) a symbol",
            reason="did not reduce",
        )
    )

    ok = ex * cf >= 1
    last = verdict(
        "union_bound.choice_of_chi",
        f"chi >= {cf} log(X/delta) implies e^(-{ex} chi) X <= delta",
        "exact",
        ok,
        assumptions=HYP,
        proof=(
            f"X <= delta: e^(-{ex} chi) X <= X <= delta; X > delta: e^(-{ex} chi) X <= "
            f"(delta/X)^{ex * cf} X <= delta as delta/X < 1 and {ex} * {cf} >= 1"
        ),
        counterexample=f"X/delta = e^8: e^(-{ex} chi) X = delta e^(8 (1 - {ex * cf})) > delta",
    )
    steps.append(last)
    steps.append(
        chain(
            "union_bound.total",
            "P(PGD fails) <= delta",
            steps[:],
            assumptions=(
                *HYP,
                "escape lemma: P(escape fails at a bad saddle) <= (d ell/sqrt(rho eps)) e^(-chi)",
                "union bound over the escape attempts",
            ),
            proof="P <= (Delta_f/f_thres)(d ell/sqrt(rho eps)) e^(-chi) = chi^3 e^(-chi) X "
            f"<= e^(-{ex} chi) X <= delta",
        )
    )
    return steps

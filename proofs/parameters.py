"""Algorithm 2's parameters (CLAIMS T1) and the explicit deterministic iteration bound.

Algorithm 2 of Jin et al. (ICML 2017) sets, for ``c <= 1``::

    chi = 3 max(log(d ell Delta_f / (c eps^2 delta)), 4)     eta = c / ell
    r = sqrt(c)/chi^2 * eps/ell      g_thres = sqrt(c)/chi^2 * eps
    f_thres = c/chi^3 * sqrt(eps^3/rho)      t_thres = chi/c^2 * ell/sqrt(rho eps)

Checked here: ``chi >= 12``, ``r = g_thres/ell``,
``f_thres/t_thres = c^3 eps^2/(chi^4 ell)``, and the counting argument of
CLAIMS section 1: every step is a large-gradient step (decrease
``>= (eta/2) g_thres^2``), or one of the ``T + 1`` steps of a completed
perturbation window (``T = ceil(t_thres)``, decrease ``>= f_thres`` per
window), or in the final window, so

    #iterations <= 2 chi^4 ell (f(x0) - f*) / (c^3 eps^2) + T + 1.

The window link needs ``T + 1 <= 2 t_thres``: true for an integer ``t_thres``
and for ``t_thres >= 2``, false for some ``t_thres`` in ``(1, 2)`` once
rounded up; Theorem 3's hypotheses give ``t_thres >= 12``.

Each ``check`` argument is a constant of a claim, so tests can perturb it.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs._algebra import is_identity
from proofs._step import Step, chain, verdict

ell, rho, c, chi, e, p, delta_f = sp.symbols("ell rho c chi e p Delta_f", positive=True)
# eps = e**2 and rho = p**2 remove the radicals, so identities become rational.
EPS, RHO = e**2, p**2

HYP = ("ell, rho, eps, c, delta, Delta_f > 0", "c <= 1")


def formulas(r_scale=1, t_c_power=2) -> dict[str, sp.Expr]:
    """Algorithm 2's parameters as SymPy expressions in ``chi`` (``eps = e^2``, ``rho = p^2``).

    Examples:
        >>> formulas()["r"]
        sqrt(c)*e**2/(chi**2*ell)
    """
    return {
        "eta": c / ell,
        "r": sp.nsimplify(r_scale) * sp.sqrt(c) / chi**2 * EPS / ell,
        "g_thres": sp.sqrt(c) / chi**2 * EPS,
        "f_thres": c / chi**3 * sp.sqrt(EPS**3 / RHO),
        "t_thres": chi / c ** sp.nsimplify(t_c_power) * ell / sp.sqrt(RHO * EPS),
    }


def _identity_step(key, statement, lhs, rhs, at) -> Step:
    ok = is_identity(lhs, rhs)
    if ok:
        return verdict(
            key,
            statement,
            "symbolic",
            True,
            assumptions=HYP,
            proof="lhs - rhs reduces to 0 by cancel/expand (eps = e^2, rho = p^2)",
        )
    lv, rv = lhs.subs(at), rhs.subs(at)
    if sp.simplify(lv - rv) != 0:
        return verdict(
            key,
            statement,
            "exact",
            False,
            proof="",
            assumptions=HYP,
            counterexample=f"at {_show(at)}: lhs = {lv}, rhs = {rv}",
        )
    return verdict(
        key,
        statement,
        "symbolic",
        None,
        proof="",
        assumptions=HYP,
        reason="the difference did not reduce to 0 and no counterexample was found",
    )


def _show(at: dict) -> str:
    names = {e: ("eps", lambda v: v**2), p: ("rho", lambda v: v**2)}
    parts = []
    for sym, val in at.items():
        name, f = names.get(sym, (str(sym), lambda v: v))
        parts.append(f"{name} = {f(val)}")
    return ", ".join(parts)


def _ceil_window(factor: Fraction, t_min: int) -> tuple[bool, str]:
    """Is ``ceil(t) + 1 <= factor * t`` for every real ``t >= t_min``?

    On ``(k, k + 1]`` the ratio ``(ceil(t) + 1)/t = (k + 2)/t`` has supremum
    ``(k + 2)/k`` (approached as ``t -> k+``, not attained), largest at
    ``k = t_min``; at ``t = t_min`` itself it is ``(t_min + 1)/t_min``. So the
    claim holds iff ``factor >= (t_min + 2)/t_min``.
    """
    sup = Fraction(t_min + 2, t_min)
    if factor >= sup:
        return True, f"ceil(t) + 1 < t + 2 <= {factor} t for t >= {t_min}"
    # t = t_min + s with 0 < s < 1 and (t_min + 2)/t > factor:
    s = min((sup / factor - 1) / 2 * t_min, Fraction(1, 2)) if factor > 0 else Fraction(1, 2)
    t = t_min + s
    return False, f"t_thres = {t}: ceil(t_thres) + 1 = {t_min + 2} > {factor} * {t} = {factor * t}"


def check(chi_factor=3, chi_floor=4, chi_min=12, r_scale=1, t_c_power=2, window_factor=2):
    """Check Algorithm 2's parameter identities and the explicit iteration bound.

    Args:
        chi_factor, chi_floor: ``chi = chi_factor * max(log(...), chi_floor)``.
        chi_min: the claimed lower bound on ``chi`` (12).
        r_scale: ``r = r_scale * sqrt(c)/chi^2 * eps/ell`` (1 in the paper).
        t_c_power: ``t_thres = chi/c^t_c_power * ell/sqrt(rho eps)`` (2).
        window_factor: the claimed per-step decrease is
            ``c^3 eps^2/(window_factor chi^4 ell)`` (2).

    Returns:
        list of :class:`~proofs._step.Step`.

    Examples:
        >>> [s.status for s in check()][:3]
        ['proved', 'proved', 'proved']
    """
    cf, floor_, cmin = Fraction(chi_factor), Fraction(chi_floor), Fraction(chi_min)
    wf = Fraction(window_factor)
    par = formulas(r_scale, t_c_power)
    at = {c: sp.Rational(1, 4), chi: 12, e: 1, p: 2, ell: 3}
    steps = []

    ok = cf * floor_ >= cmin
    steps.append(
        verdict(
            "parameters.chi_min",
            f"chi = {cf} max(log(d ell Delta_f/(c eps^2 delta)), {floor_}) >= {cmin}",
            "exact",
            ok,
            assumptions=HYP,
            proof=f"max(L, {floor_}) >= {floor_} and {cf} * {floor_} = {cf * floor_} >= {cmin}",
            counterexample=f"when log(...) <= {floor_}: chi = {cf * floor_} < {cmin}",
        )
    )

    steps.append(
        _identity_step("parameters.r", "r = g_thres / ell", par["r"], par["g_thres"] / ell, at)
    )
    ratio = _identity_step(
        "parameters.f_over_t",
        "f_thres / t_thres = c^3 eps^2 / (chi^4 ell)",
        par["f_thres"] / par["t_thres"],
        c**3 * EPS**2 / (chi**4 * ell),
        at,
    )
    steps.append(ratio)
    grad = _identity_step(
        "parameters.grad_step",
        "(eta/2) g_thres^2 = c^2 eps^2 / (2 chi^4 ell)",
        par["eta"] / 2 * par["g_thres"] ** 2,
        c**2 * EPS**2 / (2 * chi**4 * ell),
        at,
    )
    steps.append(grad)

    per_step = c**3 * EPS**2 / (wf * chi**4 * ell)
    diff = c**2 * EPS**2 / (2 * chi**4 * ell) - per_step
    factored = c**2 * EPS**2 * (1 - 2 * c / wf) / (2 * chi**4 * ell)
    ok = is_identity(diff, factored) and wf >= 2
    grad_vs = verdict(
        "parameters.grad_vs_window",
        f"c^2 eps^2/(2 chi^4 ell) >= c^3 eps^2/({wf} chi^4 ell) for 0 < c <= 1",
        "symbolic",
        ok if wf >= 2 else False,
        assumptions=HYP,
        proof=f"difference = c^2 eps^2 (1 - 2c/{wf}) / (2 chi^4 ell): each factor >= 0 for c <= 1",
        counterexample=f"c = 1: {sp.Rational(1, 2)} < {sp.nsimplify(1 / wf)} (per unit "
        "eps^2/(chi^4 ell))",
    )
    steps.append(grad_vs)

    int_ok = wf >= 2
    steps.append(
        verdict(
            "parameters.window_integer",
            f"T + 1 <= {wf} T for every integer T = t_thres >= 1",
            "exact",
            int_ok,
            assumptions=HYP,
            proof=f"({wf} - 1) T >= T >= 1",
            counterexample=f"T = 1: 2 > {wf}",
        )
    )
    ok_any, why_any = _ceil_window(wf, 1)
    steps.append(
        verdict(
            "parameters.window_ceil_t1",
            f"ceil(t_thres) + 1 <= {wf} t_thres for every real t_thres >= 1",
            "exact",
            ok_any,
            assumptions=HYP,
            proof=why_any,
            counterexample=why_any,
        )
    )
    ok_two, why_two = _ceil_window(wf, 2)
    window = verdict(
        "parameters.window_ceil_t2",
        f"ceil(t_thres) + 1 <= {wf} t_thres for every real t_thres >= 2",
        "exact",
        ok_two,
        assumptions=HYP,
        proof=why_two,
        counterexample=why_two,
    )
    steps.append(window)

    t_large = verdict(
        "parameters.t_thres_large",
        f"eps <= ell^2/rho, c <= 1, chi >= {cmin} imply t_thres >= {cmin} >= 2",
        "symbolic",
        cmin >= 2 and t_c_power >= 0,
        assumptions=HYP,
        proof="ell/sqrt(rho eps) >= 1 iff ell^2 >= rho eps; c^(-k) >= 1 for c <= 1, k >= 0",
        counterexample=f"chi_min = {cmin} < 2" if cmin < 2 else "c^(-k) < 1 for k < 0",
    )
    steps.append(t_large)

    steps.append(
        chain(
            "parameters.per_step",
            f"every non-final step decreases f by >= c^3 eps^2/({wf} chi^4 ell) on average",
            [steps[0], ratio, grad, grad_vs, window, t_large],
            assumptions=(
                *HYP,
                "descent lemma (eta = c/ell <= 1/ell)",
                "a completed window decreases f by >= f_thres",
            ),
            proof="large-gradient step: (eta/2)||grad||^2 > (eta/2) g_thres^2 >= the bound; "
            "window: "
            f"f_thres/(T+1) >= f_thres/({wf} t_thres) = the bound, as t_thres >= 2",
        )
    )
    bound = wf * chi**4 * ell * delta_f / (c**3 * EPS**2)
    count_ok = is_identity(delta_f / per_step, bound)
    count = verdict(
        "parameters.count_identity",
        f"(f(x0) - f*) / (per-step decrease) = {wf} chi^4 ell (f(x0) - f*)/(c^3 eps^2)",
        "symbolic",
        count_ok or None,
        proof="cancel/expand",
        reason="did not reduce",
        assumptions=HYP,
    )
    steps.append(count)
    steps.append(
        chain(
            "parameters.iteration_bound",
            f"#iterations <= {wf} chi^4 ell (f(x0) - f*)/(c^3 eps^2) + ceil(t_thres) + 1",
            [steps[-2], count],
            assumptions=(*HYP, "Theorem 3's hypotheses: eps <= ell^2/rho"),
            proof="non-final steps number <= (f(x0) - f*)/(per-step decrease); the final window "
            "has <= ceil(t_thres) + 1 steps",
        )
    )
    return steps

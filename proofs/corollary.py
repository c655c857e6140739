"""Strict saddle implies ``zeta``-close (the corollary's one-line argument, CLAIMS section 1).

Corollary (Jin et al., ICML 2017): for a ``(theta, gamma, zeta)``-strict saddle
``f``, PGD with ``eps~ = min(theta, gamma^2/rho)`` returns a ``zeta``-close point.
The one-liner: an ``eps~``-SOSP has ``||grad|| <= theta`` and
``lambda_min >= -sqrt(rho eps~) >= -gamma``, so it cannot be in either of the
first two cases of the strict-saddle definition.

Finding: with the definitions' non-strict inequalities the one-liner leaves the
boundary ``lambda_min = -gamma`` (or ``||grad|| = theta``), and there the
deduction is false: ``f(x) = 5 cos x - cos 2x`` is ``(1, 1, 6/5)``-strict
saddle, 9-smooth and 13-Hessian Lipschitz, and ``x = 0`` is an
``eps~``-SOSP (``eps~ = 1/13``) at distance ``pi`` from the minima. The
corollary still holds, because PGD's proof delivers strict inequalities:
``||grad|| <= g_thres < eps`` and ``lambda_min > -sqrt(rho eps)`` (the escape
lemma covers every ``lambda_min <= -sqrt(rho eps)``).
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb, fmpq

from proofs._algebra import is_identity
from proofs._step import Step, chain, verdict

x, c, g, rho = sp.symbols("x c gamma rho", positive=True)


def _counterexample_step() -> Step:
    f = 5 * sp.cos(x) - sp.cos(2 * x)
    f1, f2, f3 = (sp.diff(f, x, k) for k in (1, 2, 3))
    ok = (
        f1.subs(x, 0) == 0
        and f2.subs(x, 0) == -1
        and is_identity(sp.expand_trig(f1), sp.sin(x) * (4 * sp.cos(x) - 5))
        and is_identity(sp.expand_trig(f2).subs(sp.cos(x), c), 8 * c**2 - 5 * c - 4)
        and is_identity(8 * c**2 - 5 * c - 3, (8 * c + 3) * (c - 1))
        and bool(arb(fmpq(6, 5)).cos() < fmpq(3, 8))
        and bool(arb.pi() > fmpq(6, 5))
    )
    del f3
    return verdict(
        "corollary.nonstrict_one_liner",
        "every eps~-SOSP (||grad|| <= eps~, lambda_min >= -sqrt(rho eps~)) of a "
        "(theta, gamma, zeta)-strict saddle f is zeta-close to a local minimum",
        "interval",
        False if ok else None,
        proof="",
        assumptions=("non-strict inequalities in both definitions",),
        counterexample=(
            "f(x) = 5 cos x - cos 2x, theta = 1, gamma = 1, zeta = 6/5, ell = 9 >= sup|f''|, "
            "rho = 13 >= sup|f'''|, eps~ = min(1, 1/13) = 1/13: x = 0 has f' = 0, f'' = -1 = "
            "-sqrt(rho eps~), so it is an eps~-SOSP; f' = sin x (4 cos x - 5) vanishes only at "
            "k pi, minima at pi + 2k pi, so dist(0, minima) = pi > 6/5. Strict saddle: f'' + 1 = "
            "(8c + 3)(c - 1) <= 0 when c = cos x >= -3/8; otherwise x is within arccos(3/8) < 6/5 "
            "of a minimum (cos(6/5) < 3/8 and pi > 6/5 by arb; identities by SymPy)"
        ),
        reason="a check of the counterexample did not go through",
    )


def check(gamma_power=2) -> list[Step]:
    """Check the corollary's one-liner.

    Args:
        gamma_power: ``eps~ = min(theta, gamma^gamma_power/rho)`` (2).

    Examples:
        >>> [s.status for s in check()]
        ['proved', 'proved', 'proved', 'proved', 'refuted']
    """
    k = Fraction(gamma_power)
    steps = []
    root = sp.sqrt(rho * g ** sp.nsimplify(k) / rho)
    if is_identity(root, g):
        eps = verdict(
            "corollary.eps_choice",
            f"eps~ = min(theta, gamma^{k}/rho) gives eps~ <= theta and sqrt(rho eps~) <= gamma",
            "symbolic",
            True,
            assumptions=(),
            proof="min <= each argument; sqrt(rho gamma^2/rho) = gamma (identity)",
        )
    else:
        gv = Fraction(1, 4) if k < 2 else Fraction(4)
        val = sp.nsimplify(root.subs({g: sp.Rational(gv.numerator, gv.denominator), rho: 1}))
        eps = verdict(
            "corollary.eps_choice",
            f"eps~ = min(theta, gamma^{k}/rho) gives eps~ <= theta and sqrt(rho eps~) <= gamma",
            "exact",
            False,
            proof="",
            assumptions=(),
            counterexample=f"gamma = {gv}, rho = 1, theta large: sqrt(rho eps~) = "
            f"{val} > gamma = {gv}",
        )
    steps.append(eps)
    strict = verdict(
        "corollary.pgd_strict",
        "PGD's output has ||grad|| <= g_thres < eps and, outside the failure event, "
        "lambda_min > -sqrt(rho eps)",
        "symbolic",
        True,
        assumptions=(
            "c <= 1, chi >= 12",
            "escape lemma for every x_tilde with lambda_min <= -sqrt(rho eps) (CLAIMS section 2)",
        ),
        proof="g_thres/eps = sqrt(c)/chi^2 <= 1/144 < 1; PGD returns x_tilde only after a window "
        "without decrease f_thres, which (off the failure event) the escape lemma excludes "
        "whenever lambda_min(x_tilde) <= -sqrt(rho eps)",
    )
    steps.append(strict)
    one = verdict(
        "corollary.strict_one_liner",
        "||grad f(x)|| < theta and lambda_min(x) > -gamma imply x is zeta-close (strict saddle f)",
        "symbolic",
        True,
        assumptions=("definition of (theta, gamma, zeta)-strict saddle",),
        proof="neither of the first two alternatives holds, so the third does",
    )
    steps.append(one)
    steps.append(
        chain(
            "corollary.zeta_close",
            "PGD with eps~ = min(theta, gamma^2/rho) returns a zeta-close point w.p. >= 1 - delta",
            [eps, strict, one],
            assumptions=("Theorem 3 with eps = eps~",),
            proof="||grad|| < eps~ <= theta and lambda_min > -sqrt(rho eps~) >= -gamma; for matrix "
            "factorization eps~ = sigma_r^2/(108 sqrt(Gamma)) (mf_theorem) and zeta = "
            "sigma_r^(1/2)/3",
        )
    )
    steps.append(_counterexample_step())
    return steps

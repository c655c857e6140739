"""The descent lemma from the quadratic upper bound of ``ell``-smoothness (CLAIMS section 2).

For ``f`` with ``ell``-Lipschitz gradient and ``g = grad f(x)``:

    f(y) <= f(x) + <g, y - x> + (ell/2) ||y - x||^2               (quadratic upper bound)
    f(x - eta g) <= f(x) - eta (1 - eta ell/2) ||g||^2            (sharper form)
                 <= f(x) - (eta/2) ||g||^2     when eta <= 1/ell  (descent lemma)

The sharper form is an equality for ``f = (ell/2)||x||^2``, so it cannot be
improved; the coefficient ``1/2`` is the value of ``1 - eta ell/2`` at
``eta = 1/ell``. Jin et al. (ICML 2017), proof of Theorem 3; Nesterov (2004),
Lemma 1.2.3.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs._algebra import bilinear_vectors, inner, is_identity
from proofs._step import Step, chain, verdict

ell, eta, s, h = sp.symbols("ell eta s h", positive=True)
HYP = ("f differentiable with ell-Lipschitz gradient on the segment [x, y]", "ell > 0, eta > 0")


def check(eta_max=1, coeff=Fraction(1, 2)) -> list[Step]:
    """Check the descent lemma for step sizes ``eta <= eta_max/ell`` and decrease ``coeff * eta``.

    Args:
        eta_max: the step-size bound ``eta <= eta_max / ell`` (1 in the paper).
        coeff: the claimed decrease ``f(x - eta g) <= f(x) - coeff * eta ||g||^2`` (1/2).

    Examples:
        >>> [s.status for s in check()]
        ['proved', 'proved', 'proved', 'proved', 'proved']
        >>> check(eta_max=2)[2].status
        'refuted'
    """
    em, k = Fraction(eta_max), Fraction(coeff)
    steps = []

    integral = sp.integrate(ell * s * h, (s, 0, 1))
    quad = verdict(
        "descent.quadratic_bound",
        "f(y) <= f(x) + <grad f(x), y - x> + (ell/2)||y - x||^2",
        "symbolic",
        is_identity(integral, ell * h / 2) or None,
        assumptions=HYP,
        proof="f(y) - f(x) - <g, y-x> = int_0^1 <grad f(x + s(y-x)) - g, y-x> ds "
        "<= int_0^1 ell s ||y-x||^2 ds (Cauchy-Schwarz, Lipschitz) = (ell/2)||y-x||^2 "
        "(SymPy integral with h = ||y-x||^2)",
        reason="integral did not reduce",
    )
    steps.append(quad)

    (g,) = bilinear_vectors("g")
    lhs = inner(g, -eta * g) + ell / 2 * inner(eta * g, eta * g)
    sharp = verdict(
        "descent.sharper_form",
        "f(x - eta g) <= f(x) - eta (1 - eta ell/2) ||g||^2",
        "symbolic",
        is_identity(lhs, -eta * (1 - eta * ell / 2) * inner(g, g)) or None,
        assumptions=HYP,
        proof="substitute y = x - eta g: <g, -eta g> + (ell/2)||eta g||^2 = "
        "-eta (1 - eta ell/2)||g||^2 (identity in a generic vector g)",
        reason="identity did not reduce",
    )
    steps.append(sharp)

    # eta (1 - eta ell/2) - coeff eta = eta (1 - coeff - x/2) with x = eta ell in (0, eta_max]:
    # decreasing in x, so nonnegative on the domain iff 1 - coeff - eta_max/2 >= 0.
    margin = 1 - k - em / 2
    ok = margin >= 0
    fx = Fraction(1, 2)  # f(x) = x^2/2 at x = 1, ell = 1
    fy = (1 - em) ** 2 / 2
    coeff_step = verdict(
        "descent.to_coefficient",
        f"eta (1 - eta ell/2) >= {k} eta for 0 < eta <= {em}/ell",
        "exact",
        ok,
        assumptions=HYP,
        proof=f"with x = eta ell in (0, {em}]: 1 - {k} - x/2 >= 1 - {k} - {em}/2 = {margin} >= 0",
        counterexample=f"f(x) = x^2/2 (ell = 1), x = 1, eta = {em}: f(x - eta f'(x)) = {fy} > "
        f"f(x) - {k} eta f'(x)^2 = {fx - k * em}",
    )
    steps.append(coeff_step)

    x = sp.Matrix(sp.symbols("x_0:2", real=True))
    f = ell / 2 * inner(x, x)
    grad = ell * x
    after = f.subs(dict(zip(x, x - eta * grad, strict=True)), simultaneous=True)
    steps.append(
        verdict(
            "descent.tight",
            "the sharper form is an equality for f = (ell/2)||x||^2",
            "symbolic",
            is_identity(after, f - eta * (1 - eta * ell / 2) * inner(grad, grad)) or None,
            assumptions=HYP,
            proof="direct substitution, expanded",
            reason="identity did not reduce",
        )
    )

    steps.append(
        chain(
            "descent.lemma",
            f"eta <= {em}/ell implies f(x - eta g) <= f(x) - {k} eta ||g||^2",
            [quad, sharp, coeff_step],
            assumptions=HYP,
            proof="quadratic bound, substitution, then the coefficient inequality",
        )
    )
    return steps

"""The volume bound of the thin stuck region (CLAIMS section 2, property T15).

The stuck region has width ``<= delta r/sqrt(d)`` along ``e1``; a slab of that
width holds a fraction ``<= (delta/sqrt(d)) V_{d-1}/V_d = delta g(d)`` of the
ball of radius ``r``, where ``V_d = pi^(d/2)/Gamma(d/2 + 1)`` and

    g(d) = Gamma(d/2 + 1) / (sqrt(pi d) Gamma(d/2 + 1/2)).

Claim (Jin et al., ICML 2017, proof of the escape lemma): ``g(d) <= 1`` for all
``d >= 1``. Argument checked here: log-convexity of Gamma (Bohr-Mollerup) at
two midpoints with ``Gamma(x + 1) = x Gamma(x)`` gives Wendel's bounds

    sqrt(x) <= Gamma(x + 1)/Gamma(x + 1/2) <= sqrt(x + 1/2)     (x > 0),

so with ``x = d/2``: ``1/sqrt(2 pi) <= g(d) <= sqrt((d + 1)/(2 pi d))``. Hence
``g(1) = 1/2`` exactly, ``g(d) <= sqrt(3/(4 pi)) < 1/2`` for ``d >= 2``: the sharp
bound is ``1/2`` (so ``1`` holds with room), and ``g(d) -> 1/sqrt(2 pi)`` with
``0 <= g(d) - 1/sqrt(2 pi) <= 1/(2 d sqrt(2 pi))``.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb, fmpq

from proofs._algebra import is_identity
from proofs._step import Step, chain, verdict

d, x = sp.symbols("d x", positive=True)
half = sp.Rational(1, 2)
HYP = ("d >= 1 an integer",)
LOGCONVEX = "Gamma is log-convex on (0, oo) (Bohr-Mollerup theorem)"


def g_exact(dim: int) -> sp.Expr:
    """``g(d)`` as an exact SymPy number.

    Examples:
        >>> g_exact(1)
        1/2
    """
    return sp.gamma(sp.Rational(dim, 2) + 1) / (
        sp.sqrt(sp.pi * dim) * sp.gamma(sp.Rational(dim, 2) + half)
    )


def g_ball(dim: int) -> arb:
    """A ball enclosing ``g(d)`` (python-flint ``arb``)."""
    a = arb(fmpq(dim, 2) + 1).gamma()
    b = arb(fmpq(dim + 1, 2)).gamma()
    return a / ((arb.pi() * dim).sqrt() * b)


def check(bound=1, d_max=200) -> list[Step]:
    """Check ``g(d) <= bound`` for all ``d >= 1`` and the limit ``1/sqrt(2 pi)``.

    Args:
        bound: the claimed bound (1 in the paper; the sharp value is 1/2).
        d_max: range of the interval cross-check ``d = 1 .. d_max``.

    Examples:
        >>> [s.status for s in check()]
        ['proved', 'proved', 'proved', 'proved', 'proved', 'proved', 'proved']
        >>> check(bound=Fraction(2, 5))[4].status
        'refuted'
    """
    b = Fraction(bound)
    steps = []
    ratio = (sp.pi ** ((d - 1) / 2) / sp.gamma((d - 1) / 2 + 1)) / (
        sp.pi ** (d / 2) / sp.gamma(d / 2 + 1)
    )
    target = sp.gamma(d / 2 + 1) / (sp.sqrt(sp.pi) * sp.gamma(d / 2 + half))
    slab_ok = sp.powsimp(sp.gammasimp(ratio / target), force=True) == 1
    steps.append(
        verdict(
            "volume.slab_fraction",
            "a slab of width delta r/sqrt(d) holds a fraction <= delta g(d) of the ball of "
            "radius r",
            "symbolic",
            slab_ok or None,
            assumptions=(
                *HYP,
                "Cavalieri: every section of the ball is a (d-1)-ball of radius <= r",
            ),
            proof="V_{d-1}/V_d = Gamma(d/2+1)/(sqrt(pi) Gamma(d/2+1/2)) (gammasimp/powsimp to 1)",
            reason="the ratio did not simplify to 1",
        )
    )

    low = is_identity(sp.gammasimp(sp.gamma(x) * sp.gamma(x + 1) - sp.gamma(x + 1) ** 2 / x), 0)
    high = is_identity(
        sp.expand_func(
            sp.gamma(x + half) * sp.gamma(x + 3 * half) - (x + half) * sp.gamma(x + half) ** 2
        ),
        0,
    )
    wendel = verdict(
        "volume.wendel",
        "sqrt(x) <= Gamma(x+1)/Gamma(x+1/2) <= sqrt(x+1/2) for x > 0",
        "symbolic",
        (low and high) or None,
        assumptions=(LOGCONVEX,),
        proof="log-convexity at midpoints: Gamma(x+1/2)^2 <= Gamma(x) Gamma(x+1) = Gamma(x+1)^2/x "
        "and Gamma(x+1)^2 <= Gamma(x+1/2) Gamma(x+3/2) = (x+1/2) Gamma(x+1/2)^2 "
        "(functional-equation identities reduced to 0)",
        reason="a Gamma identity did not reduce",
    )
    steps.append(wendel)

    g1 = g_exact(1)
    g1_ok = g1 == half
    steps.append(
        verdict(
            "volume.d1",
            "g(1) = 1/2",
            "symbolic",
            g1_ok or None,
            assumptions=(),
            proof="Gamma(3/2) = sqrt(pi)/2, Gamma(1) = 1",
            reason="did not evaluate",
        )
    )
    pi_gt_3 = bool(arb.pi() > 3)
    tail = verdict(
        "volume.d_ge_2",
        "g(d) <= sqrt(3/(4 pi)) < 1/2 for d >= 2",
        "interval",
        pi_gt_3 or None,
        assumptions=HYP,
        proof="g(d) <= sqrt((d+1)/(2 pi d)) with x = d/2 in Wendel's upper bound; (1 + 1/d)/(2 pi) "
        "decreases in d, = 3/(4 pi) at d = 2, < 1/4 as pi > 3 (arb enclosure of pi)",
        reason="could not certify pi > 3",
    )
    steps.append(tail)
    steps.append(
        chain(
            "volume.bound",
            f"g(d) = Gamma(d/2+1)/(sqrt(pi d) Gamma(d/2+1/2)) <= {b} for all d >= 1",
            [wendel, steps[2], tail],
            assumptions=HYP,
            proof=(f"max_d g(d) = g(1) = 1/2 <= {b}; the sharp bound is 1/2"),
        )
    )
    if b < Fraction(1, 2):
        steps[-1] = verdict(
            "volume.bound",
            steps[-1].statement,
            "symbolic",
            False,
            proof="",
            assumptions=HYP,
            counterexample=f"d = 1: g(1) = 1/2 > {b}",
        )

    sq = sp.sqrt(d + 1) - sp.sqrt(d)
    conj = is_identity(sp.expand(sq * (sp.sqrt(d + 1) + sp.sqrt(d))), 1)
    steps.append(
        verdict(
            "volume.limit",
            "1/sqrt(2 pi) <= g(d) <= 1/sqrt(2 pi) + 1/(2 d sqrt(2 pi)); g(d) -> 1/sqrt(2 pi)",
            "symbolic",
            (conj and low and high) or None,
            assumptions=HYP,
            proof="Wendel with x = d/2 gives 1/sqrt(2 pi) <= g(d) <= sqrt((d+1)/(2 pi d)); the "
            "gap is "
            "(sqrt(d+1) - sqrt(d))/sqrt(2 pi d) = 1/((sqrt(d+1) + sqrt(d)) sqrt(2 pi d)) "
            "<= 1/(2 d sqrt(2 pi))",
            reason="an identity did not reduce",
        )
    )

    lo_const = 1 / (2 * arb.pi()).sqrt()
    cap = arb(fmpq(b.numerator, b.denominator))
    bad = []
    for k in range(1, d_max + 1):
        g = g_ball(k)
        hi = ((arb(k) + 1) / (2 * arb.pi() * k)).sqrt()
        # d = 1: g(1) = 1/2 exactly (volume.d1), a ball cannot certify g(1) <= 1/2
        below = (b >= Fraction(1, 2)) if k == 1 else bool(g <= cap)
        if not (g >= lo_const and g <= hi and below):
            bad.append(k)
    if not bad:
        ok, why = (
            True,
            (
                f"g(d) enclosed for every d = 1..{d_max}: inside the bounds and <= {b} "
                "(d = 1 by the exact value 1/2)"
            ),
        )
    elif bad[0] == 1 and g_ball(1) > cap:
        ok, why = False, f"d = 1: g(1) in {g_ball(1)} > {b}"
    else:
        ok, why = None, f"undecided at d = {bad[:5]}"
    steps.append(
        verdict(
            "volume.interval_check",
            f"g(d) <= {b} and Wendel's bounds, for d = 1..{d_max}",
            "interval",
            ok,
            assumptions=(),
            proof=why,
            counterexample=why,
            reason=why,
        )
    )
    return steps

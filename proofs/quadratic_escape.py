"""The quadratic escape formula (CLAIMS T12) and the ``O(log d)`` escape time.

For ``f(x) = x^T H x / 2``, ``H = diag(-1, 1, ..., 1)``, gradient descent with
step ``eta`` multiplies coordinate ``i`` by ``1 - eta h_i`` at every step, so
with ``eta = 1/2`` and ``x_0 = (a_1, ..., a_d)`` (the blog post's example):

    f(x_t) = ( -(3/2)^(2t) a_1^2 + (1/2)^(2t) sum_{i>=2} a_i^2 ) / 2      (exactly).

Escape time: if ``||x_0|| <= r`` and ``a_1^2 >= r^2/(K d)`` then ``f(x_t) <= -F``
for every ``t >= log(K d (1 + 2F/r^2)) / log(9/4)``, which is
``log d / log(9/4) + O(1)``. For ``x_0`` uniform in the ball the exception has
probability ``<= (2/sqrt K) g(d) <= 1/sqrt K`` (slab bound, :mod:`proofs.volume`).
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs import volume
from proofs._algebra import is_identity
from proofs._step import Step, chain, verdict

t = sp.Symbol("t", nonnegative=True)
m, r, F, K, dd = sp.symbols("m r F K d", positive=True)
HYP = ("f = x^T H x/2, H = diag(-1, 1, ..., 1)", "x_{t+1} = x_t - eta H x_t")


def f_closed(a: list, eta, growth=None, tt=t) -> sp.Expr:
    """The claimed closed form of ``f(x_t)`` (growth base ``1 + eta`` unless given)."""
    g = sp.nsimplify(growth) if growth is not None else 1 + eta
    return (-(g ** (2 * tt)) * a[0] ** 2 + (1 - eta) ** (2 * tt) * sum(x**2 for x in a[1:])) / 2


def check(eta=Fraction(1, 2), growth=Fraction(3, 2), dim=4) -> list[Step]:
    """Check the quadratic escape formula and its ``O(log d)`` consequence.

    Args:
        eta: step size (1/2 in the blog post), ``0 < eta < 1``.
        growth: the claimed growth base of the ``a_1^2`` term (``3/2 = 1 + eta``).
        dim: dimension of the generic symbolic instance.

    Examples:
        >>> [s.status for s in check()]
        ['proved', 'proved', 'proved', 'proved', 'proved', 'proved']
        >>> check(growth=2)[1].status
        'refuted'
    """
    e = sp.nsimplify(eta)
    steps = []
    a = sp.symbols(f"a_1:{dim + 1}", real=True)
    hs = [-1] + [1] * (dim - 1)

    induct = is_identity(m ** (t + 1) * a[0], m * (m**t * a[0]))
    steps.append(
        verdict(
            "quadratic_escape.iterates",
            "x_t = diag(1 + eta, 1 - eta, ..., 1 - eta)^t x_0",
            "symbolic",
            induct or None,
            assumptions=HYP,
            proof="coordinate i is multiplied by m_i = 1 - eta h_i at each step; induction step "
            "m^(t+1) a = m (m^t a) reduced to 0",
            reason="did not reduce",
        )
    )

    xt = [(1 - e * h) ** t * ai for h, ai in zip(hs, a, strict=True)]
    f_t = sum(h * x**2 for h, x in zip(hs, xt, strict=True)) / 2
    claimed = f_closed(list(a), e, growth)
    ok = is_identity(
        sp.powsimp(sp.expand(f_t), force=True), sp.powsimp(sp.expand(claimed), force=True)
    )
    if ok:
        formula = verdict(
            "quadratic_escape.formula",
            f"f(x_t) = (-({growth})^(2t) a_1^2 + ({1 - e})^(2t) sum_(i>=2) a_i^2)/2",
            "symbolic",
            True,
            assumptions=HYP,
            proof=f"substitution and powsimp/expand, generic a in R^{dim}",
        )
    else:
        at = {t: 1, a[0]: 1, **{x: 0 for x in a[1:]}}
        formula = verdict(
            "quadratic_escape.formula",
            f"f(x_t) = (-({growth})^(2t) a_1^2 + ({1 - e})^(2t) sum_(i>=2) a_i^2)/2",
            "exact",
            False,
            proof="",
            assumptions=HYP,
            counterexample=f"t = 1, x_0 = e_1: f(x_1) = {f_t.subs(at)}, "
            f"formula = {claimed.subs(at)}",
        )
    steps.append(formula)

    x0 = [Fraction(k + 1, k + 3) * (-1) ** k for k in range(dim)]
    fe = Fraction(e.p, e.q)
    x, mismatch = list(x0), []
    for step in range(9):
        fx = sum(h * v * v for h, v in zip(hs, x, strict=True)) / 2
        closed = f_closed([sp.Rational(v.numerator, v.denominator) for v in x0], e, growth, step)
        if sp.Rational(fx.numerator, fx.denominator) != closed:
            mismatch.append((step, str(fx), str(closed)))
        x = [v - fe * h * v for h, v in zip(hs, x, strict=True)]
    steps.append(
        verdict(
            "quadratic_escape.exact_runs",
            f"the formula matches exact GD iterates, t = 0..8, d = {dim}",
            "exact",
            not mismatch,
            assumptions=HYP,
            proof=f"rational iterates from x_0 = {[str(v) for v in x0]}",
            counterexample=f"first mismatch (t, f(x_t), formula) = {mismatch[:1]}",
        )
    )

    big = K * dd * (1 + 2 * F / r**2)
    last = is_identity((-big * r**2 / (K * dd) + r**2) / 2, -F)
    esc = verdict(
        "quadratic_escape.escape_time",
        "||x_0|| <= r, a_1^2 >= r^2/(K d) imply f(x_t) <= -F for t >= log(K d (1 + 2F/r^2))"
        "/log((1 + eta)^2) = log d/log((1 + eta)^2) + O(1)",
        "symbolic",
        (last and 0 < fe < 1) or None,
        assumptions=(*HYP, "0 < eta < 1"),
        proof="f(x_t) <= (-(1+eta)^(2t) r^2/(K d) + (1-eta)^(2t) r^2)/2 and (1-eta)^(2t) <= 1; "
        "at (1+eta)^(2t) >= K d (1 + 2F/r^2) the bound is (-r^2 (1 + 2F/r^2) + r^2)/2 = -F "
        "(identity)",
        reason="identity did not reduce or eta not in (0, 1)",
    )
    steps.append(esc)

    vol = next(s for s in volume.check(bound=Fraction(1, 2)) if s.key == "volume.bound")
    prob = chain(
        "quadratic_escape.probability",
        "x_0 uniform in the ball of radius r: P(a_1^2 < r^2/(K d)) <= 1/sqrt(K)",
        [vol],
        assumptions=("volume.bound with the sharp constant 1/2",),
        proof="the slab |a_1| < r/sqrt(K d) has width 2r/sqrt(K d): fraction <= "
        "(2/sqrt K) g(d) <= 1/sqrt K",
    )
    steps.append(prob)
    steps.append(
        chain(
            "quadratic_escape.log_d",
            "with probability >= 1 - 1/sqrt(K), GD escapes (f <= -F) within "
            "ceil(log(K d (1 + 2F/r^2))/log(9/4)) = O(log d) steps (eta = 1/2)",
            [steps[1], esc, prob],
            assumptions=HYP,
            proof="escape time on the event of the slab bound",
        )
    )
    return steps

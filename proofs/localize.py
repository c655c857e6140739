"""Improve or localize (Jin et al., JACM 2021; CLAIMS section 2 [J], property T10).

For gradient descent ``x_{i+1} = x_i - eta grad f(x_i)`` with ``eta <= 1/ell``
and ``0 < tau <= t``:

    ||x_tau - x_0|| <= sum_{i<tau} eta ||g_i||              (triangle inequality)
                    <= eta sqrt(tau sum_{i<tau} ||g_i||^2)   (Cauchy-Schwarz)
                    <= sqrt(2 eta tau (f(x_0) - f(x_tau)))   (descent lemma, summed)
                    <= sqrt(2 eta t (f(x_0) - f(x_t)))       (f non-increasing, tau <= t)

Cauchy-Schwarz ``(sum a_i)^2 <= n sum a_i^2`` is proved from Lagrange's
identity ``n sum a_i^2 - (sum a_i)^2 = sum_{i<j} (a_i - a_j)^2`` by induction on
``n`` (base case and inductive step are SymPy identities). The constant 2 is
sharp: ``f = x^2/2``, ``eta = 1/ell = 1``, ``x_0 = 1`` gives equality at ``t = 1``.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs._algebra import is_identity
from proofs._step import Step, chain, verdict

n, S, Q, L, b, eta, tau, D = sp.symbols("n S Q L b eta tau D", real=True)
HYP = ("eta <= 1/ell", "f has ell-Lipschitz gradient", "0 < tau <= t")


def check(const=2) -> list[Step]:
    """Check ``||x_tau - x_0||^2 <= const * eta * t * (f(x_0) - f(x_t))``.

    Args:
        const: the constant of the claim (2).

    Examples:
        >>> [s.status for s in check()][-1]
        'proved'
        >>> check(const=1)[-1].status
        'refuted'
    """
    k = Fraction(const)
    steps = []
    a1 = sp.Symbol("a_1", real=True)
    base = is_identity(1 * a1**2 - a1**2, 0)
    # step n -> n+1, with S = sum a_i, Q = sum a_i^2, L = sum_{i<j}(a_i - a_j)^2 and the
    # new term b: sum_{i<=n} (a_i - b)^2 = Q - 2 b S + n b^2.
    new_l = L + Q - 2 * b * S + n * b**2
    induct = is_identity(((n + 1) * (Q + b**2) - (S + b) ** 2) - new_l, (n * Q - S**2) - L)
    cs = verdict(
        "localize.cauchy_schwarz",
        "(sum_{i<n} a_i)^2 <= n sum_{i<n} a_i^2 for every n >= 1",
        "symbolic",
        (base and induct) or None,
        assumptions=(),
        proof="Lagrange's identity n Q - S^2 = sum_{i<j} (a_i - a_j)^2 >= 0 by induction: base "
        "n = 1 and the step n -> n+1 are identities (reduced to 0)",
        reason="an identity did not reduce",
    )
    steps.append(cs)

    f0, fn, fn1 = sp.symbols("f_0 f_n f_n1", real=True)
    tele_ok = is_identity((f0 - fn) + (fn - fn1), f0 - fn1)
    tele = verdict(
        "localize.telescoping",
        "sum_{i<tau} ||g_i||^2 <= (2/eta)(f(x_0) - f(x_tau))",
        "symbolic",
        tele_ok or None,
        assumptions=(*HYP, "descent lemma: f_{i+1} <= f_i - (eta/2)||g_i||^2"),
        proof="sum the descent lemma; sum_{i<n} (f_i - f_{i+1}) = f_0 - f_n by induction "
        "(step (f_0 - f_n) + (f_n - f_{n+1}) = f_0 - f_{n+1} reduced to 0)",
        reason="did not reduce",
    )
    steps.append(tele)

    combine = is_identity(eta**2 * tau * (2 / eta) * D, 2 * eta * tau * D)
    comb = verdict(
        "localize.combine",
        "||x_tau - x_0||^2 <= eta^2 tau sum ||g_i||^2 <= 2 eta tau (f(x_0) - f(x_tau))",
        "symbolic",
        combine or None,
        assumptions=HYP,
        proof="triangle inequality and Cauchy-Schwarz, then eta^2 tau (2/eta) D = 2 eta tau D "
        "(identity, D = f(x_0) - f(x_tau))",
        reason="did not reduce",
    )
    steps.append(comb)
    steps.append(
        verdict(
            "localize.monotone",
            "2 eta tau (f(x_0) - f(x_tau)) <= 2 eta t (f(x_0) - f(x_t))",
            "symbolic",
            True,
            assumptions=(*HYP, "f(x_t) <= f(x_tau) <= f(x_0) (descent)"),
            proof="both factors grow: tau <= t and f(x_0) - f(x_tau) <= f(x_0) - f(x_t), all >= 0",
        )
    )

    # exact witness of sharpness: f = x^2/2, ell = 1, eta = 1, x_0 = 1, t = 1 -> x_1 = 0
    lhs, rhs = Fraction(1), k * 1 * 1 * Fraction(1, 2)
    if k >= 2:
        steps.append(
            chain(
                "localize.claim",
                f"||x_tau - x_0|| <= sqrt({k} eta t (f(x_0) - f(x_t)))",
                steps[:],
                assumptions=HYP,
                proof="the chain above; sharp: f = x^2/2, eta = 1, x_0 = 1, t = 1 "
                "gives equality for the constant 2",
            )
        )
    else:
        steps.append(
            verdict(
                "localize.claim",
                f"||x_tau - x_0|| <= sqrt({k} eta t (f(x_0) - f(x_t)))",
                "exact",
                False,
                proof="",
                assumptions=HYP,
                counterexample=f"f = x^2/2 (ell = 1), eta = 1, x_0 = 1, t = tau = 1: x_1 = 0, "
                f"||x_1 - x_0||^2 = {lhs} > {k} * eta * t * (f(x_0) - f(x_1)) = {rhs}",
            )
        )
    return steps

"""The octopus of Du et al. (NeurIPS 2017): GD needs time exponential in ``d``.

A piecewise polynomial (docs/CLAIMS.md s.5, item 5), written as a nested SymPy
``Piecewise`` of linear size in ``d``: the piece is decided by ``i``, the first
index with ``|x_i| <= 2 tau``. Each piece is a polynomial, so the objective is
smooth on every box inside one piece; across pieces it is only C^2, and
saddlecheck's box operations refuse a box that crosses a boundary. The
formulas hold on Du et al.'s domain (after the first coordinate with
``|x_i| <= 2 tau`` the later ones satisfy ``|x_j| <= tau``) and extend to the
whole space by the same formulas.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from saddlecheck._validation import check_int
from saddlecheck.box import Box
from saddlecheck.objective import Objective
from saddlecheck.problems._problem import Constant, KnownPoint, Problem

_SRC = "Du et al., NeurIPS 2017, arXiv:1705.10412 (docs/CLAIMS.md s.5)"


def _octopus_expr(xs, L, gamma, tau):
    g1 = lambda x: (  # noqa: E731
        -gamma * x**2
        + (-14 * L + 10 * gamma) / (3 * tau) * (x - tau) ** 3
        + (5 * L - 3 * gamma) / (2 * tau**2) * (x - tau) ** 4
    )
    g2 = lambda x: (  # noqa: E731
        -gamma
        - 10 * (L + gamma) * (x - 2 * tau) ** 3 / tau**3
        - 15 * (L + gamma) * (x - 2 * tau) ** 4 / tau**4
        - 6 * (L + gamma) * (x - 2 * tau) ** 5 / tau**5
    )
    nu = -g1(2 * tau) + 4 * L * tau**2
    d = len(xs)

    def inner(k: int):
        """f restricted to ``|x_k| <= 2 tau`` (k is the first such index), 0-based."""
        x = xs[k]
        rest = lambda start: sum((L * v**2 for v in xs[start:]), sympy.Integer(0))  # noqa: E731
        inside = sympy.And(x >= -tau, x <= tau)
        if k < d - 1:
            b = xs[k + 1]
            return sympy.Piecewise(
                (-gamma * x**2 + rest(k + 1), inside),
                (g1(x) + g2(x) * b**2 + rest(k + 2), x > 0),
                (g1(-x) + g2(-x) * b**2 + rest(k + 2), True),
            )
        return sympy.Piecewise((-gamma * x**2, inside), (g1(x), x > 0), (g1(-x), True))

    # Build from the last coordinate outwards: F_k = outer piece + F_{k+1}, or inner(k).
    F = sympy.Integer(0)
    for k in range(d - 1, -1, -1):
        x = xs[k]
        outer = sympy.Piecewise((L * (x - 4 * tau) ** 2, x > 0), (L * (x + 4 * tau) ** 2, True))
        F = sympy.Piecewise(
            (outer - nu + F, sympy.Or(x > 2 * tau, x < -2 * tau)),
            (inner(k), True),
        )
    return F, nu


def octopus(
    d: int = 2, *, L: object = sympy.E, gamma: object = 1, tau: object = sympy.E
) -> Problem:
    """The octopus in ``d`` variables (standard parameters ``L = e, gamma = 1, tau = e``).

    Its saddles sit at the origin of each "tentacle"; the global minimum is at
    ``x_j = +-4 tau`` for all ``j`` with value ``-d nu``.

    >>> p = octopus(2)
    >>> round(float(p.objective.value([0.5, 0.1])), 6) == round(-0.25 + float(sympy.E) * 0.01, 6)
    True
    """
    d = check_int("d", d, minimum=1)
    L, gamma, tau = (sympy.sympify(v) for v in (L, gamma, tau))
    xs = sympy.symbols(f"x1:{d + 1}")
    expr, nu = _octopus_expr(xs, L, gamma, tau)
    t = sympy.Rational(int(sympy.floor(tau * 1000)), 1000)  # rational, just below tau
    return Problem(
        name="octopus",
        objective=Objective(expr, xs),
        box=Box([(-t, t)] * d),
        critical_points=(KnownPoint((0,) * d, "strict_saddle", -2 * gamma),),
        complete_critical_points=False,
        constants={
            "L": Constant(L, _SRC, "P"),
            "gamma": Constant(gamma, _SRC, "P"),
            "tau": Constant(tau, _SRC, "P"),
            "nu": Constant(sympy.simplify(nu), "nu = -g1(2 tau) + 4 L tau^2", "D"),
        },
        x0=(Fraction(0),) * d,
        f_star=-d * nu,
        description=f"octopus of Du et al. in {d} dimensions (GD slow, PGD fast)",
        options={"d": d, "L": L, "gamma": gamma, "tau": tau},
    )

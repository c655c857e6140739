"""Toy saddles with closed-form answers (docs/CLAIMS.md section 5, items 1-3)."""

from __future__ import annotations

from fractions import Fraction

import sympy

from saddlecheck._validation import InputError, check_int, check_positive
from saddlecheck.box import Box
from saddlecheck.objective import Objective
from saddlecheck.problems._problem import Constant, KnownPoint, Problem

_S = "docs/CLAIMS.md s.5"


def toy_saddle(R: object = 2) -> Problem:
    """``x**4/4 - x**2/2 + y**2/2`` on ``[-R, R]^2`` (``R >= 1``).

    Critical points: the strict saddle ``(0, 0)`` (Hessian ``diag(-1, 1)``) and
    the minima ``(+-1, 0)`` (Hessian ``diag(2, 1)``, ``f* = -1/4``). On the box,
    ``sup ||H|| = max(3R^2 - 1, 1)`` and ``sup ||D^3 f|| = 6R`` (attained at
    ``x = +-R``; ``D^3 f`` has the single entry ``6x``).

    >>> p = toy_saddle()
    >>> p.constant("ell"), p.constant("rho"), [c.kind for c in p.critical_points]
    (11.0, 12.0, ['strict_saddle', 'min', 'min'])
    """
    R = sympy.Rational(check_positive("R", R))
    if R < 1:
        raise InputError(f"R={R} must be >= 1 so that the box holds the minima (+-1, 0)")
    x, y = sympy.symbols("x y")
    obj = Objective(x**4 / 4 - x**2 / 2 + y**2 / 2, (x, y))
    h = sympy.Rational(1, 2)
    return Problem(
        name="toy",
        objective=obj,
        box=Box([(-R, R), (-R, R)]),
        critical_points=(
            KnownPoint((0, 0), "strict_saddle", sympy.Integer(-1)),
            KnownPoint((1, 0), "min", sympy.Integer(1)),
            KnownPoint((-1, 0), "min", sympy.Integer(1)),
        ),
        complete_critical_points=True,
        constants={
            "ell": Constant(sympy.Max(3 * R**2 - 1, 1), f"{_S}: sup|3x^2-1| on |x|<=R", "D"),
            "rho": Constant(6 * R, f"{_S}: sup|6x| on |x|<=R", "D"),
        },
        x0=(Fraction(0), Fraction(0)),
        f_star=-h / 2,
        description="two minima (+-1, 0) and a strict saddle at the origin",
        options={"R": R},
    )


def toy_saddle_nd(d: int = 3, R: object = 2) -> Problem:
    """``x1**4/4 - x1**2/2 + sum_{i>=2} x_i**2/2`` in ``d`` variables on ``[-R, R]^d``.

    The ``d``-dimensional toy for ``log d`` escape-time scaling: strict saddle at
    0 with ``lambda_min = -1`` along ``x1``, minima at ``(+-1, 0, ..., 0)``.
    """
    d = check_int("d", d, minimum=1)
    R = sympy.Rational(check_positive("R", R))
    xs = sympy.symbols(f"x1:{d + 1}")
    expr = xs[0] ** 4 / 4 - xs[0] ** 2 / 2 + sum((v**2 / 2 for v in xs[1:]), sympy.Integer(0))
    zero = (0,) * (d - 1)
    lam_min = sympy.Integer(1) if d > 1 else sympy.Integer(2)
    return Problem(
        name="toy-nd",
        objective=Objective(expr, xs),
        box=Box([(-R, R)] * d),
        critical_points=(
            KnownPoint((0, *zero), "strict_saddle", sympy.Integer(-1)),
            KnownPoint((1, *zero), "min", lam_min),
            KnownPoint((-1, *zero), "min", lam_min),
        ),
        complete_critical_points=True,
        constants={
            "ell": Constant(sympy.Max(3 * R**2 - 1, 1), f"{_S}: toy on |x1|<=R", "D"),
            "rho": Constant(6 * R, f"{_S}: toy on |x1|<=R", "D"),
        },
        x0=(Fraction(0),) * d,
        f_star=sympy.Rational(-1, 4),
        description=f"the toy saddle embedded in {d} dimensions",
        options={"d": d, "R": R},
    )


def monkey_saddle(R: object = 1) -> Problem:
    """``x**3 - 3*x*y**2``: a degenerate saddle at 0 that *is* an eps-SOSP.

    Hessian ``[[6x, -6y], [-6y, -6x]]`` has eigenvalues ``+-6 sqrt(x^2 + y^2)``,
    so ``ell = 6 sqrt(2) R`` on ``[-R, R]^2``; ``D^3 f(u, u, u) = 6 cos(3 phi)``
    for a unit ``u`` at angle ``phi``, so ``rho = 6``. Not a minimum:
    ``f(t, 0) = t^3``. Unbounded below.
    """
    R = sympy.Rational(check_positive("R", R))
    x, y = sympy.symbols("x y")
    return Problem(
        name="monkey",
        objective=Objective(x**3 - 3 * x * y**2, (x, y)),
        box=Box([(-R, R), (-R, R)]),
        critical_points=(KnownPoint((0, 0), "degenerate", sympy.Integer(0)),),
        complete_critical_points=True,
        constants={
            "ell": Constant(6 * sympy.sqrt(2) * R, "eigenvalues +-6|x| at the corners", "D"),
            "rho": Constant(sympy.Integer(6), "max_u |6u1^3 - 18u1u2^2| = 6", "D"),
        },
        x0=(Fraction(0), Fraction(0)),
        description="monkey saddle: degenerate, an eps-SOSP that is not a minimum",
        options={"R": R},
    )


def cubic(R: object = 1) -> Problem:
    """``x**3`` on ``[-R, R]``: a degenerate critical point at 0 (an eps-SOSP, not a minimum)."""
    R = sympy.Rational(check_positive("R", R))
    x = sympy.Symbol("x")
    return Problem(
        name="cubic",
        objective=Objective(x**3, (x,)),
        box=Box([(-R, R)]),
        critical_points=(KnownPoint((0,), "degenerate", sympy.Integer(0)),),
        complete_critical_points=True,
        constants={
            "ell": Constant(6 * R, "sup|6x|", "D"),
            "rho": Constant(sympy.Integer(6), "f''' = 6", "D"),
        },
        x0=(Fraction(0),),
        description="x^3: degenerate critical point at 0",
        options={"R": R},
    )


def quadratic_saddle(d: int = 2, R: object = 1) -> Problem:
    """``x^T H x / 2`` with ``H = diag(-1, 1, ..., 1)``: ``rho = 0``, unbounded below.

    For escape tests only (CLAIMS T12: with ``eta = 1/2`` the iterates have a
    closed form).
    """
    d = check_int("d", d, minimum=1)
    R = sympy.Rational(check_positive("R", R))
    xs = sympy.symbols(f"x1:{d + 1}")
    expr = -(xs[0] ** 2) / 2 + sum((v**2 / 2 for v in xs[1:]), sympy.Integer(0))
    return Problem(
        name="quadratic-saddle",
        objective=Objective(expr, xs),
        box=Box([(-R, R)] * d),
        critical_points=(KnownPoint((0,) * d, "strict_saddle", sympy.Integer(-1)),),
        complete_critical_points=True,
        constants={
            "ell": Constant(sympy.Integer(1), "||diag(-1, 1, ..., 1)|| = 1", "exact"),
            "rho": Constant(sympy.Integer(0), "constant Hessian", "exact"),
        },
        x0=(Fraction(0),) * d,
        description=f"quadratic saddle diag(-1, 1, ..., 1) in {d} dimensions",
        options={"d": d, "R": R},
    )

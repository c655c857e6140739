"""T1 (parameter formulas) and T6 (iteration count), docs/CLAIMS.md section 3.

The oracle recomputes Algorithm 2's parameters from their definitions in
mpmath (50 digits, or 20 more than the parameters carry), independently of ``saddlecheck.solver``:

    chi     = 3 max(log(d ell Delta_f / (c eps^2 delta)), 4)
    eta     = c / ell
    r       = sqrt(c) / chi^2 * eps / ell
    g_thres = sqrt(c) / chi^2 * eps
    f_thres = c / chi^3 * sqrt(eps^3 / rho)
    t_thres = chi / c^2 * ell / sqrt(rho eps)
"""

from __future__ import annotations

import math

import mpmath

from saddlecheck._validation import to_rational
from saddlecheck.claims._verdict import UNIT_ROUNDOFF, Verdict, not_applicable, verdict

_NAMES = ("chi", "eta", "r", "g_thres", "f_thres", "t_thres")


def to_mpf(value) -> mpmath.mpf:
    """``value`` (float, int, Fraction, mpf, SymPy number, "1/3") as an mpf."""
    if isinstance(value, mpmath.mpf):
        return +value
    q = to_rational(value)
    return mpmath.mpf(q.numerator) / q.denominator


def expected_parameters(
    ell, rho, eps, c, delta, delta_f, dim, *, digits: int = 50
) -> dict[str, mpmath.mpf]:
    """Algorithm 2's parameters from their definitions, in ``digits``-digit mpmath.

    >>> p = expected_parameters(1, 1, 1, 1, 1, 1, 1)
    >>> float(p["chi"]), float(p["t_thres"])
    (12.0, 12.0)
    """
    with mpmath.workdps(digits):
        ell, rho, eps, c, delta, delta_f = (to_mpf(v) for v in (ell, rho, eps, c, delta, delta_f))
        chi = 3 * max(mpmath.log(dim * ell * delta_f / (c * eps**2 * delta)), mpmath.mpf(4))
        return {
            "chi": chi,
            "eta": c / ell,
            "r": mpmath.sqrt(c) / chi**2 * eps / ell,
            "g_thres": mpmath.sqrt(c) / chi**2 * eps,
            "f_thres": c / chi**3 * mpmath.sqrt(eps**3 / rho),
            "t_thres": chi / c**2 * ell / mpmath.sqrt(rho * eps),
        }


def _tolerance(params) -> float:
    dps = getattr(params, "dps", None)
    if dps:  # parameters computed at dps digits: allow a few units in the last place
        return 64.0 * 10.0 ** (-int(dps))
    return 64 * UNIT_ROUNDOFF


def parameter_formulas(params) -> Verdict:
    """T1: the parameters obey Algorithm 2's formulas and their consequences.

    Checks, each to the precision the parameters were computed in (``64 u``
    relative for float64, ``64 * 10^-dps`` for ``dps`` digits): every field
    against :func:`expected_parameters`; ``chi >= 12`` (from the ``max(., 4)``);
    ``r = g_thres / ell``; ``f_thres / t_thres = c^3 eps^2 / (chi^4 ell)`` [D];
    ``t_window = ceil(t_thres)`` (the integer window used).

    Args:
        params: any object with the fields ``ell, rho, eps, c, delta, delta_f,
            dim, chi, eta, r, g_thres, f_thres, t_thres`` (and optionally
            ``t_window``, ``dps``), e.g. ``saddlecheck.solver.algorithms.PGDParams``.

    Returns:
        A :class:`Verdict` with ``lhs`` the worst relative error, ``rhs`` the
        tolerance.

    >>> from types import SimpleNamespace
    >>> e = expected_parameters(2, 3, 0.1, 0.5, 0.1, 1, 2)
    >>> p = SimpleNamespace(ell=2, rho=3, eps=0.1, c=0.5, delta=0.1, delta_f=1, dim=2,
    ...                     **{k: float(v) for k, v in e.items()})
    >>> parameter_formulas(p).holds
    True
    """
    digits = max(50, int(getattr(params, "dps", None) or 0) + 20)
    exp = expected_parameters(
        params.ell, params.rho, params.eps, params.c, params.delta, params.delta_f, params.dim,
        digits=digits,
    )  # fmt: skip
    tol = _tolerance(params)
    worst, where, problems = 0.0, "", []
    with mpmath.workdps(digits):

        def rel(name: str, got, want) -> None:
            nonlocal worst, where
            err = float(abs(got - want) / abs(want))
            if err > worst:
                worst, where = err, name
            if err > tol:
                problems.append(f"{name}={float(got):.17g}, expected {float(want):.17g}")

        for name in _NAMES:
            rel(name, to_mpf(getattr(params, name)), exp[name])
        chi = to_mpf(params.chi)
        if chi < 12 * (1 - tol):
            problems.append(f"chi={float(chi)} < 12")
        rel("r vs g_thres/ell", to_mpf(params.r), to_mpf(params.g_thres) / to_mpf(params.ell))
        c, eps, ell = (to_mpf(params.c), to_mpf(params.eps), to_mpf(params.ell))
        rel(
            "f_thres/t_thres vs c^3 eps^2/(chi^4 ell)",
            to_mpf(params.f_thres) / to_mpf(params.t_thres),
            c**3 * eps**2 / (chi**4 * ell),
        )
        t_window = getattr(params, "t_window", None)
        if t_window is not None:
            t = exp["t_thres"]
            allowed = {int(mpmath.ceil(t))}
            if abs(t - mpmath.nint(t)) <= tol * t:  # t_thres an integer up to round-off
                allowed |= {int(mpmath.nint(t)), int(mpmath.nint(t)) + 1}
            if int(t_window) not in allowed:
                problems.append(f"t_window={t_window}, expected ceil(t_thres)={min(allowed)}")
    msg = "Algorithm 2 parameter formulas" if not problems else "; ".join(problems)
    out = verdict("T1", "P,D", worst, tol, msg, where=where)
    if problems and out.holds:
        out = Verdict("T1", "P,D", False, worst, tol, tol - worst, msg, where=where)
    return out


def iteration_bound(iterations: int, f0: float, f_star: float, params) -> Verdict:
    """T6: ``#iterations <= 2 chi^4 ell (f(x0) - f*) / (c^3 eps^2) + t_window + 1``.

    docs/CLAIMS.md s.1 [D]: every gradient step is a large-gradient step (decrease
    ``>= (eta/2) g_thres^2 = c^2 eps^2 / (2 chi^4 ell)``), or in a completed
    window of ``t_window + 1`` steps (decrease ``>= f_thres`` from ``x_tilde``,
    i.e. ``>= c^3 eps^2 / (2 chi^4 ell)`` per step since ``t_window + 1 <= 2
    t_thres``), or in the final window. Needs ``c <= 1`` and ``t_thres >= 1``;
    ``f_star`` must lower-bound ``f`` on the region the run visited.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(chi=12, ell=1, c=0.5, eps=1, t_thres=48, t_window=48)
    >>> iteration_bound(100, 1.0, 0.0, p).holds
    True
    """
    c, t_thres = float(params.c), float(params.t_thres)
    if c > 1 or t_thres < 1:
        return not_applicable("T6", "D", f"the bound needs c <= 1 and t_thres >= 1 (c={c})")
    t_window = int(getattr(params, "t_window", math.ceil(t_thres)))
    chi, ell, eps = float(params.chi), float(params.ell), float(params.eps)
    gap = max(float(f0) - float(f_star), 0.0)
    bound = 2 * chi**4 * ell * gap / (c**3 * eps**2) + t_window + 1
    return verdict(
        "T6",
        "D",
        iterations,
        bound,
        f"gradient steps {iterations} vs 2 chi^4 ell (f0 - f*)/(c^3 eps^2) + t_window + 1",
    )

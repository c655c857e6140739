"""Algorithm 2's parameters and the explicit iteration bound (Jin et al., ICML 2017).

From the inputs ``ell, rho, eps, c, delta, Delta_f`` and the dimension ``d``
(the paper's Algorithm 2)::

    chi     = 3 * max(log(d * ell * Delta_f / (c * eps^2 * delta)), 4)
    eta     = c / ell
    r       = sqrt(c) / chi^2 * eps / ell
    g_thres = sqrt(c) / chi^2 * eps
    f_thres = c / chi^3 * sqrt(eps^3 / rho)
    t_thres = chi / c^2 * ell / sqrt(rho * eps)

Every parameter is computed from the exact rational inputs in mpmath with 30
guard digits and then rounded once to the run's precision (float64, or
``dps`` digits), so float64 and mpmath runs use the best values their number
type can hold. The loop needs an integer window: ``t_window = ceil(t_thres)``,
decided exactly when ``chi = 12`` (then ``t_thres^2`` is rational) and from the
high-precision value otherwise (then ``t_thres`` is transcendental, by
Lindemann-Weierstrass, so it is never an integer).

``rho = 0`` (a quadratic: constant Hessian) is accepted and means *no
curvature condition*: a 0-Hessian-Lipschitz function is ``rho'``-Hessian
Lipschitz for every ``rho' > 0``, and the largest value Theorem 3 allows is
``rho' = ell^2 / eps``. The formulas then use ``rho = ell^2 / eps``, for which
the second-order condition ``lambda_min >= -sqrt(rho eps) = -ell`` already
follows from ``ell``-smoothness: PGD keeps its first-order guarantee, and the
window is finite (``t_thres = chi / c^2``). ``PGDParams.rho`` is the value the
formulas used; ``PGDParams.rho_given`` is the 0 that was passed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from saddlecheck._validation import InputError, check_dps, check_int, to_rational
from saddlecheck.arith.rounding import format_down, format_value

_GUARD_DIGITS = 30


def _mpf(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


def _round(v: mpmath.mpf, dps: int | None):
    """``v`` rounded once to the run's number type."""
    if dps is None:
        return float(v)
    with mpmath.workdps(dps):
        return +v


def _as_float(v) -> float:
    return float(v)


def _num_json(v) -> float | str:
    """A float as is; an mpf as a decimal string with enough digits to round-trip."""
    if isinstance(v, mpmath.mpf):
        bits = max(int(v._mpf_[3]), 53)  # the mantissa's length: the digits it carries
        return mpmath.libmp.to_str(v._mpf_, mpmath.libmp.prec_to_dps(bits) + 3)
    return float(v)


@dataclass(frozen=True)
class PGDParams:
    """The parameters of Algorithm 2 for one run, in the run's precision.

    Attributes:
        ell, rho, eps, c, delta, delta_f: the inputs (``rho`` as used by the
            formulas: ``ell^2 / eps`` when ``rho_given == 0``, see the module doc).
        dim: the dimension ``d``.
        chi, eta, r, g_thres, f_thres, t_thres: the formulas of Algorithm 2.
        t_window: ``ceil(t_thres)``, the integer window the loop uses.
        rho_given: the ``rho`` that was passed.
        dps: ``None`` for float64, else the decimal digits of the run.
    """

    ell: object
    rho: object
    eps: object
    c: object
    delta: object
    delta_f: object
    dim: int
    chi: object
    eta: object
    r: object
    g_thres: object
    f_thres: object
    t_thres: object
    t_window: int
    rho_given: object
    dps: int | None

    @property
    def no_curvature_condition(self) -> bool:
        """``rho = 0`` was passed: the formulas use ``rho = ell^2 / eps``."""
        return self.rho_given == 0

    def explain(self) -> str:
        prec = "float64" if self.dps is None else f"mpmath, {self.dps} digits"
        f, v = _as_float, format_value  # inputs print exactly as used (they are not bounds)
        lines = [
            f"Algorithm 2 parameters ({prec}), d = {self.dim}:",
            f"  inputs: ell = {v(self.ell)}, rho = {v(self.rho)}, eps = {v(self.eps)}, "
            f"c = {v(self.c)}, delta = {v(self.delta)}, Delta_f = {v(self.delta_f)}",
            f"  chi = 3 max(log(d ell Delta_f / (c eps^2 delta)), 4) = {f(self.chi):.6g}",
            f"  eta = c/ell = {f(self.eta):.6g};  r = sqrt(c)/chi^2 eps/ell = {f(self.r):.6g}",
            f"  g_thres = sqrt(c)/chi^2 eps = {f(self.g_thres):.6g};  "
            f"f_thres = c/chi^3 sqrt(eps^3/rho) = {f(self.f_thres):.6g}",
            f"  t_thres = chi/c^2 ell/sqrt(rho eps) = {f(self.t_thres):.6g}, "
            f"used as the integer window t_window = ceil(t_thres) = {self.t_window}",
        ]
        if self.no_curvature_condition:
            lines.append(
                "  rho = 0 was given (constant Hessian): the formulas use rho = ell^2/eps, the "
                "largest rho Theorem 3 allows; the second-order guarantee lambda_min >= -ell "
                "is then implied by ell-smoothness (no curvature condition)"
            )
        return "\n".join(lines)

    def to_json(self) -> str:
        names = (
            "ell",
            "rho",
            "eps",
            "c",
            "delta",
            "delta_f",
            "chi",
            "eta",
            "r",
            "g_thres",
            "f_thres",
            "t_thres",
            "rho_given",
        )
        data = {k: _num_json(getattr(self, k)) for k in names}
        data.update(dim=self.dim, t_window=self.t_window, dps=self.dps)
        return json.dumps(data)


def _check_inputs(ell, rho, eps, c, delta, delta_f, dim) -> tuple:
    q = {
        k: to_rational(v, k)
        for k, v in dict(ell=ell, rho=rho, eps=eps, c=c, delta=delta, delta_f=delta_f).items()
    }
    if q["ell"] <= 0:
        raise InputError(
            f"ell={ell!r} must be > 0: it bounds ||grad f(x) - grad f(y)|| / ||x - y||"
        )
    if q["rho"] < 0:
        raise InputError(
            f"rho={rho!r} must be >= 0: it bounds ||H(x) - H(y)|| / ||x - y|| "
            "(use 0 for a quadratic)"
        )
    if q["eps"] <= 0:
        raise InputError(f"eps={eps!r} must be > 0 (the target accuracy)")
    if q["rho"] > 0 and q["eps"] * q["rho"] > q["ell"] ** 2:
        raise InputError(
            f"eps={eps!r} exceeds ell^2/rho = {float(q['ell'] ** 2 / q['rho']):.6g}: Theorem 3 "
            "assumes eps <= ell^2/rho (beyond it sqrt(rho eps) > ell, so the second-order "
            "condition lambda_min >= -sqrt(rho eps) says nothing); lower eps to at most ell^2/rho"
        )
    if not 0 < q["c"] <= 1:
        raise InputError(
            f"c={c!r} must lie in (0, 1]: the step is eta = c/ell and the descent lemma needs "
            "eta <= 1/ell; Theorem 3 needs c <= c_max, an absolute constant the paper does not give"
        )
    if not 0 < q["delta"] < 1:
        raise InputError(
            f"delta={delta!r} must lie in (0, 1): it is the failure probability of Theorem 3"
        )
    if q["delta_f"] <= 0:
        raise InputError(
            f"delta_f={delta_f!r} must be > 0: it is an upper bound on f(x0) - f* "
            "(any positive number works when x0 is a global minimizer)"
        )
    dim = check_int("dim", dim, minimum=1)
    return q, dim


def _ceil_sqrt(q: Fraction) -> int:
    """The smallest integer ``n >= 0`` with ``n^2 >= q`` (exact)."""
    n = math.isqrt(q.numerator // q.denominator)
    while n * n * q.denominator < q.numerator:
        n += 1
    return n


def pgd_params(ell, rho, eps, c, delta, delta_f, dim, dps=None) -> PGDParams:
    """Algorithm 2's parameters, validated against Theorem 3's conditions.

    Args:
        ell: gradient-Lipschitz constant (``> 0``).
        rho: Hessian-Lipschitz constant (``>= 0``; 0 means no curvature
            condition, see the module docstring).
        eps: target accuracy, ``0 < eps <= ell^2/rho``.
        c: the constant of the step ``eta = c/ell``, ``0 < c <= 1``.
        delta: failure probability, ``0 < delta < 1``.
        delta_f: an upper bound on ``f(x0) - f*``, ``> 0``.
        dim: the dimension ``d >= 1``.
        dps: ``None`` for float64 values, else mpf values with ``dps`` digits.

    Returns:
        :class:`PGDParams`.

    Raises:
        InputError: an input outside the theorem's conditions, with the reason.

    Examples:
        >>> p = pgd_params(ell=1, rho=1, eps=1, c=1, delta=0.5, delta_f=1, dim=1)
        >>> p.chi, p.t_thres, p.t_window
        (12.0, 12.0, 12)
        >>> p = pgd_params(11, 12, 0.01, 0.5, 0.1, 1.25, 2)
        >>> round(p.chi, 4), p.t_window, round(p.r * p.ell / p.g_thres, 12)
        (46.5608, 5915, 1.0)
    """
    dps = check_dps(dps)
    q, dim = _check_inputs(ell, rho, eps, c, delta, delta_f, dim)
    rho_q = q["rho"] if q["rho"] > 0 else q["ell"] ** 2 / q["eps"]
    arg = dim * q["ell"] * q["delta_f"] / (q["c"] * q["eps"] ** 2 * q["delta"])
    with mpmath.workdps((dps or 17) + _GUARD_DIGITS):
        ell_m, rho_m, eps_m, c_m = (_mpf(v) for v in (q["ell"], rho_q, q["eps"], q["c"]))
        log_arg = mpmath.log(_mpf(arg))
        small = log_arg <= 4
        chi = mpmath.mpf(12) if small else 3 * log_arg
        vals = {
            "chi": chi,
            "eta": c_m / ell_m,
            "r": mpmath.sqrt(c_m) / chi**2 * eps_m / ell_m,
            "g_thres": mpmath.sqrt(c_m) / chi**2 * eps_m,
            "f_thres": c_m / chi**3 * mpmath.sqrt(eps_m**3 / rho_m),
            "t_thres": chi / c_m**2 * ell_m / mpmath.sqrt(rho_m * eps_m),
        }
        if small:  # t_thres^2 = (12 ell / c^2)^2 / (rho eps) is rational: decide exactly
            t_window = _ceil_sqrt((12 * q["ell"] / q["c"] ** 2) ** 2 / (rho_q * q["eps"]))
        else:
            t_window = int(mpmath.ceil(vals["t_thres"]))
        exact = {k: _mpf(q[k]) for k in ("ell", "eps", "c", "delta", "delta_f")}
        rho_used, rho_in = _mpf(rho_q), _mpf(q["rho"])
    out = {k: _round(v, dps) for k, v in vals.items()}
    given = {k: _round(v, dps) for k, v in exact.items()}
    return PGDParams(
        **given,
        rho=_round(rho_used, dps),
        dim=dim,
        **out,
        t_window=t_window,
        rho_given=_round(rho_in, dps),
        dps=dps,
    )


@dataclass(frozen=True)
class IterationBound:
    """The explicit deterministic bound on PGD's iteration count (docs/CLAIMS.md s.1 [D]).

    ``value = 2 chi^4 ell (f(x0) - f*) / (c^3 eps^2) + t_thres + 1``: every
    gradient step is a large-gradient step (decrease ``>= c^2 eps^2 / (2 chi^4
    ell)``), in a completed window of ``t_window + 1`` steps (decrease ``>=
    f_thres >= (t_window + 1) c^3 eps^2 / (2 chi^4 ell)`` since ``t_thres >= 12``),
    or in the final window of ``t_window < t_thres + 1`` steps. It holds when the
    descent lemma holds on every step (``eta <= 1/ell`` with ``ell`` valid where
    the iterates go) and ``f >= f_star`` there.

    Attributes:
        value: the bound (a float, rounded up).
        f0: ``f(x0)`` in the run's precision.
        f_star: the lower bound on ``f*`` used.
        f_star_source: where ``f_star`` came from.
    """

    value: float
    f0: float
    f_star: float
    f_star_source: str
    formula: str = "2 chi^4 ell (f(x0) - f*) / (c^3 eps^2) + t_thres + 1"

    def explain(self) -> str:
        return (
            f"iteration bound {self.formula} = {self.value:.6g} with f(x0) = {self.f0:.6g}, "
            f"f* >= {format_down(self.f_star)} ({self.f_star_source})"
        )

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "f0": self.f0,
            "f_star": self.f_star,
            "f_star_source": self.f_star_source,
            "formula": self.formula,
        }


def iteration_bound(params: PGDParams, f0, f_star, source: str) -> IterationBound:
    """:class:`IterationBound` for ``params`` with ``f(x0) = f0`` and ``f* >= f_star``.

    >>> p = pgd_params(1, 1, 1, 1, 0.5, 1, 1)
    >>> iteration_bound(p, 1.0, 0.0, "given").value == 2 * 12**4 + 12 + 1
    True
    """
    with mpmath.workdps(40):
        gap = max(mpmath.mpf(f0) - mpmath.mpf(f_star), 0)
        chi, ell, c, eps, t = (
            mpmath.mpf(getattr(params, k)) for k in ("chi", "ell", "c", "eps", "t_thres")
        )
        value = 2 * chi**4 * ell * gap / (c**3 * eps**2) + t + 1
        v = float(value)
        if mpmath.mpf(v) < value:
            v = math.nextafter(v, math.inf)
    return IterationBound(v, float(f0), float(f_star), source)

"""Certificates: prove that a point is (or is not) an eps-second-order stationary point.

Jin, Ge, Netrapalli, Kakade, Jordan (ICML 2017), Definition 4: ``x`` is an
eps-SOSP of a ``rho``-Hessian-Lipschitz ``f`` when

    ``||grad f(x)|| <= eps``  and  ``lambda_min(Hess f(x)) >= -sqrt(rho * eps)``.

A degenerate saddle such as the monkey saddle at 0 *is* one (README, "What 'certified' means").
:func:`certify_sosp` proves both inequalities or the negation of one of them,
from exact rational arithmetic (rational objectives: the gradient and Hessian
at the exact point are rationals) or ball arithmetic (python-flint, no float64
range limit: ``exp(800)`` is a number like any other), and never from plain
floats. ``sqrt(rho eps)`` is never rounded: ``s >= -sqrt(T)`` is decided as
``s >= 0 or s^2 <= T`` with ``T = rho eps`` exact. The evidence (exact bounds
on ``||grad f(x)||^2``; shift ``s`` with ``H - s I`` proved positive
(semi)definite, witness ``v`` with a Rayleigh quotient below the threshold, or
an exact "not PSD" shift) goes into :meth:`SOSPCertificate.to_json` as exact
rational strings, and the verdict is a function of those stored numbers:
:func:`verify_certificate` re-proves them with its own SymPy / ``mpmath.iv``
code path (at a higher precision) and applies the same rule, so producer and
checker agree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from saddlecheck._validation import InputError, check_point, check_positive
from saddlecheck.arith.rounding import float_down, float_up, format_interval
from saddlecheck.certificates.evidence import (
    Lam,
    as_q,
    check_size,
    exact_norm2,
    ge_neg_sqrt,
    grad_ball,
    hess_below,
    lam_ball,
    lam_exact,
    lower_beats,
    norm_bounds,
    refine_ball,
    refine_exact,
    sqrt_bounds,
    strict_exact,
)
from saddlecheck.certificates.recheck import dump_certificate, verify_certificate
from saddlecheck.certificates.schema import fmt, qstr, sosp_reason, strict_reason
from saddlecheck.objective import Objective

__all__ = [
    "SOSPCertificate",
    "StrictSaddleCertificate",
    "certify_sosp",
    "certify_strict_saddle_point",
    "verify_certificate",
]

_BALL_PRECS = (53, 128, 256, 512, 1024, 2048)
_LAM_PREC = 256  # lambda_min goes through float64 (scaled): more bits do not help it


def _point(x: tuple[Fraction, ...]) -> str:
    return "[" + ", ".join(fmt(v) for v in x) + "]"


@dataclass(frozen=True)
class _Common:
    holds: bool | None
    lambda_min: tuple[float, float]
    method: str
    reason: str
    objective: str
    variables: tuple[str, ...]
    x: tuple[Fraction, ...]
    evidence: dict = field(repr=False, compare=False)
    domain: tuple = field(default=(), repr=False, compare=False)  # conditions proved at x
    lambda_min_exact: tuple[Fraction, Fraction] = field(default=(0, 0), repr=False, compare=False)

    def to_json(self) -> str:
        """The certificate as JSON (exact rationals as strings), with a content digest."""
        return dump_certificate(self._payload())

    def _head(self) -> dict:
        return {
            "objective": self.objective,
            "variables": list(self.variables),
            "x": [qstr(v) for v in self.x],
        }

    def _tail(self) -> dict:
        return {
            "holds": self.holds,
            "lambda_min": [qstr(t) for t in self.lambda_min_exact],
            "method": self.method,
            "reason": self.reason,
            "evidence": self.evidence,
            "domain": list(self.domain),
        }


@dataclass(frozen=True)
class SOSPCertificate(_Common):
    """A proof that ``x`` is (``holds=True``) or is not (``False``) an eps-SOSP.

    ``grad_norm`` and ``lambda_min`` are proved ``(lower, upper)`` enclosures
    of ``||grad f(x)||`` and ``lambda_min(Hess f(x))`` as floats rounded
    outward (``inf`` beyond the float range; the JSON holds them exactly);
    ``None`` means undecided at the precision budget, with the ``reason``.
    """

    grad_norm: tuple[float, float] = (0.0, 0.0)
    eps: Fraction = Fraction(0)
    rho: Fraction = Fraction(0)
    grad_norm_exact: tuple[Fraction, Fraction] = field(default=(0, 0), repr=False, compare=False)

    def explain(self) -> str:
        verdict = {True: "IS", False: "is NOT", None: "UNDECIDED whether it is"}[self.holds]
        lo, hi = sqrt_bounds(self.rho * self.eps, 32)
        g, lam = self.grad_norm_exact, self.lambda_min_exact
        return (
            f"x = {_point(self.x)} {verdict} an eps-SOSP of f = {self.objective} "
            f"(eps = {fmt(self.eps)}, rho = {fmt(self.rho)}, "
            f"-sqrt(rho eps) ~ {fmt(-(lo + hi) / 2)}).\n"
            f"  ||grad f(x)|| in {format_interval(g[0], g[1])}\n"
            f"  lambda_min(Hess f(x)) in {format_interval(lam[0], lam[1])}\n"
            f"  method: {self.method}; {self.reason}"
        )

    def _payload(self) -> dict:
        return {
            "kind": "sosp",
            **self._head(),
            "eps": qstr(self.eps),
            "rho": qstr(self.rho),
            "grad_norm": [qstr(t) for t in self.grad_norm_exact],
            **self._tail(),
        }


@dataclass(frozen=True)
class StrictSaddleCertificate(_Common):
    """A proof that ``lambda_min(Hess f(x)) <= -gamma`` (``holds=True``, with the
    witness ``direction``) or ``> -gamma`` (``False``)."""

    gamma: Fraction = Fraction(0)
    direction: tuple[Fraction, ...] | None = None

    def explain(self) -> str:
        verdict = {True: "<=", False: ">", None: "undecided vs"}[self.holds]
        lam = self.lambda_min_exact
        return (
            f"lambda_min(Hess f(x)) {verdict} -gamma = {fmt(-self.gamma)} at "
            f"x = {_point(self.x)} for f = {self.objective}; "
            f"lambda_min in {format_interval(lam[0], lam[1])}; {self.reason}"
        )

    def _payload(self) -> dict:
        return {"kind": "strict_saddle_point", **self._head(), "gamma": qstr(self.gamma),
                **self._tail()}  # fmt: skip


# ------------------------------------------------------------------ public API


def _prepare(obj: object, x: object, what: str) -> tuple[Objective, tuple[Fraction, ...], Any]:
    """The objective, the exact point, and the proof that ``f`` is real and C^3 near it.

    Raises ``InputError`` when a domain condition is proved violated at the
    point (outside the domain of ``log``, on a Piecewise boundary, ...); an
    undecided condition makes the certificate undecided (see ``_undecided``).
    """
    if not isinstance(obj, Objective):
        obj = Objective(obj)
    q = check_point(x, obj.dim)
    for i, v in enumerate(q):
        check_size(v, f"x[{i}]")
    dom = obj.domain.require_point(q, what)
    return obj, q, dom


@functools.lru_cache(maxsize=16)
def _reparsed(text: str, names: tuple[str, ...]) -> Objective:
    return Objective(text, variables=names)


def _stored_form(obj: Objective, q: tuple) -> tuple[str, tuple]:
    """The objective text a certificate stores, and the domain conditions proved at ``q``.

    The text keeps the formula as written where simplifying it lost a condition
    (``x**3/x``); the list is the one that text yields, so the checker, reading
    the text, regenerates exactly this list (and re-proves every entry).
    """
    text = obj.to_string(written=True)
    try:
        again = _reparsed(text, obj.variable_names)
    except InputError:  # the written form did not read back: store the simplified one
        text = obj.to_string()
        again = _reparsed(text, obj.variable_names)
    return text, tuple(c.to_json() for c in again.domain.at_point(q).checked)


def _undecided(dom, holds, reason: str) -> tuple[bool | None, str]:
    """No verdict where the domain is not proved: ``holds`` becomes ``None``."""
    if dom.holds is True:
        return holds, reason
    return None, f"{dom.reason}; so no verdict ({reason})"


def certify_sosp(
    obj: object, x: object, eps: object, rho: object, *, max_exact_dim: int = 120
) -> SOSPCertificate:
    """Prove that ``x`` is, or is not, an eps-SOSP of ``obj``.

    Args:
        obj: an :class:`~saddlecheck.Objective` (or a formula string).
        x: the point, read exactly (floats are the rationals they hold).
        eps: ``> 0``; rho: ``>= 0``, both read exactly.
        max_exact_dim: largest dimension for exact rational PSD tests near
            the threshold.

    Returns:
        :class:`SOSPCertificate`; ``holds`` is ``True`` only when
        ``||grad f(x)|| <= eps`` and ``lambda_min >= -sqrt(rho eps)`` are both
        proved, ``False`` when one is disproved, else ``None`` with the reason.
        Ball arithmetic is refined up to 2048 bits for the gradient before
        the verdict is left undecided.

    Hypotheses (checked first): ``f`` is real and ``C^3`` on an open
    neighbourhood of ``x``: every condition of ``obj.domain`` (arguments of
    ``log``/``sqrt`` positive, divisors non-zero, ``|atanh/asin/acos arg| < 1``,
    ``x`` off every Piecewise boundary, ...), taken from the formula as
    written, is proved at ``x``. Proved violated: ``InputError``; undecided:
    ``holds=None`` with the reason. The proved conditions are recorded in the
    certificate JSON (``"domain"``) and re-checked by :func:`verify_certificate`.

    Raises:
        InputError: ``eps <= 0``, ``rho < 0``, NaN/inf, wrong dimension, a
            point outside the domain of ``f`` (where ``f`` is not real and
            ``C^3``; the message names the function and its argument), or
            numbers (point, eps, rho, derivatives at ``x``) beyond ``2^(2^20)``
            in magnitude, which a certificate does not store.

    Examples:
        >>> certify_sosp("x**3 - 3*x*y**2", [0, 0], eps=1e-6, rho=1).holds
        True
        >>> certify_sosp("x**4/4 - x**2/2 + y**2/2", [0, 0], eps=1e-6, rho=12).holds
        False
    """
    obj, q, dom = _prepare(obj, x, "certify_sosp")
    eps_q = check_size(check_positive("eps", eps), "eps")
    rho_q = check_size(check_positive("rho", rho, allow_zero=True), "rho")
    T = rho_q * eps_q
    E2 = eps_q * eps_q
    if obj.is_rational:
        method = "exact"
        n2 = exact_norm2(sum(as_q(t) ** 2 for t in obj.exact("grad", q)))
        H = [[check_size(as_q(t), "Hess f(x)") for t in row] for row in obj.exact("hess", q)]
        lam = lam_exact(H)
        if not (ge_neg_sqrt(lam.s, T) or hess_below(lam, T)):
            for bits in (64, 256, 1024):
                r_lo, r_hi = sqrt_bounds(T, bits)
                if refine_exact(lam, H, -r_hi, -r_lo, max_exact_dim) or r_lo == r_hi:
                    break
        grad_prec = 0
    else:
        method = "ball"
        for prec in _BALL_PRECS:
            n2 = grad_ball(obj, q, prec, E2)
            if prec <= _LAM_PREC:
                lam = lam_ball(obj, q, prec)
            grad_prec = prec
            grad_done = n2[1] <= E2 or n2[0] > E2
            lam_done = ge_neg_sqrt(lam.s, T) or hess_below(lam, T)
            if (grad_done and (lam_done or prec >= _LAM_PREC)) or n2[0] > E2 or hess_below(lam, T):
                break
        if not (ge_neg_sqrt(lam.s, T) or hess_below(lam, T)) and obj.dim <= max_exact_dim:
            refine_ball(lam, obj, q, lam.prec, -sqrt_bounds(T, lam.prec + 64)[0])
    lam.compact()
    grad_ok = True if n2[1] <= E2 else (False if n2[0] > E2 else None)
    hess_ok = True if ge_neg_sqrt(lam.s, T) else (False if hess_below(lam, T) else None)
    holds = False if False in (grad_ok, hess_ok) else (True if grad_ok and hess_ok else None)
    reason = sosp_reason(grad_ok, hess_ok, lam.how, lam.s, lam.up_kind)
    holds, reason = _undecided(dom, holds, reason)
    evidence = {"grad": {"prec": grad_prec, "norm2": [qstr(n2[0]), qstr(n2[1])]}, **lam.as_dict()}
    g = norm_bounds(*n2)
    text, domain = _stored_form(obj, q)
    return SOSPCertificate(
        holds, lam.enclosure(), method, reason, text, obj.variable_names, q, evidence, domain,
        (lam.s, lam.u), grad_norm=(float_down(g[0]), float_up(g[1])),
        eps=eps_q, rho=rho_q, grad_norm_exact=g,
    )  # fmt: skip


def certify_strict_saddle_point(
    obj: object, x: object, gamma: object, *, max_exact_dim: int = 120
) -> StrictSaddleCertificate:
    """Prove ``lambda_min(Hess f(x)) <= -gamma`` with a witness direction, or its negation.

    ``holds=True``: a direction ``v`` with ``v^T H v / v^T v <= -gamma`` (or an
    exact proof that ``H + gamma I`` is not PSD); ``False``: ``H + gamma I``
    proved positive definite; ``None``: undecided. Only the Hessian is
    examined (the gradient condition of a critical point is separate).

    Hypotheses (checked first, as in :func:`certify_sosp`): ``f`` is real and
    ``C^3`` on an open neighbourhood of ``x``; proved violated: ``InputError``;
    undecided: ``holds=None``.

    Examples:
        >>> c = certify_strict_saddle_point("x**2/2 - y**2/2", [0, 0], gamma="1/2")
        >>> c.holds, [float(t) for t in c.direction]
        (True, [0.0, 1.0])
    """
    obj, q, dom = _prepare(obj, x, "certify_strict_saddle_point")
    g = check_size(check_positive("gamma", gamma), "gamma")
    lam: Lam
    if obj.is_rational:
        method = "exact"
        H = [[check_size(as_q(t), "Hess f(x)") for t in row] for row in obj.exact("hess", q)]
        lam = lam_exact(H)
        if not (lam.u <= -g or lower_beats(lam, -g)) and len(H) <= max_exact_dim:
            strict_exact(lam, H, g)
    else:
        method = "ball"
        for prec in _BALL_PRECS[:3]:
            lam = lam_ball(obj, q, prec)
            if lam.u <= -g or lower_beats(lam, -g):
                break
        if not (lam.u <= -g or lower_beats(lam, -g)) and obj.dim <= max_exact_dim:
            refine_ball(lam, obj, q, lam.prec, -g)
    lam.compact()
    holds = True if lam.u <= -g else (False if lower_beats(lam, -g) else None)
    reason = strict_reason(holds, lam.how, lam.v is not None)
    holds, reason = _undecided(dom, holds, reason)
    text, domain = _stored_form(obj, q)
    return StrictSaddleCertificate(
        holds, lam.enclosure(), method, reason, text, obj.variable_names, q,
        lam.as_dict(), domain, (lam.s, lam.u), gamma=g,
        direction=lam.v if holds else None,
    )  # fmt: skip

"""Certificates: prove that a point is (or is not) an eps-second-order stationary point.

Jin, Ge, Netrapalli, Kakade, Jordan (ICML 2017), Definition 4: ``x`` is an
eps-SOSP of a ``rho``-Hessian-Lipschitz ``f`` when

    ``||grad f(x)|| <= eps``  and  ``lambda_min(Hess f(x)) >= -sqrt(rho * eps)``.

A degenerate saddle such as the monkey saddle at 0 *is* one (DESIGN.md s.1).
:func:`certify_sosp` proves both inequalities or the negation of one of them,
from exact rational arithmetic (rational objectives: the gradient and Hessian
at the exact point are rationals) or ball arithmetic (python-flint), and never
from plain floats. ``sqrt(rho eps)`` is never rounded: ``s >= -sqrt(T)`` is
decided as ``s >= 0 or s^2 <= T`` with ``T = rho eps`` exact. The evidence
(shift ``s`` with ``H - s I`` proved positive (semi)definite, witness ``v``
with a Rayleigh quotient below the threshold, or an exact "not PSD" shift)
goes into :meth:`SOSPCertificate.to_json`; :func:`verify_certificate`
re-checks it with its own SymPy / ``mpmath.iv`` code path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import flint

from saddlecheck._validation import InputError, check_point, check_positive
from saddlecheck.arith.rayleigh import nonneg_norm_upper, rayleigh_upper
from saddlecheck.arith.rounding import arb_to_mid_rad, float_down, float_up
from saddlecheck.arith.spd import is_psd_exact, ldl_exact
from saddlecheck.arith.symmatrix import as_symmetric
from saddlecheck.arith.symmetric import _interval_input, dyadic, enclose_lambda_min
from saddlecheck.certificates.recheck import dump_certificate, verify_certificate
from saddlecheck.objective import Objective

__all__ = [
    "SOSPCertificate",
    "StrictSaddleCertificate",
    "certify_sosp",
    "certify_strict_saddle_point",
    "verify_certificate",
]

_BALL_PRECS = (53, 128, 256)


def sqrt_bounds(T: Fraction, bits: int = 64) -> tuple[Fraction, Fraction]:
    """Rationals ``r_lo <= sqrt(T) <= r_hi``, equal when ``T`` is a rational square."""
    if T < 0:
        raise InputError(f"sqrt of negative T={T}")
    p, q = T.numerator, T.denominator
    k = max(0, bits - (p * q).bit_length() // 2 + 2)
    N = p * q * 4**k
    a = math.isqrt(N)
    den = q * 2**k
    return Fraction(a, den), Fraction(a if a * a == N else a + 1, den)


def ge_neg_sqrt(s: Fraction, T: Fraction) -> bool:
    """``s >= -sqrt(T)``, exactly."""
    return s >= 0 or s * s <= T


def lt_neg_sqrt(u: Fraction, T: Fraction) -> bool:
    """``u < -sqrt(T)``, exactly."""
    return u < 0 and u * u > T


def _hess_below(lam: _Lam, T: Fraction) -> bool:
    """Proved ``lambda_min < -sqrt(T)`` from the upper evidence."""
    if lam.up_kind == "not-psd":  # lambda_min < u
        return lam.u <= 0 and lam.u * lam.u >= T
    return lt_neg_sqrt(lam.u, T)


def _lower_beats(lam: _Lam, t: Fraction) -> bool:
    """Proved ``lambda_min > t`` from the lower evidence."""
    return lam.s > t or (lam.low_kind == "pd" and lam.s >= t)


def _null_vector(H: list[list[Fraction]], shift: Fraction) -> tuple[Fraction, ...] | None:
    """An exact non-zero ``v`` with ``(H - shift I) v = 0``, if the matrix is singular."""
    n = len(H)
    M = flint.fmpq_mat([[_fq(H[i][j] - (shift if i == j else 0)) for j in range(n)]
                        for i in range(n)])  # fmt: skip
    R, rank = M.rref()
    if rank == n:
        return None
    pivots = []
    for i in range(rank):
        pivots.append(next(j for j in range(n) if R[i, j] != 0))
    free = next(j for j in range(n) if j not in pivots)
    v = [Fraction(0)] * n
    v[free] = Fraction(1)
    for i, p in enumerate(pivots):
        v[p] = -_q(R[i, free])
    return tuple(v)


def _fq(x: Fraction) -> flint.fmpq:
    return flint.fmpq(x.numerator, x.denominator)


def _q(x) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(int(x.p), int(x.q))


def _arb_bounds(b: flint.arb) -> tuple[Fraction, Fraction]:
    out = []
    for e in (b.lower(), b.upper()):
        man, exp = e.man_exp()
        man, exp = int(man), int(exp)
        out.append(Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp))
    return out[0], out[1]


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

    def to_json(self) -> str:
        """The certificate as JSON (exact rationals as strings), with a content digest."""
        return dump_certificate(self._payload())


@dataclass(frozen=True)
class SOSPCertificate(_Common):
    """A proof that ``x`` is (``holds=True``) or is not (``False``) an eps-SOSP.

    ``grad_norm`` and ``lambda_min`` are proved ``(lower, upper)`` enclosures
    of ``||grad f(x)||`` and ``lambda_min(Hess f(x))``; ``None`` means
    undecided at the precision budget, with the ``reason``.
    """

    grad_norm: tuple[float, float] = (0.0, 0.0)
    eps: Fraction = Fraction(0)
    rho: Fraction = Fraction(0)

    def explain(self) -> str:
        verdict = {True: "IS", False: "is NOT", None: "UNDECIDED whether it is"}[self.holds]
        thr = float((self.rho * self.eps) ** 0.5) if self.rho * self.eps else 0.0
        return (
            f"x = {[float(v) for v in self.x]} {verdict} an eps-SOSP of f = {self.objective} "
            f"(eps = {float(self.eps):g}, rho = {float(self.rho):g}, "
            f"-sqrt(rho eps) ~ {-thr:.6g}).\n"
            f"  ||grad f(x)|| in [{self.grad_norm[0]!r}, {self.grad_norm[1]!r}]\n"
            f"  lambda_min(Hess f(x)) in [{self.lambda_min[0]!r}, {self.lambda_min[1]!r}]\n"
            f"  method: {self.method}; {self.reason}"
        )

    def _payload(self) -> dict:
        return {
            "kind": "sosp",
            "objective": self.objective,
            "variables": list(self.variables),
            "x": [str(v) for v in self.x],
            "eps": str(self.eps),
            "rho": str(self.rho),
            "holds": self.holds,
            "grad_norm": list(self.grad_norm),
            "lambda_min": list(self.lambda_min),
            "method": self.method,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class StrictSaddleCertificate(_Common):
    """A proof that ``lambda_min(Hess f(x)) <= -gamma`` (``holds=True``, with the
    witness ``direction``) or ``> -gamma`` (``False``)."""

    gamma: Fraction = Fraction(0)
    direction: tuple[Fraction, ...] | None = None

    def explain(self) -> str:
        verdict = {True: "<=", False: ">", None: "undecided vs"}[self.holds]
        return (
            f"lambda_min(Hess f(x)) {verdict} -gamma = {-float(self.gamma):g} at "
            f"x = {[float(v) for v in self.x]} for f = {self.objective}; "
            f"lambda_min in [{self.lambda_min[0]!r}, {self.lambda_min[1]!r}]; {self.reason}"
        )

    def _payload(self) -> dict:
        return {
            "kind": "strict_saddle_point",
            "objective": self.objective,
            "variables": list(self.variables),
            "x": [str(v) for v in self.x],
            "gamma": str(self.gamma),
            "holds": self.holds,
            "lambda_min": list(self.lambda_min),
            "method": self.method,
            "reason": self.reason,
            "evidence": self.evidence,
        }


# ------------------------------------------------------------------ evidence


@dataclass
class _Lam:
    """Proved facts about lambda_min(H): lower (kind, s) and upper (kind, u, v)."""

    low_kind: str  # "pd": lambda_min > s; "psd": lambda_min >= s
    s: Fraction
    how: str
    up_kind: str  # "witness": lambda_min <= u = RQ bound; "not-psd": lambda_min < u
    u: Fraction
    v: tuple[Fraction, ...] | None
    prec: int = 0

    def compact(self) -> _Lam:
        """Round very long shifts outward (the verdict is computed afterwards)."""
        for name, up in (("s", False), ("u", True)):
            q = getattr(self, name)
            if q.numerator.bit_length() + q.denominator.bit_length() > 4000:
                setattr(self, name, dyadic(q, 2000, up=up))
        return self

    def as_dict(self) -> dict:
        up = {"kind": self.up_kind, "bound": str(self.u)}
        if self.v is not None:
            up["v"] = [str(t) for t in self.v]
        return {
            "lower": {"kind": self.low_kind, "shift": str(self.s), "how": self.how},
            "upper": up,
            "prec": self.prec,
        }

    def enclosure(self) -> tuple[float, float]:
        return float_down(self.s), float_up(self.u)


def _lam_exact(H: list[list[Fraction]]) -> _Lam:
    e = enclose_lambda_min(H)
    kind = "pd" if e.method in ("isspd", "ball") else "psd"
    return _Lam(kind, e.s, e.method, "witness", e.rayleigh_hi, e.v, e.prec)


def _refine_exact(lam: _Lam, H, low: Fraction, high: Fraction, max_dim: int) -> bool:
    """Exact PSD tests at ``low <= threshold <= high``; updates ``lam``; True if decided."""
    if len(H) > max_dim:
        return False
    if is_psd_exact(H, high):
        lam.low_kind, lam.s, lam.how = "psd", high, "exact-psd"
        return True
    if not is_psd_exact(H, low):
        lam.up_kind, lam.u, lam.v = "not-psd", low, None
        return True
    return False


def _lam_ball(obj: Objective, q: tuple, prec: int) -> _Lam:
    """``lambda_min(H) >= lambda_min(mid) - ||rad||_2``; witness bound ``+ |v|^T rad |v|``."""
    M, rad = _interval_input(*arb_to_mid_rad(obj.enclose("hess", q, prec)))
    e = enclose_lambda_min(M)
    extra = rayleigh_upper(as_symmetric(rad, "rad"), tuple(abs(t) for t in e.v))
    kind = "pd" if e.method in ("isspd", "ball") else "psd"
    s = e.s - nonneg_norm_upper(rad)
    return _Lam(kind, s, f"{e.method} + radius", "witness", e.rayleigh_hi + extra, e.v, prec)


def _strict_exact(lam: _Lam, H: list[list[Fraction]], g: Fraction) -> None:
    """Decide ``lambda_min <= -g`` exactly; prefer an exact witness direction."""
    if ldl_exact([[_fq(t) for t in row] for row in H], -g):
        lam.low_kind, lam.s, lam.how = "pd", -g, "exact-ldl"
        return
    v = _null_vector(H, -g) if is_psd_exact(H, -g) else None  # lambda_min == -g exactly
    if v is None:
        e = enclose_lambda_min(H, rel_width=2.0**-200)
        v = e.v if e.rayleigh_hi <= -g else None
    if v is not None:
        lam.up_kind, lam.v = "witness", v
        lam.u = rayleigh_upper(as_symmetric(H), v, exact=True)
    else:
        lam.up_kind, lam.u, lam.v = "not-pd", -g, None


def _grad_ball(obj: Objective, q: tuple, prec: int) -> tuple[Fraction, Fraction]:
    with flint.ctx.workprec(prec):
        g = obj.enclose("grad", q, prec)
        G2 = sum((t * t for t in g), flint.arb(0))
    lo, hi = _arb_bounds(G2)
    return max(lo, Fraction(0)), hi


def _norm_enclosure(G2lo: Fraction, G2hi: Fraction) -> tuple[float, float]:
    return float_down(sqrt_bounds(G2lo)[0]), float_up(sqrt_bounds(G2hi)[1])


# ------------------------------------------------------------------ public API


def _prepare(obj: object, x: object) -> tuple[Objective, tuple[Fraction, ...]]:
    if not isinstance(obj, Objective):
        obj = Objective(obj)
    return obj, check_point(x, obj.dim)


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

    Raises:
        InputError: ``eps <= 0``, ``rho < 0``, NaN/inf, wrong dimension, or a
            point where ``f`` is not smooth.

    Examples:
        >>> certify_sosp("x**3 - 3*x*y**2", [0, 0], eps=1e-6, rho=1).holds
        True
        >>> certify_sosp("x**4/4 - x**2/2 + y**2/2", [0, 0], eps=1e-6, rho=12).holds
        False
    """
    obj, q = _prepare(obj, x)
    eps_q = check_positive("eps", eps)
    rho_q = check_positive("rho", rho, allow_zero=True)
    T = rho_q * eps_q
    E2 = eps_q * eps_q
    if obj.is_rational:
        method = "exact"
        G2lo = G2hi = sum(_q(t) ** 2 for t in obj.exact("grad", q))
        H = [[_q(t) for t in row] for row in obj.exact("hess", q)]
        lam = _lam_exact(H)
        if not (ge_neg_sqrt(lam.s, T) or _hess_below(lam, T)):
            for bits in (64, 256, 1024):
                r_lo, r_hi = sqrt_bounds(T, bits)
                if _refine_exact(lam, H, -r_hi, -r_lo, max_exact_dim) or r_lo == r_hi:
                    break
        grad_prec = 0
    else:
        method = "ball"
        for prec in _BALL_PRECS:
            G2lo, G2hi = _grad_ball(obj, q, prec)
            lam = _lam_ball(obj, q, prec)
            grad_prec = prec
            grad_done = G2hi <= E2 or G2lo > E2
            lam_done = ge_neg_sqrt(lam.s, T) or _hess_below(lam, T)
            if (grad_done and lam_done) or G2lo > E2 or _hess_below(lam, T):
                break
    lam.compact()
    grad_ok = True if G2hi <= E2 else (False if G2lo > E2 else None)
    hess_ok = True if ge_neg_sqrt(lam.s, T) else (False if _hess_below(lam, T) else None)
    holds, reason = _sosp_verdict(grad_ok, hess_ok, lam)
    evidence = {"grad": {"prec": grad_prec}, **lam.as_dict()}
    return SOSPCertificate(
        holds, lam.enclosure(), method, reason, obj.to_string(), obj.variable_names, q, evidence,
        grad_norm=_norm_enclosure(G2lo, G2hi), eps=eps_q, rho=rho_q,
    )  # fmt: skip


def _sosp_verdict(grad_ok, hess_ok, lam: _Lam) -> tuple[bool | None, str]:
    parts = []
    if grad_ok is True:
        parts.append("||grad f(x)|| <= eps proved")
    elif grad_ok is False:
        parts.append("||grad f(x)|| > eps proved")
    else:
        parts.append("||grad f(x)|| vs eps undecided (it is within rounding of eps)")
    if hess_ok is True:
        parts.append(f"lambda_min >= -sqrt(rho eps) proved ({lam.how}, shift {float(lam.s):.6g})")
    elif hess_ok is False:
        how = "witness direction" if lam.up_kind == "witness" else "exact LDL^T: not PSD"
        parts.append(f"lambda_min < -sqrt(rho eps) proved ({how})")
    else:
        parts.append("lambda_min vs -sqrt(rho eps) undecided (equal or too close at this budget)")
    if grad_ok is False or hess_ok is False:
        holds = False
    elif grad_ok and hess_ok:
        holds = True
    else:
        holds = None
    return holds, "; ".join(parts)


def certify_strict_saddle_point(
    obj: object, x: object, gamma: object, *, max_exact_dim: int = 120
) -> StrictSaddleCertificate:
    """Prove ``lambda_min(Hess f(x)) <= -gamma`` with a witness direction, or its negation.

    ``holds=True``: a direction ``v`` with ``v^T H v / v^T v <= -gamma`` (or an
    exact proof that ``H + gamma I`` is not PSD); ``False``: ``H + gamma I``
    proved positive definite; ``None``: undecided. Only the Hessian is
    examined (the gradient condition of a critical point is separate).

    Examples:
        >>> c = certify_strict_saddle_point("x**2/2 - y**2/2", [0, 0], gamma="1/2")
        >>> c.holds, [float(t) for t in c.direction]
        (True, [0.0, 1.0])
    """
    obj, q = _prepare(obj, x)
    g = check_positive("gamma", gamma)
    if obj.is_rational:
        method = "exact"
        H = [[_q(t) for t in row] for row in obj.exact("hess", q)]
        lam = _lam_exact(H)
        if not (lam.u <= -g or _lower_beats(lam, -g)) and len(H) <= max_exact_dim:
            _strict_exact(lam, H, g)
    else:
        method = "ball"
        for prec in _BALL_PRECS:
            lam = _lam_ball(obj, q, prec)
            if lam.u <= -g or _lower_beats(lam, -g):
                break
    lam.compact()
    if lam.u <= -g:
        how = "a witness direction" if lam.v is not None else "exact LDL^T (H + gamma I not PSD)"
        holds, reason = True, f"lambda_min <= -gamma proved by {how}"
    elif _lower_beats(lam, -g):
        holds, reason = False, f"lambda_min > -gamma proved ({lam.how})"
    else:
        holds, reason = None, "lambda_min is too close to -gamma to decide at this budget"
    return StrictSaddleCertificate(
        holds, lam.enclosure(), method, reason, obj.to_string(), obj.variable_names, q,
        lam.as_dict(), gamma=g, direction=lam.v if holds else None,
    )  # fmt: skip

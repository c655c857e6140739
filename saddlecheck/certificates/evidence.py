"""The producer's evidence: proved bounds on ``||grad f(x)||^2`` and ``lambda_min(Hess f(x))``.

Every bound is an exact rational. Rational objectives are evaluated exactly
(python-flint ``fmpq``); other objectives in ball arithmetic (``arb``), whose
balls have no float64 range limit: the Hessian is scaled by ``2^-k`` (exact)
into float range before the float64 eigenvalue machinery of
:mod:`saddlecheck.arith.symmetric` sees it, and ``lambda_min(H) =
2^k lambda_min(2^-k H)`` scales the proved bounds back. ``||grad||^2`` is
stored as exact dyadic bounds widened by the ball's radius, so that the
independent checker (:mod:`~saddlecheck.certificates.recheck`), evaluating at
a higher precision, re-proves them; the verdict is then a function of these
stored numbers on both sides.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import mpmath
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rayleigh import nonneg_norm_upper, rayleigh_upper
from saddlecheck.arith.rounding import arb_to_mid_rad, float_down, float_up
from saddlecheck.arith.spd import is_psd_exact, ldl_exact
from saddlecheck.arith.symmatrix import as_symmetric
from saddlecheck.arith.symmetric import _interval_input, dyadic, enclose_lambda_min
from saddlecheck.certificates.schema import MAX_EXP2, qstr
from saddlecheck.objective import Objective

# |log2| of the largest magnitude a certificate stores (the checker reads up to MAX_EXP2)
MAX_LOG2 = MAX_EXP2 // 4


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


def norm_bounds(n2lo: Fraction, n2hi: Fraction) -> tuple[Fraction, Fraction]:
    """Dyadic ``g_lo <= sqrt(n2lo)`` and ``g_hi >= sqrt(n2hi)`` (exact for exact squares)."""
    lo, hi = sqrt_bounds(n2lo)[0], sqrt_bounds(n2hi)[1]
    return dyadic(lo, 64, up=False), dyadic(hi, 64, up=True)


def ge_neg_sqrt(s: Fraction, T: Fraction) -> bool:
    """``s >= -sqrt(T)``, exactly."""
    return s >= 0 or s * s <= T


def lt_neg_sqrt(u: Fraction, T: Fraction) -> bool:
    """``u < -sqrt(T)``, exactly."""
    return u < 0 and u * u > T


def fq(x: Fraction) -> flint.fmpq:
    return flint.fmpq(x.numerator, x.denominator)


def as_q(x) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(int(x.p), int(x.q))


def _log2(q: Fraction) -> int:
    return abs(q.numerator).bit_length() - q.denominator.bit_length() if q else 0


def check_size(q: Fraction, what: str) -> Fraction:
    """``q`` itself, or :class:`InputError` when ``|q|`` is beyond ``2^MAX_LOG2``."""
    if abs(_log2(q)) > MAX_LOG2:
        raise InputError(
            f"{what} is about 2^{_log2(q)}, beyond the 2^{MAX_LOG2} range a certificate "
            "stores; move the point or rescale the objective"
        )
    return q


def arb_exact(a: flint.arb, what: str) -> tuple[Fraction, Fraction]:
    """The exact midpoint and radius of a finite ball (refusing absurd magnitudes first)."""
    out = []
    for b in (a.mid(), a.rad()):
        man, exp = b.man_exp()
        man, exp = int(man), int(exp)
        if man and abs(exp + man.bit_length()) > MAX_LOG2:
            raise InputError(
                f"{what} has magnitude about 2^{exp + man.bit_length()}, beyond the "
                f"2^{MAX_LOG2} range a certificate stores; move the point or rescale the objective"
            )
        out.append(Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp))
    return out[0], out[1]


# ------------------------------------------------------------------ lambda_min


@dataclass
class Lam:
    """Proved facts about lambda_min(H): lower (kind, s) and upper (kind, u, v)."""

    low_kind: str  # "pd": lambda_min > s; "psd": lambda_min >= s
    s: Fraction
    how: str
    up_kind: str  # "witness": lambda_min <= u = RQ bound; "not-psd": < u; "not-pd": <= u
    u: Fraction
    v: tuple[Fraction, ...] | None
    prec: int = 0

    def compact(self) -> Lam:
        """Round very long shifts outward (the verdict is computed afterwards)."""
        for name, up in (("s", False), ("u", True)):
            q = getattr(self, name)
            if q.numerator.bit_length() + q.denominator.bit_length() > 4000:
                setattr(self, name, dyadic(q, 2000, up=up))
        return self

    def as_dict(self) -> dict:
        up = {"kind": self.up_kind, "bound": qstr(self.u)}
        if self.v is not None:
            up["v"] = [qstr(t) for t in self.v]
        return {
            "lower": {"kind": self.low_kind, "shift": qstr(self.s), "how": self.how},
            "upper": up,
            "prec": self.prec,
        }

    def enclosure(self) -> tuple[float, float]:
        return float_down(self.s), float_up(self.u)


def hess_below(lam: Lam, T: Fraction) -> bool:
    """Proved ``lambda_min < -sqrt(T)`` from the upper evidence."""
    if lam.up_kind == "not-psd":  # lambda_min < u
        return lam.u <= 0 and lam.u * lam.u >= T
    return lt_neg_sqrt(lam.u, T)


def lower_beats(lam: Lam, t: Fraction) -> bool:
    """Proved ``lambda_min > t`` from the lower evidence."""
    return lam.s > t or (lam.low_kind == "pd" and lam.s >= t)


def lam_exact(H: list[list[Fraction]]) -> Lam:
    e = enclose_lambda_min(H)
    kind = "pd" if e.method in ("isspd", "ball") else "psd"
    return Lam(kind, e.s, e.method, "witness", e.rayleigh_hi, e.v, e.prec)


def refine_exact(lam: Lam, H, low: Fraction, high: Fraction, max_dim: int) -> bool:
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


def _scaled_mid_rad(H: list[list[flint.arb]]) -> tuple[np.ndarray, np.ndarray, int]:
    """Float ``(mid, rad)`` with ``|2^-k H - mid| <= rad`` entrywise, and ``k``.

    ``k`` puts the largest ``|entry|`` near 1, so balls far outside the float64
    range (``exp(800)``) are handled exactly like any other.
    """
    try:  # the common case: every ball is within float64 range
        mid, rad = arb_to_mid_rad(H)
        return mid, rad, 0
    except OverflowError:
        pass
    n = len(H)
    exact = [[arb_exact(H[i][j], "an entry of Hess f(x)") for j in range(n)] for i in range(n)]
    k = max(_log2(abs(m) + r) for row in exact for m, r in row)
    scale = Fraction(2) ** -k
    mid, rad = np.zeros((n, n)), np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            m, r = exact[i][j][0] * scale, exact[i][j][1] * scale
            mid[i, j] = float(m)  # correctly rounded; underflow is absorbed by rad
            rad[i, j] = float_up(r + abs(m - Fraction(mid[i, j])))
    return mid, rad, k


def lam_ball(obj: Objective, q: tuple, prec: int) -> Lam:
    """``lambda_min(H) >= lambda_min(mid) - ||rad||_2``; witness bound ``+ |v|^T rad |v|``,
    for ``2^-k H`` and scaled back by ``2^k``."""
    mid, rad, k = _scaled_mid_rad(obj.enclose("hess", q, prec))
    M, rad = _interval_input(mid, rad)
    e = enclose_lambda_min(M)
    extra = rayleigh_upper(as_symmetric(rad, "rad"), tuple(abs(t) for t in e.v))
    scale = Fraction(2) ** k
    s = (e.s - nonneg_norm_upper(rad)) * scale
    u = (e.rayleigh_hi + extra) * scale
    # Both bounds move out by (|t| + 2^k) 2^-(prec-8): the lower one becomes strict
    # ("pd"), which the checker's interval LDL^T can re-prove (it has no interval PSD
    # test), and both keep a margin above the checker's error at prec + 40 bits.
    s -= (abs(s) + scale) * Fraction(1, 2 ** (prec - 8))
    u += (abs(u) + scale) * Fraction(1, 2 ** (prec - 8))
    return Lam("pd", s, f"{e.method} + radius", "witness", u, e.v, prec)


def refine_ball(lam: Lam, obj: Objective, q: tuple, prec: int, t: Fraction | None) -> None:
    """Exact-rational second look at a ball Hessian whose entries span beyond float64.

    Scaling ``H`` into float range loses entries far below its largest one
    (``diag(e^800, -2)``). Here the balls ``m_ij +- r_ij`` are read exactly:
    the upper bound is a witness ``v`` of the exact midpoint matrix with
    ``v^T H v / v^T v <= (v^T m v + |v|^T r |v|) / v^T v``, and the lower bound
    an interval ``LDL^T`` proving every ``H`` in the balls ``- t I`` positive
    definite (``lambda_min > t``). Both keep a margin of ``2^-(prec-8)``
    relative to each entry (and the radius twice) for the checker, whose own
    enclosures then lie inside. Updates ``lam`` where that is better.
    """
    from saddlecheck.certificates.intervals import ldl_pd  # the checker's, reused (not shared back)

    H = obj.enclose("hess", q, prec)
    n = len(H)
    ex = [[arb_exact(H[i][j], "an entry of Hess f(x)") for j in range(n)] for i in range(n)]
    for v in _witnesses([[m for m, _ in row] for row in ex]):
        vv = sum(c * c for c in v)
        pairs = [(abs(v[i] * v[j]), *ex[i][j]) for i in range(n) for j in range(n)]
        quad = sum(v[i] * v[j] * ex[i][j][0] for i in range(n) for j in range(n))
        absq = sum(w * (abs(m) + r) for w, m, r in pairs)
        u = (quad + sum(w * r for w, _, r in pairs)) / vv
        u += (abs(u) + absq / vv) * Fraction(1, 2 ** (prec - 8))
        if u < lam.u:
            lam.up_kind, lam.u, lam.v = "witness", dyadic(u, prec + 16, up=True), v
    if t is not None and (t > lam.s or lam.low_kind != "pd") and n <= 60:
        eta = Fraction(1, 2 ** (prec - 8))  # each ball widened: a margin for the checker
        boxes = [[(m - 2 * r - abs(m) * eta, m + 2 * r + abs(m) * eta) for m, r in row]
                 for row in ex]  # fmt: skip
        if ldl_pd(boxes, t, prec + 64):
            lam.low_kind, lam.s, lam.how = "pd", t, "interval-ldl"


def _witnesses(M: list[list[Fraction]], max_dim: int = 30) -> list[tuple[Fraction, ...]]:
    """Candidate eigenvectors for ``lambda_min`` of an exact matrix of any dynamic range.

    From :func:`enclose_lambda_min`, and from ``mpmath.eigsy`` at a precision
    that spans the entries' range (float64 would see ``diag(e^900, M)`` as
    ``diag(1, 0)``). Only candidates: their Rayleigh quotients are bounded exactly.
    """
    out = []
    with contextlib.suppress(InputError):
        out.append(tuple(enclose_lambda_min(M).v))
    n = len(M)
    sizes = [_log2(abs(q)) for row in M for q in row if q]
    if 1 < n <= max_dim and sizes and max(sizes) - min(sizes) > 900:  # beyond float64's view
        bits = min(max(sizes) - min(sizes) + 128, 8192)
        with mpmath.workprec(bits):
            A = mpmath.matrix([[mpmath.mpf(q.numerator) / q.denominator for q in row] for row in M])
            try:
                E, Q = mpmath.eigsy(A)
            except (ValueError, ZeroDivisionError):  # no convergence: no candidate from here
                return [v for v in out if any(v)]
            k = min(range(n), key=lambda i: E[i])
            v = [Q[i, k] for i in range(n)]
            top = max(abs(c) for c in v)
            out.append(tuple(_mpf_q(c / top) for c in v))
    return [v for v in out if any(v)]


def _mpf_q(c) -> Fraction:
    man, exp = c.man_exp
    man = -man if c < 0 else man
    return Fraction(int(man) * 2 ** int(exp)) if exp >= 0 else Fraction(int(man), 2 ** int(-exp))


def null_vector(H: list[list[Fraction]], shift: Fraction) -> tuple[Fraction, ...] | None:
    """An exact non-zero ``v`` with ``(H - shift I) v = 0``, if the matrix is singular."""
    n = len(H)
    M = flint.fmpq_mat([[fq(H[i][j] - (shift if i == j else 0)) for j in range(n)]
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
        v[p] = -as_q(R[i, free])
    return tuple(v)


def strict_exact(lam: Lam, H: list[list[Fraction]], g: Fraction) -> None:
    """Decide ``lambda_min <= -g`` exactly; prefer an exact witness direction."""
    if ldl_exact([[fq(t) for t in row] for row in H], -g):
        lam.low_kind, lam.s, lam.how = "pd", -g, "exact-ldl"
        return
    v = null_vector(H, -g) if is_psd_exact(H, -g) else None  # lambda_min == -g exactly
    if v is None:
        e = enclose_lambda_min(H, rel_width=2.0**-200)
        v = e.v if e.rayleigh_hi <= -g else None
    if v is not None:
        lam.up_kind, lam.v = "witness", v
        lam.u = rayleigh_upper(as_symmetric(H), v, exact=True)
    else:
        lam.up_kind, lam.u, lam.v = "not-pd", -g, None


# ------------------------------------------------------------------ gradient


def grad_ball(obj: Objective, q: tuple, prec: int, E2: Fraction) -> tuple[Fraction, Fraction]:
    """Stored bounds ``n2lo <= ||grad f(x)||^2 <= n2hi`` from a ball at ``prec`` bits.

    The ball ``[m - r, m + r]`` is widened by ``r + 2^-(prec-8) (|m| + eps^2)``
    and rounded outward to dyadics of ``prec + 16`` bits: the checker's own
    enclosure at ``prec + 40`` bits then lies inside.
    """
    with flint.ctx.workprec(prec):
        g = obj.enclose("grad", q, prec)
        G2 = sum((t * t for t in g), flint.arb(0))
    m, r = arb_exact(G2, "||grad f(x)||^2")
    w = 2 * r + (abs(m) + E2) * Fraction(1, 2 ** (prec - 8))
    lo, hi = dyadic(m - w, prec + 16, up=False), dyadic(m + w, prec + 16, up=True)
    return max(lo, Fraction(0)), hi


def exact_norm2(G2: Fraction) -> tuple[Fraction, Fraction]:
    """Exact ``||grad||^2`` (rounded outward to a dyadic only when it is enormous)."""
    check_size(G2, "||grad f(x)||^2")
    if G2.numerator.bit_length() + G2.denominator.bit_length() <= 200_000:
        return G2, G2
    return dyadic(G2, 4000, up=False), dyadic(G2, 4000, up=True)

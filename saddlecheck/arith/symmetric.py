"""Proved enclosures of the smallest eigenvalue of a symmetric matrix.

``lo <= lambda_min(H) <= hi`` is proved as the README's "What 'certified' means" asks:

* **lower bound** ``lo``: ``H - s I`` is proved positive definite for a shift
  ``s`` just below the float estimate of ``lambda_min`` (Rump's ``isspd``, see
  :mod:`saddlecheck.arith.spd`; ball ``LDL^T`` in python-flint at higher
  precision when that cannot decide or a tighter width is asked for; a
  Gershgorin bound as a last resort), so ``lambda_min(H) > s`` and ``lo`` is
  ``s`` rounded down;
* **upper bound** ``hi``: a witness vector ``v`` (inverse iteration from the
  ``eigvalsh`` estimate) and the Rayleigh quotient ``v^T H v / v^T v``
  bounded above, exactly (``fmpq``) for small or rational matrices, otherwise
  with the a-priori bound ``|fl(v^T H v) - v^T H v| <= gamma_{2n+2} |v|^T|H||v|``
  evaluated by elementwise NumPy operations (each one IEEE rounding, any
  summation order) plus explicit underflow terms; ``lambda_min(H) <= v^T H v / v^T v``
  (Courant-Fischer).

Neither bound needs isolated eigenvalues: repeated and clustered eigenvalues
(symmetries, matrix factorization's rotations) are handled like any other.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError, check_positive
from saddlecheck.arith.rayleigh import (
    _quad_exact,
    _rayleigh_float,
    nonneg_norm_upper,
    rayleigh_upper,
)
from saddlecheck.arith.rounding import float_down, float_up, to_fraction
from saddlecheck.arith.spd import isspd, ldl_ball
from saddlecheck.arith.symmatrix import SymMatrix, as_symmetric

_REALMIN = Fraction(1, 2**1022)
_BALL_PRECS = (128, 256, 512, 1024, 2048, 4096)


def _q(x: float | Fraction) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(float(x))


def _qstr(x: Fraction) -> str:
    return str(x)


@dataclass(frozen=True)
class LambdaMinEnclosure:
    """A proved enclosure ``lo <= lambda_min(H) <= hi`` with its evidence.

    Attributes:
        lo, hi: floats rounded outward.
        method: how the lower bound was proved: ``"isspd"`` (Rump's float
            Cholesky test), ``"ball"`` (ball ``LDL^T``), ``"exact"`` (1 x 1 or
            zero matrix) or ``"gershgorin"``.
        s: the exact shift: ``lambda_min(H) >= s`` is proved (``H - s I``
            positive definite for ``"isspd"`` and ``"ball"``); ``lo`` is ``s``
            rounded down.
        v: the witness vector (exact rationals; floats in the fast path).
        rayleigh_hi: exact upper bound on ``v^T H v / v^T v``; ``hi`` is it
            rounded up.
        factorization: what proved the lower bound, in words.
        prec: bits of the arithmetic of the lower-bound proof.
    """

    lo: float
    hi: float
    method: str
    s: Fraction = field(repr=False)
    v: tuple[Fraction, ...] = field(repr=False)
    rayleigh_hi: Fraction = field(repr=False)
    factorization: str = field(repr=False)
    prec: int = field(repr=False)

    @property
    def v_float(self) -> np.ndarray:
        """The witness as float64 (rounded; only ``v`` itself is the evidence)."""
        return np.array([float(x) for x in self.v])

    def explain(self) -> str:
        return (
            f"lambda_min in [{self.lo!r}, {self.hi!r}] (width {self.hi - self.lo:.3g}); "
            f"lower bound by {self.factorization} at {self.prec} bits: "
            f"lambda_min >= s = {float(self.s)!r}; upper bound by the Rayleigh quotient "
            f"of a witness vector (n = {len(self.v)}) <= {float(self.rayleigh_hi)!r}"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "lo": self.lo,
                "hi": self.hi,
                "method": self.method,
                "s": _qstr(self.s),
                "v": [_qstr(x) for x in self.v],
                "rayleigh_hi": _qstr(self.rayleigh_hi),
                "factorization": self.factorization,
                "prec": self.prec,
            }
        )


# ------------------------------------------------------------------- fast path


def _witness(F: np.ndarray, lam: float, norm: float) -> np.ndarray:
    """Inverse iteration from a fixed start with shift just below ``lam``."""
    n = F.shape[0]
    x = np.random.default_rng(n).standard_normal(n)
    x /= np.max(np.abs(x))
    dsig = 64 * n * 2.0**-53 * norm
    d = np.arange(n)
    for _ in range(3):
        B = F.copy()
        B[d, d] -= lam - dsig
        try:
            y = np.linalg.solve(B, x)
        except np.linalg.LinAlgError:
            dsig *= 4
            continue
        if not np.all(np.isfinite(y)) or not np.any(y):
            dsig *= 4
            continue
        x = y / np.max(np.abs(y))
        mu = float(x @ (F @ x) / (x @ x))
        if mu - lam <= 2.0**-40 * norm:
            break
    return x


@dataclass
class _Bounds:
    s: Fraction | None
    v: tuple[Fraction, ...]
    rq: Fraction
    mu: Fraction
    method: str = ""
    factorization: str = ""
    prec: int = 53

    def merge(self, other: _Bounds) -> _Bounds:
        low = self if other.s is None or (self.s is not None and self.s >= other.s) else other
        up = self if self.rq <= other.rq else other
        return _Bounds(low.s, up.v, up.rq, other.mu, low.method, low.factorization, low.prec)


def _fast(M: SymMatrix, blas: bool, eigh_max_dim: int = 200) -> _Bounds | None:
    sigma, F, err = M.scaled()
    n = M.n
    try:
        if n <= eigh_max_dim:
            w, V = np.linalg.eigh(F)
            x = V[:, 0] / np.max(np.abs(V[:, 0]))
        else:
            w = np.linalg.eigvalsh(F)
    except np.linalg.LinAlgError:
        return None
    lam, norm = float(w[0]), float(max(abs(w[0]), abs(w[-1]), 0.5))
    if n > eigh_max_dim:
        x = _witness(F, lam, norm)
    unscale = Fraction(2) ** (-sigma)
    v = tuple(Fraction(float(t)) for t in x)
    if n <= 64 or M.floats is None:
        rq = _quad_exact(M, v) / sum(t * t for t in v)
    else:
        rq = _rayleigh_float(M.floats, x)
    diag = np.diag(F)
    c_est = 2.0**-53 * float(np.sum((np.arange(n) + 3) * np.maximum(diag - lam, 0)))
    delta = 2 * c_est + 2 * float(err) + 16 * n * 2.0**-53 * norm
    out = _Bounds(None, v, rq, Fraction(lam) * unscale)
    kind = "blocked float Cholesky (dgemm trailing updates)" if blas else "float Cholesky"
    for _ in range(4):
        t = Fraction(lam) - Fraction(delta)
        if isspd(F, t, err, blas=blas):
            out.s, out.method, out.factorization = t * unscale, "isspd", f"Rump's isspd ({kind})"
            break
        delta *= 8
    return out


# ------------------------------------------------------------------- ball path


def _ball(M: SymMatrix, mu: Fraction, v0: tuple[Fraction, ...], prec: int) -> _Bounds:
    """Inverse iteration and ball ``LDL^T`` at ``prec`` bits."""
    n = M.n
    entries = M.fmpq_entries()
    size = M.maxabs * n
    sz = flint.fmpq(size.numerator, size.denominator)
    with flint.ctx.workprec(prec + 20):
        A = flint.arb_mat(entries)
        eye = flint.arb_mat(n, n, [1 if i == j else 0 for i in range(n) for j in range(n)])
        v = flint.arb_mat(n, 1, [flint.fmpq(x.numerator, x.denominator) for x in v0])
        m = flint.arb(flint.fmpq(mu.numerator, mu.denominator))
        for _ in range(4):
            shift = m - flint.arb(sz) * flint.arb(2) ** (-(3 * prec) // 4)
            try:
                y = (A - eye * shift).solve(v, algorithm="approx")
            except ZeroDivisionError:
                break
            mids = [y[i, 0].mid() for i in range(n)]
            if not all(t.is_finite() for t in mids):
                break
            top = max(abs(t) for t in mids)
            if not top > 0:
                break
            v = flint.arb_mat(n, 1, [(t / top).mid() for t in mids])
            num = (v.transpose() * A * v)[0, 0]
            den = (v.transpose() * v)[0, 0]
            m = (num / den).mid()
        vq = tuple(to_fraction(v[i, 0]) for i in range(n))
        mu_new = to_fraction(m)
    out = _Bounds(None, vq, rayleigh_upper(M, vq, exact=True), mu_new)
    slack = 2 * n.bit_length() + 8
    for k in range(4):
        t = mu_new - size * Fraction(2) ** (-prec + slack + k * (prec // 8))
        if ldl_ball(entries, t, prec):
            out.s, out.method, out.prec = t, "ball", prec
            out.factorization = "LDL^T in ball arithmetic (python-flint arb)"
            break
    return out


def dyadic(q: Fraction, bits: int, *, up: bool) -> Fraction:
    """``q`` rounded up (or down) to a dyadic rational with about ``bits`` bits."""
    if q == 0:
        return q
    shift = bits - (abs(q.numerator).bit_length() - q.denominator.bit_length())
    scaled = q * Fraction(2) ** shift
    k = math.ceil(scaled) if up else math.floor(scaled)
    return Fraction(k) * Fraction(2) ** (-shift)


def _gershgorin(M: SymMatrix) -> Fraction:
    """``min_i (h_ii - sum_{j != i} |h_ij|) <= lambda_min(H)`` (Gershgorin), exactly."""
    return min(
        M.entry(i, i) - sum(abs(M.entry(i, j)) for j in range(M.n) if j != i) for i in range(M.n)
    )


# ------------------------------------------------------------------- public API


def enclose_lambda_min(
    H: object, *, rel_width: float | None = None, blas: bool = True, max_ball_dim: int = 120
) -> LambdaMinEnclosure:
    """Prove ``lo <= lambda_min(H) <= hi`` for an exactly symmetric matrix.

    Args:
        H: a symmetric float64 NumPy array (read as the exact rationals it
            holds), a SymPy Matrix of numbers, a nested list of ints,
            Fractions or floats, or a ``flint.fmpq_mat``.
        rel_width: when given, refine in ball arithmetic (up to 4096 bits,
            ``n <= max_ball_dim``) until ``hi - lo <= rel_width * max|H_ij|``
            or the budget is spent (then the best proved enclosure is
            returned: check ``hi - lo``).
        blas: allow ``numpy.matmul`` in the Cholesky test (see
            :mod:`saddlecheck.arith.spd` for what the proof then assumes).
        max_ball_dim: largest size for the ball-arithmetic fallback.

    Returns:
        A :class:`LambdaMinEnclosure` with the evidence.

    Raises:
        InputError: not square, not exactly symmetric, NaN/inf, empty,
            non-numeric or symbolic entries.

    Examples:
        >>> e = enclose_lambda_min([[2, 1], [1, 2]])
        >>> e.lo <= 1 <= e.hi and e.hi - e.lo < 1e-12
        True
    """
    M = as_symmetric(H)
    if rel_width is not None:
        target: Fraction | None = check_positive("rel_width", rel_width) * M.maxabs
    else:
        target = None
    if M.is_zero or M.n == 1:
        h = M.entry(0, 0)
        return LambdaMinEnclosure(
            float_down(h), float_up(h), "exact", h, (Fraction(1),) + (Fraction(0),) * (M.n - 1),
            h, "exact (1 x 1 or zero matrix)", 0,
        )  # fmt: skip
    best = _fast(M, blas)
    if best is None:
        e1 = (Fraction(1),) + (Fraction(0),) * (M.n - 1)
        best = _Bounds(None, e1, M.entry(0, 0), min(M.diagonal()))
    done = best.s is not None and (target is None or best.rq - best.s <= target)
    if not done and M.n <= max_ball_dim:
        for prec in _BALL_PRECS:
            best = best.merge(_ball(M, best.mu, best.v, prec))
            if best.s is not None and (target is None or best.rq - best.s <= target):
                break
    if best.s is None:
        best.s, best.method, best.prec = _gershgorin(M), "gershgorin", 0
        best.factorization = "Gershgorin discs (exact)"
    bits = max(best.prec, 53) + 64
    sq, rq = dyadic(best.s, bits, up=False), dyadic(best.rq, bits, up=True)
    return LambdaMinEnclosure(
        float_down(sq), float_up(rq), best.method, sq, best.v, rq, best.factorization, best.prec
    )


def lambda_min_enclosure(H: object) -> tuple[float, float]:
    """``(lo, hi)`` with ``lo <= lambda_min(H) <= hi`` proved (outward-rounded floats).

    See :func:`enclose_lambda_min` for the inputs, the method and the evidence.

    Examples:
        >>> lo, hi = lambda_min_enclosure([[0, 1], [1, 0]])
        >>> lo <= -1 <= hi
        True
    """
    e = enclose_lambda_min(H)
    return e.lo, e.hi


# ------------------------------------------------------------- interval matrices


def _interval_input(mid: object, rad: object) -> tuple[SymMatrix, np.ndarray]:
    """Validate ``(mid, rad)``; symmetrize soundly if either is not exactly symmetric.

    The set is ``{A symmetric : |A - mid| <= rad}``. For non-symmetric input
    ``mid' = (mid + mid^T)/2`` (rounded) and
    ``rad' >= max(rad, rad^T) + |mid - mid'|`` (rounded up) describe a superset.
    """
    arrs = []
    for name, x in (("mid", mid), ("rad", rad)):
        a = np.asarray(x)
        if a.dtype.kind not in "fiu":
            raise InputError(f"{name} has dtype {a.dtype}; pass a real float64 array")
        a = a.astype(np.float64)
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
            raise InputError(f"{name} has shape {a.shape}; pass a non-empty square matrix")
        if not np.all(np.isfinite(a)):
            raise InputError(f"{name} has NaN or infinite entries; pass finite numbers")
        arrs.append(a)
    m, r = arrs
    if m.shape != r.shape:
        raise InputError(f"mid has shape {m.shape} but rad has shape {r.shape}; they must match")
    if np.any(r < 0):
        raise InputError("rad has negative entries; radii must be >= 0")
    if not (np.array_equal(m, m.T) and np.array_equal(r, r.T)):
        ms = 0.5 * m + 0.5 * m.T
        ms = np.triu(ms) + np.triu(ms, 1).T
        dev = np.abs(m - ms)
        r = (np.maximum(r, r.T) + np.maximum(dev, dev.T)) * (1 + 2.0**-50) + 2.0**-1070
        if not np.all(np.isfinite(r)):
            raise InputError("rad overflows after symmetrization; rescale the matrix")
        m = ms
    return as_symmetric(m, "mid"), r


def interval_lambda_min(mid: object, rad: object) -> tuple[float, float]:
    """Bounds on ``lambda_min(A)`` over ``{A symmetric : |A - mid| <= rad}``.

    ``lo <= lambda_min(A)`` for every ``A`` in the set, from
    ``lambda_min(A) >= lambda_min(mid) - ||A - mid||_2`` and
    ``||A - mid||_2 <= || |A - mid| ||_2 <= ||rad||_2`` (monotonicity of the
    spectral norm on nonnegative matrices); ``hi >= lambda_min(A)`` for every
    ``A`` in the set, from one witness ``v``:
    ``(v^T mid v + |v|^T rad |v|) / ||v||^2`` rounded up.

    Examples:
        >>> import numpy as np
        >>> lo, hi = interval_lambda_min(np.diag([1.0, 3.0]), np.full((2, 2), 0.5))
        >>> lo <= 0.5 and hi >= 1.5
        True
    """
    M, R = _interval_input(mid, rad)
    e = enclose_lambda_min(M)
    lo = float_down(e.s - nonneg_norm_upper(R))
    v = e.v
    if all(Fraction(float(x)) == x for x in v):
        extra = _rayleigh_float(R, np.abs(np.array([float(x) for x in v])))
    else:
        extra = rayleigh_upper(as_symmetric(R, "rad"), tuple(abs(x) for x in v), exact=True)
    return lo, float_up(e.rayleigh_hi + extra)


def interval_norm_upper(mid: object, rad: object) -> float:
    """An upper bound on ``sup ||A||_2`` over ``{A symmetric : |A - mid| <= rad}``.

    ``||A||_2 <= ||mid||_2 + ||rad||_2`` with
    ``||mid||_2 = max(|lambda_min(mid)|, |lambda_min(-mid)|)`` bounded by the
    proved enclosures of both, and ``||rad||_2`` by Collatz-Wielandt.

    Examples:
        >>> import numpy as np
        >>> interval_norm_upper(np.array([[0.0, 2.0], [2.0, 0.0]]), np.zeros((2, 2))) >= 2
        True
    """
    M, R = _interval_input(mid, rad)
    neg = as_symmetric(-M.floats, "mid")
    bound = Fraction(0)
    for e in (enclose_lambda_min(M), enclose_lambda_min(neg)):
        bound = max(bound, abs(e.s), abs(e.rayleigh_hi))
    return float_up(bound + nonneg_norm_upper(R))

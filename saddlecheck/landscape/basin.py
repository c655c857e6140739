"""The basin test: a whole box settled by one proved local minimum's strongly convex basin.

Lemma. Let ``m`` be a local minimum of ``f`` with ``grad f(m) = 0``, lying in
the box ``E`` (a proved local-minimum enclosure), ``X`` a box, and
``K = hull(X ∪ E)`` (convex; ``f`` proved real and ``C^3`` on ``K``). For
``x`` in ``X``, ``grad f(x) = Hbar (x - m)`` with the mean Hessian
``Hbar = int_0^1 Hess f(m + t (x - m)) dt`` (symmetric; the segment lies in
``K``). If ``lambda_min(Hbar) >= lam > 0`` for every such ``Hbar``, then
``||grad f(x)|| >= lam ||x - m||``, so every ``x`` in ``X`` satisfies

* (Z) ``||x - m|| <= zeta`` (within ``zeta`` of a local minimum), or
* (G) ``||grad f(x)|| >= lam ||x - m|| >= lam * max(zeta, delta) >= theta``,

whenever ``lam * max(zeta, delta) >= theta``, ``delta <= inf_{x in X, e in E} ||x - e||``.
That inequality is checked exactly (rationals, squared).

Enclosures of ``Hbar`` (entrywise; both hold, so their intersection does):

* ``Hbar_ij`` is a mean of values of ``Hess_ij`` on ``K``: ``Hbar in Hess f(K)``;
* secant (second-order) form: ``Hess f(m + t h) = Hess f(m) + int_0^1 D3f(m + s t h)[t h] ds``
  with ``h = x - m``, so ``Hbar = Hess f(m) + int_0^1 int_0^1 t D3f(m + s t h)[h] ds dt``
  lies in ``Hess f(E) + 1/2 D3f(K)[X - E]`` (``int_0^1 t dt = 1/2``; each
  ``D3_ijk h_k`` lies in the interval product ``D3_ijk(K) (X_k - E_k)``).

``lambda_min >= lam`` is proved over the symmetric ball matrix by a ball
``LDL^T`` (:func:`lambda_at_least`). A degenerate
minimum (``Hess f(m)`` singular) gives ``lam <= 0`` on every ``K`` that holds
``m``: the test never fires there.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import flint
import numpy as np

from saddlecheck._validation import InputError
from saddlecheck.arith.rounding import sqrt_down
from saddlecheck.box import Box
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.objective import Objective

MAX_TRIES = 1
"""Minima tried per box, nearest first (a far minimum's hull holds the saddles between)."""


def _q(x: Fraction) -> flint.arb:
    return flint.arb(flint.fmpq(x.numerator, x.denominator))


def hull_hessian(obj: Objective, x: Box, e: Box, prec: int = 53) -> list[list[flint.arb]]:
    """``Hess f(K)``, ``K = hull(X ∪ E)``: it holds every mean Hessian ``Hbar`` (module docstring).

    Raises:
        InputError: ``f`` is not proved real and ``C^3`` on ``K``.
    """
    k = _bnb.hull([x, e])
    if obj.domain.on_box(k).holds is not True:
        raise InputError(f"f is not proved real and C^3 on {k}")
    return obj.enclose("hess", k, prec)


def secant_hessian(obj: Objective, x: Box, e: Box, hk: Sequence,
                   prec: int = 53) -> list[list[flint.arb]]:  # fmt: skip
    """``hk ∩ (Hess f(E) + 1/2 D3f(K)[X - E])``, entrywise: it holds every ``Hbar``.

    ``hk`` must be :func:`hull_hessian` of the same ``X``, ``E`` (which proved
    ``f`` real and ``C^3`` on ``K``).

    Raises:
        InputError: from the enclosures.
    """
    k = _bnb.hull([x, e])
    he = obj.enclose("hess", e, prec)
    d3 = obj.enclose("d3", k, prec)
    d = x.dim
    with flint.ctx.workprec(prec):
        half = flint.arb(0.5)
        dh = [_q(xl - eh).union(_q(xh - el))
              for (xl, xh), (el, eh) in zip(x.intervals, e.intervals, strict=True)]  # fmt: skip
        out = [list(row) for row in hk]
        for i in range(d):
            for j in range(i, d):
                sec = he[i][j] + half * sum((d3[i][j][kk] * dh[kk] for kk in range(d)),
                                            flint.arb(0))  # fmt: skip
                if sec.overlaps(hk[i][j]):
                    out[i][j] = out[j][i] = sec.intersection(hk[i][j])
    return out


def lambda_at_least(hbar: Sequence, s: Fraction, prec: int = 53) -> bool:
    """``True`` only if ``lambda_min(A) > s`` for every symmetric ``A`` in the ball matrix.

    With ``M`` the midpoints (upper triangle, mirrored) and ``R`` the radii,
    ``lambda_min(A) >= lambda_min(M) - ||A - M||_2`` and
    ``||A - M||_2 <= rho(R) <= max_i (R w)_i / w_i`` for any positive ``w``
    (monotonicity of the spectral radius on nonnegative matrices;
    Collatz-Wielandt; ``w`` a float estimate of the Perron vector). Then
    ``M - (s + r) I`` positive definite (every pivot of its ball ``LDL^T`` > 0)
    proves ``lambda_min(M) > s + r``. Ball arithmetic throughout.

    >>> import flint
    >>> H = [[flint.arb(2), flint.arb("+/- 0.5")], [flint.arb("+/- 0.5"), flint.arb(1)]]
    >>> lambda_at_least(H, Fraction(1, 3)), lambda_at_least(H, Fraction(1, 2))
    (True, False)
    """
    d = len(hbar)
    up = [[hbar[min(i, j)][max(i, j)] for j in range(d)] for i in range(d)]
    if not all(a.is_finite() for row in up for a in row):
        return False
    radf = np.array([[float(a.rad()) for a in row] for row in up])
    w = np.abs(np.linalg.eigh(radf)[1][:, -1]) if np.any(radf) else np.ones(d)
    w = np.maximum(w, 1e-3 * max(float(np.max(w)), 1e-300))
    if not np.all(np.isfinite(w)):
        w = np.ones(d)
    with flint.ctx.workprec(prec):
        wb = [flint.arb(float(t)) for t in w]
        r = flint.arb(0)
        for i in range(d):
            ri = sum((flint.arb(up[i][j].rad()) * wb[j] for j in range(d)), flint.arb(0)) / wb[i]
            r = r.max(ri)
        t = _q(s) + flint.arb(r.upper())
        a = [[flint.arb(up[i][j].mid()) - (t if i == j else 0) for j in range(d)]
             for i in range(d)]  # fmt: skip
        for k in range(d):
            piv = a[k][k]
            if not piv > 0:
                return False
            for i in range(k + 1, d):
                li = a[k][i] / piv
                for j in range(i, d):
                    a[i][j] -= li * a[k][j]
    return True


def needed_lambda(theta: Fraction, zeta: Fraction, gap2: Fraction) -> Fraction:
    """A rational ``s > 0`` with ``s * max(zeta, sqrt(gap2)) >= theta`` (exactly).

    ``s = theta / max(zeta, delta)`` with ``delta <= sqrt(gap2)`` rational.

    >>> needed_lambda(Fraction(3, 10), Fraction(1, 2), Fraction(0))
    Fraction(3, 5)
    """
    delta = Fraction(sqrt_down(gap2)) if gap2 > zeta * zeta else Fraction(0)
    s = theta / max(zeta, delta)
    if s * s * max(zeta * zeta, gap2) < theta * theta:  # cannot happen: delta^2 <= gap2
        raise ArithmeticError("needed_lambda: the exact check failed")
    return s


def could_settle(grad_c: np.ndarray, c: np.ndarray, m: np.ndarray, s: float) -> bool:
    """A float pre-test, never a proof: can the basin test with ``lam = s`` succeed?

    At the centre ``c``, ``grad f(c) = Hbar (c - m)`` with ``Hbar`` in every
    enclosure of the mean Hessian, so ``lambda_min(Hbar) >= s`` needs
    ``(c - m) . grad f(c) >= s ||c - m||^2``; boxes far from it are skipped
    (skipping a test is always sound).
    """
    h = c - m
    return bool(np.dot(h, grad_c) >= 0.999 * s * np.dot(h, h) - 1e-12)


def basin_bound(obj: Objective, minima: Sequence[Box], theta: Fraction, zeta: Fraction,
          box: Box, grad_c: np.ndarray | None = None) -> Fraction | None:  # fmt: skip
    """The basin test on ``box``: the proved ``lam`` when it settles, else ``None``.

    ``lam = theta / max(zeta, delta)`` (:func:`needed_lambda`), proved by
    :func:`lambda_at_least` on :func:`hull_hessian`, then on :func:`secant_hessian`.
    ``grad_c`` (floats, ``grad f`` at the centre) enables :func:`could_settle`.
    """
    gaps = sorted((_bnb.inf_dist2(box, e), i) for i, e in enumerate(minima))
    c = np.array([float(v) for v in box.midpoint()])
    for gap2, i in gaps[:MAX_TRIES]:
        e = minima[i]
        s = needed_lambda(theta, zeta, gap2)
        if grad_c is not None:
            m = np.array([float(v) for v in e.midpoint()])
            if not could_settle(grad_c, c, m, float(s)):
                continue
        try:
            hk = hull_hessian(obj, box, e)
            lo, hi = _float_lambda(hk)
            if lo >= float(s) and lambda_at_least(hk, s):
                return s
            if hi < float(s):  # no matrix of Hess f(K) reaches s: the secant form cannot
                continue
            sec = secant_hessian(obj, box, e, hk)
            if _float_lambda(sec)[0] >= float(s) and lambda_at_least(sec, s):
                return s
        except InputError:
            continue
    return None


def _float_lambda(hbar: Sequence) -> tuple[float, float]:
    """Float estimates ``lambda_min(M) -+ ||R||_F`` (for skipping hopeless proofs only)."""
    mid = np.array([[float(a.mid()) for a in row] for row in hbar])
    rad = np.array([[float(a.rad()) for a in row] for row in hbar])
    if not (np.all(np.isfinite(mid)) and np.all(np.isfinite(rad))):
        return -np.inf, np.inf
    lam = float(np.linalg.eigvalsh(0.5 * (mid + mid.T))[0])
    r = float(np.linalg.norm(rad))
    return lam - r, lam + r

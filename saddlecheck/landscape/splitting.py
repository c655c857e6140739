"""Which axis to bisect: a float look-ahead at the two halves (a heuristic, never a proof).

Bisecting the widest axis treats every variable alike; when the conditions
depend on a few directions only (the toy's ``x1``; a saddle's unstable
direction), halving the other axes multiplies the boxes by ``2`` per axis
without settling anything. For a box that no test settled, this module
predicts, from the box's own enclosures (no new evaluation of ``f``), what the
first-order tests would give on each half when bisected along axis ``j``:

* (G), componentwise: ``g_i(c') + sum_k |H_ik(X)| r'_k`` with
  ``g(c') ~ g(c) + H_mid (c' - c)`` (``c'`` the half's centre, ``r'`` its half-widths);
* (G) along ``u = g(c')``: ``||g(c')|| - sum_k |(u^T H(X))_k| r'_k``;
* (H) by the Taylor form of the Rayleigh quotient, when its slopes
  ``s_k = v^T D3_k(X) v`` are known: ``q(c') + sum_k |s_k| r'_k``.

The chosen axis is the one whose halves pass the most predicted tests (ties:
the smaller total shortfall of the failing halves, then the wider axis), among
axes no narrower than ``max width / 2**ASPECT``; when no half is predicted to
pass, the answer is ``None`` (bisect the widest). The choice only orders the
search: every leaf is still proved by :mod:`saddlecheck.landscape.covering`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

ASPECT = 6
"""Axes narrower than ``max width / 2**ASPECT`` are never chosen (no needle boxes)."""


def _mid_rad(balls: Sequence) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(balls, dtype=object)
    flat = arr.ravel()
    mid = np.array([float(a.mid()) for a in flat]).reshape(arr.shape)
    rad = np.array([float(a.rad()) for a in flat]).reshape(arr.shape)
    return mid, rad


def predicted_margins(gc: np.ndarray, hm: np.ndarray, hr: np.ndarray, r: np.ndarray,
                      theta: float, gamma: float,
                      ray: tuple[float, np.ndarray, np.ndarray] | None) -> np.ndarray:  # fmt: skip
    """Best predicted relative margin of each half: shape ``(d, 2)`` (axis, lower/upper half).

    A margin ``>= 0`` predicts that a test settles the half. ``ray`` is
    ``(q(c), s_mid, s_rad)`` (Rayleigh quotient at the centre and its slopes),
    or ``None``.
    """
    d = len(gc)
    habs = np.abs(hm) + hr  # |H_ik| bound over the box
    shift = np.concatenate([-np.diag(r / 2), np.diag(r / 2)])  # (2d, d): half j, side
    rr = np.tile(r, (2 * d, 1))
    rr[np.arange(2 * d), np.tile(np.arange(d), 2)] /= 2  # the halves' half-widths
    g = gc + shift @ hm.T  # predicted grad f at the halves' centres
    mig = np.maximum(np.abs(g) - rr @ habs.T, 0.0)
    best = (np.sqrt(np.sum(mig * mig, axis=1)) - theta) / theta
    n = np.linalg.norm(g, axis=1)
    ok = n > 0
    u = np.where(ok[:, None], g / np.where(ok, n, 1.0)[:, None], 0.0)
    slope = np.abs(u @ hm) + np.abs(u) @ hr
    along = np.where(ok, (n - np.sum(slope * rr, axis=1) - theta) / theta, -np.inf)
    best = np.maximum(best, along)
    if ray is not None:
        q, sm, sr = ray
        upper = q + shift @ sm + rr @ (np.abs(sm) + sr)
        best = np.maximum(best, (-gamma - upper) / gamma)
    return np.stack([best[:d], best[d:]], axis=1)


def choose_axis(grad_c: Sequence, hess: Sequence, widths: Sequence, theta: Fraction,
                gamma: Fraction, ray: tuple | None = None) -> int | None:  # fmt: skip
    """The axis to bisect, or ``None`` for the default (the widest).

    Args:
        grad_c: ball enclosure of ``grad f`` at the centre.
        hess: ball enclosure of ``Hess f`` over the box.
        widths: the box's widths (floats suffice).
        theta, gamma: the constants.
        ray: ``(q(c), slopes)`` of the Rayleigh quotient's Taylor form (balls),
            or ``None``.
    """
    try:
        gc = _mid_rad(grad_c)[0]
        hm, hr = _mid_rad(hess)
        w = np.array([float(x) for x in widths])
        ray_f = None
        if ray is not None:
            sm, sr = _mid_rad(ray[1])
            ray_f = (float(ray[0].mid()), sm, sr)
            if not (np.isfinite(ray_f[0]) and np.all(np.isfinite(sm)) and np.all(np.isfinite(sr))):
                ray_f = None
        if not (np.all(np.isfinite(gc)) and np.all(np.isfinite(hm)) and np.all(np.isfinite(hr))):
            return None
        with np.errstate(all="ignore"):
            m = predicted_margins(gc, hm, hr, w / 2, float(theta), float(gamma), ray_f)
    except (OverflowError, ValueError, np.linalg.LinAlgError):
        return None
    if np.any(np.isnan(m)):
        return None
    wmax = float(np.max(w))
    best_key, best_axis = None, None
    for j in range(len(w)):
        if w[j] <= 0 or w[j] < wmax / 2**ASPECT:
            continue
        passes = int(np.sum(m[j] >= 0))
        if passes == 0:
            continue
        key = (passes, round(float(np.sum(np.minimum(m[j], 0.0))), 6), w[j], -j)
        if best_key is None or key > best_key:
            best_key, best_axis = key, j
    return best_axis

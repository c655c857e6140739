"""Second-order (Taylor) enclosures over a box, with the third-derivative enclosure.

Over a box ``X`` with centre ``c`` and ``h = x - c`` (``h_k`` in ``X_k - c_k``),
``D3(X)`` the ball enclosure of ``D^3 f`` over ``X`` (``f`` real and ``C^3`` on
``X``, which :meth:`~saddlecheck.objective.Objective.enclose` proves or refuses):

* **Rayleigh quotient** of a fixed vector ``v``, ``q(x) = v^T H(x) v``: by the
  mean value theorem on ``t -> q(c + t h)``,
  ``q(x) = q(c) + sum_k (v^T D3_k(xi) v) h_k`` for some ``xi`` on the segment
  ``[c, x]`` (inside ``X``), so

      q(X) ⊆ q(c) + sum_k (v^T D3_k(X) v) (X_k - c_k)                     (T_q)

  and ``lambda_min(H(x)) <= q(x) / v^T v`` (Courant-Fischer). The natural
  extension ``sum_ij v_i v_j H_ij(X)`` adds the widths of all ``d^2`` entries;
  (T_q) lets them cancel, and its width is first order in ``|X|`` with the
  directional derivative ``D3[v, v, .]`` as the constant.
* **Gradient along a direction** ``u``: with ``phi(t) = u^T grad f(c + t h)``,
  Taylor's theorem with the Lagrange remainder gives
  ``phi(1) = phi(0) + phi'(0) + phi''(tau) / 2`` for some ``tau`` in ``(0, 1)``,
  ``phi'(0) = (H(c) u) . h`` and ``phi''(tau) = D3(c + tau h)[u, h, h]``, so

      u^T grad f(X) ⊆ u^T g(c) + (H(c) u) . (X - c)
                      + 1/2 sum_jk (sum_i u_i D3_ijk(X)) (X_j - c_j)(X_k - c_k)  (T_g)

  (``(X_j - c_j)^2`` enclosed by ``[0, r_j^2]``), and
  ``||grad f(x)|| >= u^T grad f(x) / ||u||`` (Cauchy-Schwarz).

All arithmetic is python-flint ball arithmetic (outward rounded); the
directions ``u``, ``v`` are floats, read exactly as balls of radius 0, so no
float rounding enters a bound.
"""

from __future__ import annotations

from collections.abc import Sequence

import flint
import numpy as np

_HALF = flint.arb(0.5)


def square_range(a: flint.arb) -> flint.arb:
    """A ball containing ``{t^2 : t in a}`` (``[0, mag^2]`` when ``a`` holds 0)."""
    m = a.abs_upper()
    lo = a.abs_lower()
    return (lo * lo).union(m * m)


def bottom_vector(hess: Sequence) -> list[flint.arb] | None:
    """The float bottom eigenvector of the midpoints of ``hess`` as exact balls (or ``None``)."""
    mid = np.array([[float(a.mid()) for a in row] for row in hess])
    if not np.all(np.isfinite(mid)):
        return None
    vecs = np.linalg.eigh(mid)[1]
    return [flint.arb(float(t)) for t in vecs[:, 0]]


def rayleigh_taylor(hess_c: Sequence, d3: Sequence, dx: Sequence,
                    v: Sequence | None = None) -> flint.arb:  # fmt: skip
    """A ball whose upper end bounds ``lambda_min(Hess f(x))`` for every ``x`` in ``X``.

    (T_q) of the module docstring divided by ``v^T v``, with ``v`` the bottom
    eigenvector of ``H(c)`` unless given.

    Args:
        hess_c: ball enclosure of ``H(c)`` (``d x d``).
        d3: ball enclosure of ``D^3 f`` over ``X`` (``d x d x d``).
        dx: ``X - c`` as balls.
        v: the direction (exact balls); default the bottom eigenvector of ``H(c)``.

    Returns:
        A ball containing ``{v^T H(x) v / v^T v : x in X}``; ``+inf`` when the
        midpoints are not finite.

    Examples:
        >>> import flint
        >>> H = [[flint.arb(-1), flint.arb(0)], [flint.arb(0), flint.arb(1)]]
        >>> D3 = [[[flint.arb(0)] * 2] * 2] * 2   # a quadratic: H is constant
        >>> dx = [flint.arb("+/- 1")] * 2
        >>> rayleigh_taylor(H, D3, dx).upper() <= -1
        True
    """
    if v is None:
        v = bottom_vector(hess_c)
        if v is None:
            return flint.arb("inf")
    q, slopes = rayleigh_parts(hess_c, d3, v)
    for s, h in zip(slopes, dx, strict=True):
        q += s * h
    return q


def rayleigh_parts(hess_c: Sequence, d3: Sequence,
                   v: Sequence) -> tuple[flint.arb, list[flint.arb]]:  # fmt: skip
    """``(q(c), [s_k])``: ``v^T H(c) v / v^T v`` and ``v^T D3_k(X) v / v^T v`` (balls).

    (T_q) is ``q(c) + sum_k s_k (X_k - c_k)``; the slopes also guide the choice
    of the axis to bisect (:mod:`saddlecheck.landscape.splitting`).
    """
    d = len(hess_c)
    nv = sum((t * t for t in v), flint.arb(0))
    q = flint.arb(0)
    for i in range(d):
        q += v[i] * v[i] * hess_c[i][i]
        for j in range(i + 1, d):
            q += 2 * v[i] * v[j] * hess_c[i][j]
    slopes = []
    for k in range(d):
        s = flint.arb(0)
        for i in range(d):
            s += v[i] * v[i] * d3[i][i][k]
            for j in range(i + 1, d):
                s += 2 * v[i] * v[j] * d3[i][j][k]
        slopes.append(s / nv)
    return q / nv, slopes


def gradient_along(grad_c: Sequence, hess_c: Sequence, d3: Sequence, dx: Sequence,
                   u: Sequence | None = None) -> flint.arb:  # fmt: skip
    """A ball whose lower end bounds ``||grad f(x)||`` for every ``x`` in ``X`` (when >= 0).

    (T_g) of the module docstring divided by ``||u||``, with ``u`` the float
    direction of ``grad f(c)`` unless given: ``||grad f(x)|| >= u . grad f(x) / ||u||``.

    Args:
        grad_c: ball enclosure of ``grad f(c)``.
        hess_c: ball enclosure of ``H(c)``.
        d3: ball enclosure of ``D^3 f`` over ``X``.
        dx: ``X - c`` as balls.
        u: the direction (exact balls); default ``grad f(c)`` rounded to floats.

    Returns:
        A ball containing ``{u . grad f(x) / ||u|| : x in X}`` (``-inf`` when
        ``u`` is zero or not finite).

    Examples:
        >>> import flint
        >>> g = [flint.arb(3), flint.arb(0)]
        >>> H = [[flint.arb(1), flint.arb(0)], [flint.arb(0), flint.arb(1)]]
        >>> D3 = [[[flint.arb(0)] * 2] * 2] * 2
        >>> dx = [flint.arb("+/- 0.5")] * 2
        >>> 2.49 <= gradient_along(g, H, D3, dx).lower() <= 2.5
        True
    """
    d = len(grad_c)
    if u is None:
        uf = np.array([float(a.mid()) for a in grad_c])
        if not np.all(np.isfinite(uf)) or not np.any(uf):
            return flint.arb("-inf")
        u = [flint.arb(float(t)) for t in uf]
    s = flint.arb(0)
    for i in range(d):
        s += u[i] * grad_c[i]
    for j in range(d):
        s += sum((u[i] * hess_c[i][j] for i in range(d)), flint.arb(0)) * dx[j]
    quad = flint.arb(0)
    for j in range(d):
        t = sum((u[i] * d3[i][j][j] for i in range(d)), flint.arb(0))
        quad += t * square_range(dx[j])
        for k in range(j + 1, d):
            t = sum((u[i] * d3[i][j][k] for i in range(d)), flint.arb(0))
            quad += 2 * t * dx[j] * dx[k]
    s += _HALF * quad
    return s / sum((t * t for t in u), flint.arb(0)).sqrt()


def best_direction(g: np.ndarray, h: np.ndarray, r: np.ndarray, sweeps: int = 20) -> np.ndarray:
    """A float direction ``u`` for (T_g): the residual ``g + H t*`` of ``min ||g + H t||``.

    The minimum is over the box ``|t_k| <= r_k``.

    By duality, ``min_t ||g + H t|| = max_{||u|| <= 1} (u . g - sum_k |(H u)_k| r_k)``
    with the optimum at the normalised residual, so this ``u`` makes the linear
    part of (T_g) as large as possible. Coordinate descent on the convex
    quadratic (``sweeps`` passes; a heuristic: any ``u`` gives a valid bound,
    the proof is :func:`gradient_along` in ball arithmetic).

    >>> best_direction(np.array([1.0, 0.0]), np.eye(2), np.array([0.5, 0.5]))
    array([0.5, 0. ])
    """
    q = (h.T @ h).tolist()
    grad = (h.T @ g).tolist()  # q t + b, kept up to date
    rl = [float(v) for v in r]
    d = len(rl)
    t = [0.0] * d
    tol = 1e-12 * (1.0 + max(rl))
    for _ in range(sweeps):
        moved = 0.0
        for k in range(d):
            qk = q[k]
            if qk[k] <= 0:
                continue
            new = min(max(t[k] - grad[k] / qk[k], -rl[k]), rl[k])
            delta = new - t[k]
            if delta:
                t[k] = new
                for i in range(d):
                    grad[i] += qk[i] * delta  # q is symmetric: column k = row k
                moved = max(moved, abs(delta))
        if moved <= tol:
            break
    return g + h @ np.array(t)

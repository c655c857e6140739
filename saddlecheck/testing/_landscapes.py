"""Test objectives with known structure and constants (rotated separable landscapes).

A :class:`Landscape` is ``f(x) = offset + sum_i p_i(z_i)`` with ``z = Q^T (x - center)``,
``Q`` an exactly orthogonal rational matrix (Cayley transform ``(I - S)(I + S)^-1``
of an integer skew-symmetric ``S``; ``S = 0`` gives ``Q = I``) and each ``p_i`` a
one-dimensional polynomial (:class:`Component`): a double well, a positive
quadratic, or a polynomial with planted critical points. Everything is known:

* the critical points are the products of the components' critical points,
  each with its exact Hessian eigenvalues ``p_i''``;
* on the region ``{x : z_i in [lo_i, hi_i]}`` the Hessian in ``z`` coordinates
  is ``diag(p_i''(z_i))`` and ``D^3 f`` is the diagonal tensor ``p_i'''(z_i)``, so
  ``ell = max_i sup |p_i''|`` and ``rho = max_i sup |p_i'''|`` (for a diagonal
  tensor ``|sum t_i u_i^3| <= max |t_i| sum u_i^2``; rotations keep both norms);
* the region is invariant under gradient steps with ``eta <= 1/ell``: each
  ``z_i`` follows ``z - eta p_i'(z)``, monotone on ``[lo_i, hi_i]`` with
  ``p_i'(lo_i) < 0 < p_i'(hi_i)``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import flint
import numpy as np

_Q = Fraction


def _poly_mul(a: list[Fraction], b: list[Fraction]) -> list[Fraction]:
    out = [_Q(0)] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            out[i + j] += x * y
    return out


def _deriv(p: list[Fraction]) -> list[Fraction]:
    return [k * c for k, c in enumerate(p)][1:] or [_Q(0)]


def _eval(p: list[Fraction], z):
    acc = 0 * z
    for c in reversed(p):
        acc = acc * z + c
    return acc


def _sup_abs(p: list[Fraction], lo: Fraction, hi: Fraction, pieces: int = 512) -> Fraction:
    """A proved upper bound of ``|p|`` on ``[lo, hi]`` (ball Horner on ``pieces`` pieces)."""
    from saddlecheck.arith.rounding import ball_bounds

    if all(c == 0 for c in p):
        return _Q(0)
    best = _Q(0)
    with flint.ctx.workprec(64):
        coeffs = [flint.arb(flint.fmpq(c.numerator, c.denominator)) for c in p]
        for k in range(pieces):
            a = lo + (hi - lo) * k / pieces
            b = lo + (hi - lo) * (k + 1) / pieces
            ball = flint.arb(flint.fmpq(a.numerator, a.denominator)).union(
                flint.arb(flint.fmpq(b.numerator, b.denominator))
            )
            acc = flint.arb(0)
            for c in reversed(coeffs):
                acc = acc * ball + c
            lo_v, hi_v = ball_bounds(acc)
            best = max(best, _Q(max(-lo_v, hi_v)))
    return best


@dataclass(frozen=True)
class Component:
    """One coordinate's polynomial ``p(z)``.

    ``kind``:

    * ``"well"``, ``params = (gamma, s)``: ``-gamma z^2/2 + gamma z^4/(4 s^2)``; a
      strict local maximum at 0 (``p'' = -gamma``), minima at ``+-s``
      (``p'' = 2 gamma``, ``p = -gamma s^2/4``); interval ``[-5s/4, 5s/4]`` where
      ``sup |p''| = 59 gamma/16`` and ``sup |p'''| = 15 gamma/(2 s)`` exactly.
    * ``"quadratic"``, ``params = (lam, B)``: ``lam z^2/2`` on ``[-B, B]``.
    * ``"planted"``, ``params = (a, r_1, ..., r_k)``: ``p' = a prod (z - r_j)``,
      ``k`` odd, ``a > 0``, distinct roots (the planted critical points:
      minimum, maximum, minimum, ... from the left), ``p(0) = 0``, interval
      ``[min r - 1, max r + 1]``; ``sup|p''|``, ``sup|p'''|`` proved with balls.
    """

    kind: str
    params: tuple[Fraction, ...]

    def __repr__(self) -> str:
        names = {"well": ("gamma", "s"), "quadratic": ("lam", "B")}.get(self.kind)
        if names:
            args = ", ".join(f"{n}={v}" for n, v in zip(names, self.params, strict=True))
        else:
            args = f"a={self.params[0]}, roots={tuple(str(v) for v in self.params[1:])}"
        return f"{self.kind}({args})"

    @cached_property
    def coeffs(self) -> list[Fraction]:
        """Coefficients of ``p``, constant term first."""
        if self.kind == "well":
            g, s = self.params
            return [_Q(0), _Q(0), -g / 2, _Q(0), g / (4 * s * s)]
        if self.kind == "quadratic":
            return [_Q(0), _Q(0), self.params[0] / 2]
        a, *roots = self.params
        dp = [a]
        for r in roots:
            dp = _poly_mul(dp, [-r, _Q(1)])
        return [_Q(0)] + [c / (k + 1) for k, c in enumerate(dp)]

    @property
    def interval(self) -> tuple[Fraction, Fraction]:
        if self.kind == "well":
            return -5 * self.params[1] / 4, 5 * self.params[1] / 4
        if self.kind == "quadratic":
            return -self.params[1], self.params[1]
        roots = self.params[1:]
        return min(roots) - 1, max(roots) + 1

    @property
    def critical(self) -> tuple[tuple[Fraction, Fraction], ...]:
        """``(z, p''(z))`` for every critical point, left to right."""
        if self.kind == "well":
            g, s = self.params
            return ((-s, 2 * g), (_Q(0), -g), (s, 2 * g))
        if self.kind == "quadratic":
            return ((_Q(0), self.params[0]),)
        d2 = _deriv(_deriv(self.coeffs))
        return tuple((r, _eval(d2, r)) for r in sorted(self.params[1:]))

    @cached_property
    def sup2(self) -> Fraction:
        """``sup |p''|`` on the interval (exact for wells and quadratics, else a proved bound)."""
        if self.kind == "well":
            return 59 * self.params[0] / 16
        if self.kind == "quadratic":
            return self.params[0]
        return _sup_abs(_deriv(_deriv(self.coeffs)), *self.interval)

    @cached_property
    def sup3(self) -> Fraction:
        """``sup |p'''|`` on the interval."""
        if self.kind == "well":
            return 15 * self.params[0] / (2 * self.params[1])
        if self.kind == "quadratic":
            return _Q(0)
        return _sup_abs(_deriv(_deriv(_deriv(self.coeffs))), *self.interval)


def cayley(skew: tuple[int, ...], d: int) -> list[list[Fraction]]:
    """The exactly orthogonal ``(I - S)(I + S)^-1`` for ``S`` with the given upper entries.

    >>> cayley((), 1)
    [[Fraction(1, 1)]]
    >>> Q = cayley((1,), 2); Q
    [[Fraction(0, 1), Fraction(-1, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    S = [[0] * d for _ in range(d)]
    it = iter(skew)
    for i in range(d):
        for j in range(i + 1, d):
            v = int(next(it, 0))
            S[i][j], S[j][i] = v, -v
    eye = flint.fmpq_mat([[int(i == j) for j in range(d)] for i in range(d)])
    Sm = flint.fmpq_mat(S)
    Q = (eye - Sm) * (eye + Sm).inv()
    return [[_Q(int(Q[i, j].p), int(Q[i, j].q)) for j in range(d)] for i in range(d)]


@dataclass(frozen=True)
class Landscape:
    """``f(x) = offset + sum_i p_i((Q^T (x - center))_i)`` with everything known.

    Attributes:
        components: one :class:`Component` per coordinate of ``z``.
        skew: the strictly upper entries of ``S`` (row-major), ``Q = cayley(skew)``.
        center: the translation (exact).
        offset: the constant added to ``f``.
    """

    components: tuple[Component, ...]
    skew: tuple[int, ...] = ()
    center: tuple[Fraction, ...] = ()
    offset: Fraction = Fraction(0)

    def __repr__(self) -> str:
        parts = [", ".join(repr(c) for c in self.components)]
        if any(self.skew):
            parts.append(f"skew={self.skew}")
        if any(self.center):
            parts.append(f"center=({', '.join(str(v) for v in self.center)})")
        if self.offset:
            parts.append(f"offset={self.offset}")
        return f"Landscape({'; '.join(parts)})"

    @property
    def dim(self) -> int:
        return len(self.components)

    @cached_property
    def Q(self) -> list[list[Fraction]]:
        return cayley(self.skew, self.dim)

    @cached_property
    def _num(self):
        d = self.dim
        Qf = np.array([[float(v) for v in row] for row in self.Q])
        c = np.array([float(v) for v in self.center] or [0.0] * d)
        kinds = [comp.kind for comp in self.components]
        wi = np.array([i for i, k in enumerate(kinds) if k == "well"], dtype=int)
        qi = np.array([i for i, k in enumerate(kinds) if k == "quadratic"], dtype=int)
        pi = [i for i, k in enumerate(kinds) if k == "planted"]
        g = np.array([float(self.components[i].params[0]) for i in wi])
        s2 = np.array([float(self.components[i].params[1]) ** 2 for i in wi])
        lam = np.array([float(self.components[i].params[0]) for i in qi])
        polys = [(i, np.array([float(v) for v in reversed(self.components[i].coeffs)])) for i in pi]
        return Qf, c, wi, qi, g, s2, lam, polys, float(self.offset)

    def z(self, x: np.ndarray) -> np.ndarray:
        """``Q^T (x - center)`` for a point or an ``(n, d)`` array of points."""
        Qf, c = self._num[:2]
        return (np.asarray(x, dtype=np.float64) - c) @ Qf

    def f(self, x: np.ndarray):
        """``f`` in float64 (a float for a point, an array for rows of points)."""
        _Qf, _c, wi, qi, g, s2, lam, polys, off = self._num
        z = self.z(x)
        zw, zq = z[..., wi], z[..., qi]
        val = np.sum(g * zw * zw * (zw * zw / (4 * s2) - 0.5), axis=-1)
        val = val + np.sum(lam * zq * zq, axis=-1) / 2
        for i, p in polys:
            val = val + np.polyval(p, z[..., i])
        out = val + off
        return float(out) if np.ndim(out) == 0 else out

    def f_magnitude(self, x: np.ndarray):
        """``|offset| + sum_i sum_k |a_ik z_i^k|``: the size of the terms ``f`` adds up.

        Rounding in ``f`` is relative to this, not to ``|f|``: near a zero of ``f``
        the terms cancel.
        """
        z = np.abs(self.z(x))
        total = abs(float(self.offset))
        for i, comp in enumerate(self.components):
            total = total + sum(abs(float(a)) * z[..., i] ** k for k, a in enumerate(comp.coeffs))
        return total

    def dz(self, z: np.ndarray) -> np.ndarray:
        """``(p_i'(z_i))_i``."""
        _, _, wi, qi, g, s2, lam, polys, _ = self._num
        out = np.empty_like(z)
        zw = z[..., wi]
        out[..., wi] = g * zw * (zw * zw / s2 - 1)
        out[..., qi] = lam * z[..., qi]
        for i, p in polys:
            out[..., i] = np.polyval(np.polyder(p), z[..., i])
        return out

    def grad(self, x: np.ndarray) -> np.ndarray:
        """The gradient ``Q (p_i'(z_i))_i`` in float64."""
        Qf = self._num[0]
        return self.dz(self.z(x)) @ Qf.T

    def hess(self, x: np.ndarray) -> np.ndarray:
        """The Hessian ``Q diag(p_i''(z_i)) Q^T`` in float64 (one point)."""
        Qf, _, wi, qi, g, s2, lam, polys, _ = self._num
        z = self.z(x)
        h = np.empty_like(z)
        h[wi] = g * (3 * z[wi] ** 2 / s2 - 1)
        h[qi] = lam
        for i, p in polys:
            h[i] = np.polyval(np.polyder(p, 2), z[i])
        return (Qf * h) @ Qf.T

    @cached_property
    def ell(self) -> Fraction:
        """Gradient-Lipschitz constant on the region (exact or a proved bound)."""
        return max(comp.sup2 for comp in self.components)

    @cached_property
    def rho(self) -> Fraction:
        """Hessian-Lipschitz constant on the region (exact or a proved bound)."""
        return max(comp.sup3 for comp in self.components)

    def to_x(self, z) -> tuple[Fraction, ...]:
        """The exact point ``center + Q z`` for exact ``z``."""
        c = self.center or (_Q(0),) * self.dim
        return tuple(
            c[i] + sum(self.Q[i][j] * _Q(z[j]) for j in range(self.dim)) for i in range(self.dim)
        )

    @cached_property
    def critical_points(self) -> tuple[tuple[tuple[Fraction, ...], str, Fraction], ...]:
        """Every critical point in the region: ``(x exact, kind, lambda_min exact)``."""
        out = []
        for combo in itertools.product(*(comp.critical for comp in self.components)):
            curv = [k for _, k in combo]
            kind = "min" if min(curv) > 0 else ("max" if max(curv) < 0 else "strict_saddle")
            out.append((self.to_x([z for z, _ in combo]), kind, min(curv)))
        return tuple(out)

    @property
    def minima(self) -> list[tuple[Fraction, ...]]:
        return [p for p, kind, _ in self.critical_points if kind == "min"]

    @property
    def saddles(self) -> list[tuple[Fraction, ...]]:
        return [p for p, kind, _ in self.critical_points if kind == "strict_saddle"]

    def value(self, z) -> Fraction:
        """Exact ``f`` at the point with exact ``z`` coordinates."""
        return self.offset + sum(
            (_eval(comp.coeffs, _Q(v)) for comp, v in zip(self.components, z, strict=True)),
            _Q(0),
        )

    @cached_property
    def f_star(self) -> Fraction:
        """The minimum of ``f`` on the region (each ``p_i`` at its lowest critical point)."""
        return self.offset + sum(
            (min(_eval(c.coeffs, z) for z, _ in c.critical) for c in self.components), _Q(0)
        )

    def in_region(self, x, slack: float = 0.0) -> bool:
        """Whether ``x`` lies in the region (up to ``slack`` in every ``z`` coordinate)."""
        z = self.z(x)
        return all(
            float(lo) - slack <= v <= float(hi) + slack
            for v, (lo, hi) in zip(z, (c.interval for c in self.components), strict=True)
        )

    @cached_property
    def objective(self):
        """The exact :class:`~saddlecheck.Objective` (built on first use)."""
        import sympy

        from saddlecheck.objective import Objective

        xs = sympy.symbols(f"x1:{self.dim + 1}")
        c = self.center or (_Q(0),) * self.dim
        rat = lambda q: sympy.Rational(q.numerator, q.denominator)  # noqa: E731
        expr = rat(self.offset)
        for j, comp in enumerate(self.components):
            zj = sum(rat(self.Q[k][j]) * (xs[k] - rat(c[k])) for k in range(self.dim))
            expr += sum(rat(a) * zj**k for k, a in enumerate(comp.coeffs) if a != 0)
        return Objective(expr, xs)

    def explain(self) -> str:
        parts = ", ".join(f"{c.kind}{tuple(str(p) for p in c.params)}" for c in self.components)
        rot = "identity" if not any(self.skew) else f"Cayley{self.skew}"
        return (
            f"separable landscape d={self.dim}: {parts}; rotation {rot}; "
            f"center {tuple(str(v) for v in self.center)}; offset {self.offset}; "
            f"ell={self.ell}, rho={self.rho}, f*={self.f_star}"
        )


def well_escape_log_bound(land: Landscape, params, t_window: int) -> float:
    """``log`` of a bound on the probability that one perturbation episode is stuck.

    For a landscape of wells and quadratics, at ``x_tilde`` with
    ``||grad|| <= g_thres`` and some well coordinate ``z_i`` near 0, the episode
    fails (``f(x_T) - f(x_tilde) > -f_thres`` after ``T = t_window`` steps) only if
    ``|z_i(x_tilde) + a_i| < z_t / q^T`` (``a = Q^T xi``), where, with
    ``Y = g_thres r + ell r^2 / 2`` (what the other coordinates can gain),
    ``b = 4 g_thres / (3 gamma)`` (``|z_i(x_tilde)| <= b`` since ``|p'(z)| >= 3 gamma |z| / 4``
    for ``|z| <= s/2``), ``F = f_thres + Y + gamma b^2 / 2``, ``z_t = sqrt(4 F / gamma)``
    (``p(z) <= -gamma z^2/4 <= -F`` for ``z_t <= |z| <= s``) and
    ``q = 1 + eta gamma (1 - z_t^2/s^2)`` (the growth of ``|z|`` below ``z_t``; the
    step map is monotone and keeps ``[0, s]`` for ``eta gamma <= 1/2``). One
    coordinate of a uniform point of the ball has density ``<= C_d / r``, so the
    episode fails with probability ``<= sum_i 2 C_d z_t / (r q^T)``. Exact
    arithmetic; float64 rounding is not covered by this bound.

    Returns:
        ``log`` of the bound (``0.0`` when the argument does not apply).
    """
    from saddlecheck.claims._statistics import log_ball_coordinate_density

    eta, r = float(params.eta), float(params.r)
    g_thres, f_thres, ell = float(params.g_thres), float(params.f_thres), float(params.ell)
    logs = []
    for comp in land.components:
        if comp.kind != "well":
            if comp.kind == "planted":
                return 0.0
            continue
        gamma, s = float(comp.params[0]), float(comp.params[1])
        b = 4 * g_thres / (3 * gamma)
        F = f_thres + g_thres * r + ell * r * r / 2 + gamma * b * b / 2
        z_t = math.sqrt(4 * F / gamma)
        if b > s / 2 or z_t > s / 2 or eta * gamma > 0.5:
            return 0.0
        log_q = math.log1p(eta * gamma * (1 - z_t * z_t / (s * s)))
        logs.append(
            math.log(2 * z_t / r) + log_ball_coordinate_density(land.dim) - t_window * log_q
        )
    if not logs:
        return -math.inf
    top = max(logs)
    return min(0.0, top + math.log(sum(math.exp(v - top) for v in logs)))

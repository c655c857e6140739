"""Hypothesis strategies for objectives with known structure and constants.

Public strategies, named by plural nouns, with keyword-only options that raise
:class:`~saddlecheck.InputError` when no example can satisfy them (the style
of ``xarray.testing.strategies``). Every number is an exact rational on a small
grid, so examples shrink to small readable ones: dimension 1, no rotation
(``skew = ()``: ``Q = I``), no translation, curvatures 1/4 or 1.

* :func:`strict_saddles`: rotated separable landscapes with double wells (one
  negative eigenvalue each at the saddle) and positive quadratics, with exact
  ``ell``, ``rho``, critical points and ``f*``
  (:class:`~saddlecheck.testing.Landscape`);
* :func:`planted_landscapes`: separable polynomials with planted critical points;
* :func:`matrix_factorizations`: small exact instances (``saddlecheck.problems``);
* :func:`quadratic_saddles`: ``x^T H x / 2`` with exact spectrum (escape formula);
* :func:`stuck_points`: perturbations in and near the stuck region of a
  quadratic saddle, with the exact answer;
* :func:`parameter_tuples`: ``(eps, c, delta)`` meeting Theorem 3's conditions.

>>> from hypothesis import find
>>> find(strict_saddles(), lambda land: True)
Landscape(well(gamma=1/4, s=1))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from hypothesis import strategies as st

from saddlecheck._validation import InputError, check_int, to_rational
from saddlecheck.testing._landscapes import Component, Landscape, cayley

_DEN = 4  # curvatures and eigenvalues are multiples of 1/4


def _grid(name: str, lo: Fraction, hi: Fraction, den: int = _DEN) -> st.SearchStrategy[Fraction]:
    a, b = math.ceil(lo * den), math.floor(hi * den)
    if a > b or b <= 0:
        raise InputError(f"{name}: no multiple of 1/{den} in [{lo}, {hi}] (need a positive one)")
    return st.integers(max(a, 1), b).map(lambda k: Fraction(k, den))


def _dims(min_dim: object, max_dim: object) -> tuple[int, int]:
    lo = check_int("min_dim", min_dim, minimum=1)
    hi = check_int("max_dim", max_dim, minimum=1)
    if lo > hi:
        raise InputError(f"min_dim={lo} > max_dim={hi}; no dimension satisfies both")
    return lo, hi


def _frame(draw, d: int, rotate: bool, max_center: int, max_offset: int):
    skew = ()
    if rotate and d > 1:
        skew = tuple(draw(st.lists(st.integers(-2, 2), min_size=d * (d - 1) // 2,
                                   max_size=d * (d - 1) // 2)))  # fmt: skip
    center = ()
    if max_center:
        center = tuple(Fraction(v) for v in draw(st.lists(
            st.integers(-max_center, max_center), min_size=d, max_size=d)))  # fmt: skip
    offset = Fraction(draw(st.integers(0, max_offset))) if max_offset else Fraction(0)
    return skew, center, offset


def strict_saddles(
    *,
    min_dim: int = 1,
    max_dim: int = 4,
    min_wells: int = 1,
    max_wells: int = 1,
    curvature: tuple = (Fraction(1, 4), Fraction(2)),
    min_gap: object = Fraction(1, 4),
    max_eigenvalue: object = Fraction(2),
    rotate: bool = True,
    max_center: int = 0,
    max_offset: int = 0,
) -> st.SearchStrategy[Landscape]:
    """Strict saddles embedded in ``d`` dimensions, rotated, with controlled eigenvalue gaps.

    ``f = offset + sum_{i <= w} (-gamma_i z_i^2/2 + gamma_i z_i^4/(4 s_i^2)) +
    sum_{j > w} lam_j z_j^2/2`` with ``z = Q^T (x - center)``. At the saddle
    (``z = 0``, ``x = center``) the Hessian eigenvalues are ``-gamma_i`` and
    ``lam_j``, all of modulus ``>= min_gap``; the minima are ``z_i = +-s_i``
    (``p'' = 2 gamma_i``). Exact ``ell = max(59 gamma_i/16, lam_j)`` and
    ``rho = max 15 gamma_i/(2 s_i)`` on the region ``|z_i| <= 5 s_i/4``,
    ``|z_j| <= 2``, which gradient descent with ``eta <= 1/ell`` never leaves.

    Args:
        min_dim, max_dim: range of ``d``.
        min_wells, max_wells: number ``w`` of negative directions (``1 <= w <= d``).
        curvature: range of ``gamma_i``; min_gap, max_eigenvalue: range of ``lam_j``
            (and ``gamma_i >= min_gap``).
        rotate: draw ``Q`` (Cayley transform of an integer skew matrix, entries
            in ``[-2, 2]``; shrinks to ``Q = I``).
        max_center: translate by an integer vector with entries in
            ``[-max_center, max_center]``; max_offset: add an integer in ``[0, max_offset]``.

    Raises:
        InputError: when no landscape satisfies the options.
    """
    lo, hi = _dims(min_dim, max_dim)
    w_lo = check_int("min_wells", min_wells, minimum=1)
    w_hi = check_int("max_wells", max_wells, minimum=1)
    if w_lo > min(w_hi, hi):
        raise InputError(f"min_wells={w_lo} exceeds max_wells={w_hi} or max_dim={hi}")
    gap = to_rational(min_gap, "min_gap")
    c_lo, c_hi = (to_rational(v, "curvature") for v in curvature)
    gammas = _grid("curvature (with gamma >= min_gap)", max(c_lo, gap), c_hi)
    lams = _grid("[min_gap, max_eigenvalue]", gap, to_rational(max_eigenvalue, "max_eigenvalue"))
    max_center = check_int("max_center", max_center)
    max_offset = check_int("max_offset", max_offset)

    @st.composite
    def build(draw) -> Landscape:
        d = draw(st.integers(max(lo, w_lo), hi))
        w = draw(st.integers(w_lo, min(w_hi, d)))
        comps = [
            Component("well", (draw(gammas), draw(st.sampled_from([1, Fraction(1, 2), 2]))))
            for _ in range(w)
        ]
        comps += [Component("quadratic", (draw(lams), Fraction(2))) for _ in range(d - w)]
        comps = [Component(c.kind, tuple(Fraction(v) for v in c.params)) for c in comps]
        return Landscape(tuple(comps), *_frame(draw, d, rotate, max_center, max_offset))

    return build()


def planted_landscapes(
    *,
    min_dim: int = 1,
    max_dim: int = 3,
    max_roots: int = 3,
    rotate: bool = True,
) -> st.SearchStrategy[Landscape]:
    """Separable polynomial landscapes with planted critical points.

    Each coordinate ``z_i`` has ``p_i' = a_i prod_j (z - r_ij)`` with an odd number
    (``<= max_roots``) of distinct roots in ``{-3, -5/2, ..., 3}`` and ``a_i`` in
    ``{1/2, 1, 2}``: the critical points of ``f`` are exactly the products of the
    roots, their Hessian eigenvalues are the ``p_i''(r_ij)`` (all nonzero), and
    ``ell``, ``rho`` are proved upper bounds on the region.
    """
    lo, hi = _dims(min_dim, max_dim)
    k = check_int("max_roots", max_roots, minimum=1)
    roots = st.integers(-6, 6).map(lambda v: Fraction(v, 2))

    @st.composite
    def component(draw) -> Component:
        n = 2 * draw(st.integers(0, (k - 1) // 2)) + 1
        rs = draw(st.lists(roots, min_size=n, max_size=n, unique=True))
        a = draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2)]))
        return Component("planted", (a, *sorted(rs)))

    @st.composite
    def build(draw) -> Landscape:
        d = draw(st.integers(lo, hi))
        comps = tuple(draw(component()) for _ in range(d))
        return Landscape(comps, *_frame(draw, d, rotate, 0, 0))

    return build()


def matrix_factorizations(*, max_d: int = 3, max_r: int = 2, max_s: int = 3):
    """Small exact matrix factorization instances (``saddlecheck.problems``).

    ``d <= max_d``, ``r <= min(d, max_r)``, ``s`` non-increasing integers in
    ``[1, max_s]`` (``sigma_i = s_i^2``), a rational orthogonal frame from a seed
    in ``[0, 3]``. The constants ``ell, rho, theta, gamma, zeta, alpha, beta``
    are the recalled ones of docs/CLAIMS.md s.4 (tag ``R``).
    """
    from saddlecheck.problems import matrix_factorization

    max_d = check_int("max_d", max_d, minimum=1)
    max_r = check_int("max_r", max_r, minimum=1)
    max_s = check_int("max_s", max_s, minimum=1)

    @st.composite
    def build(draw):
        d = draw(st.integers(1, max_d))
        r = draw(st.integers(1, min(d, max_r)))
        s = sorted(draw(st.lists(st.integers(1, max_s), min_size=r, max_size=r)), reverse=True)
        return matrix_factorization(d, r, seed=draw(st.integers(0, 3)), s=tuple(s))

    return build()


@dataclass(frozen=True)
class QuadraticSaddle:
    """``f = x^T H x / 2``, ``H = Q diag(eigenvalues) Q^T``, with a step ``eta``.

    ``eigenvalues[0] < 0 <= eigenvalues[i]`` and ``|1 - eta lambda_i| <= 1`` for
    the positive ones, so gradient descent from ``x_0 = Q a`` has
    ``f(x_t) = sum_i lambda_i (1 - eta lambda_i)^(2t) a_i^2 / 2`` (CLAIMS T12).
    """

    eigenvalues: tuple[Fraction, ...]
    skew: tuple[int, ...] = ()
    eta: Fraction = Fraction(1, 2)

    def __repr__(self) -> str:
        lam = ", ".join(str(v) for v in self.eigenvalues)
        rot = f", skew={self.skew}" if any(self.skew) else ""
        return f"QuadraticSaddle(eigenvalues=({lam}){rot}, eta={self.eta})"

    @property
    def dim(self) -> int:
        return len(self.eigenvalues)

    @cached_property
    def Q(self) -> list[list[Fraction]]:
        return cayley(self.skew, self.dim)

    def stuck_threshold(self, a_rest, steps: int, f_escape) -> Fraction:
        """Exact ``s*^2``: given ``a_2..a_d = a_rest``, stuck (``f(x_T) > -f_escape``)
        iff ``a_1^2 < s*^2``."""
        lam, eta = self.eigenvalues, self.eta
        rest = sum(
            (v * (1 - eta * v) ** (2 * steps) * Fraction(a) ** 2
             for v, a in zip(lam[1:], a_rest, strict=True)), Fraction(0))  # fmt: skip
        return (2 * Fraction(f_escape) + rest) / (-lam[0] * (1 - eta * lam[0]) ** (2 * steps))


def quadratic_saddles(
    *,
    min_dim: int = 1,
    max_dim: int = 6,
    rotate: bool = True,
    min_gap: object = Fraction(1, 4),
) -> st.SearchStrategy[QuadraticSaddle]:
    """Exact quadratic saddles: one negative eigenvalue, the others ``>= min_gap``.

    Eigenvalues are multiples of 1/4 in ``[min_gap, 2]`` (the negative one in
    ``[-2, -min_gap]``) and ``eta = 1 / (2 max |lambda|)``. Shrinks to the blog's
    ``diag(-1/4, ...)`` family with ``Q = I``.
    """
    lo, hi = _dims(min_dim, max_dim)
    mags = _grid("[min_gap, 2]", to_rational(min_gap, "min_gap"), Fraction(2))

    @st.composite
    def build(draw) -> QuadraticSaddle:
        d = draw(st.integers(lo, hi))
        lam = (-draw(mags), *(draw(mags) for _ in range(d - 1)))
        skew, _, _ = _frame(draw, d, rotate, 0, 0)
        return QuadraticSaddle(lam, skew, 1 / (2 * max(abs(v) for v in lam)))

    return build()


@dataclass(frozen=True)
class StuckPoint:
    """A perturbation ``a`` (eigen coordinates) of a quadratic saddle and the exact outcome."""

    a: tuple[Fraction, ...]
    stuck: bool
    threshold: Fraction  # s*^2

    def __repr__(self) -> str:
        a = ", ".join(f"{float(v):.6g}" for v in self.a)
        return f"StuckPoint(a=({a}), stuck={self.stuck}, s*={math.sqrt(self.threshold):.6g})"


def stuck_points(
    saddle: QuadraticSaddle,
    *,
    r: object,
    steps: int,
    f_escape: object,
    width: int = 2,
) -> st.SearchStrategy[StuckPoint]:
    """Perturbations in and near the stuck region ``{a : f(x_steps) > -f_escape}``.

    ``a_2..a_d`` are drawn on a grid inside the ball of radius ``r/2``; ``a_1`` is
    ``u * s*`` for ``u`` in ``{0, 1/8, ..., width}`` (rounded to a rational), so
    about half the examples are stuck (``u < 1``) and half escape; ``stuck`` is
    decided exactly from ``a_1^2 < s*^2``.
    """
    r = to_rational(r, "r")
    if r <= 0:
        raise InputError(f"r={r} must be > 0")
    steps = check_int("steps", steps, minimum=0)
    width = check_int("width", width, minimum=1)
    d = saddle.dim
    coord = st.integers(-8, 8).map(lambda k: r * Fraction(k, 16 * max(1, math.isqrt(d))))

    @st.composite
    def build(draw) -> StuckPoint:
        rest = tuple(draw(coord) for _ in range(d - 1))
        s2 = saddle.stuck_threshold(rest, steps, f_escape)
        u = Fraction(draw(st.integers(0, 8 * width)), 8)
        s_approx = Fraction(math.isqrt(int(s2 * 2**120)), 2**60)  # sqrt(s2) rounded down
        a1 = u * s_approx
        return StuckPoint((a1, *rest), a1 * a1 < s2, s2)

    return build()


@dataclass(frozen=True)
class ParameterTuple:
    """``(eps, c, delta)`` for Algorithm 2, exact."""

    eps: Fraction
    c: Fraction
    delta: Fraction

    def __repr__(self) -> str:
        return f"ParameterTuple(eps={self.eps}, c={self.c}, delta={self.delta})"


def parameter_tuples(
    *,
    ell: object,
    rho: object,
    max_c: object = Fraction(1, 2),
    saddle_curvature: object = None,
) -> st.SearchStrategy[ParameterTuple]:
    """``(eps, c, delta)`` satisfying Theorem 3's conditions for ``ell``, ``rho``.

    ``eps = eps_max / 2^k`` (``k <= 4``) with ``eps_max = ell^2/rho`` (the theorem's
    ``eps <= ell^2/rho``), or ``min(ell^2, gamma^2/4)/rho`` with
    ``saddle_curvature = gamma``, so that a saddle of curvature ``-gamma`` has
    ``lambda_min <= -2 sqrt(rho eps)``; ``c`` a multiple of 1/8 in ``(0, max_c]``
    (the theorem needs ``c <= c_max``, unknown: the examples state the ``c`` they
    use); ``delta`` in ``{1/10, 1/100, 1/2}``.
    """
    ell, rho = to_rational(ell, "ell"), to_rational(rho, "rho")
    if ell <= 0 or rho <= 0:
        raise InputError(f"ell={ell} and rho={rho} must be > 0")
    max_c = to_rational(max_c, "max_c")
    if not 0 < max_c <= 1:
        raise InputError(f"max_c={max_c} must lie in (0, 1]")
    eps_max = ell * ell / rho
    if saddle_curvature is not None:
        g = to_rational(saddle_curvature, "saddle_curvature")
        if g <= 0:
            raise InputError(f"saddle_curvature={g} must be > 0")
        eps_max = min(eps_max, g * g / (4 * rho))
    steps = math.floor(max_c * 8)  # c = max_c - k/8 for k < steps (shrinks to c = max_c)
    cs = st.integers(0, max(steps - 1, 0)).map(lambda k: max_c - Fraction(k, 8))
    return st.builds(
        ParameterTuple,
        st.integers(0, 4).map(lambda k: eps_max / 2**k),
        cs,
        st.sampled_from([Fraction(1, 10), Fraction(1, 100), Fraction(1, 2)]),
    )


__all__ = [
    "ParameterTuple",
    "QuadraticSaddle",
    "StuckPoint",
    "matrix_factorizations",
    "parameter_tuples",
    "planted_landscapes",
    "quadratic_saddles",
    "strict_saddles",
    "stuck_points",
]

"""The two number types PGD runs on: float64 numpy and mpmath at ``dps`` digits.

:mod:`saddlecheck.solver.algorithms` is written once against the small interface below;
each back end supplies

* ``value_grad(x) -> (f, g)``: ``f(x)`` and its gradient from one compiled
  evaluator (symengine's LLVM ``Lambdify`` for float64, saddlecheck's mpmath
  code generator at ``dps`` digits), sharing common subexpressions;
* ``step(x, eta, g) = x - eta g``, ``add(x, y)``, ``norm(g)``;
* ``ball_point(z, u, r) = r u^(1/d) z / ||z||``: the perturbation from the same
  float64 draws ``z`` (normal) and ``u`` (uniform) on both back ends, the mpmath
  one converting them exactly;
* ``inside(x)``: whether ``x`` lies in the run's box, decided exactly (box
  ends rounded inward to the back end's precision: a float ``x`` satisfies
  ``x >= lo`` iff ``x >= float_up(lo)``).

Vectors are float64 arrays (never written to after creation) or tuples of
``mpf``. The mpmath back end computes inside ``mpmath.workprec``; float64
runs are wrapped in ``numpy.errstate`` so an overflow becomes a non-finite
value that PGD reports, not a warning.
"""

from __future__ import annotations

import math
import weakref
from fractions import Fraction

import mpmath
import numpy as np
import symengine as se

from saddlecheck.arith.backends import BACKENDS
from saddlecheck.arith.compile import compile_exprs
from saddlecheck.arith.rounding import float_down, float_up
from saddlecheck.box import Box
from saddlecheck.objective import Objective

_FLOAT_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MP_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _float_value_grad(obj: Objective):
    """``x -> (f(x), grad f(x))`` in float64 from one compiled function."""
    if obj in _FLOAT_CACHE:
        return _FLOAT_CACHE[obj]
    if obj.engine == "symengine":
        exprs = obj._exprs("value") + obj._exprs("grad")
        lam = se.Lambdify(list(obj._vars), exprs, backend="llvm", cse=True, real=True)

        def value_grad(x):
            out = lam(x)
            return float(out[0]), out[1:]

    else:  # SymPy fallback: two evaluators
        val, grad = obj._lambdified("value"), obj._lambdified("grad")

        def value_grad(x):
            return float(val(x)), np.asarray(grad(x), dtype=np.float64)

    _FLOAT_CACHE[obj] = value_grad
    return value_grad


def _mp_value_grad(obj: Objective, prec: int):
    cache = _MP_CACHE.setdefault(obj, {})
    if prec not in cache:
        with mpmath.workprec(prec):
            fn = compile_exprs(
                obj._exprs("value") + obj._exprs("grad"), obj.dim, BACKENDS["mpmath"], obj.engine
            )

        def value_grad(x):
            out = fn(x)
            return out[0], tuple(out[1:])

        cache[prec] = value_grad
    return cache[prec]


class Float64Backend:
    """float64 numpy vectors; the hot loop's cost is the compiled gradient."""

    name = "float64"
    dps = None

    def __init__(self, obj: Objective, box: Box | None = None):
        self.dim = obj.dim
        self.value_grad = _float_value_grad(obj)
        self._lo = self._hi = None
        if box is not None:
            self._lo = np.array([float_up(lo) for lo, _ in box.intervals])
            self._hi = np.array([float_down(hi) for _, hi in box.intervals])

    def context(self):
        return np.errstate(over="ignore", invalid="ignore", divide="ignore")

    def vector(self, q: tuple[Fraction, ...]) -> np.ndarray:
        return np.array([float(v) for v in q], dtype=np.float64)

    def is_vector(self, x) -> bool:
        return isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == (self.dim,)

    @staticmethod
    def step(x, eta, g):
        return x - eta * g

    @staticmethod
    def add(x, y):
        return x + y

    @staticmethod
    def norm(g) -> float:
        """``||g||``; the squares may overflow (``|g_i| > 1e154``) or underflow where
        the norm does not, so those cases go through ``math.hypot`` (scaled)."""
        s = float(g @ g)
        if 1e-290 < s < math.inf:
            return math.sqrt(s)
        return math.hypot(*g.tolist())

    @staticmethod
    def finite(v) -> bool:
        return math.isfinite(v)

    def ball_point(self, z: np.ndarray, u: float, r: float) -> np.ndarray:
        return z * (r * u ** (1.0 / self.dim) / math.sqrt(float(z @ z)))

    def inside(self, x) -> bool:
        return bool((x >= self._lo).all() and (x <= self._hi).all())

    @staticmethod
    def export(x) -> np.ndarray:
        out = np.array(x, dtype=np.float64)
        out.flags.writeable = False
        return out

    @staticmethod
    def to_float(v) -> float:
        return float(v)


class MpmathBackend:
    """Tuples of ``mpf``; every operation at ``dps`` digits inside ``workprec``."""

    name = "mpmath"

    def __init__(self, obj: Objective, dps: int, box: Box | None = None):
        self.dim = obj.dim
        self.dps = dps
        self.prec = mpmath.libmp.dps_to_prec(dps)
        self.value_grad = _mp_value_grad(obj, self.prec)
        self._box = None
        if box is not None:  # ends rounded inward at the working precision: exact tests
            lo = [self._rounded(q, "c") for q, _ in box.intervals]
            hi = [self._rounded(q, "f") for _, q in box.intervals]
            self._box = tuple(zip(lo, hi, strict=True))

    def _rounded(self, q: Fraction, rnd: str) -> mpmath.mpf:
        """``q`` rounded (``rnd``: nearest, ceiling, floor) to the run's precision.

        ``mpf(...)`` normalises to the *current* precision, so it must be built
        inside ``workprec``: outside it, every x0 was rounded to 53 bits.
        """
        with mpmath.workprec(self.prec):
            return mpmath.mpf(
                mpmath.libmp.from_rational(q.numerator, q.denominator, self.prec, rnd)
            )

    def context(self):
        return mpmath.workprec(self.prec)

    def vector(self, q: tuple[Fraction, ...]) -> tuple:
        return tuple(self._rounded(v, "n") for v in q)

    def is_vector(self, x) -> bool:
        return (
            isinstance(x, tuple)
            and len(x) == self.dim
            and all(isinstance(v, mpmath.mpf) for v in x)
        )

    @staticmethod
    def step(x, eta, g):
        return tuple([a - eta * b for a, b in zip(x, g, strict=True)])

    @staticmethod
    def add(x, y):
        return tuple([a + b for a, b in zip(x, y, strict=True)])

    @staticmethod
    def norm(g):
        return mpmath.sqrt(mpmath.fdot(g, g))

    @staticmethod
    def finite(v) -> bool:
        return mpmath.isfinite(v)

    def ball_point(self, z: np.ndarray, u: float, r) -> tuple:
        zm = [mpmath.mpf(float(v)) for v in z]  # float64 -> mpf is exact
        scale = r * mpmath.root(mpmath.mpf(float(u)), self.dim) / mpmath.sqrt(mpmath.fdot(zm, zm))
        return tuple([v * scale for v in zm])

    def inside(self, x) -> bool:
        return all(lo <= v <= hi for v, (lo, hi) in zip(x, self._box, strict=True))

    @staticmethod
    def export(x) -> np.ndarray:
        return np.array(list(x), dtype=object)

    @staticmethod
    def to_float(v) -> float:
        return float(v)


def backend_for(obj: Objective, dps: int | None, box: Box | None = None):
    """The back end for ``dps`` (``None``: float64)."""
    return Float64Backend(obj, box) if dps is None else MpmathBackend(obj, dps, box)

"""The orthogonal invariance ``f(U R) = f(U)``, verified exactly, and the slice it lets us cover.

Declared as ``{"orthogonal": [["u1_1", "u1_2"], ["u2_1", "u2_2"], ...]}``: a
``d x r`` matrix ``U`` of variables (the other variables are left alone) with
``f(U R) = f(U)`` for every orthogonal ``r x r`` ``R``, as for matrix
factorization ``1/2 ||U U^T - M||_F^2``; ``{"rotation": ...}`` declares only
``R`` in ``SO(r)``.

**Verification** (exact, :func:`verify_orthogonal`). The Givens rotations
``G_ij(phi)`` (columns ``i < j``) generate ``SO(r)``. With ``t = tan(phi/2)``,
``c = (1 - t^2)/(1 + t^2)``, ``s = 2 t/(1 + t^2)``, ``psi(t) = f(U G_ij(t))``
is, for fixed ``U`` where ``f`` is defined, a rational function of one
variable ``t``, defined at ``t = 0`` (so with finitely many poles). Its
derivative is ``(X_ij f)(U G_ij(t))`` times ``dphi/dt``, with the generator
``X_ij f(V) = sum_k (v_kj df/dv_ki - v_ki df/dv_kj)`` (``d/dphi V G_ij(phi) =
V G_ij(phi) E_ij``). The code proves ``X_ij f = 0`` as a rational function
(numerator expanded to 0: symengine for polynomials, else SymPy's
``together``); then ``psi' = 0``, a rational function with zero derivative is
constant, and ``f(U G_ij(t)) - f(U)`` is ``0`` as a rational function of ``t``
and the variables: ``f(U G) = f(U)`` wherever both sides are defined, also at
angle ``pi`` (the limit ``t -> oo``), so for every ``R in SO(r)``. (This is
the identity of the rational parametrisation, proved through its derivative:
substituting ``c(t), s(t)`` and cancelling took 48 s for ``U`` 25 x 2 and over
60 s for 10 x 5; the generator test takes under 0.5 s.) For ``O(r)`` one
reflection is checked too, the sign flip of the last column ``D``
(``O(r) = SO(r) u SO(r) D``). Only rational functions of the variables are
accepted. A nonzero numerator with rational coefficients, or an exact
evaluation at a random rational point and rational ``t``, refutes the
declaration.

**The slice** (:func:`slice_box`). Every ``U`` has an ``R in SO(r)`` with
``U' = U R`` "lower triangular": ``U'[i, j] = 0`` for ``j > i`` and
``U'[i, i] >= 0`` for ``i < r - 1`` (rows ``i < min(d, r)``): rotate row 1 to
``(||u_1||, 0, ..., 0)``; the stabiliser of ``e_1`` is ``SO(r - 1)`` on the
other columns; repeat on row 2, ... With ``O(r)`` also ``U'[r-1, r-1] >= 0``.
``x -> x R`` is an isometry of the variables and ``f(x R) = f(x)``, so
``grad f(x R) = grad f(x) R``, ``Hess f(x R) = R^T Hess f(x) R`` (acting on
``U``), and ``||grad f||``, ``lambda_min(Hess f)`` and the distance to an
``R``-invariant set of minima agree at ``U`` and ``U R``: each strict-saddle
condition holds at ``U`` iff it holds at ``U R``. Rotations keep row norms,
so for ``U`` in a box ``B`` every entry of row ``i`` of ``U'`` lies in
``[-N_i, N_i]``, ``N_i >= max_B ||u_i||`` (a rational rounded up). Proving
the conditions on ``B' = {U'[i, j] = 0 (j > i), U'[i, i] in [0, N_i]
(signed rows), other entries in [-N_i, N_i]}`` (and ``U'[0, 0] = ||u_1|| >=
m_1``, a rational lower bound of ``min_B ||u_1||``; flat coordinates are
``lo == hi == 0``) proves them on ``B``. ``B'`` is not inside ``B``: ``f``
must be proved real and ``C^3`` on ``B'`` (the caller's job), and a
counterexample found in ``B'`` proves ``False`` only once a point of it is
shown to lie in the orbit of ``B`` (:func:`rotate_into`, exact).

The set of minima must be invariant under ``U -> U R``: the set of all local
minima of ``f`` is; a caller's own set (``minima=``) cannot be checked here.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import symengine as se
import sympy

from saddlecheck._validation import InputError
from saddlecheck.box import Box
from saddlecheck.objective import Objective

__all__ = ["OrthogonalSymmetry", "is_orthogonal", "rotate_into", "slice_box", "verify_orthogonal"]

KEYS = ("orthogonal", "rotation")
MAX_NODES = 50_000  # larger formulas are refused rather than expanded for minutes
TIME_LIMIT = 60.0  # seconds for the whole verification (checked between generators)


@dataclass(frozen=True)
class OrthogonalSymmetry:
    """A verified invariance ``f(U R) = f(U)``.

    ``rows[k][j]`` is the index of the variable ``U[k, j]``; ``reflections``
    says whether ``R`` ranges over ``O(r)`` (else ``SO(r)``).
    """

    rows: tuple[tuple[int, ...], ...]
    reflections: bool
    declared: str

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0])


def is_orthogonal(sym: object, names: Sequence[str] = ()) -> bool:
    """Whether ``sym`` declares an orthogonal invariance: a mapping with a key in KEYS.

    A key that is also a variable's name (in ``names``) makes it a signed permutation.
    """
    return isinstance(sym, Mapping) and any(k in sym and k not in names for k in KEYS)


def _parse(obj: Objective, sym: Mapping) -> tuple[tuple[tuple[int, ...], ...], bool]:
    if len(sym) != 1:
        raise InputError(
            f"symmetry={sym!r}: an orthogonal declaration has one key, 'orthogonal' or "
            "'rotation', mapping to a d x r matrix of variable names"
        )
    key, value = next(iter(sym.items()))
    what = f"symmetry={sym!r}"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise InputError(f"{what}: {key!r} must map to a non-empty list of rows of variable names")
    names = obj.variable_names
    rows, seen = [], set()
    for k, row in enumerate(value):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or not row:
            raise InputError(f"{what}: row {k} = {row!r} must be a non-empty list of names")
        if len(row) != len(value[0]):
            raise InputError(
                f"{what}: row {k} has {len(row)} entries, row 0 has {len(value[0])}; "
                "the matrix U must be d x r"
            )
        idx = []
        for name in row:
            n = str(name).strip()
            if n not in names:
                raise InputError(
                    f"{what}: {name!r} is not a variable of f (variables: {', '.join(names)})"
                )
            if n in seen:
                raise InputError(f"{what}: {n!r} appears twice in the matrix U")
            seen.add(n)
            idx.append(names.index(n))
        rows.append(tuple(idx))
    return tuple(rows), key == "orthogonal"


def _givens(rows, i: int, j: int, c, s) -> dict[int, tuple]:
    """``U -> U G_ij``: column ``i`` becomes ``c u_i + s u_j``, column ``j`` ``-s u_i + c u_j``."""
    return {row[i]: ((c, row[i]), (s, row[j])) for row in rows} | {
        row[j]: ((-s, row[i]), (c, row[j])) for row in rows
    }


def _reflection(rows) -> tuple[str, dict[int, tuple]]:
    """``U -> U D``, ``D = diag(1, ..., 1, -1)``: the last column changes sign."""
    return "the sign flip of the last column", {row[-1]: ((-1, row[-1]),) for row in rows}


def _refute(obj: Objective, rows, reflections: bool) -> str | None:
    """An exact evaluation at a random rational point showing ``f(U G) != f(U)``, or ``None``."""
    if not obj.is_rational:
        return None
    rng = random.Random(20261130)
    r = len(rows[0])
    moves = [(f"G_{i + 1}{j + 1}(t={t})", _givens(rows, i, j, (1 - t * t) / (1 + t * t),
                                                  2 * t / (1 + t * t)))
             for i, j in itertools.combinations(range(r), 2)
             for t in (Fraction(rng.randint(-9, 9), rng.randint(1, 9)),)]  # fmt: skip
    if reflections:
        moves.append(_reflection(rows))
    for _ in range(2):
        x = [Fraction(rng.randint(-20, 20), rng.randint(1, 7)) for _ in obj.variables]
        try:
            fx = obj.exact("value", x)
        except InputError:
            continue
        for label, move in moves:
            y = list(x)
            for k, terms in move.items():
                y[k] = sum((a * x[m] for a, m in terms), Fraction(0))
            try:
                fy = obj.exact("value", y)
            except InputError:
                continue
            if fy != fx:
                point = ", ".join(f"{n}={v}" for n, v in zip(obj.variable_names, x, strict=True))
                return f"f(U R) = {fy} but f(U) = {fx} at {point} for R = {label}"
    return None


def verify_orthogonal(obj: Objective, sym: Mapping) -> OrthogonalSymmetry:
    """Prove ``f(U R) = f(U)`` for every ``R`` in ``O(r)`` (``"orthogonal"``) or ``SO(r)``.

    Raises:
        InputError: a malformed declaration (unknown or repeated names, rows of
            different lengths), ``f`` not invariant (a refuting point or a
            nonzero numerator), or invariance that could not be proved (``f``
            not rational in the variables, a formula too large, over
            ``TIME_LIMIT`` seconds).

    Examples:
        >>> f = Objective("(a**2 + b**2 - 1)**2 + c**2")
        >>> verify_orthogonal(f, {"orthogonal": [["a", "b"]]}).shape
        (1, 2)
    """
    rows, reflections = _parse(obj, sym)
    what = f"symmetry={sym!r}"
    expr, xs = obj.expr, obj.variables
    if not expr.is_rational_function(*xs):
        raise InputError(
            f"{what} could not be verified: saddlecheck proves f(U R) = f(U) only for rational "
            "functions of the variables; drop the declaration"
        )
    bad = _refute(obj, rows, reflections)
    if bad is not None:
        raise InputError(f"{what} does not hold: {bad}; drop or correct the declaration")
    if sum(1 for _ in sympy.preorder_traversal(expr)) > MAX_NODES:
        raise InputError(
            f"{what} could not be verified: f has more than {MAX_NODES} nodes; drop the declaration"
        )
    start = time.monotonic()
    engine = _Engine(obj)
    checks = [(f"the rotations G_{i + 1}{j + 1}", i, j)
              for i, j in itertools.combinations(range(len(rows[0])), 2)]  # fmt: skip
    checks += [("the sign flip of the last column", -1, -1)] if reflections else []
    for label, i, j in checks:
        if time.monotonic() - start > TIME_LIMIT:
            raise InputError(
                f"{what} could not be verified within {TIME_LIMIT:.0f} s; drop the declaration"
            )
        zero, num = engine.along(rows, i, j) if i >= 0 else engine.flipped(rows)
        if not zero:
            proved = obj.is_rational  # a nonzero expanded polynomial with rational coefficients
            raise InputError(
                f"{what} "
                + ("does not hold" if proved else "could not be verified")
                + f": for {label}, {'X f' if i >= 0 else 'f(U D) - f(U)'} has the numerator "
                f"{num[:200]}, not 0; drop or correct the declaration"
            )
    return OrthogonalSymmetry(rows, reflections, repr(dict(sym)))


class _Engine:
    """Exact zero tests of ``X_ij f`` and ``f(U D) - f(U)``: symengine for polynomials, else SymPy.

    ``X_ij f(U) = sum_k (u_kj df/du_ki - u_ki df/du_kj)`` is ``d/dphi f(U G_ij(phi))`` at
    ``phi = 0``; a numerator that expands to 0 is the identity ``X_ij f = 0``.
    """

    def __init__(self, obj: Objective):
        self.xs, self.expr = obj.variables, obj.expr
        self.se = None
        if obj.expr.is_polynomial(*obj.variables):
            try:
                self.se = (se.sympify(obj.expr), [se.sympify(x) for x in obj.variables])
            except Exception:  # symengine cannot express it: SymPy below
                self.se = None

    def _zero(self, fn) -> tuple[bool, str]:
        if self.se is not None:
            f, xs = self.se
            num = se.expand(fn(f, xs, lambda e, x: e.diff(x)))
            return num == 0, str(num)
        num = sympy.expand(sympy.fraction(sympy.together(fn(self.expr, self.xs, sympy.diff)))[0])
        return num == 0 or sympy.simplify(num) == 0, sympy.sstr(num)

    def along(self, rows, i: int, j: int) -> tuple[bool, str]:
        def x_ij(f, xs, d):
            terms = (xs[row[j]] * d(f, xs[row[i]]) - xs[row[i]] * d(f, xs[row[j]]) for row in rows)
            return sum(terms, 0 * xs[0])

        return self._zero(x_ij)

    def flipped(self, rows) -> tuple[bool, str]:
        return self._zero(lambda f, xs, d: f.subs({xs[row[-1]]: -xs[row[-1]] for row in rows}) - f)


def _sqrt(q: Fraction, up: bool, bits: int = 10) -> Fraction:
    """A rational ``>= sqrt(q)`` (``up``) or ``<= sqrt(q)``: exact for rational squares,
    else within ``2^-bits``."""
    p, r = math.isqrt(q.numerator), math.isqrt(q.denominator)
    if p * p == q.numerator and r * r == q.denominator:
        return Fraction(p, r)
    scale = 4**bits
    if not up:
        return Fraction(math.isqrt(q.numerator * scale // q.denominator), 2**bits)
    n = -(-q.numerator * scale // q.denominator)  # ceil(q * 4^bits)
    root = math.isqrt(n)
    return Fraction(root + (root * root < n), 2**bits)


def slice_box(sym: OrthogonalSymmetry, box: Box) -> tuple[Box, str]:
    """The box ``B'`` of rotated representatives of ``box`` (see the module docstring).

    Returns:
        ``(B', note)``. Every ``U`` in ``box`` has ``U R`` in ``B'`` for some
        ``R`` in the verified group; ``B'`` need not lie inside ``box``.

    Examples:
        >>> f = Objective("(a**2 + b**2 - 1)**2")
        >>> slice_box(verify_orthogonal(f, {"orthogonal": [["a", "b"]]}), Box([(-3, 4), (0, 0)]))[0]
        Box([(0, 4), (0, 0)])
    """
    iv = list(box.intervals)
    d, r = sym.shape
    for k, row in enumerate(sym.rows):
        ends = [iv[m] for m in row]
        n = _sqrt(sum((max(lo * lo, hi * hi) for lo, hi in ends), Fraction(0)), True)
        low = Fraction(0)
        if k == 0:  # U'[0, 0] = ||u_1||: also bounded below
            low = _sqrt(sum((min(lo * lo, hi * hi) for lo, hi in ends if lo * hi > 0),
                            Fraction(0)), False)  # fmt: skip
        for j, m in enumerate(row):
            if k < r and j > k:
                iv[m] = (Fraction(0), Fraction(0))
            elif k < r and j == k and (k < r - 1 or sym.reflections):
                iv[m] = (low, n)
            else:
                iv[m] = (-n, n)
    out = Box(iv)
    flat = r * (r - 1) // 2 if d >= r else sum(r - 1 - k for k in range(d))
    return out, (
        f"{sym.declared}: verified; covering the slice {out} ({flat} coordinates fixed at 0; "
        "rows rotated to lower-triangular form, entries bounded by the rows' norms)"
    )


def _rotations(r: int, angles: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """``(n, r, r)``: the products of Givens rotations, one row of ``angles`` each (floats)."""
    out = np.broadcast_to(np.eye(r), (len(angles), r, r)).copy()
    for p, (i, j) in enumerate(itertools.combinations(range(r), 2)):
        c, s = np.cos(angles[:, p]), np.sin(angles[:, p])
        ci, cj = out[:, :, i].copy(), out[:, :, j].copy()
        out[:, :, i] = ci * c[:, None] + cj * s[:, None]
        out[:, :, j] = -ci * s[:, None] + cj * c[:, None]
    out[flip, :, -1] *= -1
    return out


def _exact_rotation(
    r: int, angles: Sequence[float], flip: bool, den: int = 10**6
) -> list[list[Fraction]]:
    """An exactly orthogonal rational matrix near :func:`_rotation` (rational ``tan(phi/2)``)."""
    out = [[Fraction(int(a == b)) for b in range(r)] for a in range(r)]
    for (i, j), phi in zip(itertools.combinations(range(r), 2), angles, strict=True):
        if abs(math.cos(phi / 2)) < 1e-9:
            c, s = Fraction(-1), Fraction(0)
        else:
            t = Fraction(math.tan(phi / 2)).limit_denominator(den)
            c, s = (1 - t * t) / (1 + t * t), 2 * t / (1 + t * t)
        for row in out:  # row @ G_ij
            row[i], row[j] = c * row[i] + s * row[j], -s * row[i] + c * row[j]
    if flip:
        for row in out:
            row[-1] = -row[-1]
    return out


def rotate_into(
    sym: OrthogonalSymmetry, box: Box, x: Sequence[Fraction], tries: int = 2000
) -> tuple[Fraction, ...] | None:
    """A point ``x R`` inside ``box`` (checked exactly), ``R`` in the verified group, or ``None``.

    A float search over products of Givens rotations (a grid of ``tries``
    angles for ``r = 2``, seeded random angles otherwise) picks candidates; each is made exactly
    orthogonal with rational ``tan(phi/2)`` and the image is tested exactly.
    ``None`` proves nothing (no rotation was found, not that none exists).
    """
    r = sym.shape[1]
    rows = sym.rows
    moved = {m for row in rows for m in row}
    iv = box.intervals
    if any(not iv[k][0] <= v <= iv[k][1] for k, v in enumerate(x) if k not in moved):
        return None
    n = r * (r - 1) // 2
    if r == 2:
        angles = (2 * math.pi / tries) * np.arange(tries, dtype=float)[:, None]
    else:
        angles = np.random.default_rng(0).uniform(-math.pi, math.pi, size=(tries if n else 1, n))
    flips = [False, True] if sym.reflections else [False]
    angles = np.concatenate([angles] * len(flips))
    flip = np.repeat(np.array(flips), len(angles) // len(flips))
    U = np.array([[float(x[m]) for m in row] for row in rows])
    lo = np.array([[float(iv[m][0]) for m in row] for row in rows])
    hi = np.array([[float(iv[m][1]) for m in row] for row in rows])
    half = np.maximum((hi - lo) / 2, 1e-300)
    images = np.einsum("kj,njl->nkl", U, _rotations(r, angles, flip))
    scores = np.max(np.abs(images - (hi + lo) / 2) / half, axis=(1, 2))
    for pick in np.argsort(scores)[:8]:
        if scores[pick] > 1.0 + 1e-6:
            break
        for den in (100, 10**4, 10**6):  # short fractions first: a readable point
            R = _exact_rotation(r, angles[pick], bool(flip[pick]), den)
            y = list(x)
            for row in rows:
                for j, m in enumerate(row):
                    y[m] = sum((Fraction(x[row[a]]) * R[a][j] for a in range(r)), Fraction(0))
            if all(lo_ <= v <= hi_ for v, (lo_, hi_) in zip(y, iv, strict=True)):
                return tuple(y)
    return None

"""Declared symmetries of ``f``, verified symbolically, and the box they let a covering skip.

A symmetry is a signed permutation of the variables, ``sigma(x)_i = s_i x_{p(i)}``
with ``s_i = +-1``, declared as a mapping ``{"x": "-x", "y": "z", "z": "y"}``
(variables not named are fixed). It is an isometry, so when ``f(sigma x) = f(x)``
for all ``x`` (checked exactly: the difference expands to 0):

* ``grad f(sigma x) = sigma grad f(x)`` and ``Hess f(sigma x) = sigma Hess f(x) sigma^T``,
  so ``||grad f||`` and ``lambda_min`` agree at ``x`` and ``sigma x``;
* ``sigma`` maps local minima to local minima, so ``dist(sigma x, minima) =
  dist(x, minima)``.

Each of the three strict-saddle conditions therefore holds at ``sigma x`` iff it
holds at ``x``. If ``sigma`` negates variable ``k`` (``sigma(x)_k = -x_k``) and
maps the box onto itself, the box is the union of its half ``x_k >= 0`` and
that half's image, so proving the conditions on the half proves them on the
box (:func:`fundamental_box`). Several symmetries halve the box again when
each one also keeps the halves already chosen (it fixes their variables).
The distance condition uses the set of *all* local minima of ``f``
(invariant); a caller's own set of minima (``minima=``) must be invariant
too, which cannot be checked here.

An orthogonal invariance ``{"orthogonal": [[...], ...]}`` (``f(U R) = f(U)``,
:mod:`saddlecheck.landscape.orthogonal`) replaces the box by a slice that is
not inside it. :func:`reduce_box` applies the declarations in order (each
step's box proves the previous one) and returns a :class:`Reduction`, which
also brings a counterexample found in the covered box back into the box.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from saddlecheck._validation import InputError
from saddlecheck.box import Box, check_box
from saddlecheck.landscape.bnb import check_evaluable
from saddlecheck.landscape.orthogonal import (
    OrthogonalSymmetry,
    is_orthogonal,
    rotate_into,
    slice_box,
    verify_orthogonal,
)
from saddlecheck.objective import Objective

__all__ = ["Reduction", "fundamental_box", "reduce_box", "verify_symmetry"]


def _parse(obj: Objective, sym: object) -> tuple[tuple[int, int], ...]:
    """``((sign, source index), ...)`` per variable: ``sigma(x)_i = sign * x_source``."""
    if not isinstance(sym, Mapping):
        raise InputError(
            f"symmetry={sym!r} must be a mapping of variables to +-variables, e.g. "
            "{'x': '-x'} or {'x': 'y', 'y': 'x'}"
        )
    names = obj.variable_names
    out = [(1, i) for i in range(len(names))]
    for key, value in sym.items():
        k, v = str(key).strip(), str(value).replace(" ", "")
        sign = -1 if v.startswith("-") else 1
        v = v.lstrip("+-")
        if k not in names or v not in names:
            raise InputError(
                f"symmetry={sym!r}: {k!r} -> {value!r} names a variable f does not have "
                f"(variables: {', '.join(names)})"
            )
        out[names.index(k)] = (sign, names.index(v))
    if sorted(src for _, src in out) != list(range(len(names))):
        raise InputError(f"symmetry={sym!r} is not a signed permutation of the variables")
    return tuple(out)


def verify_symmetry(obj: Objective, sym: object) -> tuple[tuple[int, int], ...]:
    """Check ``f(sigma x) = f(x)`` exactly; return ``sigma`` as ``((sign, source), ...)``.

    Raises:
        InputError: not a signed permutation, unknown variables, or ``f`` not
            invariant (or invariance not provable by expansion/simplification).

    Examples:
        >>> verify_symmetry(Objective("x**4/4 - x**2/2 + y**2/2"), {"y": "-y"})
        ((1, 0), (-1, 1))
    """
    sigma = _parse(obj, sym)
    xs = obj.variables
    moved = obj.expr.xreplace({xs[i]: s * xs[src] for i, (s, src) in enumerate(sigma)})
    diff = sympy.expand(moved - obj.expr)
    if diff != 0 and sympy.simplify(diff) != 0:
        raise InputError(
            f"symmetry={sym!r} does not hold: f(sigma x) - f(x) = {sympy.sstr(diff)[:200]} "
            "is not 0; drop or correct the declaration"
        )
    return sigma


@dataclass(frozen=True)
class Reduction:
    """What a covering of ``cover`` proves: the three conditions on ``cover`` give them on ``box``.

    ``cover`` lies inside ``box`` unless an orthogonal invariance was used
    (``rotations``); then a counterexample found in ``cover`` must be brought
    back into ``box`` (:meth:`inside`) before it proves anything.
    """

    box: Box
    cover: Box
    notes: tuple[str, ...]
    rotations: tuple[OrthogonalSymmetry, ...] = ()

    def inside(self, found: Box) -> Box | None:
        """A counterexample box inside ``box`` from one found in ``cover``, or ``None``.

        Every point of ``found`` fails all three conditions, so does every point
        of its part inside ``box``, and (by the verified invariance, with an
        invariant set of minima) every image ``x R`` of its centre ``x``:
        the part of ``found`` in ``box``, else the point ``x R`` when one is
        proved to lie in ``box`` (:func:`~saddlecheck.landscape.orthogonal.rotate_into`).
        """
        part = found.intersect(self.box)
        if part is not None:
            return part
        x = found.midpoint()
        for sym in self.rotations:
            y = rotate_into(sym, self.box, x)
            if y is not None:
                return Box([(v, v) for v in y])
        return None


def reduce_box(
    obj: Objective, box: object, symmetries: Sequence[object], *, minima_given: bool = True
) -> Reduction:
    """Apply the declared symmetries in order: each step's box proves the previous one.

    A signed permutation halves the box (see the module docstring); an
    orthogonal declaration replaces it by its slice
    (:func:`~saddlecheck.landscape.orthogonal.slice_box`), on which ``f`` is
    then proved real and ``C^3``.

    Raises:
        InputError: a symmetry that does not hold or could not be verified, a
            box of the wrong dimension, ``f`` not proved ``C^3`` on the slice,
            or an orthogonal declaration with ``minima_given=False``.
    """
    box = check_box(box, obj.dim)
    if isinstance(symmetries, (Mapping, str, bytes)):
        symmetries = [symmetries]
    iv = list(box.intervals)
    halved: set[int] = set()
    notes: list[str] = []
    rotations: list[OrthogonalSymmetry] = []
    for sym in symmetries:
        if is_orthogonal(sym, obj.variable_names):
            if not minima_given:
                raise InputError(
                    f"symmetry={sym!r} needs minima= (a proved distance bound to an invariant "
                    "set of minima): the automatic minima search sees the orbits U R of the "
                    "minima as continua it cannot decide"
                )
            rot = verify_orthogonal(obj, sym)
            sliced, note = slice_box(rot, Box(iv))
            if not _smaller(sliced, Box(iv)):
                notes.append(f"{sym!r}: verified, not used (its slice {sliced} fixes no "
                             "coordinate and has no smaller volume than the box)")  # fmt: skip
                continue
            check_evaluable(obj, sliced, f"the slice {sliced} of the declaration {sym!r}")
            iv, halved = sliced.intervals, set()
            rotations.append(rot)
            notes.append(note)
            continue
        sigma = verify_symmetry(obj, sym)
        maps_box = all(
            ((-iv[src][1], -iv[src][0]) if s < 0 else iv[src]) == iv[i]
            for i, (s, src) in enumerate(sigma)
        )  # sigma(box) = box: the range of s * x_src is the range of x_i
        keeps = all(sigma[k] == (1, k) for k in halved)
        neg = [k for k, (s, src) in enumerate(sigma)
               if s < 0 and src == k and k not in halved and iv[k][0] < 0]  # fmt: skip
        if not (maps_box and keeps and neg):
            notes.append(f"{sym!r}: verified, not used (it must map the box onto itself, "
                         "negate a variable and fix the variables already halved)")  # fmt: skip
            continue
        k = neg[0]
        iv[k] = (Fraction(0), iv[k][1])
        halved.add(k)
        notes.append(f"{sym!r}: verified; covering {obj.variable_names[k]} >= 0 only")
    return Reduction(box, Box(iv), tuple(notes), tuple(rotations))


def _smaller(cover: Box, box: Box) -> bool:
    """``cover`` fixes a coordinate ``box`` does not, or has the same flat ones and less volume."""
    flat = [w == 0 for w in cover.widths]
    if flat != [w == 0 for w in box.widths]:
        return sum(flat) > sum(w == 0 for w in box.widths)
    return math.prod(w for w in cover.widths if w) < math.prod(w for w in box.widths if w)


def fundamental_box(
    obj: Objective, box: object, symmetries: Sequence[object]
) -> tuple[Box, list[str]]:
    """A box whose images under the verified symmetries cover ``box`` (:func:`reduce_box`).

    Returns:
        ``(reduced box, notes)``: one note per symmetry used or skipped. The
        box lies inside ``box`` unless an orthogonal invariance was declared.

    Raises:
        InputError: a symmetry that does not hold (see :func:`verify_symmetry`
            and :func:`~saddlecheck.landscape.orthogonal.verify_orthogonal`),
            or a box of the wrong dimension.

    Examples:
        >>> obj = Objective("x**4/4 - x**2/2 + y**2/2")
        >>> fundamental_box(obj, Box([(-2, 2), (-2, 2)]), [{"x": "-x"}, {"y": "-y"}])[0]
        Box([(0, 2), (0, 2)])
    """
    red = reduce_box(obj, box, symmetries)
    return red.cover, list(red.notes)

"""Axis-aligned boxes ``[lo_1, hi_1] x ... x [lo_d, hi_d]`` with exact ends.

Box ends are exact rationals (a float end is the rational it represents), so a
proof about a box is a proof about exactly the region the user wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from saddlecheck._validation import InputError, check_point, to_rational


class Box:
    """A closed axis-aligned box.

    Args:
        intervals: ``[(lo, hi), ...]``, one pair per variable, ``lo <= hi``,
            finite real numbers (ints, floats, Fractions, strings like "1/3"),
            read exactly (see :func:`~saddlecheck._validation.to_rational`).
            ``lo == hi`` is allowed here and makes the box flat in that
            coordinate (a face, or a point): the analyses split boxes into
            such pieces. Boxes a user gives as text (:meth:`from_string`) and
            ``check_box(..., interior=True)`` refuse them: an analysis box
            needs ``lo < hi`` in every coordinate.

    Raises:
        InputError: empty, ``lo > hi``, NaN/inf or non-numeric ends, pairs that
            are not pairs.

    Examples:
        >>> box = Box([(-2, 2), (0, 0.5)])
        >>> box.dim, box.intervals[1]
        (2, (Fraction(0, 1), Fraction(1, 2)))
        >>> left, right = box.bisect()
        >>> left
        Box([(-2, 0), (0, 0.5)])
        >>> box.contains([0, 0.25]), box.contains([3, 0])
        (True, False)
    """

    __slots__ = ("_iv",)

    def __init__(self, intervals: Iterable):
        if isinstance(intervals, Box):
            intervals = intervals.intervals
        try:
            pairs = list(intervals)
        except TypeError:
            raise InputError(f"intervals={intervals!r} is not a list of (lo, hi) pairs") from None
        if not pairs:
            raise InputError("a Box needs at least one (lo, hi) interval")
        out = []
        for i, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
                raise InputError(f"interval {i} is {pair!r}; each interval is a pair (lo, hi)")
            lo = to_rational(pair[0], f"intervals[{i}][0]")
            hi = to_rational(pair[1], f"intervals[{i}][1]")
            if lo > hi:
                raise InputError(f"interval {i} has lo={pair[0]!r} > hi={pair[1]!r}; swap the ends")
            out.append((lo, hi))
        self._iv = tuple(out)

    @classmethod
    def from_string(cls, text: str) -> Box:
        """Parse ``"-2:2,-1:1"`` (one ``lo:hi`` per variable, ``lo < hi``, as on the command line).

        >>> Box.from_string("-2:2, 0:1/2")
        Box([(-2, 2), (0, 0.5)])

        Raises:
            InputError: not a string, a part that is not ``lo:hi``, ``lo >= hi``
                (``"1:1"`` has an empty interior), or a bad number.
        """
        if not isinstance(text, str):
            raise InputError(f"box={text!r} is not a string; write it like '-2:2,-2:2'")
        try:
            return check_box(cls([tuple(part.split(":")) for part in text.split(",")]), None,
                             interior=True)  # fmt: skip
        except InputError as exc:
            raise InputError(f"box {text!r}: {exc}; write it like '-2:2,-2:2'") from None

    @classmethod
    def around(cls, center: Sequence, radius: object) -> Box:
        """The box ``center +- radius`` in every coordinate."""
        r = to_rational(radius, "radius")
        if r < 0:
            raise InputError(f"radius={radius!r} must be >= 0")
        c = check_point(center, len(center))
        return cls([(ci - r, ci + r) for ci in c])

    # -- views ---------------------------------------------------------------
    @property
    def intervals(self) -> list[tuple[Fraction, Fraction]]:
        """``[(lo, hi), ...]`` as exact Fractions."""
        return list(self._iv)

    @property
    def dim(self) -> int:
        return len(self._iv)

    @property
    def lower(self) -> tuple[Fraction, ...]:
        return tuple(lo for lo, _ in self._iv)

    @property
    def upper(self) -> tuple[Fraction, ...]:
        return tuple(hi for _, hi in self._iv)

    @property
    def widths(self) -> tuple[Fraction, ...]:
        return tuple(hi - lo for lo, hi in self._iv)

    def midpoint(self) -> tuple[Fraction, ...]:
        return tuple((lo + hi) / 2 for lo, hi in self._iv)

    def max_width(self) -> Fraction:
        return max(self.widths)

    # -- operations ------------------------------------------------------------
    def contains(self, x: Sequence) -> bool:
        """Whether the exact point ``x`` lies in the closed box."""
        q = check_point(x, self.dim)
        return all(lo <= v <= hi for v, (lo, hi) in zip(q, self._iv, strict=True))

    def contains_box(self, other: Box) -> bool:
        check_box(other, self.dim)
        return all(a <= c and d <= b for (a, b), (c, d) in zip(self._iv, other._iv, strict=True))

    def bisect(self, axis: int | None = None) -> tuple[Box, Box]:
        """Split in half along ``axis`` (default: the widest, lowest index first)."""
        if axis is None:
            widths = self.widths
            axis = widths.index(max(widths))
        if not 0 <= axis < self.dim:
            raise InputError(f"axis={axis!r} must be in 0..{self.dim - 1}")
        lo, hi = self._iv[axis]
        mid = (lo + hi) / 2
        left, right = list(self._iv), list(self._iv)
        left[axis], right[axis] = (lo, mid), (mid, hi)
        return _exact_box(left), _exact_box(right)

    def enlarge(self, margin: object) -> Box:
        """The box grown by ``margin >= 0`` on every side."""
        m = to_rational(margin, "margin")
        if m < 0:
            raise InputError(f"margin={margin!r} must be >= 0")
        return Box([(lo - m, hi + m) for lo, hi in self._iv])

    def intersect(self, other: Box) -> Box | None:
        """The common part, or ``None`` when the boxes are disjoint."""
        check_box(other, self.dim)
        out = [(max(a, c), min(b, d)) for (a, b), (c, d) in zip(self._iv, other._iv, strict=True)]
        return Box(out) if all(lo <= hi for lo, hi in out) else None

    # -- data --------------------------------------------------------------------
    def to_json(self) -> list[list[str]]:
        """Exact ends as strings ``"p/q"`` (JSON-safe, lossless)."""
        return [[str(lo), str(hi)] for lo, hi in self._iv]

    @classmethod
    def from_json(cls, data: object) -> Box:
        return cls(data)  # strings "p/q" are read exactly

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and self._iv == other._iv

    def __hash__(self) -> int:
        return hash(self._iv)

    def __repr__(self) -> str:
        return "Box([" + ", ".join(f"({_short(lo)}, {_short(hi)})" for lo, hi in self._iv) + "])"


def _short(q: Fraction) -> str:
    """A readable end: an integer, an exact short decimal, or the fraction."""
    if q.denominator == 1:
        return str(q.numerator)
    f = float(q)
    return repr(f) if Fraction(f) == q else f"'{q}'"


def _exact_box(intervals: list[tuple[Fraction, Fraction]]) -> Box:
    """A Box from pairs already validated (exact Fractions, ``lo <= hi``): no re-checks.

    The branch-and-bound drivers bisect hundreds of thousands of boxes; the
    halves of a valid box are valid.
    """
    box = object.__new__(Box)
    box._iv = tuple(intervals)
    return box


def check_box(box: object, dim: int | None, name: str = "box", *, interior: bool = False) -> Box:
    """``box`` as a :class:`Box` of dimension ``dim`` (lists of pairs accepted).

    With ``interior=True`` every interval must have ``lo < hi`` (a box with an
    empty interior, such as ``1:1``, is refused rather than analysed as flat).
    """
    if not isinstance(box, Box):
        box = Box(box)
    if interior:
        for i, (lo, hi) in enumerate(box.intervals):
            if lo == hi:
                raise InputError(
                    f"{name} interval {i} is [{lo}, {hi}], which has an empty interior; "
                    "give lo < hi (to study a point, use certify_sosp at that point)"
                )
    if dim is None:
        return box
    if box.dim != dim:
        raise InputError(
            f"{name} has dimension {box.dim} but the objective has {dim} variables; "
            f"pass {dim} (lo, hi) intervals"
        )
    return box

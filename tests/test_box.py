"""Box: exact ends, validation, bisection, containment."""

import math
from fractions import Fraction

import pytest

import saddlecheck as sc
from saddlecheck.box import check_box


def test_ends_are_exact_rationals():
    box = sc.Box([(0.1, 0.2), ("1/3", 1)])
    assert box.intervals[0] == (Fraction(0.1), Fraction(0.2))
    assert box.intervals[1] == (Fraction(1, 3), Fraction(1))
    assert box.dim == 2
    assert box.midpoint() == ((Fraction(0.1) + Fraction(0.2)) / 2, Fraction(2, 3))


def test_bisect_splits_widest_axis_exactly_and_children_cover_parent():
    box = sc.Box([(0, 1), (-2, 2)])
    left, right = box.bisect()
    assert left.intervals == [(0, 1), (-2, 0)] and right.intervals == [(0, 1), (0, 2)]
    assert box.contains_box(left) and box.contains_box(right)
    a, b = box.bisect(axis=0)
    assert a.upper[0] == b.lower[0] == Fraction(1, 2)
    with pytest.raises(sc.InputError, match="axis"):
        box.bisect(axis=2)


def test_contains_is_closed_and_exact():
    box = sc.Box([(0, 0.1)])
    assert box.contains([0.1]) and box.contains([0])
    assert not box.contains([math.nextafter(0.1, 1)])
    with pytest.raises(sc.InputError):
        box.contains([0, 0])


def test_enlarge_intersect_around_and_string_form():
    box = sc.Box([(0, 1), (0, 1)])
    assert box.enlarge(0.5).intervals == [(-0.5, 1.5), (-0.5, 1.5)]
    assert box.intersect(sc.Box([(0.5, 2), (1, 3)])).intervals == [(0.5, 1), (1, 1)]
    assert box.intersect(sc.Box([(2, 3), (0, 1)])) is None
    assert sc.Box.around([1, 2], "1/2").intervals == [(0.5, 1.5), (1.5, 2.5)]
    assert sc.Box.from_string("-2:2,-1:1/2") == sc.Box([(-2, 2), (-1, 0.5)])
    assert sc.Box.from_json(box.to_json()) == box
    assert hash(box) == hash(sc.Box([(0, 1), (0, 1)]))


@pytest.mark.parametrize(
    "intervals, fragment",
    [
        ([], "at least one"),
        ([(1, 0)], "lo=1 > hi=0"),
        ([(math.nan, 1)], "not finite"),
        ([(0, math.inf)], "not finite"),
        ([(0, 1, 2)], "pair"),
        (["ab"], "pair"),
        ([("a", 1)], "not a number"),
        (5, "not a list"),
        ([(0, 1j)], "complex"),
    ],
)
def test_bad_boxes_raise_input_error(intervals, fragment):
    with pytest.raises(sc.InputError) as info:
        sc.Box(intervals)
    assert fragment in str(info.value), str(info.value)


def test_bad_strings_and_dimensions():
    with pytest.raises(sc.InputError, match="write it like"):
        sc.Box.from_string("-2..2")
    with pytest.raises(sc.InputError, match="dimension 1 but the objective has 2"):
        check_box([(0, 1)], 2)
    with pytest.raises(sc.InputError, match="margin"):
        sc.Box([(0, 1)]).enlarge(-1)

"""Declared symmetries: verified exactly, a wrong one refused, the fundamental box sound."""

from __future__ import annotations

import pytest

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.landscape.symmetry import fundamental_box, verify_symmetry
from saddlecheck.problems import get

TOY = Objective("x**4/4 - x**2/2 + y**2/2")
SQUARE = Box([(-2, 2), (-2, 2)])


def test_sign_flips_halve_the_box_each():
    box, notes = fundamental_box(TOY, SQUARE, [{"x": "-x"}, {"y": "-y"}])
    assert box == Box([(0, 2), (0, 2)]) and all("verified" in n for n in notes)


@pytest.mark.parametrize(
    "sym, match",
    [
        ({"x": "y", "y": "x"}, "does not hold"),  # the toy is not symmetric under a swap
        ({"x": "-y"}, "not a signed permutation"),
        ({"w": "-w"}, "names a variable"),
        ("x -> -x", "must be a mapping"),
    ],
)
def test_a_wrong_declaration_is_refused(sym, match):
    with pytest.raises(InputError, match=match):
        fundamental_box(TOY, SQUARE, [sym])


def test_a_symmetry_that_does_not_map_the_box_onto_itself_is_not_used():
    box, notes = fundamental_box(TOY, Box([(-1, 2), (-2, 2)]), [{"x": "-x"}])
    assert box == Box([(-1, 2), (-2, 2)]) and "not used" in notes[0]


def test_matrix_factorization_is_invariant_under_u_to_minus_u():
    mf = get("matrix-factorization", d=2, r=2)
    flip = {v: f"-{v}" for v in mf.objective.variable_names}
    assert all(s == -1 for s, _ in verify_symmetry(mf.objective, flip))
    box, _ = fundamental_box(mf.objective, mf.box, [flip])
    assert box.intervals[0][0] == 0 and box.intervals[1:] == mf.box.intervals[1:]


@pytest.mark.parametrize("gamma, holds", [("0.5", True), ("1.5", False)])
def test_the_verdict_on_the_fundamental_box_is_the_verdict_on_the_box(gamma, holds):
    half, _ = fundamental_box(TOY, SQUARE, [{"x": "-x"}, {"y": "-y"}])
    full = check_strict_saddle(TOY, SQUARE, "0.3", gamma, "0.5")
    part = check_strict_saddle(TOY, half, "0.3", gamma, "0.5")
    assert full.holds is part.holds is holds
    if holds:
        assert part.boxes_processed < full.boxes_processed


@pytest.mark.parametrize("gamma, holds", [("0.5", True), ("1.5", False)])
def test_check_strict_saddle_with_symmetries_keeps_the_verdict(gamma, holds):
    flips = [{"x": "-x"}, {"y": "-y"}]
    full = check_strict_saddle(TOY, SQUARE, "0.3", gamma, "0.5")
    rep = check_strict_saddle(TOY, SQUARE, "0.3", gamma, "0.5", symmetries=flips)
    assert rep.holds is full.holds is holds and rep.box == SQUARE
    if holds:
        assert rep.boxes_processed < full.boxes_processed / 2
        assert "images under the verified symmetries" in rep.reason
        assert all(Box([(0, 2), (0, 2)]).contains_box(leaf.box) for leaf in rep.leaves)


def test_check_strict_saddle_refuses_a_wrong_symmetry():
    with pytest.raises(InputError, match="does not hold"):
        check_strict_saddle(TOY, SQUARE, "0.3", "0.5", "0.5", symmetries=[{"x": "y", "y": "x"}])


def test_matrix_factorization_with_u_to_minus_u_halves_the_covering():
    mf = get("matrix-factorization", d=2, r=1)
    flip = {v: f"-{v}" for v in mf.objective.variable_names}
    args = (mf.objective, mf.box, "1/24", "1/3", "1/3")
    full = check_strict_saddle(*args, minima=mf.minima_distance)
    half = check_strict_saddle(*args, minima=mf.minima_distance, symmetries=[flip])
    assert full.holds is half.holds is True
    assert half.boxes_processed < full.boxes_processed

"""The bisection axis look-ahead (issue 13): it only orders the search, never proves."""

from fractions import Fraction

import pytest

from saddlecheck import Box, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import covering as _cov
from saddlecheck.landscape import splitting
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get

TOY4 = "x1**4/4 - x1**2/2 + x2**2/2 + x3**2/2 + x4**2/2"


def test_the_toy_splits_along_x1_where_only_x1_matters():
    """x1 in [1/4, 1/2], the rest in [-1/2, 1/2]: halving x1 settles a half by (G)
    (|x1^3 - x1| >= 0.3 on [3/8, 1/2]); halving any other axis settles nothing."""
    obj = Objective(TOY4)
    box = Box([(Fraction(1, 4), Fraction(1, 2))] + [(Fraction(-1, 2), Fraction(1, 2))] * 3)
    loc = _bnb.local_enclosures(obj, box)
    axis = splitting.choose_axis(loc.grad_centre, loc.hess, box.widths, Fraction(3, 10),
                                 Fraction(1, 2))  # fmt: skip
    assert axis == 0


def test_no_prediction_means_the_widest():
    obj = Objective(TOY4)
    box = Box([(-2, 2)] * 4)
    loc = _bnb.local_enclosures(obj, box)
    assert splitting.choose_axis(loc.grad_centre, loc.hess, box.widths, Fraction(3, 10),
                                 Fraction(1, 2)) is None  # fmt: skip


def test_needles_are_never_made():
    """An axis narrower than max width / 2**ASPECT is never chosen, whatever it predicts."""
    obj = Objective("x**3 - x + y**2/100")
    narrow = Fraction(1, 2 ** (splitting.ASPECT + 1))
    box = Box([(Fraction(1, 2), Fraction(1, 2) + narrow), (-1, 1)])
    loc = _bnb.local_enclosures(obj, box)
    assert splitting.choose_axis(loc.grad_centre, loc.hess, box.widths, Fraction(1, 10),
                                 Fraction(1, 2)) != 0  # fmt: skip


@pytest.mark.parametrize("d", [2, 3, 4, 5])
def test_toy_nd_growth_is_at_most_three_per_dimension(d):
    """The issue's goal: toy-nd boxes grow by <= 3x per added dimension (was 3.6-4.4x)."""
    counts = []
    for k in (d - 1, d) if d > 2 else (2,):
        prob = get("toy-nd", d=k)
        rep = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
        assert rep.holds is True
        counts.append(rep.boxes_processed)
    if len(counts) == 2:
        assert counts[1] <= 3 * counts[0], counts


def test_axis_choice_keeps_the_verdicts():
    prob = get("toy-nd", d=3)
    saved = set(_cov.LEVERS)
    try:
        _cov.LEVERS.discard("axis")
        widest = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
    finally:
        _cov.LEVERS.clear()
        _cov.LEVERS.update(saved)
    chosen = check_strict_saddle(prob.objective, prob.box, "0.3", "0.5", "0.5")
    assert widest.holds is chosen.holds is True
    assert chosen.boxes_processed < widest.boxes_processed

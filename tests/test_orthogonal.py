"""Orthogonal invariance f(U R) = f(U): verified exactly, a wrong one refused, the slice sound."""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from saddlecheck import Box, InputError, Objective
from saddlecheck.arith.rounding import float_down, float_up, sqrt_down, sqrt_up
from saddlecheck.landscape.orthogonal import rotate_into, slice_box, verify_orthogonal
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.landscape.symmetry import Reduction, fundamental_box, reduce_box
from saddlecheck.problems import get

MF22 = get("matrix-factorization", d=2, r=2)
U22 = {"orthogonal": [["u1_1", "u1_2"], ["u2_1", "u2_2"]]}
RECALLED = ("1/24", "1/3", "1/3")

# the Mexican hat (|x|^2 - 1)^2 / 4: minima on the unit circle, invariant under O(2)
HAT = Objective("(a**2 + b**2 - 1)**2/4")
HAT_U = {"orthogonal": [["a", "b"]]}


def hat_distance(box: Box) -> tuple[float, float]:
    """Proved bounds on ``dist(x, unit circle) = | ||x|| - 1 |`` over ``box`` (rounded outward)."""
    lo2 = sum((min(abs(lo), abs(hi)) ** 2 if lo * hi > 0 else Fraction(0))
              for lo, hi in box.intervals)  # fmt: skip
    hi2 = sum(max(lo * lo, hi * hi) for lo, hi in box.intervals)
    rmin, rmax = Fraction(sqrt_down(lo2)), Fraction(sqrt_up(hi2))
    low = max(Fraction(0), rmin - 1, 1 - rmax)
    return float_down(low), float_up(max(rmax - 1, 1 - rmin))


# two hats, one per row of U = [[a, b], [c, d]]: minima where both rows have norm 1
HATS = Objective("(a**2 + b**2 - 1)**2/4 + (c**2 + d**2 - 1)**2/4")
HATS_U = {"orthogonal": [["a", "b"], ["c", "d"]]}


def hats_distance(box: Box) -> tuple[float, float]:
    """``dist = sqrt(dist_1^2 + dist_2^2)`` from the rows' bounds (rounded outward)."""
    rows = [hat_distance(Box(box.intervals[k : k + 2])) for k in (0, 2)]
    low = sum(Fraction(lo) ** 2 for lo, _ in rows)
    high = sum(Fraction(hi) ** 2 for _, hi in rows)
    return sqrt_down(low), sqrt_up(high)


def mf_vars(d: int, r: int) -> list[list[str]]:
    return [[f"u{i + 1}_{j + 1}" for j in range(r)] for i in range(d)]


# -- verification -------------------------------------------------------------------


@pytest.mark.parametrize("d, r", [(2, 1), (2, 2), (3, 2)])
def test_matrix_factorization_is_verified_orthogonally_invariant(d, r):
    obj = get("matrix-factorization", d=d, r=r).objective
    sym = verify_orthogonal(obj, {"orthogonal": mf_vars(d, r)})
    assert sym.shape == (d, r) and sym.reflections


def test_gram_matrix_objectives_are_invariant_with_d_below_r():
    obj = Objective("(u1_1**2 + u1_2**2 + u1_3**2 - 1)**2 + (u1_1*u2_1 + u1_2*u2_2 + u1_3*u2_3)**2")
    assert verify_orthogonal(obj, {"orthogonal": mf_vars(2, 3)}).shape == (2, 3)


@pytest.mark.parametrize(
    "obj, decl, match",
    [
        # not invariant: a linear term breaks the rotation (refuted at an exact point)
        (Objective("(a**2 + b**2 - 1)**2 + a"), {"orthogonal": [["a", "b"]]}, "does not hold"),
        # matrix factorization mixes columns of U, not rows: the transpose is wrong
        (MF22.objective, {"orthogonal": [["u1_1", "u2_1"], ["u1_2", "u2_2"]]}, "does not hold"),
        # (det U - 1)^2 is invariant under SO(2) but not under reflections
        (Objective("(a*d - b*c - 1)**2"), {"orthogonal": [["a", "b"], ["c", "d"]]},
         "does not hold: .*sign flip"),
        (MF22.objective, {"orthogonal": [["u1_1", "u1_2"], ["u2_1"]]}, "must be d x r"),
        (MF22.objective, {"orthogonal": [["u1_1", "u1_2"], ["u1_1", "u2_2"]]}, "appears twice"),
        (MF22.objective, {"orthogonal": [["u1_1", "w"], ["u2_1", "u2_2"]]}, "not a variable"),
        (MF22.objective, {"orthogonal": "u1_1 u1_2"}, "list of rows"),
        (MF22.objective, {"orthogonal": [[]]}, "non-empty list of names"),
        (MF22.objective, {"orthogonal": [["u1_1"]], "rotation": [["u1_2"]]}, "one key"),
        (Objective("exp(a**2 + b**2)"), {"orthogonal": [["a", "b"]]}, "could not be verified"),
        # an irrational coefficient: no exact refutation, the numerator is not 0
        (Objective("sqrt(2)*(a**2 + b**2) + a*b"), {"orthogonal": [["a", "b"]]}, "not 0"),
    ],
)  # fmt: skip
def test_a_wrong_declaration_is_refused(obj, decl, match):
    with pytest.raises(InputError, match=match):
        verify_orthogonal(obj, decl)
    with pytest.raises(InputError, match=match):  # and through the covering's entry point
        fundamental_box(obj, Box([(-1, 1)] * obj.dim), [decl])


def test_rotation_declares_so_r_only_and_keeps_the_last_diagonal_signed():
    det = Objective("(a*d - b*c - 1)**2")
    sym = verify_orthogonal(det, {"rotation": [["a", "b"], ["c", "d"]]})
    assert not sym.reflections
    cover, _ = slice_box(sym, Box([(-1, 1)] * 4))
    n = cover.intervals[0][1]
    assert n * n >= 2 and cover == Box([(0, n), (0, 0), (-n, n), (-n, n)])


def test_a_declaration_that_cannot_shrink_the_box_is_not_used():
    circle = Objective("(a**2 - 1)**2")
    for decl, box in [({"rotation": [["a"]]}, [(-1, 1)]), ({"orthogonal": [["a"]]}, [(1, 2)])]:
        cover, notes = fundamental_box(circle, Box(box), [decl])  # SO(1) is trivial; [0, 2]
        assert cover == Box(box) and "not used" in notes[0]  # is wider than [1, 2]
    orth = Objective("orthogonal**2 + b**2")  # a variable named like the key: a permutation
    cover, _ = fundamental_box(orth, Box([(-1, 1)] * 2), [{"orthogonal": "-orthogonal"}])
    assert cover == Box([(-1, 1), (0, 1)])  # variables sorted: b, orthogonal


def test_the_orthogonal_declaration_needs_the_callers_minima():
    with pytest.raises(InputError, match="needs minima="):
        check_strict_saddle(MF22.objective, MF22.box, *RECALLED, symmetries=[U22])


# -- the slice ------------------------------------------------------------------------


def test_the_slice_of_matrix_factorization():
    cover, notes = fundamental_box(MF22.objective, MF22.box, [U22])
    n = cover.intervals[0][1]
    assert n * n >= 32 and n - Fraction(math.sqrt(32)) < Fraction(1, 512)
    assert cover == Box([(0, n), (0, 0), (-n, n), (0, n)]) and "verified" in notes[0]


@pytest.mark.parametrize(
    "names, box, expected",
    [
        ([["a", "b"]], [(-3, 4), (0, 0)], [(0, 4), (0, 0)]),  # d < r: the row lies on e_1
        ([["a", "b", "c"]], [(0, 1), (0, 0), (-1, 0)], None),  # d = 1, r = 3
        ([["a"], ["b"]], [(-2, 2), (-1, 1)], [(0, 2), (-1, 1)]),  # r = 1: the sign flip
    ],
)
def test_the_slice_in_small_shapes(names, box, expected):
    obj = Objective("(" + " + ".join(f"{v}**2" for row in names for v in row) + " - 1)**2")
    cover, _ = slice_box(verify_orthogonal(obj, {"orthogonal": names}), Box(box))
    if expected is None:
        lo, hi = cover.intervals[0]
        assert lo == 0 and hi * hi >= 2 and cover.intervals[1:] == [(0, 0), (0, 0)]
    else:
        assert cover == Box(expected)


@functools.cache
def mf32_slice() -> Box:
    sym = verify_orthogonal(get("matrix-factorization", d=3, r=2).objective,
                            {"orthogonal": mf_vars(3, 2)})  # fmt: skip
    return slice_box(sym, Box([(-4, 4)] * 6))[0]


@given(
    st.lists(st.fractions(min_value=-4, max_value=4, max_denominator=50), min_size=6, max_size=6)
)
def test_every_point_has_a_rotated_representative_in_the_slice(entries):
    """QR by Householder in floats: U R lower triangular with the signed diagonal (margin 1e-9)."""
    cover = mf32_slice()
    U = np.array([float(v) for v in entries]).reshape(3, 2)
    Q, _ = np.linalg.qr(U.T)  # U^T = Q R, so U Q = R^T: lower triangular
    L = U @ Q
    if L[0, 0] < 0:
        L[:, 0] *= -1
    if L[1, 1] < 0:
        L[:, 1] *= -1
    for v, (lo, hi) in zip(L.ravel(), cover.intervals, strict=True):
        assert float(lo) - 1e-9 <= v <= float(hi) + 1e-9


def test_a_flat_box_and_signed_permutations_around_the_slice():
    flat = Box([(-4, 4), (0, 0), (-4, 4), (-4, 4)])
    cover, _ = fundamental_box(MF22.objective, flat, [U22])
    assert cover.intervals[0] == (0, 4) and cover.intervals[1] == (0, 0)
    flip = {v: f"-{v}" for v in MF22.objective.variable_names}
    first, notes = fundamental_box(MF22.objective, MF22.box, [flip, U22])
    assert first == fundamental_box(MF22.objective, MF22.box, [U22])[0] and len(notes) == 2
    _, notes = fundamental_box(MF22.objective, MF22.box, [U22, flip])
    assert "not used" in notes[1]  # U -> -U does not map the slice onto itself


# -- counterexamples of the slice ----------------------------------------------------------


def test_rotate_into_finds_an_exact_image_in_the_box():
    sym = verify_orthogonal(HAT, HAT_U)
    box = Box([("1/2", "3/5"), ("1/2", "3/5")])
    y = rotate_into(sym, box, (Fraction(3, 4), Fraction(0)))
    assert y is not None and box.contains(y) and y[0] ** 2 + y[1] ** 2 == Fraction(9, 16)
    assert rotate_into(sym, box, (Fraction(1, 2), Fraction(0))) is None  # radius too small


def test_a_counterexample_off_the_orbit_is_not_reported():
    red = reduce_box(HAT, Box([("0.6", "0.8"), ("0.6", "0.8")]), [HAT_U])
    assert red.inside(Box([("0.72", "0.74"), (0, 0)])) is None  # radius < 0.6 sqrt(2)
    inside = red.inside(Box([("0.9", "1"), (0, 0)]))
    assert inside is not None and red.box.contains_box(inside)
    assert Reduction(red.box, red.box, ()).inside(Box([(0, 1), (0, 0)])) is None


def test_check_strict_saddle_never_reports_a_counterexample_of_the_slice_outside_the_box():
    """On B both rows' norms lie in [0.84, 1.14], within zeta of the minima (True). The slice
    lets row 2 range over norms in [0, 1.6], where all three conditions fail (e.g. norm 0.75):
    with the declaration the answer must not be False."""
    box = Box([("0.6", "0.8")] * 4)
    args = (HATS, box, "1", "0.5", "0.22")
    plain = check_strict_saddle(*args, minima=hats_distance)
    rep = check_strict_saddle(*args, minima=hats_distance, symmetries=[HATS_U], max_boxes=600)
    assert plain.holds is True
    assert rep.holds is None and "not proved to be the image" in rep.reason


def test_the_first_row_norm_is_bounded_below_in_the_slice():
    cover, _ = slice_box(verify_orthogonal(HAT, HAT_U), Box([("0.6", "0.8")] * 2))
    (lo, hi), flat = cover.intervals
    assert flat == (0, 0) and lo * lo <= Fraction(72, 100) <= (lo + Fraction(1, 512)) ** 2
    assert hi * hi >= Fraction(128, 100)


def test_a_counterexample_of_the_slice_in_the_orbit_proves_false():
    box = Box([("0.5", "0.6"), ("0.5", "0.6")])
    for syms in ([], [HAT_U]):
        rep = check_strict_saddle(HAT, box, "1", "0.5", "0.2", minima=hat_distance,
                                  symmetries=syms)  # fmt: skip
        assert rep.holds is False and box.contains_box(rep.counterexample)


# -- the verdicts on matrix factorization ---------------------------------------------------


@pytest.mark.parametrize("d, r", [(2, 1), (2, 2)])
def test_matrix_factorization_holds_with_the_slice(d, r):
    mf = get("matrix-factorization", d=d, r=r)
    decl = {"orthogonal": mf_vars(d, r)}
    rep = check_strict_saddle(mf.objective, mf.box, *RECALLED, minima=mf.minima_distance.bounds,
                              symmetries=[decl])  # fmt: skip
    assert rep.holds is True and rep.box == mf.box
    assert "images under the verified symmetries" in rep.reason
    if r == 1:  # the same verdict without the declaration, twice the boxes
        full = check_strict_saddle(mf.objective, mf.box, *RECALLED,
                                   minima=mf.minima_distance.bounds)  # fmt: skip
        assert full.holds is True and rep.boxes_processed < full.boxes_processed
    else:  # README: 92,175 boxes without the declaration; the slice needs a few hundred
        assert rep.boxes_processed < 2000


@pytest.mark.parametrize("d, r", [(2, 1), (2, 2)])
def test_a_too_large_theta_is_never_proved_true_and_any_counterexample_is_in_the_box(d, r):
    mf = get("matrix-factorization", d=d, r=r)
    args = (mf.objective, mf.box, "1", "1/3", "1/3")  # theta = sigma_r^(3/2)
    for syms in ([], [{"orthogonal": mf_vars(d, r)}]):
        rep = check_strict_saddle(*args, minima=mf.minima_distance.bounds, symmetries=syms,
                                  max_boxes=3000)  # fmt: skip
        assert rep.holds is not True
        if rep.holds is False:
            assert mf.box.contains_box(rep.counterexample)


@given(
    st.tuples(*[st.fractions(min_value=-3, max_value=2, max_denominator=10)] * 2),
    st.tuples(*[st.fractions(min_value="1/10", max_value=1, max_denominator=10)] * 2),
    st.sampled_from(["0.1", "0.3", "1"]),
    st.sampled_from(["0.2", "0.5", "1.2"]),
    st.sampled_from(["0.1", "0.2", "0.4"]),
)
def test_the_slice_never_contradicts_the_plain_covering(lower, widths, theta, gamma, zeta):
    """On random boxes of the hat: never True against False, a False always inside the box."""
    box = Box([(lo, lo + w) for lo, w in zip(lower, widths, strict=True)])
    verdicts = set()
    for syms in ([], [HAT_U]):
        rep = check_strict_saddle(HAT, box, theta, gamma, zeta, minima=hat_distance,
                                  symmetries=syms, max_boxes=300)  # fmt: skip
        verdicts.add(rep.holds)
        if rep.holds is False:
            assert box.contains_box(rep.counterexample)
    assert not {True, False} <= verdicts

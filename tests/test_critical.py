"""critical_points: verified enclosure and classification (issue 5, item 1).

Oracles: closed-form critical points of the problems catalogue, exact
rational Hessians of planted critical points (SymPy), and SymPy's exact
gradient at the enclosed points.
"""

import json
from fractions import Fraction

import pytest
import sympy
from _budget import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.cluster import open_executor
from saddlecheck.landscape.critical import CriticalPoints, critical_points
from saddlecheck.problems import get


def kinds(pts) -> list[str]:
    return sorted(p.kind for p in pts)


def holding(pts, point) -> list:
    return [p for p in pts if p.enclosure.contains(point)]


def test_toy_three_critical_points_with_kinds():
    """x^4/4 - x^2/2 + y^2/2 on [-2,2]^2: minima (+-1, 0) and a strict saddle at 0."""
    prob = get("toy")
    pts = critical_points(prob.objective, prob.box)
    assert pts.complete and not pts.unresolved
    assert kinds(pts) == ["min", "min", "strict_saddle"]
    for known in prob.critical_points:
        [p] = holding(pts, known.point)
        assert p.kind == known.kind and p.unique
        assert p.lambda_min[0] <= float(known.lambda_min) <= p.lambda_min[1]
        assert p.lambda_min[1] - p.lambda_min[0] < 1e-9
        assert p.enclosure.max_width() < Fraction(1, 10**9)
        assert p.uniqueness_box.contains_box(p.enclosure)


def test_catalogue_problems_with_complete_lists():
    """Every known critical point of a complete catalogue entry is found with its kind."""
    for name, opts in [("toy-nd", {"d": 3}), ("quadratic-saddle", {"d": 3})]:
        prob = get(name, **opts)
        pts = critical_points(prob.objective, prob.box)
        assert pts.complete and len(pts) == len(prob.critical_points)
        for known in prob.critical_points:
            [p] = holding(pts, known.point)
            assert p.kind == known.kind


def test_transcendental_objective_twelve_points():
    """sin(x) cos(y) on [-4,4]^2: 3 minima, 3 maxima, 6 saddles (the ball path)."""
    pts = critical_points(Objective("sin(x)*cos(y)"), Box([(-4, 4), (-4, 4)]))
    assert pts.complete
    assert kinds(pts) == ["max"] * 3 + ["min"] * 3 + ["strict_saddle"] * 6
    h = sympy.pi / 2
    for point, kind in [((h, 0), "max"), ((-h, 0), "min"), ((0, h), "strict_saddle")]:
        q = [Fraction(str(sympy.Rational(sympy.N(v, 40)))) for v in point]
        [p] = [p for p in pts if p.enclosure.enlarge(Fraction(1, 10**12)).contains(q)]
        assert p.kind == kind


def test_maximum():
    pts = critical_points(Objective("-(x**2) - y**2 + x*y/3"), Box([(-1, 1), (-1, 1)]))
    assert kinds(pts) == ["max"] and pts[0].is_minimum is False


def test_monkey_saddle_is_degenerate_and_not_a_minimum():
    """x^3 - 3xy^2: degenerate at 0, never a min or strict saddle; f(t, 0) = t^3 decides it."""
    prob = get("monkey")
    pts = critical_points(prob.objective, prob.box)
    assert pts.complete
    [p] = pts
    # the expansion proves 0 the only critical point of the cluster: a proved, unique point
    assert p.kind == "degenerate" and p.unique and p.uniqueness_box == p.enclosure
    assert p.enclosure.contains([0, 0]) and p.point == (0, 0)
    assert p.is_minimum is False
    assert "not a local minimum" in p.reason and "t**3" in p.reason
    assert pts.minima() == [] and pts.minimum_candidates() == []
    assert pts.unresolved == ()


def test_cubic_one_dimensional():
    pts = critical_points(Objective("x**3"), Box([(-1, 1)]))
    [p] = pts
    assert p.kind == "degenerate" and p.is_minimum is False and "t**3" in p.reason


def test_degenerate_minimum_proved_by_expansion():
    """x^4 + y^4 at 0: the quartic form is positive on the cube surface: a strict local min."""
    pts = critical_points(Objective("x**4 + y**4"), Box([(-1, 1), (-1, 1)]))
    [p] = pts
    assert p.kind == "degenerate" and p.is_minimum is True and p.point == (0, 0)
    assert pts.minima() == [Box([(0, 0), (0, 0)])]


def test_degenerate_undecided_stays_a_candidate():
    """x^4 + y^2: a minimum the homogeneous expansion cannot prove: kept as a candidate.

    The exact point 0 is a proved degenerate critical point; that it is the only one
    near 0 is not proved, so the cluster around it stays an unresolved region (before
    issue 16 both were one "degenerate" entry) and the search is not complete.
    """
    pts = critical_points(Objective("x**4 + y**2"), Box([(-1, 1), (-1, 1)]))
    [p] = pts
    assert p.kind == "degenerate" and p.is_minimum is None and p.point == (0, 0)
    assert not p.unique
    [r] = pts.unresolved
    assert r.enclosure.contains([0, 0]) and r.is_minimum is None and r.isolated is None
    assert not pts.complete and pts.status == "unresolved"
    assert pts.minimum_candidates() == [p.enclosure, r.enclosure]
    assert "1 proved critical points (1 degenerate) + 1 unresolved regions" in pts.explain()


def test_continuum_of_minima_is_never_dropped():
    """(x^2 + y^2 - 1)^2: a circle of minima and a maximum at 0 (Hessian -4 I)."""
    obj = Objective("(x**2 + y**2 - 1)**2")
    pts = critical_points(obj, Box([(-2, 2), (-2, 2)]), min_width=Fraction(1, 32))
    # the circle is unresolved (it is not a set of points): never complete (before
    # issue 16 the circle's clusters were "degenerate points" and complete was True)
    assert not pts.complete and pts.status == "unresolved"
    [mx] = pts
    assert mx.kind == "max" and mx.enclosure.contains([0, 0])
    for k in range(24):  # rational points on the circle: ((1-t^2)/(1+t^2), 2t/(1+t^2))
        t = Fraction(k - 12, 5)
        q = ((1 - t * t) / (1 + t * t), 2 * t / (1 + t * t))
        assert any(r.enclosure.contains(q) for r in pts.unresolved)
    assert any(r.isolated is False for r in pts.unresolved)
    assert "non-isolated critical set" in pts.explain()


def test_points_outside_the_box_are_not_reported():
    pts = critical_points(get("toy").objective, Box([("1/2", 2), (-1, 1)]))
    assert kinds(pts) == ["min"] and pts[0].enclosure.contains([1, 0])


def test_budget_exhaustion_keeps_every_box():
    obj = Objective("sin(x)*cos(y)")
    pts = critical_points(obj, Box([(-4, 4), (-4, 4)]), max_boxes=5)
    assert not pts.complete and pts.unresolved and pts.status == "budget"
    assert pts.boxes_processed <= 5
    unexamined = [r for r in pts.unresolved if not r.examined]
    assert unexamined and all("max_boxes=5" in r.reason for r in unexamined)
    # every critical point (12 here) lies in a listed point or region
    h = sympy.pi / 2
    for i in range(-2, 3):
        for j in range(-2, 3):
            q = [Fraction(str(sympy.Rational(sympy.N(v, 40)))) for v in (i * h, j * h)]
            if (i + j) % 2 == 1 and all(abs(v) <= 4 for v in q):
                assert any(p.enclosure.enlarge(Fraction(1, 10**12)).contains(q)
                           for p in [*pts, *pts.unresolved])  # fmt: skip
    assert "INCOMPLETE" in pts.explain()


def test_json_and_explain():
    pts = critical_points(get("monkey").objective, Box([(-1, 1), (-1, 1)]))
    data = json.loads(pts.to_json())
    assert data["complete"] is True and data["points"][0]["kind"] == "degenerate"
    assert Box.from_json(data["points"][0]["enclosure"]).contains([0, 0])
    assert "degenerate" in pts.explain()
    assert isinstance(pts, CriticalPoints) and len(pts) == 1


def test_executor_gives_identical_results(monkeypatch):
    monkeypatch.setattr(_bnb, "LOCAL_BELOW", 2)  # ship even the small batches to the workers
    obj = Objective("sin(x)*cos(y) + x**2/10")
    box = Box([(-4, 4), (-4, 4)])
    serial = critical_points(obj, box)
    with open_executor(workers=2) as ex:  # what analyze --workers 2 uses
        parallel = critical_points(obj, box, executor=ex)
    assert serial.to_json() == parallel.to_json()


@pytest.mark.parametrize(
    "expr, box, match",
    [
        ("1/x + y**2", [(0, 1), (-1, 1)], "not smooth"),
        ("log(x) + y**2", [(-1, 1), (-1, 1)], "not smooth"),
        ("Piecewise((x**2, x < 0), (x**3, True)) + y**2", [(-1, 1), (-1, 1)], "Piecewise"),
    ],
)
def test_singularity_or_piecewise_boundary_is_refused(expr, box, match):
    with pytest.raises(InputError, match=match):
        critical_points(Objective(expr), Box(box))


def test_bad_arguments_are_refused():
    obj = get("toy").objective
    with pytest.raises(InputError, match="dimension"):
        critical_points(obj, Box([(-1, 1)] * 3))
    with pytest.raises(InputError, match="min_width"):
        critical_points(obj, Box([(-1, 1)] * 2), min_width=0)
    with pytest.raises(InputError, match="max_boxes"):
        critical_points(obj, Box([(-1, 1)] * 2), max_boxes=0)
    with pytest.raises(InputError, match="Objective"):
        critical_points("x**2", Box([(-1, 1)]))


def test_piecewise_inside_one_piece_is_fine():
    obj = Objective("Piecewise((x**2 - 1, x < 5), (x, True)) + y**2")
    pts = critical_points(obj, Box([(-1, 1), (-1, 1)]))
    assert kinds(pts) == ["min"]


# -- Hypothesis: planted critical points -------------------------------------------

x, y = sympy.symbols("x y")


@st.composite
def planted_polynomials(draw):
    """``q - sum_i w_i l_i``: ``grad`` vanishes exactly at each planted point ``p_i``.

    ``q`` has small integer coefficients (degree <= 3); ``l_i`` is the linear
    part of ``q`` at ``p_i``; ``w_i = prod_{j != i} |x - p_j|^2 / |p_i - p_j|^2``
    is 1 at ``p_i`` and has zero value and gradient at every other ``p_j``.
    """
    k = draw(st.integers(1, 3))
    grid = [Fraction(n, 4) for n in range(-6, 7)]
    pts = draw(
        st.lists(st.tuples(st.sampled_from(grid), st.sampled_from(grid)), min_size=k,
                 max_size=k, unique=True)
    )  # fmt: skip
    monomials = [x**a * y**b for a in range(4) for b in range(4) if 1 <= a + b <= 3]
    coeffs = draw(st.lists(st.integers(-3, 3), min_size=len(monomials), max_size=len(monomials)))
    q = sum((c * m for c, m in zip(coeffs, monomials, strict=True)), sympy.Integer(0))
    f = q
    for i, (a, b) in enumerate(pts):
        a, b = sympy.Rational(a), sympy.Rational(b)
        gx, gy = (sympy.diff(q, v).subs({x: a, y: b}) for v in (x, y))
        w = sympy.Integer(1)
        for j, (c, d) in enumerate(pts):
            if j != i:
                c, d = sympy.Rational(c), sympy.Rational(d)
                w *= ((x - c) ** 2 + (y - d) ** 2) / ((a - c) ** 2 + (b - d) ** 2)
        f -= w * (gx * (x - a) + gy * (y - b))
    return sympy.expand(f), pts


def exact_kind(f, point) -> str | None:
    H = sympy.hessian(f, (x, y)).subs({x: point[0], y: point[1]})
    det, tr = H.det(), H.trace()
    if det < 0:
        return "strict_saddle"
    if det > 0:
        return "min" if tr > 0 else "max"
    return None


@settings(max_examples=examples(15))
@given(planted_polynomials())
def test_planted_nondegenerate_points_are_found_with_their_kind(planted):
    """Claim: each planted critical point with det(H) != 0 lies in the enclosure of an entry
    with a proved unique zero and the kind given by the exact Hessian's inertia."""
    f, pts = planted
    for p in pts:
        assert all(sympy.diff(f, v).subs({x: p[0], y: p[1]}) == 0 for v in (x, y))
    nondegenerate = [(p, exact_kind(f, p)) for p in pts if exact_kind(f, p)]
    assume(nondegenerate)
    found = critical_points(Objective(f, (x, y)), Box([(-2, 2), (-2, 2)]), max_boxes=20_000)
    for p, kind in nondegenerate:
        hits = [c for c in found if c.enclosure.contains(p)]
        assert any(c.unique and c.kind == kind for c in hits), (p, kind, found.explain())

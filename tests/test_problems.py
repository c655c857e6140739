"""Every analysis over every catalogue problem: the code must reproduce the known answers."""

import mpmath
import pytest
import sympy

import saddlecheck as sc
from saddlecheck import problems

SMALL = [
    problems.toy_saddle(),
    problems.toy_saddle_nd(3),
    problems.monkey_saddle(),
    problems.cubic(),
    problems.quadratic_saddle(2),
    problems.matrix_factorization(2, 1),
    problems.matrix_factorization(1, 1),
    problems.phase_retrieval(2, 6, seed=0),
]


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: f"{p.name}-{p.dim}")
def test_known_critical_points_are_found_with_their_kind(problem):
    found = sc.critical_points(problem.objective, problem.box)
    for known in problem.critical_points:
        hits = [p for p in found if p.enclosure.contains(known.point)]
        assert len(hits) == 1, f"{known.point} not found exactly once in {found}"
        assert hits[0].kind == known.kind, (known, hits[0])
        lo, hi = hits[0].lambda_min
        assert lo <= float(known.lambda_min) <= hi
    if problem.complete_critical_points:
        assert len(found) == len(problem.critical_points)
        # what is left unresolved may only be a region around a proved degenerate point
        degenerate = [p.enclosure for p in found if p.kind == "degenerate"]
        for region in found.unresolved:
            assert any(region.enclosure.contains_box(d) for d in degenerate), region


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: f"{p.name}-{p.dim}")
def test_known_smoothness_constants_lie_between_the_proved_bounds(problem):
    """Derived ([D]) and exact constants are suprema: ell_lower <= known <= ell."""
    k = sc.smoothness(problem.objective, problem.box)
    for name in ("ell", "rho"):
        c = problem.constants.get(name)
        if c is None or c.tag not in ("D", "exact"):
            continue
        lower, upper = getattr(k, f"{name}_lower"), getattr(k, name)
        with mpmath.workdps(30):
            value = mpmath.mpf(sympy.N(c.value, 30))
            assert lower <= value * (1 + mpmath.mpf(10) ** -12), (name, lower, value)
            assert value <= upper, (name, value, upper)


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: f"{p.name}-{p.dim}")
def test_known_minima_certify_as_sosp(problem):
    for known in problem.critical_points:
        if known.kind == "min":
            cert = sc.certify_sosp(problem.objective, known.point, eps="1/1000", rho=1)
            assert cert.holds is True, cert.explain()


def test_registry_builds_every_problem_and_refuses_unknown_names():
    for name in problems.NAMES:
        assert problems.get(name).objective.dim >= 1
    with pytest.raises(sc.InputError, match="unknown problem"):
        problems.get("nope")
    with pytest.raises(sc.InputError, match="problem 'toy'"):
        problems.get("toy", d=3)


@pytest.mark.parametrize("d", [3, 4])
def test_phase_retrieval_in_higher_dimension_has_exact_sorted_spectra(d):
    p = problems.phase_retrieval(d)
    kinds = [c.kind for c in p.critical_points]
    assert kinds == ["max", "min", "min"]
    for c in p.critical_points[1:]:
        cert = sc.certify_strict_saddle_point(p.objective, c.point, gamma=1)
        assert cert.holds is False  # a minimum has no direction of negative curvature

"""Conformance: the guard passes correct PGDs written differently (issue 12).

tests/guard_corpus.py holds eight correct implementations of Algorithm 2 that
differ in query order, caching, re-evaluation of ``f``/``grad`` at
``x_tilde``, evaluating ``f`` at every step, vectorised sampling and integer
inputs. Each must pass the quick profile (every property applies and holds),
the thorough profile (two of them in the ci profile, all eight under
HYPOTHESIS_PROFILE=thorough), and on explicit instances started at a
minimum, a strict saddle, a maximum and a generic point every property must hold.
A failure here is a false alarm of the guard (the guard promises a false-alarm
probability below 1e-6).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from _budget import SCALE
from guard_corpus import CORPUS

from saddlecheck.testing import PROPERTIES, Guard, check_pgd
from saddlecheck.testing._cases import PINNED, PROFILES
from saddlecheck.testing._landscapes import Component, Landscape
from saddlecheck.testing._problem import GuardCase

_H = Fraction(1, 2)
#: Two wells and a quadratic, rotated: minima, strict saddles and (z = 0 in both
#: wells with the quadratic at 0) a point where both well directions curve down.
TWO_WELLS = Landscape(
    (Component("well", (Fraction(1), Fraction(1))), Component("well", (_H, Fraction(2))),
     Component("quadratic", (Fraction(3, 4), Fraction(2)))),
    skew=(1, 0, 2), center=(Fraction(3), Fraction(-1), Fraction(1, 3)), offset=Fraction(7),
)  # fmt: skip
#: Two wells only: z = 0 is a strict local maximum.
MAX_LAND = Landscape(
    (Component("well", (Fraction(1), Fraction(1))), Component("well", (_H, Fraction(1)))),
    skew=(2,),
)

STARTS = {
    "minimum": GuardCase(TWO_WELLS, "minimum", seed=3),
    "strict saddle": GuardCase(TWO_WELLS, "saddle", kappa=9, c=Fraction(3, 4), seed=4),
    "maximum": GuardCase(MAX_LAND, "point", (Fraction(0), Fraction(0)), seed=5),
    "generic point": GuardCase(TWO_WELLS, "point", (_H, Fraction(-9, 8), Fraction(1)), seed=6),
    "pinned (x ~ 1000)": GuardCase(PINNED, "point", (_H, Fraction(2)), seed=7),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_passes_quick_profile(name):
    rep = check_pgd(CORPUS[name], "quick", cases_dir=False)
    assert rep.passed, rep.explain()
    assert all(r.status == "passed" for r in rep.results), rep.explain()
    assert rep.false_alarm < 1e-6


#: ci: the two hardest to read; thorough (the long-run profile): every one.
THOROUGH_CORPUS = sorted(CORPUS) if SCALE > 1 else ["cached", "vectorised_noise"]


@pytest.mark.slow
@pytest.mark.parametrize("name", THOROUGH_CORPUS)
def test_corpus_passes_thorough_profile(name):
    """Thorough (quick's instances first, then 60 + 20 instances up to d = 6 and 800
    pooled sampler runs) on the implementation whose queries are hardest to read (a
    cache hides steps at float fixed points) and on the one with its own sampler.
    Under ``HYPOTHESIS_PROFILE=thorough`` every corpus PGD runs here (also
    ``python benchmarks/bench_guard.py --corpus``; a few minutes each, too long
    for every CI run)."""
    rep = check_pgd(CORPUS[name], "thorough", cases_dir=False)
    assert rep.passed, rep.explain()
    assert all(r.status == "passed" for r in rep.results), rep.explain()
    assert rep.false_alarm < 1e-6


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_holds_everything_from_every_start(name):
    """Minimum, strict saddle, maximum, generic point: every per-run property holds
    (``escape`` where the start is a strict saddle; ``sosp`` certified at the return)."""
    guard = Guard(CORPUS[name], "quick", cases_dir=False)
    for label, case in STARTS.items():
        for prop in PROPERTIES:
            if prop.cases == "sampler" or (prop.cases == "saddle") != (case.start == "saddle"):
                continue
            v = guard._evaluate(prop, case, PROFILES["quick"])
            assert v.holds is not False, f"{name}, start {label}, {prop.name}: {v.explain()}"
            if prop.name in ("return-rule", "window-decrease", "float64", "sosp", "escape"):
                assert v.holds is True, f"{name}, start {label}, {prop.name}: {v.explain()}"

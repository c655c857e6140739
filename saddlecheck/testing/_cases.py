"""The instances the guard draws (Hypothesis strategies over :class:`GuardCase`)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import strategies as st

from saddlecheck.strategies import strict_saddles
from saddlecheck.testing._landscapes import Component, Landscape
from saddlecheck.testing._problem import GuardCase

_H = Fraction(1, 2)


@dataclass(frozen=True)
class Profile:
    """How hard the guard looks.

    Attributes:
        examples: Hypothesis examples for each per-run property.
        saddle_examples: examples for the escape property (runs from a saddle).
        sampler_examples, sampler_seeds: examples of the pooled radius-law test
            and the seeds pooled in each.
        max_dim: largest dimension drawn.
        shrink_seconds: once a failure is found, time allowed for shrinking
            it with new runs (then only instances already run are replayed).
        shrink_total: shrinking time allowed over all properties of one guard.
    """

    name: str
    examples: int
    saddle_examples: int
    sampler_examples: int
    sampler_seeds: int
    max_dim: int
    shrink_seconds: float
    shrink_total: float


PROFILES = {
    "quick": Profile("quick", 8, 4, 1, 60, 3, 6.0, 20.0),
    "thorough": Profile("thorough", 60, 20, 4, 200, 6, 120.0, 600.0),
}

#: A landscape in the guard's explicit examples: rotated, translated to
#: ~1000 with an offset of 1000 (float32 cannot resolve ``r`` or ``f_thres``
#: there), with a slow direction (``lam = 1/4``) so that ``x_tilde`` is reached
#: before gradient descent has converged to round-off.
PINNED = Landscape(
    (
        Component("well", (Fraction(1), Fraction(1))),
        Component("quadratic", (Fraction(1, 4), Fraction(2))),
    ),
    skew=(1,),
    center=(Fraction(1000), Fraction(-700)),
    offset=Fraction(1000),
)


def _z0(land: Landscape):
    def coord(comp: Component):
        if comp.kind == "well":
            s = comp.params[1]
            return st.sampled_from([s / 2, -s / 2, 9 * s / 8, Fraction(0), -s])
        return st.sampled_from([Fraction(1), Fraction(-1), Fraction(2), _H, Fraction(0)])

    return st.tuples(*(coord(c) for c in land.components))


def cases(profile: Profile, start: str = "any") -> st.SearchStrategy[GuardCase]:
    """Guard instances: landscapes of :func:`~saddlecheck.strategies.strict_saddles`
    (up to two wells, rotated, translated by up to 1000, offset up to 1000),
    a start, ``kappa`` in {4, 9}, ``c`` in {1/2, 3/4}, ``delta`` in {1/10, 1/100}.

    Pooled sampler instances (``start="sampler"``: many runs from a minimum, one
    perturbation each) use ``kappa = 4`` and ``c = 3/4``, the shortest windows
    (``t_thres`` is proportional to ``sqrt(kappa)/c^2``): the perturbation law does
    not depend on them, and the runs cost a third."""
    lands = strict_saddles(
        max_dim=profile.max_dim, max_wells=2, curvature=(_H, Fraction(2)),
        min_gap=Fraction(1, 4), max_eigenvalue=Fraction(2), max_center=1000, max_offset=1000,
    )  # fmt: skip
    starts = {"any": ["point", "minimum", "saddle"], "saddle": ["saddle"], "sampler": ["minimum"]}
    pooled = start == "sampler"

    @st.composite
    def build(draw) -> GuardCase:
        land = draw(lands)
        begin = draw(st.sampled_from(starts[start]))
        z0 = draw(_z0(land)) if begin == "point" else ()
        return GuardCase(
            land, begin, z0,
            kappa=draw(st.sampled_from([4] if pooled else [4, 9])),
            c=draw(st.sampled_from([Fraction(3, 4)] if pooled else [_H, Fraction(3, 4)])),
            delta=draw(st.sampled_from([Fraction(1, 10), Fraction(1, 100)])),
            seed=draw(st.integers(0, 2**16)),
        )  # fmt: skip

    return build()


def pinned(start: str) -> GuardCase:
    """The explicit example every search tries first (``start`` as in :func:`cases`)."""
    if start == "saddle":
        return GuardCase(PINNED, "saddle", seed=1)
    if start == "sampler":  # c = 3/4: the shortest windows, so the cheapest pooled runs
        return GuardCase(PINNED, "minimum", c=Fraction(3, 4), seed=1)
    return GuardCase(PINNED, "point", (Fraction(1, 2), Fraction(2)), seed=1)

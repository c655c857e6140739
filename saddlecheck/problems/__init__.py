"""Named benchmark objectives with known answers (docs/CLAIMS.md sections 4-5).

Each constructor returns a :class:`Problem`: the objective, the region its
constants refer to, the known critical points with their kinds, and the
constants tagged with their source. ``get(name, **options)`` looks one up by
its registry name (the CLI's ``problem:NAME``).

>>> sorted(NAMES)[:3]
['cubic', 'matrix-factorization', 'monkey']
>>> get("toy").critical_points[0].kind
'strict_saddle'
"""

from __future__ import annotations

from saddlecheck._validation import InputError
from saddlecheck.problems._problem import Constant, KnownPoint, Problem
from saddlecheck.problems.matrix_factorization import matrix_factorization, rational_orthogonal
from saddlecheck.problems.octopus import octopus
from saddlecheck.problems.phase_retrieval import phase_retrieval
from saddlecheck.problems.toys import (
    cubic,
    monkey_saddle,
    quadratic_saddle,
    toy_saddle,
    toy_saddle_nd,
)

NAMES = {
    "toy": toy_saddle,
    "toy-nd": toy_saddle_nd,
    "monkey": monkey_saddle,
    "cubic": cubic,
    "quadratic-saddle": quadratic_saddle,
    "matrix-factorization": matrix_factorization,
    "octopus": octopus,
    "phase-retrieval": phase_retrieval,
}


def get(name: str, **options) -> Problem:
    """The problem registered as ``name``, built with ``options``."""
    if name not in NAMES:
        raise InputError(f"unknown problem {name!r}; known problems: {', '.join(sorted(NAMES))}")
    try:
        return NAMES[name](**options)
    except TypeError as exc:
        raise InputError(f"problem {name!r}: {exc}") from None


__all__ = [
    "NAMES",
    "Constant",
    "KnownPoint",
    "Problem",
    "cubic",
    "get",
    "matrix_factorization",
    "monkey_saddle",
    "octopus",
    "phase_retrieval",
    "quadratic_saddle",
    "rational_orthogonal",
    "toy_saddle",
    "toy_saddle_nd",
]

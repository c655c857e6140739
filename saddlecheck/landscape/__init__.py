"""What holds on a region: smoothness constants, critical points and the
strict-saddle checker, with the branch-and-bound machinery they share.

* :mod:`~saddlecheck.landscape.constants`: proved ``ell``, ``rho`` and a lower bound of ``f``;
* :mod:`~saddlecheck.landscape.critical`: every critical point in a box, classified;
* :mod:`~saddlecheck.landscape.strict_saddle`: the ``(theta, gamma, zeta)`` checker;
* :mod:`~saddlecheck.landscape.counterexample`: one proved point refuting it, in any dimension;
* :mod:`~saddlecheck.landscape.bnb`: boxes, local enclosures, executors;
* :mod:`~saddlecheck.landscape.krawczyk`: existence and uniqueness of zeros of the gradient;
* :mod:`~saddlecheck.landscape.covering`: which strict-saddle condition holds on a box;
* :mod:`~saddlecheck.landscape.degenerate`: Taylor expansions at degenerate points.
"""

from saddlecheck.landscape.constants import Smoothness, smoothness, value_lower_bound
from saddlecheck.landscape.counterexample import CounterexampleSearch, find_counterexample
from saddlecheck.landscape.critical import CriticalPoint, CriticalPoints, critical_points
from saddlecheck.landscape.strict_saddle import Leaf, StrictSaddleReport, check_strict_saddle

__all__ = [
    "CounterexampleSearch",
    "CriticalPoint",
    "CriticalPoints",
    "Leaf",
    "Smoothness",
    "StrictSaddleReport",
    "check_strict_saddle",
    "critical_points",
    "find_counterexample",
    "smoothness",
    "value_lower_bound",
]

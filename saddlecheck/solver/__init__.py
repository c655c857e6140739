"""The solver: the paper's PGD (Algorithm 2), plain GD and PGDli, their
parameters, steps, number back ends, results and traces.

* :mod:`~saddlecheck.solver.params`: Algorithm 2's parameters and the iteration bound;
* :mod:`~saddlecheck.solver.steps`: the pure steps (state, the two rules, the loop);
* :mod:`~saddlecheck.solver.backends`: float64 and mpmath arithmetic for the steps;
* :mod:`~saddlecheck.solver.algorithms`: the entry points ``pgd``, ``gd``, ``pgd_li``;
* :mod:`~saddlecheck.solver.result`: results, history, perturbation events;
* :mod:`~saddlecheck.solver.trace`: a run as data, read by :mod:`saddlecheck.claims`.
"""

from saddlecheck.solver.algorithms import DEFAULT_MAX_ITER, gd, pgd, pgd_li
from saddlecheck.solver.params import IterationBound, PGDParams, iteration_bound, pgd_params
from saddlecheck.solver.result import HISTORY_CAP, History, LocalPhase, PerturbationEvent, PGDResult
from saddlecheck.solver.steps import (
    PGDStepper,
    State,
    draw_perturbation,
    perturbation_rule,
    stopping_rule,
)
from saddlecheck.solver.trace import Trace

__all__ = [
    "DEFAULT_MAX_ITER",
    "HISTORY_CAP",
    "History",
    "IterationBound",
    "LocalPhase",
    "PGDParams",
    "PGDResult",
    "PGDStepper",
    "PerturbationEvent",
    "State",
    "Trace",
    "draw_perturbation",
    "gd",
    "iteration_bound",
    "perturbation_rule",
    "pgd",
    "pgd_li",
    "pgd_params",
    "stopping_rule",
]

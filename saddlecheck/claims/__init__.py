"""The paper's claims as executable checks (docs/CLAIMS.md section 3, T1-T15).

One function per property. Each takes concrete data (parameters, a run's
:class:`Trace`, outcomes of runs, an objective) and returns a frozen
:class:`Verdict`: the claim id and source tag, whether it held, both sides of
the inequality and the slack; statistical claims also carry their sample size
and false-alarm probability. Nothing here asserts: tests and the guard
(:mod:`saddlecheck.testing`) decide what a verdict means.

| id  | function                  | claim                                              |
|-----|---------------------------|----------------------------------------------------|
| T1  | :func:`parameter_formulas`| Algorithm 2's parameters and their identities      |
| T2  | :func:`descent`           | descent lemma at every gradient step               |
| T3  | :func:`perturbation_cost` | ``f(x_tilde + xi) - f(x_tilde) <= g_thres r + ell r^2/2`` |
| T4  | :func:`returned_gradient` | ``||grad f|| <= g_thres`` at the returned point    |
| T5  | :func:`second_order_rate` | second-order failures at rate ``<= delta``         |
| T6  | :func:`iteration_bound`   | explicit deterministic iteration count             |
| T7  | :func:`perturbation_count`| perturbations and window decreases                 |
| T8  | :func:`escape_probability`| escape probability vs the escape lemma             |
| T9  | :func:`coupling`          | two starts along ``e1`` are not both stuck         |
| T10 | :func:`improve_or_localize`| improve or localize along GD segments             |
| T11 | :func:`ball_sampler`      | uniform perturbation in the ball                   |
| T12 | :func:`quadratic_escape`  | exact quadratic escape formula, ``log d`` escape   |
| T13 | :func:`close_to_minima`   | strict saddle: returned point near a minimum       |
| T14 | :func:`linear_rate`       | local linear rate under regularity                 |
| T15 | :func:`stuck_volume`      | stuck-region volume bound for every ``d``          |

>>> sorted(CLAIMS)[:3]
['T1', 'T10', 'T11']
"""

from saddlecheck.claims._escape import (
    coupling,
    escape_failure_bound,
    escape_probability,
    quadratic_escape,
    second_order_rate,
)
from saddlecheck.claims._landscape import close_to_minima, distance_to_points, linear_rate
from saddlecheck.claims._parameters import expected_parameters, iteration_bound, parameter_formulas
from saddlecheck.claims._run import (
    descent,
    improve_or_localize,
    perturbation_cost,
    perturbation_count,
    returned_gradient,
)
from saddlecheck.claims._sampler import ball_sampler, stuck_volume
from saddlecheck.claims._verdict import Verdict, float_allowance
from saddlecheck.solver.trace import Trace

CLAIMS = {
    "T1": parameter_formulas,
    "T2": descent,
    "T3": perturbation_cost,
    "T4": returned_gradient,
    "T5": second_order_rate,
    "T6": iteration_bound,
    "T7": perturbation_count,
    "T8": escape_probability,
    "T9": coupling,
    "T10": improve_or_localize,
    "T11": ball_sampler,
    "T12": quadratic_escape,
    "T13": close_to_minima,
    "T14": linear_rate,
    "T15": stuck_volume,
}

__all__ = [
    "CLAIMS",
    "Trace",
    "Verdict",
    "ball_sampler",
    "close_to_minima",
    "coupling",
    "descent",
    "distance_to_points",
    "escape_failure_bound",
    "escape_probability",
    "expected_parameters",
    "float_allowance",
    "improve_or_localize",
    "iteration_bound",
    "linear_rate",
    "parameter_formulas",
    "perturbation_cost",
    "perturbation_count",
    "quadratic_escape",
    "returned_gradient",
    "second_order_rate",
    "stuck_volume",
]

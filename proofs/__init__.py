"""proofs: the algebra of Jin et al. (ICML 2017) re-derived and checked by machine.

One module per result; each exposes ``check(**constants) -> list[Step]`` whose
keyword arguments are the constants of the claims, so a test can perturb a
constant and watch the verdict change. ``python -m proofs`` runs them all
(``--json``, ``--markdown``). See ``proofs/README.md`` for the table.

Examples:
    >>> from proofs import MODULES, run
    >>> steps = run("descent")
    >>> all(s.status == "proved" for s in steps)
    True
"""

from __future__ import annotations

import importlib

from proofs._step import METHODS, STATUSES, Step

MODULES = (
    "parameters",
    "descent",
    "union_bound",
    "volume",
    "quadratic_escape",
    "localize",
    "mf_derivatives",
    "mf_region",
    "mf_strict_saddle",
    "mf_regularity",
    "mf_theorem",
    "corollary",
)
"""The result modules, in the order of issue 7."""

__all__ = ["METHODS", "MODULES", "STATUSES", "Step", "run", "run_all"]


def run(name: str, **constants) -> list[Step]:
    """Run ``proofs.<name>.check(**constants)``."""
    if name not in MODULES:
        raise ValueError(f"name={name!r} is not one of {MODULES}")
    return importlib.import_module(f"proofs.{name}").check(**constants)


def run_all(modules: tuple[str, ...] = MODULES) -> dict[str, list[Step]]:
    """Run every module with the paper's constants: ``{module: [Step, ...]}``."""
    return {name: run(name) for name in modules}

"""The record every benchmark problem returns: objective, region, known answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from saddlecheck.box import Box
from saddlecheck.objective import Objective

KINDS = ("min", "strict_saddle", "max", "degenerate")


@dataclass(frozen=True)
class Constant:
    """A known constant and where it comes from.

    ``tag`` follows docs/CLAIMS.md: ``"P"`` stated in the paper, ``"J"`` journal
    version, ``"D"`` derived here (one line, re-checked in proofs/), ``"R"``
    recalled and not confirmed, ``"exact"`` computed exactly for this instance.
    """

    value: sympy.Expr
    source: str
    tag: str

    def __float__(self) -> float:
        return float(self.value)


@dataclass(frozen=True)
class KnownPoint:
    """A critical point known in closed form, its kind and exact ``lambda_min``."""

    point: tuple[sympy.Expr, ...]
    kind: str
    lambda_min: sympy.Expr

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} must be one of {KINDS}")

    def as_floats(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.point)


@dataclass(frozen=True)
class Problem:
    """A named objective with the answers saddlecheck should reproduce.

    Attributes:
        name: registry name (``saddlecheck.problems.get(name, ...)``).
        objective: the :class:`~saddlecheck.Objective`.
        box: the region the constants refer to (``None``: unbounded/none).
        critical_points: every critical point in ``box`` when
            ``complete_critical_points`` is true, else some known ones.
        constants: ``ell``, ``rho``, ``theta``, ``gamma``, ``zeta``, ... with sources.
        x0: a suggested start (often a saddle).
        f_star: the global minimum value on the box when known.
        minima_distance: ``box -> upper bound`` on the distance from every
            point of the box to the set of minima, proved, or ``None``.
        description: one line for people.
    """

    name: str
    objective: Objective
    box: Box | None
    critical_points: tuple[KnownPoint, ...] = ()
    complete_critical_points: bool = False
    constants: dict[str, Constant] = field(default_factory=dict)
    x0: tuple[Fraction, ...] | None = None
    f_star: sympy.Expr | None = None
    minima_distance: Callable[[Box], float] | None = None
    description: str = ""
    options: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return self.objective.dim

    def constant(self, name: str) -> float:
        """A constant as a float (its exact value and source stay in ``constants``)."""
        return float(self.constants[name].value)

    def explain(self) -> str:
        lines = [f"{self.name}: {self.description}", f"  f = {self.objective.expr}"]
        if self.box is not None:
            lines.append(f"  box: {self.box}")
        for key, c in self.constants.items():
            lines.append(f"  {key} = {c.value} [{c.tag}] ({c.source})")
        for p in self.critical_points:
            lines.append(f"  critical point {p.point}: {p.kind}, lambda_min = {p.lambda_min}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "objective": self.objective.to_string(),
                "variables": list(self.objective.variable_names),
                "box": None if self.box is None else self.box.to_json(),
                "options": {k: str(v) for k, v in self.options.items()},
                "constants": {
                    k: {"value": str(c.value), "source": c.source, "tag": c.tag}
                    for k, c in self.constants.items()
                },
                "critical_points": [
                    {
                        "point": [str(v) for v in p.point],
                        "kind": p.kind,
                        "lambda_min": str(p.lambda_min),
                    }
                    for p in self.critical_points
                ],
            },
            indent=2,
        )

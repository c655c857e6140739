"""Reading the command line's objects: EXPR, points, boxes, problem options.

``EXPR`` is one of

* a formula, ``"x**4/4 - x**2/2 + y**2/2"`` (variables sorted by name);
* ``@file.py``: a Python file that defines a SymPy expression (or formula
  string) ``f``, optionally ``variables`` (their order) and ``box`` (a list of
  ``(lo, hi)`` pairs). It is run with :func:`runpy.run_path` in a fresh
  namespace; a missing ``f`` is bad input;
* ``problem:NAME``: a registered benchmark problem
  (:mod:`saddlecheck.problems`), built with the ``--d``, ``--r``, ``--m``,
  ``--seed`` and ``--R`` options the user gave. It brings its own box, start
  point and known constants.
"""

from __future__ import annotations

import os
import runpy
from dataclasses import dataclass
from fractions import Fraction

from saddlecheck import problems
from saddlecheck._validation import InputError, check_point, check_positive, to_rational
from saddlecheck.box import Box, check_box
from saddlecheck.objective import Objective

PROBLEM_OPTIONS = ("d", "r", "m", "seed", "R")


@dataclass(frozen=True)
class Target:
    """The objective named by ``EXPR``, with what its source knows about it."""

    objective: Objective
    label: str
    problem: problems.Problem | None = None
    box: Box | None = None

    @property
    def x0(self) -> tuple[Fraction, ...] | None:
        return None if self.problem is None else self.problem.x0


def load_target(text: str, options: dict | None = None) -> Target:
    """The objective for ``EXPR`` (formula, ``@file.py`` or ``problem:NAME``).

    >>> load_target("x**2 - y**2").objective.dim
    2
    >>> t = load_target("problem:toy-nd", {"d": 3})
    >>> t.objective.dim, t.box.dim
    (3, 3)
    """
    options = {k: v for k, v in (options or {}).items() if v is not None}
    text = text.strip()
    if text.startswith("problem:"):
        name = text[len("problem:") :].strip()
        prob = problems.get(name, **options)
        return Target(prob.objective, f"problem:{name}", prob, prob.box)
    if options:
        used = ", ".join(f"--{k}" for k in options)
        raise InputError(f"{used} only apply to EXPR of the form problem:NAME")
    if text.startswith("@"):
        return _from_file(text[1:])
    if not text:
        raise InputError("EXPR is empty; give a formula like 'x**2 - y**2'")
    return Target(Objective(text), text)


def _from_file(path: str) -> Target:
    if not os.path.isfile(path):
        raise InputError(f"file {path!r} not found; @FILE must name a Python file defining f")
    try:
        namespace = runpy.run_path(path, run_name="__saddlecheck_objective__")
    except SystemExit:
        raise InputError(f"{path} called sys.exit(); it must only define f") from None
    except Exception as exc:  # the user's file: any failure is bad input
        raise InputError(f"running {path} raised {type(exc).__name__}: {exc}") from None
    if "f" not in namespace:
        raise InputError(f"{path} does not define f; add e.g. f = x**2 - y**2 (a SymPy expression)")
    obj = Objective(namespace["f"], namespace.get("variables"))
    box = namespace.get("box")
    return Target(obj, f"@{path}", None, None if box is None else check_box(box, obj.dim))


def parse_numbers(text: str, name: str) -> list[Fraction]:
    """``"1, -0.5, 1/3"`` as exact rationals (decimals read as the decimal they spell).

    >>> parse_numbers("1, -0.5, 1/3", "--x0")
    [Fraction(1, 1), Fraction(-1, 2), Fraction(1, 3)]
    """
    parts = [p for p in text.replace(";", ",").split(",")]
    if not text.strip() or any(not p.strip() for p in parts):
        raise InputError(f"{name}={text!r}: write comma-separated numbers like '1,-0.5,1/3'")
    return [to_rational(p.strip(), name) for p in parts]


def parse_point(text: str, dim: int, name: str) -> tuple[Fraction, ...]:
    """A point of ``dim`` exact coordinates, with a message naming ``name`` when it is wrong."""
    values = parse_numbers(text, name)
    if len(values) != dim:
        raise InputError(
            f"{name} has {len(values)} coordinate(s) but the objective has {dim} variable(s)"
        )
    return check_point(values, dim, name)


def parse_box(text: str | None, target: Target, *, required: bool, command: str) -> Box | None:
    """``--box`` if given, else the box that came with EXPR; bad input when one is required."""
    if text is not None:
        box = Box.from_string(text)
        return check_box(box, target.objective.dim, "--box")
    if target.box is None and required:
        raise InputError(
            f"{command} needs a region: pass --box like "
            f"'{','.join(['-2:2'] * target.objective.dim)}'"
        )
    return target.box


def parse_number(
    text: str | None, name: str, *, positive: bool = False, allow_zero: bool = False
) -> Fraction | None:
    """An exact number from the command line (``None`` stays ``None``), named in errors.

    >>> parse_number("1/4", "--eps", positive=True)
    Fraction(1, 4)
    """
    if text is None:
        return None
    if positive:
        return check_positive(name, text, allow_zero=allow_zero)
    return to_rational(text, name)


def as_float(q: object) -> float:
    return float(q)

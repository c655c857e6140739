"""Reading the command line's objects: EXPR, points, boxes, problem options.

``EXPR`` is one of

* a formula, ``"x**4/4 - x**2/2 + y**2/2"`` (variables sorted by name);
* ``@file.py``: a Python file that defines a SymPy expression (or formula
  string) ``f``, optionally ``variables`` (their order) and ``box`` (a list of
  ``(lo, hi)`` pairs). It is run with :func:`runpy.run_path` in a fresh
  namespace; a missing ``f`` is bad input;
* ``problem:NAME``: a registered benchmark problem
  (:mod:`saddlecheck.problems`), built with the ``--d``, ``--r``, ``--m``,
  ``--seed`` and ``--R`` options the user gave (only those the problem takes,
  and at most :data:`MAX_PROBLEM_VARIABLES` variables). It brings its own box,
  start point and known constants.

Numbers on the command line (points, box ends, constants) are read exactly and
must have magnitude at most :data:`MAX_MAGNITUDE` (``1e100``); positive
constants at least ``1/MAX_MAGNITUDE``. Larger or smaller numbers are refused
(exit 2) rather than overflowing the float64 numbers used to print and plot.
"""

from __future__ import annotations

import math
import os
import runpy
from dataclasses import dataclass
from fractions import Fraction

from saddlecheck import problems
from saddlecheck._validation import InputError, check_point, check_positive, to_rational
from saddlecheck.box import Box, check_box
from saddlecheck.objective import Objective

PROBLEM_OPTIONS = ("d", "r", "m", "seed", "R")
MAX_MAGNITUDE = Fraction(10) ** 100
#: ``problem:NAME`` instances are built symbolically: the Hessian has d^2 entries
#: (d = 400 takes about 16 s, d = 1000 exhausts SymPy's recursion limit).
MAX_PROBLEM_VARIABLES = 200
MAX_MEASUREMENTS = 2000
FIGURE_FORMATS = ("png", "pdf", "svg", "svgz", "jpg", "jpeg", "eps", "ps", "tif", "tiff",
                  "webp", "gif", "pgf", "raw", "rgba", "avif")  # fmt: skip


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
        prob = problems.get(name, **check_problem_options(name, options))
        return Target(prob.objective, f"problem:{name}", prob, prob.box)
    if options:
        used = ", ".join(f"--{k}" for k in options)
        raise InputError(f"{used} only apply to EXPR of the form problem:NAME")
    if text.startswith("@"):
        return _from_file(text[1:])
    if not text:
        raise InputError("EXPR is empty; give a formula like 'x**2 - y**2'")
    try:
        return Target(Objective(text), text)
    except InputError as exc:
        if "variables=" not in str(exc):
            raise
        # the API's advice (variables=...) cannot be followed on the command line
        raise InputError(
            f"EXPR={text!r} has no variables: saddlecheck analyses a function of at least "
            "one variable; write one in the formula, or use @file.py defining f and "
            "variables = (x, ...)"
        ) from None


def check_problem_options(name: str, options: dict) -> dict:
    """The options ``problem:NAME`` takes, within the size limits; bad input otherwise.

    >>> check_problem_options("toy", {"d": 3})
    Traceback (most recent call last):
    ...
    saddlecheck._validation.InputError: problem:toy takes no --d; its options are: --R
    """
    import inspect

    ctor = problems.NAMES.get(name)
    if ctor is None:
        return options  # problems.get names the known problems
    takes = [k for k in PROBLEM_OPTIONS if k in inspect.signature(ctor).parameters]
    wrong = [k for k in options if k not in takes]
    if wrong:
        its = f"its options are: {' '.join(f'--{k}' for k in takes)}" if takes else "it has none"
        raise InputError(f"problem:{name} takes no {' '.join(f'--{k}' for k in wrong)}; {its}")
    n = 1
    for k in ("d", "r"):
        if isinstance(options.get(k), int):
            if options[k] < 1:
                raise InputError(f"--{k}={options[k]} must be >= 1")
            n *= options[k]
    if n > MAX_PROBLEM_VARIABLES:
        given = " ".join(f"--{k} {options[k]}" for k in ("d", "r") if k in options)
        raise InputError(
            f"problem:{name} with {given} has {n} variables; the command line builds "
            f"problems with at most {MAX_PROBLEM_VARIABLES} (the symbolic Hessian has n^2 "
            "entries); use the API for more"
        )
    if isinstance(options.get("m"), int) and options["m"] > MAX_MEASUREMENTS:
        raise InputError(f"--m {options['m']}: at most {MAX_MEASUREMENTS} measurements")
    return options


def check_magnitude(values, name: str, *, positive: bool = False) -> None:
    """Refuse numbers beyond :data:`MAX_MAGNITUDE` (or, ``positive``, below its inverse)."""
    for v in values:
        if abs(v) > MAX_MAGNITUDE or (positive and 0 < abs(v) < 1 / MAX_MAGNITUDE):
            raise InputError(
                f"{name}={_short_number(v)} is out of range: numbers on the command line must "
                "have magnitude at most 1e100" + (" and at least 1e-100" if positive else "")
            )


def _short_number(v: Fraction) -> str:
    text = str(v)
    if len(text) <= 30:
        return text
    exp = math.log10(abs(v.numerator)) - math.log10(v.denominator)
    return f"{'-' if v < 0 else ''}1e{round(exp)} (about)"


def check_figure_path(path: str | None) -> str | None:
    """``--plot FILE`` checked before any computation: a known format, a writable place."""
    if path is None:
        return None
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in FIGURE_FORMATS:
        raise InputError(
            f"--plot={path!r}: unknown figure format {ext or '(no extension)'!r}; "
            "end the file name with .png, .pdf or .svg"
        )
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'saddlecheck[plot]'") from None
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        raise InputError(f"--plot={path!r}: cannot write in {parent!r}")
    return path


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
    values = [to_rational(p.strip(), name) for p in parts]
    check_magnitude(values, name)
    return values


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
        check_magnitude([e for iv in box.intervals for e in iv], "--box end")
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
        value = check_positive(name, text, allow_zero=allow_zero)
    else:
        value = to_rational(text, name)
    check_magnitude([value], name, positive=positive)
    return value


def as_float(q: object) -> float:
    return float(q)

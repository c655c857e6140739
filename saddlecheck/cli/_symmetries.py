"""``analyze --symmetry SPEC``: declared symmetries from the command line.

Each ``--symmetry`` (repeatable) is one symmetry, built into the mapping that
:func:`~saddlecheck.landscape.strict_saddle.check_strict_saddle` takes as one
entry of ``symmetries=`` (see :mod:`saddlecheck.landscape.symmetry`):

* a signed permutation, ``VAR=[-]VAR`` items separated by commas:
  ``--symmetry "x=-x"`` gives ``{"x": "-x"}``, ``--symmetry "x=y,y=x"`` gives
  ``{"x": "y", "y": "x"}`` (variables not named are fixed);
* the orthogonal invariance ``U -> U R`` of a ``d x r`` matrix of variables,
  rows separated by ``;``, entries by spaces:
  ``--symmetry "orthogonal=u1_1 u1_2; u2_1 u2_2"`` gives
  ``{"orthogonal": [["u1_1", "u1_2"], ["u2_1", "u2_2"]]}``
  (``rotation=...`` for ``R`` in ``SO(r)`` only; a variable named
  ``orthogonal`` or ``rotation`` keeps the first form).

The text is parsed strictly here (syntax, variable names, repeats); whether
``f`` is invariant is proved by :mod:`saddlecheck.landscape.symmetry` before
any search starts. Every problem is an :class:`~saddlecheck.InputError`
naming ``--symmetry`` and the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from saddlecheck._validation import InputError

__all__ = ["parse_symmetries", "parse_symmetry"]

MATRIX_KEYS = ("orthogonal", "rotation")  # :mod:`saddlecheck.landscape.orthogonal`
_SIGNED = re.compile(r"([+-]?)\s*(\S+)")
EXAMPLES = "e.g. --symmetry 'x=-x', --symmetry 'x=y,y=x' or --symmetry 'orthogonal=a b; c d'"


def _bad(text: str, why: str) -> InputError:
    return InputError(f"--symmetry={text!r}: {why} ({EXAMPLES})")


def _variable(text: str, name: str, names: Sequence[str]) -> str:
    if name not in names:
        raise _bad(text, f"{name!r} is not a variable of f (variables: {', '.join(names)})")
    return name


def parse_symmetry(text: str, names: Sequence[str]) -> dict:
    """One ``--symmetry`` text as the mapping ``check_strict_saddle`` takes.

    Args:
        text: ``"x=-x"``, ``"x=y,y=x"``, ``"orthogonal=u1 u2; u3 u4"`` or
            ``"rotation=..."``.
        names: the objective's variable names.

    Raises:
        InputError: empty text, an item without one ``=``, an unknown or
            repeated variable, an empty or ragged orthogonal matrix.

    Examples:
        >>> parse_symmetry("x=-x", ["x", "y"])
        {'x': '-x'}
        >>> parse_symmetry(" x = y , y = x ", ["x", "y"])
        {'x': 'y', 'y': 'x'}
        >>> parse_symmetry("orthogonal=a b; c d", ["a", "b", "c", "d"])
        {'orthogonal': [['a', 'b'], ['c', 'd']]}
    """
    if not isinstance(text, str) or not text.strip():
        raise _bad(str(text), "empty; give VAR=[-]VAR items or orthogonal=MATRIX")
    head, eq, rest = text.partition("=")
    if eq and head.strip() in MATRIX_KEYS and head.strip() not in names:
        return {head.strip(): _matrix(text, rest, names)}
    out: dict[str, str] = {}
    for item in text.split(","):
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or "=" in value or not key or not value:
            raise _bad(text, f"{item.strip()!r} is not of the form VAR=VAR or VAR=-VAR")
        match = _SIGNED.fullmatch(value)
        if match is None:
            raise _bad(text, f"{value!r} is not a variable or a negated variable")
        sign, target = match.groups()
        _variable(text, key, names)
        _variable(text, target, names)
        if key in out:
            raise _bad(text, f"{key!r} is mapped twice")
        out[key] = ("-" if sign == "-" else "") + target
    targets = [v.lstrip("-") for v in out.values()]
    if len(set(targets)) != len(targets):
        raise _bad(text, "two variables are mapped to the same one (not a permutation)")
    return out


def _matrix(text: str, body: str, names: Sequence[str]) -> list[list[str]]:
    rows = [row.replace(",", " ").split() for row in body.split(";")]
    if not rows or any(not row for row in rows):
        raise _bad(text, "an empty row; write rows of variable names separated by ';'")
    if len({len(row) for row in rows}) != 1:
        raise _bad(text, f"rows of lengths {[len(r) for r in rows]}: the matrix must be d x r")
    flat = [_variable(text, name, names) for row in rows for name in row]
    if len(set(flat)) != len(flat):
        raise _bad(text, "a variable appears twice in the matrix")
    return rows


def parse_symmetries(texts: Sequence[str] | None, names: Sequence[str]) -> list[dict]:
    """Every ``--symmetry`` given (``None``: none), parsed by :func:`parse_symmetry`.

    >>> parse_symmetries(["x=-x", "y=-y"], ["x", "y"])
    [{'x': '-x'}, {'y': '-y'}]
    """
    return [parse_symmetry(t, names) for t in texts or ()]

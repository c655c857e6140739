"""saddlecheck: verified mathematics around perturbed gradient descent.

The public names of DESIGN.md section 4, one per line. Everything else is
private and free to change. Names are imported on first use (PEP 562), so
``import saddlecheck`` (and the pytest plugin that pytest loads at every
start) stays cheap; ``from saddlecheck import Objective`` works as usual.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "Box": "saddlecheck.box",
    "InputError": "saddlecheck._validation",
    "Objective": "saddlecheck.objective",
    "Smoothness": "saddlecheck.smoothness",
    "certify_sosp": "saddlecheck.certify",
    "certify_strict_saddle_point": "saddlecheck.certify",
    "check_strict_saddle": "saddlecheck.strict_saddle",
    "critical_points": "saddlecheck.critical",
    "gd": "saddlecheck.pgd",
    "lambda_min_enclosure": "saddlecheck.arith.symmetric",
    "pgd": "saddlecheck.pgd",
    "pgd_li": "saddlecheck.pgd",
    "pgd_params": "saddlecheck.pgd",
    "smoothness": "saddlecheck.smoothness",
    "verify_certificate": "saddlecheck.certify",
}

__all__ = [
    "Box",
    "InputError",
    "Objective",
    "Smoothness",
    "certify_sosp",
    "certify_strict_saddle_point",
    "check_strict_saddle",
    "critical_points",
    "gd",
    "lambda_min_enclosure",
    "pgd",
    "pgd_li",
    "pgd_params",
    "smoothness",
    "verify_certificate",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module 'saddlecheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])


class _Package(types.ModuleType):
    """Importing ``saddlecheck.pgd`` or ``saddlecheck.smoothness`` (modules) makes
    Python set them as attributes of the package, which would hide the functions
    ``pgd`` and ``smoothness`` exported under the same names; this keeps the
    functions (the modules stay in ``sys.modules``)."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from saddlecheck._validation import InputError
    from saddlecheck.arith.symmetric import lambda_min_enclosure
    from saddlecheck.box import Box
    from saddlecheck.certify import certify_sosp, certify_strict_saddle_point, verify_certificate
    from saddlecheck.critical import critical_points
    from saddlecheck.objective import Objective
    from saddlecheck.pgd import gd, pgd, pgd_li, pgd_params
    from saddlecheck.smoothness import Smoothness, smoothness
    from saddlecheck.strict_saddle import check_strict_saddle

"""saddlecheck: verified mathematics around perturbed gradient descent.

The public names (README, "The API in one screen"), one per line. Everything else is
private and free to change. Names are imported on first use (PEP 562), so
``import saddlecheck`` (and the pytest plugin that pytest loads at every
start) stays cheap; ``from saddlecheck import Objective`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "Box": "saddlecheck.box",
    "InputError": "saddlecheck._validation",
    "Objective": "saddlecheck.objective",
    "Smoothness": "saddlecheck.landscape",
    "certify_sosp": "saddlecheck.certificates",
    "certify_strict_saddle_point": "saddlecheck.certificates",
    "check_strict_saddle": "saddlecheck.landscape",
    "critical_points": "saddlecheck.landscape",
    "gd": "saddlecheck.solver",
    "lambda_min_enclosure": "saddlecheck.arith.symmetric",
    "pgd": "saddlecheck.solver",
    "pgd_li": "saddlecheck.solver",
    "pgd_params": "saddlecheck.solver",
    "smoothness": "saddlecheck.landscape",
    "verify_certificate": "saddlecheck.certificates",
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


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from saddlecheck._validation import InputError
    from saddlecheck.arith.symmetric import lambda_min_enclosure
    from saddlecheck.box import Box
    from saddlecheck.certificates import (
        certify_sosp,
        certify_strict_saddle_point,
        verify_certificate,
    )
    from saddlecheck.landscape import Smoothness, check_strict_saddle, critical_points, smoothness
    from saddlecheck.objective import Objective
    from saddlecheck.solver import gd, pgd, pgd_li, pgd_params

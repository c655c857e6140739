"""saddlecheck: verified mathematics around perturbed gradient descent.

The public names of DESIGN.md section 4, one per line. Everything else is
private and free to change.
"""

from saddlecheck._validation import InputError
from saddlecheck.arith.symmetric import lambda_min_enclosure
from saddlecheck.box import Box
from saddlecheck.certify import (
    certify_sosp,
    certify_strict_saddle_point,
    verify_certificate,
)
from saddlecheck.critical import critical_points
from saddlecheck.objective import Objective
from saddlecheck.pgd import gd, pgd, pgd_li, pgd_params
from saddlecheck.smoothness import Smoothness, smoothness
from saddlecheck.strict_saddle import check_strict_saddle

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

__version__ = "0.1.0"

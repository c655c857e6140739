"""saddlecheck: verified mathematics around perturbed gradient descent.

The public names of DESIGN.md section 4, one per line. Everything else is
private and free to change.
"""

from saddlecheck._validation import InputError
from saddlecheck.box import Box
from saddlecheck.objective import Objective
from saddlecheck.smoothness import Smoothness, smoothness

__all__ = [
    "Box",
    "InputError",
    "Objective",
    "Smoothness",
    "smoothness",
]

__version__ = "0.1.0"

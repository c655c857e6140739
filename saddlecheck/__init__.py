"""saddlecheck: verified mathematics around perturbed gradient descent.

The public names of DESIGN.md section 4, one per line. Everything else is
private and free to change.
"""

from saddlecheck._validation import InputError

__all__ = [
    "InputError",
]

__version__ = "0.1.0"

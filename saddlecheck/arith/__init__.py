"""Numeric back ends: float64, mpmath, balls (python-flint) and exact rationals."""

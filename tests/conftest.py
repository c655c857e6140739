"""Hypothesis profiles and shared fixtures.

Profiles (select with HYPOTHESIS_PROFILE=...; `make test` uses ``ci``):

* ``ci``: derandomized (fixed seed), no example database, bounded examples,
  no deadline: the suite is reproducible and finishes well within CI limits.
* ``dev``: the default for local runs; random, a few more examples.
* ``thorough``: for nightly/long runs (``HYPOTHESIS_PROFILE=thorough make test``).
"""

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=1000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _mpmath_precision_untouched():
    """No saddlecheck code may change mpmath's global precision."""
    before = mpmath.mp.prec
    yield
    assert mpmath.mp.prec == before, "mpmath.mp.prec was changed and not restored"

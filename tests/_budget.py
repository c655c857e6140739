"""Example budgets that follow the Hypothesis profile.

A test's own ``@settings(max_examples=n)`` overrides the profile, so a slow
property would run ``n`` examples even under ``HYPOTHESIS_PROFILE=thorough``.
Such tests use ``max_examples=examples(n)``: ``n`` in the ``ci`` and ``dev``
profiles, ten times ``n`` in ``thorough``.
"""

import os

SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1


def examples(n: int) -> int:
    return n * SCALE

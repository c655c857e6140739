"""Every script in examples/ runs to completion (fast settings) and exits 0.

Each example exits non-zero when what it demonstrates did not happen (for
instance a strict-saddle check that should hold did not), so these tests check
the examples' claims, not only that they run. Fast mode: ``SADDLECHECK_FAST=1``.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
SLOW = {"guard_your_pgd.py"}  # runs the guard's quick profile on two implementations

SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def test_there_is_one_example_per_user_job():
    expected = {
        "check_strict_saddle.py",  # check a new objective is strict-saddle
        "certify_external_point.py",  # certify a point another optimiser returned
        "matrix_factorization.py",  # the paper's worked example
        "octopus_race.py",  # GD vs PGD on the octopus
    }
    assert expected <= set(SCRIPTS), sorted(expected - set(SCRIPTS))


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in SCRIPTS],
)
def test_example_runs(name, tmp_path):
    env = {**os.environ, "SADDLECHECK_FAST": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert res.returncode == 0, f"{name} exited {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert res.stdout.strip(), f"{name} printed nothing"
    assert "Traceback" not in res.stderr

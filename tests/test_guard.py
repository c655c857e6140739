"""The regression guard (issue 6): it passes correct PGDs and catches every planted bug.

Deterministic: the guard's Hypothesis searches use a fixed seed (``GUARD_SEED``),
so these outcomes are the same on every run. A correct implementation fails the
quick profile with probability below the report's ``false_alarm`` (< 1e-6: the
radius-law KS tests at 1e-8 each plus per-run escape bounds far below that).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import guard_reference
import numpy as np
import pytest
from guard_mutants import MUTANTS

from saddlecheck import InputError
from saddlecheck.testing import NAMES, PROPERTIES, check_pgd, saddlecheck_pgd, saddlecheck_stepper

HERE = Path(__file__).parent
BLACK_BOX = [p.name for p in PROPERTIES if p.kind == "black-box"]


def _passes_everything(report) -> None:
    assert report.passed, report.explain()
    assert all(r.status == "passed" for r in report.results), report.explain()
    assert report.false_alarm < 1e-6, report.explain()


@pytest.mark.slow
def test_reference_passes_quick_profile():
    """The independent numpy PGD of tests/guard_reference.py: every property applies and holds."""
    _passes_everything(check_pgd(guard_reference.pgd, "quick"))


@pytest.mark.slow
def test_saddlecheck_pgd_algorithm_passes_quick_profile():
    """saddlecheck's Algorithm 2 (pgd_params, the stepper, the driver) on the recorded callables."""
    _passes_everything(check_pgd(saddlecheck_stepper, "quick"))


def test_public_pgd_passes_black_box_and_trace_is_not_applicable():
    """saddlecheck.pgd on the exact objective: it never calls problem.grad, so trace
    properties are reported not applicable, and the black-box properties hold."""
    rep = check_pgd(saddlecheck_pgd, "quick", [*BLACK_BOX, "descent"])
    assert rep.passed, rep.explain()
    assert all(rep[n].status == "passed" for n in BLACK_BOX), rep.explain()
    assert rep["descent"].status == "not applicable"
    assert "never queried grad" in rep["descent"].verdict.message


#: The property expected to catch each mutant (the full table: benchmarks/bench_guard.py).
CATCHER = {
    "x_tilde_gradient": "sosp",
    "radius_without_r": "radius",
    "sphere": "radius-law",
    "no_termination": "return-rule",
    "returns_perturbed": "return-rule",
    "perturb_often": "window-rule",
    "perturb_large_gradient": "perturb-small-gradient",
    "clip_t_thres": "return-rule",
    "constant_r": "radius",
    "float32": "float64",
    "chi_log10": "radius",
    "step_one_over_ell": "perturb-small-gradient",
    "perturb_every_step": "window-rule",
    "last_iterate": "return-rule",
    "cube_in_ball": "radius-law",
    "stale_gradient": "radius",
    "wrong_step_size": "perturb-small-gradient",
    "floor_window": "return-rule",
}


#: The start of the one-line cause each catcher must name (issue 12).
CAUSE = {
    "x_tilde_gradient": "stores the gradient instead of the point as x_tilde",
    "radius_without_r": "xi not scaled by r",
    "sphere": "sphere instead of ball",
    "no_termination": "no termination rule",
    "returns_perturbed": "returns the perturbed point",
    "perturb_often": "perturbs more often than once per window",
    "perturb_large_gradient": "perturbs where ||grad f|| > g_thres",
    "clip_t_thres": "window too short",
    "constant_r": "perturbation radius too large",
    "float32": "float32 arithmetic",
    "chi_log10": "perturbation radius too large",
    "step_one_over_ell": "wrong step size: eta observed",
    "perturb_every_step": "perturbs more often than once per window",
    "last_iterate": "returns the last iterate x_t instead of x_tilde",
    "cube_in_ball": "cube instead of ball",
    "stale_gradient": "stale gradient after a perturbation",
    "wrong_step_size": "wrong step size: eta observed",
    "floor_window": "t_window = floor(t_thres)",
}


def test_every_mutant_has_a_catcher():
    assert set(CATCHER) == set(MUTANTS) == set(CAUSE) and set(CATCHER.values()) <= set(NAMES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_quick_profile_fails_every_mutant(name):
    """Each mutant fails the quick profile: its catching property (part of the profile,
    same instances) fails, with a shrunk instance and a verdict saying why."""
    impl, what = MUTANTS[name]
    rep = check_pgd(impl, "quick", [CATCHER[name]])
    assert not rep.passed, f"{name} ({what}) was not caught:\n{rep.explain()}"
    res = rep[CATCHER[name]]
    assert res.failed and res.example and res.verdict.holds is False
    assert res.cause.startswith(CAUSE[name]), f"{name}: cause {res.cause!r}\n{rep.explain()}"
    if name == "floor_window":  # the decision, stated in the message
        assert "a failure, not a convention" in res.cause


# -- reconstruction of the trace ----------------------------------------------------


class _Twice:
    """Wraps a problem so each gradient query is made twice (a common habit)."""

    def __init__(self, problem):
        self._p = problem

    def __getattr__(self, name):
        return getattr(self._p, name)

    def grad(self, x):
        self._p.grad(x)
        return self._p.grad(x)


def _double_query(problem, seed):
    return guard_reference.pgd(_Twice(problem), seed)


def _revisit(problem, seed):
    """Asks grad f(x_tilde) again after the run (a re-evaluation, not a step)."""
    x = guard_reference.pgd(problem, seed)
    problem.grad(x)
    problem.f(x)
    return x


TRACE = ["descent", "window-rule", "return-rule", "radius", "perturb-small-gradient"]


@pytest.mark.parametrize("impl", [_double_query, _revisit])
def test_reconstruction_undoes_query_habits(impl):
    rep = check_pgd(impl, "quick", TRACE)
    assert rep.passed, rep.explain()
    assert all(r.status == "passed" for r in rep.results)


def test_never_returning_implementation_is_stopped_by_the_budget():
    def loops(problem, seed):
        x = problem.x0
        while True:
            x = x - 0.0 * problem.grad(x)

    rep = check_pgd(loops, "quick", ["terminates"])
    assert not rep.passed
    assert "did not return" in rep["terminates"].verdict.message


def test_wrong_shape_and_nan_are_failures_not_crashes():
    rep = check_pgd(lambda p, s: np.zeros(p.dim + 1), "quick", ["terminates"])
    assert "shape" in rep["terminates"].verdict.message
    rep = check_pgd(lambda p, s: np.full(p.dim, np.nan), "quick", ["terminates"])
    assert "non-finite" in rep["terminates"].verdict.message


def test_bad_arguments_raise_input_error():
    with pytest.raises(InputError, match="profile"):
        check_pgd(guard_reference.pgd, "slow")
    with pytest.raises(InputError, match="unknown properties"):
        check_pgd(guard_reference.pgd, properties=["nope"])
    with pytest.raises(InputError, match="not callable"):
        check_pgd(42)
    from saddlecheck.testing._load import load_impl

    for bad in ("no_colon", "nonexistent_module_xyz:impl", "json:nothing", "json:__doc__"):
        with pytest.raises(InputError):
            load_impl(bad)


def test_report_is_data():
    rep = check_pgd(guard_reference.pgd, "quick", ["terminates", "radius"])
    data = json.loads(rep.to_json())
    assert data["passed"] is True and len(data["results"]) == 2
    assert "PASSED" in rep.explain() and rep["radius"].claim == "T11"


# -- command line and pytest plugin -------------------------------------------------


def _env():
    return {**os.environ, "PYTHONPATH": str(HERE)}


def test_command_line(tmp_path):
    target = f"{HERE / 'guard_reference.py'}:pgd"
    cmd = [sys.executable, "-m", "saddlecheck.testing", target, "--properties", "terminates,radius"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, env=_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASSED" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "saddlecheck.testing", "nope:impl"],
                         capture_output=True, text=True, cwd=tmp_path, env=_env())  # fmt: skip
    assert bad.returncode == 2 and "cannot import" in bad.stderr


@pytest.mark.slow
def test_pytest_plugin_one_test_per_property(tmp_path):
    """``pytest --saddlecheck-pgd`` (entry point pytest11): a pass and a caught mutant."""
    (tmp_path / "impls.py").write_text(
        "from guard_mutants import MUTANTS\nfrom guard_reference import pgd\n"
        "sphere = MUTANTS['sphere'][0]\n"
    )
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
            "--saddlecheck-properties", "terminates,radius,radius-law"]  # fmt: skip
    ok = subprocess.run([*base, "--saddlecheck-pgd", "impls:pgd"], capture_output=True,
                        text=True, cwd=tmp_path, env=_env())  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "3 passed" in ok.stdout
    bad = subprocess.run([*base, "--saddlecheck-pgd", "impls:sphere"], capture_output=True,
                         text=True, cwd=tmp_path, env=_env())  # fmt: skip
    assert bad.returncode == 1
    assert "saddlecheck-guard::radius-law" in bad.stdout and "1 failed, 2 passed" in bad.stdout
    assert "radius law" in bad.stdout  # the verdict is shown


def test_plugin_is_inert_without_the_option(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
                         capture_output=True, text=True, cwd=tmp_path, env=_env())  # fmt: skip
    assert out.returncode == 0 and "1 passed" in out.stdout

"""Issue 12: the false alarm is gone, witnesses are right, failures are saved and replayed.

Each test pins one statement of the issue: a correct implementation that
evaluates ``f(x_t)`` and ``f(x_tilde)`` at the return test passes
``window-decrease`` from an exact minimum; identical windows (a re-seeded
sampler) keep their true gap in the witness; every failure names a cause and
is saved as a JSON case that ``check_pgd(impl, replay=...)``, ``saddlecheck guard
--replay`` and ``python -m saddlecheck.testing --replay`` run again; the guard's
own arithmetic on a diverging run raises no warning; a deeper profile never
passes what quick fails.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import guard_reference
import numpy as np
import pytest
from guard_corpus import CORPUS
from guard_mutants import MUTANTS

from saddlecheck import InputError
from saddlecheck.claims import ball_sampler
from saddlecheck.testing import check_pgd
from saddlecheck.testing._landscapes import Component, Landscape
from saddlecheck.testing._problem import GuardCase
from saddlecheck.testing._replay import FORMAT, case_from_dict, case_to_dict

HERE = Path(__file__).parent
#: The shrunk instance of issue 12's false alarm: well(1/2, 1), start at the minimum 1.
ISSUE_CASE = GuardCase(
    Landscape((Component("well", (Fraction(1, 2), Fraction(1))),)), "minimum", seed=0
)


def _case(case: GuardCase, prop: str, profile: str = "quick") -> dict:
    return {"format": FORMAT, "property": prop, "profile": profile, "case": case_to_dict(case)}


def test_issue_false_alarm_is_gone():
    """f(x_t) and f(x_tilde) asked at the return test, start at an exact minimum:
    the f(x_tilde) query is not one more iterate (it was: T7 failed with lhs = 0)."""
    p = ISSUE_CASE.params
    assert math.isclose(p.f_thres, 2.24283e-08, rel_tol=1e-5)  # the issue's rhs
    impl = CORPUS["return_test_evaluates_both"]
    for prop in ("window-decrease", "return-rule", "window-rule"):
        rep = check_pgd(impl, replay=_case(ISSUE_CASE, prop), cases_dir=False)
        assert rep.passed and rep.results[0].status == "passed", rep.explain()
    for seed in range(1, 6):  # other seeds, and asking f(x_tilde) first
        for name in ("return_test_evaluates_both", "tilde_first", "stepper_class"):
            rep = check_pgd(CORPUS[name], replay=_case(ISSUE_CASE.with_seed(seed),
                            "window-decrease"), cases_dir=False)  # fmt: skip
            assert rep.passed, rep.explain()


def _often(problem, seed, *, reseed):
    """Perturbs every 200 steps at the minimum; ``reseed``: the same xi every time."""
    rng = np.random.default_rng(seed)
    x = np.array(problem.x0, dtype=np.float64)
    eta, r = problem.c / problem.ell, 1e-6
    t_noise = -1000
    for t in range(2000):
        g = problem.grad(x)
        if t - t_noise > 200:
            if reseed:
                rng = np.random.default_rng(seed)
            u = rng.standard_normal(problem.dim)
            x, t_noise = x + r * u / np.linalg.norm(u) * rng.random(), t
            g = problem.grad(x)
        x = x - eta * g
    return x


def test_identical_windows_keep_their_gap():
    """Issue 12: "perturbations at points 531 and 532, gap 0" where the gap was 40:
    identical windows were dropped as re-evaluations. The witness must report the
    same gap whether or not the windows are identical."""
    gaps = {}
    for reseed in (False, True):

        def impl(problem, seed, reseed=reseed):
            return _often(problem, seed, reseed=reseed)

        rep = check_pgd(impl, replay=_case(ISSUE_CASE, "window-rule"), cases_dir=False)
        res = rep.results[0]
        assert res.failed and "more often than once per window" in res.cause, rep.explain()
        gaps[reseed] = res.verdict.lhs
        assert f"({int(res.verdict.lhs)} gradient steps between them)" in res.verdict.where
    assert gaps[True] == gaps[False] == 201, gaps


def test_failure_is_saved_replayed_and_named(tmp_path):
    impl = MUTANTS["last_iterate"][0]
    rep = check_pgd(impl, "quick", ["return-rule"], cases_dir=tmp_path)
    res = rep["return-rule"]
    assert res.failed and res.cause.startswith("returns the last iterate"), rep.explain()
    text = rep.explain()
    assert text.index("likely cause:") < text.index("evidence:") < text.index("replay:")
    assert f"--replay {res.case_file}" in res.replay and res.replay in text
    data = json.loads(Path(res.case_file).read_text())
    assert data["format"] == FORMAT and data["property"] == "return-rule"
    assert data["profile"] == "quick" and data["cause"] == res.cause
    assert case_from_dict(data["case"]) == case_from_dict(json.loads(json.dumps(data["case"])))
    again = check_pgd(impl, replay=res.case_file, cases_dir=False)
    assert not again.passed and again.results[0].verdict == res.verdict
    # the same instance, all per-run properties, on the correct reference
    ok = check_pgd(guard_reference.pgd, replay=res.case_file, cases_dir=False,
                   properties=["return-rule", "descent", "radius"])  # fmt: skip
    assert ok.passed and [r.status for r in ok.results] == ["passed"] * 3, ok.explain()


def _env():
    return {**os.environ, "PYTHONPATH": str(HERE)}


def test_replay_from_the_command_lines(tmp_path):
    rep = check_pgd(MUTANTS["last_iterate"][0], "quick", ["return-rule"], cases_dir=tmp_path)
    case = rep["return-rule"].case_file
    target = "guard_mutants:MUTANTS"  # not callable: the CLI must say so, exit 2
    bad = subprocess.run([sys.executable, "-m", "saddlecheck.testing", target, "--replay", case],
                         capture_output=True, text=True, env=_env(), cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2
    (tmp_path / "impls.py").write_text("from guard_mutants import MUTANTS\n"
                                       "last = MUTANTS['last_iterate'][0]\n")  # fmt: skip
    for cmd in (
        [sys.executable, "-m", "saddlecheck.testing", "impls:last", "--replay", case],
        [sys.executable, "-m", "saddlecheck", "guard", "impls:last", "--replay", case],
    ):
        out = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=tmp_path)
        assert out.returncode == 1, out.stdout + out.stderr
        assert "likely cause: returns the last iterate" in out.stdout
        assert "--replay" in out.stdout


@pytest.mark.parametrize(
    "bad",
    ["/nonexistent/case.json", "{not json", '{"format": "other"}',
     {"format": FORMAT, "property": "radius", "profile": "quick", "case": {"start": "x"}}],
)  # fmt: skip
def test_bad_case_files_raise_input_error(bad):
    with pytest.raises(InputError):
        check_pgd(guard_reference.pgd, replay=bad)


def test_diverging_implementation_gives_findings_not_warnings():
    """No RuntimeWarning escapes the guard's own checks (warnings are errors here)."""

    def diverges(problem, seed):
        x = np.array(problem.x0)
        for _ in range(3000):
            with np.errstate(all="ignore"):
                x = x - 1e3 * problem.grad(x)
            problem.f(x)
        return np.zeros(problem.dim)

    rep = check_pgd(diverges, "quick", ["terminates", "radius", "return-rule"], cases_dir=False)
    assert rep["terminates"].status == "passed" and rep["return-rule"].failed, rep.explain()
    cause = rep["return-rule"].cause
    assert cause.startswith(("wrong step size: eta observed = 1000", "the iterates diverged"))


def test_thorough_never_passes_what_quick_fails():
    """Thorough runs quick's instances first: a quick failure stops it there."""
    impl = MUTANTS["cube_in_ball"][0]
    quick = check_pgd(impl, "quick", ["radius-law"], cases_dir=False)
    deep = check_pgd(impl, "thorough", ["radius-law"], cases_dir=False)
    assert quick["radius-law"].failed and deep["radius-law"].failed
    assert deep["radius-law"].profile == "quick"
    assert deep["radius-law"].verdict == quick["radius-law"].verdict


def test_cube_test_false_alarm_and_power():
    """The cube-in-ball count: the ball's own samples pass it at the stated level; 60
    cube samples in d = 2 fail it ((2/pi)^60 < 2e-12)."""
    rng = np.random.default_rng(7)
    for d in (2, 3, 5):
        u = rng.standard_normal((400, d))
        ball = u / np.linalg.norm(u, axis=1, keepdims=True) * rng.random((400, 1)) ** (1 / d)
        assert ball_sampler(ball, 1.0, alpha=1e-8).holds is True
    cube = rng.uniform(-1, 1, (60, 2)) / math.sqrt(2)
    v = ball_sampler(cube, 1.0, alpha=1e-8)
    assert v.holds is False and "outside the cube" in v.message

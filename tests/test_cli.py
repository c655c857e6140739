"""The ``saddlecheck`` command: every subcommand, every exit code, bad input.

Most tests call :func:`saddlecheck.cli.main` in-process (fast); a few run the
installed console script and ``python -m saddlecheck`` in a subprocess to
check the real exit codes and that stderr carries one line and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _streams import FakeStream

from saddlecheck.cli import main

TOY = "x**4/4 - x**2/2 + y**2/2"
BIN = os.path.dirname(sys.executable)


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> tuple[int, dict]:
    code, out, _ = run_cli(capsys, *argv, "--json")
    doc = json.loads(out)
    assert doc["exit_code"] == code
    return code, doc


def assert_bad_input(capsys, *argv: str, mentions: str) -> str:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected a one-line message, got {err!r}"
    assert lines[0].startswith("saddlecheck: error:")
    assert "Traceback" not in err
    assert mentions.lower() in lines[0].lower(), lines[0]
    return lines[0]


# ---------------------------------------------------------------- certify / verify


def test_certify_exit_codes_holds_disproved_undecided(capsys):
    code, doc = run_json(capsys, "certify", TOY, "--point", "1,0", "--eps", "1e-6", "--rho", "12")
    assert (code, doc["verdict"], doc["kind"]) == (0, "holds", "sosp")
    code, doc = run_json(capsys, "certify", TOY, "--point", "0,0", "--eps", "1e-6", "--rho", "12")
    assert (code, doc["verdict"]) == (1, "disproved")
    assert doc["lambda_min"][1] < 0  # the proved upper bound on lambda_min at the saddle
    # ||grad|| = 1 = eps exactly, but ball arithmetic cannot decide sin^2 + cos^2 = 1.
    code, doc = run_json(
        capsys, "certify", "x*(sin(y)**2 + cos(y)**2)", "--point", "0,1", "--eps", "1", "--rho", "1"
    )
    assert (code, doc["verdict"]) == (3, "undecided")


def test_certify_strict_saddle_point_and_negative_point(capsys):
    code, doc = run_json(capsys, "certify", "x**2 - y**2", "--point", "0,0", "--gamma", "1")
    assert (code, doc["kind"], doc["direction"]) == (0, "strict_saddle_point", ["0", "1"])
    code, _ = run_json(capsys, "certify", TOY, "--point", "-1,0", "--gamma", "1/2")
    assert code == 1  # lambda_min = 1 at the minimum (-1, 0): not <= -1/2


def test_certify_rho_from_problem_box(capsys):
    code, out, _ = run_cli(capsys, "certify", "problem:toy", "--point", "1,0", "--eps", "1e-3")
    assert code == 0
    # rho is proved as 12.0000000075: the printed bound is rounded up, never to "12"
    assert "rho = 12.0001: proved upper bound" in out


def test_certify_out_and_verify_round_trip(capsys, tmp_path):
    cert = tmp_path / "cert.json"
    code, _, _ = run_cli(
        capsys, "certify", TOY, "--point", "0,0", "--eps", "1e-6", "--rho", "12", "--out", str(cert)
    )
    assert code == 1 and cert.exists()
    code, doc = run_json(capsys, "verify", str(cert))
    assert (code, doc["valid"], doc["claimed_holds"]) == (0, True, False)
    data = json.loads(cert.read_text())
    data["holds"] = True  # a forged verdict
    cert.write_text(json.dumps(data))
    code, doc = run_json(capsys, "verify", str(cert))
    assert (code, doc["verdict"], doc["valid"]) == (1, "disproved", False)


def test_verify_bad_input(capsys, tmp_path):
    assert_bad_input(capsys, "verify", str(tmp_path / "missing.json"), mentions="not found")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert_bad_input(capsys, "verify", str(junk), mentions="not valid JSON")


# ---------------------------------------------------------------- bad input table

BAD = [
    (("certify", "x**2 + (y", "--point", "0,0", "--gamma", "1"), "cannot parse"),
    (("certify", "abs(x) + y**2", "--point", "0,0", "--gamma", "1"), "not differentiable"),
    (("certify", TOY, "--point", "1,0,0", "--eps", "1e-3", "--rho", "1"), "2 variable"),
    (("certify", TOY, "--point", "1,zero", "--eps", "1e-3", "--rho", "1"), "not a number"),
    (("certify", TOY, "--point", "1,0", "--eps", "-1", "--rho", "1"), "eps"),
    (("certify", TOY, "--point", "1,0", "--rho", "1"), "exactly one of --eps"),
    (("certify", TOY, "--point", "1,0", "--eps", "1e-3"), "--rho"),
    (("analyze", TOY, "--box", "-2:2"), "dimension 1"),
    (("analyze", TOY, "--box", "2:-2,0:1"), "swap the ends"),
    (("analyze", TOY, "--box", "a:b,0:1"), "-2:2,-2:2"),
    (("analyze", TOY), "needs a region"),
    (("analyze", TOY, "--box", "-1:1,-1:1", "--theta", "1"), "--gamma"),
    (("analyze", "x + y + z", "--box", "-1:1,-1:1,-1:1", "--plot", "f.png"), "2-D"),
    (("analyze", "problem:nope"), "unknown problem"),
    (("analyze", "problem:toy", "--r", "2"), "problem:toy takes no --r; its options are: --R"),
    (("analyze", "problem:toy", "--d", "3"), "problem:toy takes no --d; its options are: --R"),
    (("run", "problem:toy-nd", "--d", "100000", "--eps", "0.1"), "at most 200"),
    (("run", "problem:toy-nd", "--d", "100", "--eps", "0.1"), "pass --ell --rho"),
    (("analyze", "x**2", "--box=-1e999:1"), "at most 1e100"),
    (("run", "problem:toy", "--eps", "1e-400"), "--eps"),
    (("certify", "x**2 + y**2", "--point", "1e999,0", "--eps", "1", "--rho", "1"), "--point"),
    (("analyze", "problem:toy", "--plot", "x.xyz"), "unknown figure format 'xyz'"),
    (("run", "problem:toy", "--eps", "0.1", "--plot", "run"), "no extension"),
    (("analyze", "problem:toy", "--timeout", "0"), "--timeout"),
    (("run", "problem:toy", "--eps", "0.1", "--max-iter", "-1"), "--max-iter"),
    (("analyze", TOY, "--d", "2", "--box", "-1:1,-1:1"), "only apply"),
    (("analyze", "@no/such/file.py", "--box", "-1:1"), "not found"),
    (("guard", "no_such_module_xyz:impl"), "cannot import"),
    (("guard", "os.path"), "mypkg.module:impl"),
    (("guard", "no/such/file.py:impl"), "no file"),
    (("guard", "os:no_such_attribute"), "no attribute"),
]


@pytest.mark.parametrize(("argv", "mentions"), BAD, ids=[" ".join(a[:3]) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2(capsys, argv, mentions):
    assert_bad_input(capsys, *argv, mentions=mentions)


def test_usage_errors_are_one_line(capsys):
    assert_bad_input(capsys, "certify", TOY, mentions="--point")
    assert_bad_input(capsys, "frobnicate", mentions="invalid choice")


def test_no_command_prints_help_and_exits_2(capsys):
    code, _, err = run_cli(capsys)
    assert code == 2 and "COMMAND" in err


def test_debug_shows_the_traceback(capsys):
    code, _, err = run_cli(capsys, "certify", "x**2 + (y", "--point", "0,0", "--gamma", "1",
                           "--debug")  # fmt: skip
    assert code == 2
    assert "Traceback" in err and "InputError" in err


def test_internal_errors_never_exit_1(capsys, monkeypatch):
    import saddlecheck.cli._certify as certify_mod

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(certify_mod, "certify_sosp", broken)
    code, _, err = run_cli(capsys, "certify", TOY, "--point", "0,0", "--eps", "1", "--rho", "1")
    assert code == 4 and "internal error" in err and "boom" in err


# ---------------------------------------------------------------- @file.py


def test_file_objective(capsys, tmp_path):
    good = tmp_path / "obj.py"
    good.write_text(
        "import sympy\nx, y = sympy.symbols('x y')\nf = x**4/4 - x**2/2 + y**2/2\n"
        "variables = (y, x)\nbox = [(-2, 2), (-2, 2)]\n"
    )
    # variables = (y, x): the point is (y, x) = (0, 1), a minimum.
    code, doc = run_json(capsys, "certify", f"@{good}", "--point", "0,1", "--eps", "1e-3",
                         "--rho", "12")  # fmt: skip
    assert code == 0 and doc["certificate"]["variables"] == ["y", "x"]


def test_file_without_f_or_failing(capsys, tmp_path):
    no_f = tmp_path / "nof.py"
    no_f.write_text("g = 1\n")
    assert_bad_input(capsys, "analyze", f"@{no_f}", "--box", "-1:1", mentions="does not define f")
    boom = tmp_path / "boom.py"
    boom.write_text("raise RuntimeError('nope')\n")
    assert_bad_input(capsys, "analyze", f"@{boom}", "--box", "-1:1", mentions="RuntimeError")
    syntax = tmp_path / "syntax.py"
    syntax.write_text("f = (\n")
    assert_bad_input(capsys, "analyze", f"@{syntax}", "--box", "-1:1", mentions="SyntaxError")


# ---------------------------------------------------------------- analyze


def test_analyze_without_constants_exits_0(capsys):
    code, doc = run_json(capsys, "analyze", TOY, "--box", "-2:2,-2:2")
    assert (code, doc["verdict"]) == (0, "n/a")
    assert 11 <= doc["smoothness"]["ell"] <= 12.1 and 12 <= doc["smoothness"]["rho"] <= 13.2
    kinds = sorted(p["kind"] for p in doc["critical_points"]["points"])
    assert kinds == ["min", "min", "strict_saddle"]
    assert doc["gradient"] == ["x**3 - x", "y"]


def test_analyze_skips_critical_points_in_high_dimension(capsys):
    code, doc = run_json(capsys, "analyze", "problem:toy-nd", "--d", "5", "--rel-gap", "0.5")
    assert code == 0 and doc["critical_points"] is None


# ---------------------------------------------------------------- subprocess


def _script(*argv: str) -> subprocess.CompletedProcess:
    exe = os.path.join(BIN, "saddlecheck")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


def test_console_script_exit_codes():
    ok = _script("certify", TOY, "--point", "1,0", "--eps", "1e-6", "--rho", "12")
    no = _script("certify", TOY, "--point", "0,0", "--eps", "1e-6", "--rho", "12")
    bad = _script("certify", TOY, "--point", "0,0,0", "--eps", "1e-6", "--rho", "12")
    assert (ok.returncode, no.returncode, bad.returncode) == (0, 1, 2)
    assert "HOLDS" in ok.stdout and "DISPROVED" in no.stdout
    assert bad.stdout == "" and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_python_dash_m():
    res = subprocess.run(
        [sys.executable, "-m", "saddlecheck", "certify", "x*(sin(y)**2 + cos(y)**2)",
         "--point", "0,1", "--eps", "1", "--rho", "1", "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 3
    assert json.loads(res.stdout)["verdict"] == "undecided"


# ---------------------------------------------------------------- analyze: strict saddle


def test_analyze_strict_saddle_holds_and_fails_with_plot(capsys, tmp_path):
    fig = tmp_path / "landscape.png"
    code, doc = run_json(capsys, "analyze", "problem:toy", "--theta", "0.3", "--gamma", "0.5",
                         "--zeta", "0.5", "--plot", str(fig))  # fmt: skip
    assert (code, doc["verdict"], doc["strict_saddle"]["holds"]) == (0, "holds", True)
    assert doc["figures"] == [str(fig)] and fig.stat().st_size > 10_000
    code, doc = run_json(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--theta", "0.3",
                         "--gamma", "1.5", "--zeta", "0.5")  # fmt: skip
    assert (code, doc["verdict"]) == (1, "disproved")
    assert doc["strict_saddle"]["counterexample"] is not None


def test_analyze_undecided_at_a_tiny_budget(capsys):
    code, doc = run_json(capsys, "analyze", TOY, "--box", "-2:2,-2:2", "--theta", "0.3",
                         "--gamma", "0.5", "--zeta", "0.5", "--max-boxes", "3",
                         "--critical", "no")  # fmt: skip
    assert (code, doc["verdict"]) == (3, "undecided")
    assert doc["strict_saddle"]["undecided"]


# ---------------------------------------------------------------- run


def test_run_pgd_from_the_saddle_is_certified(capsys, tmp_path):
    fig = tmp_path / "run.png"
    code, doc = run_json(capsys, "run", "problem:toy", "--eps", "0.01", "--quiet",
                         "--max-iter", "100000", "--plot", str(fig))  # fmt: skip
    assert (code, doc["verdict"], doc["algorithm"]) == (0, "holds", "pgd")
    res = doc["result"]
    assert res["status"] == "terminated" and len(res["perturbations"]) >= 1
    assert abs(abs(float(res["x"][0])) - 1) < 0.05 and abs(float(res["x"][1])) < 0.05
    assert doc["certificate"]["holds"] is True
    assert "proved upper bound" in doc["sources"]["ell"] and fig.stat().st_size > 10_000


def test_run_gd_stays_at_the_saddle_exit_1(capsys):
    code, out, _ = run_cli(capsys, "run", TOY, "--x0", "0,0", "--eps", "0.01", "--ell", "11",
                           "--rho", "12", "--delta-f", "1/4", "--gd", "--quiet")  # fmt: skip
    assert code == 1
    assert "GD" in out and "eps-SOSP DISPROVED" in out


def test_run_bad_input(capsys):
    assert_bad_input(capsys, "run", TOY, "--x0", "0,0", "--eps", "0.01", mentions="--box")
    assert_bad_input(capsys, "run", TOY, "--eps", "0.01", "--box", "-2:2,-2:2", mentions="--x0")
    assert_bad_input(capsys, "run", TOY, "--x0", "0", "--eps", "0.01", "--box", "-2:2,-2:2",
                     mentions="1 coordinate")  # fmt: skip
    assert_bad_input(capsys, "run", TOY, "--x0", "3,0", "--eps", "0.01", "--box", "-2:2,-2:2",
                     mentions="outside the box")  # fmt: skip
    assert_bad_input(capsys, "run", "problem:toy", "--eps", "100", mentions="ell^2/rho")


def test_progress_line_on_a_terminal_and_plain_elsewhere():
    from types import SimpleNamespace

    from saddlecheck.cli._progress import Progress

    state = SimpleNamespace(t=500, f=-0.25, grad_norm=1e-3, n_perturbations=2)
    tty = FakeStream(True)
    p = Progress(tty, label="PGD", max_iter=1000, bound=1.336e12)
    p.last = -1e9  # draw now
    p(state)
    p.close()
    assert tty.text.startswith("\r\x1b[2K") and tty.text.endswith("\n")
    # the bar fills towards max_iter; the theorem's bound is shown beside it
    assert "[" + "#" * 12 + "." * 12 + "]" in tty.text and "perturbations 2" in tty.text
    assert "t = 500 / max_iter 1000 (theorem's bound 1.34e+12)" in tty.text
    plain = FakeStream(False)
    q = Progress(plain, label="PGD", bound=1000.0, plain_every=0.0)
    q(state)
    q(state)
    q.close()
    assert plain.text.count("\n") == 2 and "\r" not in plain.text and "t = 500" in plain.text
    quiet = FakeStream(True)
    Progress(quiet, label="PGD", enabled=False)(state)
    assert quiet.text == ""


# ---------------------------------------------------------------- guard, proofs, demo


def test_guard_on_a_lazy_implementation(capsys, tmp_path, monkeypatch):
    (tmp_path / "lazy_pgd.py").write_text(
        "import numpy as np\n\ndef stay(problem, seed):\n"
        "    return np.asarray(problem.x0, dtype=float)\n"
    )
    monkeypatch.chdir(tmp_path)
    code, doc = run_json(capsys, "guard", "lazy_pgd:stay", "--property", "terminates")
    assert (code, doc["passed"]) == (0, True)
    code, doc = run_json(capsys, "guard", "lazy_pgd:stay", "--property", "gradient-at-return")
    assert (code, doc["passed"]) == (1, False)
    code, _ = run_json(capsys, "guard", str(tmp_path / "lazy_pgd.py") + ":stay",
                       "--property", "terminates")  # fmt: skip
    assert code == 0
    (tmp_path / "broken_pgd.py").write_text("raise RuntimeError('no torch here')\n")
    assert_bad_input(capsys, "guard", "broken_pgd:run", mentions="RuntimeError")


@pytest.mark.slow
def test_demo_fast(capsys, tmp_path):
    out_dir = tmp_path / "demo-output"
    code, out, _ = run_cli(capsys, "demo", "--fast", "--out", str(out_dir))
    assert code == 0, out
    for tag in ("[proved]", "[run]", "[sampled]"):
        assert tag in out
    pngs = sorted(p.name for p in out_dir.glob("*.png"))
    assert pngs == sorted(["toy_landscape.png", "toy_pgd.png", "toy_escape_times.png",
                           "matrix_factorization_pgd.png", "octopus_race.png"])  # fmt: skip
    assert all((out_dir / p).stat().st_size > 10_000 for p in pngs)
    assert "all checks passed" in out


def test_proofs_exit_codes(capsys, monkeypatch):
    code, doc = run_json(capsys, "proofs", "descent")
    assert (code, doc["verdict"]) == (0, "holds") and doc["counts"]["proved"] >= 1
    assert set(doc["steps"]) == {"descent"}
    assert_bad_input(capsys, "proofs", "no_such_module", mentions="unknown proofs module")

    import proofs
    from proofs._step import Step

    ok = Step("t.a", "a", "exact", "proved")
    open_ = Step("t.b", "b", "numeric", "open", (), "sampled only")
    bad = Step("t.c", "c", "exact", "refuted", (), "fails at 0")
    for steps, expected in (([ok], 0), ([ok, open_], 3), ([ok, open_, bad], 1)):
        monkeypatch.setattr(proofs, "run_all", lambda modules, s=steps: {"t": s})
        code, doc = run_json(capsys, "proofs")
        assert code == expected, (steps, doc["counts"])


def test_proofs_run_matches_its_counts(capsys):
    # corollary has a refuted step, so the exit code must say "disproved" (1)
    code, doc = run_json(capsys, "proofs", "descent", "corollary")
    c = doc["counts"]
    assert code == (1 if c["refuted"] else 3 if c["open"] else 0)
    assert sum(c.values()) == sum(len(v) for v in doc["steps"].values())


# ---------------------------------------------------------------- issue 16: what a new user meets


def test_an_objective_without_variables_gives_cli_advice(capsys):
    line = assert_bad_input(capsys, "analyze", "1", "--box=-1:1", mentions="no variables")
    assert "variables=" not in line  # the API's keyword, which the command line cannot pass


def test_options_are_checked_before_computing(capsys, monkeypatch):
    import saddlecheck.landscape.constants as constants

    def never(*args, **kwargs):
        raise AssertionError("computed before the options were checked")

    monkeypatch.setattr(constants, "smoothness", never)
    assert_bad_input(capsys, "analyze", "problem:toy", "--plot", "x.xyz", mentions="format")
    assert_bad_input(capsys, "run", "problem:toy", "--eps", "0.1", "--plot", "f.xyz",
                     mentions="format")  # fmt: skip
    assert_bad_input(capsys, "certify", "problem:toy", "--point", "1,0", "--eps", "1e-3",
                     "--gamma", "1", mentions="exactly one")  # fmt: skip


def test_bad_input_answers_quickly():
    import time

    for argv in (["run", "problem:toy-nd", "--d", "100000", "--eps", "0.1"],
                 ["analyze", "x**2", "--box=-1e999:1"]):  # fmt: skip
        start = time.perf_counter()
        res = _script(*argv)
        assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
        assert time.perf_counter() - start < 30


def test_run_stopped_by_max_iter_exits_3(capsys):
    code, doc = run_json(capsys, "run", "problem:toy", "--eps", "0.01", "--quiet",
                         "--max-iter", "100")  # fmt: skip
    assert (code, doc["verdict"], doc["result"]["status"]) == (3, "undecided", "max_iter")
    assert any("max_iter" in u for u in doc["unfinished"])
    assert doc["certificate"]["holds"] is False  # the saddle itself: printed, not the verdict


def test_run_that_leaves_the_box_exits_3(capsys):
    code, out, _ = run_cli(capsys, "run", "(x - 3)**2/2 + y**2/2", "--x0", "0,0", "--eps", "0.1",
                           "--ell", "1", "--rho", "1", "--delta-f", "5", "--box=-1:1,-1:1",
                           "--quiet")  # fmt: skip
    assert code == 3, out
    assert "left the box" in out and "exit 3 (undecided)" in out


def test_run_json_sources_agree_and_the_bar_measures_max_iter(capsys):
    code, doc = run_json(capsys, "run", "problem:toy", "--eps", "0.01", "--quiet")
    assert code == 0
    assert doc["result"]["sources"] == doc["sources"]
    assert doc["sources"]["ell"].startswith("proved")


def test_certified_degenerate_point_is_not_called_a_minimum(capsys):
    code, out, _ = run_cli(capsys, "certify", "x**3 - 3*x*y**2", "--point", "0,0", "--eps", "1e-3",
                           "--rho", "6")  # fmt: skip
    assert code == 0 and "HOLDS" in out
    assert "NOT proved to be a local minimum" in out
    code, out, _ = run_cli(capsys, "certify", TOY, "--point", "1,0", "--eps", "1e-3", "--rho", "12")
    assert code == 0 and "local minimum" not in out  # lambda_min = 1 > 0: nothing to warn about


def test_printed_upper_bounds_are_upper_bounds(capsys):
    import re

    code, out, _ = run_cli(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--critical", "no")
    assert code == 0
    _, doc = run_json(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--critical", "no")
    for name in ("ell", "rho"):
        m = re.search(rf"^{name} = .*<= (\S+)  \(proved; attained (\S+),", out, re.M)
        assert m, out
        assert float(m.group(1)) >= doc["smoothness"][name]
        assert float(m.group(2)) <= doc["smoothness"][f"{name}_lower"]
    assert "<= 11  " not in out  # ell = 11.0000000076 is proved, not 11


def test_analyze_streams_each_section_as_it_is_decided(capsys, monkeypatch):
    import saddlecheck.landscape.critical as critical

    real = critical.critical_points
    seen = {}

    def spy(*args, **kwargs):
        seen["before"] = capsys.readouterr().out  # what was printed before the search began
        return real(*args, **kwargs)

    monkeypatch.setattr(critical, "critical_points", spy)
    code = main(["analyze", TOY, "--box=-2:2,-2:2"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "ell = sup ||Hess f||" in seen["before"] and "critical points" not in seen["before"]
    assert "critical points of f" in out and "ell =" not in out  # not printed twice
    assert err == ""  # stderr is not a terminal here: no progress line


def test_json_mode_prints_nothing_else(capsys):
    code, out, err = run_cli(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--json")
    assert code == 0 and err == ""
    assert json.loads(out)["command"] == "analyze"


def test_timeout_stops_a_long_search_with_what_it_knows(capsys):
    import time

    start = time.perf_counter()
    code, doc = run_json(capsys, "analyze", "(a*b - 1)**2", "--box=-2:2,-2:2", "--critical",
                         "yes", "--timeout", "4")  # fmt: skip
    elapsed = time.perf_counter() - start
    assert (code, doc["verdict"]) == (3, "undecided")
    assert doc["timeout"]["seconds"] == 4 and elapsed < 4 + 30
    assert doc["smoothness"] is not None  # decided before the limit, and reported


def test_timeout_hard_limit_inside_an_unbudgeted_computation(capsys, monkeypatch):
    import time

    import saddlecheck.landscape.constants as constants

    monkeypatch.setattr(constants, "smoothness", lambda *a, **k: time.sleep(60))
    start = time.perf_counter()
    code, out, _ = run_cli(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--timeout", "1")
    assert code == 3 and time.perf_counter() - start < 10
    assert "f(x, y) = " in out and "stopped by --timeout 1" in out


def test_run_timeout_reports_where_pgd_was(capsys):
    code, doc = run_json(capsys, "run", "problem:toy", "--eps", "1e-90", "--timeout", "2",
                         "--quiet")  # fmt: skip
    assert (code, doc["verdict"]) == (3, "undecided")
    assert doc["stopped_at"]["iteration"] > 0 and "PGD" in doc["timeout"]["where"]


def test_every_command_takes_timeout(capsys):
    from saddlecheck.cli._parser import build_parser

    parser = build_parser("0")
    for command in ("analyze", "run", "certify", "verify", "guard", "proofs", "demo"):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
        assert "--timeout" in capsys.readouterr().out, command


def test_box_counter_draws_on_a_terminal_only():
    from saddlecheck.cli._progress import BoxCounter

    tty = FakeStream(True)
    counter = BoxCounter(tty, every=0.0)
    with counter.section("critical points"):
        counter.callback("critical points")({"boxes": 1234, "found": 2, "settled_fraction": 0.5})
    assert "critical points: 1,234 boxes, 2 found, 50% settled" in tty.text
    assert tty.text.endswith("\r\x1b[2K")  # erased before the section is printed
    plain = FakeStream(False)
    with BoxCounter(plain).section("x"):
        pass
    assert plain.text == ""


def test_max_boxes_reaches_every_search(capsys, monkeypatch):
    import saddlecheck.landscape.constants as constants
    import saddlecheck.landscape.critical as critical
    import saddlecheck.landscape.strict_saddle as strict_saddle
    from saddlecheck import InputError

    seen = {}

    def spy(name, real):
        def call(*args, **kwargs):
            seen[name] = kwargs
            return real(*args, **kwargs)

        return call

    for mod, name in ((constants, "smoothness"), (critical, "critical_points"),
                      (strict_saddle, "check_strict_saddle")):  # fmt: skip
        monkeypatch.setattr(mod, name, spy(name, getattr(mod, name)))
    code, _ = run_json(capsys, "analyze", TOY, "--box=-2:2,-2:2", "--theta", "0.3", "--gamma",
                       "0.5", "--zeta", "0.5", "--max-boxes", "50")  # fmt: skip
    assert code in (0, 3)
    assert {k: v["max_boxes"] for k, v in seen.items()} == {
        "smoothness": 50, "critical_points": 50, "check_strict_saddle": 50}  # fmt: skip

    def stop(*args, **kwargs):
        seen["high"] = kwargs
        raise InputError("stop here")

    monkeypatch.setattr(constants, "smoothness", stop)
    code, _, _ = run_cli(capsys, "analyze", "problem:toy-nd", "--d", "8", "--critical", "no")
    assert code == 2 and seen["high"]["max_boxes"] == 16  # high dimension: a small default budget

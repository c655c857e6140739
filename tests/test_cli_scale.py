"""Issue 13 on the command line: progress with an estimated time, --symmetry, bad input.

The estimator is tested with a fake clock and synthetic progress reports; the
command line with small problems. Bad input named by the issue (an unreachable
scheduler, a symmetry that does not hold, a region of the wrong dimension) is
checked through the API and the CLI: ``InputError`` / exit 2 naming the thing.
"""

from __future__ import annotations

import json
import math

import pytest
from _streams import FakeStream

from saddlecheck import Box, InputError
from saddlecheck.cli import main
from saddlecheck.cli._eta import Estimate, RemainingTime, format_duration, format_estimate
from saddlecheck.cli._progress import BoxCounter, describe_search, live_line
from saddlecheck.cli._symmetries import parse_symmetry
from saddlecheck.problems import get

TOY = get("toy")
CONSTS = ("--theta", "0.3", "--gamma", "0.5", "--zeta", "0.5")


# ------------------------------------------------------------------ the estimator


def _feed(eta: RemainingTime, rows, **kw) -> list[Estimate]:
    return [eta.update(t, settled=settled, boxes=boxes, **kw) for t, settled, boxes in rows]


def _steady(seconds: int, per_second: float = 0.01, start: float = 0.0):
    """A search settling ``per_second`` of the volume and 100 boxes each second."""
    return [(t, start + per_second * t, 100 * t) for t in range(seconds + 1)]


def test_no_estimate_before_warmup_and_until_stable_then_the_linear_rate():
    ests = _feed(RemainingTime(warmup=3.0, stable=3.0), _steady(20))  # 1% per second
    assert all(e == Estimate(None) for e in ests[:6])  # 3 s warm-up, then 3 s to be stable
    assert all(e.limit == "volume" for e in ests[6:])
    assert [round(e.seconds, 6) for e in ests[6:]] == [100.0 - t for t in range(6, 21)]
    assert format_estimate(ests[10]) == "ETA ~1m30s (estimate)"


def test_the_rate_comes_from_the_recent_window():
    """Fast at first, then slow: the estimate follows the slow recent rate."""
    rows = [(t, 0.09 * t, 100 * t) for t in range(11)]  # 90% in 10 s
    rows += [(10 + k, 0.9 + 0.001 * k, 1000 + 100 * k) for k in range(1, 51)]  # 0.1%/s
    est = _feed(RemainingTime(window=30.0), rows)[-1]
    assert est.limit == "volume" and est.seconds == pytest.approx(50.0)  # not 0.5 s
    # the whole history's rate would say ~3 s, receding every second: not shown
    assert _feed(RemainingTime(window=1e9), rows)[-1] == Estimate(None)


def test_a_receding_estimate_is_not_shown():
    """The hard tail of a search: the unsettled volume halves every 5 s (no end in sight).

    A constant-rate estimate would say ~7 s at every moment; the finish time it
    predicts recedes, so nothing is shown but what bounds the search.
    """
    rows = [(t, 1 - 0.5 ** (t / 5), 100 * t) for t in range(120)]
    assert all(e == Estimate(None) for e in _feed(RemainingTime(), rows))
    bounded = _feed(RemainingTime(budget=20000), rows)[-1]
    assert bounded.limit == "budget" and bounded.seconds == pytest.approx((20000 - 11900) / 100)
    assert format_estimate(bounded) == "ETA <= ~1m21s (box budget)"


def test_stalled_search_has_no_estimate_and_nothing_is_negative():
    assert _feed(RemainingTime(), [(t, 0.4, 10 * t) for t in range(40)])[-1] == Estimate(None)
    done = _feed(RemainingTime(warmup=1.0), [(0, 0.0, 0), (5, 1.2, 50)])[-1]  # clamped to 1
    assert done == Estimate(0.0, "volume")
    for rows in (_steady(30, 0.02), _steady(30, 0.02, start=-3.0), _steady(60, 0.5)):
        for est in _feed(RemainingTime(warmup=1.0), rows):
            assert est.seconds is None or est.seconds >= 0


def test_a_new_phase_or_a_step_back_starts_afresh():
    eta = RemainingTime(warmup=1.0, stable=1.0)
    for t in range(6):
        est = eta.report(float(t), {"phase": "minima", "settled_fraction": t / 10})
    assert est.seconds == pytest.approx(5.0)
    assert eta.report(5.5, {"phase": "done", "settled_fraction": 1.0}) == Estimate(0.0, "volume")
    assert eta.report(6.0, {"phase": "covering", "settled_fraction": 0.5}) == Estimate(None)
    assert eta.update(7.0, settled=0.6).seconds is None  # warming up again
    assert eta.update(8.0, settled=0.1).seconds is None  # went back: a new search
    assert eta.update(3.0, settled=0.5).seconds is None  # a clock that went back
    assert eta.started == 3.0


def test_budget_timeout_frontier_and_cap():
    # 100 boxes/s, 1%/s settled: volume says 80 s at 20 s, a budget of 3,000 boxes 10 s
    assert _feed(RemainingTime(budget=3000), _steady(20))[-1] == Estimate(10.0, "budget")
    timed = _feed(RemainingTime(), _steady(20), time_left=7.0)
    assert timed[0] == timed[-1] == Estimate(7.0, "timeout")
    assert format_estimate(timed[-1]) == "ETA <= 7s (--timeout)"
    eta = RemainingTime()
    _feed(eta, _steady(19))
    # the frontier: 30,000 queued boxes at 100 boxes/s take 300 s at least, not 80 s
    assert eta.update(20, settled=0.2, boxes=2000, frontier=30000).seconds is None  # a jump
    eta = RemainingTime()
    ests = [eta.update(t, settled=0.01 * t, boxes=100 * t, frontier=30000) for t in range(21)]
    assert ests[-1] == Estimate(300.0, "volume")
    slow = _feed(RemainingTime(cap=3600.0), _steady(20, 1e-4))[-1]
    assert slow == Estimate(3600.0, "cap") and format_estimate(slow) == "ETA > 1h00m (estimate)"


# Progress reports of real runs (check_strict_saddle's covering phase, 2 shared cores):
# t (s), settled share, boxes, frontier. Matrix factorization (2, 2) with the README's
# constants (every second report; 129 s in all) has a hard tail; toy-nd d=5 does not.
MF22 = (
    [0.3, 0.3, 0.3, 0.3, 0.6, 1.4, 4.0, 6.7, 9.3, 12.2, 13.9, 14.9, 15.8, 17.1, 18.6, 19.5, 20.3,
     21.2, 22.1, 23.1, 24.1, 25.3, 27.2, 30.1, 32.8, 36.7, 40.7, 44.7, 49.2, 53.1, 55.0, 59.7,
     62.5, 64.7, 66.8, 69.5, 72.1, 74.7, 77.1, 79.7, 82.4, 85.0, 89.3, 94.2, 100.7, 105.5, 108.4,
     112.3, 116.7, 123.5, 128.8],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.140625, 0.558594, 0.772217, 0.849365, 0.893799, 0.925903,
     0.951141, 0.968857, 0.981056, 0.987072, 0.989868, 0.992483, 0.994152, 0.995516, 0.996392,
     0.997269, 0.997709, 0.998051, 0.99837, 0.998566, 0.998758, 0.998954, 0.999123, 0.999236,
     0.999372, 0.999496, 0.999596, 0.999661, 0.999731, 0.999804, 0.999833, 0.999858, 0.999883,
     0.999901, 0.999914, 0.999929, 0.999943, 0.999951, 0.99996, 0.999969, 0.999977, 0.999984,
     0.99999, 0.999996, 0.999999, 1.0],
    [1, 7, 31, 127, 511, 1903, 3951, 5999, 8047, 10095, 12143, 14191, 16239, 18287, 20335, 22383,
     24431, 26479, 28527, 30575, 32623, 34671, 36719, 38767, 40815, 42863, 44911, 46959, 49007,
     51055, 53103, 55151, 57199, 59247, 61295, 63343, 65391, 67439, 69487, 71535, 73583, 75631,
     77679, 79727, 81775, 83823, 85871, 87919, 89967, 92015, 92175],
    [0, 0, 0, 0, 0, 0, 536, 932, 1600, 2192, 2368, 2380, 2106, 2118, 2458, 3040, 3402, 3700, 3988,
     4198, 4408, 4944, 5560, 6012, 6416, 6850, 7258, 7012, 7154, 6936, 6894, 6330, 6192, 5886,
     5476, 5702, 6096, 6474, 6522, 6692, 6838, 6822, 6490, 6182, 5896, 5172, 3790, 2406, 1124, 46,
     0],
)  # fmt: skip
TOY5 = (
    [0.4, 0.9, 1.5, 2.8, 3.4, 4.7, 6.3, 7.0, 8.3, 9.6, 10.7, 11.8, 13.6, 14.7, 15.7, 16.4, 17.3],
    [0.015137, 0.042968, 0.087337, 0.153744, 0.185485, 0.25555, 0.333658, 0.372969, 0.440046,
     0.515669, 0.59123, 0.660772, 0.734848, 0.800407, 0.87098, 0.92392, 1.0],
    [16, 112, 240, 496, 622, 878, 1134, 1246, 1502, 1758, 1970, 2226, 2482, 2738, 2949, 3113, 3327],
    [7, 7, 11, 11, 7, 11, 15, 11, 13, 15, 9, 15, 21, 23, 18, 8, 0],
)  # fmt: skip


def _replay(trace, **kw) -> list[tuple[Estimate, float]]:
    """The estimate after each report, with the time the phase really had left."""
    eta = RemainingTime(**kw)
    end = trace[0][-1]
    rows = zip(*trace, strict=True)
    return [(eta.update(t, settled=s, boxes=b, frontier=f), end - t) for t, s, b, f in rows]


def test_measured_hard_tail_gets_no_point_estimate_only_the_budget_bound():
    """MF (2, 2): 99% settled at 19 s of 129 s; a constant-rate ETA said 2-10 s throughout."""
    seen = _replay(MF22, budget=200_000)
    assert all(e.limit != "volume" for e, _ in seen[:-1])
    budget = [(e.seconds, left) for e, left in seen if e.limit == "budget"]
    assert len(budget) > 30 and all(est >= left for est, left in budget)  # an upper estimate


def test_measured_steady_search_gets_estimates_within_a_factor_of_two():
    shown = [(e.seconds, left) for e, left in _replay(TOY5, budget=200_000) if e.limit == "volume"]
    assert len(shown) >= 6  # from 8.3 s of 17.3 s on
    assert all(left / 2 - 0.5 <= est <= 2 * left + 0.5 for est, left in shown), shown


@pytest.mark.parametrize(
    "info", [{}, {"phase": None}, 17, None, "x", {"settled_fraction": math.nan, "boxes": "many"},
             {"settled_fraction": True, "boxes": math.inf, "frontier": None}],
)  # fmt: skip
def test_odd_reports_never_raise(info):
    eta = RemainingTime(warmup=0.0)
    for t in range(3):
        est = eta.report(float(t), info)
        assert est.seconds is None or est.seconds >= 0
    assert isinstance(live_line("x", info, 1.0, est), str)


def test_format_duration():
    assert [format_duration(s) for s in (0, 0.2, 59.5, 60, 3599, 3600, 86400 * 2)] == [
        "0s", "1s", "1m00s", "1m00s", "59m59s", "1h00m", "48h00m"
    ]  # fmt: skip


# ------------------------------------------------------------------ the live line


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_box_counter_shows_frontier_settled_elapsed_and_eta():
    clock, tty = _Clock(), FakeStream()
    counter = BoxCounter(tty, every=0.5, clock=clock, width=200)
    with counter.section("strict saddle"):
        report = counter.callback("strict saddle", budget=10**6)
        for k in range(21):
            clock.now = k / 2
            report({"phase": "covering", "boxes": 100 * k, "frontier": 10 + k,
                    "settled_fraction": k / 40, "elapsed": k / 2})  # fmt: skip
            if k == 1:
                assert tty.text.endswith("ETA ?")
    line = tty.text.split("\r\x1b[2K")[-2]  # the last line drawn, before the erase
    assert line == (
        "strict saddle (covering): 2,000 boxes, frontier 30, 50% settled, 10.0 s, "
        "ETA ~10s (estimate)"
    )
    plain = FakeStream(False)
    quiet = BoxCounter(plain, clock=clock)
    with quiet.section("x"):
        quiet.callback("x")({"boxes": 1, "settled_fraction": 0.5})
    assert plain.text == ""


def test_box_counter_fits_the_terminal_and_says_when_the_timeout_ends_it():
    class Deadline:
        def remaining(self) -> float:
            return 4.0

    clock, tty = _Clock(), FakeStream()
    counter = BoxCounter(tty, every=0.0, clock=clock, width=70, deadline=Deadline())
    info = {"phase": "critical_points", "boxes": 123456, "frontier": 789, "found": 3,
            "settled_fraction": 0.5}  # fmt: skip
    counter.callback("critical points")(info)
    line = tty.text.split("\r\x1b[2K")[-1]
    assert len(line) < 70 and line.startswith("critical points: 123,456 boxes")
    assert line.endswith("ETA <= 4s (--timeout)")


def test_settled_share_is_rounded_down():
    assert describe_search({"settled_fraction": 0.99999}) == "99.9% settled"
    assert describe_search({"settled_fraction": 1.0}) == "100% settled"
    assert describe_search({"boxes": 5, "frontier": 2}) == "5 boxes, frontier 2"


def test_analyze_is_silent_on_stderr_when_not_a_terminal(capsys):
    assert main(["analyze", "problem:toy", *CONSTS]) == 0
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ --symmetry


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x=-x", {"x": "-x"}),
        ("x = - x", {"x": "-x"}),
        ("x=y,y=x", {"x": "y", "y": "x"}),
        ("y=+y", {"y": "y"}),
        ("orthogonal=x y", {"orthogonal": [["x", "y"]]}),
        ("orthogonal= x ; y ", {"orthogonal": [["x"], ["y"]]}),
        ("rotation=x y", {"rotation": [["x", "y"]]}),
    ],
)
def test_symmetry_syntax(text, expected):
    assert parse_symmetry(text, ["x", "y"]) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("x", "not of the form"),
        ("x=", "not of the form"),
        ("x==y", "not of the form"),
        ("x=-x,", "not of the form"),
        ("x=y z", "not a variable"),
        ("x=-z", "'z' is not a variable of f"),
        ("w=x", "'w' is not a variable of f"),
        ("x=y,x=-x", "mapped twice"),
        ("x=y,y=y", "not a permutation"),
        ("orthogonal=x; y z", "must be d x r"),
        ("orthogonal=x; ", "empty row"),
        ("orthogonal=x x", "twice"),
        ("orthogonal=x q", "'q' is not a variable"),
    ],
)
def test_bad_symmetry_syntax_is_named(text, match):
    with pytest.raises(InputError, match=match) as info:
        parse_symmetry(text, ["x", "y"])
    assert f"--symmetry={text!r}" in str(info.value)


def test_analyze_with_symmetries_keeps_the_verdict(capsys):
    assert main(["analyze", "problem:toy", *CONSTS, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)["strict_saddle"]
    args = ["analyze", "problem:toy", *CONSTS, "--symmetry", "x=-x", "--symmetry", "y=-y"]
    assert main([*args, "--json"]) == 0
    reduced = json.loads(capsys.readouterr().out)["strict_saddle"]
    assert plain["holds"] is reduced["holds"] is True
    assert reduced["boxes_processed"] < plain["boxes_processed"]
    assert main(["analyze", "x**4/4 - x**2/2 + y**2/2", "--box", "-2:2,-2:2", *CONSTS,
                 "--symmetry", "x=-x"]) == 0  # fmt: skip
    assert "images under the verified symmetries" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--symmetry", "x=y,y=x", *CONSTS], "does not hold"),  # the example
        (["--symmetry", "x=-z", *CONSTS], "'z' is not a variable of f"),
        (["--symmetry", "x-x", *CONSTS], "--symmetry='x-x'"),
        (["--symmetry", "x=-x"], "add --theta --gamma --zeta"),
    ],
)
def test_analyze_bad_symmetry_exits_2_without_traceback(capsys, extra, message):
    assert main(["analyze", "problem:toy", *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("saddlecheck: error: ") and "--symmetry" in err and message in err
    assert "Traceback" not in err


def test_analyze_matrix_factorization_with_its_orthogonal_invariance(capsys):
    args = ["analyze", "problem:matrix-factorization", "--d", "2", "--r", "2", "--theta", "1/24",
            "--gamma", "1/3", "--zeta", "1/3", "--critical", "no", "--json",
            "--symmetry", "orthogonal=u1_1 u1_2; u2_1 u2_2"]  # fmt: skip
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)["strict_saddle"]
    assert report["holds"] is True and report["boxes_processed"] < 5000  # 92,175 without


def test_orthogonal_declaration_needs_a_distance_bound_to_the_minima(capsys):
    code = main(["analyze", "x**2 + y**2", "--box", "-1:1,-1:1", "--theta", "1", "--gamma", "1",
                 "--zeta", "1", "--symmetry", "orthogonal=x y"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--symmetry {'orthogonal': [['x', 'y']]}" in err
    assert "problem:matrix-factorization" in err


def test_orthogonal_declaration_is_passed_through(capsys, monkeypatch):
    """The CLI builds ``{"orthogonal": [[...], ...]}`` and hands it to the library."""
    import saddlecheck.landscape.symmetry as symmetry

    seen = []

    def fake(obj, box, symmetries, **kw):
        seen.append(symmetries)
        raise InputError("checked by symmetry.py")

    monkeypatch.setattr(symmetry, "reduce_box", fake)
    code = main(["analyze", "problem:matrix-factorization", "--d", "2", "--r", "2",
                 "--theta", "1/24", "--gamma", "1/3", "--zeta", "1/3",
                 "--symmetry", "orthogonal=u1_1 u1_2; u2_1 u2_2"])  # fmt: skip
    assert code == 2 and "checked by symmetry.py" in capsys.readouterr().err
    assert seen == [[{"orthogonal": [["u1_1", "u1_2"], ["u2_1", "u2_2"]]}]]


# ------------------------------------------------------------------ bad input (issue 13)


def test_api_symmetry_that_does_not_hold_is_named():
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    with pytest.raises(InputError, match=r"symmetry=\{'x': 'y', 'y': 'x'\} does not hold"):
        check_strict_saddle(TOY.objective, TOY.box, "0.3", "0.5", "0.5",
                            symmetries=[{"x": "y", "y": "x"}])  # fmt: skip


@pytest.mark.parametrize("region", [[(-1, 1)] * 3, Box([(-1, 1)])])
def test_api_region_of_the_wrong_dimension_is_named(region):
    from saddlecheck.landscape.counterexample import find_counterexample
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    n = len(region) if isinstance(region, list) else region.dim
    with pytest.raises(InputError, match=f"region has dimension {n} but the objective has 2"):
        find_counterexample(TOY.objective, "0.3", "0.5", "0.5", region=region)
    with pytest.raises(InputError, match=f"box has dimension {n} but the objective has 2"):
        check_strict_saddle(TOY.objective, region, "0.3", "0.5", "0.5")


def test_cli_region_of_the_wrong_dimension_is_named(capsys):
    assert main(["analyze", "problem:toy", "--box", "-1:1,-1:1,-1:1", *CONSTS]) == 2
    assert "--box has dimension 3 but the objective has 2" in capsys.readouterr().err


def test_cli_bad_options_are_refused_before_the_scheduler_is_contacted(capsys):
    """A wrong --box with an unreachable scheduler: the box is named at once."""
    import time

    start = time.monotonic()
    code = main(["analyze", "problem:toy", "--box", "-1:1", "--scheduler", "tcp://127.0.0.1:1"])
    assert code == 2 and "--box has dimension 1" in capsys.readouterr().err
    assert time.monotonic() - start < 4  # the scheduler's 5 s connection timeout not waited


def test_cli_unreachable_scheduler_is_named(capsys):
    code = main(["analyze", "problem:toy", *CONSTS, "--scheduler", "tcp://127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and "scheduler='tcp://127.0.0.1:1' is unreachable" in err
    assert "Traceback" not in err


def test_api_unreachable_scheduler_is_named():
    from saddlecheck.landscape.cluster import open_executor

    with pytest.raises(InputError, match=r"scheduler='tcp://127.0.0.1:1' is unreachable"):  # noqa: SIM117
        with open_executor(scheduler="tcp://127.0.0.1:1", timeout=1):
            pass

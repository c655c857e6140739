"""Dask as the supported cluster engine: the same reports as the serial run, bad input refused.

One ``LocalCluster`` (2 worker processes, 1 thread each) is shared by the
module: starting one costs seconds. The driver is also checked on a thread
pool with chunks that finish out of order.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from dask import distributed  # the [dask] extra, installed by make test

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape.cluster import open_executor
from saddlecheck.landscape.critical import critical_points
from saddlecheck.landscape.strict_saddle import check_strict_saddle
from saddlecheck.problems import get


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(  # ":0": a free port (None means 8787, which may be taken)
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def ship_everything(monkeypatch):
    monkeypatch.setattr(_bnb, "LOCAL_BELOW", 2)  # even small batches go to the workers


def _same(a: str, b: str) -> None:
    da, db = json.loads(a), json.loads(b)
    for d in (da, db):
        d.pop("elapsed", None)  # wall-clock time, if a report records it
    assert da == db


@pytest.mark.parametrize("gamma", ["0.5", "1.5"])  # holds / a counterexample
def test_check_strict_saddle_on_dask_matches_serial(client, ship_everything, gamma):
    prob = get("toy")
    serial = check_strict_saddle(prob.objective, prob.box, "0.3", gamma, "0.5")
    par = check_strict_saddle(prob.objective, prob.box, "0.3", gamma, "0.5",
                              executor=client.get_executor())  # fmt: skip
    assert serial.holds is (gamma == "0.5")
    _same(serial.to_json(), par.to_json())


def test_matrix_factorization_with_a_distance_bound_on_dask_matches_serial(client, ship_everything):
    prob = get("matrix-factorization", d=2, r=1)
    args = (prob.objective, prob.box, "1/24", "1/3", "1/3")
    dist = prob.minima_distance.bounds
    serial = check_strict_saddle(*args, minima=dist)
    par = check_strict_saddle(*args, minima=dist, executor=client.get_executor())
    assert serial.holds is True and serial.boxes_processed > 100
    _same(serial.to_json(), par.to_json())


def test_critical_points_on_dask_matches_serial(client, ship_everything):
    obj = Objective("sin(x)*cos(y) + x**2/10")
    box = Box([(-4, 4), (-4, 4)])
    serial = critical_points(obj, box)
    par = critical_points(obj, box, executor=client.get_executor())
    assert len(serial) > 4
    _same(serial.to_json(), par.to_json())


def test_open_executor_reaches_a_running_scheduler(client):
    with open_executor(scheduler=client.scheduler.address) as ex:
        assert _bnb.workers_of(ex) == 2
        pts = critical_points(Objective("x**4/4 - x**2/2 + y**2/2"), Box([(-2, 2), (-2, 2)]),
                              executor=ex)  # fmt: skip
    assert sorted(p.kind for p in pts) == ["min", "min", "strict_saddle"]


def test_an_unreachable_scheduler_is_named():
    t = time.monotonic()
    with (
        pytest.raises(InputError, match=r"scheduler='tcp://127.0.0.1:9' is unreachable"),
        open_executor(scheduler="tcp://127.0.0.1:9", timeout=1),
    ):
        pass
    assert time.monotonic() - t < 30


def test_conflicting_or_bad_executor_options_are_refused():
    with pytest.raises(InputError, match="workers=2 and scheduler"), open_executor(2, "tcp://x:1"):
        pass
    with pytest.raises(InputError, match="workers=0"), open_executor(0):
        pass


def test_a_region_of_the_wrong_dimension_is_refused(client):
    obj = Objective("x**4/4 - x**2/2 + y**2/2")
    with pytest.raises(InputError, match="box has dimension 3"):
        check_strict_saddle(obj, [(-1, 1)] * 3, "0.3", "0.5", "0.5",
                            executor=client.get_executor())  # fmt: skip
    with pytest.raises(InputError, match="box has dimension 1"):
        critical_points(obj, [(-1, 1)], executor=client.get_executor())


# -- the driver: out-of-order chunks, deadlines, errors -------------------------------


def _slow_first(obj, params, box):
    lo = box.intervals[0][0]
    time.sleep(params if lo == 0 else 0.001)  # the first chunk is the straggler
    return int(lo)


def _boxes(n: int) -> list[Box]:
    return [Box([(i, i + 1)]) for i in range(n)]


def test_results_keep_the_order_of_the_boxes_when_chunks_finish_out_of_order():
    obj = Objective("x**2")
    with ThreadPoolExecutor(2) as ex:
        out = _bnb.map_boxes(_slow_first, obj, 0.3, _boxes(200), ex)
    assert out == list(range(200))


def test_a_deadline_keeps_a_prefix_of_the_results():
    obj = Objective("x**2")
    with ThreadPoolExecutor(2) as ex:
        out = _bnb.map_boxes(_slow_first, obj, 1.0, _boxes(200), ex, time.monotonic() + 0.3)
    assert out == []  # the first chunk had not finished: nothing after it counts
    with ThreadPoolExecutor(2) as ex:
        out = _bnb.map_boxes(_slow_first, obj, 0.0, _boxes(400), ex, time.monotonic() + 60)
    assert out == list(range(400))


def _fails_at_7(obj, params, box):
    if box.intervals[0][0] == 7:
        raise InputError("box 7 is bad")
    return 0


def test_an_error_in_a_worker_reaches_the_caller():
    with ThreadPoolExecutor(2) as ex, pytest.raises(InputError, match="box 7"):
        _bnb.map_boxes(_fails_at_7, Objective("x**2"), None, _boxes(100), ex)


# -- the command line: --workers N, --scheduler ADDRESS ---------------------------------


def _cli_json(capsys, *argv: str) -> tuple[int, dict]:
    from saddlecheck.cli import main

    code = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    data = json.loads(out)
    data.get("strict_saddle", {}).pop("elapsed", None)
    return code, data


def test_cli_scheduler_and_workers_give_the_serial_verdict(client, capsys):
    args = ("analyze", "problem:toy", "--theta", "0.3", "--gamma", "0.5", "--zeta", "0.5")
    code, serial = _cli_json(capsys, *args)
    code_d, dask = _cli_json(capsys, *args, "--scheduler", client.scheduler.address)
    code_w, procs = _cli_json(capsys, *args, "--workers", "2")
    assert code == code_d == code_w == 0
    assert serial["strict_saddle"] == dask["strict_saddle"] == procs["strict_saddle"]
    assert serial["critical_points"] == dask["critical_points"]


def test_cli_unreachable_scheduler_is_bad_input(capsys):
    from saddlecheck.cli import main

    code = main(["analyze", "problem:toy", "--scheduler", "tcp://127.0.0.1:9"])
    _, err = capsys.readouterr()
    assert code == 2 and "scheduler='tcp://127.0.0.1:9' is unreachable" in err

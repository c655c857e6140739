"""Dask as the supported cluster engine: the same reports as the serial run, bad input refused.

One ``LocalCluster`` (2 worker processes, 1 thread each) is shared by the
module: starting one costs seconds. The driver is also checked on a thread
pool with chunks that finish out of order.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from fractions import Fraction

import pytest
from dask import distributed  # the [dask] extra, installed by make test

from saddlecheck import Box, InputError, Objective
from saddlecheck.landscape import bnb as _bnb
from saddlecheck.landscape import driver as _driver
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


# -- the covering engine: subtree tasks committed in dispatch order (issue 13) -----------


def _tree_step(obj, params, box):
    """A fake per-box proof: split to width 1/8, one counterexample box, axis splits.

    Sleeps a box-dependent time so that tasks finish out of order on a thread pool.
    """
    lo = box.intervals[0][0]
    time.sleep(((lo * 7919).numerator % 5) * 0.0005)
    if params == "cex" and box.intervals[0] == (Fraction(5, 8), Fraction(3, 4)) and \
            box.intervals[1][0] >= 0:  # fmt: skip
        return ("counterexample", {"box": str(box)}, box)
    if box.max_width() <= Fraction(1, 8):
        return ("undecided",) if lo < -1 else ("gradient", float(lo))
    if box.widths[1] > box.widths[0]:
        return ("split", 1)  # an explicit axis (helper B's interface)
    return ("split",)


ROOT = Box([(-2, 2), (-1, 1)])


def _tree_run(executor, params=None, max_boxes=10**6, root=ROOT):
    return _driver.cover(
        _tree_step, _never, Objective("x**2 + y**2"), params, root, ("gradient",), executor,
        max_boxes=max_boxes,
    )  # fmt: skip


def _never(params, box):
    return False


def _key(run):
    return ([(str(b), t, v) for b, t, v in run.leaves], [str(b) for b in run.undecided],
            [str(b) for b in run.left], run.processed, run.found, run.tasks)  # fmt: skip


@pytest.mark.parametrize("max_boxes", [1, 5, 40, 97, 10**6])
@pytest.mark.parametrize("params", [None, "cex"])
def test_engine_commits_the_same_tree_on_a_thread_pool(monkeypatch, max_boxes, params):
    """Budget cuts, the first counterexample and the leaves' order do not depend on timing."""
    monkeypatch.setattr(_driver, "CAP", 32)  # many tasks on a small tree
    monkeypatch.setattr(_driver, "RAMP", 2)
    serial = _tree_run(None, params, max_boxes)
    with ThreadPoolExecutor(3) as ex:
        par = _tree_run(ex, params, max_boxes)
    assert _key(par) == _key(serial)
    assert serial.tasks > 1 or max_boxes == 1
    if params == "cex" and max_boxes == 10**6:
        assert serial.found is not None
        assert serial.found[0].intervals[0] == (Fraction(5, 8), Fraction(3, 4))
        assert serial.processed < 1023
    if serial.found is None:
        # the whole tree: 32 x 16 squares of side 1/8 (1023 boxes), or exactly the budget;
        # leaves, undecided and unexamined boxes tile the root
        assert serial.processed == min(max_boxes, 1023)
        assert bool(serial.left) is (max_boxes < 1023)
        tiles = [b for b, _, _ in serial.leaves] + serial.undecided + serial.left
        area = sum((b.widths[0] * b.widths[1] for b in tiles), Fraction(0))
        assert area == 8


def test_engine_uses_the_axis_a_split_names():
    run = _tree_run(None, root=Box([(0, 1), (0, 4)]))
    # taller than wide: split along y (axis 1), so every leaf is a 1/8 x 1/8 square
    assert len(run.leaves) == 8 * 32
    assert {tuple(b.widths) for b, _, _ in run.leaves} == {(Fraction(1, 8), Fraction(1, 8))}


def test_engine_budget_and_counterexample_on_dask_match_serial(client):
    """Real proofs: matrix factorization (2, 2), a budget cut mid-task, and a counterexample."""
    prob = get("matrix-factorization", d=2, r=2)
    dist = prob.minima_distance.bounds
    for consts, kw in [(("1/24", "1/3", "1/3"), {"max_boxes": 700}),
                       (("1/24", "1/3", "1/3"), {"max_boxes": 1}),
                       (("1/2", "1/100", "1/100"), {})]:  # fmt: skip
        serial = check_strict_saddle(prob.objective, prob.box, *consts, minima=dist, **kw)
        par = check_strict_saddle(prob.objective, prob.box, *consts, minima=dist,
                                  executor=client.get_executor(), **kw)  # fmt: skip
        _same(serial.to_json(), par.to_json())
        if kw:
            assert serial.status == "budget" and serial.boxes_processed == kw["max_boxes"]
        else:
            assert serial.holds is False


def test_engine_time_limit_with_processes_stops_with_what_it_knows():
    prob = get("matrix-factorization", d=2, r=2)
    with _pool() as ex:
        rep, seconds = _timed(check_strict_saddle, prob.objective, prob.box, "1/24", "1/3",
                              "1/3", minima=prob.minima_distance.bounds, executor=ex,
                              time_limit="1.5")  # fmt: skip
    assert seconds < 1.5 + 15
    assert rep.holds is None and rep.status == "time limit" and rep.undecided
    # the complete covering takes 18,615 boxes; under load the pool may commit none in 1.5 s
    assert 0 <= rep.boxes_processed < 18_615
    assert rep.counts["undecided"] == len(rep.undecided)


def _pool() -> ProcessPoolExecutor:
    """Two workers from a fork server: forking a process where JAX or Dask threads run warns."""
    return ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))


def _timed(fn, *args, **kwargs):
    t = time.monotonic()
    out = fn(*args, **kwargs)
    return out, time.monotonic() - t


def test_engine_progress_with_processes(monkeypatch):
    monkeypatch.setattr(_driver, "PROGRESS_EVERY", 0.0)  # a report at every commit
    prob = get("matrix-factorization", d=2, r=2)
    seen = []
    with _pool() as ex:
        rep = check_strict_saddle(prob.objective, prob.box, "1/24", "1/3", "1/3",
                                  minima=prob.minima_distance.bounds, max_boxes=3000,
                                  executor=ex, progress=seen.append)  # fmt: skip
    assert len(seen) > 3 and all(d["phase"] == "covering" for d in seen)
    boxes = [d["boxes"] for d in seen]
    assert boxes == sorted(boxes) and boxes[-1] == rep.boxes_processed == 3000
    assert all(0 <= d["settled_fraction"] <= 1 for d in seen)
    assert seen[-1]["frontier"] == rep.counts["undecided"] > 0  # the budget cut: all unexamined
    assert seen[-1]["leaves"] == len(rep.leaves)


def _raises_when_narrow(obj, params, box):
    if box.max_width() <= Fraction(1, 4):
        raise InputError(f"no enclosure on {box}")
    return ("split",)


def test_engine_passes_a_worker_error_to_the_caller():
    for ex in (None, ThreadPoolExecutor(2)):
        with pytest.raises(InputError, match="no enclosure on"):
            _driver.cover(_raises_when_narrow, _never, Objective("x**2"), None, Box([(0, 4)]),
                          ("gradient",), ex, max_boxes=10**6)  # fmt: skip
        if ex is not None:
            ex.shutdown()

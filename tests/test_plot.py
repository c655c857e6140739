"""Figures: they are written, have the expected size, and draw what was proved.

The counts are read back from the matplotlib artists (by ``gid``) and the PNG
is read back with matplotlib's image reader, so a figure that silently drops
critical points or writes an empty file fails here.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pytest

import saddlecheck as sc
from saddlecheck import plot
from saddlecheck.landscape.critical import critical_points

TOY = sc.Objective("x**4/4 - x**2/2 + y**2/2")
BOX = sc.Box([(-2, 2), (-2, 2)])


def _gid_count(fig, gid: str) -> int:
    n = 0
    for ax in fig.axes:
        n += sum(1 for line in ax.lines if line.get_gid() == gid)
    return n


def _png(fig, path) -> np.ndarray:
    plot.save(fig, path)
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] >= 300 and img.shape[1] >= 400, img.shape
    assert img[..., :3].std() > 0.05, "the image is (nearly) blank"
    return img


@pytest.fixture(scope="module")
def toy_points():
    return critical_points(TOY, BOX)


def test_landscape_marks_every_critical_point(tmp_path, toy_points):
    fig = plot.landscape(TOY, BOX, critical=toy_points)
    assert _gid_count(fig, "critical-point") == len(toy_points) == 3
    markers = sorted(
        line.get_marker() for line in fig.axes[0].lines if line.get_gid() == "critical-point"
    )
    assert markers == sorted(
        [plot.KIND_STYLE["min"][0]] * 2 + [plot.KIND_STYLE["strict_saddle"][0]]
    )
    img = _png(fig, tmp_path / "landscape.png")
    assert img.shape[:2] == (int(5.2 * 110), int(6.4 * 110))


def test_landscape_markers_follow_the_monkey_saddle():
    obj = sc.Objective("x**3 - 3*x*y**2")
    box = sc.Box([(-1, 1), (-1, 1)])
    pts = critical_points(obj, box)
    fig = plot.landscape(obj, box, critical=pts)
    assert _gid_count(fig, "critical-point") == len(pts) >= 1
    assert {line.get_marker() for line in fig.axes[0].lines if line.get_gid() == "critical-point"} \
        == {plot.KIND_STYLE["degenerate"][0]}  # fmt: skip
    matplotlib.pyplot.close(fig)


def test_covering_shades_every_leaf(tmp_path, toy_points):
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    rep = check_strict_saddle(TOY, BOX, "0.3", "0.5", "0.5")
    fig = plot.landscape(TOY, BOX, critical=toy_points, covering=rep)
    shaded = [c for c in fig.axes[0].collections if c.get_gid() == "covering"]
    assert (
        sum(len(c.get_paths()) for c in shaded)
        == len(rep.leaves)
        == sum(v for k, v in rep.counts.items() if k != "undecided")
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "lambda_min <= -gamma" in labels and "||grad f|| >= theta" in labels
    _png(fig, tmp_path / "covering.png")


def test_counterexample_is_drawn():
    from saddlecheck.landscape.strict_saddle import check_strict_saddle

    rep = check_strict_saddle(TOY, BOX, "0.3", "1.5", "0.5")
    assert rep.holds is False
    leaves = plot.covering_leaves(rep)
    assert ("counterexample" in {c for _, c in leaves}) and rep.counterexample in [
        b for b, _ in leaves
    ]
    fig = plot.landscape(TOY, BOX, covering=rep)
    assert "counterexample: all three fail" in fig.axes[0].get_legend_handles_labels()[1]
    matplotlib.pyplot.close(fig)


def test_landscape_refuses_other_dimensions():
    with pytest.raises(sc.InputError, match="2 variables"):
        plot.landscape(sc.Objective("x**2"), sc.Box([(-1, 1)]))


def test_escape_times_figure(tmp_path):
    times = [3, 5, 5, 6, 8, None]
    fig = plot.escape_times(times, t_thres=10, failure_bound=0.05)
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 5  # histogram of the 5 escapes
    assert any("1 - " not in t.get_text() and "5/6" in t.get_text() for t in ax.texts)
    _png(fig, tmp_path / "escape.png")


def test_save_creates_directories(tmp_path):
    fig = plot.escape_times([1, 2], t_thres=3)
    path = plot.save(fig, tmp_path / "a" / "b" / "fig.png")
    assert (tmp_path / "a" / "b" / "fig.png").stat().st_size > 1000 and path.endswith("fig.png")


# ---------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def toy_run():
    from saddlecheck.solver.algorithms import pgd

    return pgd(TOY, [0, 0], eps=0.01, ell=11, rho=12, delta_f=0.25, seed=1, keep_path=True,
               max_iter=50_000)  # fmt: skip


def test_run_summary_draws_every_perturbation(tmp_path, toy_run):
    assert toy_run.perturbations, "the toy run from the exact saddle must perturb"
    fig = plot.run_summary(TOY, toy_run, box=BOX)
    left, right = fig.axes[0], fig.axes[1]
    assert _gid_count_ax(left, "perturbation") == len(toy_run.perturbations)
    assert _gid_count_ax(right, "perturbation") == len(toy_run.perturbations)
    windows = [p for p in right.patches if p.get_gid() == "window"]
    assert len(windows) == len(toy_run.perturbations)
    path = next(line for line in left.lines if line.get_label() == "iterates")
    assert len(path.get_xdata()) == toy_run.iterations + 1
    img = _png(fig, tmp_path / "run.png")
    assert img.shape[1] > img.shape[0]  # two panels side by side


def _gid_count_ax(ax, gid: str) -> int:
    return sum(1 for line in ax.lines if line.get_gid() == gid)


def test_value_history_log_scale_and_race(tmp_path, toy_run):
    from saddlecheck.solver.algorithms import gd

    fig = plot.value_history(toy_run, f_star=-0.25, log=True)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "f(x_t) - f*"
    _png(fig, tmp_path / "history.png")
    stuck = gd(TOY, [0, 0], eps=0.01, ell=11, rho=12, delta_f=0.25, stop=False, max_iter=200)
    fig = plot.race({"GD": stuck, "PGD": toy_run}, f_star=-0.25)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert any(lab.startswith("GD (200 it.") for lab in labels)
    assert any(lab.startswith(f"PGD ({toy_run.iterations} it.") for lab in labels)
    assert fig.axes[0].get_xscale() == "log"
    _png(fig, tmp_path / "race.png")


def test_run_summary_in_higher_dimension_is_the_value_history():
    from saddlecheck.solver.algorithms import pgd

    obj = sc.Objective("x**4/4 - x**2/2 + y**2/2 + z**2/2")
    res = pgd(obj, [0, 0, 0], eps=0.01, ell=11, rho=12, delta_f=0.25, seed=0, max_iter=50_000)
    fig = plot.run_summary(obj, res)
    assert len(fig.axes) == 1 and fig.axes[0].get_xlabel() == "iteration t"
    matplotlib.pyplot.close(fig)


# ---------------------------------------------------------- issue 16: figures that show the run


def test_a_run_that_leaves_the_box_is_drawn_whole(tmp_path):
    from saddlecheck.solver.algorithms import pgd

    obj = sc.Objective("(x - 3)**2/2 + y**2/2")
    box = sc.Box([(-1, 1), (-1, 1)])
    res = pgd(obj, [0, 0], eps=0.1, ell=1, rho=1, delta_f=5, box=box, seed=0, keep_path=True)
    assert res.left_box and float(res.x[0]) > 2  # the minimum (3, 0) is outside the box
    fig = plot.run_summary(obj, res, box=box)
    left = fig.axes[0]
    (x0, x1), (y0, y1) = left.get_xlim(), left.get_ylim()
    for p in [*res.path, res.x]:  # every iterate and the returned point are on the canvas
        assert x0 <= float(p[0]) <= x1 and y0 <= float(p[1]) <= y1
    assert [p for p in left.patches if p.get_gid() == "box"], "the box's outline is drawn"
    _png(fig, tmp_path / "left.png")
    inside = plot.run_summary(TOY, pgd(TOY, [0, 0], eps=0.01, ell=11, rho=12, delta_f=0.25,
                                       box=BOX, seed=1, keep_path=True), box=BOX)  # fmt: skip
    assert inside.axes[0].get_xlim() == (-2.0, 2.0)  # a run inside the box: the box is the view
    assert not [p for p in inside.axes[0].patches if p.get_gid() == "box"]
    matplotlib.pyplot.close(inside)


def test_contour_levels_follow_the_values_spread():
    # a landscape with steep walls: linear levels would put nearly all lines on the walls
    xs = np.linspace(-2, 2, 101)
    X, Y = np.meshgrid(xs, xs)
    Z = (X**2 + Y**2 - 1) ** 4
    levels = plot._levels(Z)
    assert np.all(np.diff(levels) > 0)
    below_median = int(np.sum(levels <= np.median(Z)))
    assert below_median >= len(levels) // 2 - 1  # about half the lines where half the area is
    linear = np.linspace(Z.min(), np.quantile(Z, 0.9), 25)
    assert int(np.sum(linear <= np.median(Z))) < below_median  # what the old levels did
    assert plot._levels(np.zeros((5, 5))) == 25  # constant values: matplotlib's default


class _Points(list):
    """A stand-in for CriticalPoints: proved points plus unresolved regions."""

    def __init__(self, points, unresolved):
        super().__init__(points)
        self.unresolved = unresolved


def test_unresolved_regions_never_cover_a_proved_minimum():
    from types import SimpleNamespace

    obj = sc.Objective("(1 - x)**2 + 100*(y - x**2)**2")  # Rosenbrock: one minimum at (1, 1)
    box = sc.Box([(-2, 2), (-1, 3)])
    minimum = SimpleNamespace(enclosure=sc.Box([(1, 1), (1, 1)]), kind="min")
    region = SimpleNamespace(enclosure=sc.Box([("0.99", "1.01"), ("0.98", "1.02")]))
    fig = plot.landscape(obj, box, critical=_Points([minimum], [region]))
    ax = fig.axes[0]
    marks = [a for a in ax.lines if a.get_gid() == "critical-point"]
    regions = [a for a in ax.patches if a.get_gid() == "unresolved"]
    assert len(marks) == 1 and len(regions) == 1
    assert marks[0].get_marker() == plot.KIND_STYLE["min"][0]
    assert regions[0].get_zorder() < marks[0].get_zorder()  # drawn below the proved minimum
    assert not regions[0].get_fill() and regions[0].get_hatch()  # an outline, not a marker
    assert "unresolved region" in ax.get_legend_handles_labels()[1]
    matplotlib.pyplot.close(fig)

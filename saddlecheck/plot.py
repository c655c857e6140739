"""Figures: landscapes, PGD trajectories, escape statistics (matplotlib, Agg).

matplotlib is imported when a figure is drawn, never when saddlecheck is
imported, so the core never needs it (it is the ``plot`` extra). Every
function returns a :class:`matplotlib.figure.Figure`; :func:`save` writes it
and closes it. The figures draw float64 evaluations of ``f`` for display
only; what they mark as *certified* (critical points, the strict-saddle
covering) comes from the proofs passed in.

Artists carry a ``gid``: ``"critical-point"`` (one marker per critical point),
``"unresolved"`` (hatched regions a search left open, drawn *below* the proved
markers), ``"covering"`` (shaded leaf boxes), ``"perturbation"``, and ``"box"``
(the box's outline when a trajectory leaves it: the view widens to show the
path and the returned point). Contour levels are quantiles of the values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

KIND_STYLE = {  # marker, colour, label
    "min": ("o", "#1a9850", "local minimum"),
    "strict_saddle": ("X", "#d73027", "strict saddle"),
    "max": ("^", "#7b3294", "local maximum"),
    "degenerate": ("D", "#fdae61", "degenerate"),
}
CONDITION_STYLE = {  # face colour, label
    "gradient": ("#9ecae1", "||grad f|| >= theta"),
    "hessian": ("#fdd0a2", "lambda_min <= -gamma"),
    "minimum": ("#c7e9c0", "within zeta of a minimum"),
    "basin": ("#a1d99b", "within zeta of a minimum or ||grad f|| >= theta"),
    "undecided": ("#d9d9d9", "undecided"),
    "counterexample": ("#e31a1c", "counterexample: all three fail"),
}


def _pyplot():
    import matplotlib

    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure(ncols: int = 1, size: tuple[float, float] = (6.4, 5.2)):
    plt = _pyplot()
    fig, axes = plt.subplots(1, ncols, figsize=size, layout="constrained")
    return fig, axes


def save(fig, path: str | os.PathLike, dpi: int = 110) -> str:
    """Write ``fig`` to ``path`` (PNG, PDF or SVG by extension), close it, return the path."""
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    _pyplot().close(fig)
    return path


# ---------------------------------------------------------------------- landscape


def _grid_values(obj, box, resolution: int):
    import sympy

    (x0, x1), (y0, y1) = _limits(box)
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    fn = sympy.lambdify(obj.variables, obj.expr, "numpy")
    with np.errstate(all="ignore"):
        Z = np.broadcast_to(np.asarray(fn(X, Y), dtype=float), X.shape)
    return X, Y, Z


def _limits(box) -> tuple[tuple[float, float], tuple[float, float]]:
    """``((x0, x1), (y0, y1))`` of a Box or of such a pair of float pairs."""
    intervals = getattr(box, "intervals", box)
    return tuple((float(lo), float(hi)) for lo, hi in intervals)


def _levels(Z: np.ndarray, n: int = 25) -> np.ndarray | int:
    """Contour levels at quantiles of the values: they follow the values' spread.

    Linear levels put most lines on the steep walls of a quartic and leave the
    basins, saddles and minima in one colour; quantile levels give each band
    about the same share of the picture. Returns strictly increasing levels
    (ties removed), or ``n`` when the values are constant or not finite.
    """
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        return n
    levels = np.unique(np.quantile(finite, np.linspace(0.0, 0.97, n)))
    if levels.size < 3:
        lo, hi = float(finite.min()), float(finite.max())
        return np.linspace(lo, hi, n) if hi > lo else n
    return levels


def _view(box, trajectory: object | None, pad: float = 0.05):
    """The box, widened to hold a trajectory's path, its start and its returned point."""
    if box is None:  # around the trajectory alone
        (x0, x1), (y0, y1) = ((np.inf, -np.inf), (np.inf, -np.inf))
    else:
        (x0, x1), (y0, y1) = _limits(box)
    if trajectory is None:
        return (x0, x1), (y0, y1)
    vec = lambda v: np.asarray([float(c) for c in v])  # noqa: E731
    pts = [vec(trajectory.x0), vec(trajectory.x)]
    pts += [vec(ev.x_tilde) + vec(ev.xi) for ev in getattr(trajectory, "perturbations", ())]
    if getattr(trajectory, "path", None) is not None:
        pts.append(np.asarray(trajectory.path, dtype=float).reshape(-1, 2))
    allp = np.vstack([p.reshape(-1, 2) for p in pts])
    allp = allp[np.all(np.isfinite(allp), axis=1)]
    if allp.size == 0:
        return (x0, x1), (y0, y1)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    if lo[0] >= x0 and hi[0] <= x1 and lo[1] >= y0 and hi[1] <= y1:
        return (x0, x1), (y0, y1)
    lo, hi = np.minimum(lo, [x0, y0]), np.maximum(hi, [x1, y1])
    pad = (hi - lo) * pad
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]),
                                                            float(hi[1] + pad[1]))  # fmt: skip


def landscape(
    obj,
    box,
    *,
    critical: Iterable | None = None,
    covering: object | None = None,
    trajectory: object | None = None,
    title: str | None = None,
    resolution: int = 160,
    colorbar: bool = True,
    ax=None,
):
    """Contours of a 2-variable ``f`` over ``box``, with what was proved about it.

    Args:
        obj: a 2-variable :class:`~saddlecheck.Objective`.
        box: the :class:`~saddlecheck.Box` to draw.
        critical: certified critical points (each with ``.enclosure`` and
            ``.kind``): one marker each, shaped and coloured by kind.
        covering: a strict-saddle report (:func:`saddlecheck.check_strict_saddle`):
            its leaf boxes shaded by the condition proved on each.
        trajectory: a PGD result to overlay (see :func:`draw_trajectory`).
    """
    if obj.dim != 2:
        from saddlecheck._validation import InputError

        raise InputError(f"a landscape needs 2 variables, this objective has {obj.dim}")
    fig = None
    if ax is None:
        fig, ax = _figure()
    view = _view(box, trajectory)
    X, Y, Z = _grid_values(obj, view, resolution)
    levels = _levels(Z)
    if covering is not None:  # the shading is the covering; white = not examined
        ax.contour(X, Y, Z, levels=levels, colors="k", linewidths=0.4, alpha=0.6, zorder=3)
        draw_covering(ax, covering)
    else:
        from matplotlib.colors import BoundaryNorm

        norm = None
        if not isinstance(levels, int):  # one colour step per band, however uneven the levels
            norm = BoundaryNorm(levels, ncolors=256, extend="max")
        cs = ax.contourf(X, Y, Z, levels=levels, cmap="viridis", norm=norm, alpha=0.9,
                         extend="max")  # fmt: skip
        ax.contour(X, Y, Z, levels=levels, colors="k", linewidths=0.3, alpha=0.4)
        if colorbar:
            (fig or ax.figure).colorbar(cs, ax=ax, shrink=0.8, label="f (quantile levels)",
                                        format="%.3g")  # fmt: skip
    if view != _limits(box):
        from matplotlib.patches import Rectangle

        (bx0, bx1), (by0, by1) = _limits(box)
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False, ls="--", lw=1.2,
                               edgecolor="#b2182b", zorder=3, gid="box",
                               label="box (constants proved here)"))  # fmt: skip
    if trajectory is not None:
        draw_trajectory(ax, trajectory)
    if critical is not None:
        draw_unresolved(ax, getattr(critical, "unresolved", ()) or ())
        draw_critical_points(ax, critical)
    names = obj.variable_names
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    (x0, x1), (y0, y1) = view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_title(title or f"f = {obj.to_string()}", fontsize=9)
    _legend(ax)
    return fig if fig is not None else ax.figure


def _legend(ax) -> None:
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels, strict=True):
        if not lab.startswith("_"):
            seen.setdefault(lab, h)
    if seen:
        ax.legend(seen.values(), seen.keys(), fontsize=7, loc="best", framealpha=0.85)


def draw_critical_points(ax, points: Iterable) -> int:
    """One marker per certified critical point (gid ``"critical-point"``); returns the count.

    Proved minima, saddles and maxima are drawn on top (zorder 7); a point
    only known as ``"degenerate"`` gets a smaller hollow marker below them, so
    it never hides a proved point next to it.
    """
    n = 0
    for p in points:
        marker, colour, label = KIND_STYLE.get(p.kind, KIND_STYLE["degenerate"])
        cx, cy = (float(v) for v in p.enclosure.midpoint())
        proved = p.kind in ("min", "strict_saddle", "max")
        ax.plot([cx], [cy], linestyle="none", marker=marker, markersize=11 if proved else 8,
                color=colour, markerfacecolor=colour if proved else "none",
                markeredgecolor="k" if proved else colour, markeredgewidth=1 if proved else 2,
                label=label, gid="critical-point", zorder=7 if proved else 5)  # fmt: skip
        n += 1
    return n


def draw_unresolved(ax, regions: Iterable) -> int:
    """Hatched outlines (gid ``"unresolved"``) of the regions a search left open.

    They are drawn below every marker: an unresolved region may hold critical
    points, but it is not one, and it must not cover a proved minimum.
    """
    from matplotlib.patches import Rectangle

    n = 0
    for r in regions:
        (x0, x1), (y0, y1) = _limits(r.enclosure)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, hatch="////",
                               edgecolor="#8c510a", lw=0.8, zorder=4, gid="unresolved",
                               label="_unresolved" if n else "unresolved region"))  # fmt: skip
        if max(x1 - x0, y1 - y0) == 0:  # a point-sized region: a small hollow circle
            ax.plot([(x0 + x1) / 2], [(y0 + y1) / 2], linestyle="none", marker="o",
                    markersize=5, markerfacecolor="none", markeredgecolor="#8c510a",
                    gid="unresolved", zorder=4)  # fmt: skip
        n += 1
    return n


def covering_leaves(report: object) -> list[tuple[object, str]]:
    """``[(Box, condition), ...]`` from a strict-saddle report (``report.leaves``)."""
    out = []
    for leaf in getattr(report, "leaves", ()) or ():
        out.append((leaf.box, leaf.condition))
    for b in getattr(report, "undecided", ()) or ():
        out.append((b, "undecided"))
    ce = getattr(report, "counterexample", None)
    if ce is not None:
        out.append((ce, "counterexample"))
    return out


def draw_covering(ax, report: object) -> int:
    """Shade each leaf box by the strict-saddle condition proved on it; returns the box count."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    leaves = covering_leaves(report)
    by_cond: dict[str, list] = {}
    for box, cond in leaves:
        (x0, x1), (y0, y1) = ((float(lo), float(hi)) for lo, hi in box.intervals)
        by_cond.setdefault(cond, []).append(Rectangle((x0, y0), x1 - x0, y1 - y0))
    for cond, rects in by_cond.items():
        colour, label = CONDITION_STYLE.get(cond, CONDITION_STYLE["undecided"])
        edge = "k" if cond == "counterexample" else "white"
        pc = PatchCollection(rects, facecolor=colour, edgecolor=edge, linewidth=0.3,
                             alpha=0.75, zorder=2)  # fmt: skip
        pc.set_gid("covering")
        ax.add_collection(pc)
        ax.plot([], [], "s", color=colour, label=label, markersize=8)
    return len(leaves)


# ---------------------------------------------------------------------- runs


def draw_trajectory(ax, result: object) -> None:
    """The iterates of a 2-variable run, with each perturbation ``x_tilde -> x_tilde + xi``.

    The iterates are drawn when the run kept them (``keep_path=True``); one
    ``"perturbation"`` star per perturbation event.
    """
    xs = np.asarray([] if result.path is None else result.path, dtype=float)
    if xs.size:
        ax.plot(xs[:, 0], xs[:, 1], "-", color="#2166ac", lw=1.4, label="iterates", zorder=4)
    x0 = np.asarray([float(v) for v in result.x0])
    ax.plot([x0[0]], [x0[1]], "s", color="#2166ac", markersize=7, label="x0", zorder=6)
    for ev in result.perturbations:
        xt = np.asarray([float(v) for v in ev.x_tilde])
        xi = np.asarray([float(v) for v in ev.xi])
        ax.annotate("", xy=xt + xi, xytext=xt,
                    arrowprops={"arrowstyle": "->", "color": "#b2182b", "lw": 1.2})  # fmt: skip
        ax.plot([xt[0]], [xt[1]], "*", color="#b2182b", markersize=12, markeredgecolor="k",
                label="perturbation at x_tilde", gid="perturbation", zorder=7)  # fmt: skip
    xf = np.asarray([float(v) for v in result.x])
    ax.plot([xf[0]], [xf[1]], "P", color="#fee090", markersize=11, markeredgecolor="k",
            label="returned x", zorder=8)  # fmt: skip


def history_arrays(result: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(t, f(x_t), ||grad f(x_t)||)`` from a run's history."""
    h = result.history
    t = np.asarray(h.t, dtype=float)
    return t, np.asarray(h.f, dtype=float), np.asarray(h.grad_norm, dtype=float)


def value_history(
    result: object,
    *,
    f_star: float | None = None,
    log: bool = False,
    title: str | None = None,
    ax=None,
):
    """``f(x_t)`` against ``t``: escape windows shaded, ``f(x_tilde) - f_thres`` drawn in each.

    Each perturbation opens a window of ``t_window = ceil(t_thres)`` steps
    (orange when ``f`` dropped by ``f_thres`` in it, grey otherwise); the
    dashed segment is the level ``f(x_tilde) - f_thres`` the escape lemma
    promises to reach within the window. ``log=True`` (needs ``f_star``)
    draws ``f(x_t) - f*`` on a log scale instead.
    """
    fig = None
    if ax is None:
        fig, ax = _figure(size=(7.0, 4.2))
    t, f, _ = history_arrays(result)
    p = result.params
    window = int(p.t_window)
    f_thres = float(p.f_thres)
    shift = float(f_star) if (log and f_star is not None) else 0.0
    if shift or log:
        f = np.maximum(f - shift, np.finfo(float).tiny)
        ax.set_yscale("log")
    ax.plot(t, f, "-", color="#2166ac", lw=1.3, label="f(x_t) - f*" if log else "f(x_t)")
    for i, ev in enumerate(result.perturbations):
        t0 = float(ev.iteration)
        ax.axvspan(t0, t0 + window, color="#fdae61" if ev.escaped else "#d9d9d9", alpha=0.35,
                   label="escape window (t_thres)" if i == 0 else None, gid="window")  # fmt: skip
        target = float(ev.f_before) - f_thres - shift
        if target > 0 or not log:
            ax.hlines(target, t0, t0 + window, colors="#b2182b", linestyles="--", lw=1,
                      label="f(x_tilde) - f_thres" if i == 0 else None)  # fmt: skip
        y0 = max(float(ev.f_before) - shift, np.finfo(float).tiny) if log else float(ev.f_before)
        ax.plot([t0], [y0], "*", color="#b2182b", markersize=10,
                markeredgecolor="k", gid="perturbation",
                label="perturbation" if i == 0 else None)  # fmt: skip
    if f_star is not None and not log:
        ax.axhline(float(f_star), color="#1a9850", lw=1, ls=":", label="f* (global minimum)")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("f(x_t) - f*" if log else "f(x_t)")
    name = {"gd": "GD", "pgd_li": "PGDli"}.get(result.algorithm, "PGD")
    ax.set_title(title or f"{name}: {result.iterations} iterations, "
                 f"{len(result.perturbations)} perturbation(s), f_thres = {f_thres:.3g}",
                 fontsize=9)  # fmt: skip
    _legend(ax)
    return fig if fig is not None else ax.figure


def escape_times(
    times: Sequence[float | None],
    t_thres: float,
    *,
    failure_bound: float | None = None,
    title: str | None = None,
):
    """Distribution of escape times (steps to decrease ``f`` by ``f_thres`` after a
    perturbation) against the escape lemma's window ``t_thres``; ``None`` = not within it.

    ``failure_bound`` is the lemma's bound on the probability of not escaping
    within ``t_thres`` steps, ``(d ell / sqrt(rho eps)) e^(-chi)``.
    """
    fig, ax = _figure(size=(6.4, 4.2))
    done = np.asarray([v for v in times if v is not None], dtype=float)
    n, stuck = len(times), sum(v is None for v in times)
    if done.size:
        top = max(float(t_thres), float(done.max())) * 1.3
        low = max(1.0, float(done.min()) * 0.8)
        bins = np.geomspace(low, top, 50)
        ax.hist(done, bins=bins, color="#4393c3", edgecolor="white", label=f"{n} runs")
        ax.set_xscale("log")
    ax.axvline(float(t_thres), color="#b2182b", lw=2, label=f"t_thres = {t_thres:.4g} (lemma)")
    text = f"escaped within t_thres: {n - stuck}/{n}"
    if failure_bound is not None:
        text += f"\nlemma: P(stuck) <= {failure_bound:.2g}"
    ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.8})  # fmt: skip
    ax.set_xlabel("steps after the perturbation until f(x_t) <= f(x_tilde) - f_thres")
    ax.set_ylabel("runs")
    ax.set_title(title or "Escape times after a perturbation at a strict saddle", fontsize=9)
    _legend(ax)
    return fig


def race(runs: Mapping[str, object], *, f_star: float | None = None, title: str | None = None):
    """``f(x_t)`` against ``t`` for several runs (GD vs PGD), log-scaled iterations."""
    fig, ax = _figure(size=(7.0, 4.2))
    colours = ["#999999", "#2166ac", "#d6604d", "#1a9850"]
    for (label, res), colour in zip(runs.items(), colours, strict=False):
        t, f, _ = history_arrays(res)
        ax.plot(t + 1, f, "-", lw=1.5, color=colour, label=f"{label} ({res.iterations} it., "
                f"{res.status})")  # fmt: skip
        ax.plot([t[-1] + 1], [f[-1]], "o", color=colour, markeredgecolor="k")
    if f_star is not None:
        ax.axhline(float(f_star), color="#1a9850", lw=1, ls=":", label="f* (global minimum)")
    ax.set_xscale("log")
    ax.set_xlabel("iteration t + 1")
    ax.set_ylabel("f(x_t)")
    ax.set_title(title or "GD vs PGD", fontsize=9)
    _legend(ax)
    return fig


def _path_box(result: object):
    """A box around a run's iterates (when no box was given)."""
    from saddlecheck.box import Box

    (x0, x1), (y0, y1) = _view(None, result, pad=0.15)
    return Box([(x0 - 0.5, x1 + 0.5), (y0 - 0.5, y1 + 0.5)])


def run_summary(obj, result: object, *, box=None, f_star: float | None = None):
    """One figure for a run: the trajectory on the landscape (2 variables) and ``f(x_t)``."""
    if obj.dim != 2:
        return value_history(result, f_star=f_star)
    fig, (left, right) = _figure(ncols=2, size=(12.0, 4.8))
    title = "trajectory"
    if getattr(result, "left_box", ()) and box is not None:
        title += " (left the box: view widened; the dashed outline is the box)"
    landscape(obj, box if box is not None else _path_box(result), trajectory=result, ax=left,
              title=title, colorbar=False)  # fmt: skip
    value_history(result, f_star=f_star, ax=right)
    return fig

"""``saddlecheck analyze``: derivatives, smoothness constants, critical points, strict saddle.

Each section is printed as soon as it is decided (text mode), so a long search
shows what is already known; on a terminal a live box counter runs on stderr
while a search works (boxes, frontier, share of the volume settled, elapsed
time and an estimate of the time left: :mod:`saddlecheck.cli._eta`).
``--symmetry SPEC`` declares symmetries of ``f`` for the strict-saddle check
(:mod:`saddlecheck.cli._symmetries`; each is proved before any search).
``--max-boxes`` is the budget of every search (the
smoothness bisection, the critical points, the covering) and ``--timeout``
bounds the whole command (:mod:`saddlecheck.cli._deadline`).
"""

from __future__ import annotations

import json
import sys

import sympy

from saddlecheck._validation import InputError
from saddlecheck.cli._deadline import TimedOut, budget_kwargs
from saddlecheck.cli._format import down, up
from saddlecheck.cli._inputs import Target, parse_box, parse_number
from saddlecheck.cli._outcome import NOT_ASKED, Outcome, verdict_word
from saddlecheck.cli._progress import BoxCounter
from saddlecheck.cli._symmetries import parse_symmetries

MAX_SHOWN_DIM = 4  # print the gradient and Hessian in full up to this dimension
MAX_CRITICAL_DIM = 4  # interval branch and bound over the whole box beyond this is hopeless
#: above this many variables each box of the smoothness bisection costs about a second
#: (the third-derivative tensor has d^3 entries): without --max-boxes it gets this many
HIGH_DIM, HIGH_DIM_SMOOTHNESS_BOXES = 6, 16


def _short(expr: object, limit: int = 400) -> str:
    text = sympy.sstr(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _options(args, target: Target):
    """Every option checked before any computation starts."""
    obj = target.objective
    box = parse_box(args.box, target, required=True, command="analyze")
    consts = {
        k: parse_number(getattr(args, k), f"--{k}", positive=True)
        for k in ("theta", "gamma", "zeta")
    }
    given = [k for k, v in consts.items() if v is not None]
    if given and len(given) != 3:
        missing = ", ".join(f"--{k}" for k in consts if consts[k] is None)
        raise InputError(
            f"the strict-saddle check needs all of --theta --gamma --zeta; add {missing}"
        )
    if args.plot and obj.dim != 2:
        raise InputError(f"--plot draws a 2-D landscape; this objective has {obj.dim} variables")
    if args.max_boxes is not None and args.max_boxes < 1:
        raise InputError(f"--max-boxes={args.max_boxes} must be >= 1")
    rel_gap = float(parse_number(args.rel_gap, "--rel-gap", positive=True))
    symmetries = parse_symmetries(getattr(args, "symmetry", None), obj.variable_names)
    if symmetries and not given:
        raise InputError(
            "--symmetry serves the strict-saddle check: add --theta --gamma --zeta "
            "(or drop --symmetry)"
        )
    if symmetries:  # proved now, before any search (a wrong declaration is bad input)
        from saddlecheck.landscape.symmetry import reduce_box

        minima_given = target.problem is not None and target.problem.minima_distance is not None
        matrix = [sym for sym in symmetries if any(isinstance(v, list) for v in sym.values())]
        if matrix and not minima_given:
            raise InputError(
                f"--symmetry {matrix[0]!r}: an orthogonal invariance needs a proved distance "
                "bound to the (invariant) minima, which only some problem:NAME inputs carry "
                "(e.g. problem:matrix-factorization); drop it for this objective"
            )
        try:
            reduce_box(obj, box, symmetries, minima_given=minima_given)
        except InputError as exc:
            raise InputError(f"--symmetry: {exc}") from None
    return box, consts if given else None, rel_gap, symmetries


def _budget(func, given: int | None) -> int | None:
    """The box budget ``func`` will use: ``--max-boxes`` or its default ``max_boxes``."""
    import inspect

    if given is not None:
        return given
    default = inspect.signature(func).parameters.get("max_boxes")
    value = None if default is None else default.default
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def analyze(args, target: Target, out: Outcome) -> None:
    """Run the analysis asked for by ``args`` on ``target``, reporting into ``out``.

    ``--workers N`` / ``--scheduler ADDRESS``: the box searches run on local
    processes or a Dask cluster (an unreachable scheduler is bad input). The
    other options are checked first, so bad input never waits for a cluster.
    """
    from saddlecheck.landscape.cluster import open_executor

    options = _options(args, target)
    with open_executor(args.workers, args.scheduler) as executor:
        _analyze(args, target, out, executor, *options)


def _analyze(args, target: Target, out: Outcome, executor, box, consts, rel_gap, symmetries):
    obj = target.objective
    counter = BoxCounter(sys.stderr, enabled=not args.json, deadline=args.deadline)
    names = ", ".join(obj.variable_names)
    out.say(f"f({names}) = {_short(obj.expr)}", f"box: {box}")
    out.data.update({
        "objective": obj.to_string(),
        "variables": list(obj.variable_names),
        "box": box.to_json(),
        "gradient": [sympy.sstr(g) for g in obj.gradient],
        "hessian": [[sympy.sstr(h) for h in row] for row in obj.hessian.tolist()],
        "smoothness": None,
        "critical_points": None,
        "strict_saddle": None,
    })  # fmt: skip
    if obj.dim <= MAX_SHOWN_DIM:
        out.say(
            f"gradient: {_short(list(obj.gradient))}", f"Hessian:  {_short(obj.hessian.tolist())}"
        )
    else:
        out.say(f"gradient and Hessian: {obj.dim} variables (shown with --json)")

    from saddlecheck.landscape.constants import smoothness

    boxes = args.max_boxes
    if boxes is None and obj.dim > HIGH_DIM:
        boxes = HIGH_DIM_SMOOTHNESS_BOXES
        out.say(f"({obj.dim} variables: the ell/rho bisection gets {boxes} boxes; "
                "--max-boxes raises it)")  # fmt: skip
    kwargs = budget_kwargs(smoothness, args.deadline, rel_gap=rel_gap, max_boxes=boxes)
    args.deadline.phase = "bounding ell and rho"
    with counter.section("smoothness: bounding ell and rho"):
        k = smoothness(obj, box, **kwargs)
    out.data["smoothness"] = json.loads(k.to_json())
    out.say(
        f"ell = sup ||Hess f||  <= {up(k.ell)}  (proved; attained {down(k.ell_lower)}, "
        f"gap {k.ell_gap:.1%})",
        f"rho = sup ||D^3 f||   <= {up(k.rho)}  (proved; attained {down(k.rho_lower)}, "
        f"gap {k.rho_gap:.1%})",
    )

    pts = None
    if args.critical == "no" or (args.critical == "auto" and obj.dim > MAX_CRITICAL_DIM):
        why = (
            "--critical no"
            if args.critical == "no"
            else (f"{obj.dim} variables > {MAX_CRITICAL_DIM}; force with --critical yes")
        )
        out.say(f"critical points: skipped ({why})")
    else:
        from saddlecheck.landscape.critical import critical_points

        live = counter.callback("critical points", budget=_budget(critical_points, args.max_boxes))
        kwargs = budget_kwargs(critical_points, args.deadline, live,
                               max_boxes=args.max_boxes, executor=executor)  # fmt: skip
        args.deadline.phase = "searching for critical points"
        with counter.section("critical points"):
            pts = critical_points(obj, box, **kwargs)
        out.data["critical_points"] = json.loads(pts.to_json())
        out.say(*pts.explain().splitlines())
        out.say(
            "  (zeros proved unique by the Krawczyk test; kinds from certified Hessian inertia)"
        )
        if getattr(pts, "status", None) == "time limit":
            raise TimedOut("during the critical-point search")

    report = None
    out.verdict = NOT_ASKED
    if consts is not None:
        from saddlecheck.landscape.strict_saddle import check_strict_saddle

        minima = None if target.problem is None else target.problem.minima_distance
        live = counter.callback("strict saddle",
                                budget=_budget(check_strict_saddle, args.max_boxes))  # fmt: skip
        kwargs = budget_kwargs(check_strict_saddle, args.deadline, live,
                               max_boxes=args.max_boxes, minima=minima, executor=executor,
                               symmetries=symmetries or None)  # fmt: skip
        out.verdict = None  # asked: undecided until the check answers
        args.deadline.phase = "checking the strict-saddle property"
        with counter.section("strict saddle"):
            report = check_strict_saddle(obj, box, consts["theta"], consts["gamma"],
                                         consts["zeta"], **kwargs)  # fmt: skip
        out.verdict = report.holds
        out.data["strict_saddle"] = json.loads(report.to_json())
        out.say(
            f"strict saddle (theta={args.theta}, gamma={args.gamma}, zeta={args.zeta}): "
            f"{verdict_word(report.holds).upper()}",
            *("  " + line for line in report.explain().splitlines()),
        )

    if args.plot:
        from saddlecheck import plot

        args.deadline.phase = "drawing the figure"
        fig = plot.landscape(obj, box, critical=pts, covering=report)
        out.figures.append(plot.save(fig, args.plot))

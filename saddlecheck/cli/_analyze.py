"""``saddlecheck analyze``: derivatives, smoothness constants, critical points, strict saddle."""

from __future__ import annotations

import json

import sympy

from saddlecheck._validation import InputError
from saddlecheck.cli._inputs import Target, parse_box, parse_number
from saddlecheck.cli._outcome import NOT_ASKED, Outcome, verdict_word
from saddlecheck.landscape.constants import smoothness

MAX_SHOWN_DIM = 4  # print the gradient and Hessian in full up to this dimension
MAX_CRITICAL_DIM = 4  # interval branch and bound over the whole box beyond this is hopeless


def _short(expr: object, limit: int = 400) -> str:
    text = sympy.sstr(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _critical(obj, box, max_boxes: int | None):
    from saddlecheck.landscape.critical import critical_points

    kwargs = {} if max_boxes is None else {"max_boxes": max_boxes}
    return critical_points(obj, box, **kwargs)


def analyze(args, target: Target) -> Outcome:
    """Run the analysis asked for by ``args`` on ``target``."""
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

    out = Outcome("analyze")
    names = ", ".join(obj.variable_names)
    out.lines.append(f"f({names}) = {_short(obj.expr)}")
    out.lines.append(f"box: {box}")
    data: dict = {
        "objective": obj.to_string(),
        "variables": list(obj.variable_names),
        "box": box.to_json(),
        "gradient": [sympy.sstr(g) for g in obj.gradient],
        "hessian": [[sympy.sstr(h) for h in row] for row in obj.hessian.tolist()],
    }
    if obj.dim <= MAX_SHOWN_DIM:
        out.lines.append(f"gradient: {_short(list(obj.gradient))}")
        out.lines.append(f"Hessian:  {_short(obj.hessian.tolist())}")
    else:
        out.lines.append(f"gradient and Hessian: {obj.dim} variables (shown with --json)")

    k = smoothness(obj, box, rel_gap=float(parse_number(args.rel_gap, "--rel-gap", positive=True)))
    data["smoothness"] = json.loads(k.to_json())
    out.lines.append(
        f"ell = sup ||Hess f||  <= {k.ell:.6g}  (proved; attained {k.ell_lower:.6g}, "
        f"gap {k.ell_gap:.1%})"
    )
    out.lines.append(
        f"rho = sup ||D^3 f||   <= {k.rho:.6g}  (proved; attained {k.rho_lower:.6g}, "
        f"gap {k.rho_gap:.1%})"
    )

    pts = None
    if args.critical == "no" or (args.critical == "auto" and obj.dim > MAX_CRITICAL_DIM):
        why = (
            "--critical no"
            if args.critical == "no"
            else (f"{obj.dim} variables > {MAX_CRITICAL_DIM}; force with --critical yes")
        )
        out.lines.append(f"critical points: skipped ({why})")
        data["critical_points"] = None
    else:
        pts = _critical(obj, box, args.max_boxes)
        data["critical_points"] = json.loads(pts.to_json())
        out.lines += pts.explain().splitlines()
        out.lines.append(
            "  (zeros proved unique by the Krawczyk test; kinds from certified Hessian inertia)"
        )

    report = None
    if given:
        from saddlecheck.landscape.strict_saddle import check_strict_saddle

        kwargs = {} if args.max_boxes is None else {"max_boxes": args.max_boxes}
        minima = None if target.problem is None else target.problem.minima_distance
        if minima is not None:
            kwargs["minima"] = minima
        report = check_strict_saddle(obj, box, consts["theta"], consts["gamma"], consts["zeta"],
                                     **kwargs)  # fmt: skip
        out.verdict = report.holds
        data["strict_saddle"] = json.loads(report.to_json())
        out.lines.append(
            f"strict saddle (theta={args.theta}, gamma={args.gamma}, zeta={args.zeta}): "
            f"{verdict_word(report.holds).upper()}"
        )
        out.lines += ["  " + line for line in report.explain().splitlines()]
    else:
        out.verdict = NOT_ASKED
    out.data = data

    if args.plot:
        from saddlecheck import plot

        fig = plot.landscape(obj, box, critical=pts, covering=report)
        out.figures.append(plot.save(fig, args.plot))
    return out

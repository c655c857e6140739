"""``saddlecheck run``: the paper's PGD (or GD), a progress line, and the certificate.

The constants come from the user (``--ell``, ``--rho``, ``--delta-f``) or are
proved over the box (``--box`` or the problem's): ``ell`` and ``rho`` by
:func:`saddlecheck.smoothness`, ``Delta_f`` as an upper bound of ``f(x0)``
minus :func:`~saddlecheck.landscape.constants.value_lower_bound`. They are computed
here, once, so that the progress line can show the theorem's iteration bound
from the start.

The verdict (exit code) is the eps-SOSP certificate of the returned point when
PGD finished as Algorithm 2 states; a run stopped by ``max_iter`` (default: the
theorem's bound, at most 1,000,000) or whose iterates left the box the
constants hold on exits 3 (undecided) whatever the certificate says, because
the theorem's guarantee does not cover it. The certificate is still printed.
"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction

from saddlecheck._validation import InputError, check_open_unit
from saddlecheck.certificates.certify import certify_sosp
from saddlecheck.cli._deadline import TimedOut
from saddlecheck.cli._format import interval, up
from saddlecheck.cli._inputs import Target, parse_box, parse_number, parse_point
from saddlecheck.cli._outcome import Outcome, verdict_word
from saddlecheck.cli._progress import Progress

#: proving ell and rho is a branch and bound over the box, exponential in its
#: dimension (the d-dimensional toy: 9 s at d = 3, 90 s at d = 5 on 2 cores).
MAX_PROVED_DIM = 6
PROVED = "proved upper bound over the box (smoothness)"


def check_provable(target: Target, names: list[str], command: str) -> None:
    """Refuse to prove ``ell``/``rho`` over a box in more than :data:`MAX_PROVED_DIM` variables."""
    dim = target.objective.dim
    if not names or dim <= MAX_PROVED_DIM:
        return
    known = ""
    if target.problem is not None:
        consts = target.problem.constants
        stated = [f"{k} = {consts[k].value} [{consts[k].tag}]" for k in names if k in consts]
        if stated:
            known = f" ({target.label} states {', '.join(stated)})"
    flags = " ".join(f"--{k}" for k in names)
    raise InputError(
        f"{command} would prove {' and '.join(names)} over a {dim}-dimensional box, a branch "
        f"and bound practical up to {MAX_PROVED_DIM} variables; pass {flags}{known}"
    )


def constants(args, target: Target, x0: tuple[Fraction, ...]) -> tuple[dict, dict, object]:
    """``ell``, ``rho``, ``delta_f`` (exact where given) and where each came from."""
    obj = target.objective
    box = parse_box(args.box, target, required=False, command="run")
    values = {
        k: parse_number(getattr(args, k), f"--{k.replace('_', '-')}", positive=True,
                        allow_zero=(k == "rho"))
        for k in ("ell", "rho", "delta_f")
    }  # fmt: skip
    sources = {k: "given" for k, v in values.items() if v is not None}
    missing = [k for k, v in values.items() if v is None]
    if missing and box is None:
        names = " ".join(f"--{k.replace('_', '-')}" for k in missing)
        raise InputError(f"run needs {names}, or a --box to prove them over")
    if box is not None and not box.contains(x0):
        raise InputError(f"--x0 lies outside the box {box}; the constants only hold inside it")
    check_provable(target, [k for k in ("ell", "rho") if values[k] is None], "run")
    if values["ell"] is None or values["rho"] is None:
        from saddlecheck.landscape.constants import smoothness

        k = smoothness(obj, box)
        for name in ("ell", "rho"):
            if values[name] is None:
                values[name] = getattr(k, name)
                sources[name] = PROVED
    if values["delta_f"] is None:
        from saddlecheck.arith.rounding import ball_bounds
        from saddlecheck.landscape.constants import value_lower_bound

        f_lo = Fraction(value_lower_bound(obj, box))
        f0_hi = Fraction(ball_bounds(obj.enclose("value", x0))[1])
        values["delta_f"] = max(f0_hi - f_lo, Fraction(1, 10**12))
        sources["delta_f"] = "f(x0) - (proved lower bound of f on the box)"
    return values, sources, box


def _start(args, target: Target) -> tuple:
    obj = target.objective
    if args.x0 is not None:
        return parse_point(args.x0, obj.dim, "--x0")
    if target.x0 is not None:
        return tuple(target.x0)
    raise InputError("run needs a start point: pass --x0 like '0,0'")


def _setup(algorithm, obj, x0, common: dict, args):
    """Algorithm 2's parameters and the theorem's bound (no iterations), as bad input
    when they under- or overflow the run's arithmetic."""
    try:
        return algorithm(obj, x0, max_iter=0, **common)
    except (ZeroDivisionError, OverflowError) as exc:
        prec = "float64" if args.dps is None else f"{args.dps} digits"
        raise InputError(
            f"--eps={args.eps} with ell = {up(common['ell'])}, rho = {up(common['rho'])}: "
            f"Algorithm 2's parameters (eps^2, eps^3, ...) leave the range of {prec} "
            f"({type(exc).__name__}); use a larger eps, or --dps 50 (mpmath has no such range)"
        ) from None


def run(args, target: Target, out: Outcome) -> None:
    """Run PGD (``--gd``: plain GD) and certify the point it returns."""
    from saddlecheck.solver.algorithms import DEFAULT_MAX_ITER, gd, pgd

    obj = target.objective
    x0 = _start(args, target)
    eps = parse_number(args.eps, "--eps", positive=True)
    if args.max_iter is not None and args.max_iter < 0:
        raise InputError(f"--max-iter={args.max_iter} must be >= 0")
    if args.dps is not None and not 1 <= args.dps <= 10_000:
        raise InputError(f"--dps={args.dps} must be between 1 and 10000 digits")
    common: dict = {}
    for name in ("c", "delta"):  # else the library's defaults
        if getattr(args, name) is not None:
            common[name] = check_open_unit(f"--{name}", getattr(args, name),
                                           closed_right=(name == "c"))  # fmt: skip
    args.deadline.phase = "proving ell, rho and Delta_f over the box"
    values, sources, box = constants(args, target, x0)
    seed = 0 if args.seed is None else args.seed
    keep_path = bool(args.plot) and obj.dim == 2
    common.update(eps=eps, ell=values["ell"], rho=values["rho"], box=box,
                  delta_f=values["delta_f"], dps=args.dps, seed=seed)  # fmt: skip
    algorithm = gd if args.gd else pgd
    label = "GD" if args.gd else "PGD"
    setup = _setup(algorithm, obj, x0, common, args)
    out.say(*setup.params.explain().splitlines())  # known before the run: printed now
    bound = setup.bound.value
    max_iter = args.max_iter
    if max_iter is None:
        max_iter = min(math.floor(bound) + 1, DEFAULT_MAX_ITER) if math.isfinite(bound) else (
            DEFAULT_MAX_ITER)  # fmt: skip
    progress = Progress(sys.stderr, label=label, max_iter=max_iter, bound=bound,
                        enabled=not (args.quiet or args.json), deadline=args.deadline)  # fmt: skip
    args.deadline.phase = f"running {label}"
    try:
        res = algorithm(obj, x0, max_iter=max_iter, callback=progress,
                        callback_every=200, keep_path=keep_path, **common)  # fmt: skip
    except TimedOut:
        _partial(out, progress.state, label)
        raise
    finally:
        progress.close()
    _report(args, out, obj, res, sources, box, eps, max_iter)


def _partial(out: Outcome, state: object, label: str) -> None:
    """What a run stopped by ``--timeout`` had reached."""
    if state is None:
        return
    t = getattr(state, "t", None)
    x = [float(v) for v in list(getattr(state, "x", []))[:6]]
    f, g = getattr(state, "f", math.nan), getattr(state, "grad_norm", math.nan)
    out.data["stopped_at"] = {"iteration": t, "x": x, "f": float(f), "grad_norm": float(g)}
    out.say(
        f"{label} stopped at iteration {t}: x = ({', '.join(f'{v:.6g}' for v in x)}"
        f"{', ...' if len(getattr(state, 'x', [])) > 6 else ''}), f = {float(f):.10g}, "
        f"||grad f|| = {float(g):.3g} (not certified)"
    )


#: What the library says of a ``delta_f`` passed to it, and what the CLI says when it proved it.
_GIVEN_DF = "delta_f is given as an upper bound on f(x0) - f*"
_PROVED_DF = "delta_f proved by the CLI: f(x0) (upper bound) - (proved lower bound of f on the box)"


def _report(args, out: Outcome, obj, res, sources: dict, box, eps, max_iter: int) -> None:
    proved_df = sources.get("delta_f") != "given"  # the library only saw a number passed to it
    text = res.explain().replace(_GIVEN_DF, _PROVED_DF) if proved_df else res.explain()
    out.say(*(ln for ln in text.splitlines() if not ln.startswith("  ell from")))
    out.say(*(f"  {k}: {v}" for k, v in sources.items()))
    args.deadline.phase = "certifying the returned point"
    cert = certify_sosp(obj, list(res.x), eps=eps, rho=res.params.rho)
    out.say(
        f"certificate of the returned point: eps-SOSP {verdict_word(cert.holds).upper()} "
        f"({cert.method} arithmetic)",
        *("  " + line for line in cert.explain().splitlines()[1:]),
    )
    note = sosp_note(cert)
    if note:
        out.say("  " + note)
    out.verdict = cert.holds
    unfinished = []
    if res.status != "terminated":
        unfinished.append(
            f"{res.algorithm.upper()} stopped at max_iter = {max_iter} before Algorithm 2's "
            "stopping rule returned (raise --max-iter)"
        )
    if getattr(res, "left_box", ()):
        unfinished.append(
            f"the iterates left the box {box} (first at iteration {res.left_box[0]}), where "
            "ell, rho and f* are not known"
        )
    if unfinished:
        out.verdict = None
        out.say(
            "exit 3 (undecided): " + "; ".join(unfinished) + ". The theorem's guarantee does "
            "not cover this run, whatever the certificate of its last point says"
        )
    result = json.loads(res.to_json(history=False))
    result["sources"] = dict(sources)  # the CLI computed the constants: say where they came from
    if proved_df and "bound" in result:
        src = result["bound"].get("f_star_source", "")
        result["bound"]["f_star_source"] = src.replace(_GIVEN_DF, _PROVED_DF)
    out.data.update({
        "algorithm": res.algorithm,
        "result": result,
        "sources": sources,
        "certificate": json.loads(cert.to_json()),
        "unfinished": unfinished,
    })  # fmt: skip
    if args.plot:
        from saddlecheck import plot

        fig = plot.run_summary(obj, res, box=box)
        out.figures.append(plot.save(fig, args.plot))


def sosp_note(cert: object) -> str | None:
    """For a proved eps-SOSP whose ``lambda_min`` is not proved positive: what it is not.

    An eps-SOSP only needs ``lambda_min >= -sqrt(rho eps)``: a degenerate saddle
    (the monkey saddle at 0) or a degenerate maximum qualifies.
    """
    if cert.holds is not True:
        return None
    lo, hi = (float(v) for v in cert.lambda_min)
    if lo > 0:
        return None
    where = "contains 0" if hi >= 0 else "is negative"
    return (
        f"note: the lambda_min enclosure {interval(lo, hi)} {where}: x is an eps-SOSP by "
        "definition, but it is NOT proved to be a local minimum (it may be a degenerate "
        "saddle or maximum)"
    )

"""``saddlecheck run``: the paper's PGD (or GD), a progress line, and the certificate.

The constants come from the user (``--ell``, ``--rho``, ``--delta-f``) or are
proved over the box (``--box`` or the problem's): ``ell`` and ``rho`` by
:func:`saddlecheck.smoothness`, ``Delta_f`` as an upper bound of ``f(x0)``
minus :func:`~saddlecheck.landscape.constants.value_lower_bound`. They are computed
here, once, so that the progress line can show the theorem's iteration bound
from the start. The verdict (exit code) is the eps-SOSP certificate of the
returned point.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction

from saddlecheck._validation import InputError, check_open_unit
from saddlecheck.certificates.certify import certify_sosp
from saddlecheck.cli._inputs import Target, parse_box, parse_number, parse_point
from saddlecheck.cli._outcome import Outcome, verdict_word
from saddlecheck.cli._progress import Progress


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
    if values["ell"] is None or values["rho"] is None:
        from saddlecheck.landscape.constants import smoothness

        k = smoothness(obj, box)
        for name in ("ell", "rho"):
            if values[name] is None:
                values[name] = getattr(k, name)
                sources[name] = "proved upper bound over the box (smoothness)"
    if values["delta_f"] is None:
        from saddlecheck.arith.rounding import ball_bounds
        from saddlecheck.landscape.constants import value_lower_bound

        f_lo = Fraction(value_lower_bound(obj, box))
        f0_hi = Fraction(ball_bounds(obj.enclose("value", x0))[1])
        values["delta_f"] = max(f0_hi - f_lo, Fraction(1, 10**12))
        sources["delta_f"] = "f(x0) - (proved lower bound of f on the box)"
    return values, sources, box


def run(args, target: Target) -> Outcome:
    """Run PGD (``--gd``: plain GD) and certify the point it returns."""
    from saddlecheck.solver.algorithms import gd, pgd

    obj = target.objective
    if args.x0 is not None:
        x0 = parse_point(args.x0, obj.dim, "--x0")
    elif target.x0 is not None:
        x0 = tuple(target.x0)
    else:
        raise InputError("run needs a start point: pass --x0 like '0,0'")
    eps = parse_number(args.eps, "--eps", positive=True)
    values, sources, box = constants(args, target, x0)
    seed = 0 if args.seed is None else args.seed
    keep_path = bool(args.plot) and obj.dim == 2
    common = dict(eps=eps, ell=values["ell"], rho=values["rho"], box=box,
                  delta_f=values["delta_f"], dps=args.dps, seed=seed)  # fmt: skip
    for name in ("c", "delta"):  # else the library's defaults
        if getattr(args, name) is not None:
            common[name] = check_open_unit(f"--{name}", getattr(args, name),
                                           closed_right=(name == "c"))  # fmt: skip
    algorithm = gd if args.gd else pgd
    label = "GD" if args.gd else "PGD"
    setup = algorithm(obj, x0, max_iter=0, **common)  # parameters and bound, no iterations
    progress = Progress(sys.stderr, label=label, bound=setup.bound.value,
                        enabled=not args.quiet)  # fmt: skip
    try:
        res = algorithm(obj, x0, max_iter=args.max_iter, callback=progress,
                        callback_every=200, keep_path=keep_path, **common)  # fmt: skip
    finally:
        progress.close()

    out = Outcome("run")
    out.lines += res.params.explain().splitlines()
    out.lines += [ln for ln in res.explain().splitlines() if not ln.startswith("  ell from")]
    out.lines += [f"  {k}: {v}" for k, v in sources.items()]
    rho_cert = res.params.rho
    cert = certify_sosp(obj, list(res.x), eps=eps, rho=rho_cert)
    out.verdict = cert.holds
    out.lines.append(
        f"certificate of the returned point: eps-SOSP {verdict_word(cert.holds).upper()} "
        f"({cert.method} arithmetic)"
    )
    out.lines += ["  " + line for line in cert.explain().splitlines()[1:]]
    out.data = {
        "algorithm": res.algorithm,
        "result": json.loads(res.to_json(history=False)),
        "sources": sources,
        "certificate": json.loads(cert.to_json()),
    }
    if args.plot:
        from saddlecheck import plot

        fig = plot.run_summary(obj, res, box=box)
        out.figures.append(plot.save(fig, args.plot))
    return out

"""``saddlecheck guard``, ``proofs`` and ``demo``: thin wrappers over their modules."""

from __future__ import annotations

import importlib
import json
import os
import sys

from saddlecheck._validation import InputError
from saddlecheck.cli._outcome import Outcome


def load_callable(spec: str):
    """``"package.module:function"`` (the current directory is importable) as the callable."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"{spec!r}: name the implementation as MODULE:FUNCTION, e.g. mypgd:pgd")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"cannot import module {module_name!r}: {exc}") from None
    except Exception as exc:  # the user's module failed while importing
        raise InputError(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"{module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise InputError(f"{spec!r} is not callable; it must be impl(problem, seed) -> x")
    return obj


def guard(args) -> Outcome:
    """Run the property suite of :mod:`saddlecheck.testing` against ``MODULE:FUNC``."""
    impl = load_callable(args.impl)
    from saddlecheck.testing import check_pgd

    report = check_pgd(impl, profile=args.profile, properties=args.property)
    out = Outcome("guard", verdict=bool(report.passed))
    out.lines.append(f"guard ({args.profile}) on {args.impl}: "
                     f"{'PASSED' if report.passed else 'FAILED'}")  # fmt: skip
    out.lines += ["  " + line for line in report.explain().splitlines()]
    out.data = {"impl": args.impl, "profile": args.profile, "properties": args.property,
                "passed": bool(report.passed),
                "report": json.loads(report.to_json())}  # fmt: skip
    return out


def proofs(args) -> Outcome:
    """Run every module of ``proofs/``: 0 all proved, 1 a step refuted, 3 a step open."""
    try:
        import proofs as proofs_pkg
    except ImportError:
        raise InputError("the proofs package is not importable; run from the repository "
                         "(pip install -e .)") from None  # fmt: skip
    steps = proofs_pkg.run_all()
    statuses = [s.status for s in steps]
    if "refuted" in statuses:
        verdict = False
    elif "open" in statuses:
        verdict = None
    else:
        verdict = True
    out = Outcome("proofs", verdict=verdict)
    out.lines.append(proofs_pkg.table(steps))
    counts = {k: statuses.count(k) for k in ("proved", "refuted", "open")}
    out.lines.append(", ".join(f"{v} {k}" for k, v in counts.items()))
    out.data = {"counts": counts, "steps": [s.to_dict() for s in steps]}
    return out


def demo(args) -> Outcome:
    """The flagship: progress goes to stdout as it happens (stderr with --json)."""
    from saddlecheck.demo import run_demo

    def log(line: str) -> None:  # live report; with --json, stdout holds only the JSON
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    report = run_demo(args.out, fast=args.fast, log=log)
    out = Outcome("demo", verdict=report.ok, list_figures=False)
    out.lines = [] if args.json else report.summary_lines()
    out.figures = list(report.figures)
    out.data = report.to_dict()
    return out

"""``saddlecheck guard``, ``proofs`` and ``demo``: thin wrappers over their modules."""

from __future__ import annotations

import json
import os
import sys

from saddlecheck._validation import InputError
from saddlecheck.cli._outcome import Outcome


def load_callable(spec: str):
    """``"package.module:function"`` or ``"path/to/file.py:function"`` as the callable.

    The current directory is importable (as for ``python -m``); anything the
    user's module raises while loading is bad input, reported in one line.
    """
    from saddlecheck.testing._load import load_impl

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return load_impl(spec)
    except InputError:
        raise
    except Exception as exc:  # the user's module failed while loading
        raise InputError(f"loading {spec!r} raised {type(exc).__name__}: {exc}") from None


def guard(args, out: Outcome) -> None:
    """Run the property suite of :mod:`saddlecheck.testing` against ``MODULE:FUNC``."""
    impl = load_callable(args.impl)
    from saddlecheck.testing import check_pgd

    report = check_pgd(impl, profile=args.profile, properties=args.property,
                       replay=getattr(args, "replay", None), name=args.impl)  # fmt: skip
    out.verdict = bool(report.passed)
    out.lines.append(f"guard ({args.profile}) on {args.impl}: "
                     f"{'PASSED' if report.passed else 'FAILED'}")  # fmt: skip
    out.lines += ["  " + line for line in report.explain().splitlines()]
    out.data = {"impl": args.impl, "profile": args.profile, "properties": args.property,
                "passed": bool(report.passed),
                "report": json.loads(report.to_json())}  # fmt: skip


def proofs(args, out: Outcome) -> None:
    """Run ``proofs/``: exit 0 when every step is proved, 1 when one is refuted, 3 when open.

    A refuted step is a result (a recalled statement of the analysis that is
    false as stated, with the counterexample), so ``saddlecheck proofs`` exits 1
    while any exists; ``python -m proofs`` exits 0 whenever every module ran.
    """
    try:
        import proofs as proofs_pkg
        from proofs._report import counts, text_table
    except ImportError:
        raise InputError("the proofs package is not importable; run from the repository "
                         "(pip install -e .)") from None  # fmt: skip
    unknown = [m for m in args.modules if m not in proofs_pkg.MODULES]
    if unknown:
        raise InputError(f"unknown proofs module(s) {unknown}; choose from "
                         f"{', '.join(proofs_pkg.MODULES)}")  # fmt: skip
    results = proofs_pkg.run_all(tuple(args.modules) or proofs_pkg.MODULES)
    c = counts(results)
    verdict = False if c["refuted"] else (None if c["open"] else True)
    out.verdict = verdict
    out.lines.append(text_table(results))
    out.data = {
        "counts": c,
        "steps": {name: [s.to_dict() for s in steps] for name, steps in results.items()},
    }


def demo(args, out: Outcome) -> None:
    """The flagship: progress goes to stdout as it happens (stderr with --json)."""
    from saddlecheck.demo import run_demo

    def log(line: str) -> None:  # live report; with --json, stdout holds only the JSON
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    out.list_figures = False
    report = run_demo(args.out, fast=args.fast, log=log)
    out.verdict = report.ok
    out.lines = [] if args.json else report.summary_lines()
    out.figures = list(report.figures)
    out.data = report.to_dict()

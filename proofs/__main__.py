"""``python -m proofs [--json | --markdown] [MODULE ...]``: run the checks and print the results.

Exit status 0 when every module ran (every step is then proved, or refuted
with a counterexample, or open with a reason: :class:`~proofs._step.Step`
refuses anything else); 1 when a module raised.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from proofs import MODULES, run
from proofs._report import json_report, markdown_table, text_table


def main(argv: list[str] | None = None) -> int:
    """The command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m proofs", description=__doc__.splitlines()[0])
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--markdown", action="store_true", help="the README table")
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help=f"modules to run (default: all of {', '.join(MODULES)})",
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(MODULES)}")
    results, failed = {}, []
    for name in args.modules or MODULES:
        try:
            results[name] = run(name)
        except Exception:  # report it and fail the run; never hide a broken check
            failed.append(name)
            traceback.print_exc()
    if args.json:
        print(json_report(results))
    elif args.markdown:
        print(markdown_table(results))
    else:
        print(text_table(results))
    if failed:
        print(f"modules that raised: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

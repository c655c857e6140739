"""``python -m saddlecheck.testing mypkg.module:impl [--profile P] [--properties a,b] [--json]
[--replay case.json]``.

Runs the guard on the named implementation, prints the report and exits with
status 0 (passed), 1 (a property failed) or 2 (bad arguments).
"""

from __future__ import annotations

import argparse
import sys

from saddlecheck._validation import InputError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m saddlecheck.testing",
        description="Check a PGD implementation impl(problem, seed) -> x against "
        "Algorithm 2 of Jin et al. (ICML 2017) and the claims of its analysis.",
    )
    parser.add_argument("target", help="mypkg.module:impl or path/to/file.py:impl")
    parser.add_argument("--profile", default="quick", choices=("quick", "thorough"))
    parser.add_argument("--properties", default=None, help="comma-separated property names")
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failure")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--replay", metavar="CASE.json", default=None,
                        help="run a failure saved by an earlier report again")  # fmt: skip
    args = parser.parse_args(argv)
    from saddlecheck.testing._guard import check_pgd
    from saddlecheck.testing._load import load_impl

    try:
        impl = load_impl(args.target)
        props = args.properties.split(",") if args.properties else None
        report = check_pgd(
            impl, args.profile, props, fail_fast=args.fail_fast, replay=args.replay,
            name=args.target,
        )  # fmt: skip
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.explain())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())

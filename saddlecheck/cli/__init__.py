"""The ``saddlecheck`` command.

Subcommands (``saddlecheck COMMAND --help`` for every option):

* ``analyze EXPR --box B [--theta T --gamma G --zeta Z]``: gradient, Hessian,
  proved ``ell``/``rho``, critical points with kinds, strict-saddle verdict;
* ``run EXPR --x0 X --eps E [--gd]``: the paper's PGD (or plain GD) with a
  progress bar on a terminal, then the certificate of the returned point;
* ``certify EXPR --point X --eps E --rho R [--out cert.json]`` (or
  ``--gamma G`` for a strict-saddle point) and ``verify cert.json``;
* ``guard MODULE:FUNC [--profile quick|thorough]``: the regression guard;
* ``proofs``: the machine-checked derivations in ``proofs/``;
* ``demo [--out DIR]``: the paper's story in under two minutes.

``EXPR`` is a formula, ``@file.py`` (defines ``f``) or ``problem:NAME`` (see
:mod:`saddlecheck.cli._inputs`). Exit codes: 0 holds, 1 disproved,
2 bad input, 3 undecided (also: stopped by ``--timeout``; ``run`` stopped at
``max_iter`` or left the box), 4 internal error (:mod:`saddlecheck.cli._outcome`).
Options are checked before any computation. Text output is printed as each
section is decided; ``--json`` prints one stable JSON object on stdout and
nothing else; ``--plot FILE`` writes a figure; ``--timeout SECONDS`` bounds
every command (:mod:`saddlecheck.cli._deadline`).

>>> main(["certify", "x**2 - y**2", "--point", "0,0", "--gamma", "1"])  # doctest: +ELLIPSIS
is lambda_min(Hess f(x)) <= -gamma (gamma=1)? HOLDS (exact arithmetic)
...
0
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence

from saddlecheck._validation import InputError
from saddlecheck.cli._deadline import Deadline, TimedOut, check_timeout, hard_limit
from saddlecheck.cli._outcome import EXIT_BAD_INPUT, EXIT_INTERNAL, Outcome
from saddlecheck.cli._parser import UsageError, build_parser, join_negative_values

__all__ = ["main"]


def _version() -> str:
    from saddlecheck import __version__

    return __version__


def _dispatch(args, out: Outcome, deadline: Deadline) -> None:
    from saddlecheck.cli import _certify, _inputs, _tools

    args.deadline = deadline
    _inputs.check_figure_path(getattr(args, "plot", None))
    if args.command in ("analyze", "run", "certify"):
        options = {k: getattr(args, k, None) for k in _inputs.PROBLEM_OPTIONS}
        if args.command == "run":
            options = _run_problem_options(args.expr, options)
        if args.command == "certify" and args.jax is not None:
            from saddlecheck.cli._jax import jax_target

            return _certify.certify(args, jax_target(args), out)
        if args.expr is None:
            raise InputError(f"{args.command} needs EXPR (or, for certify, --jax MODULE:FN)")
        if args.command == "certify" and args.point is None:
            raise InputError("certify needs --point 'x1,x2,...' (the point to certify)")
        target = _inputs.load_target(args.expr, options)
        if args.command == "analyze":
            from saddlecheck.cli._analyze import analyze

            return analyze(args, target, out)
        if args.command == "run":
            from saddlecheck.cli._run import run

            return run(args, target, out)
        return _certify.certify(args, target, out)
    if args.command == "verify":
        return _certify.verify(args, out)
    if args.command == "guard":
        return _tools.guard(args, out)
    if args.command == "proofs":
        return _tools.proofs(args, out)
    return _tools.demo(args, out)


def _stopped(out: Outcome, deadline: Deadline, exc: TimedOut) -> None:
    """The ``--timeout`` expired: exit 3 with what was decided before it."""
    out.verdict = None
    out.figures = [p for p in out.figures if os.path.exists(p)]
    where = f" ({exc.where})" if exc.where and exc.where != "the time limit expired" else ""
    out.data["timeout"] = {"seconds": deadline.seconds, "elapsed": round(deadline.elapsed(), 3),
                           "where": exc.where}  # fmt: skip
    out.say(
        f"stopped by --timeout {deadline.seconds:g} after {deadline.elapsed():.1f} s{where}: "
        "undecided (exit 3); what is printed above was decided before the limit"
    )


def _run_problem_options(expr: str, options: dict) -> dict:
    """``run --seed`` seeds PGD; it also seeds the problem instance when the problem takes one."""
    if not expr.strip().startswith("problem:"):
        return {**options, "seed": None}
    import inspect

    from saddlecheck import problems

    name = expr.strip()[len("problem:") :].strip()
    ctor = problems.NAMES.get(name)
    if ctor is not None and "seed" not in inspect.signature(ctor).parameters:
        options = {**options, "seed": None}
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_version())
    debug = "--debug" in argv
    outcome = None
    try:
        args = parser.parse_args(join_negative_values(argv))
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_BAD_INPUT
        deadline = Deadline(check_timeout(args.timeout))
        outcome = Outcome(args.command, stream=None if args.json else sys.stdout)
        try:
            with hard_limit(deadline):
                _dispatch(args, outcome, deadline)
        except TimedOut as exc:
            _stopped(outcome, deadline, exc)
    except UsageError as exc:
        print(f"saddlecheck: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (InputError, OSError) as exc:
        if debug:
            traceback.print_exc()
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"saddlecheck: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("saddlecheck: interrupted", file=sys.stderr)
        return 130
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    except Exception as exc:  # a bug, not bad input: never exit 1 (that means "disproved")
        if debug:
            traceback.print_exc()
        print(
            f"saddlecheck: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    try:
        if args.json:
            print(json.dumps(outcome.json_document(_version()), indent=2))
        else:
            text = outcome.text()
            if text:
                print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `saddlecheck ... | head`: the reader left; keep the exit code
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return outcome.exit_code

"""The argument parser of the ``saddlecheck`` command (one place for every option)."""

from __future__ import annotations

import argparse

VALUE_OPTIONS = ("--box", "--x0", "--point")


class UsageError(Exception):
    """A malformed command line (exit code 2, one line on stderr)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage dump
        raise UsageError(f"{message} (see: {self.prog} --help)")


def join_negative_values(argv: list[str]) -> list[str]:
    """``--x0 -1,0`` as ``--x0=-1,0``: argparse would read ``-1,0`` as an option.

    >>> join_negative_values(["run", "f", "--x0", "-1,0", "--box", "-2:2"])
    ['run', 'f', '--x0=-1,0', '--box=-2:2']
    """
    out: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in VALUE_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _common(sub: argparse.ArgumentParser) -> None:
    g = sub.add_argument_group("output")
    g.add_argument("--json", action="store_true", help="print one JSON object (stable keys)")
    g.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    g.add_argument("--timeout", metavar="SECONDS",
                   help="stop after about this long, with what is known (exit 3)")  # fmt: skip


def _expr(sub: argparse.ArgumentParser, optional: bool = False) -> None:
    sub.add_argument(
        "expr",
        metavar="EXPR",
        nargs="?" if optional else None,
        help="a formula ('x**4/4 - x**2/2 + y**2/2'), @file.py (defines f), or problem:NAME",
    )
    g = sub.add_argument_group("problem:NAME options (only those the problem takes)")
    g.add_argument("--d", type=int, help="dimension (toy-nd, quadratic-saddle, octopus, ...)")
    g.add_argument("--r", type=int, help="rank (matrix-factorization)")
    g.add_argument("--m", type=int, help="measurements (phase-retrieval)")
    g.add_argument("--R", help="box half-width (toy, monkey, cubic, ...)")
    g.add_argument("--seed", type=int, help="random instance; for run also PGD's draws (default 0)")


def build_parser(version: str) -> argparse.ArgumentParser:
    p = _Parser(
        prog="saddlecheck",
        description="Verified mathematics around perturbed gradient descent (Jin et al., 2017). "
        "Exit codes: 0 holds, 1 disproved, 2 bad input, 3 undecided, 4 internal error.",
    )
    p.add_argument("--version", action="version", version=f"saddlecheck {version}")
    subs = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    a = subs.add_parser("analyze", help="derivatives, ell/rho, critical points, strict saddle")
    _expr(a)
    a.add_argument("--box", help="region 'lo:hi,lo:hi,...' (default: the problem's box)")
    a.add_argument("--theta", help="strict saddle: gradient threshold")
    a.add_argument("--gamma", help="strict saddle: curvature threshold")
    a.add_argument("--zeta", help="strict saddle: distance to the minima")
    a.add_argument("--critical", choices=("auto", "yes", "no"), default="auto",
                   help="find critical points (auto: up to 4 variables)")  # fmt: skip
    a.add_argument("--max-boxes", type=int,
                   help="box budget of every search (ell/rho, critical points, cover)")  # fmt: skip
    a.add_argument("--rel-gap", default="0.1", help="target relative gap of ell, rho (0.1)")
    a.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes for the critical-point and strict-saddle searches",
    )
    a.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run those searches on a Dask cluster (e.g. tcp://host:8786)",
    )
    a.add_argument(
        "--symmetry",
        action="append",
        metavar="SPEC",
        help="strict saddle: a symmetry of f, verified, then only a fundamental domain is "
        "covered (repeatable): 'x=-x', 'x=y,y=x' or 'orthogonal=u1_1 u1_2; u2_1 u2_2'",
    )
    a.add_argument("--plot", metavar="FILE", help="landscape figure (2 variables)")
    _common(a)

    r = subs.add_parser("run", help="PGD (or GD) and the certificate of its result")
    _expr(r)
    r.add_argument("--x0", help="start 'x1,x2,...' (default: the problem's start)")
    r.add_argument("--eps", required=True, help="target accuracy eps > 0")
    r.add_argument("--ell", help="gradient Lipschitz constant (default: proved over --box)")
    r.add_argument("--rho", help="Hessian Lipschitz constant (default: proved over --box)")
    r.add_argument("--box", help="region for ell, rho and Delta_f (default: the problem's box)")
    r.add_argument("--delta-f", help="Delta_f >= f(x0) - f* (default: from the box)")
    r.add_argument("--c", help="the constant c of Algorithm 2, eta = c/ell (default 1/2)")
    r.add_argument("--delta", help="failure probability delta (default 0.1)")
    r.add_argument("--dps", type=int, help="mpmath digits (default: float64)")
    r.add_argument("--max-iter", type=int,
                   help="stop after this many iterations (default: the theorem's bound, at most "
                   "1,000,000); a run stopped here exits 3")  # fmt: skip
    r.add_argument("--gd", action="store_true", help="plain gradient descent, no perturbation")
    r.add_argument("--quiet", action="store_true", help="no progress output on stderr")
    r.add_argument("--plot", metavar="FILE", help="trajectory (2 variables) and f(x_t) figure")
    _common(r)

    c = subs.add_parser("certify", help="prove a point is (not) an eps-SOSP / a strict saddle")
    _expr(c, optional=True)
    c.add_argument("--jax", metavar="MODULE:FN",
                   help="instead of EXPR: FN() returns (loss, params); certify the JAX loss at "
                   "params (needs saddlecheck[jax])")  # fmt: skip
    c.add_argument("--point", help="the point 'x1,x2,...' (read exactly; --jax: default params)")
    c.add_argument("--eps", help="is it an eps-SOSP for this eps?")
    c.add_argument("--rho", help="Hessian Lipschitz constant (default: proved over --box)")
    c.add_argument("--gamma", help="instead: is lambda_min(Hess f) <= -gamma there?")
    c.add_argument("--box", help="region to bound rho over when --rho is not given")
    c.add_argument("--out", metavar="FILE", help="write the certificate (JSON)")
    _common(c)

    v = subs.add_parser("verify", help="re-check a certificate independently")
    v.add_argument("certificate", metavar="CERT.json")
    _common(v)

    g = subs.add_parser("guard", help="property-test someone's PGD implementation")
    g.add_argument("impl", metavar="MODULE:FUNC", help="impl(problem, seed) -> x")
    g.add_argument("--profile", choices=("quick", "thorough"), default="quick")
    g.add_argument("--property", action="append", metavar="NAME",
                   help="check only this property (repeatable; default: all)")  # fmt: skip
    g.add_argument(
        "--replay",
        metavar="CASE.json",
        default=None,
        help="run a failure the guard saved (its report prints the path) again",
    )
    _common(g)

    pr = subs.add_parser("proofs", help="run the machine-checked derivations in proofs/")
    pr.add_argument("modules", nargs="*", metavar="MODULE", help="modules to run (default: all)")
    _common(pr)

    dm = subs.add_parser("demo", help="the paper's story in under two minutes")
    dm.add_argument("--out", default="demo-output", help="directory for the figures")
    dm.add_argument("--fast", action="store_true", help="smaller settings (for tests)")
    _common(dm)
    return p

"""``saddlecheck certify`` and ``verify``: proofs about one point, and their re-check."""

from __future__ import annotations

import json
import math
import os

from saddlecheck._validation import InputError
from saddlecheck.certificates.certify import (
    certify_sosp,
    certify_strict_saddle_point,
    verify_certificate,
)
from saddlecheck.cli._format import up
from saddlecheck.cli._inputs import Target, parse_box, parse_number, parse_point
from saddlecheck.cli._outcome import Outcome, verdict_word


def rho_for(args, target: Target, out: Outcome) -> object:
    """``--rho``, else a proved ``rho`` over the box (``--box`` or the problem's), said so."""
    rho = parse_number(args.rho, "--rho", positive=True, allow_zero=True)
    if rho is not None:
        return rho
    box = parse_box(args.box, target, required=False, command=out.command)
    if box is None:
        raise InputError(f"{out.command} needs --rho (or a --box to bound rho over)")
    from saddlecheck.cli._run import check_provable
    from saddlecheck.landscape.constants import smoothness

    check_provable(target, ["rho"], out.command)
    k = smoothness(target.objective, box)
    out.say(f"rho = {up(k.rho)}: proved upper bound of sup ||D^3 f|| over {box}")
    out.data["rho_source"] = {"box": box.to_json(), "rho": k.rho}
    return k.rho


def certify(args, target: Target, out: Outcome) -> None:
    """An eps-SOSP certificate (``--eps``), or a strict-saddle-point one (``--gamma``)."""
    obj = target.objective
    x = parse_point(args.point, obj.dim, "--point")
    if (args.eps is None) == (args.gamma is None):
        raise InputError(
            "certify needs exactly one of --eps (is the point an eps-SOSP?) "
            "or --gamma (is lambda_min <= -gamma there?)"
        )
    eps = parse_number(args.eps, "--eps", positive=True)
    gamma = parse_number(args.gamma, "--gamma", positive=True)
    parse_number(args.rho, "--rho", positive=True, allow_zero=True)  # checked before computing
    if args.out:
        _check_writable(args.out)
    if args.eps is not None:
        rho = rho_for(args, target, out)
        cert = certify_sosp(obj, x, eps=eps, rho=rho)
        question = f"is x an eps-SOSP (eps={args.eps}, rho={up(rho)})?"
        data = {
            "kind": "sosp",
            "grad_norm": _ends(cert.grad_norm),
            "lambda_min": _ends(cert.lambda_min),
        }
    else:
        cert = certify_strict_saddle_point(obj, x, gamma)
        question = f"is lambda_min(Hess f(x)) <= -gamma (gamma={args.gamma})?"
        data = {
            "kind": "strict_saddle_point",
            "lambda_min": _ends(cert.lambda_min),
            "direction": None if cert.direction is None else [str(v) for v in cert.direction],
        }
    out.verdict = cert.holds
    out.say(f"{question} {verdict_word(cert.holds).upper()} ({cert.method} arithmetic)")
    out.say(*("  " + line for line in cert.explain().splitlines()))
    if args.eps is not None:
        from saddlecheck.cli._run import sosp_note

        note = sosp_note(cert)
        if note:
            out.say("  " + note)
    text = cert.to_json()
    if args.out:
        _write(args.out, text)
        out.say(f"certificate written to {args.out}; re-check: saddlecheck verify {args.out}")
    out.data.update({**data, "point": [str(v) for v in x], "method": cert.method,
                     "reason": cert.reason, "certificate": json.loads(text),
                     "certificate_file": args.out})  # fmt: skip


def _ends(bounds) -> list:
    """Outward-rounded float ends for ``--json``; ``null`` for an end beyond the float range
    (strict JSON has no ``Infinity``; the certificate holds every end exactly)."""
    return [v if math.isfinite(v) else None for v in map(float, bounds)]


def _check_writable(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path) or not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        raise InputError(f"--out={path!r}: cannot write a file there")


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    except OSError as exc:
        raise InputError(f"cannot write {path!r}: {exc.strerror}") from None


def read_text(path: str, what: str) -> str:
    """The file's text, or bad input naming the file."""
    if not os.path.isfile(path):
        raise InputError(f"{what} {path!r} not found")
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path!r}: {exc}") from None


def verify(args, out: Outcome) -> None:
    """Re-check a certificate file with the independent checker."""
    text = read_text(args.certificate, "certificate")
    ok = verify_certificate(text)
    data = json.loads(text)
    out.verdict = bool(ok)
    if ok:
        out.lines.append(
            f"{args.certificate}: VALID. Re-derived with SymPy and re-checked with exact/interval "
            f"arithmetic; its verdict (holds={data.get('holds')}) follows from the evidence."
        )
    else:
        out.lines.append(
            f"{args.certificate}: NOT VALID. The stored claims do not follow from the objective "
            "and evidence (tampered, or not re-checkable, e.g. an objective using erf)."
        )
    out.data = {"certificate_file": args.certificate, "valid": bool(ok),
                "kind": data.get("kind"), "claimed_holds": data.get("holds")}  # fmt: skip

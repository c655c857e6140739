"""Failing guard instances as self-contained JSON cases, and their replay.

A case file holds everything needed to run one property on one instance
again, on any machine: the landscape (exact rationals as strings), the start,
Algorithm 2's inputs, the seed, the profile (for pooled properties: how many
seeds are pooled) and the property; plus, for people, the verdict, the likely
cause and the command that replays it::

    saddlecheck guard mypkg.module:impl --replay case.json
    check_pgd(impl, replay="case.json")
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from fractions import Fraction
from pathlib import Path

from saddlecheck._validation import InputError
from saddlecheck.testing._landscapes import Component, Landscape
from saddlecheck.testing._problem import GuardCase

#: Format tag of a case file.
FORMAT = "saddlecheck-guard-case/1"


def _q(v: Fraction) -> str:
    return str(Fraction(v))


def case_to_dict(case: GuardCase) -> dict:
    land = case.landscape
    return {
        "landscape": {
            "components": [
                {"kind": c.kind, "params": [_q(v) for v in c.params]} for c in land.components
            ],
            "skew": [int(v) for v in land.skew],
            "center": [_q(v) for v in land.center],
            "offset": _q(land.offset),
        },
        "start": case.start,
        "z0": [_q(v) for v in case.z0],
        "kappa": int(case.kappa),
        "c": _q(case.c),
        "delta": _q(case.delta),
        "seed": int(case.seed),
    }


def case_from_dict(data: dict) -> GuardCase:
    """The :class:`GuardCase` of ``data`` (as written by :func:`case_to_dict`).

    Raises:
        InputError: a field is missing or malformed.
    """
    try:
        land = data["landscape"]
        comps = tuple(
            Component(str(c["kind"]), tuple(Fraction(v) for v in c["params"]))
            for c in land["components"]
        )
        if not comps or any(c.kind not in ("well", "quadratic", "planted") for c in comps):
            raise ValueError("components must be well, quadratic or planted")
        landscape = Landscape(
            comps,
            skew=tuple(int(v) for v in land.get("skew", ())),
            center=tuple(Fraction(v) for v in land.get("center", ())),
            offset=Fraction(land.get("offset", "0")),
        )
        start = str(data["start"])
        if start not in ("point", "minimum", "saddle"):
            raise ValueError(f"start={start!r} must be point, minimum or saddle")
        case = GuardCase(
            landscape, start, tuple(Fraction(v) for v in data.get("z0", ())),
            kappa=int(data["kappa"]), c=Fraction(data["c"]), delta=Fraction(data["delta"]),
            seed=int(data["seed"]),
        )  # fmt: skip
        if start == "point" and len(case.z0) != landscape.dim:
            raise ValueError(f"z0 has {len(case.z0)} coordinates, the landscape {landscape.dim}")
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise InputError(f"malformed guard case: {type(exc).__name__}: {exc}") from None
    return case


def load_case(replay) -> dict:
    """A case file's content from a path, a JSON string or a dict (validated).

    Raises:
        InputError: unreadable file, not a guard case, malformed fields.
    """
    if isinstance(replay, dict):
        data = replay
    else:
        text = str(replay)
        if not text.lstrip().startswith("{"):
            path = Path(text)
            if not path.is_file():
                raise InputError(f"replay={replay!r}: no such case file")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"replay={replay!r} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"replay={str(replay)[:80]!r} is not a guard case (format {FORMAT!r})")
    for key in ("property", "profile", "case"):
        if key not in data:
            raise InputError(f"guard case lacks {key!r}")
    data = dict(data)
    data["case"] = case_from_dict(data["case"])
    return data


def default_cases_dir() -> Path:
    """``$SADDLECHECK_CASES`` or ``<tmp>/saddlecheck-cases``."""
    return Path(
        os.environ.get("SADDLECHECK_CASES") or Path(tempfile.gettempdir()) / "saddlecheck-cases"
    )


def impl_target(impl) -> str:
    """``module:qualname`` of ``impl`` when it can be imported by name, else ``MODULE:IMPL``."""
    mod, qual = getattr(impl, "__module__", None), getattr(impl, "__qualname__", None)
    target = getattr(impl, "guard_target", None)
    if target:
        return str(target)
    plain = "<" not in qual and "(" not in qual if qual else False
    if mod and plain and mod != "__main__" and not mod.startswith("_saddle"):
        return f"{mod}:{qual}"
    return "MODULE:IMPL"


def save_case(
    directory: Path, target: str, prop: str, profile: str, case: GuardCase, extra: dict
) -> Path:
    """Write the case file; its name is a hash of its content (same failure, same file)."""
    body = {
        "format": FORMAT,
        "property": prop,
        "profile": profile,
        "case": case_to_dict(case),
        **extra,
    }
    key = hashlib.sha256(json.dumps([target, body["case"], prop, profile]).encode()).hexdigest()
    slug = "".join(ch if ch.isalnum() else "_" for ch in target.split(":")[-1])[:40]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug}-{prop}-{key[:10]}.json"
    body["command"] = f"saddlecheck guard {target} --replay {path}"
    path.write_text(json.dumps(body, indent=2, default=str) + "\n", encoding="utf-8")
    return path

"""The certificate's JSON form: exact numbers, a closed set of fields, canonical reasons.

A certificate is a JSON object whose every number is an *exact rational
string* (``"p"``, ``"p/q"``, or ``"m*2**e"`` for a dyadic rational), never a
JSON float: floats cannot hold ``||grad f|| = e^800`` or ``1e-5000``, and
``NaN``/``Infinity`` are not numbers at all. Integers of any size are written
and read without Python's 4,300-digit limit on ``int``/``str`` conversion
(the limit guards against quadratic-time parsing; here each number is capped at
:data:`MAX_DIGITS` digits and ``2**e`` at ``|e| <=`` :data:`MAX_EXP2`).

:func:`load_certificate` accepts exactly the fields a producer writes (plus the
optional ``"domain"`` list of the domain-of-``f`` proof): an unknown field such
as ``"note": "x is the global minimum"``, a NaN, a JSON float where an exact
string belongs, an integer literal, or nesting deeper than a certificate has is
refused with :class:`~saddlecheck.InputError`. The free-text ``reason`` is not
trusted: it must equal the canonical text (:func:`sosp_reason`,
:func:`strict_reason`) regenerated from the re-proved numbers, so a reason that
contradicts the verdict cannot verify.
"""

from __future__ import annotations

import hashlib
import json
import re
from fractions import Fraction

import mpmath

from saddlecheck._validation import InputError

FORMAT = "saddlecheck-certificate/2"
MAX_DIGITS = 200_000
MAX_EXP2 = 1 << 22
MAX_TEXT = 50_000_000
MAX_DEPTH = 8
LOWER_HOW = frozenset(
    {"isspd", "ball", "exact", "gershgorin", "exact-psd", "exact-ldl", "interval-ldl"}
    | {f"{m} + radius" for m in ("isspd", "ball", "exact", "gershgorin")}
)
_COMMON = ("format", "kind", "objective", "variables", "x", "holds", "lambda_min", "method",
           "reason", "evidence", "digest")  # fmt: skip
FIELDS = {
    "sosp": frozenset((*_COMMON, "eps", "rho", "grad_norm")),
    "strict_saddle_point": frozenset((*_COMMON, "gamma")),
}
OPTIONAL = frozenset({"domain"})
_CHUNK = 4000  # digits per int() / str() call, below CPython's 4300-digit limit


# ----------------------------------------------------------------- numbers


def _int_str(n: int) -> str:
    """Decimal digits of ``n >= 0`` of any size (divide and conquer on ``10**k``)."""
    if n.bit_length() <= 3 * _CHUNK:
        return str(n)
    k = (n.bit_length() * 3 // 10) // 2  # about half the digits
    hi, lo = divmod(n, 10**k)
    return _int_str(hi) + _int_str(lo).rjust(k, "0")


def _str_int(s: str) -> int:
    """The integer of a digit string of any length."""
    if len(s) <= _CHUNK:
        return int(s)
    k = len(s) // 2
    return _str_int(s[:-k]) * 10**k + _str_int(s[-k:])


def qstr(q: Fraction) -> str:
    """Exact text of ``q``: ``"p"``, ``"p/q"``, or ``"m*2**e"`` when that is much shorter.

    >>> qstr(Fraction(3, 4)), qstr(Fraction(5, 2**300)), qstr(Fraction(-7))
    ('3/4', '5*2**-300', '-7')
    """
    q = Fraction(q)
    p, d = q.numerator, q.denominator
    if d > 1 and d & (d - 1) == 0 and d.bit_length() > 65:
        return f"{p}*2**-{d.bit_length() - 1}"
    if d == 1 and p != 0:
        z = (abs(p) & -abs(p)).bit_length() - 1  # trailing zero bits
        if z > 64:
            return f"{'-' if p < 0 else ''}{_int_str(abs(p) >> z)}*2**{z}"
    sign = "-" if p < 0 else ""
    text = sign + _int_str(abs(p))
    return text if d == 1 else f"{text}/{_int_str(d)}"


_RAT = re.compile(r"(-?)([0-9]+)(?:/([0-9]+)|\*2\*\*(-?[0-9]+))?")


def parse_q(value: object, where: str) -> Fraction:
    """The exact rational of a certificate's number string (see :func:`qstr`)."""
    if not isinstance(value, str):
        raise InputError(
            f"certificate field {where}={_short(value)} must be an exact rational string "
            "such as '3/4' (JSON numbers, NaN and Infinity are not accepted)"
        )
    m = _RAT.fullmatch(value)
    if m is None:
        raise InputError(f"certificate field {where}={_short(value)} is not a rational 'p/q'")
    sign, p, d, e = m.groups()
    if len(p) + len(d or "") > MAX_DIGITS or (e is not None and len(e) > 9):
        raise InputError(f"certificate field {where} has more than {MAX_DIGITS} digits")
    num = _str_int(p) * (-1 if sign else 1)
    if e is not None:
        k = int(e)
        if abs(k) > MAX_EXP2:
            raise InputError(f"certificate field {where} has a binary exponent beyond {MAX_EXP2}")
        return Fraction(num * 2**k) if k >= 0 else Fraction(num, 2**-k)
    den = 1 if d is None else _str_int(d)
    if den == 0:
        raise InputError(f"certificate field {where}={_short(value)} divides by zero")
    return Fraction(num, den)


def fmt(q: Fraction) -> str:
    """``q`` to 6 significant digits, for any magnitude (no float overflow)."""
    q = Fraction(q)
    if q == 0:
        return "0"
    with mpmath.workprec(64):
        return mpmath.nstr(mpmath.mpf(q.numerator) / q.denominator, 6)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ----------------------------------------------------------------- reasons


def sosp_reason(grad_ok: bool | None, hess_ok: bool | None, how: str, s: Fraction,
                up_kind: str) -> str:  # fmt: skip
    """The canonical reason of an eps-SOSP verdict (regenerated by the checker)."""
    parts = [
        {
            True: "||grad f(x)|| <= eps proved",
            False: "||grad f(x)|| > eps proved",
            None: "||grad f(x)|| vs eps undecided (it is within rounding of eps)",
        }[grad_ok]
    ]
    if hess_ok is True:
        parts.append(f"lambda_min >= -sqrt(rho eps) proved ({how}, shift {fmt(s)})")
    elif hess_ok is False:
        by = "witness direction" if up_kind == "witness" else "exact LDL^T: not PSD"
        parts.append(f"lambda_min < -sqrt(rho eps) proved ({by})")
    else:
        parts.append("lambda_min vs -sqrt(rho eps) undecided (equal or too close at this budget)")
    return "; ".join(parts)


def strict_reason(holds: bool | None, how: str, has_witness: bool) -> str:
    """The canonical reason of a strict-saddle-point verdict."""
    if holds is True:
        by = "a witness direction" if has_witness else "exact LDL^T (H + gamma I not PSD)"
        return f"lambda_min <= -gamma proved by {by}"
    if holds is False:
        return f"lambda_min > -gamma proved ({how})"
    return "lambda_min is too close to -gamma to decide at this budget"


# ----------------------------------------------------------------- JSON


def digest(data: dict) -> str:
    """SHA-256 of the content without its ``digest`` field (canonical JSON)."""
    body = {k: v for k, v in data.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dump_certificate(payload: dict) -> str:
    """Serialize a certificate payload with its format tag and digest."""
    data = {"format": FORMAT, **payload}
    data["digest"] = digest(data)
    return json.dumps(data, indent=1)


def _no_number(text: str) -> object:
    raise InputError(
        f"the certificate holds the JSON number {_short(text)}; certificates store every "
        "number except small bit counts as an exact rational string"
    )


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) > 9:
        _no_number(text)
    return int(text)


def parse_json(text: object) -> dict:
    """The JSON object of a certificate; anything else is :class:`InputError`.

    JSON numbers other than integers of at most 9 digits (bit counts) are
    refused (floats, ``NaN``, ``Infinity``, long integers): a certificate writes
    its numbers as strings. Nesting deeper than
    a certificate has (arrays of arrays of ...) is refused before Python's
    recursion limit is reached.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the certificate is not UTF-8 text") from None
    if not isinstance(text, str):
        raise InputError("verify_certificate needs the JSON text of a certificate")
    if len(text) > MAX_TEXT:
        raise InputError(f"the certificate is longer than {MAX_TEXT} characters")
    depth = level = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):  # brackets outside strings
        if ch in "[{":
            level += 1
            depth = max(depth, level)
        elif ch in "]}":
            level -= 1
    if depth > MAX_DEPTH:
        raise InputError(f"the certificate is nested {depth} levels deep (at most {MAX_DEPTH})")
    try:
        data = json.loads(
            text, parse_int=_small_int, parse_float=_no_number, parse_constant=_no_number
        )
    except json.JSONDecodeError as exc:
        raise InputError(f"the certificate is not valid JSON: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth scan comes first
        raise InputError("the certificate is nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"not a saddlecheck certificate (expected format {FORMAT!r})")
    return data


def check_fields(data: dict) -> str:
    """The certificate's kind, after checking it has exactly the fields of that kind."""
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise InputError(f"certificate kind={_short(kind)} must be one of {sorted(FIELDS)}")
    keys = set(data)
    missing, extra = FIELDS[kind] - keys, keys - FIELDS[kind] - OPTIONAL
    if missing:
        raise InputError(f"certificate is missing fields: {sorted(missing)}")
    if extra:
        raise InputError(
            f"certificate has unknown fields {sorted(extra)}: a certificate holds only what "
            "the checker re-proves, so extra claims are refused"
        )
    return kind


def check_keys(obj: object, keys: set[str], optional: set[str], where: str) -> dict:
    """``obj`` is a dict with exactly ``keys`` (and any of ``optional``)."""
    if not isinstance(obj, dict):
        raise InputError(f"certificate field {where} must be an object")
    missing, extra = keys - set(obj), set(obj) - keys - optional
    if missing or extra:
        raise InputError(
            f"certificate field {where} has missing {sorted(missing)} or unknown "
            f"{sorted(extra)} entries"
        )
    return obj

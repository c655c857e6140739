"""Independent re-check of saddlecheck certificates (issue 3; README, "What 'certified' means").

:func:`verify_certificate` trusts nothing the producer computed: it re-derives
the gradient and Hessian with SymPy from the stored objective string, evaluates
them at the stored exact point by exact ``Rational`` substitution (rational
objectives) or by ``mpmath.iv`` interval arithmetic through ``sympy.lambdify``
(other smooth objectives), and re-checks every stored bound with its own
interval ``LDL^T`` over exact ``Fraction`` endpoints (no python-flint, no
NumPy). ``atan``, ``asin`` and ``acos``, which ``mpmath.iv`` lacks, are
evaluated by the checker's own interval series (``intervals._atan_point``).
Objectives using ``erf`` or ``erfc`` cannot be re-checked by intervals: their
certificates verify as ``False`` (not re-checked is not verified). ``Piecewise`` objectives
are re-checked on the piece that holds near the point, when every condition on
the way is decided strictly there (see :func:`_resolve_piecewise`); on a piece
boundary they cannot be.

What is checked, and how the verdict follows (producer and checker share the
rule, so they agree whatever precision each used):

* the stored exact bounds: ``||grad f(x)||^2`` in ``evidence.grad.norm2``,
  ``lambda_min > s`` (``"pd"``) or ``>= s`` (``"psd"``) for the shift ``s``,
  ``lambda_min <= u`` (witness ``v``, or ``H - uI`` not PD) or ``< u`` (not
  PSD), and the published ``grad_norm`` and ``lambda_min`` pairs, which must
  contain them. In ball mode the checker re-evaluates at the producer's
  precision + 40 bits, doubling up to 8192 bits, until every stored bound is
  re-proved (else ``False``: an honest certificate whose bounds need more than
  that, because ``mpmath.iv`` rounds less tightly than python-flint, is not
  verified; the soundness fuzzer has found none);
* the verdict and the ``reason`` text are functions of those stored numbers:
  ``holds`` must be exactly what they prove (``None`` when they prove neither
  side; an undecided certificate verifies when its bounds are true), and the
  reason must be the canonical text (:mod:`~saddlecheck.certificates.schema`),
  so a reason that contradicts the verdict is refused;
* the fields: exactly those a producer writes (see
  :func:`~saddlecheck.certificates.schema.parse_json`); unknown fields, JSON
  floats, NaN, long integer literals and deep nesting are :class:`InputError`.

A SHA-256 digest of the content guards against accidental edits; forged
certificates are caught by the re-check itself.
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from saddlecheck._validation import InputError
from saddlecheck.certificates.intervals import (
    _CannotCheck,
    _evaluate,
    _is_rational_objective,
    ldl_pd,
    mul,
    psd_exact,
    sq_lo,
)
from saddlecheck.certificates.schema import (
    FORMAT,
    LOWER_HOW,
    check_fields,
    check_keys,
    digest,
    dump_certificate,
    parse_json,
    parse_q,
    sosp_reason,
    strict_reason,
)

__all__ = ["FORMAT", "dump_certificate", "verify_certificate"]

_MAX_PREC = 20_000
_digest = digest  # the tests' name for it


# ----------------------------------------------------------------- parsing


def _pair(value: object, where: str) -> tuple[Fraction, Fraction]:
    if not isinstance(value, list) or len(value) != 2:
        raise InputError(f"certificate field {where} must be a [lower, upper] pair of strings")
    return parse_q(value[0], where), parse_q(value[1], where)


def _prec(value: object, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_PREC:
        raise InputError(f"certificate field {where} must be a bit count in 0..{_MAX_PREC}")
    return value


def _load(text: object) -> dict:
    data = parse_json(text)
    kind = check_fields(data)
    if not any(data["holds"] is v for v in (True, False, None)):
        raise InputError("certificate field 'holds' must be true, false or null")
    if data["method"] not in ("exact", "ball"):
        raise InputError("certificate field 'method' must be 'exact' or 'ball'")
    for key in ("objective", "reason"):
        if not isinstance(data[key], str):
            raise InputError(f"certificate field {key!r} must be a string")
    names, x = data["variables"], data["x"]
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        raise InputError("certificate field 'variables' must be a non-empty list of names")
    if not isinstance(x, list) or len(x) != len(names):
        raise InputError("certificate field 'x' must have one entry per variable")
    ev = check_keys(data["evidence"], {"lower", "upper", "prec"} | (
        {"grad"} if kind == "sosp" else set()), set(), "evidence")  # fmt: skip
    low = check_keys(ev["lower"], {"kind", "shift", "how"}, set(), "evidence.lower")
    up = check_keys(ev["upper"], {"kind", "bound"}, {"v"}, "evidence.upper")
    if (
        low["kind"] not in ("pd", "psd")
        or not isinstance(low["how"], str)
        or (low["how"] not in LOWER_HOW)
    ):
        raise InputError("certificate field evidence.lower has an unknown kind or method")
    if up["kind"] not in ("witness", "not-psd", "not-pd"):
        raise InputError("certificate field evidence.upper.kind is unknown")
    v = up.get("v")
    if v is not None:
        if not isinstance(v, list) or len(v) != len(x):
            raise InputError("certificate witness vector has the wrong length")
        v = [parse_q(t, "evidence.upper.v") for t in v]
    if up["kind"] == "witness" and (v is None or not any(v)):
        raise InputError("certificate witness vector is missing or zero")
    parsed = {
        "x": [parse_q(t, "x") for t in x],
        "lam": _pair(data["lambda_min"], "lambda_min"),
        "low_kind": low["kind"], "how": low["how"],
        "s": parse_q(low["shift"], "evidence.lower.shift"),
        "up_kind": up["kind"], "u": parse_q(up["bound"], "evidence.upper.bound"), "v": v,
        "prec": _prec(ev["prec"], "evidence.prec"),
    }  # fmt: skip
    if "domain" in data:
        _check_domain_shape(data["domain"])
    if kind == "sosp":
        grad = check_keys(ev["grad"], {"prec", "norm2"}, set(), "evidence.grad")
        parsed["grad_prec"] = _prec(grad["prec"], "evidence.grad.prec")
        parsed["norm2"] = _pair(grad["norm2"], "evidence.grad.norm2")
        parsed["eps"] = parse_q(data["eps"], "eps")
        parsed["rho"] = parse_q(data["rho"], "rho")
        parsed["gn"] = _pair(data["grad_norm"], "grad_norm")
        if parsed["eps"] <= 0 or parsed["rho"] < 0:
            raise InputError("certificate has eps <= 0 or rho < 0")
    else:
        parsed["gamma"] = parse_q(data["gamma"], "gamma")
        if parsed["gamma"] <= 0:
            raise InputError("certificate has gamma <= 0")
    return data | parsed


def _check_domain_shape(domain: object) -> None:
    """The domain-of-f proof: a list of ``{"kind", "expr", "reason"}`` strings."""
    if not isinstance(domain, list):
        raise InputError("certificate field 'domain' must be a list of conditions")
    for item in domain:
        check_keys(item, {"kind", "expr", "reason"}, set(), "domain[]")
        if not all(isinstance(item[k], str) for k in ("kind", "expr", "reason")):
            raise InputError("certificate field domain[] entries must be strings")


def verify_certificate(text: str) -> bool:
    """Re-check a certificate from :meth:`SOSPCertificate.to_json` independently.

    Returns ``True`` only if every stored bound is re-proved from the
    objective, the point and the evidence, and the verdict and reason are
    exactly what those bounds prove. Tampered certificates (any changed number,
    digest mismatch, a verdict or reason that does not follow) give ``False``;
    so do certificates that cannot be re-checked (a ``Piecewise`` objective at a
    point on, or too near, a piece boundary).

    Raises:
        InputError: when the text is not a well-formed certificate: not JSON,
            nested deeper than a certificate, unknown or missing fields, JSON
            numbers (NaN, floats, long integer literals) where exact rational
            strings belong, malformed evidence.

    Examples:
        >>> from saddlecheck.certificates.certify import certify_sosp
        >>> verify_certificate(certify_sosp("x**2 - y**2", [0, 0], 1e-3, 1).to_json())
        True
    """
    data = _load(text)
    if data["digest"] != digest(parse_json(text)):
        return False
    try:
        return _check(data)
    except _CannotCheck:
        return False
    except RecursionError:
        raise InputError("the certificate's objective is nested too deeply to re-check") from None


def _hessian(flat: list, n: int) -> list[list[tuple]]:
    H = [[None] * n for _ in range(n)]
    it = iter(flat)
    for i in range(n):
        for j in range(i, n):
            H[i][j] = H[j][i] = next(it)
    return H


def _bounds_hold(d: dict, H: list[list[tuple]], G: list | None, exact: bool, bits) -> bool:
    """Every stored bound re-proved from the enclosures ``H`` (and ``G``)."""
    n, s, u = len(H), d["s"], d["u"]
    if d["low_kind"] == "pd" or not exact:  # lambda_min > s ("pd") or >= s ("psd")
        low_ok = ldl_pd(H, s, bits)
    else:
        low_ok = psd_exact([[e[0] for e in row] for row in H], s)
    if d["up_kind"] == "witness":  # lambda_min <= v^T H v / v^T v <= u
        v = d["v"]
        num = Fraction(0)
        for i in range(n):
            for j in range(n):
                num += mul(H[i][j], (v[i] * v[j], v[i] * v[j]))[1]
        up_ok = num / sum(t * t for t in v) <= u
    elif not exact:
        return False
    elif d["up_kind"] == "not-psd":  # lambda_min < u
        up_ok = not psd_exact([[e[0] for e in row] for row in H], u)
    else:  # "not-pd": lambda_min <= u
        up_ok = not ldl_pd(H, u, None)
    if not (low_ok and up_ok):
        return False
    if G is None:
        return True
    n2lo, n2hi = d["norm2"]
    G2lo = sum(sq_lo(g) for g in G)
    G2hi = sum(max(g[0] * g[0], g[1] * g[1]) for g in G)
    return n2lo <= G2lo and G2hi <= n2hi


def _check(d: dict) -> bool:
    from saddlecheck.objective import Objective

    obj = Objective(d["objective"], variables=d["variables"])
    syms, x = obj.variables, d["x"]
    expr = _resolve_piecewise(obj.expr, syms, x, max(d["prec"], 53) + 40)
    exact = d["method"] == "exact"
    if exact and not _is_rational_objective(expr, syms):
        return False
    if not _published_pairs_hold(d):
        return False
    n = len(syms)
    grads = [sympy.diff(expr, s) for s in syms]
    hess = [sympy.diff(grads[i], syms[j]) for i in range(n) for j in range(i, n)]
    sosp = d["kind"] == "sosp"
    p0 = max(d["prec"], d.get("grad_prec", 0), 53) + 40
    # mpmath.iv rounds each end to the next representable number, which can be far
    # coarser than an arb ball's radius (exp(1e-112) - 1): double until 8192 bits
    precs = [p0 * 2**k for k in range(8) if p0 * 2**k <= max(p0, 8192)]
    for prec in (None,) if exact else precs:
        H = _hessian(_evaluate(hess, syms, x, exact, prec or 0), n)
        G = _evaluate(grads, syms, x, exact, prec or 0) if sosp else None
        if _bounds_hold(d, H, G, exact, None if exact else prec + 64):
            break
    else:
        return False
    want, reason = _verdict(d), _reason(d)
    dom_ok, dom_reason = _domain_status(d, obj)
    if dom_ok is not True:  # no verdict where f is not proved real and C^3 (as the producer)
        want, reason = None, f"{dom_reason}; so no verdict ({reason})"
    return d["holds"] is want and d["reason"] == reason


def _domain_status(d: dict, obj: object) -> tuple[bool | None, str]:
    """Whether ``f`` is re-proved real and ``C^3`` near ``x``: ``(True, "")`` or ``(None, why)``.

    Every condition listed in the ``"domain"`` field (the producer's, from the
    formula as written) and every condition this checker finds itself in the
    stored objective (log/sqrt/non-integer power base ``> 0``, divisors
    ``!= 0``, ``|asin/acos/atanh arg| < 1``, ``acosh arg > 1``, ``cos`` under
    ``tan``/``sec`` and ``sin`` under ``cot``/``csc`` ``!= 0``) is re-proved at
    ``x`` with exact rationals or ``mpmath.iv``. One that cannot be proved
    leaves no verdict to accept (an undecided-domain certificate does not verify).
    """
    from saddlecheck._parsing import parse  # the safe formula reader (no eval of raw text)

    # The list, texts included, must be the one the stored objective yields at x:
    # no free text rides along (each entry is then re-proved below).
    if d.get("domain", []) != [c.to_json() for c in obj.domain.at_point(tuple(d["x"])).checked]:
        return None, "the certificate's domain list is not the one its objective yields at x"
    conds = [(c["kind"], parse(c["expr"]), c["reason"]) for c in d.get("domain", [])]
    conds += _own_conditions(obj.expr)
    prec = max(d["prec"], 53) + 40
    for kind, g, why in conds:
        if not _condition_holds(kind, g, obj.variables, d["x"], prec):
            op = "> 0" if kind == "positive" else "!= 0"
            return None, f"the checker cannot re-prove {g} {op} ({why}) at x"
    return True, ""


def _own_conditions(expr: sympy.Expr) -> list[tuple[str, sympy.Expr, str]]:
    """Conditions outside any Piecewise (inside one they hold only on their piece: the
    listed conditions, regenerated from the formula, cover those)."""
    out = []
    walk = sympy.preorder_traversal(expr)
    for e in walk:
        if isinstance(e, sympy.Piecewise):
            walk.skip()
            continue
        name, a = type(e).__name__, e.args[0] if e.args else None
        if isinstance(e, sympy.Pow) and e.base is not sympy.E:
            if not e.exp.is_Integer:
                out.append(("positive", e.base, "base of a non-integer power"))
            elif e.exp < 0:
                out.append(("nonzero", e.base, "denominator"))
        elif name == "log":
            out.append(("positive", a, "argument of log"))
        elif name in ("asin", "acos", "atanh"):
            out.append(("positive", 1 - a**2, f"argument of {name}"))
        elif name == "acosh":
            out.append(("positive", a - 1, "argument of acosh"))
        elif name in ("tan", "sec", "cot", "csc"):
            trig = sympy.cos(a) if name in ("tan", "sec") else sympy.sin(a)
            out.append(("nonzero", trig, f"argument of {name}"))
    return out


def _condition_holds(kind: str, g: sympy.Expr, syms: tuple, x: list, prec: int) -> bool:
    """``g > 0`` (``"positive"``) or ``g != 0`` (``"nonzero"``) proved at ``x``."""
    if kind not in ("positive", "nonzero") or not g.free_symbols <= set(syms):
        return False
    exact = _is_rational_objective(g, syms) and not g.atoms(sympy.Function)
    for p in (None, prec, 4 * prec) if exact else (prec, 4 * prec):
        try:
            ((lo, hi),) = _evaluate([g], syms, x, p is None, p or 0)
        except _CannotCheck:
            continue
        if lo > 0 or (kind == "nonzero" and hi < 0):
            return True
    return False


_RELATIONS = {sympy.StrictLessThan: -1, sympy.LessThan: -1,
              sympy.StrictGreaterThan: 1, sympy.GreaterThan: 1}  # fmt: skip


def _resolve_piecewise(expr: sympy.Expr, syms: tuple, x: list, prec: int) -> sympy.Expr:
    """``expr`` with each ``Piecewise`` replaced by the piece that is ``f`` near ``x``.

    Every relation met on the way is decided *strictly* at ``x`` (``lhs - rhs``
    proved ``> 0`` or ``< 0``), so it keeps its truth value on a neighbourhood
    of ``x`` and the chosen piece equals ``f`` there, derivatives included. A
    relation that cannot be decided strictly (``x`` on a piece boundary, or too
    close at this precision), an equality condition, or no matching piece: not
    re-checkable.
    """

    def sign(g: sympy.Expr) -> int:
        exact = _is_rational_objective(g, syms)
        for p in (0,) if exact else (prec, 4 * prec):
            ((lo, hi),) = _evaluate([g], syms, x, exact, p)
            if lo > 0 or hi < 0:
                return 1 if lo > 0 else -1
        raise _CannotCheck

    def truth(c) -> bool:
        if c in (sympy.true, sympy.false):
            return bool(c)
        if isinstance(c, sympy.And):
            return all(truth(a) for a in c.args)
        if isinstance(c, sympy.Or):
            return any(truth(a) for a in c.args)
        if isinstance(c, sympy.Not):
            return not truth(c.args[0])
        if type(c) in _RELATIONS:
            return sign(resolve(c.lhs - c.rhs)) == _RELATIONS[type(c)]
        raise _CannotCheck  # (Eq, Ne, ...: a condition that is itself a boundary set)

    def resolve(e: sympy.Expr) -> sympy.Expr:
        """Top-down: only the pieces that hold at ``x`` are looked into."""
        if not e.has(sympy.Piecewise):
            return e
        if isinstance(e, sympy.Piecewise):
            for piece, cond in e.args:
                if truth(cond):
                    return resolve(piece)
            raise _CannotCheck
        return e.func(*[resolve(a) for a in e.args])

    return resolve(expr)


def _published_pairs_hold(d: dict) -> bool:
    """``grad_norm`` and ``lambda_min`` contain what the evidence proves (exact arithmetic)."""
    lam_lo, lam_hi = d["lam"]
    if not (lam_lo <= d["s"] and d["u"] <= lam_hi):
        return False
    if d["kind"] != "sosp":
        return True
    (g_lo, g_hi), (n2lo, n2hi) = d["gn"], d["norm2"]
    return 0 <= n2lo <= n2hi and 0 <= g_lo <= g_hi and g_lo**2 <= n2lo and n2hi <= g_hi**2


def _verdict(d: dict) -> bool | None:
    """What the re-proved bounds prove (the rule the producer uses too)."""
    s, u = d["s"], d["u"]
    if d["kind"] == "strict_saddle_point":
        g = d["gamma"]
        if u <= -g:
            return True
        return False if (s > -g or (d["low_kind"] == "pd" and s >= -g)) else None
    grad_ok, hess_ok = _sosp_parts(d)
    if grad_ok is False or hess_ok is False:
        return False
    return True if (grad_ok and hess_ok) else None


def _sosp_parts(d: dict) -> tuple[bool | None, bool | None]:
    """``||grad f|| <= eps`` and ``lambda_min >= -sqrt(rho eps)``: proved, disproved or None."""
    n2lo, n2hi = d["norm2"]
    E2, T, s, u = d["eps"] ** 2, d["rho"] * d["eps"], d["s"], d["u"]
    grad_ok = True if n2hi <= E2 else (False if n2lo > E2 else None)
    if s >= 0 or s * s <= T:
        hess_ok = True
    elif (u < 0 and u * u > T) or (d["up_kind"] == "not-psd" and u <= 0 and u * u >= T):
        hess_ok = False
    else:
        hess_ok = None
    return grad_ok, hess_ok


def _reason(d: dict) -> str:
    if d["kind"] == "strict_saddle_point":
        return strict_reason(_verdict(d), d["how"], d["v"] is not None)
    return sosp_reason(*_sosp_parts(d), d["how"], d["s"], d["up_kind"])

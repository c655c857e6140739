"""Independent re-check of saddlecheck certificates (issue 3, DESIGN.md s.2).

:func:`verify_certificate` trusts nothing the producer computed: it re-derives
the gradient and Hessian with SymPy from the stored objective string, evaluates
them at the stored exact point by exact ``Rational`` substitution (rational
objectives) or by ``mpmath.iv`` interval arithmetic through ``sympy.lambdify``
(other smooth objectives), and re-checks every stored bound with its own
interval ``LDL^T`` over exact ``Fraction`` endpoints (no python-flint, no
NumPy). The stored verdict must follow from what it re-proved. A SHA-256
digest of the content guards against accidental edits; forged certificates are
caught by the re-check itself. Objectives using ``erf``, ``erfc``, ``asin``,
``acos`` or ``atan`` cannot be re-checked by intervals (``mpmath.iv`` has no
rigorous versions), nor can ``Piecewise`` objectives: their certificates
verify as ``False`` (not re-checked is not verified).
"""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import mpmath
import sympy
from sympy.printing.pycode import MpmathPrinter

from saddlecheck._validation import InputError

FORMAT = "saddlecheck-certificate/1"
_IV = mpmath.iv


def _digest(data: dict) -> str:
    body = {k: v for k, v in data.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dump_certificate(payload: dict) -> str:
    """Serialize a certificate payload with its format tag and digest."""
    data = {"format": FORMAT, **payload}
    data["digest"] = _digest(data)
    return json.dumps(data, indent=1)


# ----------------------------------------------------------------- parsing


def _rat(value: object, where: str) -> Fraction:
    if not isinstance(value, str):
        raise InputError(f"certificate field {where} must be an exact rational string")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"certificate field {where}={value!r} is not a rational") from None


def _num(value: object, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"certificate field {where} must be a number")
    if value != value or value in (float("inf"), float("-inf")):
        return Fraction(-(10**400)) if value == float("-inf") else Fraction(10**400)
    return Fraction(value)


def _pair(value: object, where: str) -> tuple[Fraction, Fraction]:
    if not isinstance(value, list) or len(value) != 2:
        raise InputError(f"certificate field {where} must be a [lower, upper] pair")
    return _num(value[0], where), _num(value[1], where)


def _load(text: object) -> dict:
    if not isinstance(text, (str, bytes)):
        raise InputError("verify_certificate needs the JSON text of a certificate")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the certificate is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"not a saddlecheck certificate (expected format {FORMAT!r})")
    kind = data.get("kind")
    keys = {"objective", "variables", "x", "holds", "lambda_min", "method", "evidence", "digest"}
    keys |= {"eps", "rho", "grad_norm"} if kind == "sosp" else {"gamma"}
    if kind not in ("sosp", "strict_saddle_point") or not keys <= set(data):
        raise InputError(f"certificate is missing fields: {sorted(keys - set(data))}")
    if data["holds"] not in (True, False, None) or data["method"] not in ("exact", "ball"):
        raise InputError("certificate fields 'holds' or 'method' are malformed")
    names, x = data["variables"], data["x"]
    if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise InputError("certificate field 'variables' must be a list of names")
    if not isinstance(x, list) or len(x) != len(names):
        raise InputError("certificate field 'x' must have one entry per variable")
    ev = data["evidence"]
    try:
        low, up, prec = ev["lower"], ev["upper"], ev["prec"]
        parsed = {
            "x": [_rat(t, "x") for t in x],
            "lam": _pair(data["lambda_min"], "lambda_min"),
            "low_kind": low["kind"],
            "s": _rat(low["shift"], "evidence.lower.shift"),
            "up_kind": up["kind"],
            "u": _rat(up["bound"], "evidence.upper.bound"),
            "v": None if "v" not in up else [_rat(t, "evidence.upper.v") for t in up["v"]],
            "prec": prec,
        }
    except (KeyError, TypeError):
        raise InputError("certificate field 'evidence' is malformed") from None
    if parsed["low_kind"] not in ("pd", "psd") or parsed["up_kind"] not in (
        "witness", "not-psd", "not-pd"
    ):  # fmt: skip
        raise InputError("certificate evidence kinds are malformed")
    if not isinstance(prec, int) or isinstance(prec, bool) or not 0 <= prec <= 100_000:
        raise InputError("certificate field evidence.prec must be a bit count")
    v = parsed["v"]
    if parsed["up_kind"] == "witness" and (v is None or len(v) != len(x) or not any(v)):
        raise InputError("certificate witness vector is missing or has the wrong length")
    if kind == "sosp":
        parsed["eps"] = _rat(data["eps"], "eps")
        parsed["rho"] = _rat(data["rho"], "rho")
        parsed["gn"] = _pair(data["grad_norm"], "grad_norm")
        if parsed["eps"] <= 0 or parsed["rho"] < 0:
            raise InputError("certificate has eps <= 0 or rho < 0")
    else:
        parsed["gamma"] = _rat(data["gamma"], "gamma")
        if parsed["gamma"] <= 0:
            raise InputError("certificate has gamma <= 0")
    return data | parsed


# ------------------------------------------------ intervals with Fraction ends


def _round_out(lo: Fraction, hi: Fraction, bits: int) -> tuple[Fraction, Fraction]:
    """Outward rounding to dyadics (keeps the endpoint sizes bounded)."""

    def rnd(q: Fraction, up: bool) -> Fraction:
        if q == 0 or (q.denominator & (q.denominator - 1) == 0 and q.numerator.bit_length() < bits):
            return q
        shift = bits - (abs(q.numerator).bit_length() - q.denominator.bit_length())
        k = q * Fraction(2) ** shift
        n = -((-k.numerator) // k.denominator) if up else k.numerator // k.denominator
        return Fraction(n) * Fraction(2) ** (-shift)

    return rnd(lo, False), rnd(hi, True)


def _mul(a, b):
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(ps), max(ps)


def _ldl_pd(H: list[list[tuple]], s: Fraction, bits: int | None) -> bool:
    """Interval ``LDL^T`` (no pivoting) of ``H - s I``: every member positive definite?

    With degenerate intervals and ``bits=None`` (no rounding) this is the exact
    test: ``False`` then proves that ``H - s I`` is not positive definite.
    """
    n = len(H)
    a = [[(lo - s, hi - s) if i == j else (lo, hi) for j, (lo, hi) in enumerate(row)]
         for i, row in enumerate(H)]  # fmt: skip
    for k in range(n):
        d = a[k][k]
        if d[0] <= 0:
            return False
        for i in range(k + 1, n):
            li = _mul(a[k][i], (1 / d[1], 1 / d[0]))
            for j in range(i, n):
                p = _mul(li, a[k][j])
                a[i][j] = (a[i][j][0] - p[1], a[i][j][1] - p[0])
                if bits is not None:
                    a[i][j] = _round_out(*a[i][j], bits)
    return True


def _psd_exact(H: list[list[Fraction]], s: Fraction) -> bool:
    """Exact PSD test of ``H - s I`` by ``LDL^T`` with symmetric pivoting."""
    n = len(H)
    a = [[H[i][j] - (s if i == j else 0) for j in range(n)] for i in range(n)]
    idx = list(range(n))
    while idx:
        if any(a[i][i] < 0 for i in idx):
            return False
        k = next((i for i in idx if a[i][i] > 0), None)
        if k is None:
            return all(a[i][j] == 0 for i in idx for j in idx)
        idx.remove(k)
        for i in idx:
            f = a[k][i] / a[k][k]
            for j in idx:
                a[i][j] -= f * a[k][j]
    return True


# ------------------------------------------------------------ re-evaluation


class _CannotCheck(Exception):
    pass


def _iv_namespace() -> dict:
    iv = _IV
    ns = {n: getattr(iv, n) for n in ("exp", "log", "sqrt", "sin", "cos", "tan", "cot", "sec",
                                      "csc", "pi", "e", "mpf")}  # fmt: skip
    ns.update(
        E=iv.e,
        sinh=lambda t: (iv.exp(t) - iv.exp(-t)) / 2,
        cosh=lambda t: (iv.exp(t) + iv.exp(-t)) / 2,
        tanh=lambda t: (iv.exp(t) - iv.exp(-t)) / (iv.exp(t) + iv.exp(-t)),
        asinh=lambda t: iv.log(t + iv.sqrt(t * t + 1)),
        acosh=lambda t: iv.log(t + iv.sqrt(t * t - 1)),
        atanh=lambda t: iv.log((1 + t) / (1 - t)) / 2,
    )
    return ns


def _evaluate(exprs: list, syms: tuple, x: list[Fraction], exact: bool, prec: int) -> list:
    """``[(lo, hi)]`` Fraction enclosures of each expression at ``x``."""
    if exact:
        sub = {s: sympy.Rational(q.numerator, q.denominator) for s, q in zip(syms, x, strict=True)}
        out = []
        for e in exprs:
            val = sympy.sympify(e).xreplace(sub)
            if not val.is_Rational:
                raise _CannotCheck
            q = Fraction(int(val.p), int(val.q))
            out.append((q, q))
        return out
    ns = _iv_namespace()
    printer = MpmathPrinter({"fully_qualified_modules": False})
    old = _IV.prec
    try:
        _IV.prec = prec
        pts = [_IV.mpf(q.numerator) / _IV.mpf(q.denominator) for q in x]
        out = []
        for e in exprs:
            try:
                f = sympy.lambdify(syms, e, modules=[ns], printer=printer)
                val = _IV.mpf(f(*pts))
            except (NameError, TypeError, ValueError, ZeroDivisionError):
                raise _CannotCheck from None
            # the raw endpoints: mpmath.mpf(val.a) would round them to 53 bits (nearest)
            lo, hi = val._mpi_
            if any(
                e in (mpmath.libmp.finf, mpmath.libmp.fninf, mpmath.libmp.fnan) for e in (lo, hi)
            ):
                raise _CannotCheck
            out.append((_raw_q(lo), _raw_q(hi)))
        return out
    finally:
        _IV.prec = old


def _raw_q(raw: tuple) -> Fraction:
    """The exact value of a raw mpmath number ``(sign, man, exp, bc)``."""
    sign, man, exp, _ = raw  # (mpf.man_exp drops the sign)
    man = -man if sign else man
    return Fraction(int(man) * 2 ** int(exp)) if exp >= 0 else Fraction(int(man), 2 ** int(-exp))


def _is_rational_objective(expr: sympy.Expr, syms: tuple) -> bool:
    return (
        bool(expr.is_rational_function(*syms))
        and not expr.atoms(sympy.NumberSymbol)
        and all(a.is_Rational for a in expr.atoms(sympy.Number))
    )


def verify_certificate(text: str) -> bool:
    """Re-check a certificate from :meth:`SOSPCertificate.to_json` independently.

    Returns ``True`` only if every stored enclosure and the verdict are
    re-proved from the objective, the point and the evidence. Tampered
    certificates (any changed number, digest mismatch, a verdict that does not
    follow) give ``False``.

    Raises:
        InputError: when the text is not a well-formed certificate.

    Examples:
        >>> from saddlecheck.certificates.certify import certify_sosp
        >>> verify_certificate(certify_sosp("x**2 - y**2", [0, 0], 1e-3, 1).to_json())
        True
    """
    data = _load(text)
    if data["digest"] != _digest({k: v for k, v in json.loads(text).items()}):
        return False
    try:
        return _check(data)
    except _CannotCheck:
        return False


def _check(d: dict) -> bool:
    from saddlecheck.objective import Objective

    obj = Objective(d["objective"], variables=d["variables"])
    expr, syms, x = obj.expr, obj.variables, d["x"]
    exact = d["method"] == "exact"
    if exact and not _is_rational_objective(expr, syms):
        return False
    if expr.has(sympy.Piecewise):
        raise _CannotCheck  # interval comparisons could pick a wrong branch silently
    n = len(syms)
    prec = max(d["prec"], 53) + 40
    grads = [sympy.diff(expr, s) for s in syms]
    flat = _evaluate([sympy.diff(grads[i], syms[j]) for i in range(n) for j in range(i, n)],
                     syms, x, exact, prec)  # fmt: skip
    H = [[None] * n for _ in range(n)]
    it = iter(flat)
    for i in range(n):
        for j in range(i, n):
            H[i][j] = H[j][i] = next(it)
    bits = None if exact else prec + 64
    s, u, lam_lo, lam_hi = d["s"], d["u"], d["lam"][0], d["lam"][1]
    # lower bound: lambda_min > s ("pd") or >= s ("psd")
    if d["low_kind"] == "pd" or not exact:
        low_ok = _ldl_pd(H, s, bits)
        strict = True
    else:
        low_ok = _psd_exact([[e[0] for e in row] for row in H], s)
        strict = False
    # upper bound: lambda_min <= u ("witness", "not-pd") or < u ("not-psd")
    if d["up_kind"] == "witness":
        v = d["v"]
        num = (Fraction(0), Fraction(0))
        for i in range(n):
            for j in range(n):
                p = _mul(H[i][j], (v[i] * v[j], v[i] * v[j]))
                num = (num[0] + p[0], num[1] + p[1])
        up_ok, up_strict = num[1] / sum(t * t for t in v) <= u, False
    elif not exact:
        return False
    else:
        Hq = [[e[0] for e in row] for row in H]
        if d["up_kind"] == "not-psd":
            up_ok, up_strict = not _psd_exact(Hq, u), True
        else:
            up_ok, up_strict = not _ldl_pd(H, u, bits), False
    if not (low_ok and up_ok and lam_lo <= s and u <= lam_hi):
        return False
    if d["kind"] == "strict_saddle_point":
        g = d["gamma"]
        claim_true = u <= -g
        claim_false = s > -g or (strict and s >= -g)
        want = True if claim_true else (False if claim_false else None)
        return d["holds"] is want
    # eps-SOSP: gradient
    G = _evaluate(grads, syms, x, exact, prec)
    G2 = (sum(_sq_lo(g) for g in G), sum(max(g[0] * g[0], g[1] * g[1]) for g in G))
    g_lo, g_hi = d["gn"]
    if not ((g_lo <= 0 or g_lo * g_lo <= G2[0]) and g_hi >= 0 and G2[1] <= g_hi * g_hi):
        return False
    eps, T = d["eps"], d["rho"] * d["eps"]
    E2 = eps * eps
    grad_true, grad_false = G2[1] <= E2, G2[0] > E2
    hess_true = s >= 0 or s * s <= T  # s >= -sqrt(T)
    hess_false = (u < 0 and u * u > T) or (up_strict and u <= 0 and u * u >= T)
    if grad_false or hess_false:
        want = False
    elif grad_true and hess_true:
        want = True
    else:
        want = None
    return d["holds"] is want


def _sq_lo(g: tuple[Fraction, Fraction]) -> Fraction:
    lo, hi = g
    if lo <= 0 <= hi:
        return Fraction(0)
    return min(lo * lo, hi * hi)

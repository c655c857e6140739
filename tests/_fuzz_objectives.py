"""Objectives for the soundness fuzzer (tests/test_soundness_fuzz.py); numbers are in
tests/_fuzz_numbers.py, matrices in tests/_fuzz_matrices.py, boxes in
tests/_fuzz_boxes.py.

Each objective is built as text, term by term, so the domain conditions of the
formula *as written* are recorded before SymPy can simplify them away (see
:class:`_oracle.Spec`). Points are exact rationals handed over as float64,
``numpy.longdouble``, ``Fraction``, decimal or fraction strings; the oracle
reads back the value the number actually holds.

Objectives with exactly known answers:

* quadratics ``x^T A x / 2 + b.x`` with ``A = Q D Q^T`` (``Q`` a rational
  orthogonal Cayley transform), so ``lambda_min = min D``; ``b`` is chosen so
  that ``grad f(x) = g`` for a vector ``g`` of rational norm, which places
  ``x`` exactly on (or a relative ``2^-k`` off) ``||grad f|| = eps`` and
  ``lambda_min = -sqrt(rho eps)``;
* plus transcendental "bumps" ``h(x_i - a_i)`` with ``h(0) = h'(0) = h''(0) = 0``
  (``sin(u) - u``, ``log(1 + u) - u + u^2/2``, ...), which change nothing at
  ``a`` but make the objective transcendental;
* plus domain terms (``log``, ``sqrt``, ``atanh``, ``1/L``, ``L**(1/3)``,
  ``L**3/L``, ``exp(log(L))**2``, invalid constants such as ``acos(2)``) and
  Piecewise terms whose argument ``L`` vanishes at, or a hair away from, ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
from _fuzz_matrices import orthogonals, spectra, with_spectrum
from _fuzz_numbers import (
    EPS_KINDS,
    FAN_OUT,
    FLOAT_KINDS,
    NUMBER_KINDS,
    as_kind,
    nonzero_small,
    rationals,
)
from _oracle import Cond, Piece, Spec, expr_conds, held, truth
from hypothesis import strategies as st

SYMS = sympy.symbols("x y z")
NAMES = ("x", "y", "z")


def q_text(q: Fraction) -> str:
    return f"({q.numerator}/{q.denominator})" if q.denominator != 1 else f"({q.numerator})"


def parse(text: str) -> sympy.Expr:
    return sympy.sympify(text, locals={n: s for n, s in zip(NAMES, SYMS, strict=False)})


# ------------------------------------------------------------- objectives


@dataclass
class Query:
    """One certify_sosp call: the point as passed and as held, eps, rho."""

    x: list
    xq: tuple[Fraction, ...]
    eps: object
    rho: object


@dataclass
class Case:
    """One objective and the certify_sosp calls made on it (each a case)."""

    spec: Spec
    queries: list[Query]
    note: str = ""


# bumps h with h(0) = h'(0) = h''(0) = 0: (text with {u}, domain conditions on u)
BUMPS = [
    ("sin({u}) - ({u})", []),
    ("sinh({u}) - ({u})", []),
    ("tan({u}) - ({u})", [("nonzero", "cos({u})")]),
    ("atanh({u}) - ({u})", [("pos", "1 - ({u})**2")]),
    ("log(1 + {u}) - ({u}) + ({u})**2/2", [("pos", "1 + {u}")]),
    ("sqrt(1 + {u}) - 1 - ({u})/2 + ({u})**2/8", [("pos", "1 + {u}")]),
    ("exp({u}) - 1 - ({u}) - ({u})**2/2", []),
    ("({u})**3/(1 + ({u})**2)", []),
    ("({u})**3/(2 + {u})", [("nonzero", "2 + {u}")]),
    ("({u})**4", []),
]

# domain terms in L (which vanishes at x when delta = 0)
DOMAIN_TERMS = [
    ("log({L})", [("pos", "{L}")]),
    ("sqrt({L})", [("pos", "{L}")]),
    ("atanh(1 + {L})", [("pos", "1 - (1 + {L})**2")]),
    ("atanh({L} - 1)", [("pos", "1 - ({L} - 1)**2")]),
    ("1/({L})", [("nonzero", "{L}")]),
    ("({L})**(1/3)", [("pos", "{L}")]),
    ("({L})**3/({L})", [("nonzero", "{L}")]),
    ("exp(log({L}))**2", [("pos", "{L}")]),
    ("sqrt({L})**4", [("pos", "{L}")]),
    ("log(({L})**2 - 1) + 2*({L})**2", [("pos", "({L})**2 - 1")]),
    ("asin({L})", [("pos", "1 - ({L})**2")]),
    ("({L})**(3/2)", [("pos", "{L}")]),
    ("acosh(1 + {L})", [("pos", "{L}")]),
    ("acos({L} - 1)", [("pos", "1 - ({L} - 1)**2")]),
    ("log({L}, 2)", [("pos", "{L}")]),
    ("({L})**({L})", [("pos", "{L}")]),
    ("cot({L})", [("nonzero", "sin({L})")]),
    ("csc({L})", [("nonzero", "sin({L})")]),
    ("exp(1/({L}))", [("nonzero", "{L}")]),
    ("log(({L})**2)", [("nonzero", "{L}")]),
]

# coefficients that are 0 although SymPy does not simplify them to 0
HIDDEN_ZEROS = [
    "(log(8) - 3*log(2))",
    "(log(6) - log(2) - log(3))",
    "(sin(pi/7)*cos(pi/7) - sin(2*pi/7)/2)",
    "(atan(1/2) + atan(1/3) - pi/4)",
]

CONSTANT_TERMS = [
    ("acos(2)", [("pos", "-3")]),
    ("(-1)**(1/3)", [("pos", "-1")]),
    ("log(-x**2 - 1)", [("pos", "-x**2 - 1")]),
    ("sqrt(-1 - x**2)", [("pos", "-1 - x**2")]),
    ("asin(3/2)", [("pos", "1 - (3/2)**2")]),
    ("log(-2)", [("pos", "-2")]),
]

# domain terms whose argument is transcendental at x: sin(p) for p a hair either side of pi
TRANSCENDENTAL_DOMAIN_TERMS = [
    ("log(sin({L} + {p}))", [("pos", "sin({L} + {p})")]),
    ("sqrt(sin({L} + {p}))", [("pos", "sin({L} + {p})")]),
    ("log(-cos({L} + {p}/2))", [("pos", "-cos({L} + {p}/2)")]),
    ("atanh(cos({L} + {p}) + 2)", [("pos", "1 - (cos({L} + {p}) + 2)**2")]),
]


def near_pi(k: int, above: bool) -> Fraction:
    """A rational within ``10^-k`` of pi, below or above it."""
    import mpmath

    with mpmath.workdps(k + 30):
        m = int(mpmath.floor(mpmath.pi * 10**k))
    return Fraction(m + (1 if above else 0), 10**k)


# Piecewise((left, L < 0), (right, True)) that is not C^2 across L = 0
PIECES = [
    ("{w}*({L})", "({L})**2"),  # kink
    ("({L})**2 + {w}", "({L})**2"),  # jump
    ("{w}*({L})**2", "0"),  # second derivative jumps
    ("{w}*({L})", "0"),
]


@st.composite
def unit_vectors(draw, n: int) -> list[Fraction]:
    """A rational unit vector (inverse stereographic projection)."""
    if n == 1:
        return [Fraction(draw(st.sampled_from([1, -1])))]
    t = [Fraction(draw(st.integers(-6, 6)), draw(st.integers(1, 4))) for _ in range(n - 1)]
    s = sum(v * v for v in t)
    u = [2 * v / (1 + s) for v in t] + [(s - 1) / (1 + s)]
    return draw(st.permutations(u))


def _linear_form(draw, n: int, xq, delta: Fraction) -> tuple[str, str]:
    """``L = c.(x - xq) + delta`` and ``M = L - delta`` (which vanishes at ``xq``), as text.

    A term ``M**3 * h(L)`` leaves the gradient and Hessian at ``xq`` unchanged
    but brings the domain (or the piece boundary) of ``h`` with it.
    """
    c = draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n).filter(any))
    parts = [f"{ci}*({NAMES[i]} - {q_text(xq[i])})" for i, ci in enumerate(c) if ci]
    M = "(" + " + ".join(parts) + ")"
    return f"({M} + {q_text(delta)})", M


@st.composite
def deltas(draw) -> Fraction:
    """Offsets of ``L`` at ``x``: on the boundary, a hair either side, or far."""
    return draw(
        st.sampled_from(
            [
                Fraction(0),
                Fraction(0),
                Fraction(1),
                Fraction(-1),
                Fraction(1, 2),
                Fraction(-1, 2),
                Fraction(1, 10**30),
                Fraction(-1, 10**30),
                Fraction(1, 2**60),
                Fraction(-1, 2**60),
                Fraction(1, 10**300),
                Fraction(-1, 10**300),
            ]
        )
    )


def _assemble(
    terms: list[str],
    conds: list[tuple[str, str]],
    pieces,
    n: int,
    label: str,
    as_text: bool,
    zeros: tuple[str, ...] = (),
) -> Spec:
    """The objective as handed over (``terms``, ``zeros``: terms that are identically 0,
    and the Piecewise ``pieces``) and what the oracle differentiates (``terms`` only)."""
    syms = SYMS[:n]
    smooth_text = " + ".join(terms) if terms else "0"
    text = " + ".join([*terms, *zeros]) if terms or zeros else "0"
    for g, left, right in pieces:
        text += f" + Piecewise(({left}, {g} < 0), ({right}, True))"
    ps = tuple(Piece(parse(g), parse(left), parse(right)) for g, left, right in pieces)
    given = text if as_text else parse(text)
    # a string is read by saddlecheck as written; a SymPy expression is what SymPy left
    cs = tuple(Cond(k, parse(g)) for k, g in conds) if as_text else tuple(expr_conds(given))
    return Spec(given, syms, parse(smooth_text), cs, ps, label)


OFF_EXPONENTS = st.sampled_from([1, 20, 52, 53, 60, 64, 100])
FACTORS = [Fraction(1, 4), Fraction(1), Fraction(2)]


def off_by(draw, q: Fraction, zero_ok: bool = False) -> Fraction:
    """``q (1 +- 2^-k)``: a hair off a threshold."""
    if zero_ok and q == 0:
        return q
    return q * (1 + Fraction(draw(st.sampled_from([1, -1])), 2 ** draw(OFF_EXPONENTS)))


def exact_or_float(draw, q: Fraction) -> object:
    """``q`` exactly (Fraction or "p/q"), or as float64 / longdouble one ulp around it."""
    how = draw(st.sampled_from(EPS_KINDS))
    v = as_kind(q, how, draw(st.sampled_from([0, 1, -1])) if how in FLOAT_KINDS else 0)
    return v if held(v) > 0 else q


def nudged(v: object, steps: int) -> object:
    """``v`` moved ``steps`` ulps (in its own type; exact types by a float64 ulp)."""
    if steps == 0 or held(v) == 0:
        return v
    if isinstance(v, (float, np.floating)):
        return np.nextafter(v, type(v)(np.inf if steps > 0 else -np.inf))
    q = held(v)
    w = float(np.nextafter(float(q), np.inf if steps > 0 else -np.inf))
    return Fraction(w) if q == Fraction(float(q)) else q + (Fraction(w) - Fraction(float(q)))


@st.composite
def quadratic_cases(draw) -> Case:
    """Quadratics placed exactly on, or 2^-k off, both SOSP thresholds, with extra terms."""
    n = draw(st.integers(1, 3))
    kinds = [draw(st.sampled_from(NUMBER_KINDS)) for _ in range(n)]
    x = [as_kind(draw(rationals()), k, draw(st.sampled_from([0, 0, 1, -1]))) for k in kinds]
    xq = tuple(held(v) for v in x)
    D = draw(spectra(n, scales=False))
    Q = draw(orthogonals(n))
    grad_mode = draw(st.sampled_from(["critical", "on", "off", "free"]))
    hess_mode = draw(st.sampled_from(["on", "off", "free"]))
    if hess_mode != "free" and min(D) >= 0:
        D = [-d if d else Fraction(-1) for d in D]
    A = with_spectrum(Q, D)
    r = abs(draw(rationals(tiny=False))) or Fraction(1)
    if grad_mode == "critical":
        g = [Fraction(0)] * n
    elif grad_mode == "free":
        g = [draw(rationals(tiny=False)) for _ in range(n)]
    else:
        g = [r * u for u in draw(unit_vectors(n))]
    if grad_mode == "free":  # sum |g_i| >= ||g|| > sum |g_i| / 4: factor 1 or 2 is True
        eps_q = (sum(abs(v) for v in g) or Fraction(1)) * draw(st.sampled_from(FACTORS))
    elif grad_mode == "critical":
        eps_q = abs(draw(rationals())) or Fraction(1)
    else:
        eps_q = r
    lam = min(D)
    if hess_mode != "free":
        rho_q = lam * lam / eps_q
    elif lam < 0:  # factor 1 or 2: lambda_min >= -sqrt(rho eps) holds; 1/4: it fails
        rho_q = lam * lam / eps_q * draw(st.sampled_from(FACTORS))
    else:
        rho_q = abs(draw(rationals(tiny=False)))
    queries = []
    for _ in range(draw(st.integers(2 * FAN_OUT, 4 * FAN_OUT))):
        eq = eps_q if grad_mode != "off" else off_by(draw, eps_q)
        rq = rho_q if hess_mode != "off" else off_by(draw, rho_q, zero_ok=True)
        if hess_mode == "on":
            rq = lam * lam / eq  # stay on the lambda_min threshold whatever eps is
        xv = [nudged(v, draw(st.sampled_from([0, 0, 0, 1, -1]))) for v in x]
        queries.append(
            Query(
                xv, tuple(held(v) for v in xv), exact_or_float(draw, eq), exact_or_float(draw, rq)
            )
        )
    names = NAMES[:n]
    terms = []
    for i in range(n):
        for j in range(i, n):
            c = A[i][j] if i != j else A[i][i] / 2
            if c:
                terms.append(f"{q_text(c)}*{names[i]}*{names[j]}")
    bvec = [g[i] - sum(A[i][j] * xq[j] for j in range(n)) for i in range(n)]
    terms += [f"{q_text(b)}*{names[i]}" for i, b in enumerate(bvec) if b]
    conds: list[tuple[str, str]] = []
    pieces, zeros = [], []
    extra = draw(
        st.lists(
            st.sampled_from(
                ["bump", "domain", "constant", "piece", "tdomain", "cpiece", "hidden0"]
            ),
            max_size=2,
        )
    )
    for e in extra:
        w = draw(nonzero_small)
        if e == "bump":
            i = draw(st.integers(0, n - 1))
            u = f"({names[i]} - {q_text(xq[i])})"
            text, cs = draw(st.sampled_from(BUMPS))
            terms.append(f"{w}*({text.format(u=u)})")
            conds += [(k, c.format(u=u)) for k, c in cs]
        elif e == "domain":
            L, M = _linear_form(draw, n, xq, draw(deltas()))
            text, cs = draw(st.sampled_from(DOMAIN_TERMS))
            conds += [(k, c.format(L=L)) for k, c in cs]
            flat = f"({M})**3*" if draw(st.booleans()) else ""
            terms.append(f"{w}*{flat}({text.format(L=L)})")
        elif e == "tdomain":
            L, M = _linear_form(draw, n, xq, Fraction(0))
            p = q_text(near_pi(draw(st.sampled_from([3, 16, 30, 60])), draw(st.booleans())))
            text, cs = draw(st.sampled_from(TRANSCENDENTAL_DOMAIN_TERMS))
            conds += [(k, c.format(L=L, p=p)) for k, c in cs]
            terms.append(f"{w}*({M})**3*({text.format(L=L, p=p)})")
        elif e == "cpiece":  # a circle through x (or a hair off it) as the piece boundary
            ctr = [xq[i] + Fraction(draw(st.integers(-3, 3)), 2) for i in range(n)]
            r2 = sum((xq[i] - ctr[i]) ** 2 for i in range(n)) + draw(deltas())
            g = " + ".join(f"({names[i]} - {q_text(ctr[i])})**2" for i in range(n))
            g = f"({g} - {q_text(r2)})"
            left, right = draw(st.sampled_from(PIECES))
            pieces.append((g, left.format(L=g, w=w), right.format(L=g, w=w)))
        elif e == "hidden0":  # a term that is 0 in disguise: gradient and Hessian unchanged
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
            z = draw(st.sampled_from(HIDDEN_ZEROS))
            zeros.append(f"{w}*{z}*({names[i]}**2 + {names[i]}*{names[j]} + {names[j]})")
        elif e == "constant":
            text, cs = draw(st.sampled_from(CONSTANT_TERMS))
            conds += cs
            terms.append(text)
        else:
            L, M = _linear_form(draw, n, xq, draw(deltas()))
            if draw(st.booleans()):
                left, right = draw(st.sampled_from(PIECES))
                pieces.append((L, left.format(L=L, w=w), right.format(L=L, w=w)))
            else:  # flat at x unless x is on the boundary (then a jump of 1)
                pieces.append((L, f"{w}*({M})**3 + 1", f"({M})**4"))
    label = f"quadratic grad={grad_mode} hess={hess_mode} extra={extra}"
    spec = _assemble(terms, conds, pieces, n, label, draw(st.booleans()), tuple(zeros))
    return Case(spec, queries, label)


# random expression trees: (text, conditions)
@st.composite
def trees(draw, n: int, depth: int) -> tuple[str, list[tuple[str, str]]]:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return NAMES[draw(st.integers(0, n - 1))], []
        return q_text(Fraction(draw(st.integers(-9, 9)), draw(st.integers(1, 4)))), []
    op = draw(
        st.sampled_from(["+", "*", "pow", "div", "divsafe", "exp", "log", "sqrt", "sin", "atanh"])
    )
    a, ca = draw(trees(n, depth - 1))
    if op in ("+", "*", "div", "divsafe"):
        b, cb = draw(trees(n, depth - 1))
        if op in ("+", "*"):
            return f"({a} {op} {b})", ca + cb
        if op == "div":
            return f"({a})/({b})", ca + cb + [("nonzero", b)]
        return f"({a})/(1 + ({b})**2)", ca + cb
    if op == "pow":
        return f"({a})**{draw(st.integers(2, 3))}", ca
    if op in ("exp", "sin"):
        return f"{op}({a})", ca
    if op == "atanh":
        return f"atanh({a})", [*ca, ("pos", f"1 - ({a})**2")]
    return f"{op}({a})", [*ca, ("pos", a)]


def _near(draw, v: Fraction | None, default: Fraction) -> list[Fraction]:
    """Rationals a relative ``2^-k`` either side of ``v`` (or ``default``)."""
    if v is None or v <= 0:
        return [default]
    return [
        v * (1 + Fraction(s, 2**k))
        for k in draw(st.lists(st.sampled_from([2, 30, 55, 70]), min_size=1, max_size=2))
        for s in (1, -1)
    ]


def _approx(t, eps: Fraction | None = None) -> tuple[Fraction | None, Fraction | None]:
    """``||grad f||`` and ``lambda_min^2 / eps`` (when ``lambda_min < 0``) to 50 digits."""
    import mpmath

    with mpmath.workdps(60):
        if t.exact:
            gn = mpmath.sqrt(mpmath.mpf(t.G2.numerator) / t.G2.denominator)
            lam = None
        else:
            gn, lam = mpmath.sqrt(t.G2), t.lam
        big = mpmath.mpf(10) ** 100
        g = Fraction(mpmath.nstr(gn, 50)) if 0 < gn < big else None
        r = None
        if eps is not None and lam is not None and lam < 0 and -lam < big:
            r = Fraction(mpmath.nstr(lam * lam / (mpmath.mpf(eps.numerator) / eps.denominator), 50))
        return g, r


@st.composite
def random_tree_cases(draw) -> Case:
    """Random compositions, with eps and rho put a hair either side of the true values."""
    from _oracle import domain_status

    n = draw(st.integers(1, 2))
    text, conds = draw(trees(n, 3))
    text += " + " + " + ".join(f"{NAMES[i]}**2/{draw(st.integers(1, 4))}" for i in range(n))
    spec = _assemble([text], conds, [], n, "tree " + text, draw(st.booleans()))
    kinds = [draw(st.sampled_from(NUMBER_KINDS)) for _ in range(n)]
    x = [as_kind(Fraction(draw(st.integers(-12, 12)), draw(st.integers(1, 4))), k) for k in kinds]
    xq = tuple(held(v) for v in x)
    queries = []
    if domain_status(spec, xq) == "inside" and (t := truth(spec, xq)) is not None:
        for eps_q in _near(draw, _approx(t)[0], Fraction(1, 10)):
            for rho_q in _near(draw, _approx(t, eps_q)[1], Fraction(1))[:1]:
                queries.append(Query(x, xq, exact_or_float(draw, eps_q), rho_q))
    else:
        queries.append(Query(x, xq, Fraction(1, 10), Fraction(1)))
    return Case(spec, queries, spec.label)

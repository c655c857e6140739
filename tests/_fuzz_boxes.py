"""Box generators for the soundness fuzzer: objectives on small boxes with exactly
known domain status (every domain condition is a linear ``L = x_i - c``, so its
range over the box is known exactly) and, for ``critical_points``, exactly
known critical points (separable sums of 1-D polynomials with rational roots).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import sympy
from _fuzz_numbers import NUMBER_KINDS, as_kind
from _fuzz_objectives import NAMES, SYMS, parse, q_text
from _oracle import Cond, Piece, Spec, charpoly, count_below, fq, held
from hypothesis import strategies as st


@st.composite
def same_values(draw, box: list[tuple[Fraction, Fraction]]) -> list:
    """The box ends as other number types that hold exactly the same values."""
    out = []
    for pair in box:
        ends = []
        for q in pair:
            v = as_kind(q, draw(st.sampled_from(NUMBER_KINDS)))
            ends.append(v if held(v) == q else q)
        out.append(tuple(ends))
    return out


@dataclass
class BoxCase:
    spec: Spec
    box: list[tuple[Fraction, Fraction]]
    status: str  # "inside": f real and C^3 on a neighbourhood of the box; "outside": not
    note: str = ""
    given_box: list | None = None  # the ends as passed (other number types, same values)


# (text in L, ok(range of L over the box) -> bool)
def _pos(lo, hi):
    return lo > 0


def _nonzero(lo, hi):
    return lo > 0 or hi < 0


def _unit(lo, hi):
    return lo > -1 and hi < 1


BOX_DOMAIN_TERMS = [
    ("log({L})", _pos, "pos", "{L}"),
    ("sqrt({L})", _pos, "pos", "{L}"),
    ("1/({L})", _nonzero, "nonzero", "{L}"),
    ("atanh({L})", _unit, "pos", "1 - ({L})**2"),
    ("({L})**(5/2)", _pos, "pos", "{L}"),
]

SMOOTH_TERMS = [
    "exp({v}/2)",
    "sin({v})",
    "cos(2*{v})",
    "{v}**3",
    "{v}**4/4",
    "1/(1 + {v}**2)",
    "exp(-{v}**2)",
]


@st.composite
def box_cases(draw, max_dim: int = 2) -> BoxCase:
    n = draw(st.integers(1, max_dim))
    box = []
    for _ in range(n):
        lo = Fraction(draw(st.integers(-8, 8)), draw(st.sampled_from([1, 2, 4])))
        w = draw(st.sampled_from([Fraction(1, 8), Fraction(1, 2), Fraction(1), Fraction(2)]))
        box.append((lo, lo + w))
    terms = [f"{q_text(Fraction(draw(st.integers(-4, 4)), 2))}*{NAMES[i]}**2" for i in range(n)]
    conds, pieces, status = [], [], "inside"
    for _ in range(draw(st.integers(0, 2))):
        what = draw(st.sampled_from(["smooth", "domain", "piece", "constant"]))
        i = draw(st.integers(0, n - 1))
        v = NAMES[i]
        if what == "smooth":
            terms.append(draw(st.sampled_from(SMOOTH_TERMS)).format(v=v))
            continue
        if what == "constant":
            terms.append(draw(st.sampled_from(["acos(2)", "log(-1 - x**2)", "(-1)**(1/3)"])))
            conds.append(("pos", "-1"))
            status = "outside"
            continue
        # c: on an end, inside, just outside, far outside
        lo, hi = box[i]
        c = draw(
            st.sampled_from(
                [
                    lo,
                    hi,
                    (lo + hi) / 2,
                    lo - Fraction(1, 2**60),
                    hi + Fraction(1, 2**60),
                    lo - 3,
                    hi + 3,
                    lo - 1,
                    hi + 1,
                ]
            )
        )
        L = f"({v} - {q_text(c)})"
        Llo, Lhi = lo - c, hi - c
        if what == "domain":
            text, ok, kind, g = draw(st.sampled_from(BOX_DOMAIN_TERMS))
            terms.append(text.format(L=L))
            conds.append((kind, g.format(L=L)))
            if not ok(Llo, Lhi):
                status = "outside"
        else:
            pieces.append((L, f"{L}", f"{L}**2"))
            if not _nonzero(Llo, Lhi):
                status = "outside"
    text = " + ".join(terms)
    for g, left, right in pieces:
        text += f" + Piecewise(({left}, {g} < 0), ({right}, True))"
    syms = SYMS[:n]
    spec = Spec(
        text if draw(st.booleans()) else parse(text),
        syms,
        parse(" + ".join(terms)),
        tuple(Cond(k, parse(g)) for k, g in conds),
        tuple(Piece(parse(g), parse(a), parse(b)) for g, a, b in pieces),
        text,
    )
    return BoxCase(spec, box, status, text, draw(same_values(box)))


# ------------------------------------------------------------- critical points


@dataclass
class CriticalCase:
    spec: Spec
    box: list[tuple[Fraction, Fraction]]
    points: list[tuple[tuple[Fraction, ...], list[list[Fraction]]]]  # every critical point, H


def allowed_kinds(H: list[list[Fraction]]) -> set[str]:
    """The kinds a critical point with Hessian ``H`` may be given (exact inertia).

    ``lambda_min < 0`` is a strict saddle in the paper's sense even when ``H`` is
    singular; ``"max"`` needs ``H`` negative definite, ``"min"`` positive definite.
    """
    p = charpoly(H)
    n_neg = count_below(p, Fraction(0))
    singular = p(fq(Fraction(0))) == 0
    if n_neg > 0:
        neg = [[-a for a in r] for r in H]
        nd = count_below(charpoly(neg), Fraction(0)) == 0 and not singular
        return {"strict_saddle", "max"} if nd else {"strict_saddle"}
    return {"degenerate"} if singular else {"min"}


@st.composite
def critical_cases(draw, max_dim: int = 2) -> CriticalCase:
    """``f = sum_i F_i(x_i)`` with ``F_i' = w_i prod_j (x_i - r_ij)``, rational roots."""
    n = draw(st.integers(1, max_dim))
    x = sympy.Symbol("t")
    terms, roots, second = [], [], []
    box = []
    for i in range(n):
        rs = draw(
            st.lists(st.integers(-6, 6).map(lambda k: Fraction(k, 4)), min_size=1, max_size=3)
        )
        w = draw(st.sampled_from([1, -1, 2, Fraction(-1, 3)]))
        dF = sympy.Rational(w.numerator, w.denominator) if isinstance(w, Fraction) else w
        for r in rs:
            dF = dF * (x - sympy.Rational(r.numerator, r.denominator))
        F = sympy.integrate(sympy.expand(dF), x)
        terms.append(str(F.subs(x, SYMS[i])))
        d2 = sympy.diff(dF, x)
        roots.append(sorted(set(rs)))
        second.append(
            {
                r: Fraction(str(d2.subs(x, sympy.Rational(r.numerator, r.denominator))))
                for r in set(rs)
            }
        )
        lo = Fraction(draw(st.integers(-8, 4)), 4)
        box.append((lo, lo + Fraction(draw(st.integers(1, 12)), 4)))
    points = []
    for combo in itertools.product(*roots):
        H = [[second[i][combo[i]] if i == j else Fraction(0) for j in range(n)] for i in range(n)]
        points.append((tuple(combo), H))
    text = " + ".join(f"({t})" for t in terms)
    spec = Spec(text, SYMS[:n], parse(text), label=text)
    return CriticalCase(spec, box, points)


def _rq(v) -> sympy.Rational:
    return sympy.Rational(v.numerator, v.denominator)


@st.composite
def cubic_saddle_cases(draw) -> CriticalCase:
    """``f = s u v (u + v - 1)``, ``u = (x - p)/t``, ``v = (y - q)/t`` (issue 11, item 4):
    critical points at ``(u, v) = (0, 0), (1, 0), (0, 1)`` (strict saddles) and
    ``(1/3, 1/3)`` (a minimum for ``s > 0``), on a box around some of them."""
    p, q = (Fraction(draw(st.integers(-4, 4)), 2) for _ in range(2))
    t = Fraction(draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    s = Fraction(draw(st.sampled_from([1, -1, 2, 3])), draw(st.integers(1, 3)))
    x, y = SYMS[:2]
    u, v = (x - _rq(p)) / _rq(t), (y - _rq(q)) / _rq(t)
    f = _rq(s) * u * v * (u + v - 1)
    hess = sympy.hessian(f, (x, y))
    points = []
    for a, b in [(0, 0), (1, 0), (0, 1), (Fraction(1, 3), Fraction(1, 3))]:
        pt = (p + t * a, q + t * b)
        H = hess.subs({x: _rq(pt[0]), y: _rq(pt[1])})
        points.append((pt, [[Fraction(str(H[i, j])) for j in range(2)] for i in range(2)]))
    lo = [
        p - t * Fraction(draw(st.integers(0, 4)), 2),
        q - t * Fraction(draw(st.integers(0, 4)), 2),
    ]
    box = [(lo[i], lo[i] + t * Fraction(draw(st.integers(1, 6)), 2)) for i in range(2)]
    text = str(sympy.expand(f))
    spec = Spec(text if draw(st.booleans()) else parse(text), SYMS[:2], parse(text), label=text)
    return CriticalCase(spec, box, points)

"""Soundness fuzzer (issue 11): no proved verdict that an independent oracle refutes.

Generators (tests/_fuzz_numbers.py, _fuzz_matrices.py, _fuzz_objectives.py,
_fuzz_boxes.py) build numbers, matrices and objectives
with exactly known answers or domain conditions; the oracle (tests/_oracle.py)
decides with SymPy exact arithmetic, Sturm counting, or mpmath at 200/300
digits with its own domain checks, and abstains otherwise. Only the public API
is used. The rules checked:

* a ``True``/``False`` from ``certify_sosp`` agrees with the oracle wherever it
  decides; its enclosures of ``||grad f||`` and ``lambda_min`` contain the true
  values; the point, ``eps`` and ``rho`` are read as the exact values given;
* where ``f`` is not real and smooth near the point (outside the domain, on a
  piece boundary) the only outcomes are ``InputError`` or ``holds=None``;
* ``lambda_min_enclosure`` contains the true ``lambda_min``;
* ``smoothness`` and ``critical_points`` on a box where ``f`` is not ``C^3``
  raise ``InputError``; elsewhere ``ell``/``rho`` are at least the oracle's
  values at sampled points and ``ell_lower`` is attained at its witness;
* an honest proved certificate passes ``verify_certificate``;
* ``critical_points`` classifies only true critical points, correctly, and
  misses none when ``complete``;
* nothing raises anything but ``InputError``, and nothing hangs.

Budgets follow the Hypothesis profile (``budget(n)``: ``n`` examples under
``ci``, 40 n under ``thorough``, where each example also makes twice as many
calls: ``_fuzz_numbers.FAN_OUT``). Measured on one core (with generated
cases only): ``ci`` about 3,000 checked calls in about 30 s (20 s of CPU);
``thorough`` about 200,000 (extrapolated from a 1/20 sample: about 20 min of CPU). With
``SOUNDNESS_FUZZ_REPORT=path`` the calls made are written to ``path`` as JSON.
A failing explicit ``@example`` (the issue-11 reproductions) stops its test
before generation, so while one fails the generated cases of that test do not run.
"""

from __future__ import annotations

import collections
import json
import math
import os
import signal
from contextlib import contextmanager
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from _fuzz_boxes import (
    BoxCase,
    CriticalCase,
    allowed_kinds,
    box_cases,
    critical_cases,
    cubic_saddle_cases,
)
from _fuzz_matrices import MatrixCase, MatrixInput, matrix_cases
from _fuzz_objectives import Case, Query, parse, quadratic_cases, random_tree_cases
from _oracle import (
    Cond,
    Piece,
    Spec,
    domain_status,
    grad_norm_contained,
    held,
    hess_norm_and_d3,
    lam_contained,
    lam_min_ge,
    lam_min_ge_neg_sqrt,
    lam_min_le,
    sosp_truth,
    truth,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import saddlecheck as sc

CALL_SECONDS = 20
COUNTS: collections.Counter = collections.Counter()  # calls checked against the oracle


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    """With SOUNDNESS_FUZZ_REPORT=path, write how many calls each check made (for README)."""
    yield
    path = os.environ.get("SOUNDNESS_FUZZ_REPORT")
    if path:
        with open(path, "w") as fh:
            json.dump(dict(COUNTS), fh, indent=1, sort_keys=True)


def budget(n: int) -> int:
    """``n`` examples under ``ci`` (25 per test), scaled with the active profile."""
    return max(1, n * settings.default.max_examples // 25)


def fuzz_settings(n: int) -> settings:
    return settings(
        max_examples=budget(n),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


class Hang(BaseException):
    """A call did not return within CALL_SECONDS (BaseException: no ``except Exception``
    in the library can swallow it)."""


@contextmanager
def time_limit(seconds: int = CALL_SECONDS):
    def on_alarm(signum, frame):
        raise Hang(f"did not return within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def call(what: str, fn, *args, **kwargs):
    """``fn(...)``, or ``None`` for ``InputError``; any other exception or a hang fails."""
    try:
        with time_limit():
            return fn(*args, **kwargs)
    except sc.InputError:
        return None
    except Hang as exc:
        raise AssertionError(f"{what} hangs: {exc}") from None
    except Exception as exc:  # the rule is: nothing but InputError
        raise AssertionError(f"{what} raised {type(exc).__name__}: {exc}") from exc


def objective(spec: Spec) -> sc.Objective | None:
    return call("Objective", sc.Objective, spec.given, variables=spec.given_vars or spec.syms)


# ----------------------------------------------------------------- pinned cases


def pin(text: str, x, eps, rho, conds=(), pieces=(), given=None, given_vars=None, smooth=None):
    """An issue-11 reproduction as a fuzzer case (plain symbols for the oracle)."""
    syms = tuple(
        sorted(
            parse(text).free_symbols | {s for g in conds for s in parse(g[1]).free_symbols},
            key=lambda s: s.name,
        )
    )
    if given_vars is not None:
        syms = tuple(sympy.Symbol(v.name) for v in given_vars)
    smooth = parse(text)
    spec = Spec(
        given if given is not None else text,
        syms,
        smooth,
        tuple(Cond(k, parse(g)) for k, g in conds),
        tuple(Piece(parse(g), parse(a), parse(b)) for g, a, b in pieces),
        text,
        given_vars,
    )
    if pieces:  # ``smooth`` is f without its Piecewise terms
        spec = Spec(
            spec.given, syms, parse(smooth or "0"), spec.conds, spec.pieces, text, given_vars
        )
    xs = list(x)
    return Case(spec, [Query(xs, tuple(held(v) for v in xs), eps, rho)], f"issue 11: {text}")


_xi = sympy.Symbol("x", integer=True)
_yp = sympy.Symbol("y", positive=True)
LD = np.longdouble
PINNED = [
    # 1. outside the real domain
    pin("log(x**2 - 1) + 2*x**2", [0], "1e-6", 1, [("pos", "x**2 - 1")]),
    pin("atanh(x) + x/3", [2], "1e-6", 1, [("pos", "1 - x**2")]),
    pin("x**2 + acos(2)", [0], "1e-6", 1, [("pos", "-3")]),
    pin("x**2 + (-1)**(1/3)", [0], "1e-6", 1, [("pos", "-1")]),
    pin("x**2 + log(-x**2 - 1)", [0], "1e-6", 1, [("pos", "-x**2 - 1")]),
    pin("(-2)**x + x**2", [0], "1e-6", 1, [("pos", "-2")]),
    # 2. kinks and jumps
    pin("Piecewise((x, x < 0), (x**2, True))", [0], "1e-9", 0, pieces=[("x", "x", "x**2")]),
    pin(
        "Piecewise((x**2 - 100, x < 0), (x**2, True))",
        [0],
        "1e-9",
        0,
        pieces=[("x", "x**2 - 100", "x**2")],
    ),
    # 3. inputs read inexactly
    pin("x**2/2", [LD(1) + LD(2) ** -60], 1, 1),
    # 6., 9. crashes and hangs
    pin("exp(x)", [800], 1, 1),
    pin("exp(x**2)", [30], 1, 1),
    pin("log(x)", ["1e-300"], 1, 1, [("pos", "x")]),
    pin("x**2*10**400", [1], 1, 1),
    pin("x**100000", ["1/2"], 1, 1),
    pin("x**(-10**10)", [2], 1, 1, [("nonzero", "x")]),
    pin("exp(x) - x", ["1e-20"], "1e-20", 1),
    # 7. SymPy rewrites f
    pin(
        "sin(pi*x) + x**2/2",
        ["1/2"],
        1,
        1,
        given=sympy.sin(sympy.pi * _xi) + _xi**2 / 2,
        given_vars=(_xi,),
    ),
    pin(
        "sqrt(y**2) - y",
        [-1],
        1,
        1,
        [("pos", "y**2")],
        given=sympy.sqrt(_yp**2) - _yp,
        given_vars=(_yp,),
    ),
    pin("x**3/x", [0], 1, 1, [("nonzero", "x")]),
    pin("exp(log(x))**2", ["-1/1000"], 1, 1, [("pos", "x")]),
    pin("sqrt(x)**4", ["-1/1000"], 1, 1, [("pos", "x")]),
    pin("(x/x)*y**2", [0, 0], 1, 1, [("nonzero", "x")]),
    # found by this fuzzer: a SymPy Float coordinate crashes the reader
    pin("x**2/2", [sympy.Float("1.5", 40)], 1, 1),
    pin("x**2/2", [1], sympy.Float("0.5", 30), 1),
    # found by this fuzzer: the checker rejects an honest certificate (atan(1/2) + atan(1/3))
    pin("x**2 + (atan(1/2) + atan(1/3))*x", [0], "1/10", 1),
    # found by this fuzzer: an honest certificate of a Piecewise objective does not verify
    pin(
        "x**2 + Piecewise((x, x < -1), (0, True))",
        [0],
        1,
        1,
        pieces=[("x + 1", "x", "0")],
        smooth="x**2",
    ),
]


# ------------------------------------------------------------------ certify_sosp


def check_sosp(case: Case) -> None:
    """Every query of ``case``; ``verify_certificate`` on the first proved certificate."""
    obj = objective(case.spec)
    if obj is None:
        return
    verified = False
    for q in case.queries:
        cert = check_query(case.spec, obj, q)
        if cert is not None and cert.holds is not None and not verified:
            verified = True
            COUNTS["verify_certificate"] += 1
            ok = call("verify_certificate", sc.verify_certificate, cert.to_json())
            assert ok is True, (
                f"verify_certificate={ok!r} on an honest certificate [{where(case.spec, q)}]"
            )


def where(spec: Spec, q: Query) -> str:
    return f"f = {spec.label}: x = {q.x!r} (= {q.xq}), eps={q.eps!r}, rho={q.rho!r}"


def check_query(spec: Spec, obj: sc.Objective, q: Query):
    """One ``certify_sosp`` call against the oracle; the certificate if it is right."""
    COUNTS["certify_sosp"] += 1
    cert = call("certify_sosp", sc.certify_sosp, obj, q.x, eps=q.eps, rho=q.rho)
    if cert is None:
        return None
    at = where(spec, q)
    assert cert.holds in (True, False, None), f"holds={cert.holds!r} [{at}]"
    assert tuple(cert.x) == q.xq, f"x read as {cert.x}, it holds {q.xq} [{at}]"
    assert cert.eps == held(q.eps), f"eps read as {cert.eps} [{at}]"
    assert cert.rho == held(q.rho), f"rho read as {cert.rho} [{at}]"
    status = domain_status(spec, q.xq)
    if status in ("outside", "kink"):
        assert cert.holds is None, (
            f"holds={cert.holds} although f is not real and C^3 near x ({status}) [{at}]"
        )
        return None
    if status != "inside" or (t := truth(spec, q.xq)) is None:
        return None
    eps, rho = held(q.eps), held(q.rho)
    want = sosp_truth(t, eps, rho)
    if cert.holds is not None and want is not None:
        assert cert.holds == want, f"holds={cert.holds}, the oracle says {want} [{at}]"
    assert grad_norm_contained(t, *cert.grad_norm) is not False, (
        f"grad_norm={cert.grad_norm} misses ||grad f|| (squared: {t.G2}) [{at}]"
    )
    assert lam_contained(t, *cert.lambda_min) is not False, (
        f"lambda_min={cert.lambda_min} misses the true lambda_min [{at}]"
    )
    return cert


def _examples(cases):
    def deco(fn):
        for c in reversed(cases):
            fn = example(c)(fn)
        return fn

    return deco


@fuzz_settings(180)
@given(quadratic_cases())
@_examples(PINNED)
def test_certify_sosp_on_exact_thresholds(case):
    check_sosp(case)


@fuzz_settings(120)
@given(random_tree_cases())
def test_certify_sosp_on_random_compositions(case):
    check_sosp(case)


# ------------------------------------------------------------ lambda_min_enclosure


def _pinned_matrix(entries, dtype) -> MatrixCase:
    arr = np.array(entries, dtype=dtype)
    return MatrixCase([MatrixInput(str(dtype), arr, [[held(v) for v in r] for r in arr], None)])


ONE_PLUS = LD(1) + LD(2) ** -60


@fuzz_settings(700)
@given(matrix_cases())
@example(_pinned_matrix([[ONE_PLUS, 0], [0, ONE_PLUS]], np.longdouble))
@example(MatrixCase([MatrixInput("mixed", [[sympy.Float("1.5", 40), 0], [0, 2]],
                                 [[Fraction(3, 2), Fraction(0)], [Fraction(0), Fraction(2)]],
                                 [Fraction(3, 2), Fraction(2)])]))  # fmt: skip
def test_lambda_min_enclosure_contains_lambda_min(case):
    check_matrix(case)


def check_matrix(case: MatrixCase) -> None:
    for m in case.inputs:
        check_matrix_input(m)


def check_matrix_input(m: MatrixInput) -> None:
    COUNTS["lambda_min_enclosure"] += 1
    got = call("lambda_min_enclosure", sc.lambda_min_enclosure, m.given)
    if got is None:
        return
    lo, hi = got
    at = f"{m.form} H={m.exact}"
    assert not (math.isnan(lo) or math.isnan(hi)) and lo <= hi, f"({lo}, {hi}) [{at}]"
    qlo = Fraction(lo) if math.isfinite(lo) else None
    qhi = Fraction(hi) if math.isfinite(hi) else None
    if m.spectrum is not None:
        lam = min(m.spectrum)
        assert (qlo is None or qlo <= lam) and (qhi is None or lam <= qhi), (
            f"({lo!r}, {hi!r}) misses lambda_min = {lam} [{at}]"
        )
    else:
        assert qlo is None or lam_min_ge(m.exact, qlo), f"lo={lo!r} > lambda_min [{at}]"
        assert qhi is None or lam_min_le(m.exact, qhi), f"hi={hi!r} < lambda_min [{at}]"


# ------------------------------------------------------------------ smoothness

REL = mpmath.mpf(10) ** -100


def _sample_points(box, k: int = 3):
    corners = [tuple(c) for c in np.array(np.meshgrid(*box)).T.reshape(-1, len(box)).tolist()]
    center = tuple((lo + hi) / 2 for lo, hi in box)
    third = tuple(lo + (hi - lo) / 3 for lo, hi in box)
    return [tuple(Fraction(v) for v in c) for c in corners] + [center, third][:k]


def _box_settings_case(text, box, status, conds=(), given_box=None) -> BoxCase:
    spec = Spec(
        text,
        tuple(sorted(parse(text).free_symbols, key=lambda s: s.name)),
        parse(text),
        tuple(Cond(k, parse(g)) for k, g in conds),
        (),
        text,
    )
    exact = [(Fraction(a), Fraction(b)) for a, b in box]
    return BoxCase(spec, exact, status, text, given_box)


@fuzz_settings(60)
@given(box_cases())
@example(
    _box_settings_case(
        "log(x**2 - 1) + 2*x**2", [("-1/2", "1/2")], "outside", [("pos", "x**2 - 1")]
    )
)
@example(_box_settings_case("exp(x)", [(0, 1000)], "inside"))
@example(
    _box_settings_case("x**4", [("1/2", 1)], "inside", given_box=[(sympy.Float("0.5", 30), 1)])
)
def test_smoothness_bounds_hold_or_refuse(case):
    check_smoothness(case)


def check_smoothness(case: BoxCase) -> None:
    obj = objective(case.spec)
    if obj is None:
        return
    where = f"f = {case.note} on {case.box}"
    COUNTS["smoothness"] += 1
    box = call("Box", sc.Box, case.given_box or case.box)
    assert box is not None and list(box.intervals) == case.box, f"box read as {box} [{where}]"
    k = call("smoothness", sc.smoothness, obj, box, rel_gap=0.5, max_boxes=40)
    if case.status == "outside":
        assert k is None, (
            f"smoothness returned ell={k.ell}, rho={k.rho} where f is not C^3 [{where}]"
        )
        COUNTS["critical_points"] += 1
        cps = call("critical_points", sc.critical_points, obj, box, max_boxes=64)
        assert cps is None, f"critical_points returned {cps!r} where f is not C^3 [{where}]"
        return
    if k is None:
        return
    assert k.ell >= 0 and k.rho >= 0 and not math.isnan(k.ell + k.rho), f"{k} [{where}]"
    n = len(case.box)
    dirs = [tuple(Fraction(int(i == j)) for j in range(n)) for i in range(n)]
    dirs.append(tuple(Fraction(1, 1 + i) for i in range(n)))
    with mpmath.workdps(200):
        for p in _sample_points(case.box):
            for u in dirs:
                hn, d3 = hess_norm_and_d3(case.spec, p, u)
                assert k.ell == math.inf or mpmath.mpf(k.ell) >= hn * (1 - REL), (
                    f"ell={k.ell!r} < ||H({p})|| = {mpmath.nstr(hn, 20)} [{where}]"
                )
                assert k.rho == math.inf or mpmath.mpf(k.rho) >= d3 * (1 - REL), (
                    f"rho={k.rho!r} < |D^3 f({p})[u,u,u]| = {mpmath.nstr(d3, 20)} [{where}]"
                )
        w = tuple(k.ell_witness)
        assert all(lo <= v <= hi for v, (lo, hi) in zip(w, case.box, strict=False)), (
            f"witness {w} [{where}]"
        )
        hn, _ = hess_norm_and_d3(case.spec, w, dirs[0])
        assert mpmath.mpf(k.ell_lower) <= hn * (1 + REL), (
            f"ell_lower={k.ell_lower!r} > ||H(ell_witness)|| = {mpmath.nstr(hn, 20)} [{where}]"
        )


# ------------------------------------------------------------------ critical points


def _in(p, box) -> bool:
    return all(lo <= v <= hi for v, (lo, hi) in zip(p, box.intervals, strict=False))


def _pinned_critical(text, box, points) -> CriticalCase:
    spec = Spec(
        text, tuple(sorted(parse(text).free_symbols, key=lambda s: s.name)), parse(text), label=text
    )
    pts = []
    for p in points:
        p = tuple(Fraction(v) for v in p)
        H = [
            [Fraction(str(h)) for h in row]
            for row in sympy.hessian(parse(text), spec.syms)
            .subs(dict(zip(spec.syms, p, strict=False)))
            .tolist()
        ]
        pts.append((p, H))
    return CriticalCase(spec, [(Fraction(a), Fraction(b)) for a, b in box], pts)


@fuzz_settings(45)
@given(st.one_of(critical_cases(), cubic_saddle_cases()))
@example(
    _pinned_critical(
        "x*y*(x + y - 1)", [(-2, 2), (-2, 2)], [(0, 0), (1, 0), (0, 1), ("1/3", "1/3")]
    )
)
@example(_pinned_critical("x**2 + x**3", [(-2, 2)], [(0,), ("-2/3",)]))
@example(_pinned_critical("cos(x) + cos(y)", [(-2, 2), (-2, 2)], [(0, 0)]))
def test_critical_points_are_critical_and_classified(case):
    check_critical(case)


def check_critical(case: CriticalCase) -> None:
    obj = objective(case.spec)
    if obj is None:
        return
    where = f"f = {case.spec.label} on {case.box}"
    COUNTS["critical_points"] += 1
    res = call("critical_points", sc.critical_points, obj, sc.Box(case.box), max_boxes=2000)
    if res is None:
        return
    in_box = [
        (p, H)
        for p, H in case.points
        if all(lo <= v <= hi for v, (lo, hi) in zip(p, case.box, strict=False))
    ]
    for cp in res.points:
        inside = [(p, H) for p, H in case.points if _in(p, cp.enclosure)]
        assert inside, f"{cp.kind} at {cp.enclosure} holds no critical point [{where}]"
        if cp.unique and cp.uniqueness_box is not None:
            n_u = sum(1 for p, _ in case.points if _in(p, cp.uniqueness_box))
            assert n_u == 1, f"'unique' box {cp.uniqueness_box} holds {n_u} points [{where}]"
        if cp.kind != "degenerate":
            for p, H in inside:
                ok = allowed_kinds(H)
                assert cp.kind in ok, (
                    f"kind {cp.kind!r} at {p}, whose Hessian allows {ok} [{where}]"
                )
    if res.complete:
        regions = [cp.enclosure for cp in res.points] + list(res.unresolved)
        for p, _ in in_box:
            assert any(_in(p, r) for r in regions), f"missed critical point {p} [{where}]"


# ------------------------------------------------------------------ the oracle itself


@fuzz_settings(60)
@given(matrix_cases(max_n=6))
def test_oracle_sturm_counts_agree_with_known_spectra(case):
    """The oracle's exact Sturm counts reproduce spectra known by construction."""
    for m in case.inputs:
        if m.spectrum is None:
            continue
        lam = min(m.spectrum)
        gap = (abs(lam) or Fraction(1)) / 2**200
        assert lam_min_ge(m.exact, lam) and lam_min_le(m.exact, lam)
        assert not lam_min_ge(m.exact, lam + gap) and not lam_min_le(m.exact, lam - gap)
        if lam < 0:
            assert lam_min_ge_neg_sqrt(m.exact, lam * lam)
            assert not lam_min_ge_neg_sqrt(m.exact, lam * lam * (1 - Fraction(1, 2**200)))

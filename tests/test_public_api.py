"""The public surface (README, "The API in one screen"): names, behaviour as written, invariants."""

import inspect
import math

import mpmath
import numpy as np
import pytest

import saddlecheck as sc

DESIGN_NAMES = {
    "Objective",
    "Box",
    "InputError",
    "smoothness",
    "pgd_params",
    "pgd",
    "certify_sosp",
    "verify_certificate",
    "lambda_min_enclosure",
    "critical_points",
    "check_strict_saddle",
}


def test_every_design_name_is_exported_and_documented():
    assert set(sc.__all__) >= DESIGN_NAMES
    for name in sc.__all__:
        obj = getattr(sc, name)
        assert inspect.getdoc(obj), f"saddlecheck.{name} has no docstring"


def test_lazy_exports_match_all_and_import_cheaply():
    import subprocess
    import sys

    assert set(sc.__all__) == set(sc._EXPORTS)
    code = "import saddlecheck, sys; print('sympy' in sys.modules, 'flint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"], "import saddlecheck must not load sympy/flint"


def test_input_error_is_a_value_error():
    assert issubclass(sc.InputError, ValueError)


def test_design_section_4_as_written():
    obj = sc.Objective("x**4/4 - x**2/2 + y**2/2")
    assert [v.name for v in obj.variables] == ["x", "y"] and obj.dim == 2
    assert obj.gradient.shape == (2, 1) and obj.hessian.shape == (2, 2)
    assert obj.value([1, 0]) == -0.25 and obj.grad([1, 0]).tolist() == [0, 0]
    assert obj.hess([1, 0], dps=30)[0, 0] == 2
    box = sc.Box([(-2, 2), (-2, 2)])
    assert box.dim == 2 and box.intervals[0] == (-2, 2)
    k = sc.smoothness(obj, box)
    assert k.ell_lower <= 11 <= k.ell and k.rho_lower <= 12 <= k.rho
    params = sc.pgd_params(ell=k.ell, rho=k.rho, eps=1e-3, c=0.5, delta=0.1, delta_f=1, dim=2)
    assert params.chi >= 12 and params.eta == pytest.approx(0.5 / k.ell)
    res = sc.pgd(obj, [0, 0], eps=1e-3, ell=k.ell, rho=k.rho, c=0.5, delta=0.1, delta_f=1, seed=0)
    assert res.status == "terminated" and abs(abs(res.x[0]) - 1) < 0.05
    cert = sc.certify_sosp(obj, res.x, eps=1e-3, rho=k.rho)
    assert cert.holds is True
    assert sc.verify_certificate(cert.to_json()) is True
    lo, hi = sc.lambda_min_enclosure([[2, 0], [0, 1]])
    assert lo <= 1 <= hi
    kinds = sorted(p.kind for p in sc.critical_points(obj, box))
    assert kinds == ["min", "min", "strict_saddle"]
    rep = sc.check_strict_saddle(obj, box, theta=0.3, gamma=0.5, zeta=0.5)
    assert rep.holds is True and rep.counterexample is None


BAD_CALLS = [  # (entry point, call, what the message must name)
    ("Objective", lambda: sc.Objective("abs(x)"), "abs"),
    ("Box", lambda: sc.Box([(1, 0)]), "lo=1 > hi=0"),
    ("smoothness", lambda: sc.smoothness(sc.Objective("x**2"), [(0, 1), (0, 1)]), "dimension"),
    (
        "pgd_params",
        lambda: sc.pgd_params(ell=1, rho=1, eps=2, c=0.5, delta=0.1, delta_f=1, dim=1),
        "eps",
    ),
    (
        "pgd",
        lambda: sc.pgd(sc.Objective("x**2"), [math.nan], eps=1e-3, ell=2, rho=1, delta_f=1),
        "x0",
    ),
    ("certify_sosp", lambda: sc.certify_sosp(sc.Objective("x**2"), [0], eps=0, rho=1), "eps"),
    ("verify_certificate", lambda: sc.verify_certificate("{not json"), "JSON"),
    ("lambda_min_enclosure", lambda: sc.lambda_min_enclosure([[1, 2], [3, 4]]), "symmetric"),
    (
        "critical_points",
        lambda: sc.critical_points(sc.Objective("log(x)"), [(-1, 1)]),
        "not smooth",
    ),
    (
        "check_strict_saddle",
        lambda: sc.check_strict_saddle(sc.Objective("x**2"), [(-1, 1)], theta=-1, gamma=1, zeta=1),
        "theta",
    ),
]


@pytest.mark.parametrize("name, call, culprit", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_every_entry_point_refuses_bad_input_with_input_error(name, call, culprit):
    with pytest.raises(sc.InputError) as info:
        call()
    assert culprit in str(info.value), f"{name}: the message should name {culprit!r}"


def test_raising_precision_never_flips_a_proved_verdict():
    """Proved bounds at two precisions both hold, so they must overlap; verdicts agree."""
    obj = sc.Objective("exp(-x**2) * cos(y) + x*y/3")
    box = sc.Box([(-1, 1), (-1, 1)])
    low = sc.smoothness(obj, box, prec=53, rel_gap=0.3)
    high = sc.smoothness(obj, box, prec=160, rel_gap=0.3)
    assert max(low.ell_lower, high.ell_lower) <= min(low.ell, high.ell)
    assert max(low.rho_lower, high.rho_lower) <= min(low.rho, high.rho)
    rng = np.random.default_rng(3)
    for _ in range(10):
        x = rng.uniform(-1, 1, size=2)
        as_floats = sc.certify_sosp(obj, x, eps=0.5, rho=low.rho)
        as_mpf = sc.certify_sosp(
            obj, obj.grad(x, dps=50) * 0 + [mpmath.mpf(v) for v in x], eps=0.5, rho=low.rho
        )  # the same exact point, as mpf
        assert as_floats.holds == as_mpf.holds

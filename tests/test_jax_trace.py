"""Objective.from_jax: the traced objective agrees with JAX, refuses what is not smooth.

Every supported primitive is exercised by one entry of ``CASES`` (the test
checks that the primitive really is in the jaxpr); value, gradient and Hessian
of the traced objective are compared with ``jax.grad`` / ``jax.hessian`` in
float64 at random points, and the AD ball enclosures used by certificates with
the symbolic ones of the base class.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy

import saddlecheck as sc
from saddlecheck.frontends.jax_trace import TracedObjective

jax = pytest.importorskip("jax", reason="the extra saddlecheck[jax] is installed by make test")
jnp = pytest.importorskip("jax.numpy")
from jax.flatten_util import ravel_pytree  # noqa: E402

X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])


@jax.custom_jvp
def _softsq(x):
    return jnp.log1p(x**2)


_softsq.defjvp(lambda p, t: (_softsq(p[0]), 2 * p[0] / (1 + p[0] ** 2) * t[0]))


@jax.custom_vjp
def _cube(x):
    return x**3


_cube.defvjp(lambda x: (_cube(x), x), lambda x, g: (3 * x**2 * g,))


@jax.jit
def _jitted(x):
    return jnp.sin(x) * jnp.cos(x)


def _sum(a):
    return jnp.sum(a)


#: name -> (primitives it must contain, loss, example parameters)
CASES = {
    "arithmetic": (
        ("add", "sub", "mul", "div", "neg"),
        lambda p: _sum((p["a"] + p["b"]) * p["a"] - p["b"] / (2 + p["a"] ** 2) - (-p["a"])),
        {"a": np.zeros(3), "b": np.zeros(3)},
    ),
    "powers": (
        ("integer_pow", "pow", "square", "sqrt", "rsqrt"),
        lambda p: _sum(
            p**3 + (1 + p**2) ** 1.5 + jnp.square(p) + jnp.sqrt(2 + p**2) + jax.lax.rsqrt(1 + p**2)
        ),
        np.zeros(3),
    ),
    "exp_log": (
        ("exp", "log", "log1p", "expm1"),
        lambda p: _sum(jnp.exp(p / 2) + jnp.log(3 + p**2) + jnp.log1p(p**2) + jnp.expm1(p)),
        np.zeros(3),
    ),
    "tanh_logistic_trig": (
        ("tanh", "logistic", "sin", "cos"),
        lambda p: _sum(jnp.tanh(p) * jax.nn.sigmoid(2 * p) + jnp.sin(p) * jnp.cos(3 * p)),
        np.zeros(3),
    ),
    "dot_general": (
        ("dot_general",),
        lambda p: (
            _sum(jnp.tanh(X @ p["W"]) @ p["v"])
            + _sum(jnp.einsum("bij,bjk->bik", p["B"], p["B"]) ** 2)
        ),
        {"W": np.zeros((2, 3)), "v": np.zeros(3), "B": np.zeros((2, 2, 2))},
    ),
    "shapes": (
        ("broadcast_in_dim", "reshape", "transpose", "squeeze", "reduce_sum", "slice"),
        lambda p: (
            _sum((p.T.reshape(-1)[1:4] + p[0, 1]) ** 2)
            + _sum(jnp.sum(p, axis=0) ** 3)
            + _sum(p * jnp.array([1.0, 2.0]))
        ),
        np.zeros((3, 2)),
    ),
    "concatenate_convert": (
        ("concatenate", "convert_element_type"),
        lambda p: _sum(jnp.concatenate([p, p**2]) * jnp.asarray(np.arange(6, dtype=np.int32))),
        np.zeros(3),
    ),
    "calls": (
        ("jit", "custom_jvp_call", "custom_vjp_call"),
        lambda p: _sum(_jitted(p) + _softsq(p) + _cube(p)),
        np.zeros(3),
    ),
    "scan": (
        ("scan",),
        lambda p: jax.lax.fori_loop(0, 3, lambda i, c: jnp.tanh(c * p[0] + p[1]), 0.5),
        np.zeros(2),
    ),
}


def _flat64(fn, params):
    """``fn`` as a function of the flat float64 vector (call inside ``jax.enable_x64``)."""
    as64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), params)
    flat, unravel = ravel_pytree(as64)
    return (lambda v: fn(unravel(v))), flat.size


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    prims, fn, params = CASES[request.param]
    with jax.enable_x64(True):
        text = str(jax.make_jaxpr(fn)(params))
    missing = [p for p in prims if p not in text]
    assert not missing, f"{request.param} no longer exercises {missing}:\n{text}"
    return request.param, fn, params, sc.Objective.from_jax(fn, params)


def test_value_gradient_hessian_agree_with_jax(case):
    name, fn, params, obj = case
    rng = np.random.default_rng(sorted(CASES).index(name))
    with jax.enable_x64(True):
        f, d = _flat64(fn, params)
        assert obj.dim == d
        for _ in range(3):
            x = rng.uniform(-0.9, 0.9, size=d)
            v = jnp.asarray(x)
            want_f, want_g = f(v), jax.grad(f)(v)
            want_h = jax.jacrev(jax.jacrev(f))(v)  # not jax.hessian: jvp of custom_vjp
            scale = 1 + float(np.max(np.abs(want_h)))
            assert obj.value(x) == pytest.approx(float(want_f), rel=1e-12, abs=1e-12)
            np.testing.assert_allclose(obj.grad(x), want_g, rtol=1e-11, atol=1e-11 * scale)
            np.testing.assert_allclose(obj.hess(x), want_h, rtol=1e-11, atol=1e-11 * scale)


def test_ad_enclosures_contain_the_symbolic_ones(case):
    """The AD sweep (certificates' fast path) and the symbolic compiler enclose the same."""
    name, _, _, obj = case
    rng = np.random.default_rng(7)
    x = [Fraction(v).limit_denominator(1000) for v in rng.uniform(-0.9, 0.9, size=obj.dim)]
    for kind in ("value", "grad", "hess"):
        fast = obj.enclose(kind, x, 128)
        slow = sc.Objective.enclose(obj, kind, x, 128)
        flat_fast, flat_slow = (
            np.ravel(np.array(fast, dtype=object)),
            np.ravel(np.array(slow, dtype=object)),
        )
        for a, b in zip(flat_fast, flat_slow, strict=True):
            assert a.overlaps(b), f"{name} {kind}: AD {a} vs symbolic {b}"
            assert a.rad() < 1e-25, f"{name} {kind}: AD ball {a} is too wide"
        if obj.is_rational:  # the exact path: fmpq AD against the symbolic rationals
            assert obj.exact(kind, x) == sc.Objective.exact(obj, kind, x), (name, kind)


def test_polynomial_losses_take_the_exact_path():
    w_true = np.array([0.5, -0.25])
    y = X @ w_true + np.float32(0.1)
    obj = sc.Objective.from_jax(lambda w: jnp.sum((X @ w - y) ** 2), np.zeros(2))
    assert obj.is_polynomial
    x = ["1/3", "-2/5"]
    assert obj.exact("hess", x) == sc.Objective.exact(obj, "hess", x)
    assert obj.exact("grad", x) == sc.Objective.exact(obj, "grad", x)


def test_float32_constants_are_read_exactly():
    c = np.float32(0.1)
    obj = sc.Objective.from_jax(
        lambda p: c * p[0] ** 2 + jnp.float32(0.3) * p[1], jnp.zeros(2, jnp.float32)
    )
    coeffs = {
        sympy.Rational(Fraction(float(np.float32(0.1)))),
        sympy.Rational(Fraction(float(np.float32(0.3)))),
    }
    assert coeffs <= obj.expr.atoms(sympy.Rational)
    assert sympy.Rational(1, 10) not in obj.expr.atoms(sympy.Rational)
    assert sympy.Rational(13421773, 134217728) in obj.expr.atoms(sympy.Rational)


def test_float64_data_keeps_its_value():
    data = np.array([0.1, 1 / 3])
    obj = sc.Objective.from_jax(lambda p: jnp.sum(data * p), np.zeros(2, np.float32))
    assert set(obj.gradient) == {sympy.Rational(Fraction(0.1)), sympy.Rational(Fraction(1 / 3))}


def test_variables_follow_jax_flattening_and_key_paths():
    params = {"layer": [{"w": np.zeros((2, 1)), "b": 0.0}], "E": np.zeros(1), "0x": 1.0}
    obj = sc.Objective.from_jax(
        lambda p: (
            p["layer"][0]["w"].sum() ** 2 + p["layer"][0]["b"] ** 2 + p["E"][0] ** 2 + p["0x"] ** 2
        ),
        params,
    )
    assert obj.variable_names == ("p0x", "E_0", "layer_0_b", "layer_0_w_0_0", "layer_0_w_1_0")
    flat, _ = ravel_pytree(params)
    assert obj.dim == flat.size
    bare = sc.Objective.from_jax(lambda v: jnp.sum(v**2), np.zeros((2, 2)))
    assert bare.variable_names == ("x_0_0", "x_0_1", "x_1_0", "x_1_1")
    tricky = sc.Objective.from_jax(
        lambda p: p["a-b"] * p["a_b"] + p["exp"] ** 2, {"a-b": 1.0, "a_b": 1.0, "exp": 1.0}
    )
    assert tricky.variable_names == ("a_b", "a_b_2", "exp_")


def test_certify_a_trained_point_and_recheck():
    params = {"w": np.zeros(2), "b": np.zeros(1)}
    y = np.tanh(X @ np.array([0.3, -0.2]) + 0.1)

    def loss(p):
        return jnp.mean((jnp.tanh(X @ p["w"] + p["b"][0]) - y) ** 2)

    obj = sc.Objective.from_jax(loss, params)
    assert obj.variable_names == ("b_0", "w_0", "w_1")  # JAX flattens dicts by sorted key
    x = [0.1, 0.3, -0.2]  # the minimiser, up to the rounding of y
    cert = sc.certify_sosp(obj, x, eps=1e-6, rho=10)
    assert cert.holds is True, cert.explain()
    assert sc.verify_certificate(cert.to_json())
    saddle = sc.certify_sosp(obj, [0.0, 0.0, 0.0], eps=1e-6, rho=10)
    assert saddle.holds is False


def test_pickle_round_trip_keeps_the_fast_path():
    obj = sc.Objective.from_jax(lambda p: jnp.sum(jnp.tanh(p) ** 2), np.zeros(2))
    back = pickle.loads(pickle.dumps(obj))
    assert isinstance(back, TracedObjective)
    assert back.hess([0.5, 0.25]).tolist() == obj.hess([0.5, 0.25]).tolist()


REFUSALS = [
    ("max", lambda p: jnp.sum(jax.nn.relu(p))),
    ("abs", lambda p: jnp.sum(jnp.abs(p))),
    ("gt", lambda p: jnp.sum(jnp.where(p > 0, p, 0.0))),
    ("sort", lambda p: jnp.sort(p)[0]),
    ("while", lambda p: jax.lax.while_loop(lambda c: c < 3.0, lambda c: c + p[0] ** 2 + 1, 0.0)),
    ("random_seed", lambda p: jnp.sum(jax.random.normal(jax.random.key(0), (2,)) * p)),
    ("stop_gradient", lambda p: jnp.sum(jax.lax.stop_gradient(p) * p)),
    ("sign", lambda p: jnp.sum(jnp.sign(p) * p)),
]


@pytest.mark.parametrize("prim, fn", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_non_smooth_primitives_are_refused_with_their_origin(prim, fn):
    with pytest.raises(sc.InputError, match=rf"primitive '{prim}'") as info:
        sc.Objective.from_jax(fn, np.zeros(2))
    assert "test_jax_trace.py" in str(info.value), str(info.value)


def test_refusal_inside_a_library_call_names_the_call():
    with pytest.raises(sc.InputError, match=r"primitive 'max'.*in jit 'relu'"):
        sc.Objective.from_jax(lambda p: jnp.sum(jax.nn.relu(p)), np.zeros(2))


@pytest.mark.parametrize(
    "fn, params, match",
    [
        (lambda p: p, np.zeros(2), r"returns float64\[2\]"),
        (lambda p: (jnp.sum(p), p), np.zeros(2), r"one real scalar"),
        (lambda p: jnp.sum(p) if p[0] > 0 else 0.0, np.zeros(2), r"cannot be traced"),
        (lambda p: jnp.sum(p), np.zeros(2, np.int32), r"dtype int32"),
        (lambda p: jnp.sum(p), {}, r"no array leaves"),
        (lambda p: p["missing"], {"w": np.zeros(1)}, r"raised KeyError"),
        ("not a function", np.zeros(1), r"not callable"),
        (lambda p: jnp.sum(p * jnp.inf), np.zeros(1), r"finite real constants"),
    ],
)
def test_bad_input_is_an_input_error(fn, params, match):
    with pytest.raises(sc.InputError, match=match):
        sc.Objective.from_jax(fn, params)


def test_import_works_without_jax_and_from_jax_says_how_to_install():
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "import saddlecheck as sc\n"
        "assert sc.Objective('x**2').dim == 1\n"
        "try:\n"
        "    sc.Objective.from_jax(lambda p: p, 1.0)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "pip install 'saddlecheck[jax]'" in res.stdout, res.stdout


CLI_MODULE = """
import jax.numpy as jnp
import numpy as np

X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])
y = np.tanh(X @ np.array([0.3, -0.2]) + 0.1)


def trained():
    loss = lambda p: jnp.mean((jnp.tanh(X @ p["w"] + p["b"]) - y) ** 2)
    return loss, {"w": np.array([0.3, -0.2]), "b": np.array(0.1)}


def not_a_pair():
    return 3
"""


@pytest.mark.parametrize(
    "extra, code, says",
    [
        ([], 0, "HOLDS (ball arithmetic)"),
        (["--point", "0,0,0"], 1, "DISPROVED"),
        (["x**2"], 2, "not both"),
    ],
)
def test_cli_certify_jax(tmp_path, capsys, extra, code, says):
    from saddlecheck.cli import main

    (tmp_path / "trained.py").write_text(CLI_MODULE)
    spec = f"{tmp_path / 'trained.py'}:trained"
    assert main(["certify", "--jax", spec, "--eps", "1e-6", "--rho", "10", *extra]) == code
    printed = capsys.readouterr()
    assert says in printed.out + printed.err


def test_cli_certify_jax_refuses_a_factory_that_is_not_loss_and_params(tmp_path, capsys):
    from saddlecheck.cli import main

    (tmp_path / "trained.py").write_text(CLI_MODULE)
    spec = f"{tmp_path / 'trained.py'}:not_a_pair"
    assert main(["certify", "--jax", spec, "--eps", "1e-6", "--rho", "10"]) == 2
    assert "returning (loss, params)" in capsys.readouterr().err


def test_integer_and_mask_constants_are_computed_exactly():
    """iota/eq (jnp.eye, arange), integer division and a constant jnp.where mask are folded."""
    idx = np.array([5, 7], np.int32)

    def loss(p):
        eye = jnp.sum(jnp.eye(2) * jnp.outer(p, p))
        halves = jnp.sum(jax.lax.div(idx, np.int32(2)).astype(jnp.float32) * p)  # [2, 3]
        masked = jnp.sum(jnp.where(np.array([True, False]), p**2, p**3))
        return eye + halves + masked + jnp.sum(jnp.arange(2) * p)

    obj = sc.Objective.from_jax(loss, np.zeros(2))
    x0, x1 = obj.variables
    assert sympy.expand(obj.expr - (2 * x0**2 + 2 * x0 + x1**3 + x1**2 + 4 * x1)) == 0


def test_certify_uses_the_ad_sweep_not_the_symbolic_hessian(monkeypatch):
    """The symbolic Hessian of a traced MLP takes minutes to compile; certify must not need it."""
    rng = np.random.default_rng(3)
    data, target = rng.normal(size=(20, 3)), rng.normal(size=20)
    params = {"W": rng.normal(size=(3, 6)), "v": rng.normal(size=6)}
    obj = sc.Objective.from_jax(
        lambda p: jnp.mean((jnp.tanh(data @ p["W"]) @ p["v"] - target) ** 2), params
    )

    def symbolic(self, kind, region, prec=53):
        raise AssertionError(f"the symbolic {kind} evaluator was used")

    monkeypatch.setattr(sc.Objective, "enclose", symbolic)
    x = np.concatenate([params["W"].ravel(), params["v"]])
    cert = sc.certify_sosp(obj, x, eps=1e-3, rho=1)
    assert obj.dim == 24 and cert.holds is False  # a random point: the gradient is large
    assert cert.grad_norm[0] > 1e-3

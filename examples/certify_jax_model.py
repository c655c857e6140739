"""Certify the parameters a JAX/optax training run returned (issue 15).

A two-layer tanh network (13 parameters) is fitted to a small synthetic
regression set with optax's Adam. The loss is written in
plain ``jax.numpy``; ``Objective.from_jax`` traces it into an exact symbolic
objective (the data become the rationals their float64 values hold), and
``certify_sosp`` proves, in ball arithmetic, whether each returned point is an
eps-second-order stationary point:

    ||grad f(x)|| <= eps   and   lambda_min(Hess f(x)) >= -sqrt(rho * eps).

``rho`` (the Hessian-Lipschitz constant) is an assumption the user states; the
certificate holds for the function as traced, not for the float rounding inside
JAX. After 40 steps the gradient is still above eps, and the certificate says
so; after the full run it holds. Both certificates are re-checked by
``verify_certificate``, which re-derives everything from the JSON.

Run: ``.venv/bin/python examples/certify_jax_model.py`` (exits 1 if the polished
point is not certified or a certificate does not re-check).
"""

from __future__ import annotations

import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

import saddlecheck as sc

FAST = os.environ.get("SADDLECHECK_FAST") == "1"
EPS, RHO = 2e-3, 10  # rho: our stated bound on the Hessian's Lipschitz constant near x


def make_data(n: int = 12):
    rng = np.random.default_rng(0)
    x = np.linspace(-2.0, 2.0, n)
    return x[:, None], np.sin(x) + 0.05 * rng.normal(size=n)


def init_params(hidden: int = 4):
    rng = np.random.default_rng(1)
    return {
        "W1": rng.normal(size=(1, hidden)),
        "b1": np.zeros(hidden),
        "W2": rng.normal(size=(hidden, 1)) / np.sqrt(hidden),
        "b2": np.zeros(1),
    }


X, Y = make_data()


def loss(p):
    """Mean squared error of a tanh MLP: plain jax.numpy, nothing saddlecheck-specific."""
    h = jnp.tanh(X @ p["W1"] + p["b1"])
    return jnp.mean((h @ p["W2"] + p["b2"] - Y[:, None]) ** 2)


def train(params, optimizer, steps: int):
    """Full-batch optax training; returns the parameters after ``steps`` (a list of counts)."""
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        updates, state = optimizer.update(jax.grad(loss)(params), state, params)
        return optax.apply_updates(params, updates), state

    out = []
    for t in range(max(steps)):
        params, state = step(params, state)
        if t + 1 in steps:
            out.append(params)
    return out


def report(name: str, obj: sc.Objective, params) -> sc.SOSPCertificate:
    x = np.asarray(ravel_pytree(params)[0])
    t = time.perf_counter()
    cert = sc.certify_sosp(obj, x, eps=EPS, rho=RHO)
    t_cert = time.perf_counter() - t
    t = time.perf_counter()
    rechecked = sc.verify_certificate(cert.to_json())
    t_check = time.perf_counter() - t
    g_lo, g_hi = cert.grad_norm
    l_lo, l_hi = cert.lambda_min
    print(f"{name}: loss {float(loss(params)):.6g}")
    print(f"  ||grad f(x)|| in [{g_lo:.3e}, {g_hi:.3e}]   (eps = {EPS})")
    threshold = -np.sqrt(RHO * EPS)
    print(f"  lambda_min    in [{l_lo:.3e}, {l_hi:.3e}]   (-sqrt(rho eps) = {threshold:.3e})")
    print(f"  eps-SOSP: {cert.holds}  ({cert.reason})")
    print(f"  certified in {t_cert:.1f} s; verify_certificate: {rechecked} ({t_check:.1f} s)")
    return cert, rechecked


def main() -> int:
    with jax.enable_x64(True):  # train in float64; the trace reads the data exactly either way
        params = jax.tree_util.tree_map(jnp.asarray, init_params())
        t = time.perf_counter()
        obj = sc.Objective.from_jax(loss, params)
        took = time.perf_counter() - t
        print(f"traced {obj.dim} parameters {obj.variable_names[:3]}... in {took:.1f} s")
        early, trained = train(params, optax.adam(0.03), [40, 300 if FAST else 600])
        cert_early, ok_early = report("after 40 Adam steps", obj, early)
        cert, ok = report("after training", obj, trained)
    if cert_early.holds is not False:
        print("(40 steps already reached eps: the early checkpoint should not be certified)")
    if cert.holds is not True or cert_early.holds is not False or not (ok and ok_early):
        print("FAILED: the trained point should be a certified eps-SOSP and both certificates "
              "should re-check")  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

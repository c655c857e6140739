"""Issue 15 speed: trace + certify a JAX loss against the size of the model.

A tanh MLP (3 inputs, ``H`` hidden units, 1 output; ``d = 5 H + 1`` parameters)
on 50 data points, at a random point. Columns:

* ``trace``: ``Objective.from_jax`` (jaxpr -> exact expression -> Objective);
* ``grad+hess``: the rigorous ball enclosures of the gradient and Hessian at
  the point (AD over the expression DAG, 53 bits), part of ``certify``;
* ``certify``: ``certify_sosp`` in full (enclosures, verified lambda_min
  bound, and the certificate's stored formula re-read for its domain list);
* baseline, measured in the same run: ``jax.hessian`` (jitted) +
  ``numpy.linalg.eigvalsh``, not rigorous; ``cold`` includes the jit
  compilation (the fair comparison with our one-shot pipeline), ``warm`` is a
  second call.

Run: ``.venv/bin/python benchmarks/bench_jax.py [sizes...]`` (default 10 50 100 200).
"""

from __future__ import annotations

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from _timing import best_of
from jax.flatten_util import ravel_pytree

import saddlecheck as sc

N, IN = 50, 3


def problem(d: int):
    hidden = max(1, round((d - 1) / 5))
    rng = np.random.default_rng(d)
    X = rng.normal(size=(N, IN))
    Y = np.sin(X[:, 0]) + 0.1 * X[:, 1]

    def loss(p):
        h = jnp.tanh(X @ p["W1"] + p["b1"])
        return jnp.mean((h @ p["W2"] + p["b2"] - Y[:, None]) ** 2)

    params = {
        "W1": jnp.asarray(rng.normal(size=(IN, hidden))),
        "b1": jnp.asarray(rng.normal(size=hidden) / 10),
        "W2": jnp.asarray(rng.normal(size=(hidden, 1)) / np.sqrt(hidden)),
        "b2": jnp.zeros(1),
    }
    return loss, params


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def row(d: int) -> tuple:
    with jax.enable_x64(True):
        loss, params = problem(d)
        flat, unravel = ravel_pytree(params)
        x = np.asarray(flat)

        def baseline():
            hess = jax.jit(jax.hessian(lambda v: loss(unravel(v))))
            return np.linalg.eigvalsh(np.asarray(hess(flat)))[0]

        lam_float, cold = timed(baseline)
        hess = jax.jit(jax.hessian(lambda v: loss(unravel(v))))
        hess(flat).block_until_ready()
        warm = best_of(lambda: np.linalg.eigvalsh(np.asarray(hess(flat))))
    obj, t_trace = timed(lambda: sc.Objective.from_jax(loss, params))
    _, t_derivs = timed(lambda: (obj.enclose("grad", x), obj.enclose("hess", x)))
    cert, t_cert = timed(lambda: sc.certify_sosp(obj, x, eps=1e-3, rho=1))
    lo, hi = cert.lambda_min
    assert lo <= lam_float + 1e-9 * (1 + abs(lam_float)) and lam_float - 1e-9 <= hi
    ours = t_trace + t_cert
    return (obj.dim, t_trace, t_derivs, t_cert, ours, cold, warm, ours / cold, ours / warm)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 50, 100, 200]
    head = (
        "d",
        "trace",
        "grad+hess",
        "certify",
        "ours",
        "jax cold",
        "jax warm",
        "x cold",
        "x warm",
    )
    print(f"tanh MLP, {N} data points; seconds (jax = jax.hessian + eigvalsh, not rigorous)")
    print(" ".join(f"{h:>9}" for h in head))
    for d in sizes:
        r = row(d)
        print(
            f"{r[0]:>9d} "
            + " ".join(f"{v:>9.3f}" for v in r[1:7])
            + f" {r[7]:>8.1f}x {r[8]:>8.0f}x"
        )


if __name__ == "__main__":
    main()

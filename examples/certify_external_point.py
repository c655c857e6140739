"""Certify a point that another optimiser returned.

The job: you minimised your own objective with your own optimiser (here a
hand-written numpy Adam, standing in for PyTorch/JAX/scipy) and got a float64
point. Is it an eps-second-order stationary point (eps-SOSP), i.e.

    ||grad f(x)|| <= eps   and   lambda_min(Hess f(x)) >= -sqrt(rho * eps)?

saddlecheck answers with a proof (exact rational arithmetic here: the float
point is read as the rationals it holds), writes a certificate, and re-checks
it with an independent code path. A point stuck at a saddle gets a proof that
it is *not* an eps-SOSP, with the escape direction.

Run:  python examples/certify_external_point.py [--fast]
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np
import sympy

import saddlecheck as sc

FAST = "--fast" in sys.argv or os.environ.get("SADDLECHECK_FAST") == "1"


def rank_one_sensing(d: int = 3, m: int = 6, seed: int = 0) -> sc.Objective:
    """f(u) = 1/(2m) sum_k (<A_k, u u^T> - b_k)^2, with b_k = <A_k, u* u*^T> (u* planted)."""
    rng = np.random.default_rng(seed)
    u = sympy.symbols(f"u1:{d + 1}")
    u_star = rng.integers(-2, 3, size=d)
    terms = []
    for _ in range(m):
        A = rng.integers(-2, 3, size=(d, d))
        A = A + A.T
        b = int(u_star @ A @ u_star)
        quad = sum(int(A[i, j]) * u[i] * u[j] for i in range(d) for j in range(d))
        terms.append((quad - b) ** 2)
    return sc.Objective(sympy.Add(*terms) / (2 * m), variables=u)


def adam(grad, x0, steps: int, lr: float = 0.02, b1: float = 0.9, b2: float = 0.999):
    """Somebody else's optimiser: plain Adam on float64."""
    x = np.array(x0, dtype=float)
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad(x)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-12)
    return x


def report(cert) -> None:
    verdict = {True: "IS", False: "is NOT", None: "undecided whether it is"}[cert.holds]
    print(
        f"  {verdict} an eps-SOSP (eps = {float(cert.eps):g}, rho = {float(cert.rho):.4g}), "
        f"{cert.method} arithmetic"
    )
    print(f"  ||grad f(x)||         in [{cert.grad_norm[0]:.6g}, {cert.grad_norm[1]:.6g}]")
    print(f"  lambda_min(Hess f(x)) in [{cert.lambda_min[0]:.6g}, {cert.lambda_min[1]:.6g}]")
    print(f"  {cert.reason}")


def main() -> int:
    obj = rank_one_sensing()
    steps = 1500 if FAST else 6000
    eps = 1e-3

    # 1. A generic start: Adam finds a minimum. Bound rho over a box around it.
    x = adam(obj.grad, [0.3, -0.2, 0.5], steps)
    box = sc.Box.around([float(v) for v in x], 1 / 2)
    rho = sc.smoothness(obj, box, rel_gap=0.5).rho  # a proved bound; 50% from the attained value
    cert = sc.certify_sosp(obj, x, eps=eps, rho=rho)
    print(f"Adam from a generic start returned x = {np.round(x, 6).tolist()}")
    report(cert)

    # 2. The certificate travels as JSON; anyone re-checks it independently.
    path = os.path.join(tempfile.mkdtemp(), "certificate.json")
    with open(path, "w") as fh:
        fh.write(cert.to_json())
    with open(path) as fh:
        print(f"re-checked from {path}: {sc.verify_certificate(fh.read())}")

    # 3. Started exactly at the saddle u = 0 (gradient 0), Adam never moves.
    stuck = adam(obj.grad, [0.0, 0.0, 0.0], 100)
    bad = sc.certify_sosp(obj, stuck, eps=eps, rho=rho)
    escape = sc.certify_strict_saddle_point(obj, stuck, gamma=sympy.Rational(1, 10))
    print("\nAdam from u = 0 returned x = 0 (the gradient vanishes there)")
    report(bad)
    print("escape direction (proved lambda_min <= -1/10 along it):",
          [float(t) for t in escape.direction])  # fmt: skip

    ok = cert.holds is True and bad.holds is False and escape.holds is True
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

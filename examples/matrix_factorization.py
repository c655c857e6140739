"""The paper's worked example: matrix factorization, from a saddle to a certified minimum.

f(U) = 1/2 ||U U^T - M*||_F^2 with U in R^{d x r} and M* PSD of rank r. The
paper's matrix-factorization section (docs/CLAIMS.md s.4, constants recalled [R])
runs PGDli with

    sqrt(Gamma) = 2 max(||U0||, 3 sqrt(sigma_1)),   ell = 8 Gamma,   rho = 12 sqrt(Gamma),
    eps~ = sigma_r^2 / (108 sqrt(Gamma)),   Delta_f = r Gamma^2 / 2,   beta = 10 sigma_1,

where eps~ = min(theta, gamma^2/rho) for the strict-saddle constants
(theta, gamma) = (sigma_r^(3/2)/24, sigma_r/3). This script checks that
identity symbolically, runs PGDli from U = 0 (a strict saddle: lambda_min =
-2 sigma_1), and certifies the result: PGD's point is an eps~-SOSP (proved)
and the final point has f(U) - f* proved tiny (exact rational arithmetic;
f* = 0). The instance is exact: M* = V* V*^T with rational V*.

Run:  python examples/matrix_factorization.py [--fast]
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import sympy

import saddlecheck as sc
from saddlecheck import problems

FAST = "--fast" in sys.argv or os.environ.get("SADDLECHECK_FAST") == "1"


def _q(v: sympy.Expr) -> Fraction:
    """An exact rational (the constants below are rational for these instances)."""
    v = sympy.nsimplify(v)
    if not v.is_Rational:
        raise ValueError(f"{v} is not rational")
    return Fraction(int(v.p), int(v.q))


def main() -> int:
    d, r = (3, 1) if FAST else (4, 2)
    p = problems.get("matrix-factorization", d=d, r=r, seed=0)
    obj = p.objective
    s1, sr = p.constants["sigma_1"].value, p.constants["sigma_r"].value
    print(f"M* = V* V*^T, U is {d} x {r}, sigma(M*) = {p.options['sigma']} (exact)")

    # The paper's constants for U0 = 0, and the [D] identity eps~ = min(theta, gamma^2/rho).
    sqrt_gamma = 6 * sympy.sqrt(s1)  # 2 max(||U0||, 3 sqrt(sigma_1)) with U0 = 0
    Gamma = sqrt_gamma**2
    ell, rho = 8 * Gamma, 12 * sqrt_gamma
    theta, gamma = sr ** sympy.Rational(3, 2) / 24, sr / 3
    eps = sr**2 / (108 * sqrt_gamma)
    identity = sympy.simplify(sympy.Min(theta, gamma**2 / rho) - eps) == 0
    print(f"Gamma = {Gamma}, ell = 8 Gamma = {ell}, rho = 12 sqrt(Gamma) = {rho} [R]")
    print(f"eps~ = sigma_r^2/(108 sqrt(Gamma)) = {eps}; equals min(theta, gamma^2/rho): {identity}")

    c = 1  # eta = c/ell; the theorem needs c <= c_max, a number the paper does not give
    res = sc.pgd_li(obj, p.x0, eps=_q(eps), beta=_q(10 * s1), ell=_q(ell), rho=_q(rho),
                 delta_f=_q(r * Gamma**2 / 2), c=c, seed=0, local_iter=2000)  # fmt: skip
    print(res.explain())

    start = sc.certify_sosp(obj, p.x0, eps=_q(eps), rho=_q(rho))
    x_tilde = res.local.x0 if res.local is not None else res.x
    mid = sc.certify_sosp(obj, list(x_tilde), eps=_q(eps), rho=_q(rho))
    f_q = obj.exact("value", list(res.x))  # a python-flint fmpq
    f_end = Fraction(int(f_q.p), int(f_q.q))
    print(f"U = 0: eps~-SOSP? {start.holds} (lambda_min <= {start.lambda_min[1]:.4g})")
    print(f"PGD's point: eps~-SOSP? {mid.holds} ({mid.method}); {mid.reason}")
    print(f"after the local phase: f(U) = {float(f_end):.3e} exactly, and f* = 0")
    if p.minima_distance is not None:
        ub = p.minima_distance(sc.Box.around(list(res.x), 0))
        print(f"distance to the set of global minima {{V* R}} <= {float(ub):.3e} (proved)")

    ok = start.holds is False and mid.holds is True and f_end < Fraction(1, 10**12) and identity
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

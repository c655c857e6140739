"""GD vs PGD on the octopus of Du et al. (NeurIPS 2017): exponential vs polynomial.

The octopus chains d strict saddles: leaving the i-th one puts GD next to the
(i+1)-th with that coordinate already shrunk, so each escape takes GD a
constant factor longer than the last (time exponential in d). PGD perturbs
whenever the gradient is small, which restores the escape direction, and goes
through all d in polynomial time. Same start (uniform in [-1, 1]^d, as in Du
et al.), same step eta = c/ell.

ell and rho are proved on Du et al.'s domain (see
saddlecheck.demo.octopus_constants). The final point of PGD is certified an
eps-SOSP by ball arithmetic (the octopus is piecewise, so the certificate is
not independently re-checkable: verify_certificate refuses Piecewise).

Run:  python examples/octopus_race.py [--fast] [--plot race.png]
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import numpy as np
import sympy

import saddlecheck as sc
from saddlecheck import problems
from saddlecheck.demo import octopus_constants

FAST = "--fast" in sys.argv or os.environ.get("SADDLECHECK_FAST") == "1"


def main(argv: list[str]) -> int:
    d = 7 if FAST else 10
    p = problems.get("octopus", d=d)
    obj, f_star = p.objective, float(p.f_star)
    tau = float(sympy.E)
    ell, rho = octopus_constants(rel_gap=0.6 if FAST else 0.3)
    print(f"octopus, d = {d}: f* = {f_star:.6g}; proved ell <= {ell:.4g}, rho <= {rho:.4g}")

    x0 = np.random.default_rng(0).uniform(-1, 1, d)
    eps = Fraction(1, 10)
    common = dict(eps=eps, ell=ell, rho=rho, delta_f=float(obj.value(x0)) - f_star + 1, seed=0)

    def passed(x) -> int:
        """Saddles left behind: coordinates already beyond 2 tau."""
        return int(np.sum(np.abs(np.asarray(x, dtype=float)) > 2 * tau))

    res = sc.pgd(obj, x0, max_iter=200_000, **common)
    print(f"PGD: {res.status} after {res.iterations} iterations, {len(res.perturbations)} "
          f"perturbations, f = {float(res.f):.6g}, {passed(res.x)}/{d} saddles passed")  # fmt: skip

    first_time: dict[int, int] = {}
    budget = (5 if FAST else 10) * res.iterations
    g = sc.gd(obj, x0, max_iter=budget, stop=False, callback_every=10,
           callback=lambda s: first_time.setdefault(passed(s.x), s.t), **common)  # fmt: skip
    print(f"GD:  {budget} iterations ({budget // res.iterations}x PGD's), f = {float(g.f):.6g}, "
          f"{passed(g.x)}/{d} saddles passed")  # fmt: skip
    print("  saddles passed  first iteration (GD, to within 10)")
    for k in sorted(first_time):
        print(f"  {k:>14}  {first_time[k]:>10}")

    cert = sc.certify_sosp(obj, list(res.x), eps=eps, rho=rho)
    print(f"PGD's point is an eps-SOSP: {cert.holds} ({cert.method} arithmetic)")

    if "--plot" in argv:
        from saddlecheck import plot

        fig = plot.race({"GD": g, "PGD": res}, f_star=f_star, title=f"octopus, d = {d}")
        print("figure:", plot.save(fig, argv[argv.index("--plot") + 1]))

    ok = res.status == "terminated" and passed(res.x) == d and passed(g.x) < d and cert.holds
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Check that a new objective is (theta, gamma, zeta)-strict saddle, with a proof.

The job: you have a non-convex objective and want to apply the paper's
corollary (PGD finds a point zeta-close to a local minimum). It needs the
strict-saddle property on the region: every x has ||grad f(x)|| >= theta, or
lambda_min(Hess f(x)) <= -gamma, or lies within zeta of a local minimum.

Here: a two-layer scalar linear network with weight decay,

    f(a, b) = (a b - 1)^2 / 2 + (a^2 + b^2) / 8,

whose origin is a strict saddle (lambda_min = -3/4) and whose minima are
a = b = +-sqrt(3)/2. saddlecheck finds and classifies every critical point in
the box, then proves the property by branch and bound (a covering of the box
by boxes on which one condition is proved), or disproves it with a box on
which all three conditions provably fail.

Run:  python examples/check_strict_saddle.py [--fast] [--plot landscape.png]
"""

from __future__ import annotations

import sys

import saddlecheck as sc

CANDIDATES = [  # (theta, gamma, zeta), read exactly
    ("1/10", "1/2", "3/10"),
    ("1/10", "4/5", "3/10"),  # gamma above |lambda_min| = 3/4 at the saddle: must fail
]


def main(argv: list[str]) -> int:
    plot_path = argv[argv.index("--plot") + 1] if "--plot" in argv else None
    obj = sc.Objective("(a*b - 1)**2/2 + (a**2 + b**2)/8")
    box = sc.Box([(-2, 2), (-2, 2)])

    pts = sc.critical_points(obj, box)
    print(pts.explain())

    reports = {}
    for theta, gamma, zeta in CANDIDATES:
        rep = sc.check_strict_saddle(obj, box, theta, gamma, zeta)
        reports[(theta, gamma, zeta)] = rep
        print()
        print(rep.explain())

    holds = reports[CANDIDATES[0]]
    fails = reports[CANDIDATES[1]]
    if plot_path:
        from saddlecheck import plot

        title = "strict-saddle covering, (theta, gamma, zeta) = (1/10, 1/2, 3/10)"
        fig = plot.landscape(obj, box, critical=pts, covering=holds, title=title)
        print("figure:", plot.save(fig, plot_path))

    kinds = sorted(p.kind for p in pts)
    ok = kinds == ["min", "min", "strict_saddle"] and holds.holds is True and fails.holds is False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

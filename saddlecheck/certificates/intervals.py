"""Intervals with exact ``Fraction`` ends, for the independent certificate checker.

An interval is a pair ``(lo, hi)`` of ``Fraction``; every operation here is
exact, and :func:`round_out` widens ends to dyadics of a given length so that
sizes stay bounded. Nothing here uses python-flint, NumPy or floats: the
checker shares no arithmetic with the producer (README, "What 'certified' means").
"""

from __future__ import annotations

from fractions import Fraction


def round_out(lo: Fraction, hi: Fraction, bits: int) -> tuple[Fraction, Fraction]:
    """Outward rounding to dyadics (keeps the endpoint sizes bounded)."""

    def rnd(q: Fraction, up: bool) -> Fraction:
        if q == 0 or (q.denominator & (q.denominator - 1) == 0 and q.numerator.bit_length() < bits):
            return q
        shift = bits - (abs(q.numerator).bit_length() - q.denominator.bit_length())
        k = q * Fraction(2) ** shift
        n = -((-k.numerator) // k.denominator) if up else k.numerator // k.denominator
        return Fraction(n) * Fraction(2) ** (-shift)

    return rnd(lo, False), rnd(hi, True)


def mul(a: tuple, b: tuple) -> tuple[Fraction, Fraction]:
    """The product of two intervals."""
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(ps), max(ps)


def ldl_pd(H: list[list[tuple]], s: Fraction, bits: int | None) -> bool:
    """Interval ``LDL^T`` (no pivoting) of ``H - s I``: every member positive definite?

    With degenerate intervals and ``bits=None`` (no rounding) this is the exact
    test: ``False`` then proves that ``H - s I`` is not positive definite.
    """
    n = len(H)
    a = [[(lo - s, hi - s) if i == j else (lo, hi) for j, (lo, hi) in enumerate(row)]
         for i, row in enumerate(H)]  # fmt: skip
    for k in range(n):
        d = a[k][k]
        if d[0] <= 0:
            return False
        for i in range(k + 1, n):
            li = mul(a[k][i], (1 / d[1], 1 / d[0]))
            for j in range(i, n):
                p = mul(li, a[k][j])
                a[i][j] = (a[i][j][0] - p[1], a[i][j][1] - p[0])
                if bits is not None:
                    a[i][j] = round_out(*a[i][j], bits)
    return True


def psd_exact(H: list[list[Fraction]], s: Fraction) -> bool:
    """Exact PSD test of ``H - s I`` by ``LDL^T`` with symmetric pivoting."""
    n = len(H)
    a = [[H[i][j] - (s if i == j else 0) for j in range(n)] for i in range(n)]
    idx = list(range(n))
    while idx:
        if any(a[i][i] < 0 for i in idx):
            return False
        k = next((i for i in idx if a[i][i] > 0), None)
        if k is None:
            return all(a[i][j] == 0 for i in idx for j in idx)
        idx.remove(k)
        for i in idx:
            f = a[k][i] / a[k][k]
            for j in idx:
                a[i][j] -= f * a[k][j]
    return True


def sq_lo(g: tuple[Fraction, Fraction]) -> Fraction:
    """``min |t|^2`` over ``t`` in ``g``."""
    lo, hi = g
    if lo <= 0 <= hi:
        return Fraction(0)
    return min(lo * lo, hi * hi)

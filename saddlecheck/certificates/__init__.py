"""Certificates of a point: eps-SOSP (or strict saddle) proved, their JSON form,
and the independent re-check.

* :mod:`~saddlecheck.certificates.certify`: the producer (ball and exact arithmetic);
* :mod:`~saddlecheck.certificates.recheck`: the checker (SymPy and ``mpmath.iv``),
  which shares no code with the producer.
"""

from saddlecheck.certificates.certify import (
    SOSPCertificate,
    StrictSaddleCertificate,
    certify_sosp,
    certify_strict_saddle_point,
)
from saddlecheck.certificates.recheck import verify_certificate

__all__ = [
    "SOSPCertificate",
    "StrictSaddleCertificate",
    "certify_sosp",
    "certify_strict_saddle_point",
    "verify_certificate",
]

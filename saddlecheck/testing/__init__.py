"""The regression guard: the paper's PGD rules and claims, checked on anyone's PGD.

An implementation is a callable ``impl(problem, seed) -> x``. The guard hands
it problems with known answers (rotated, translated double-well landscapes with
exact constants; :mod:`saddlecheck.strategies`) whose ``f`` and ``grad`` record
every query, reconstructs the run (iterates, perturbations, the returned
point) and checks black-box properties (certified eps-SOSP, escape from an
exact saddle, ``||grad|| <= g_thres`` at the return) and trace properties
(descent, the perturbation and window rules, the radius law, the return of
``x_tilde``, the claims of docs/CLAIMS.md section 3 that a run can show).
saddlecheck's own PGD is checked as :func:`saddlecheck_stepper` (its
Algorithm 2 on the recorded callables) and :func:`saddlecheck_pgd` (the public
``pgd`` on the exact objective: black-box only).

Entry points: :func:`check_pgd` (``replay=case.json`` runs a saved failure
again); ``python -m saddlecheck.testing mypkg.module:impl``; ``pytest
--saddlecheck-pgd mypkg.module:impl`` (one pytest test per property). PyTorch
and JAX code is guarded as it is through :func:`torch_optimizer`,
:func:`optax_transform`, :func:`torch_function` and :func:`jax_function`.

The names below are loaded on first use (PEP 562), so that importing the
pytest plugin (:mod:`saddlecheck.testing.plugin`) stays cheap.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "GUARD_SEED": "_guard",
    "Guard": "_guard",
    "GuardReport": "_guard",
    "PropertyResult": "_guard",
    "check_pgd": "_guard",
    "PROFILES": "_cases",
    "Profile": "_cases",
    "Component": "_landscapes",
    "Landscape": "_landscapes",
    "BudgetExceeded": "_problem",
    "GuardCase": "_problem",
    "GuardProblem": "_problem",
    "NAMES": "_properties",
    "PROPERTIES": "_properties",
    "Property": "_properties",
    "saddlecheck_pgd": "_adapters",
    "saddlecheck_stepper": "_adapters",
    "jax_function": "_frameworks",
    "optax_transform": "_frameworks",
    "torch_function": "_frameworks",
    "torch_optimizer": "_frameworks",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"saddlecheck.testing.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'saddlecheck.testing' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))

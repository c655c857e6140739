"""PyTorch and JAX implementations guarded as they are (issue 12), with the real libraries.

A ``torch.optim.Optimizer`` subclass (``step(closure)``), an optax
``GradientTransformation`` and plain functions on tensors/arrays
(tests/guard_frameworks.py) pass every per-run property from a generic point,
an exact minimum and a strict saddle in float64; in the frameworks' float32
default the guard's ``float64`` property fails with the cause named. These
tests run wherever ``saddlecheck[torch]`` / ``saddlecheck[jax]`` are installed
and are skipped (with the reason) elsewhere.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from saddlecheck.testing import (
    PROPERTIES,
    Guard,
    check_pgd,
    jax_function,
    optax_transform,
    torch_function,
    torch_optimizer,
)
from saddlecheck.testing._cases import PINNED, PROFILES
from saddlecheck.testing._landscapes import Component, Landscape
from saddlecheck.testing._problem import GuardCase
from saddlecheck.testing._replay import FORMAT, case_to_dict

_H = Fraction(1, 2)
SMALL = Landscape(
    (Component("well", (Fraction(1), Fraction(1))), Component("quadratic", (Fraction(1), _H))),
    skew=(1,), center=(Fraction(1, 3), Fraction(-2)), offset=Fraction(1, 2),
)  # fmt: skip
CASES = {
    "generic point (x ~ 1000)": GuardCase(PINNED, "point", (_H, Fraction(2)), c=Fraction(3, 4)),
    "minimum": GuardCase(SMALL, "minimum", c=Fraction(3, 4), seed=2),
    "strict saddle": GuardCase(SMALL, "saddle", c=Fraction(3, 4), seed=3),
}


def _holds_everywhere(impl) -> None:
    guard = Guard(impl, "quick", cases_dir=False)
    for label, case in CASES.items():
        for prop in PROPERTIES:
            if prop.cases == "sampler" or (prop.cases == "saddle") != (case.start == "saddle"):
                continue
            v = guard._evaluate(prop, case, PROFILES["quick"])
            assert v.holds is not False, f"{guard.name}, {label}, {prop.name}: {v.explain()}"
            if prop.name in ("terminates", "float64", "return-rule", "radius", "escape"):
                assert v.holds is True, f"{guard.name}, {label}, {prop.name}: {v.explain()}"


def _float32_reported(impl) -> None:
    case = {"format": FORMAT, "property": "float64", "profile": "quick",
            "case": case_to_dict(CASES["minimum"])}  # fmt: skip
    rep = check_pgd(impl, replay=case, cases_dir=False)
    res = rep.results[0]
    assert res.failed and res.cause.startswith("float32 arithmetic"), rep.explain()


def test_torch_optimizer_subclass():
    torch = pytest.importorskip("torch", reason="PyTorch not installed (saddlecheck[torch])")
    from guard_frameworks import TorchPGD

    _holds_everywhere(torch_optimizer(TorchPGD, dtype=torch.float64))
    assert torch.get_default_dtype() == torch.float32
    _float32_reported(torch_optimizer(TorchPGD))  # torch's default dtype


def test_torch_plain_function():
    torch = pytest.importorskip("torch", reason="PyTorch not installed (saddlecheck[torch])")
    from guard_frameworks import torch_plain

    _holds_everywhere(torch_function(torch_plain, dtype=torch.float64))
    _float32_reported(torch_function(torch_plain))


def test_optax_gradient_transformation():
    pytest.importorskip("jax", reason="JAX not installed (saddlecheck[jax])")
    pytest.importorskip("optax", reason="optax not installed (saddlecheck[jax])")
    from guard_frameworks import pgd_transform

    _holds_everywhere(optax_transform(pgd_transform, dtype="float64"))
    _float32_reported(optax_transform(pgd_transform))  # JAX's default: x64 disabled


def test_jax_plain_function():
    pytest.importorskip("jax", reason="JAX not installed (saddlecheck[jax])")
    from guard_frameworks import jax_plain

    _holds_everywhere(jax_function(jax_plain, dtype="float64"))


def test_adapter_names_and_bad_class():
    torch = pytest.importorskip("torch", reason="PyTorch not installed (saddlecheck[torch])")
    from guard_frameworks import TorchPGD

    from saddlecheck import InputError

    assert torch_optimizer(TorchPGD).__name__ == "torch_optimizer(TorchPGD)"
    with pytest.raises(InputError, match="Optimizer subclass"):
        torch_optimizer(TorchPGD(  # an instance, not the class
            [torch.zeros(1, requires_grad=True)], ell=1.0, rho=1.0, eps=0.1, c=0.5,
            delta=0.1, delta_f=1.0, dim=1))  # fmt: skip


def test_float32_tensors_handed_to_the_numpy_problem_are_reported():
    """Without an adapter: torch float32 tensors passed to ``problem.grad`` directly."""
    torch = pytest.importorskip("torch", reason="PyTorch not installed (saddlecheck[torch])")

    def impl(problem, seed):
        x = torch.tensor(problem.x0, dtype=torch.float32)
        for _ in range(5):
            x = x - 0.1 * torch.as_tensor(problem.grad(x), dtype=torch.float32)
        return x.numpy()

    _float32_reported(impl)

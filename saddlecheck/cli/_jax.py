"""``saddlecheck certify --jax MODULE:FN``: certify the parameters a JAX run returned.

``FN`` takes no arguments and returns ``(loss, params)``: the loss as a
function of one pytree of float arrays, and the parameters (e.g. what the
training returned). The objective is ``Objective.from_jax(loss, params)``; the
point is ``params`` flattened in JAX's order unless ``--point`` is given.
"""

from __future__ import annotations

from fractions import Fraction

from saddlecheck._validation import InputError
from saddlecheck.cli._inputs import Target
from saddlecheck.objective import Objective


def jax_target(args) -> Target:
    """The traced objective; sets ``args.point`` to the flattened params when not given."""
    from saddlecheck.frontends.jax_trace import import_jax
    from saddlecheck.testing._load import load_impl

    if args.expr is not None:
        raise InputError(f"give either EXPR ({args.expr!r}) or --jax {args.jax}, not both")
    try:
        jax = import_jax()
    except ImportError as exc:
        raise InputError(str(exc)) from None
    from jax.flatten_util import ravel_pytree

    factory = load_impl(args.jax)
    try:
        made = factory()
    except Exception as exc:  # the user's code: any failure is bad input
        raise InputError(
            f"--jax {args.jax}: calling it raised {type(exc).__name__}: {exc}"
        ) from exc
    if not (isinstance(made, tuple) and len(made) == 2 and callable(made[0])):
        raise InputError(
            f"--jax {args.jax} must name a function of no arguments returning (loss, params); "
            f"it returned {type(made).__name__}"
        )
    loss, params = made
    obj = Objective.from_jax(loss, params)
    if args.point is None:
        with jax.enable_x64(True):
            flat = ravel_pytree(params)[0]
        args.point = ",".join(str(Fraction(float(v))) for v in flat.tolist())
    return Target(obj, f"--jax {args.jax}")

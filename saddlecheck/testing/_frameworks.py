"""PyTorch and JAX implementations guarded as they are, without hand conversion.

Each adapter turns framework code into the guard's ``impl(problem, seed) -> x``:

* :func:`torch_optimizer` (a ``torch.optim.Optimizer`` subclass): the guard owns
  the loop ``optimizer.step(closure)``; the closure asks the instrumented ``f``
  and ``grad`` at the parameter, sets ``param.grad`` and returns the loss.
* :func:`optax_transform` (a factory of an optax ``GradientTransformation``): the
  guard owns the loop ``tx.update(grads, state, params, value=f(params))`` then
  ``optax.apply_updates``.
* :func:`torch_function`, :func:`jax_function` (a plain PGD written with tensors
  or arrays): ``problem.f``, ``problem.grad`` take and return tensors/arrays
  of the caller's dtype, ``problem.x0`` is one.

The hyper-parameters an optimizer needs are the problem's: every name among
``ell, rho, eps, c, delta, delta_f, dim, max_iter`` that the constructor or
factory accepts is passed, plus ``seed`` (or a ``generator``/``key`` made from
it). Termination (Algorithm 2's ``return x_tilde``) is read after each step: the
optimizer sets ``done`` (an attribute, an entry of ``optimizer.state[param]`` or
of the param group; for optax a field of the state, found with
``optax.tree_utils.tree_get``) and either writes ``x_tilde`` back into the
parameter or exposes it under ``x_tilde``. The dtype is the framework's
default (float32 for both unless changed): the guard's ``float64`` property
reports it, as it would in the user's own code; pass ``dtype`` to choose.
Every ``f``/``grad`` call goes through the guard's recorder.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from saddlecheck._validation import InputError

_CONSTANTS = ("ell", "rho", "eps", "c", "delta", "delta_f", "dim", "max_iter")


def _kwargs(target: Callable, problem, seed: int, hyper: dict, rng: dict) -> dict:
    """The problem's constants and the seed, for the names ``target`` accepts."""
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return dict(hyper)
    names = set(sig.parameters)
    var_kw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    out = {n: getattr(problem, n) for n in _CONSTANTS if var_kw or n in names}
    for name, make in rng.items():
        if name in names or (var_kw and name == "seed"):
            out[name] = make(seed)
    out.update(hyper)
    return out


def _as_numpy(x) -> np.ndarray:
    """A tensor/array as numpy, keeping its dtype (detached, on the CPU)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
    return np.asarray(x)


def _lookup(obj, name: str, places) -> object:
    for place in places:
        try:
            value = place()
        except (AttributeError, KeyError, IndexError, TypeError):
            continue
        if value is not None:
            return value
    return None


def _named(impl: Callable, name: str) -> Callable:
    impl.__name__ = impl.__qualname__ = name  # reports say which adapter ran what
    return impl


def torch_optimizer(
    cls, *, dtype=None, done: str = "done", x_tilde: str = "x_tilde", **hyper
) -> Callable:
    """The guard's ``impl`` for a ``torch.optim.Optimizer`` subclass implementing PGD.

    Args:
        cls: the optimizer class, built as ``cls([param], **kwargs)`` with the
            problem's constants its ``__init__`` accepts (see module docstring),
            ``seed=`` or ``generator=`` (a seeded ``torch.Generator``), and ``hyper``.
        dtype: the parameter's dtype (default ``torch.get_default_dtype()``).
        done, x_tilde: the names under which the optimizer reports termination
            and ``x_tilde`` (attribute, ``optimizer.state[param]`` or param group).
        **hyper: fixed keyword arguments for ``cls``.

    Returns:
        ``impl(problem, seed) -> x`` running ``optimizer.step(closure)`` until
        ``done``, at most ``problem.max_iter`` times.
    """
    if not isinstance(cls, type):
        raise InputError(f"cls={cls!r} must be a torch.optim.Optimizer subclass")

    def impl(problem, seed):
        import torch

        dt = dtype or torch.get_default_dtype()
        param = torch.nn.Parameter(torch.tensor(np.asarray(problem.x0), dtype=dt))
        rng = {"seed": int, "generator": lambda s: torch.Generator().manual_seed(int(s))}
        opt = cls([param], **_kwargs(cls, problem, seed, hyper, rng))

        def closure():
            x = _as_numpy(param)
            value = problem.f(x)
            param.grad = torch.as_tensor(np.asarray(problem.grad(x)), dtype=param.dtype)
            return torch.as_tensor(value, dtype=param.dtype)

        def flag(name):
            return _lookup(opt, name, (
                lambda: getattr(opt, name), lambda: opt.state[param][name],
                lambda: opt.param_groups[0][name],
            ))  # fmt: skip

        for _ in range(problem.max_iter):
            opt.step(closure)
            if bool(flag(done)):
                xt = flag(x_tilde)
                return _as_numpy(param if xt is None else xt)
        raise RuntimeError(f"the optimizer never set {done!r} within max_iter={problem.max_iter}")

    return _named(impl, f"torch_optimizer({cls.__name__})")


def optax_transform(
    factory: Callable, *, dtype=None, done: str = "done", x_tilde: str = "x_tilde", **hyper
) -> Callable:
    """The guard's ``impl`` for an optax ``GradientTransformation`` implementing PGD.

    Args:
        factory: returns the transformation; called with the problem's constants
            it accepts, ``seed=`` or ``key=`` (a ``jax.random.PRNGKey``), and ``hyper``.
            A transformation itself (no constants) is also accepted.
        dtype: the parameters' dtype (default: JAX's default float, float32
            unless ``jax_enable_x64``); ``"float64"`` runs inside ``jax.enable_x64``.
        done, x_tilde: names of the state fields (``optax.tree_utils.tree_get``)
            reporting termination and ``x_tilde``.
        **hyper: fixed keyword arguments for ``factory``.

    Returns:
        ``impl(problem, seed) -> x``: ``updates, state = tx.update(grad f(x), state, x,
        value=f(x))``, stop when ``done``, else ``x = optax.apply_updates(x, updates)``.
    """

    def impl(problem, seed):
        import jax

        if dtype is not None and np.dtype(dtype) == np.float64:
            with jax.enable_x64(True):
                return _optax_run(factory, problem, seed, np.float64, done, x_tilde, hyper)
        return _optax_run(factory, problem, seed, dtype, done, x_tilde, hyper)

    return _named(impl, f"optax_transform({getattr(factory, '__name__', 'tx')})")


def _optax_run(factory, problem, seed, dtype, done, x_tilde, hyper):
    import jax
    import jax.numpy as jnp
    import optax

    dt = jnp.asarray(0.0).dtype if dtype is None else np.dtype(dtype)
    rng = {"seed": int, "key": lambda s: jax.random.PRNGKey(int(s))}
    tx = (
        factory
        if hasattr(factory, "update")
        else factory(**_kwargs(factory, problem, seed, hyper, rng))
    )
    tx = optax.with_extra_args_support(tx)
    params = jnp.asarray(np.asarray(problem.x0), dtype=dt)
    state = tx.init(params)
    for _ in range(problem.max_iter):
        x = _as_numpy(params)
        value = problem.f(x)
        grads = jnp.asarray(np.asarray(problem.grad(x)), dtype=params.dtype)
        updates, state = tx.update(grads, state, params, value=jnp.asarray(value, params.dtype))
        if bool(optax.tree_utils.tree_get(state, done, False)):
            xt = optax.tree_utils.tree_get(state, x_tilde, None)
            return _as_numpy(params if xt is None else xt)
        params = optax.apply_updates(params, updates)
    raise RuntimeError(f"the transformation never set {done!r} within max_iter={problem.max_iter}")


class _FrameworkProblem:
    """The guard's problem with ``f``/``grad`` speaking tensors or arrays of one dtype."""

    def __init__(self, problem, to_framework, x0):
        self._problem, self._to = problem, to_framework
        self.x0 = x0

    def __getattr__(self, name):
        return getattr(self._problem, name)

    def f(self, x):
        """``f(x)`` as a 0-d tensor/array of ``x``'s dtype (recorded)."""
        arr = _as_numpy(x)
        return self._to(np.asarray(self._problem.f(arr)), arr.dtype)

    def grad(self, x):
        """``grad f(x)`` as a tensor/array of ``x``'s dtype (recorded)."""
        arr = _as_numpy(x)
        return self._to(np.asarray(self._problem.grad(arr)), arr.dtype)


def torch_function(fn: Callable, *, dtype=None) -> Callable:
    """The guard's ``impl`` for ``fn(problem, seed)`` written with torch tensors.

    ``problem.x0`` is a tensor of ``dtype`` (default ``torch.get_default_dtype()``);
    ``problem.f(x)`` and ``problem.grad(x)`` take tensors and return tensors of
    ``x``'s dtype; ``fn`` returns a tensor (or anything numpy can read).
    """

    def impl(problem, seed):
        import torch

        dt = dtype or torch.get_default_dtype()
        x0 = torch.tensor(np.asarray(problem.x0), dtype=dt)

        def to(a, np_dtype):
            return torch.from_numpy(np.array(a, dtype=np_dtype))

        return _as_numpy(fn(_FrameworkProblem(problem, to, x0), seed))

    return _named(impl, f"torch_function({getattr(fn, '__name__', 'fn')})")


def jax_function(fn: Callable, *, dtype=None) -> Callable:
    """The guard's ``impl`` for ``fn(problem, seed)`` written with ``jax.numpy`` arrays.

    ``problem.x0`` is an array of ``dtype`` (default: JAX's default float;
    ``"float64"`` runs inside ``jax.enable_x64``); ``problem.f`` and ``problem.grad``
    take and return arrays of ``x``'s dtype. They call back into Python, so use
    them outside ``jax.jit`` (a traced call raises, and the guard reports it).
    """

    def impl(problem, seed):
        import jax
        import jax.numpy as jnp

        def run():
            dt = jnp.asarray(0.0).dtype if dtype is None else np.dtype(dtype)
            x0 = jnp.asarray(np.asarray(problem.x0), dtype=dt)

            def to(a, np_dtype):
                return jnp.asarray(np.array(a, dtype=np_dtype))

            return _as_numpy(fn(_FrameworkProblem(problem, to, x0), seed))

        if dtype is not None and np.dtype(dtype) == np.float64:
            with jax.enable_x64(True):
                return run()
        return run()

    return _named(impl, f"jax_function({getattr(fn, '__name__', 'fn')})")

"""Front ends that turn code from other frameworks into an :class:`~saddlecheck.Objective`.

* :mod:`~saddlecheck.frontends.jax_trace`: ``Objective.from_jax(fn, params)``
  reads a JAX function's jaxpr as an exact symbolic expression (optional extra
  ``saddlecheck[jax]``; nothing here imports jax until it is called).
"""

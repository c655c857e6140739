"""Executors for the landscape searches: local processes or a Dask cluster.

:func:`~saddlecheck.landscape.critical.critical_points` and
:func:`~saddlecheck.landscape.strict_saddle.check_strict_saddle` take any
``concurrent.futures.Executor``; the supported cluster engine is Dask
(``dask.distributed``, the optional extra ``saddlecheck[dask]``): pass
``Client("tcp://host:8786").get_executor()``. :func:`open_executor` builds
either kind from the command line's ``--workers N`` / ``--scheduler ADDRESS``
and turns an unreachable scheduler into an :class:`InputError`.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from saddlecheck._validation import InputError, check_int, check_positive

__all__ = ["open_executor"]


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None, *, timeout: float = 5.0
) -> Iterator[Executor | None]:
    """An executor for the landscape searches, closed on exit.

    Args:
        workers: ``N`` local worker processes (a ``ProcessPoolExecutor`` started
            by a fork server, so a caller that has started threads, e.g. by
            importing JAX, is never forked mid-flight);
            ``None`` and no ``scheduler``: ``None`` (run in this process).
        scheduler: the address of a running Dask scheduler, e.g.
            ``"tcp://10.0.0.5:8786"``; its workers do the work through
            ``client.get_executor()``.
        timeout: seconds to wait for the scheduler to answer.

    Raises:
        InputError: both ``workers`` and ``scheduler``; ``workers < 1``; Dask
            not installed; the scheduler unreachable within ``timeout``.

    Examples:
        >>> with open_executor() as ex:
        ...     ex is None
        True
    """
    if workers is not None and scheduler is not None:
        raise InputError(
            f"workers={workers!r} and scheduler={scheduler!r}: give one (local processes "
            "or an existing Dask scheduler)"
        )
    if scheduler is None:
        if workers is None:
            yield None
            return
        n = check_int("workers", workers, minimum=1)
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(n, mp_context=context) as pool:
            yield pool
        return
    seconds = float(check_positive("timeout", timeout))
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError(
            f"scheduler={scheduler!r} needs Dask: pip install 'saddlecheck[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=seconds)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise InputError(
            f"scheduler={scheduler!r} is unreachable within {seconds:g} s ({exc}); start it "
            "with 'dask scheduler' or check the address (like tcp://host:8786)"
        ) from None
    try:
        yield client.get_executor()
    finally:
        client.close()

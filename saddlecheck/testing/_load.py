"""Find the implementation named on a command line: ``mypkg.module:impl`` or ``file.py:impl``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from saddlecheck._validation import InputError


def load_impl(target: str) -> Callable:
    """The callable ``impl`` named by ``target`` (``module.path:attr`` or ``file.py:attr``).

    Raises:
        InputError: malformed target, module or attribute not found, not callable.
    """
    if not isinstance(target, str) or ":" not in target:
        raise InputError(
            f"target={target!r} must look like 'mypkg.module:impl' or 'path/to/file.py:impl'"
        )
    where, _, attr = target.rpartition(":")
    if where.endswith(".py"):
        path = Path(where).resolve()
        if not path.is_file():
            raise InputError(f"no file {where!r} (from target {target!r})")
        name = f"_saddlecheck_impl_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.parent))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(path.parent))
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise InputError(f"cannot import {where!r} (from target {target!r}): {exc}") from None
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InputError(f"{where!r} has no attribute {attr!r} (target {target!r})")
        obj = getattr(obj, part)
    if not callable(obj):
        raise InputError(f"{target!r} is {type(obj).__name__}, not a callable impl(problem, seed)")
    return obj

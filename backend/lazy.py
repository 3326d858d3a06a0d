"""Packages that import each of their names from its module on first use (PEP 562): a command loads only the
modules it needs (`vxi validate` builds the whole command line, and must not load the embedding's numpy)."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def names_on_first_use(package: str, where: dict[str, str], namespace: dict) -> Callable[[str], object]:
    """A module `__getattr__` for `package`: a name's module (`where[name]`, inside the package) is imported when
    the name is first asked for, and the name then kept in `namespace` (the package's globals)."""

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        namespace[name] = value
        return value

    return __getattr__

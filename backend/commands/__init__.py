"""Subcommands of `vxi`: each module here has `register(subparsers)` and is found automatically."""

from __future__ import annotations

import importlib
import pkgutil


def command_modules() -> list:
    """Every command module of this package, in name order."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)]

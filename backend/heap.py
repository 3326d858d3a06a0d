"""Giving freed memory back to the system: after reading a large document, the C allocator keeps the pages that
the parsers (the reading's and the schema-check thread's) freed, and the objects made next do not reuse them."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    """glibc's malloc_trim, or None elsewhere (musl, macOS: nothing to do)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def give_back() -> bool:
    """Return the free pages of every C heap to the system (a few ms); True when something was returned."""
    trim = _trim()
    return bool(trim(0)) if trim is not None else False

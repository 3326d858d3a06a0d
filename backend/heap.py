"""Freed memory given back to the system: after a large reading, glibc keeps the heap pages its parsers freed (the
strict check's worker thread in an arena of its own), which the objects made next would not all reuse."""

from __future__ import annotations

import ctypes


def release_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing to do)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass

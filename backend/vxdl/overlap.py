"""Reading a large file on two cores: the strict XSD check runs in a worker thread (lxml releases the
GIL while libxml2 validates) while the model is built, and the garbage collector waits for the end."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from lxml import etree

from backend.vxdl.schema import strict_schema

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vxdl-xsd")
_lock = threading.Lock()  # one validation at a time per schema object


def _strictly_valid(tree: etree._Element) -> bool:
    with _lock:
        return strict_schema().validate(tree)


def check_strict_order(root: etree._Element) -> Future[bool]:
    """Start checking a parsed document against VXDL 2.0's strict XSD; the future says whether it passed.
    The tree must not change until then (reading it, and making lxml proxies, is fine)."""
    try:
        return _pool.submit(_strictly_valid, root)
    except RuntimeError:  # the interpreter is shutting down (an atexit save, say): check here instead
        done: Future[bool] = Future()
        done.set_result(_strictly_valid(root))
        return done


@contextmanager
def gc_paused() -> Iterator[None]:
    """No collection while a model of many objects is built (none of them is garbage yet)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

"""Netlink sockets into namespaces (pyroute2), reused within `batch()`, and the error they raise."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class KernelError(RuntimeError):
    """A kernel operation that failed: says what was attempted, where, and the kernel's reason."""


_local = threading.local()


@contextmanager
def batch() -> Iterator[None]:
    """Within this block, one netlink socket per namespace is kept open and reused (much faster
    for many operations); they are closed when the block ends."""
    if getattr(_local, "handles", None) is not None:
        yield
        return
    _local.handles = {}
    try:
        yield
    finally:
        handles, _local.handles = _local.handles, None
        for handle in handles.values():
            handle.close()


def _open(ns: str | None):
    from pyroute2 import IPRoute, NetNS

    return NetNS(ns) if ns else IPRoute()


@contextmanager
def _netlink(ns: str | None) -> Iterator:
    handles = getattr(_local, "handles", None)
    if handles is not None:
        if ns not in handles:
            handles[ns] = _open(ns)
        yield handles[ns]
        return
    handle = _open(ns)
    try:
        yield handle
    finally:
        handle.close()


def _forget_handle(ns: str) -> None:
    handles = getattr(_local, "handles", None)
    if handles and ns in handles:
        handles.pop(ns).close()


def _fail(what: str, ns: str | None, exc: Exception) -> KernelError:
    where = f" in namespace {ns}" if ns else ""
    reason = getattr(exc, "args", [exc])
    text = reason[1] if len(reason) > 1 and isinstance(reason[1], str) else str(exc)
    return KernelError(f"{what}{where}: {text}")


def _index(handle, ns: str | None, ifname: str) -> int:
    found = handle.link_lookup(ifname=ifname)
    if not found:
        raise KernelError(f"no interface {ifname}" + (f" in namespace {ns}" if ns else ""))
    return found[0]



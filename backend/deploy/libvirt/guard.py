"""Every libvirt call to a real host runs with a deadline, so that no command waits on a host that stopped
answering (a frozen libvirtd, a network that swallows packets). One guard per host (per URI, in the whole
process) runs each call in a worker thread and gives it up after `call_seconds()`; after one call was given
up, the host counts as unreachable and every later call to it fails at once with the same one-line sentence
naming the host, instead of piling more blocked threads, until the call that hung returns with an answer, or,
when it returns with an error (libvirt's keep-alive closed the connection, the daemon died), until a probe of
the host (a connection opened in one thread) has its answer. libvirt's keep-alive stays a second line where
its event loop runs. Long operations (a migration job, a guest's boot) keep their own deadlines."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from backend.deploy.base import DeployError

CALL_SECONDS = 30.0
HOW = "its libvirtd is stopped or the network to it is down"


class HostUnreachable(DeployError):
    """A host that did not answer a call within its deadline (or had not answered an earlier one)."""

    def __init__(self, host_id: str, reason: str):
        super().__init__(f"host {host_id}: {reason}", host_id, "unreachable")
        self.reason = reason  # "no answer from URI within N s (...)"


def call_seconds() -> float:
    """How long one call to a real host may take (VXI_CALL_TIMEOUT, 30 s by default)."""
    try:
        value = float(os.environ.get("VXI_CALL_TIMEOUT", CALL_SECONDS))
    except ValueError:
        return CALL_SECONDS
    return value if value > 0 else CALL_SECONDS


class HostGuard:
    """The calls to one host (one URI): each with a deadline; none while an earlier one hangs."""

    def __init__(self, uri: str, probe: Callable[[], object] | None = None):
        self.uri = uri
        self.probe = probe  # asks the host anew (a connection opened and closed): see `_returned`
        self._lock = threading.Lock()
        self.hanging = 0  # calls given up that have not returned yet (and a probe on its way)
        self.reason = ""
        self.since = 0.0

    @property
    def unreachable(self) -> bool:
        """True while a call given up on has not returned."""
        return self.hanging > 0

    def run(self, host_id: str, call: Callable[[], object], seconds: float | None = None,
            late: Callable[[object], None] | None = None):
        """`call()`'s result or exception, in a worker thread; HostUnreachable when it has not returned after
        `seconds` (call_seconds() by default), or at once while an earlier call hangs. What a given-up call
        returns later goes to `late` (a connection to close)."""
        seconds = call_seconds() if seconds is None else seconds
        with self._lock:
            if self.hanging:
                raise HostUnreachable(host_id, self.reason)
        done = threading.Event()
        outcome: list = []
        gave_up = [False]

        def work() -> None:
            try:
                result = call()
            except BaseException as exc:  # handed to the caller
                result = exc
            with self._lock:
                if not gave_up[0]:
                    outcome.append(result)
                    done.set()
                    return
            self._returned(result)
            if late is not None and not isinstance(result, BaseException):
                late(result)

        threading.Thread(target=work, name=f"vxi-host-{host_id}", daemon=True).start()
        done.wait(seconds)
        with self._lock:
            if not outcome:
                gave_up[0] = True
                self.hanging += 1
                if self.hanging == 1:
                    self.reason, self.since = f"no answer from {self.uri} within {seconds:g} s ({HOW})", time.time()
                raise HostUnreachable(host_id, self.reason)
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def lost(self, reason: str) -> None:
        """The host's connection was closed under a call, or an ssh call to it had no answer (remote.py):
        unreachable (`reason`) until a probe is answered (at once for a daemon that refuses, when it answers for
        a silent one). Nothing without a probe."""
        with self._lock:
            if self.hanging or self.probe is None:
                return
            self.hanging, self.reason, self.since = 1, reason, time.time()
        threading.Thread(target=self._probe, name=f"vxi-probe-{self.uri}", daemon=True).start()

    def _returned(self, result: object) -> None:
        """A call given up on has returned. With an answer the host answers again; with an error (libvirt's
        keep-alive closed the connection of a host still silent, or its daemon died) the host stays
        unreachable until a probe has its answer, in one thread, so that the next call does not wait its
        deadline again on a host still silent."""
        if isinstance(result, BaseException) and self.probe is not None:
            threading.Thread(target=self._probe, name=f"vxi-probe-{self.uri}", daemon=True).start()
            return
        with self._lock:
            self.hanging -= 1

    def _probe(self) -> None:
        try:
            self.probe()
        except Exception:  # an answer too (a daemon that refuses): calls then fail at once by themselves
            pass
        finally:
            with self._lock:
                self.hanging -= 1


_guards: dict[str, HostGuard] = {}
_registry = threading.Lock()


def guard_of(uri: str) -> HostGuard:
    """The one guard of a host's URI in this process."""
    with _registry:
        if uri not in _guards:
            _guards[uri] = HostGuard(uri, lambda: _open_and_close(uri))
        return _guards[uri]


def _open_and_close(uri: str) -> None:
    import libvirt

    libvirt.open(uri).close()


def connection_closed(conn) -> bool:
    """True when a connection is closed (its daemon died, or keep-alive gave up on it)."""
    try:
        return not conn.isAlive()
    except Exception:
        return True


def is_unreachable(uri: str) -> bool:
    """True while a call to this URI hangs (given up on, not returned yet)."""
    found = _guards.get(uri)
    return found is not None and found.unreachable


LOCAL = frozenset({"name", "UUID", "UUIDString", "ID", "connect", "isAlive", "getURI", "c_pointer"})


def _unwrap(value):
    if isinstance(value, Guarded):
        return value.raw
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


class Guarded:
    """A libvirt connection, domain, network, storage pool, volume or stream of a real host whose calls go through
    the host's guard (a stream's every send and receive too); the objects they return are guarded too. `raw` is
    the libvirt object itself (for a call with its own deadline: a migration job)."""

    __slots__ = ("guard", "host_id", "raw")

    def __init__(self, raw, host_id: str, guard: HostGuard):
        self.raw, self.host_id, self.guard = raw, host_id, guard

    def __getattr__(self, name: str):
        value = getattr(self.raw, name)
        if name in LOCAL or name.startswith("_") or not callable(value):
            return value

        def call(*args, **kwargs):
            import libvirt

            args = tuple(_unwrap(a) for a in args)
            kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
            alive = [False]

            def work():
                alive[0] = self._alive()  # (in the guarded thread: under the call's deadline too)
                return value(*args, **kwargs)

            try:
                return self._wrap(self.guard.run(self.host_id, work))
            except libvirt.libvirtError as exc:
                if alive[0]:  # a call on a connection closed before it (kept by a sampler or a watch from before
                    self._closed(exc)  # a freeze) says nothing new about the host: only one that saw it close
                raise

        call.__name__ = name
        return call

    def _connection(self):
        """The libvirt connection this object belongs to (None when it cannot be told)."""
        try:
            return self.raw if hasattr(self.raw, "isAlive") else self.raw.connect()
        except Exception:
            return None

    def _alive(self) -> bool:
        conn = self._connection()
        return conn is not None and not connection_closed(conn)

    def _closed(self, exc) -> None:
        """After a failed call on a connection open when it began: when the call closed it (libvirt's keep-alive
        gave up on a silent host, or the daemon died), the host counts as unreachable until a probe of it is
        answered."""
        conn = self._connection()
        if conn is None or connection_closed(conn):
            self.guard.lost(f"the connection to {self.guard.uri} was lost ({exc.get_error_message()})")

    def guarded(self, action: Callable[[object], object], extra_seconds: float = 0.0):
        """`action(raw)` through the guard, with `extra_seconds` more than a call's deadline (an agent command
        that has its own time limit on the host)."""
        return self._wrap(self.guard.run(self.host_id, lambda: action(self.raw), call_seconds() + extra_seconds))

    def _wrap(self, value):
        import libvirt

        if isinstance(value, libvirt.virDomain | libvirt.virNetwork | libvirt.virConnect | libvirt.virStoragePool
                      | libvirt.virStorageVol | libvirt.virStream):
            return Guarded(value, self.host_id, self.guard)
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._wrap(v) for v in value)
        return value

    def __repr__(self) -> str:
        return f"<guarded {self.raw!r} on {self.host_id}>"


def raw(obj):
    """The libvirt object behind a guarded one (itself otherwise)."""
    return obj.raw if isinstance(obj, Guarded) else obj

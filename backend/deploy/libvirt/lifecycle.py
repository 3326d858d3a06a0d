"""Domain lifecycle events from libvirt (started, stopped, crashed...), for a watcher that wants to know at
once instead of at its next status poll, and the event loop that carries them.

libvirt takes one event implementation per process, registered before the first connection opens:
- `run_events_on(loop)`: libvirtaio on an asyncio loop (the designer's qasync loop, so events arrive on the
  GUI thread); libvirt calls made in worker threads are safe, their event hooks being handed to the loop;
- `start_event_loop()`: libvirt's default implementation in a daemon thread (the command line, the lab).
Whichever comes first stays; the other then reports what is in use."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable

Notify = Callable[[str, str, str], None]  # host, domain name, event

EVENTS = {0: "defined", 1: "undefined", 2: "started", 3: "suspended", 4: "resumed", 5: "stopped",
          6: "shut down", 7: "pm-suspended", 8: "crashed"}
THREAD, ASYNCIO = "thread", "asyncio"

_lock = threading.Lock()
_kind: str | None = None  # the implementation registered in this process
_impl = None  # the asyncio one, when it is that


def event_loop_kind() -> str | None:
    """'asyncio', 'thread', or None when no implementation is registered yet."""
    return _kind


def start_event_loop() -> str:
    """Register libvirt's default event implementation and run it in a daemon thread (once per process;
    nothing when an implementation is registered already). Returns the kind in use."""
    global _kind
    import libvirt

    with _lock:
        if _kind is None:
            libvirt.virEventRegisterDefaultImpl()
            threading.Thread(target=_run, name="vxi-libvirt-events", daemon=True).start()
            _kind = THREAD
        return _kind


def run_events_on(loop) -> str:
    """Dispatch libvirt's events on an asyncio `loop` through libvirtaio (once per process; call it on the
    loop's thread, before the first connection). Returns the kind in use: 'thread' when libvirt's own loop
    was registered first, in which case events keep arriving on its thread."""
    global _kind, _impl
    with _lock:
        if _kind is None:
            _impl = _make_loop_events(loop)
            _impl.register()
            _kind = ASYNCIO
        return _kind


def _run() -> None:
    import libvirt

    while True:
        if libvirt.virEventRunDefaultImpl() < 0:  # pragma: no cover - libvirt's loop itself failed
            return


def _make_loop_events(loop):
    """libvirtaio's implementation for `loop`, callable from any thread."""
    import libvirtaio

    class LoopEvents(libvirtaio.virEventAsyncIOImpl):
        """libvirt calls its event hooks from whichever thread makes a libvirt call (our workers), while
        asyncio objects belong to the loop's thread: a hook called elsewhere is queued, in order, and run on
        the loop. Ids are handed out at once; a removed watch or timer never fires again, even before the
        loop has taken the removal."""

        def __init__(self) -> None:
            super().__init__(loop)
            self.thread = threading.get_ident()
            self.pending: deque[Callable[[], None]] = deque()
            self.queue_lock = threading.Lock()
            self.ids = itertools.count(1)
            self.inner: dict[int, int] = {}  # our id -> libvirtaio's
            self.live: set[int] = set()

        def on_loop(self, work: Callable[[], None]) -> None:
            with self.queue_lock:
                self.pending.append(work)
            if threading.get_ident() == self.thread:
                self.drain_pending()
            else:
                self.loop.call_soon_threadsafe(self.drain_pending)

        def drain_pending(self) -> None:
            while True:
                with self.queue_lock:
                    if not self.pending:
                        return
                    work = self.pending.popleft()
                work()

        def _add(self, add: Callable, cb: Callable, *args) -> int:
            ident = next(self.ids)
            self.live.add(ident)

            def fire(_inner: int, *rest) -> None:
                if ident in self.live:
                    cb(ident, *rest)

            self.on_loop(lambda: self.inner.__setitem__(ident, add(*args, fire)))
            return ident

        def _update(self, update: Callable, ident: int, value: int) -> None:
            if ident in self.live:
                self.on_loop(lambda: update(self.inner[ident], value) if ident in self.inner else None)

        def _remove(self, remove: Callable, ident: int) -> int:
            if ident not in self.live:
                return -1
            self.live.discard(ident)
            self.on_loop(lambda: remove(self.inner.pop(ident)) if ident in self.inner else None)
            return 0

        # libvirt's six hooks (libvirtaio's, run on the loop)
        def _add_handle(self, fd, event, cb, opaque):
            base = super()._add_handle
            return self._add(lambda fd_, event_, opaque_, fire: base(fd_, event_, fire, opaque_), cb, fd, event,
                             opaque)

        def _update_handle(self, watch, event):
            self._update(super()._update_handle, watch, event)

        def _remove_handle(self, watch):
            return self._remove(super()._remove_handle, watch)

        def _add_timeout(self, timeout, cb, opaque):
            base = super()._add_timeout
            return self._add(lambda timeout_, opaque_, fire: base(timeout_, fire, opaque_), cb, timeout, opaque)

        def _update_timeout(self, timer, timeout):
            self._update(super()._update_timeout, timer, timeout)

        def _remove_timeout(self, timer):
            return self._remove(super()._remove_timeout, timer)

    return LoopEvents()


class LifecycleWatch:
    """Calls `notify(host, domain, event)` for each lifecycle event of a domain whose name starts with `prefix`
    on any of `connections` (host id to open connection): on the asyncio loop's thread under libvirtaio, on
    libvirt's event thread otherwise (registered here when nothing is yet). `current(host)` gives a host's
    connection now (the deployer's): `renew()` moves the watch to the ones opened since (after a freeze)."""

    def __init__(self, connections: dict, prefix: str, notify: Notify, current: Callable[[str], object] | None = None):
        import libvirt

        if _kind is None:
            start_event_loop()
        self.prefix, self.notify, self.current = prefix, notify, current
        self._registered: list[tuple[str, object, int]] = []
        for host, conn in connections.items():
            try:
                self._register(host, conn)
            except libvirt.libvirtError:
                self.close()  # all hosts or none
                raise

    def _register(self, host: str, conn) -> None:
        import libvirt

        def on_event(_conn, domain, event, _detail, _opaque) -> None:
            name = domain.name()
            if name.startswith(self.prefix):
                self.notify(host, name, EVENTS.get(event, f"event {event}"))

        callback_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None)
        self._registered.append((host, conn, callback_id))

    def renew(self) -> None:
        """Watch through each host's current connection where the one watched was replaced (closed by keep-alive
        during a freeze, opened again since); a host that cannot be reached now stays as it is."""
        for entry in list(self._registered):
            host, conn, _id = entry
            try:
                now = self.current(host) if self.current is not None else conn
            except Exception:  # (still unreachable: the next status asks again)
                continue
            if _raw(now) is _raw(conn):
                continue
            self._registered.remove(entry)
            self._deregister(entry)
            try:
                self._register(host, now)
            except Exception:
                continue

    def close(self) -> None:
        """Stop watching (before the connections close)."""
        for entry in self._registered:
            self._deregister(entry)
        self._registered = []

    @staticmethod
    def _deregister(entry: tuple[str, object, int]) -> None:
        from backend.deploy.libvirt.guard import connection_closed

        _host, conn, callback_id = entry
        if connection_closed(conn):  # a closed connection has nothing to deregister
            return
        try:
            conn.domainEventDeregisterAny(callback_id)
        except Exception:
            pass


def _raw(conn):
    return getattr(conn, "raw", conn)

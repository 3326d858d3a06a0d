"""Domain lifecycle events from libvirt (started, stopped, crashed...), for a watcher that wants to know at
once instead of at its next status poll. libvirt's own event loop runs in one daemon thread per process."""

from __future__ import annotations

import threading
from collections.abc import Callable

Notify = Callable[[str, str, str], None]  # host, domain name, event

EVENTS = {0: "defined", 1: "undefined", 2: "started", 3: "suspended", 4: "resumed", 5: "stopped",
          6: "shut down", 7: "pm-suspended", 8: "crashed"}

_lock = threading.Lock()
_thread: threading.Thread | None = None


def start_event_loop() -> None:
    """Register libvirt's default event implementation and run it in a daemon thread (once per process).
    Best called before the first connection opens: remote drivers attach their sockets to it at open."""
    global _thread
    import libvirt

    with _lock:
        if _thread is not None:
            return
        libvirt.virEventRegisterDefaultImpl()
        _thread = threading.Thread(target=_run, name="vxi-libvirt-events", daemon=True)
        _thread.start()


def _run() -> None:
    import libvirt

    while True:
        if libvirt.virEventRunDefaultImpl() < 0:  # pragma: no cover - libvirt's loop itself failed
            return


class LifecycleWatch:
    """Calls `notify(host, domain, event)`, from libvirt's event thread, for each lifecycle event of a domain
    whose name starts with `prefix` on any of `connections` (host id to open connection)."""

    def __init__(self, connections: dict, prefix: str, notify: Notify):
        import libvirt

        start_event_loop()
        self._registered: list[tuple[object, int]] = []
        for host, conn in connections.items():
            def on_event(_conn, domain, event, _detail, _opaque, host=host) -> None:
                name = domain.name()
                if name.startswith(prefix):
                    notify(host, name, EVENTS.get(event, f"event {event}"))

            try:
                callback_id = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event, None)
            except libvirt.libvirtError:
                self.close()  # all hosts or none
                raise
            self._registered.append((conn, callback_id))

    def close(self) -> None:
        """Stop watching (before the connections close)."""
        for conn, callback_id in self._registered:
            try:
                conn.domainEventDeregisterAny(callback_id)
            except Exception:  # a connection already closed has nothing to deregister
                pass
        self._registered = []

"""Counters of domains on libvirt hosts: one bulk stats call per host (interface stats as fallback).
A domain is looked for on every host the source knows, so that its counters follow it when it migrates:
its interfaces keep their names (the guest's eth0, eth1, ...), their identity (host and tap) changes.

The test driver's counters are synthetic (derived from the clock), so a source whose hosts are all
`test://` says it has no real counters and the sampler plots nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from backend.deploy.counters import CounterReading

NO_REAL_COUNTERS = ("the libvirt test driver has no real traffic counters (its numbers come from the clock): "
                    "nothing is plotted; deploy on the netns backend or real hosts to watch throughput")


@dataclass
class DomainTarget:
    """A component deployed as domain `domain` on `host`, reached through the open connection `conn`."""

    component: str
    host: str
    conn: object
    domain: str
    interfaces: list[str] | None = None  # the names its NICs are shown by, in order (default: the taps')


def is_test_uri(uri: str | None) -> bool:
    """True for the libvirt test driver (test:///default, test:///path.xml)."""
    return bool(uri) and uri.startswith("test:")


class LibvirtSource:
    """Reads interface byte counters of deployed domains, one bulk call per connection."""

    def __init__(self, targets: list[DomainTarget], hosts: dict[str, object] | None = None,
                 reconnect: Callable[[str], object] | None = None):
        self.targets = list(targets)
        self.hosts = dict(hosts or {})  # every host a domain may be on (its targets' hosts when empty)
        self.reconnect = reconnect  # a host's connection anew, when the one held was closed (the deployer's)
        self.unreachable: dict[str, str] = {}  # host -> why its counters could not be read at the last read
        uris = {self._uri(t.conn) for t in self.targets}
        self.real_counters = bool(self.targets) and not all(is_test_uri(u) for u in uris)
        self.reason = "" if self.real_counters else (NO_REAL_COUNTERS if self.targets else "nothing deployed")

    @staticmethod
    def _uri(conn: object) -> str:
        try:
            return conn.getURI()
        except Exception:
            return ""

    def read(self) -> list[CounterReading]:
        """Counters of every target on a host with real counters."""
        readings: list[CounterReading] = []
        if self.hosts:
            wanted = {t.domain: t for t in self.targets}
            for host, conn in list(self.hosts.items()):
                conn = self._current(host, conn)
                if conn is not None and not is_test_uri(self._uri(conn)):
                    found = self._read(conn, host, wanted)
                    readings.extend(found)
                    for name in {r.identity[2] for r in found}:
                        wanted.pop(name, None)  # read once, where it runs
            return readings
        by_conn: dict[int, list[DomainTarget]] = {}
        for target in self.targets:
            if not is_test_uri(self._uri(target.conn)):
                by_conn.setdefault(id(target.conn), []).append(target)
        for targets in by_conn.values():
            conn = targets[0].conn
            readings.extend(self._read(conn, targets[0].host, {t.domain: t for t in targets}, strict=True))
        return readings

    def _current(self, host: str, conn):
        """The host's connection to read through: the one held, or a new one when it was closed (a freeze that
        keep-alive ended; the host answers again); None while the host cannot be reached (said in
        `unreachable`)."""
        from backend.deploy.base import DeployError
        from backend.deploy.libvirt.guard import connection_closed

        if self.reconnect is None or not connection_closed(conn):
            return conn
        try:
            self.hosts[host] = conn = self.reconnect(host)
        except DeployError as exc:
            self.unreachable[host] = str(exc)
            return None
        return conn

    def _read(self, conn, host: str, wanted: dict[str, DomainTarget], strict: bool = False) -> list[CounterReading]:
        """The readings of `wanted` domains on one host; none from a host that does not answer (its sentence in
        `self.unreachable`, the other hosts' read as usual)."""
        from backend.deploy.base import DeployError

        try:
            found = self._read_on(conn, host, wanted, strict)
        except DeployError as exc:
            self.unreachable[host] = str(exc)
            return []
        self.unreachable.pop(host, None)
        return found

    def _read_on(self, conn, host: str, wanted: dict[str, DomainTarget], strict: bool) -> list[CounterReading]:
        import libvirt

        if strict:
            domains = [conn.lookupByName(name) for name in wanted]
        else:  # the running domains of ours this host has now
            try:
                domains = [d for d in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
                           if d.name() in wanted]
            except libvirt.libvirtError:
                return []
        if not domains:
            return []
        readings = []
        stats = conn.domainListGetStats(domains, libvirt.VIR_DOMAIN_STATS_INTERFACE | libvirt.VIR_DOMAIN_STATS_STATE)
        for domain, values in stats:
            if not strict and values.get("state.state") != libvirt.VIR_DOMAIN_RUNNING:
                continue  # paused: the side of a live migration that is not (or no longer) the guest
            target = wanted[domain.name()]
            shown = target.interfaces or []
            for i in range(int(values.get("net.count", 0))):
                name = values.get(f"net.{i}.name", f"net{i}")
                readings.append(CounterReading(target.component, shown[i] if i < len(shown) else name,
                                               int(values.get(f"net.{i}.rx.bytes", 0)),
                                               int(values.get(f"net.{i}.tx.bytes", 0)), host if not strict
                                               else target.host, (host, domain.UUIDString(), domain.name(), name)))
        return readings

    def close(self) -> None:
        """The connections belong to the deployer: nothing to close here."""

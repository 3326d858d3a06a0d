"""Kernel counters of a netns deployment: one netlink dump per namespace per read."""

from __future__ import annotations

import time
from dataclasses import dataclass

from backend.deploy.counters import CounterReading


@dataclass(frozen=True)
class Probe:
    """Where a component's interface is counted: `ifname` in namespace `ns`.

    `peer` means the counted interface is the other end of the component's link (a host-side veth,
    the receiver's NIC): its rx is the component's tx, so the two are swapped.
    """

    component: str
    interface: str
    ns: str
    ifname: str
    host: str | None = None
    peer: bool = False


class NetnsSource:
    """Counters of probes in network namespaces (root); a vanished namespace just gives no reading."""

    real_counters = True
    reason = ""

    def __init__(self, probes: list[Probe]):
        self.probes = list(probes)

    def move(self, component: str, host: str, ns_of: dict[str, str] | None = None) -> None:
        """Note that a component now runs on `host` (probes in host namespaces follow `ns_of`)."""
        ns_of = ns_of or {}
        self.probes = [Probe(p.component, p.interface, ns_of.get(p.ns, p.ns), p.ifname, host, p.peer)
                       if p.component == component else p for p in self.probes]

    def thread_context(self):
        """Entered by the sampler thread for its life: one netlink socket per namespace, kept open
        (a read then takes about a millisecond instead of opening a socket in each namespace)."""
        from backend.deploy.netns import kernel

        return kernel.batch()

    def read(self) -> list[CounterReading]:
        """One reading per probe whose namespace and interface exist."""
        from backend.deploy.netns import kernel

        by_ns: dict[str, dict] = {}
        read_at: dict[str, float] = {}
        readings = []
        for probe in self.probes:
            if probe.ns not in by_ns:
                asked = time.monotonic()
                try:
                    by_ns[probe.ns] = kernel.counters(probe.ns)
                except Exception:
                    by_ns[probe.ns] = {}
                read_at[probe.ns] = (asked + time.monotonic()) / 2  # the dump happened in between
            counters = by_ns[probe.ns].get(probe.ifname)
            if counters is None:
                continue
            rx, tx = counters.rx_bytes, counters.tx_bytes
            if probe.peer:
                rx, tx = tx, rx
            readings.append(CounterReading(probe.component, probe.interface, rx, tx, probe.host,
                                           (probe.ns, probe.ifname), read_at[probe.ns]))
        return readings

    def close(self) -> None:
        """Nothing held between reads."""


def probes_of(record) -> list[Probe]:
    """Every interface of every component of a netns deployment, counted inside the component's namespace."""
    return [Probe(key, iface.name, comp.name, iface.name, comp.host)
            for key, comp in record.components.items() for iface in comp.interfaces]

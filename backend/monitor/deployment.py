"""The counter source of a running deployment, whatever its backend."""

from __future__ import annotations

from backend.monitor.libvirt_source import DomainTarget, LibvirtSource
from backend.monitor.netns_source import NetnsSource, Probe


def netns_probes(record) -> list[Probe]:
    """Every interface of every component, counted inside the component's own namespace."""
    return [Probe(key, iface.name, comp.name, iface.name, comp.host)
            for key, comp in record.components.items() for iface in comp.interfaces]


def source_for(deployer) -> NetnsSource | LibvirtSource:
    """A source for a deployer's deployment: kernel counters on netns, domain stats on libvirt
    (which says it has no real counters on the test driver)."""
    record = deployer.record
    if record.backend == "netns":
        return NetnsSource(netns_probes(record))
    targets = [DomainTarget(key, comp.host, deployer.connection(comp.host), comp.name)
               for key, comp in record.components.items()]
    return LibvirtSource(targets)

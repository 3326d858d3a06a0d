"""Small substrates and requests built in code for the embedding tests."""

from __future__ import annotations

from datetime import datetime, timezone

from backend.model import Cloud, Host, Infrastructure, Lease, Link, Node, PhysicalLink, Quantity, Router, Substrate

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
GB = 2**30


def host(hid: str, cores: float = 8, memory_gb: float = 16, storage_gb: float = 100, site: str | None = None,
         provisioned: bool = False, availability: Lease | None = None) -> Host:
    """A host with cores, memory and storage."""
    return Host(hid, cores=Quantity.simple("count", cores), memory=Quantity.simple("size", memory_gb, "GB"),
                storage=Quantity.simple("size", storage_gb, "GB"), site=site, provisioned=provisioned,
                availability=availability or Lease())


def plink(lid: str, a: str, b: str, mbps: float = 100, ms: float = 1, provisioned: bool = False) -> PhysicalLink:
    """A symmetric physical link."""
    return PhysicalLink(lid, a, b, forward=Quantity.simple("bandwidth", mbps, "Mbps"),
                        reverse=Quantity.simple("bandwidth", mbps, "Mbps"),
                        latency=Quantity.simple("latency", ms, "ms"), provisioned=provisioned)


def substrate(hosts: list[Host], links: list[PhysicalLink], sid: str = "sub") -> Substrate:
    """A substrate from hosts and links."""
    sub = Substrate(id=sid)
    for h in hosts:
        sub.hosts[h.id] = h
    for lk in links:
        sub.links[lk.id] = lk
    return sub


def node(nid: str, cores: float = 1, memory_gb: float = 1, storage_gb: float = 0, location: str | None = None,
         lease: Lease | None = None) -> Node:
    """A virtual node."""
    return Node(nid, cores=Quantity.simple("count", cores), memory=Quantity.simple("size", memory_gb, "GB"),
                storage=Quantity.simple("size", storage_gb, "GB") if storage_gb else None, location=location,
                lease=lease or Lease())


def vlink(lid: str, a: str, b: str, mbps: float = 10, ms: float | None = None, reverse: float | None = -1) -> Link:
    """A virtual link: `reverse` -1 means the same as forward, None a one-way link."""
    back = mbps if reverse == -1 else reverse
    return Link(lid, a, b, forward=Quantity.at_least("bandwidth", mbps, "Mbps"),
                reverse=None if back is None else Quantity.at_least("bandwidth", back, "Mbps"),
                latency=Quantity.at_most("latency", ms, "ms") if ms is not None else None)


def vxi(vid: str, nodes: list, links: list[Link] = (), start: datetime | None = None,
        hours: float | None = None) -> Infrastructure:
    """A VXI, leased from `start` for `hours` when given."""
    inf = Infrastructure(id=vid, lease=Lease(start, hours * 3600 if hours is not None else None))
    for n in nodes:
        inf.components[n.id] = n
    for lk in links:
        inf.links[lk.id] = lk
    return inf


def router(rid: str, cores: float | None = None, memory_gb: float = 0.5) -> Router:
    """A virtual router."""
    return Router(rid, cores=Quantity.simple("count", cores) if cores is not None else None,
                  memory=Quantity.simple("size", memory_gb, "GB"))


def cloud(cid: str, n: int, cores: float = 1, organisation: str = "none", mbps: float = 0) -> Cloud:
    """A cloud of n identical nodes."""
    return Cloud(cid, cardinality=n, template=node("member", cores=cores), organisation=organisation,
                 internal_bandwidth=Quantity.at_least("bandwidth", mbps, "Mbps") if mbps else None)


def line(n: int = 3, cores: float = 8, mbps: float = 100, ms: float = 1) -> Substrate:
    """h0 - h1 - ... a chain of hosts."""
    hosts = [host(f"h{i}", cores=cores, site=f"s{i}") for i in range(n)]
    links = [plink(f"p{i}", f"h{i}", f"h{i + 1}", mbps, ms) for i in range(n - 1)]
    return substrate(hosts, links)

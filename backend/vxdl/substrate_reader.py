"""Reading a VXDL document as a physical substrate: vNodes are hosts, vLinks physical links."""

from __future__ import annotations

from lxml import etree

from backend.model import Host, Lease, PhysicalLink, Substrate
from backend.model import units as U
from backend.model.timing import parse_duration
from backend.vxdl.schema import EXT_NS, VXDL_NS

V = f"{{{VXDL_NS}}}"
X = f"{{{EXT_NS}}}"
RESOURCE_NAMES = ("vNode", "vStorage", "vRouter", "vAccessPoint", "vArray")


def place(items: dict, positions: dict[str, tuple[float, float]]) -> None:
    """Give each item (component or host) the position the layout names for it."""
    for ident, pos in positions.items():
        if ident in items:
            items[ident].position = pos


class SubstrateReading:
    """The substrate half of ModelReader (a mixin: it uses the reader's helpers)."""

    def substrate(self, vi, groups: dict, foreign: list, vid: str) -> Substrate:
        """A physical substrate written in VXDL: vNodes are hosts, vLinks physical links."""
        sub = Substrate()
        self._header(sub, groups, vid)
        positions = {}
        for child in vi:
            if child.tag == V + "vNode":
                host = self.host(child)
                if host.id in sub.hosts:
                    self.problem(child, "duplicate-id", f"id '{host.id}' is used twice", host.id)
                sub.hosts[host.id] = host
            elif child.tag == V + "vLink":
                sub.links[self._peek_id(child)] = self.physical_link(child)
            elif isinstance(child.tag, str) and child.tag.startswith(V) and child.tag[len(V):] in RESOURCE_NAMES:
                self.problem(child, "not-a-host", f"a substrate holds hosts (vNode) and links only, "
                             f"not <{child.tag[len(V):]}>", self._peek_id(child), "warning")
                sub.extensions.append(self.raw(child))
        for ext in foreign:
            if ext.tag == X + "layout":
                positions = self.layout(ext)
            elif ext.tag != X + "role":
                sub.extensions.append(self.raw(ext))
        place(sub.hosts, positions)
        return sub

    def physical_link(self, el) -> PhysicalLink:
        """A vLink read as a physical link."""
        link = self.link(el)
        phys = PhysicalLink(link.id, link.source, link.destination, link.forward, link.reverse, link.latency,
                            opaque=link.opaque, origin=link.origin)
        for raw in link.extensions:
            ext = etree.fromstring(raw)
            if ext.tag == X + "provisioned":
                phys.provisioned = (ext.text or "").strip() in ("true", "1")
            else:
                phys.extensions.append(raw)
        return phys

    def host(self, el) -> Host:
        """A vNode read as a physical host."""
        node = self.component(el, "vNode")
        host = Host(node.id, cores=node.cores, frequency=node.frequency, memory=node.memory,
                    storage=node.storage, site=node.location, tags=node.tags, opaque=node.opaque,
                    origin=node.origin)
        for raw in node.extensions:
            ext = etree.fromstring(raw)
            if ext.tag == X + "provisioned":
                host.provisioned = (ext.text or "").strip() in ("true", "1")
            elif ext.tag == X + "uri":
                host.uri = (ext.text or "").strip()
            elif ext.tag == X + "capacity":
                host.capacity = self.amount(ext, U.BANDWIDTH, host.id)
            elif ext.tag == X + "availability":
                host.availability = Lease(self.date(ext.get("start"), host.id) if ext.get("start") else None,
                                          parse_duration(ext.get("duration")) if ext.get("duration") else None)
            else:
                host.extensions.append(raw)
        if node.region:
            host.opaque["region"] = [node.region]
        return host

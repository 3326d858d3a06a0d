"""libvirt XML for deployed components: domains with metadata, isolated networks with <bandwidth>."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from lxml import etree

METADATA_NS = "urn:vxi-designer:deploy:1"
_UUID_NS = uuid.UUID("6f1c54b2-3c1a-4e38-9a55-7e2b7b1f0c11")


def kbytes_per_second(bps: float) -> int:
    """libvirt's bandwidth unit (kilobytes per second; 1 Mbit/s = 125) from bit/s, at least 1."""
    return max(1, round(bps / 8000))


def stable_uuid(tag: str, name: str) -> str:
    """The same UUID for the same deployment and name (so that a re-define matches)."""
    return str(uuid.uuid5(_UUID_NS, f"{tag}/{name}"))


@dataclass
class NicSpec:
    """An interface of a domain: the network it joins, its rates (out of / into the guest), address."""

    network: str
    out_bps: float
    in_bps: float
    address: str
    port: str | None = None


@dataclass
class DomainSpec:
    """What a domain needs: identity, size, interfaces and the VXI facts stored in its metadata."""

    name: str
    uuid: str
    memory_bytes: int
    vcpus: int
    deployment: str
    vxi: str
    component: str
    kind: str
    nics: list[NicSpec] = field(default_factory=list)
    routes: list[tuple[str, str]] = field(default_factory=list)
    domain_type: str = "test"


def _bandwidth(parent: etree._Element, inbound_bps: float, outbound_bps: float) -> None:
    if not inbound_bps and not outbound_bps:
        return
    bw = etree.SubElement(parent, "bandwidth")
    if inbound_bps:
        etree.SubElement(bw, "inbound", average=str(kbytes_per_second(inbound_bps)))
    if outbound_bps:
        etree.SubElement(bw, "outbound", average=str(kbytes_per_second(outbound_bps)))


def domain_xml(spec: DomainSpec) -> str:
    """A domain: UUID, memory and vCPUs from the VXI, one interface per segment with its QoS
    (inbound = towards the guest), and metadata naming the VXI, the component and, for a
    router, its forwarding configuration (IP forwarding on, one route per remote subnet)."""
    dom = etree.Element("domain", type=spec.domain_type)
    etree.SubElement(dom, "name").text = spec.name
    etree.SubElement(dom, "uuid").text = spec.uuid
    etree.SubElement(dom, "title").text = f"{spec.vxi}/{spec.component}"
    meta = etree.SubElement(dom, "metadata")
    comp = etree.SubElement(meta, f"{{{METADATA_NS}}}component", nsmap={"vxi": METADATA_NS},
                            deployment=spec.deployment, vxi=spec.vxi, id=spec.component, kind=spec.kind)
    for nic in spec.nics:
        attrs = {"network": nic.network, "address": nic.address}
        if nic.port:
            attrs["port"] = nic.port
        etree.SubElement(comp, f"{{{METADATA_NS}}}interface", **attrs)
    if spec.kind == "router":
        etree.SubElement(comp, f"{{{METADATA_NS}}}forwarding", ipv4="on")
    for destination, gateway in spec.routes:
        etree.SubElement(comp, f"{{{METADATA_NS}}}route", destination=destination, via=gateway)
    etree.SubElement(dom, "memory", unit="KiB").text = str(spec.memory_bytes // 1024)
    etree.SubElement(dom, "vcpu").text = str(spec.vcpus)
    os_el = etree.SubElement(dom, "os")
    etree.SubElement(os_el, "type").text = "hvm"
    devices = etree.SubElement(dom, "devices")
    for nic in spec.nics:
        iface = etree.SubElement(devices, "interface", type="network")
        etree.SubElement(iface, "source", network=nic.network)
        _bandwidth(iface, nic.in_bps, nic.out_bps)
    return etree.tostring(dom, pretty_print=True, encoding="unicode")


def network_xml(name: str, net_uuid: str, bridge: str, forward_bps: float, reverse_bps: float) -> str:
    """An isolated network (no <forward>) for one virtual link, with the link's bandwidth as QoS."""
    net = etree.Element("network")
    etree.SubElement(net, "name").text = name
    etree.SubElement(net, "uuid").text = net_uuid
    etree.SubElement(net, "bridge", name=bridge, stp="off")
    _bandwidth(net, reverse_bps, forward_bps)
    return etree.tostring(net, pretty_print=True, encoding="unicode")


"""libvirt XML for deployed components: domains with metadata (test-driver shells, or real guests that
boot the project's image or a user's disk), and one network per link with <bandwidth>."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from lxml import etree

from backend.model.printable import printable

METADATA_NS = "urn:vxi-designer:deploy:1"
_UUID_NS = uuid.UUID("6f1c54b2-3c1a-4e38-9a55-7e2b7b1f0c11")
# Below 96 MiB the distribution's bzImage resets or panics before any output; unpacked (PVH, see
# backend/guest/image.py) it panics at 96 MiB ("deadlocked on memory" while unpacking the initramfs) and
# boots from 104 MiB. QEMU touches only what the guest uses, so a margin costs little.
MIN_GUEST_BYTES = 128 * 2**20
EXEC_CHANNEL = "org.qemu.guest_agent.0"  # the guest agent's virtio-serial port (vxi exec goes through it)
REAL_TYPES = ("qemu", "kvm")


def kbytes_per_second(bps: float) -> int:
    """libvirt's bandwidth unit (kilobytes per second; 1 Mbit/s = 125) from bit/s, at least 1."""
    return max(1, round(bps / 8000))


def stable_uuid(tag: str, name: str) -> str:
    """The same UUID for the same deployment and name (so that a re-define matches)."""
    return str(uuid.uuid5(_UUID_NS, f"{tag}/{name}"))


def stable_mac(tag: str, name: str, index: int) -> str:
    """The same locally administered MAC (QEMU's 52:54:00 prefix) for the same deployment, domain and NIC,
    so that the guest finds its NIC by MAC and a re-define keeps it."""
    digest = hashlib.sha256(f"{tag}/{name}/{index}".encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


@dataclass
class NicSpec:
    """An interface of a domain: the network it joins, its rates (out of / into the guest), address.

    For a real guest: its MAC, and `bridge` to join a bridge directly instead of a libvirt network;
    `host_shaping` False leaves the rates to the guest (its kernel command line) instead of <bandwidth>."""

    network: str
    out_bps: float
    in_bps: float
    address: str
    port: str | None = None
    mac: str | None = None
    bridge: str | None = None
    host_shaping: bool = True


@dataclass
class GuestBoot:
    """How a real guest boots: the project's image (kernel, initramfs, command line) directly, or a
    user's disk with a NoCloud seed (an ISO labelled cidata) beside it."""

    kernel: str | None = None
    initrd: str | None = None
    cmdline: str = ""
    disk: str | None = None
    disk_format: str = "qcow2"
    seed: str | None = None

    def check(self) -> None:
        """ValueError unless exactly one way to boot is given."""
        if bool(self.kernel) == bool(self.disk):
            raise ValueError("a guest boots either a kernel (the project's image) or a disk, not both or neither")
        if self.kernel and not self.initrd:
            raise ValueError("a guest booted from a kernel needs its initramfs")


@dataclass
class DomainSpec:
    """What a domain needs: identity, size, interfaces and the VXI facts stored in its metadata.

    `domain_type` 'test' gives the test driver's shell; 'qemu' (software emulation) or 'kvm' a real
    guest, which needs `boot`; `serial_log` keeps its serial console (kernel and init messages) in a file."""

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
    boot: GuestBoot | None = None
    serial_log: str | None = None
    state_dir: str | None = None  # the state directory of the deployment's record (found by name from there only)


def _bandwidth(parent: etree._Element, inbound_bps: float, outbound_bps: float) -> None:
    if not inbound_bps and not outbound_bps:
        return
    bw = etree.SubElement(parent, "bandwidth")
    if inbound_bps:
        etree.SubElement(bw, "inbound", average=str(kbytes_per_second(inbound_bps)))
    if outbound_bps:
        etree.SubElement(bw, "outbound", average=str(kbytes_per_second(outbound_bps)))


def _metadata(dom: etree._Element, spec: DomainSpec) -> None:
    meta = etree.SubElement(dom, "metadata")
    comp = etree.SubElement(meta, f"{{{METADATA_NS}}}component", nsmap={"vxi": METADATA_NS},
                            deployment=spec.deployment, vxi=spec.vxi, id=spec.component, kind=spec.kind)
    if spec.state_dir:
        comp.set("state", spec.state_dir)
    for nic in spec.nics:
        attrs = {"network": nic.network, "address": nic.address}
        if nic.port:
            attrs["port"] = nic.port
        if nic.mac:
            attrs["mac"] = nic.mac
        etree.SubElement(comp, f"{{{METADATA_NS}}}interface", **attrs)
    if spec.kind == "router":
        etree.SubElement(comp, f"{{{METADATA_NS}}}forwarding", ipv4="on")
    for destination, gateway in spec.routes:
        etree.SubElement(comp, f"{{{METADATA_NS}}}route", destination=destination, via=gateway)


def domain_xml(spec: DomainSpec) -> str:
    """A domain: UUID, memory and vCPUs from the VXI, one interface per segment with its QoS
    (inbound = towards the guest), and metadata naming the VXI, the component and, for a
    router, its forwarding configuration (IP forwarding on, one route per remote subnet).
    A real guest (type qemu or kvm) also boots, with virtio NICs, a serial console and the exec channel."""
    real = spec.domain_type in REAL_TYPES
    if real and spec.boot is None:
        raise ValueError(f"domain {spec.name}: a {spec.domain_type} guest needs a way to boot")
    dom = etree.Element("domain", type=spec.domain_type)
    etree.SubElement(dom, "name").text = spec.name
    etree.SubElement(dom, "uuid").text = spec.uuid
    etree.SubElement(dom, "title").text = printable(f"{spec.vxi}/{spec.component}")  # one line (libvirt), safe
    # for `virsh list --title`; the ids themselves are kept exactly in the metadata
    _metadata(dom, spec)
    memory = max(spec.memory_bytes, MIN_GUEST_BYTES) if real else spec.memory_bytes
    etree.SubElement(dom, "memory", unit="KiB").text = str(memory // 1024)
    etree.SubElement(dom, "vcpu").text = str(spec.vcpus)
    os_el = etree.SubElement(dom, "os")
    etree.SubElement(os_el, "type").text = "hvm"
    if real:
        os_el.find("type").set("arch", "x86_64")
        _boot(os_el, spec.boot)
        features = etree.SubElement(dom, "features")
        etree.SubElement(features, "acpi")
        etree.SubElement(dom, "clock", offset="utc")
        etree.SubElement(dom, "on_poweroff").text = "destroy"
        etree.SubElement(dom, "on_reboot").text = "destroy"
        etree.SubElement(dom, "on_crash").text = "destroy"
    devices = etree.SubElement(dom, "devices")
    if real:
        _disks(devices, spec.boot)
    for nic in spec.nics:
        _interface(devices, nic, real)
    if real:
        _consoles(devices, spec.serial_log)
    return etree.tostring(dom, pretty_print=True, encoding="unicode")


def _boot(os_el: etree._Element, boot: GuestBoot) -> None:
    boot.check()
    if boot.kernel:
        etree.SubElement(os_el, "kernel").text = boot.kernel
        etree.SubElement(os_el, "initrd").text = boot.initrd
        etree.SubElement(os_el, "cmdline").text = boot.cmdline
    else:
        etree.SubElement(os_el, "boot", dev="hd")


def _disks(devices: etree._Element, boot: GuestBoot) -> None:
    if boot.disk:
        disk = etree.SubElement(devices, "disk", type="file", device="disk")
        etree.SubElement(disk, "driver", name="qemu", type=boot.disk_format)
        etree.SubElement(disk, "source", file=boot.disk)
        etree.SubElement(disk, "target", dev="vda", bus="virtio")
    if boot.seed:
        seed = etree.SubElement(devices, "disk", type="file", device="disk")
        etree.SubElement(seed, "driver", name="qemu", type="raw")
        etree.SubElement(seed, "source", file=boot.seed)
        etree.SubElement(seed, "target", dev="vdb", bus="virtio")
        etree.SubElement(seed, "readonly")


def _interface(devices: etree._Element, nic: NicSpec, real: bool) -> None:
    if real and nic.bridge:
        iface = etree.SubElement(devices, "interface", type="bridge")
        if nic.mac:
            etree.SubElement(iface, "mac", address=nic.mac)
        etree.SubElement(iface, "source", bridge=nic.bridge)
    else:
        iface = etree.SubElement(devices, "interface", type="network")
        if real and nic.mac:
            etree.SubElement(iface, "mac", address=nic.mac)
        etree.SubElement(iface, "source", network=nic.network)
    if real:
        etree.SubElement(iface, "model", type="virtio")
        etree.SubElement(iface, "rom", enabled="no")
    if not real or nic.host_shaping:
        _bandwidth(iface, nic.in_bps, nic.out_bps)


def _consoles(devices: etree._Element, serial_log: str | None) -> None:
    serial = etree.SubElement(devices, "serial", type="pty")
    if serial_log:
        etree.SubElement(serial, "log", file=serial_log, append="on")
    etree.SubElement(serial, "target", port="0")
    channel = etree.SubElement(devices, "channel", type="unix")  # libvirtd connects to the agent itself
    etree.SubElement(channel, "source", mode="bind")  # the path is the host's own, chosen by libvirt
    etree.SubElement(channel, "target", type="virtio", name=EXEC_CHANNEL)
    etree.SubElement(devices, "memballoon", model="none")


PORTGROUP = "vxi-link"  # a link network's default portgroup: its QoS, changed in place at each period


def network_xml(name: str, net_uuid: str, bridge: str, forward_bps: float, reverse_bps: float) -> str:
    """An isolated network (no <forward>) for one virtual link, with the link's bandwidth as the QoS of its
    default portgroup (what libvirt lets a running network change: virNetworkUpdate, see `portgroup_xml`)."""
    net = etree.Element("network")
    etree.SubElement(net, "name").text = name
    etree.SubElement(net, "uuid").text = net_uuid
    etree.SubElement(net, "bridge", name=bridge, stp="off")
    net.append(etree.fromstring(portgroup_xml(forward_bps, reverse_bps)))
    return etree.tostring(net, pretty_print=True, encoding="unicode")


def portgroup_xml(forward_bps: float, reverse_bps: float) -> str:
    """A link network's default portgroup with a link's rates (as the network's own <bandwidth> would: inbound
    the reverse way, outbound the forward way; 0: not limited that way)."""
    group = etree.Element("portgroup", name=PORTGROUP, default="yes")
    _bandwidth(group, reverse_bps, forward_bps)
    return etree.tostring(group, encoding="unicode")

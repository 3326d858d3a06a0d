"""The paper's test beds as namespaces: senders and receivers on two LAN switches, physical hosts
between them, and virtual routers attached to a host's bridges (Xen's path 1: a bridge in dom0).

Addresses: VXI (or flow) i has senders in 10.i.1.0/24 and receivers in 10.i.2.0/24; its router is
10.i.1.1 and 10.i.2.1. A host's uplink towards the receivers is shaped to its forwarding capacity
and shared fairly among the virtual routers it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.deploy.netns import kernel
from backend.experiments.lab import Lab, fair_classes, sysctl

HOST_IN, HOST_OUT = "nic0", "nic1"
BRIDGE, MACVLAN = "bridge", "macvlan"
BRIDGE_IN, BRIDGE_OUT = "brin", "brout"


def sender_address(i: int) -> str:
    """Address of flow i's sender."""
    return f"10.{i}.1.2"


def receiver_address(i: int) -> str:
    """Address of flow i's receiver."""
    return f"10.{i}.2.2"


def receiver_subnet(i: int) -> str:
    """Subnet of flow i's receivers (what a host's fair-share classes match)."""
    return f"10.{i}.2.0/24"


@dataclass
class Bed:
    """A built test bed: namespace names and where each flow's traffic is counted."""

    lab: Lab
    senders: str
    receivers: str
    switch_in: str
    switch_out: str
    hosts: dict[str, str] = field(default_factory=dict)
    routers: dict[int, str] = field(default_factory=dict)
    router_host: dict[int, str] = field(default_factory=dict)
    capacity_bps: float = 0.0

    def receiver_interface(self, i: int) -> str:
        """Interface of flow i in the receivers' namespace (its rx bytes are flow i's throughput)."""
        return f"r{i}"

    def sender_interface(self, i: int) -> str:
        """Interface of flow i in the senders' namespace."""
        return f"s{i}"

    def port_in(self, i: int) -> str:
        """Host-side interface of router i towards the senders."""
        return f"v{i}in"

    def port_out(self, i: int) -> str:
        """Host-side interface of router i towards the receivers."""
        return f"v{i}out"


def _edges(lab: Lab, flows: list[int], capacity_bps: float, sender_nic_bps: float | None) -> Bed:
    """Senders and receivers namespaces, one interface per flow, each plugged into its LAN switch."""
    bed = Bed(lab, lab.namespace("snd"), lab.namespace("rcv"), lab.namespace("swi"), lab.namespace("swo"),
              capacity_bps=capacity_bps)
    for switch in (bed.switch_in, bed.switch_out):
        kernel.add_bridge(switch, "br")
    for ns in (bed.senders, bed.receivers):
        sysctl(ns, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2")
    for i in flows:
        for ns, ifname, switch, port, address, gateway, remote in (
                (bed.senders, bed.sender_interface(i), bed.switch_in, f"s{i}", sender_address(i), f"10.{i}.1.1",
                 f"10.{i}.2.0/24"),
                (bed.receivers, bed.receiver_interface(i), bed.switch_out, f"r{i}", receiver_address(i),
                 f"10.{i}.2.1", f"10.{i}.1.0/24")):
            kernel.add_veth(ns, ifname, switch, port)
            kernel.enslave(switch, port, "br")
            kernel.set_up(switch, port)
            kernel.add_address(ns, ifname, f"{address}/24")
            kernel.set_up(ns, ifname)
            kernel.add_route(ns, remote, gateway)
        if sender_nic_bps:
            kernel.shape(bed.senders, bed.sender_interface(i), sender_nic_bps)
    return bed


def _host(bed: Bed, role: str) -> str:
    """A physical host: uplinks to both switches."""
    ns = bed.lab.namespace(role)
    bed.hosts[role] = ns
    for ifname, switch in ((HOST_IN, bed.switch_in), (HOST_OUT, bed.switch_out)):
        port = f"{role}{ifname[-1]}"
        kernel.add_veth(ns, ifname, switch, port)
        kernel.enslave(switch, port, "br")
        kernel.set_up(switch, port)
    return ns


def plain_linux(lab: Lab, capacity_bps: float, sender_nic_bps: float | None = None) -> Bed:
    """The paper's reference: the physical host itself routes flow 1 (no virtual-router layering)."""
    with kernel.batch():
        return _plain_linux(lab, capacity_bps, sender_nic_bps)


def _plain_linux(lab: Lab, capacity_bps: float, sender_nic_bps: float | None) -> Bed:
    bed = _edges(lab, [1], capacity_bps, sender_nic_bps)
    host = _host(bed, "host1")
    kernel.add_address(host, HOST_IN, "10.1.1.1/24")
    kernel.add_address(host, HOST_OUT, "10.1.2.1/24")
    for ifname in (HOST_IN, HOST_OUT):
        kernel.set_up(host, ifname)
    kernel.set_forwarding(host, True)
    kernel.shape(host, HOST_OUT, capacity_bps)
    bed.routers[1] = host
    bed.router_host[1] = "host1"
    return bed


def virtual_routers(lab: Lab, routers: int, capacity_bps: float, sender_nic_bps: float | None = None,
                    hosts: int = 1, attach: str = BRIDGE) -> Bed:
    """`routers` virtual routers on host1 (plus idle hosts host2..), flow i through router i.

    `attach` is the host's multiplexing layer: "bridge" (a veth per router interface on a bridge, as
    Xen's path 1) or "macvlan" (a MAC-demultiplexed sub-interface of the host's NIC, no extra hop).
    """
    if attach not in (BRIDGE, MACVLAN):
        raise ValueError(f"unknown attachment '{attach}' (bridge or macvlan)")
    with kernel.batch():
        return _virtual_routers(lab, routers, capacity_bps, sender_nic_bps, hosts, attach)


def _macvlan(host: str, uplink: str, name: str, router: str) -> None:
    """A macvlan of the host's NIC, moved into the router's namespace."""
    done = kernel.run(host, ["ip", "link", "add", "link", uplink, "name", name, "type", "macvlan", "mode", "bridge"])
    if done.returncode != 0:
        raise kernel.KernelError(f"creating macvlan {name} on {uplink} in namespace {host}: {done.stderr.strip()}")
    kernel.move_link(host, name, router)


def _virtual_routers(lab: Lab, routers: int, capacity_bps: float, sender_nic_bps: float | None,
                     hosts: int, attach: str) -> Bed:
    flows = list(range(1, routers + 1))
    bed = _edges(lab, flows, capacity_bps, sender_nic_bps)
    for h in range(1, hosts + 1):
        ns = _host(bed, f"host{h}")
        for bridge, uplink in ((BRIDGE_IN, HOST_IN), (BRIDGE_OUT, HOST_OUT)):
            if attach == BRIDGE:
                kernel.add_bridge(ns, bridge)
                kernel.enslave(ns, uplink, bridge)
            kernel.set_up(ns, uplink)
        fair_classes(ns, HOST_OUT, capacity_bps, [receiver_subnet(i) for i in flows])
    host = bed.hosts["host1"]
    for i in flows:
        vr = bed.routers[i] = bed.lab.namespace(f"vr{i}")
        bed.router_host[i] = "host1"
        for inner, outer, bridge, address in (("eth0", bed.port_in(i), BRIDGE_IN, f"10.{i}.1.1/24"),
                                              ("eth1", bed.port_out(i), BRIDGE_OUT, f"10.{i}.2.1/24")):
            if attach == MACVLAN:
                inner = outer
                _macvlan(host, HOST_IN if bridge == BRIDGE_IN else HOST_OUT, outer, vr)
            else:
                kernel.add_veth(vr, inner, host, outer)
                kernel.enslave(host, outer, bridge)
                kernel.set_up(host, outer)
            kernel.add_address(vr, inner, address)
            kernel.set_up(vr, inner)
        kernel.set_forwarding(vr, True)
    return bed

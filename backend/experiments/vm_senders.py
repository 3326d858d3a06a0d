"""Senders outside the VMs for Table II on router VMs: each busy neighbour router forwards a flow of its own,
from a small namespace on its link from src to a small namespace on its link to dst, as the paper's
neighbours each had senders and receivers of their own on other machines.

Each namespace (the experiments' own `vxexp<tag>-...`, see backend/experiments/lab.py) has one veth whose
other end joins the router's link bridge inside its lab host's namespace (never the machine's root
namespace), an address of the link's subnet (.200) and a default route through the router; no segmentation
offload on either end of the veth (gso_max_segs 1), so a router gets frames of at most 1500 bytes as from a
real wire, not 64 KB TCP super-packets, which a virtio NIC would carry at almost no cost per byte. iperf3 runs
natively there at a higher priority than the guests (nice -10: the paper's senders had machines of their
own), TCP or 64-byte UDP datagrams at a fixed offered rate above what an emulated router forwards, so each
neighbour's flow is limited by its own router's CPU, not by a sender's. Everything
(namespaces, veths, iperf3 processes) is removed on leaving."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass

from backend.deploy.netns import kernel
from backend.experiments.lab import Lab
from backend.experiments.vms import VmExperimentError
from backend.monitor.iperf import IperfError, parse_iperf_json

SENDER_HOST = 200  # the sender's (and the receiver's) address: .200 of the router's link subnet
PORT = 5201
PRIORITY = ["nice", "-n", "-10"]  # the senders get the CPU before the guests, like senders on machines of their own
UDP_LENGTH = 64  # iperf3's datagram payload, as the sender guest's flows had
UDP_OFFER_BPS = 20e6  # per flow: 39,000 datagrams/s, over what one emulated router forwards here


class SenderError(VmExperimentError):
    """The outside senders could not be set up (names the router and what failed)."""


@dataclass
class NeighbourFlow:
    """One neighbour's own flow: sender namespace -> router -> receiver namespace."""

    router: str
    sender_ns: str
    receiver_ns: str
    sender: str  # CIDR
    receiver: str  # CIDR
    gateways: tuple[str, str]  # the router's addresses on the sender's and the receiver's link
    bridges: tuple[str, str]  # the link bridges the veths join, in the lab host's namespace
    ports: tuple[str, str]  # the veth ends on those bridges

    def to_json(self) -> dict:
        """A JSON-ready description."""
        return {"router": self.router, "sender_netns": self.sender_ns, "receiver_netns": self.receiver_ns,
                "sender": self.sender, "receiver": self.receiver, "via": list(self.gateways),
                "bridges": list(self.bridges), "bridge_ports": list(self.ports)}


def _own_links(bed, router: str) -> tuple[tuple[str, str, int], tuple[str, str, int]]:
    """(router address, subnet, segment index) of `router`'s link shared with src, then with dst."""
    record, keys = bed.record, bed.keys
    found = {}
    for iface in record.components[keys[router]].interfaces:
        seg = record.segments[iface.segment]
        for end in ("src", "dst"):
            if keys[end] in seg["members"]:
                found[end] = (iface.address.split("/")[0], seg["subnet"], int(seg["index"]))
    if set(found) != {"src", "dst"}:
        raise SenderError(f"router {router} has no link to both src and dst")
    return found["src"], found["dst"]


class OutsideSenders:
    """The neighbours' senders and receivers in namespaces on `host_ns`'s link bridges (a context manager)."""

    def __init__(self, bed, routers: list[str], host_ns: str):
        from backend.deploy.libvirt import real

        self.bed, self.host_ns, self.lab = bed, host_ns, Lab()
        self.flows: dict[str, NeighbourFlow] = {}
        self.running: dict[str, subprocess.Popen] = {}
        self.servers: list[subprocess.Popen] = []
        for i, router in enumerate(routers, start=1):
            (in_gw, in_net, in_seg), (out_gw, out_net, out_seg) = _own_links(bed, router)
            self.flows[router] = NeighbourFlow(
                router, self.lab.name(f"tx{i}"), self.lab.name(f"rx{i}"), _host_address(in_net),
                _host_address(out_net), (in_gw, out_gw),
                (real.bridge_name(bed.deployer.tag, in_seg), real.bridge_name(bed.deployer.tag, out_seg)),
                (f"vxo{self.lab.tag}{i}s", f"vxo{self.lab.tag}{i}r"))

    def __enter__(self) -> OutsideSenders:
        try:
            for flow in self.flows.values():
                self._plug(flow)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _plug(self, flow: NeighbourFlow) -> None:
        ends = ((flow.sender_ns, flow.sender, flow.gateways[0], flow.bridges[0], flow.ports[0]),
                (flow.receiver_ns, flow.receiver, flow.gateways[1], flow.bridges[1], flow.ports[1]))
        try:
            for ns, cidr, gateway, bridge, port in ends:
                self.lab.namespace(ns[len(self.lab.prefix):])
                kernel.disable_ipv6(ns)
                kernel.add_veth(ns, "eth0", self.host_ns, port)
                for where, device in ((ns, "eth0"), (self.host_ns, port)):  # wire-sized frames, as on a real NIC
                    _check(kernel.run(where, ["ip", "link", "set", "dev", device, "gso_max_segs", "1"], timeout=10))
                kernel.enslave(self.host_ns, port, bridge)
                kernel.set_up(self.host_ns, port)
                kernel.set_up(ns, "eth0")
                kernel.add_address(ns, "eth0", cidr)
                kernel.add_route(ns, "default", gateway)
        except kernel.KernelError as exc:
            raise SenderError(f"outside sender for {flow.router}: {exc}") from None
        self.servers.append(kernel.popen(flow.receiver_ns, [*PRIORITY, "iperf3", "-s", "-p", str(PORT)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def start(self, router: str, seconds: float, protocol: str = "tcp") -> None:
        """Start `router`'s flow for `seconds` (TCP as fast as it goes, or UDP at UDP_OFFER_BPS)."""
        flow = self.flows[router]
        udp = ["-u", "-l", str(UDP_LENGTH), "-b", str(int(UDP_OFFER_BPS))] if protocol == "udp" else []
        client = ["iperf3", "-c", flow.receiver.split("/")[0], "-p", str(PORT), "-t", str(int(seconds)), "-J", *udp]
        self.running[router] = kernel.popen(flow.sender_ns, [*PRIORITY, *client], stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, text=True)

    def result(self, router: str, timeout: float = 60.0) -> dict:
        """The flow's figures once it ended (iperf3's: sent, received, retransmissions or datagrams lost)."""
        proc = self.running.pop(router)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        try:
            got = parse_iperf_json(out)
        except IperfError as exc:
            return {"error": f"{router}: {exc}"}
        figures = {"sent_bps": got.sent_bps, "received_bps": got.received_bps, "sender_cpu_percent": _sender_cpu(out)}
        if got.protocol == "udp":
            return {**figures, "lost_percent": got.lost_percent, "packets": got.packets}
        return {**figures, "retransmits": got.retransmits}

    def describe(self, protocol: str) -> dict:
        """What the result JSON says about the neighbours' traffic."""
        return {"senders": "outside the VMs",
                "how": "per busy neighbour, a sender namespace on its link from src and a receiver namespace on "
                       "its link to dst (a veth on each link bridge in the routers' lab host namespace), native "
                       "iperf3 at nice -10, the neighbour router VM forwarding between them",
                "offered": "TCP as fast as it goes" if protocol == "tcp" else
                           f"UDP {UDP_LENGTH}-byte datagrams at {UDP_OFFER_BPS / 1e6:g} Mbit/s per flow",
                "frames": "at most 1500 bytes: no segmentation offload on the senders' and receivers' veths "
                          "(gso_max_segs 1), as on the paper's Gigabit wire",
                "host_netns": self.host_ns, "flows": [flow.to_json() for flow in self.flows.values()]}

    def close(self) -> list[str]:
        """Stop every iperf3 and remove the namespaces (their veths go with them); the namespaces' names."""
        for proc in [*self.running.values(), *self.servers]:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.running.clear()
        self.servers.clear()
        for flow in self.flows.values():  # at once: a deleted namespace's veths go only when the kernel gets to it
            for port in flow.ports:
                try:
                    kernel.delete_link(self.host_ns, port)
                except kernel.KernelError:
                    pass  # the lab host is gone already
        return self.lab.close()


def _sender_cpu(text: str) -> float | None:
    """The iperf3 client's own CPU use (% of one core), which this machine's routers did not get."""
    try:
        return round(float(json.loads(text)["end"]["cpu_utilization_percent"]["host_total"]), 1)
    except (ValueError, KeyError, TypeError):
        return None


def _check(done: subprocess.CompletedProcess) -> None:
    if done.returncode != 0:
        raise kernel.KernelError(f"{' '.join(done.args[4:])}: {done.stderr.strip()}")


def _host_address(subnet: str) -> str:
    net = ipaddress.ip_network(subnet)
    return f"{net.network_address + SENDER_HOST}/{net.prefixlen}"

"""Small typed operations on the Linux kernel's network namespaces, links, addresses, routes and tc.

Everything goes through netlink (pyroute2); commands run inside a namespace through `ip netns exec`.
Needs root or CAP_NET_ADMIN. No function touches an object it was not named: callers pass
namespace names they own (the deployment prefixes them with "vxi" + a tag) and interface names of
at most 15 characters (`link_name()` builds them).

API (every `ns` is a namespace name; None means the caller's own namespace):
- privileges:   `can_manage()` -> (bool, reason); `require()` raises KernelError with the reason
- namespaces:   `namespaces(prefix)`, `namespace_exists(name)`, `create_namespace(name)`,
                `delete_namespace(name)` (idempotent; kills the processes still inside first),
                `namespace_pids(name)`
- links:        `add_veth(ns_a, name_a, ns_b, name_b, mtu)`, `add_bridge(ns, name)`,
                `add_vxlan(ns, name, vni, dev, group)`, `enslave(ns, ifname, master)`,
                `set_up(ns, ifname)`, `set_down(ns, ifname)`, `set_mtu(ns, ifname, mtu)`,
                `move_link(ns, ifname, to_ns)`, `delete_link(ns, ifname)`, `links(ns)`, `link_exists(ns, ifname)`
- addresses:    `add_address(ns, ifname, cidr)`, `addresses(ns)` -> {ifname: [cidr, ...]}
- routes:       `add_route(ns, destination, gateway)` ("default" or "10.0.2.0/24"), `routes(ns)`
- forwarding:   `set_forwarding(ns, on)`; `set_sysctls(ns, {"net.ipv4.conf.all.rp_filter": "0"})` -> bool
- isolation:    `disable_ipv6(ns)` (every interface, now and later); `seal(ns, bridge)`: nothing a bridge's
                ports send reaches its own namespace's stack (ARP, IPv4, IPv6), forwarding untouched
- shaping:      `shape(ns, ifname, rate_bps, delay_s)` -> notice or None (htb at the rate, netem delay
                under it when the kernel has netem; otherwise the notice says so), `unshape(ns, ifname)`,
                `qdiscs(ns)` -> {ifname: [kind, ...]}, `has_netem()`, `NETEM_MISSING` (the notice text),
                `shape_shared(ns, ifname, rate_bps, [[vni, ...], ...])`: one fair htb class per group of
                VXLAN segments (a host's uplink shared fairly between its VXIs)
- counters:     `counters(ns)` -> {ifname: Counters(rx_bytes, tx_bytes, rx_packets, tx_packets, ...)}
- commands:     `run(ns, argv, timeout)` -> CompletedProcess, `popen(ns, argv, **popen_kwargs)` -> Popen
- names:        `link_name(*parts)` -> a valid interface name (<= 15 characters, stable hash when longer)
- speed:        `with batch(): ...` reuses one netlink socket per namespace for many operations
- announce:     `announce(ns, *ifnames)` sends a gratuitous ARP for the interface's addresses (after a move)
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from backend.deploy.netns.netlink import KernelError, _fail, _forget_handle, _index, _netlink, batch
from backend.deploy.netns.shaping import NETEM_MISSING, has_netem, qdiscs, seal, shape, shape_shared, unshape

IFNAMSIZ = 15
_NAME_OK = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Counters:
    """An interface's kernel counters."""

    rx_bytes: int
    tx_bytes: int
    rx_packets: int
    tx_packets: int
    rx_dropped: int = 0
    tx_dropped: int = 0


__all__ = ["NETEM_MISSING", "Counters", "KernelError", "add_address", "add_bridge", "add_route", "add_veth",
           "add_vxlan", "addresses", "announce", "batch", "can_manage", "counters", "create_namespace",
           "delete_link", "delete_namespace", "disable_ipv6", "enslave", "has_netem", "link_exists", "link_name",
           "links", "move_link", "namespace_exists", "namespace_pids", "namespaces", "popen", "qdiscs", "require",
           "routes", "run", "seal", "set_down", "set_forwarding", "set_mtu", "set_sysctls", "set_up", "shape",
           "shape_shared", "unshape"]


# ----- privileges -----
def can_manage() -> tuple[bool, str]:
    """Whether this process may create namespaces and links, with the reason when not."""
    if os.geteuid() == 0:
        return True, "root"
    try:
        with open("/proc/self/status") as status:
            caps = next(line for line in status if line.startswith("CapEff:"))
        if int(caps.split()[1], 16) & (1 << 12) and int(caps.split()[1], 16) & (1 << 21):
            return True, "CAP_NET_ADMIN and CAP_SYS_ADMIN"
    except (OSError, StopIteration, ValueError):
        pass
    return False, "the netns backend needs root (or CAP_NET_ADMIN + CAP_SYS_ADMIN): run it with sudo"


def require() -> None:
    """Raise KernelError unless namespaces can be managed here."""
    ok, reason = can_manage()
    if not ok:
        raise KernelError(reason)


# ----- names -----
def link_name(*parts: str) -> str:
    """An interface name from parts, at most 15 characters (a short hash replaces the overflow)."""
    name = "".join(re.sub(r"[^A-Za-z0-9]", "", p) for p in parts)
    if len(name) <= IFNAMSIZ:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:4]
    return name[: IFNAMSIZ - 4] + digest


def _check_name(name: str) -> None:
    if not name or not _NAME_OK.match(name) or len(name) > 200:
        raise KernelError(f"invalid namespace name {name!r}")


# ----- namespaces -----
def namespaces(prefix: str = "") -> list[str]:
    """Names of the named network namespaces that start with `prefix`."""
    try:
        names = os.listdir("/run/netns")
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(prefix))


def namespace_exists(name: str) -> bool:
    """True when a named namespace exists."""
    return os.path.exists(os.path.join("/run/netns", name))


def create_namespace(name: str) -> None:
    """Create a named namespace with its loopback up; fails if it already exists."""
    from pyroute2 import netns

    _check_name(name)
    if namespace_exists(name):
        raise KernelError(f"namespace {name} already exists")
    try:
        netns.create(name)
    except OSError as exc:
        raise _fail("creating namespace", name, exc) from exc
    set_up(name, "lo")


def namespace_pids(name: str) -> list[int]:
    """Processes whose network namespace is `name`."""
    result = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True, timeout=10)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def delete_namespace(name: str) -> bool:
    """Kill the processes left in a namespace and delete it (with all its interfaces and qdiscs).

    Returns False when there was nothing to delete.
    """
    from pyroute2 import netns

    _check_name(name)
    _forget_handle(name)
    if not namespace_exists(name):
        return False
    pids = namespace_pids(name)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 1.0
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if os.path.exists(f"/proc/{p}")]
            time.sleep(0.02)
        if not pids:
            break
    try:
        netns.remove(name)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise _fail("deleting namespace", name, exc) from exc
    return True


# ----- links -----
def add_veth(ns_a: str, name_a: str, ns_b: str, name_b: str, mtu: int | None = None) -> None:
    """A veth pair created directly in its namespaces (never visible in the caller's namespace)."""
    extra = {"mtu": mtu} if mtu else {}
    try:
        with _netlink(ns_a) as h:
            h.link("add", ifname=name_a, kind="veth", peer={"ifname": name_b, "net_ns_fd": ns_b, **extra},
                   **extra)
    except Exception as exc:
        raise _fail(f"creating veth {name_a}/{name_b} to {ns_b}", ns_a, exc) from exc


def add_bridge(ns: str, name: str) -> None:
    """A Linux bridge, up, forwarding at once (no STP delay)."""
    try:
        with _netlink(ns) as h:
            h.link("add", ifname=name, kind="bridge", br_forward_delay=0, br_stp_state=0)
            h.link("set", index=_index(h, ns, name), state="up")
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"creating bridge {name}", ns, exc) from exc


def add_vxlan(ns: str, name: str, vni: int, dev: str, group: str, mtu: int | None = None) -> None:
    """A VXLAN tunnel endpoint carrying one L2 segment (VNI) over `dev`, flooding to a multicast group."""
    extra = {"mtu": mtu} if mtu else {}
    try:
        with _netlink(ns) as h:
            h.link("add", ifname=name, kind="vxlan", vxlan_id=vni, vxlan_group=group,
                   vxlan_link=_index(h, ns, dev), vxlan_port=4789, vxlan_learning=1, **extra)
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"creating vxlan {name} (vni {vni})", ns, exc) from exc


def _set(ns: str | None, ifname: str, what: str, **fields: object) -> None:
    try:
        with _netlink(ns) as h:
            h.link("set", index=_index(h, ns, ifname), **fields)
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"{what} {ifname}", ns, exc) from exc


def enslave(ns: str, ifname: str, master: str) -> None:
    """Attach an interface to a bridge."""
    try:
        with _netlink(ns) as h:
            h.link("set", index=_index(h, ns, ifname), master=_index(h, ns, master))
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"attaching {ifname} to {master}", ns, exc) from exc


def set_up(ns: str | None, ifname: str) -> None:
    """Bring an interface up."""
    _set(ns, ifname, "bringing up", state="up")


def set_down(ns: str | None, ifname: str) -> None:
    """Bring an interface down."""
    _set(ns, ifname, "bringing down", state="down")


def set_mtu(ns: str | None, ifname: str, mtu: int) -> None:
    """Set an interface's MTU."""
    _set(ns, ifname, "setting the MTU of", mtu=mtu)


def move_link(ns: str, ifname: str, to_ns: str) -> None:
    """Move an interface to another namespace (it arrives down, without addresses or master)."""
    _set(ns, ifname, f"moving to namespace {to_ns}", net_ns_fd=to_ns)


def delete_link(ns: str, ifname: str) -> bool:
    """Delete an interface (a veth takes its peer with it); False when it did not exist."""
    try:
        with _netlink(ns) as h:
            found = h.link_lookup(ifname=ifname)
            if not found:
                return False
            h.link("del", index=found[0])
            return True
    except Exception as exc:
        raise _fail(f"deleting {ifname}", ns, exc) from exc


def links(ns: str | None) -> list[str]:
    """Interface names in a namespace."""
    with _netlink(ns) as h:
        return [link.get_attr("IFLA_IFNAME") for link in h.get_links()]


def link_exists(ns: str | None, ifname: str) -> bool:
    """True when the namespace has this interface."""
    with _netlink(ns) as h:
        return bool(h.link_lookup(ifname=ifname))


# ----- addresses and routes -----
def add_address(ns: str, ifname: str, cidr: str) -> None:
    """Add an IPv4 address such as 10.0.1.2/24."""
    address, _, prefix = cidr.partition("/")
    try:
        with _netlink(ns) as h:
            h.addr("add", index=_index(h, ns, ifname), address=address, prefixlen=int(prefix or 32))
    except KernelError:
        raise
    except Exception as exc:
        raise _fail(f"adding address {cidr} to {ifname}", ns, exc) from exc


def addresses(ns: str | None) -> dict[str, list[str]]:
    """IPv4 addresses per interface, as CIDR strings (loopback left out)."""
    found: dict[str, list[str]] = {}
    with _netlink(ns) as h:
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in h.get_links()}
        for addr in h.get_addr(family=2):
            name = names.get(addr["index"], "?")
            if name != "lo":
                found.setdefault(name, []).append(f"{addr.get_attr('IFA_ADDRESS')}/{addr['prefixlen']}")
    return found


def add_route(ns: str, destination: str, gateway: str) -> None:
    """Route `destination` ("default" or a CIDR) through `gateway`."""
    fields: dict[str, object] = {"gateway": gateway}
    if destination != "default":
        fields["dst"] = destination
    else:
        fields["dst"] = "0.0.0.0/0"
    try:
        with _netlink(ns) as h:
            h.route("add", **fields)
    except Exception as exc:
        raise _fail(f"adding route {destination} via {gateway}", ns, exc) from exc


def routes(ns: str | None) -> list[tuple[str, str | None]]:
    """(destination CIDR, gateway or None) of the main table's IPv4 routes."""
    found = []
    with _netlink(ns) as h:
        for route in h.get_routes(family=2, table=254):
            dst = route.get_attr("RTA_DST")
            found.append((f"{dst}/{route['dst_len']}" if dst else "default", route.get_attr("RTA_GATEWAY")))
    return found


def set_sysctls(ns: str, settings: dict[str, str]) -> bool:
    """Set kernel parameters inside a namespace in one process; False when one is unknown here."""
    if not settings:
        return True
    result = run(ns, ["sysctl", "-qw", *[f"{k}={v}" for k, v in settings.items()]], timeout=10)
    return result.returncode == 0


def disable_ipv6(ns: str) -> None:
    """Turn IPv6 off in a namespace, on its interfaces and on those created later (nothing to do on a kernel
    without IPv6)."""
    if not os.path.isdir("/proc/sys/net/ipv6"):
        return
    if not set_sysctls(ns, {"net.ipv6.conf.all.disable_ipv6": "1", "net.ipv6.conf.default.disable_ipv6": "1"}):
        raise KernelError(f"turning IPv6 off in namespace {ns} failed")


def set_forwarding(ns: str, on: bool = True) -> None:
    """Turn IPv4 forwarding on or off inside a namespace."""
    result = run(ns, ["sysctl", "-qw", f"net.ipv4.ip_forward={int(on)}"], timeout=10)
    if result.returncode != 0:
        raise KernelError(f"setting ip_forward in namespace {ns}: {result.stderr.strip()}")


# ----- counters -----
def counters(ns: str | None) -> dict[str, Counters]:
    """Byte and packet counters of every interface of a namespace, in one netlink dump."""
    found = {}
    with _netlink(ns) as h:
        for link in h.get_links():
            stats = link.get_attr("IFLA_STATS64") or link.get_attr("IFLA_STATS") or {}
            found[link.get_attr("IFLA_IFNAME")] = Counters(
                stats.get("rx_bytes", 0), stats.get("tx_bytes", 0), stats.get("rx_packets", 0),
                stats.get("tx_packets", 0), stats.get("rx_dropped", 0), stats.get("tx_dropped", 0))
    return found


# ----- commands -----
def _argv(ns: str | None, argv: list[str]) -> list[str]:
    if ns is None:
        return list(argv)
    _check_name(ns)
    return ["ip", "netns", "exec", ns, *argv]


def run(ns: str | None, argv: list[str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run a command inside a namespace and wait for it (text output captured)."""
    try:
        return subprocess.run(_argv(ns, argv), capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise KernelError(f"cannot run {argv[0]}: {exc.strerror}") from exc


def popen(ns: str | None, argv: list[str], **kwargs) -> subprocess.Popen:
    """Start a command inside a namespace and return at once."""
    return subprocess.Popen(_argv(ns, argv), **kwargs)


_GARP = r"""
import socket, struct, sys
for item in sys.argv[1:]:
    ifname, mac, *ips = item.split(",")
    mac = bytes.fromhex(mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for ip in ips:
        a = socket.inet_aton(ip)
        arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, a, b"\xff" * 6, a)
        s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp)
    s.close()
"""


def announce(ns: str, *ifnames: str) -> None:
    """Broadcast a gratuitous ARP for each IPv4 address of these interfaces (switches and VXLAN
    endpoints relearn where they are), in one short process inside the namespace."""
    found = addresses(ns)
    items = []
    with _netlink(ns) as h:
        for ifname in ifnames:
            mac = h.get_links(_index(h, ns, ifname))[0].get_attr("IFLA_ADDRESS")
            ips = [cidr.split("/")[0] for cidr in found.get(ifname, [])]
            if ips:
                items.append(",".join([ifname, mac, *ips]))
    if items:
        result = run(ns, [sys.executable, "-c", _GARP, *items], timeout=10)
        if result.returncode != 0:
            raise KernelError(f"announcing {', '.join(ifnames)} in namespace {ns}: {result.stderr.strip()}")

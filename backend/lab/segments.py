"""A virtual link's layer-2 segment on lab hosts: a bridge per link per host (the guests' taps join it;
libvirt creates them), and VXLAN tunnels joining a link's bridges across hosts: one VXLAN device per
link per host, enslaved to the link's bridge, flooding to every other host of the link (head-end
replication: an all-zero forwarding entry per peer) and learning where each guest's MAC lives, so that
a guest that moved is found again as soon as it speaks (QEMU announces it after a migration)."""

from __future__ import annotations

import json

from backend.lab import netns

VXLAN_PORT = 4789
ZERO_MAC = "00:00:00:00:00:00"


def ensure_bridge(ns: str, bridge: str) -> None:
    """Create (or keep) a link's bridge in a host's namespace, up, without STP or an address."""
    if bridge not in netns.links(ns):
        netns.ip(ns, "link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0")
    netns.ip(ns, "link", "set", bridge, "up")


def remove_bridge(ns: str, bridge: str) -> bool:
    """Remove a link's bridge from a host's namespace; False when it was not there."""
    if bridge not in netns.links(ns):
        return False
    netns.ip(ns, "link", "delete", bridge)
    return True


def vxlan_name(vni: int) -> str:
    """The VXLAN device of a link on a host (at most 15 characters)."""
    if not 0 < vni < 2**24:
        raise ValueError(f"VXLAN network identifier {vni} is outside 1..16777215")
    return f"vxl{vni}"


def ensure_vxlan(ns: str, bridge: str, vni: int, local: str, peers: list[str], mtu: int = 1500,
                 name: str | None = None) -> str:
    """Create (or keep) the VXLAN device of link `vni` (named `name`, vxl<VNI> by default) in namespace `ns`,
    enslaved to `bridge`, sending from `local` to exactly `peers`; returns its name."""
    name = name or vxlan_name(vni)
    if name not in netns.links(ns):
        netns.ip(ns, "link", "add", name, "mtu", str(mtu), "type", "vxlan", "id", str(vni), "local", local,
                 "dstport", str(VXLAN_PORT))
    netns.ip(ns, "link", "set", name, "master", bridge)
    netns.ip(ns, "link", "set", name, "up")
    set_peers(ns, vni, peers, name)
    return name


def peers_of(ns: str, vni: int, name: str | None = None) -> list[str]:
    """The hosts a link's VXLAN device floods to."""
    done = netns.bridge_cmd(ns, "-j", "fdb", "show", "dev", name or vxlan_name(vni), check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return []
    return sorted({e["dst"] for e in json.loads(done.stdout) if e.get("mac") == ZERO_MAC and e.get("dst")})


def set_peers(ns: str, vni: int, peers: list[str], name: str | None = None) -> None:
    """Make the device flood to exactly `peers` (added and removed as needed)."""
    name = name or vxlan_name(vni)
    present = set(peers_of(ns, vni, name))
    for peer in sorted(set(peers) - present):
        netns.bridge_cmd(ns, "fdb", "append", ZERO_MAC, "dev", name, "dst", peer)
    for peer in sorted(present - set(peers)):
        netns.bridge_cmd(ns, "fdb", "del", ZERO_MAC, "dev", name, "dst", peer)


def remove_vxlan(ns: str, vni: int, name: str | None = None) -> bool:
    """Remove a link's VXLAN device from a namespace; False when it was not there."""
    name = name or vxlan_name(vni)
    if name not in netns.links(ns):
        return False
    netns.ip(ns, "link", "delete", name)
    return True

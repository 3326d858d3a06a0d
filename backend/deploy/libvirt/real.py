"""Real libvirtd hosts for the libvirt deployer: what each host is (a lab host, whose links are made in its
network namespace, or a host of another machine, reached over ssh), the guests it boots from the project's
image (configured from their kernel command line), and the layer-2 segments of the links: a bridge per link
per host (on another machine, the bridge of the link's libvirt network), joined across hosts by a VXLAN
tunnel the deployment creates and removes (over ssh there: remote.py; docs/deployment.md, "Real hosts")."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from backend.deploy.libvirt import disks, remote
from backend.deploy.libvirt.guard import guard_of
from backend.deploy.libvirt.images import PlacedImage
from backend.deploy.libvirt.xml import DomainSpec, GuestBoot, NicSpec, stable_mac, stable_uuid
from backend.deploy.plan import Plan, safe_name
from backend.deploy.record import prefix_of
from backend.guest.config import GuestConfig, GuestNic, kernel_cmdline
from backend.guest.image import GuestImage
from backend.guest.nocloud import user_disk_of
from backend.lab import segments

TUNNEL_MTU = 1600  # the lab's underlay carries a guest's 1500 bytes and VXLAN's 50


class RealHostError(RuntimeError):
    """A real host cannot take what the deployment asks (a link across hosts where no tunnel can be made)."""


class SegmentTaken(RealHostError):
    """A device of a segment's name is on the host already: someone else's, left as it is."""


@dataclass
class RealHost:
    """A host running a real libvirtd: its namespace and underlay address when it is a lab host (links are
    made there), the domain type its guests get, and whether libvirt's <bandwidth> works on it."""

    id: str
    uri: str
    netns: str | None
    address: str | None
    domain_type: str
    host_shaping: bool
    shaping_reason: str
    in_lab: bool = False  # a host of a local lab, also when handled as a host of another machine

    @property
    def lab(self) -> bool:
        """True for a host of a local lab (vxi lab up)."""
        return self.netns is not None


def find_host(host_id: str, uri: str) -> RealHost:
    """What a real host is: a lab host (from the lab registry in /run) or another libvirtd."""
    from backend.lab.lab import host_for_uri

    found = host_for_uri(uri)
    address = urlsplit(uri).hostname
    if found is not None:
        lab, lab_host = found
        if as_remote(uri):
            return RealHost(host_id, uri, None, address, lab.domain_type, lab.host_shaping, lab.host_shaping_reason,
                            True)
        return RealHost(host_id, uri, lab_host.netns, lab_host.address, lab.domain_type, lab.host_shaping,
                        lab.host_shaping_reason, True)
    from backend.guest import accel

    chosen = accel.quick_answer() or accel.Accel("kvm", "a remote host: KVM assumed (set VXI_DOMAIN_TYPE=qemu "
                                                        "for software emulation)")
    return RealHost(host_id, uri, None, address, chosen.domain_type, True,
                    "libvirt's <bandwidth> shapes the taps (a host outside the lab)")


def as_remote(uri: str) -> bool:
    """True when a lab host reached over ssh is to be handled as a host of another machine (VXI_LAB_AS_REMOTE=1):
    everything made on it goes through its libvirt connection and its ssh server, as on a real cluster."""
    return os.environ.get("VXI_LAB_AS_REMOTE", "") not in ("", "0") and urlsplit(uri).scheme.endswith("+ssh")


def bridge_name(tag: str, index: int) -> str:
    """The bridge of segment `index` on a host (at most 15 characters)."""
    return f"vx{tag}b{index}"


def tunnel_name(tag: str, index: int) -> str:
    """The VXLAN device of segment `index` on a host."""
    return f"vx{tag}v{index}"


def vni(tag: str, index: int) -> int:
    """The VXLAN network identifier of a deployment's segment (1..16777215, the same on every host)."""
    value = int.from_bytes(hashlib.sha256(f"{tag}/{index}".encode()).digest()[:3], "big")
    return value or 1


def make_segment(host: RealHost, tag: str, index: int, peers: list[RealHost], new: bool = False) -> list[str]:
    """The segment's bridge on a lab host, and its tunnel to `peers` when there are any; what was created
    (kinds and names, for the record). On a host of another machine the bridge is libvirt's (the link's
    network, defined first by the caller) and only the tunnel is made, over ssh. `new`: a deployment's first
    making, where a device of the same name already there is not ours (SegmentTaken)."""
    if not host.lab:
        shell_of(host)
        set_tunnel(host, tag, index, peers, new)
        return [tunnel_name(tag, index)] if peers else []
    made = []
    bridge = bridge_name(tag, index)
    if new:
        from backend.lab import netns

        taken = sorted({bridge, tunnel_name(tag, index)} & set(netns.links(host.netns)))
        if taken:
            raise SegmentTaken(f"a device named {taken[0]} already exists on the host (not made by this deployment)")
    segments.ensure_bridge(host.netns, bridge)
    made.append(bridge)
    set_tunnel(host, tag, index, peers)
    if peers:
        made.append(tunnel_name(tag, index))
    return made


def shell_of(host: RealHost) -> remote.SshTarget:
    """How the deployment reaches a shell on a host of another machine: its URI's ssh credentials."""
    try:
        target = remote.target_of(host.uri)
    except ValueError as exc:
        raise RealHostError(str(exc)) from None
    if target is None:
        raise RealHostError(f"host {host.id}: a link tunnel is made through ssh with the URI's credentials, and "
                            f"{host.uri} is not a qemu+ssh:// URI")
    return target


def set_tunnel(host: RealHost, tag: str, index: int, peers: list[RealHost], new: bool = False) -> None:
    """Join the host's bridge of a segment to exactly `peers` (a tunnel made, changed or removed): in the lab
    host's namespace, or over ssh on a host of another machine."""
    apart = [p.id for p in peers if p.in_lab != host.in_lab]
    if apart:
        raise RealHostError(f"a link between {host.id} and {', '.join(apart)} joins a lab host to a host of another "
                            "machine: the lab's underlay stays on this machine (use lab hosts only, or hosts of "
                            "other machines only)")
    name = tunnel_name(tag, index)
    if not host.lab:
        _set_remote_tunnel(host, tag, index, peers, new)
        return
    if peers:
        try:
            segments.ensure_vxlan(host.netns, bridge_name(tag, index), vni(tag, index), host.address,
                                  [p.address for p in peers], TUNNEL_MTU, name)
        except RuntimeError as exc:
            if "File exists" not in str(exc):
                raise
            raise RealHostError(f"tunnel {name}: VNI {vni(tag, index)} on UDP port {segments.VXLAN_PORT} is already "
                                "taken by another device of the host") from exc
    else:
        segments.remove_vxlan(host.netns, vni(tag, index), name)


def _set_remote_tunnel(host: RealHost, tag: str, index: int, peers: list[RealHost], new: bool) -> None:
    target, guard = shell_of(host), guard_of(host.uri)
    name = tunnel_name(tag, index)
    try:
        if not peers:
            remote.run(target, remote.remove_script([name]), f"removing tunnel {name}", guard=guard)
            return
        addresses = [remote.underlay_address(p.address or "") for p in peers]
        remote.run(target, remote.tunnel_script(name, bridge_name(tag, index), vni(tag, index), addresses,
                                                TUNNEL_MTU, new), f"tunnel {name} (VNI {vni(tag, index)})", guard=guard)
    except remote.NameTaken as exc:
        raise SegmentTaken(str(exc)) from None
    except remote.RemoteError as exc:
        raise RealHostError(str(exc)) from None


def remove_segment(host: RealHost, tag: str, index: int) -> None:
    """Remove a segment's tunnel and bridge from a lab host, its tunnel from a host of another machine (whose
    bridge goes with the link's libvirt network); nothing when they are not there."""
    if not host.lab:
        _set_remote_tunnel(host, tag, index, [], False)
        return
    segments.remove_vxlan(host.netns, vni(tag, index), tunnel_name(tag, index))
    segments.remove_bridge(host.netns, bridge_name(tag, index))


def remove_all(host: RealHost, tag: str) -> list[str]:
    """Remove every bridge and tunnel of a deployment from a host (over ssh on a host of another machine, where
    a bridge is left only when its network's daemon could not remove it); their names."""
    own = re.compile(rf"^vx{re.escape(tag)}[bv]\d+$")
    if not host.lab:
        target, guard = shell_of(host), guard_of(host.uri)
        try:
            found = [n for n in remote.link_devices(remote.run(target, remote.list_script(), "listing devices",
                                                               guard=guard)) if own.match(n)]
            if found:
                remote.run(target, remote.remove_script(_tunnels_first(found, tag)), "removing link devices",
                           guard=guard)
        except remote.RemoteError as exc:
            raise RealHostError(str(exc)) from None
        return found
    from backend.lab import netns

    found = [name for name in netns.links(host.netns) if own.match(name)]
    for name in _tunnels_first(found, tag):
        netns.ip(host.netns, "link", "delete", name, check=False)
    return found


def _tunnels_first(names: list[str], tag: str) -> list[str]:
    return sorted(names, key=lambda n: n[len(tag) + 2:][:1] == "b")


def guest_name(component_id: str) -> str:
    """A guest's host name (letters, digits, '.' and '-')."""
    return safe_name(component_id).replace("_", "-")[:63] or "guest"


def guest_spec(plan: Plan, key: str, tag: str, name: str, network_of, host: RealHost,
               image: GuestImage | PlacedImage | None, folder: Path, conn=None) -> DomainSpec:
    """The domain of a component as a real guest: one virtio NIC per segment on the segment's bridge (lab) or
    network; its addresses, routes and forwarding on its kernel command line (the project's image) or in a
    NoCloud seed beside an overlay of the user's own disk (<x:disk>: made in `folder` for a host of this machine,
    in the deployment's storage pool through `conn` on another); shaped by libvirt on the
    host when it can, by the guest (tbf on its egress) otherwise; a link's latency is added by the guest (netem
    on each end's egress, as the netns backend does)."""
    pc = plan.components[key]
    nics, guest_nics = [], []
    for j, (seg, att) in enumerate(plan.segments_of(key)):
        mac = stable_mac(tag, name, j)
        bridge = bridge_name(tag, seg.index) if host.lab else None
        nics.append(NicSpec(network_of(seg.vxi, seg.link), att.rate_out_bps, att.rate_in_bps, att.address,
                            att.port, mac, bridge, host.host_shaping))
        guest_nics.append(GuestNic(mac, [att.address], 0.0 if host.host_shaping else att.rate_out_bps,
                                   seg.latency_s or 0.0))
    config = GuestConfig(guest_name(pc.id), guest_nics, list(pc.routes), pc.forwards)
    disk = user_disk_of(pc)
    if disk is not None:
        config.check()
        if disks.on_this_machine(host):
            boot = disks.prepare(key, host.id, disk, config, folder, name)
        elif conn is None:
            raise disks.DiskError(f"{key}: its disk on host {host.id} is made through the host's connection")
        else:
            boot = disks.prepare_on_host(key, host.id, conn, prefix_of(tag), disk, config, name)
    else:
        boot = GuestBoot(kernel=str(image.kernel), initrd=str(image.initrd), cmdline=kernel_cmdline(config))
    from backend.deploy.state import state_dir

    log = f"/var/log/libvirt/qemu/{name}.serial.log"
    return DomainSpec(name, stable_uuid(tag, name), pc.memory_bytes, pc.vcpus, tag, pc.vxi, pc.id, pc.kind, nics,
                      list(pc.routes), host.domain_type, boot, log, str(state_dir()))

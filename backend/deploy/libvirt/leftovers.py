"""What real-libvirt deployments left on this machine's lab hosts, found by name when their record is lost or
damaged: domains and networks named `vxi<tag>-...`, link bridges and tunnels `vx<tag>b<N>` / `vx<tag>v<N>` in
the hosts' namespaces, storage pools `vxi<tag>-disks` (users' disks on a host handled as one of another
machine), and overlays and seeds of users' disks in `<state>/deployments/<tag>/disks/`. Hosts
outside a lab are known only from a record, or from a substrate given with `--substrate` (`search_substrate`);
their link devices are listed over ssh (remote.py). Each is asked within its deadlines (guard.py, and the ssh
call's): one that does not answer is passed over."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field

from backend.deploy.libvirt import pools
from backend.deploy.libvirt.disks import DISKS
from backend.deploy.libvirt.guard import guard_of
from backend.deploy.record import valid_id

LINK_DEVICE = re.compile(r"^vx([a-z][a-z0-9]{4})[bv]\d+$")  # of a deployment with a generated tag


@dataclass
class Found:
    """The lab hosts that hold something of a deployment (host key -> URI), and what each holds."""

    hosts: dict[str, str] = field(default_factory=dict)
    objects: list[str] = field(default_factory=list)


_substrate_hosts: dict[str, str] = {}  # hosts outside a lab to look on too (`search_substrate`)


def search_substrate(substrate) -> dict[str, str]:
    """Look on a substrate's real libvirt hosts too (hosts outside a lab, whose URIs only a record or the
    substrate knows), for this process's later searches; the hosts (id -> URI) added."""
    from backend.deploy.libvirt.hosts import is_test_uri

    added = {host_id: host.uri for host_id, host in substrate.hosts.items() if host.uri and not is_test_uri(host.uri)}
    _substrate_hosts.update(added)
    return added


def searched_hosts() -> dict[str, str]:
    """Every host looked on: the labs' and the substrate's given to `search_substrate` (a URI once)."""
    found = lab_hosts()
    uris = set(found.values())
    for host_id, uri in _substrate_hosts.items():
        if uri not in uris:
            found[host_id if host_id not in found else f"{host_id}@{uri}"] = uri
            uris.add(uri)
    return found


def lab_hosts() -> dict[str, str]:
    """Every host of the labs running on this machine, by id (`LAB/ID` when two labs share an id), with its
    daemon's socket: also in a lab reached over ssh, a search on this machine never waits for ssh."""
    from backend.lab.lab import LabError, load, running_labs

    found: list[tuple[str, str, str]] = []
    for name in running_labs():
        try:
            lab = load(name)
        except (LabError, OSError, ValueError, KeyError):
            continue
        found += [(name, host.id, host.socket_uri) for host in lab.hosts]
    ids = [host_id for _lab, host_id, _uri in found]
    return {(host_id if ids.count(host_id) == 1 else f"{lab}/{host_id}"): uri for lab, host_id, uri in found}


def _tag_of_name(name: str) -> str | None:
    if not name.startswith("vxi") or "-" not in name[4:]:
        return None
    tag = name[3:].partition("-")[0]
    return tag if valid_id(tag) else None


def scan(only: str | None = None) -> dict[str, Found]:
    """What each deployment left on the labs' hosts and in the state folder: of those whose domains name this
    state directory in their metadata (or whose disks are in it), so that `--all` never reaches another user's
    deployments on a shared lab; with `only`, everything named after that one tag."""
    import libvirt

    from backend.deploy.base import DeployError
    from backend.deploy.libvirt.hosts import open_connection
    from backend.deploy.state import state_dir
    result: dict[str, Found] = {}
    ours: set[str] = set()  # tags whose domains or pools name this state directory, or whose disks are in it
    mine = str(state_dir())

    def note(tag: str | None, host_key: str | None, uri: str | None, what: str) -> None:
        if tag is None or (only is not None and tag != only):
            return
        entry = result.setdefault(tag, Found())
        if host_key is not None:
            entry.hosts[host_key] = uri
        entry.objects.append(what)

    for host_key, uri in searched_hosts().items():
        try:  # within the host's deadlines: one that stops answering is passed over (vxi status names it)
            conn = open_connection(uri, host_key)
        except DeployError:
            continue
        try:
            for dom in conn.listAllDomains():
                tag = _tag_of_name(dom.name())
                note(tag, host_key, uri, f"domain {dom.name()} on {host_key}")
                if tag is not None and _state_of(dom) == mine:
                    ours.add(tag)
            for net in conn.listAllNetworks():
                note(_tag_of_name(net.name()), host_key, uri, f"network {net.name()} on {host_key}")
            for pool in conn.listAllStoragePools(0):  # disks and the guest image on a host of another machine
                tag = _tag_of_name(pool.name())
                note(tag, host_key, uri, f"storage pool {pool.name()} on {host_key}")
                if tag is not None and pool.isActive() and pools.owned_by(pool, mine):
                    ours.add(tag)
        except (libvirt.libvirtError, DeployError):
            continue
        finally:
            with contextlib.suppress(libvirt.libvirtError, DeployError):
                conn.close()
        for device in _link_devices(uri):
            match = LINK_DEVICE.match(device)
            tag = match.group(1) if match else None
            if only is not None and re.match(rf"^vx{re.escape(only)}[bv]\d+$", device):
                tag = only
            note(tag, host_key, uri, f"link device {device} on {host_key}")
    for folder in _disk_folders():
        tag = folder.parent.name
        ours.add(tag)
        for path in sorted(folder.iterdir()):
            note(tag, None, None, f"disk {path}")
    if only is not None:
        return result
    return {tag: found for tag, found in result.items() if tag in ours}


def _link_devices(uri: str) -> list[str]:
    """The network devices of a host: in a lab host's namespace, or over ssh on a host of another machine
    (none when it cannot be asked now)."""
    from backend.deploy.libvirt import remote
    from backend.lab import netns
    from backend.lab.lab import host_for_uri

    located = host_for_uri(uri)
    if located is not None:
        return netns.links(located[1].netns)
    try:
        target = remote.target_of(uri)
        return remote.link_devices(remote.run(target, remote.list_script(), "listing devices",
                                              guard=guard_of(uri))) if target else []
    except (ValueError, remote.RemoteError):
        return []


def _state_of(dom) -> str | None:
    """The state directory a domain's metadata names (None for one without)."""
    import libvirt
    from lxml import etree

    from backend.deploy.libvirt.xml import METADATA_NS

    try:
        text = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, METADATA_NS)
    except libvirt.libvirtError:
        return None
    return etree.fromstring(text.encode()).get("state")


def _disk_folders():
    from backend.deploy.state import state_dir

    root = state_dir() / "deployments"
    if not root.is_dir():
        return []
    return [p / DISKS for p in root.iterdir() if valid_id(p.name) and (p / DISKS).is_dir()
            and not (p / DISKS).is_symlink()]


def leftover_tags() -> set[str]:
    """The tags of the deployments this machine's labs (and the state folder's disks) hold objects of."""
    return set(scan())


def hosts_of(tag: str) -> dict[str, str]:
    """The lab hosts that hold something of a deployment (by id, with their URIs)."""
    found = scan(tag).get(tag)
    return dict(found.hosts) if found else {}

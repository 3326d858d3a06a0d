"""The local multi-host lab: N libvirtd daemons on this machine, each a "host" in its own network
namespace, joined by an underlay switch in the lab's own namespace; nothing in the root namespace.

    vxlab-NAME        the lab's switch: bridge "underlay", one veth port per host
    vxlab-NAME-hI     host hI: lo, "ul0" (10.254.0.I/24), the link bridges, taps and VXLAN devices of
                       its guests, its libvirtd and QEMUs; migration streams and tunnels cross the underlay

With --ssh every host also runs an OpenSSH server on its underlay address, and the switch namespace gets
10.254.0.254, where vxi's ssh connections start (backend/lab/sshd.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend.extras import require_libvirt
from backend.lab import daemon, netns, shaping, sshd
from backend.lab import substrate as lab_substrate
from backend.lab.daemon import LabHost
from backend.lab.netns import LabError

UNDERLAY = "10.254.0"  # /24 inside the lab's namespaces only
UNDERLAY_MTU = 1600  # room for VXLAN's 50 bytes around a guest's 1500
SWITCH = "underlay"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
_HOST_SUFFIX = re.compile(r"-h\d+$")  # host namespaces end so; lab names may not
_MAX_SOCKET = 100  # a UNIX socket path holds 107 bytes; leave room for libvirt-admin-sock
# The standard libvirt paths the labs of this machine created (to bind over), removed with the last lab.
MOUNTPOINTS = Path("/run/vxi-designer/lab-mountpoints")
REGISTRY = Path("/run/vxi-designer/labs")  # lab name -> its directory, for a down that is not told where


def labs_root() -> Path:
    """$VXI_LAB_DIR, else $XDG_STATE_HOME/vxi-designer/labs, else ~/.local/state/vxi-designer/labs."""
    if os.environ.get("VXI_LAB_DIR"):
        return Path(os.environ["VXI_LAB_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vxi-designer" / "labs"


def netns_prefix(name: str) -> str:
    """The lab's switch namespace; its hosts' are this with -hI. Not 'vxi...': the netns backend owns the
    namespaces named 'vxi<deployment>-...' and removes those it finds no record of."""
    return f"vxlab-{name}"


def namespaces_of(name: str) -> list[str]:
    """The existing namespaces of one lab (not those of a lab whose name merely starts the same)."""
    own = re.compile(rf"^{re.escape(netns_prefix(name))}(-h\d+)?$")
    return [ns for ns in netns.names(netns_prefix(name)) if own.match(ns)]


@dataclass
class Lab:
    """A lab as lab.json records it."""

    name: str
    directory: str
    hosts: list[LabHost] = field(default_factory=list)
    substrate: str = ""
    domain_type: str = "qemu"
    accel_reason: str = ""
    host_shaping: bool = False
    host_shaping_reason: str = ""
    image: str = ""
    created: float = 0.0
    state: str = "starting"
    ssh: bool = False

    @property
    def switch(self) -> str:
        """The namespace of the lab's switch."""
        return netns_prefix(self.name)

    @property
    def state_file(self) -> Path:
        """lab.json."""
        return Path(self.directory) / "lab.json"

    def host(self, host_id: str) -> LabHost:
        """One host by id (LabError naming the lab's hosts otherwise)."""
        for host in self.hosts:
            if host.id == host_id:
                return host
        raise LabError(f"lab {self.name} has no host '{host_id}' (hosts: {', '.join(h.id for h in self.hosts)})")

    def to_json(self) -> dict:
        """lab.json's content."""
        return {"name": self.name, "directory": self.directory, "state": self.state, "created": self.created,
                "substrate": self.substrate, "domain_type": self.domain_type, "accel_reason": self.accel_reason,
                "host_shaping": self.host_shaping, "host_shaping_reason": self.host_shaping_reason,
                "image": self.image, "ssh": self.ssh,
                "switch_netns": self.switch, "underlay": f"{UNDERLAY}.0/24",
                "hosts": [h.to_json() for h in self.hosts]}

    @classmethod
    def from_json(cls, data: dict) -> Lab:
        """From lab.json."""
        return cls(data["name"], data["directory"], [LabHost.from_json(h) for h in data["hosts"]],
                   data.get("substrate", ""), data.get("domain_type", "qemu"), data.get("accel_reason", ""),
                   data.get("host_shaping", False), data.get("host_shaping_reason", ""),
                   data.get("image", ""), data.get("created", 0.0), data.get("state", "up"), data.get("ssh", False))

    def connect(self, host_id: str):
        """A new libvirt connection to one host of the lab."""
        import libvirt

        return libvirt.open(self.host(host_id).uri)

    def save(self) -> None:
        """Write lab.json atomically."""
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".lab.", suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(self.to_json(), out, indent=2)
        os.replace(tmp, self.state_file)


def lab_dir(name: str, root: Path | None = None) -> Path:
    """Where a lab keeps its files (a running lab's own directory when no root is given)."""
    if root is None and (REGISTRY / name).is_file():
        return Path((REGISTRY / name).read_text().strip())
    return (root or labs_root()) / name


def running_labs() -> list[str]:
    """Names of the labs this machine runs (or that left namespaces behind)."""
    names = {p.name for p in REGISTRY.iterdir()} if REGISTRY.is_dir() else set()
    names |= {ns[len("vxlab-"):] for ns in netns.names("vxlab-") if not _HOST_SUFFIX.search(ns)}
    return sorted(names)


def load(name: str = "lab", root: Path | None = None) -> Lab:
    """The recorded lab (LabError when there is none)."""
    path = lab_dir(name, root) / "lab.json"
    if not path.is_file():
        raise LabError(f"no lab '{name}' in {path.parent.parent} (start one with: vxi lab up)")
    return Lab.from_json(json.loads(path.read_text()))


def host_for_uri(uri: str) -> tuple[Lab, LabHost] | None:
    """The running lab and lab host a libvirt URI belongs to (a deployer needs its namespace to make the
    host's link bridges and tunnels), or None for a URI that is no lab's."""
    for name in running_labs():
        try:
            found = load(name)
        except (LabError, OSError, ValueError, KeyError):
            continue
        for host in found.hosts:
            if uri in (host.uri, host.socket_uri):
                return found, host
    return None


def check_machine(ssh: bool = False) -> None:
    """LabError unless this process can start daemons: root, libvirtd, QEMU, iproute2, unshare (and with
    `ssh`, OpenSSH's server and client and libvirt's virt-ssh-helper)."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network and mount namespaces, bridges, libvirtd as root)")
    missing = [tool for tool in ("libvirtd", "qemu-system-x86_64", "ip", "bridge", "unshare", "tc")
               if shutil.which(tool) is None and not any(Path(d, tool).exists() for d in ("/usr/sbin", "/sbin"))]
    if missing:
        raise LabError(f"missing {', '.join(missing)}: install the system packages (make system, or "
                       "apt-get install --no-install-recommends libvirt-daemon libvirt-daemon-driver-qemu "
                       "qemu-system-x86 iproute2)")
    lacking = sshd.missing() if ssh else []
    if lacking:
        raise LabError(f"missing {', '.join(lacking)}: a lab reached over ssh needs OpenSSH's server (make system, "
                       "or apt-get install --no-install-recommends openssh-server)")


def up(hosts: int = 3, name: str = "lab", root: Path | None = None, like=None,
       progress: Callable[[str], None] | None = None, ssh: bool = False) -> Lab:
    """Start a lab of `hosts` daemons (or one per host of the substrate `like`), build the guest image,
    find the domain type and whether hosts can shape, write the substrate; roll back on failure. With `ssh`,
    every host runs an OpenSSH server and the substrate's URIs are qemu+ssh:// (backend/lab/sshd.py)."""
    say = progress or (lambda _text: None)
    require_libvirt("a lab (vxi lab up)")  # an optional extra: its pip command, before anything starts
    if not _NAME.match(name) or _HOST_SUFFIX.search(name):
        raise LabError(f"lab name '{name}': letters, digits, '-' and '_' only, at most 16, not ending in -h<N>")
    ids = list(like.hosts) if like is not None else [f"h{i}" for i in range(1, hosts + 1)]
    if not 1 <= len(ids) <= 32:
        raise LabError(f"a lab has 1 to 32 hosts, not {len(ids)}")
    check_machine(ssh)
    directory = lab_dir(name, root)
    if (directory / "lab.json").exists() or namespaces_of(name):
        raise LabError(f"lab '{name}' is already up or left traces (run: vxi lab down{_name_opt(name)})")
    socket = f"{directory.absolute()}/{ids[0]}/sock/libvirt-admin-sock"
    if len(socket) > _MAX_SOCKET:
        raise LabError(f"lab directory {directory} is too deep for UNIX sockets ({len(socket)} > {_MAX_SOCKET} "
                       "characters): set VXI_LAB_DIR to a shorter path")
    directory.mkdir(parents=True, exist_ok=True)
    lab = Lab(name, str(directory.resolve()), created=time.time(), ssh=ssh)
    REGISTRY.mkdir(parents=True, exist_ok=True)
    (REGISTRY / name).write_text(lab.directory + "\n")
    lab.hosts = [LabHost(host_id, i, f"{lab.switch}-h{i}", f"{UNDERLAY}.{i}", f"{lab.directory}/{host_id}",
                         str(uuid.uuid4())) for i, host_id in enumerate(ids, start=1)]
    lab.save()
    try:
        _start(lab, say)
        _describe(lab, like, say)
        lab.state = "up"
        lab.save()
    except BaseException:
        down(name, root)
        raise
    return lab


def _start(lab: Lab, say: Callable[[str], None]) -> None:
    _mountpoints(lab.ssh)
    netns.add(lab.switch)
    netns.ip(lab.switch, "link", "add", SWITCH, "type", "bridge")
    netns.ip(lab.switch, "link", "set", SWITCH, "up")
    say(f"lab {lab.name}: switch namespace {lab.switch}, underlay {UNDERLAY}.0/24")
    if lab.ssh:
        sshd.prepare_client(lab.directory, lab.name, lab.switch, UNDERLAY)
        say(f"lab {lab.name}: ssh key {sshd.keyfile(lab.directory)}, connections from {UNDERLAY}.{sshd.STATION}")
    for host in lab.hosts:
        _plug(lab, host)
        daemon.prepare(host)
        daemon.start(host, lab.name)
        lab.save()
        say(f"lab {lab.name}: host {host.id} up in namespace {host.netns} (libvirtd pid {host.pid})")
        if lab.ssh:
            sshd.prepare_host(host.directory, host.id, host.address, lab.directory)
            pid = sshd.start(host.directory, host.id, host.pid)
            host.ssh_uri = sshd.uri(host.address, lab.directory)
            lab.save()
            say(f"lab {lab.name}: host {host.id} sshd on {host.address}:22 (pid {pid})")


def _describe(lab: Lab, like, say: Callable[[str], None]) -> None:
    """Guest image, domain type, shaping, QEMU capabilities warmed on every host, substrate file."""
    from backend.guest import accel, image

    try:
        built, fresh = image.build()
    except image.ImageError as exc:
        raise LabError(f"the lab's guests need the guest image: {exc}") from exc
    lab.image = str(built.directory)
    say(f"lab {lab.name}: guest image {built.directory} ({'built' if fresh else 'cached'})")
    found = accel.detect(built)
    lab.domain_type, lab.accel_reason = found.domain_type, found.reason
    say(f"lab {lab.name}: guests run with {found.label} ({found.reason})")
    lab.host_shaping, lab.host_shaping_reason = shaping.libvirt_bandwidth_works(lab.hosts[0].netns)
    say(f"lab {lab.name}: shaping: {lab.host_shaping_reason}")
    daemon.warm_up(lab.hosts, lab.domain_type)
    lab.substrate = str(Path(lab.directory) / "substrate.vxdl")
    lab_substrate.write(Path(lab.substrate), lab.name, {h.id: h.uri for h in lab.hosts}, like)
    lab.save()


def _name_opt(name: str) -> str:
    return "" if name == "lab" else f" --name {name}"


def _mountpoints(ssh: bool = False) -> None:
    """Create the standard libvirt paths a daemon's copies are bound over (and sshd's empty privilege
    separation directory for an ssh lab), when this machine lacks them, and note them so that the last lab to
    go removes them."""
    created = MOUNTPOINTS.read_text().split() if MOUNTPOINTS.exists() else []
    for target in [*daemon.BOUND.values(), *([sshd.PRIVSEP] if ssh else [])]:
        if not os.path.isdir(target):
            os.makedirs(target)
            created.append(target)
    if created:
        MOUNTPOINTS.parent.mkdir(parents=True, exist_ok=True)
        MOUNTPOINTS.write_text("".join(f"{t}\n" for t in dict.fromkeys(created)))


def _remove_mountpoints() -> list[str]:
    """With no lab left on the machine, remove the (empty) paths labs created."""
    if netns.names("vxlab-") or not MOUNTPOINTS.exists():
        return []
    removed = []
    for target in MOUNTPOINTS.read_text().split():
        if target == sshd.PRIVSEP and sshd.machine_sshd_running():
            continue  # an sshd of the machine's, started since, uses it now: it stays
        if os.path.isdir(target) and not os.listdir(target) and not os.path.ismount(target):
            os.rmdir(target)
            removed.append(f"directory {target}")
    MOUNTPOINTS.unlink()
    if not any(MOUNTPOINTS.parent.iterdir()):
        MOUNTPOINTS.parent.rmdir()
    return removed


def _plug(lab: Lab, host: LabHost) -> None:
    """The host's namespace and its port on the lab's switch."""
    netns.add(host.netns)
    port = f"p-{host.index}"
    netns.ip(lab.switch, "link", "add", port, "mtu", str(UNDERLAY_MTU), "type", "veth", "peer", "name", "ul0",
             "netns", host.netns)
    netns.ip(lab.switch, "link", "set", port, "master", SWITCH, "up")
    netns.ip(host.netns, "link", "set", "ul0", "mtu", str(UNDERLAY_MTU), "up")
    netns.ip(host.netns, "addr", "add", f"{host.address}/24", "dev", "ul0")


def down(name: str = "lab", root: Path | None = None) -> list[str]:
    """Remove every trace of a lab: guests, daemons, processes, namespaces, directories, mountpoints it
    created. Works from lab.json, and from the namespaces' names when lab.json is gone."""
    directory = lab_dir(name, root)
    removed: list[str] = []
    lab = None
    if (directory / "lab.json").is_file():
        lab = Lab.from_json(json.loads((directory / "lab.json").read_text()))
    for host in lab.hosts if lab else []:
        pid = sshd.stop(host.directory)
        if pid:
            removed.append(f"sshd {pid} of {host.id}")
        for guest in daemon.destroy_guests(host):
            removed.append(f"guest {guest} on {host.id}")
        for pid in daemon.stop(host):
            removed.append(f"process {pid} of {host.id}")
    for ns in reversed(namespaces_of(name)):
        for pid in netns.pids(ns):
            daemon.stop_pid(pid, 3.0)
            removed.append(f"process {pid} in {ns}")
        netns.delete(ns)
        removed.append(f"namespace {ns}")
    (REGISTRY / name).unlink(missing_ok=True)
    if REGISTRY.is_dir() and not any(REGISTRY.iterdir()):
        REGISTRY.rmdir()
    removed += _remove_mountpoints()
    if (directory / "ssh").is_dir():
        removed.append(f"ssh keys and known_hosts {directory / 'ssh'}")
    if directory.exists():
        shutil.rmtree(directory)
        removed.append(f"directory {directory}")
    return removed


def status(name: str = "lab", root: Path | None = None) -> dict:
    """The lab as recorded, with each host's daemon checked: running or not, guests it runs."""
    lab = load(name, root)
    require_libvirt("a lab's status (vxi lab status)")
    data = lab.to_json()
    for host, row in zip(lab.hosts, data["hosts"], strict=True):
        row["running"] = daemon.is_running(host)
        if lab.ssh:
            row["sshd"] = sshd.running_pid(host.directory)
        row["namespace"] = netns.exists(host.netns)
        row["guests"] = _guests(host) if row["running"] else []
    return data


def _guests(host: LabHost) -> list[dict]:
    import libvirt

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        conn = libvirt.open(host.socket_uri)
    except libvirt.libvirtError:
        return []
    try:
        return [{"name": d.name(), "active": bool(d.isActive())} for d in conn.listAllDomains()]
    finally:
        conn.close()

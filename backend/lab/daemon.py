"""One lab host: a libvirtd daemon in its own network namespace and its own mount (and UTS) namespace,
with its own /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt bound
over the standard paths, its own socket directory, host UUID, pid file and migration ports."""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.lab import netns
from backend.lab.netns import LabCommandError

# The standard paths each daemon gets its own copy of (bound over them inside its mount namespace).
BOUND = {"etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt", "cache": "/var/cache/libvirt",
         "log": "/var/log/libvirt"}
QEMU_ACCOUNT = "libvirt-qemu"  # Debian's libvirtd looks this account up at start even when qemu.conf says root
MIGRATION_PORTS = 64  # per host, from 49152 on


@dataclass
class LabHost:
    """A lab host as lab.json records it."""

    id: str
    index: int
    netns: str
    address: str
    directory: str
    uuid: str
    pid: int = 0
    ssh_uri: str = ""  # a lab reached over ssh (vxi lab up --ssh): its qemu+ssh:// URI

    @property
    def socket(self) -> str:
        """The read-write socket of its daemon."""
        return f"{self.directory}/sock/libvirt-sock"

    @property
    def socket_uri(self) -> str:
        """Its daemon's socket on this machine (what the lab itself uses, with or without ssh)."""
        return f"qemu+unix:///system?socket={self.socket}"

    @property
    def uri(self) -> str:
        """How deployments reach it: over ssh in a lab started with --ssh, through its socket otherwise."""
        return self.ssh_uri or self.socket_uri

    @property
    def pid_file(self) -> Path:
        """Where its daemon writes its pid."""
        return Path(self.directory) / "libvirtd.pid"

    @property
    def migration_ports(self) -> tuple[int, int]:
        """Its own range of incoming migration ports."""
        low = 49152 + MIGRATION_PORTS * (self.index - 1)
        return low, low + MIGRATION_PORTS - 1

    def to_json(self) -> dict:
        """For lab.json."""
        return asdict(self) | {"uri": self.uri, "socket_uri": self.socket_uri}

    @classmethod
    def from_json(cls, data: dict) -> LabHost:
        """From lab.json."""
        return cls(**{k: data[k] for k in ("id", "index", "netns", "address", "directory", "uuid", "pid")},
                   ssh_uri=data.get("ssh_uri", ""))


def libvirtd_conf(host: LabHost) -> str:
    """libvirtd.conf: own socket directory, no authentication on the (root-only) socket, own host UUID."""
    return "\n".join([
        f'unix_sock_dir = "{host.directory}/sock"',
        'unix_sock_rw_perms = "0700"',
        'unix_sock_ro_perms = "0700"',
        'auth_unix_rw = "none"',
        'auth_unix_ro = "none"',
        f'host_uuid = "{host.uuid}"',
        'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"',
        "keepalive_interval = 5",
        "",
    ])


def qemu_conf(host: LabHost) -> str:
    """qemu.conf: QEMU as root without confinement, namespaces or cgroups, output to files, own
    migration ports, migration traffic to this host's lab address."""
    low, high = host.migration_ports
    return "\n".join([
        'user = "root"',
        'group = "root"',
        'security_driver = "none"',
        "namespaces = [ ]",
        "cgroup_controllers = [ ]",
        'stdio_handler = "file"',
        f"migration_port_min = {low}",
        f"migration_port_max = {high}",
        'migration_address = "0.0.0.0"',
        f'migration_host = "{host.address}"',
        "",
    ])


def _account_files(folder: Path) -> list[tuple[str, str]]:
    """passwd/group copies with the account libvirtd insists on, when this machine lacks it."""
    binds = []
    try:
        pwd.getpwnam(QEMU_ACCOUNT)
    except KeyError:
        text = Path("/etc/passwd").read_text()
        (folder / "passwd").write_text(text + f"{QEMU_ACCOUNT}:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin\n")
        binds.append((str(folder / "passwd"), "/etc/passwd"))
    try:
        grp.getgrnam(QEMU_ACCOUNT)
    except KeyError:
        (folder / "group").write_text(Path("/etc/group").read_text() + f"{QEMU_ACCOUNT}:x:64055:\n")
        binds.append((str(folder / "group"), "/etc/group"))
    return binds


def prepare(host: LabHost) -> None:
    """Write the host's directories and configuration files."""
    base = Path(host.directory)
    for sub in (*BOUND, "sock", "log/qemu"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "etc" / "libvirtd.conf").write_text(libvirtd_conf(host))
    (base / "etc" / "qemu.conf").write_text(qemu_conf(host))


def start(host: LabHost, lab_name: str, timeout: float = 30.0) -> int:
    """Start the host's daemon in its namespaces and wait for its socket; returns its pid."""
    base = Path(host.directory)
    binds = [(str(base / sub), target) for sub, target in BOUND.items()] + _account_files(base)
    script = " && ".join([f"mount --bind {shlex.quote(src)} {shlex.quote(dst)}" for src, dst in binds] +
                         [f"hostname {shlex.quote(f'{lab_name}-{host.id}')}",
                          f"exec libvirtd -f /etc/libvirt/libvirtd.conf --pid-file {shlex.quote(str(host.pid_file))} "
                          "--daemon"])
    host.pid_file.unlink(missing_ok=True)
    netns.run(["ip", "netns", "exec", host.netns, "unshare", "--mount", "--uts", "--propagation", "private",
               "sh", "-c", script])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host.pid_file.exists() and Path(host.socket).exists():
            text = host.pid_file.read_text().strip()
            if text:
                host.pid = int(text)
                return host.pid
        time.sleep(0.1)
    raise LabCommandError(f"host {host.id}: libvirtd did not create {host.socket} within {timeout:.0f} s "
                          f"(see {base}/log/libvirtd.log)")


def warm_up(hosts: list[LabHost], domain_type: str) -> None:
    """Have every daemon probe QEMU's capabilities now, in parallel, rather than at its first guest."""
    import threading

    import libvirt

    def probe(host: LabHost) -> None:
        try:
            conn = libvirt.open(host.socket_uri)
            try:
                conn.getDomainCapabilities(None, "x86_64", None, domain_type, 0)
            finally:
                conn.close()
        except libvirt.libvirtError:
            pass  # the first guest will say what is wrong

    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    workers = [threading.Thread(target=probe, args=(h,), daemon=True) for h in hosts]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)


def is_running(host: LabHost) -> bool:
    """True when the recorded pid is still this host's libvirtd."""
    if not host.pid:
        return False
    try:
        cmdline = Path(f"/proc/{host.pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"libvirtd" in cmdline and str(host.pid_file).encode() in cmdline


def stop_pid(pid: int, timeout: float) -> bool:
    """End one process: SIGTERM, then SIGKILL after `timeout` seconds; True when it ended by itself."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    return False


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def destroy_guests(host: LabHost) -> list[str]:
    """Destroy every running guest of the host through its daemon; the names destroyed."""
    import libvirt

    if not is_running(host):
        return []
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    gone = []
    try:
        conn = libvirt.open(host.socket_uri)
    except libvirt.libvirtError:
        return []
    try:
        for dom in conn.listAllDomains():
            try:
                if dom.isActive():
                    dom.destroy()
                gone.append(dom.name())
            except libvirt.libvirtError:
                pass
    finally:
        conn.close()
    return gone


def stop(host: LabHost, timeout: float = 10.0) -> list[int]:
    """Stop the daemon and every process left in the host's namespace (its QEMUs); the pids ended."""
    ended = []
    if is_running(host):
        stop_pid(host.pid, timeout)
        ended.append(host.pid)
    for pid in netns.pids(host.netns):
        stop_pid(pid, 3.0)
        ended.append(pid)
    host.pid = 0
    return ended

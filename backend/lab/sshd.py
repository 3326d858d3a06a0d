"""Lab hosts reached over ssh (`vxi lab up --ssh`), as hosts on other machines are: an OpenSSH server per
host inside the host's network, mount and UTS namespaces (listening on its underlay address only), a key pair,
authorized_keys and known_hosts made for the lab in its folder, and `qemu+ssh://` URIs.

    LAB/ssh/id_ed25519[.pub]   the lab's client key (in every URI: keyfile=)
    LAB/ssh/authorized_keys    that key, `restrict`ed (no pty, no forwarding), for root on every host
    LAB/ssh/known_hosts        every host's own host key, by underlay address (checked strictly)
    LAB/ssh/config             the ssh client's configuration (those files; no question ever asked)
    LAB/ssh/ssh                what libvirt runs instead of `ssh` (the URI's command=), see `wrapper`
    LAB/hI/ssh/                the host's key, sshd_config, sshd.pid, sshd.log

libvirt's ssh transport runs `ssh ... ADDRESS sh -c '... virt-ssh-helper qemu:///system ...'`; on the host,
virt-ssh-helper connects to the standard socket /run/libvirt/libvirt-sock, which in the host's mount namespace
is its own daemon's (a link to its socket). The URI names no socket= on purpose: libvirt then falls back to
`nc -U SOCKET` on the host, which needs netcat there.
"""

from __future__ import annotations

import os
import shlex
import shutil
import time
from pathlib import Path

from backend.lab import netns
from backend.lab.netns import LabCommandError, LabError

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself: it must be started by its absolute path
PRIVSEP = "/run/sshd"  # sshd's privilege separation directory (an empty, root-owned directory)
USER = "root"  # the lab's daemons run as root; on your hosts a user of the 'libvirt' group will do
STATION = 254  # the lab switch's own underlay address (.254): where vxi's ssh connections start


def client_dir(lab_directory: str) -> Path:
    """The lab's ssh client files."""
    return Path(lab_directory) / "ssh"


def host_dir(host_directory: str) -> Path:
    """One host's sshd files."""
    return Path(host_directory) / "ssh"


def keyfile(lab_directory: str) -> str:
    """The lab's private key."""
    return str(client_dir(lab_directory) / "id_ed25519")


def command(lab_directory: str) -> str:
    """The program libvirt runs instead of ssh."""
    return str(client_dir(lab_directory) / "ssh")


def uri(address: str, lab_directory: str) -> str:
    """How libvirt reaches a lab host over ssh."""
    return (f"qemu+ssh://{USER}@{address}/system?keyfile={keyfile(lab_directory)}"
            f"&command={command(lab_directory)}")


def missing() -> list[str]:
    """The programs an ssh lab needs that this machine lacks."""
    return [tool for tool, found in (("sshd", os.access(SSHD, os.X_OK)), ("ssh", shutil.which("ssh")),
                                     ("ssh-keygen", shutil.which("ssh-keygen")),
                                     ("virt-ssh-helper", shutil.which("virt-ssh-helper"))) if not found]


def _keygen(path: Path, comment: str) -> str:
    """An ed25519 key pair without passphrase; its public line."""
    netns.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return path.with_suffix(".pub").read_text().strip()


def wrapper(lab_directory: str, switch: str, underlay: str) -> str:
    """The `ssh` libvirt runs: with the lab's configuration (keys, known_hosts), from inside the lab's network.
    vxi runs in the machine's namespace, which has no lab address: its ssh starts in the lab switch's namespace
    (the lab's own address .254, as a workstation on a cluster's management network); a host's libvirtd
    (peer-to-peer migration: the source daemon opens the destination's URI itself) is on the underlay already
    and connects from its own address."""
    config = shlex.quote(str(client_dir(lab_directory) / "config"))
    return "\n".join([
        "#!/bin/sh",
        "# libvirt's ssh transport runs this instead of ssh (the URI's command=): vxi lab up --ssh wrote it",
        f"if ip -o -4 addr show to {underlay}.0/24 | grep -q .; then",
        f"    exec ssh -F {config} \"$@\"",
        "fi",
        f"exec ip netns exec {shlex.quote(switch)} ssh -F {config} \"$@\"",
        "",
    ])


def client_config(lab_directory: str) -> str:
    """ssh's configuration for the lab (the machine's /etc/ssh/ssh_config and ~/.ssh are not read)."""
    folder = client_dir(lab_directory)
    return "\n".join([
        "Host *",
        f"    UserKnownHostsFile {folder / 'known_hosts'}",
        "    GlobalKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    IdentitiesOnly yes",
        "    BatchMode yes",
        "    ConnectTimeout 10",
        "    LogLevel ERROR",
        "",
    ])


def sshd_config(host_directory: str, address: str, lab_directory: str) -> str:
    """A host's sshd: its underlay address only, keys only, root by key, nothing but commands."""
    own = host_dir(host_directory)
    return "\n".join([
        f"ListenAddress {address}",
        "Port 22",
        f"HostKey {own / 'ssh_host_ed25519_key'}",
        f"PidFile {own / 'sshd.pid'}",
        f"AuthorizedKeysFile {client_dir(lab_directory) / 'authorized_keys'}",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",  # the lab's folder may lie under /tmp (world-writable): its files are root's 0600
        "X11Forwarding no",
        "AllowTcpForwarding no",
        "PrintMotd no",
        "",
    ])


def prepare_client(lab_directory: str, lab_name: str, switch: str, underlay: str) -> None:
    """The lab's key pair, authorized_keys, an empty known_hosts, the client configuration and the wrapper;
    the switch namespace's own address on the underlay."""
    folder = client_dir(lab_directory)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    public = _keygen(folder / "id_ed25519", f"vxi-lab-{lab_name}")
    (folder / "authorized_keys").write_text(f"restrict {public}\n")
    (folder / "known_hosts").write_text("")
    (folder / "config").write_text(client_config(lab_directory))
    (folder / "ssh").write_text(wrapper(lab_directory, switch, underlay))
    (folder / "ssh").chmod(0o755)
    netns.ip(switch, "addr", "add", f"{underlay}.{STATION}/24", "dev", "underlay")


def prepare_host(host_directory: str, host_id: str, address: str, lab_directory: str) -> None:
    """A host's key (added to the lab's known_hosts), its sshd_config, and the standard libvirt socket path
    in its /run/libvirt leading to its daemon's socket."""
    own = host_dir(host_directory)
    own.mkdir(mode=0o700, parents=True, exist_ok=True)
    public = _keygen(own / "ssh_host_ed25519_key", host_id)
    kind, key = public.split()[:2]
    with open(client_dir(lab_directory) / "known_hosts", "a") as known:
        known.write(f"{address} {kind} {key}\n")
    (own / "sshd_config").write_text(sshd_config(host_directory, address, lab_directory))
    standard = Path(host_directory) / "run" / "libvirt-sock"  # /run/libvirt/libvirt-sock inside the host
    standard.unlink(missing_ok=True)
    standard.symlink_to(Path(host_directory) / "sock" / "libvirt-sock")


def pid_file(host_directory: str) -> Path:
    """Where a host's sshd writes its pid."""
    return host_dir(host_directory) / "sshd.pid"


def start(host_directory: str, host_id: str, daemon_pid: int, timeout: float = 10.0) -> int:
    """Start a host's sshd in its daemon's namespaces (network, mount, UTS: a login sees the host's own
    /run/libvirt and host name); its pid once it listens."""
    own = host_dir(host_directory)
    pidfile = pid_file(host_directory)
    pidfile.unlink(missing_ok=True)
    if not os.path.isdir(PRIVSEP):
        raise LabError(f"host {host_id}: sshd needs {PRIVSEP} (the lab creates it at start)")
    netns.run(["nsenter", "-t", str(daemon_pid), "-n", "-m", "-u", SSHD, "-f", str(own / "sshd_config"),
               "-E", str(own / "sshd.log")])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = pidfile.read_text().strip() if pidfile.exists() else ""
        if text:
            return int(text)
        time.sleep(0.05)
    raise LabCommandError(f"host {host_id}: sshd did not start within {timeout:.0f} s (see {own / 'sshd.log'})")


def running_pid(host_directory: str) -> int:
    """The pid of a host's listening sshd, 0 when it does not run."""
    try:
        pid = int(pid_file(host_directory).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return 0
    return pid if SSHD.encode() in cmdline and str(host_dir(host_directory)).encode() in cmdline else 0


def stop(host_directory: str) -> int:
    """Stop a host's listening sshd (sessions already open go on, as on any host); its pid, 0 if none ran."""
    from backend.lab.daemon import stop_pid

    pid = running_pid(host_directory)
    if pid:
        stop_pid(pid, 3.0)
    pid_file(host_directory).unlink(missing_ok=True)
    return pid


def machine_sshd_running() -> bool:
    """True when an sshd that is no lab host's runs on the machine (it would need the privilege separation
    directory a lab created)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.readlink(proc / "exe") != SSHD or b"/ssh/sshd_config" in (proc / "cmdline").read_bytes():
                continue
        except OSError:
            continue
        return True
    return False

"""A link's VXLAN tunnel on a host of another machine, made through ssh with the credentials the host's
`qemu+ssh://` URI gives libvirt (user, host, port, keyfile=, known_hosts=, no_verify=, command=), as a
distributed emulator makes its tunnels on remote servers. The bridge it joins is the one libvirt made for
the link's network there; vxi runs only `ip` and `bridge` (iproute2) on the host, each call one short shell
command of validated, quoted arguments, bounded in time, its failure one line naming the host."""

from __future__ import annotations

import ipaddress
import re
import shlex
import socket
import subprocess
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from backend.deploy.libvirt.guard import HostGuard, call_seconds
from backend.deploy.libvirt.hosts import connect_seconds

VXLAN_PORT = 4789
ZERO_MAC = "00:00:00:00:00:00"
HOW = "the host or the network to it is down"
DEVICE = re.compile(r"^vx[A-Za-z0-9_-]{1,10}[bv][0-9]{1,4}$")  # a deployment's bridge or tunnel
USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$")  # (user@domain for directory users)
HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$|^[0-9A-Fa-f:.]+$")
SSH_TRANSPORTS = ("ssh", "libssh", "libssh2")
MISSING, TAKEN, NO_BRIDGE = 127, 73, 74  # the scripts' own exit codes


class RemoteError(RuntimeError):
    """A command over ssh that failed: the sentence says where and why (one line, no host id: callers add it)."""


class Silent(RemoteError):
    """The host did not answer (this ssh call, or an earlier call to it, ssh's or libvirt's): its guard's
    sentence, the same for both."""


class NameTaken(RemoteError):
    """A device of the tunnel's name is on the host already (someone else's: left as it is)."""


@dataclass(frozen=True)
class SshTarget:
    """How to reach a host's shell: what its libvirt URI gives libvirt's ssh transport."""

    host: str
    user: str | None = None
    port: int | None = None
    keyfile: str | None = None
    known_hosts: str | None = None
    no_verify: bool = False
    program: str = "ssh"

    @property
    def where(self) -> str:
        """user@host[:port], for messages."""
        return f"{self.user + '@' if self.user else ''}{self.host}{f':{self.port}' if self.port else ''}"


def target_of(uri: str) -> SshTarget | None:
    """The ssh target of a `driver+ssh://` (or +libssh, +libssh2) URI; None for another transport. ValueError
    for a user or host name that is not a plain one."""
    parts = urlsplit(uri)
    if parts.scheme.partition("+")[2] not in SSH_TRANSPORTS or not parts.hostname:
        return None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    user = unquote(parts.username) if parts.username else None
    if user is not None and not USER.match(user):
        raise ValueError(f"the user name {user!r} of {uri} is not a plain user name")
    if not HOST.match(parts.hostname):
        raise ValueError(f"the host name {parts.hostname!r} of {uri} is not a plain host name or address")
    return SshTarget(parts.hostname, user, parts.port, query.get("keyfile") or None, query.get("known_hosts") or None,
                     query.get("no_verify", "0") not in ("", "0"), query.get("command") or "ssh")


def ssh_argv(target: SshTarget, script: str, connect_seconds: float = 10.0) -> list[str]:
    """The ssh command line running `script` on the host: libvirt's options for the same URI (-p, -l, -i, -T,
    -e none, StrictHostKeyChecking=no for no_verify=1) and never a question (BatchMode), a bounded connect."""
    argv = [target.program]
    if target.port:
        argv += ["-p", str(target.port)]
    if target.user:
        argv += ["-l", target.user]
    if target.keyfile:
        argv += ["-i", target.keyfile]
    argv += ["-T", "-e", "none", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, round(connect_seconds))}"]
    if target.known_hosts:
        argv += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
    if target.no_verify:
        argv += ["-o", "StrictHostKeyChecking=no"]
    elif target.known_hosts:
        argv += ["-o", "StrictHostKeyChecking=yes"]
    return [*argv, "--", target.host, script]


def underlay_address(name: str) -> str:
    """A host's underlay address for VXLAN: its URI's host name as an address (resolved here when a name)."""
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise RemoteError(f"the host name {name} does not resolve ({exc.strerror or exc}): a tunnel needs its "
                          "address") from None
    return str(ipaddress.ip_address(sorted(found, key=lambda f: f[0] != socket.AF_INET)[0][4][0]))


def _device(name: str) -> str:
    if len(name) > 15 or not DEVICE.match(name):
        raise ValueError(f"{name!r} is not the name of a deployment's link device")
    return name


def tunnel_script(name: str, bridge: str, vni: int, peers: list[str], mtu: int, new: bool) -> str:
    """The shell command making (or keeping) VXLAN device `name` on the host, enslaved to `bridge` (libvirt's),
    flooding to exactly `peers` (head-end replication: an all-zero forwarding entry per peer)."""
    if not 0 < vni < 2**24 or not 576 <= mtu <= 65535:
        raise ValueError(f"VNI {vni} or MTU {mtu} is out of range")
    dev, br = shlex.quote(_device(name)), shlex.quote(_device(bridge))
    wanted = " ".join(shlex.quote(str(ipaddress.ip_address(p))) for p in peers)
    return "\n".join([
        _needs_iproute2(),
        f"ip link show dev {br} >/dev/null 2>&1 || {{ echo 'no bridge {bridge}' >&2; exit {NO_BRIDGE}; }}",
        f"if ip link show dev {dev} >/dev/null 2>&1; then",
        f"  {'echo taken >&2; exit ' + str(TAKEN) if new else ':'}",
        f"else ip link add {dev} mtu {mtu} type vxlan id {vni} dstport {VXLAN_PORT} || exit 1",
        "fi",
        f"ip link set dev {dev} master {br} && ip link set dev {dev} up || exit 1",
        f"have=$(bridge fdb show dev {dev} | awk '$1 == \"{ZERO_MAC}\" {{ for (i = 2; i < NF; i++) "
        "if ($i == \"dst\") print $(i + 1) }')",
        f"for p in $have; do case ' {wanted} ' in *\" $p \"*) ;; "
        f"*) bridge fdb del {ZERO_MAC} dev {dev} dst \"$p\" || exit 1 ;; esac; done",
        f"for p in {wanted}; do case \" $(echo $have) \" in *\" $p \"*) ;; "
        f"*) bridge fdb append {ZERO_MAC} dev {dev} dst \"$p\" || exit 1 ;; esac; done",
    ])


def remove_script(names: list[str]) -> str:
    """The shell command deleting each of `names` that is on the host (a tunnel before its bridge)."""
    lines = [_needs_iproute2(), "rc=0"]
    for name in names:
        dev = shlex.quote(_device(name))
        lines.append(f"! ip link show dev {dev} >/dev/null 2>&1 || ip link delete dev {dev} || rc=1")
    return "\n".join([*lines, "exit $rc"])


def list_script() -> str:
    """The shell command listing the host's network devices."""
    return "\n".join([_needs_iproute2(), "ip -o link show"])


def _needs_iproute2() -> str:
    return (f"command -v ip >/dev/null 2>&1 && command -v bridge >/dev/null 2>&1 || "
            f"{{ echo 'ip or bridge (iproute2) not found' >&2; exit {MISSING}; }}")


def run(target: SshTarget, script: str, what: str, seconds: float | None = None, guard: HostGuard | None = None) -> str:
    """Run `script` with `sh -c` on the host; its standard output. RemoteError in one line on any failure: ssh
    cannot run or connect (within VXI_CONNECT_TIMEOUT), the key or host key is refused, no answer within
    `seconds` (the connect time and VXI_CALL_TIMEOUT by default: the deadlines of the host's libvirt calls),
    iproute2 missing, not permitted. With the host's `guard` (its libvirt URI's), ssh and libvirt share what they
    found: while a call to the host hangs, or after an ssh call found it silent, every call to it fails at once
    (Silent) with the same sentence until a probe of the host is answered."""
    connect = connect_seconds()
    seconds = seconds or connect + call_seconds()
    argv = ssh_argv(target, f"sh -c {shlex.quote(script)}", connect)
    where = f"{what} over ssh to {target.where}"
    if guard is not None and guard.unreachable:
        raise Silent(f"{where}: not tried: {guard.reason}")
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        if guard is not None:  # libvirt's calls to the host fail at once now, with this sentence
            guard.lost(f"no answer over ssh from {target.where} within {seconds:g} s ({HOW})")
        raise Silent(f"{where}: no answer within {seconds:g} s ({HOW})") from None
    except OSError as exc:
        raise RemoteError(f"{where}: cannot run {target.program}: {exc.strerror or exc}") from None
    if done.returncode == 0:
        return done.stdout
    said = " ".join(done.stderr.split())[:400] or f"exit status {done.returncode}"
    if done.returncode == 255:  # ssh's own failure
        raise RemoteError(f"{where}: {said}{_ssh_hint(said)}")
    if done.returncode == TAKEN:
        raise NameTaken(f"{where}: a device of that name already exists on the host (not made by this deployment)")
    if done.returncode == MISSING:
        raise RemoteError(f"{where}: ip or bridge (iproute2) is not installed on the host")
    if "Operation not permitted" in said:
        raise RemoteError(f"{where}: {said} (the user {target.user or 'of the URI'} needs root or CAP_NET_ADMIN "
                          "there)")
    if "File exists" in said:
        raise RemoteError(f"{where}: {said} (its VNI on UDP port {VXLAN_PORT} is taken by another device of the "
                          "host)")
    raise RemoteError(f"{where}: {said}")


def _ssh_hint(said: str) -> str:
    if "Permission denied" in said:
        return " (the key was refused: the URI's keyfile= or your agent's keys)"
    if "Host key verification failed" in said:
        return " (the host's key is not in known_hosts: add it after checking its fingerprint)"
    return ""


def link_devices(listing: str) -> list[str]:
    """The device names of `ip -o link show`'s output."""
    names = []
    for line in listing.splitlines():
        fields = line.split(":", 2)
        if len(fields) == 3:
            names.append(fields[1].strip().partition("@")[0])
    return names

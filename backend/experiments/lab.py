"""A throw-away set of namespaces for one experiment: unique prefixed names, always cleaned up.

Built only from `backend.deploy.netns.kernel`. A lab is a context manager: every namespace it made
is deleted on leaving (with the processes still inside), even after an error or Ctrl-C.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import socket
import threading

from backend.deploy.netns import kernel

PREFIX = "vxexp"
CLONE_NEWNET = 0x40000000


class Lab:
    """Namespaces named `vxexp<tag>-<role>`; `close()` deletes all of them."""

    def __init__(self, tag: str | None = None):
        self.tag = tag or secrets.token_hex(3)
        self.prefix = f"{PREFIX}{self.tag}-"
        self.created: list[str] = []

    def name(self, role: str) -> str:
        """The namespace name of a role (sender, host1, vr3...)."""
        return f"{self.prefix}{role}"

    def namespace(self, role: str) -> str:
        """Create the namespace of a role and return its name."""
        name = self.name(role)
        kernel.create_namespace(name)
        self.created.append(name)
        return name

    def close(self) -> list[str]:
        """Delete every namespace of this lab (also ones a crash left half-made); returns their names."""
        names = sorted(set(self.created) | set(kernel.namespaces(self.prefix)))
        for name in names:
            try:
                kernel.delete_namespace(name)
            except kernel.KernelError:
                pass
        self.created.clear()
        return names

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def leftover_namespaces() -> list[str]:
    """Experiment namespaces that exist now (none once every experiment has ended)."""
    return kernel.namespaces(PREFIX)


def sysctl(ns: str, *settings: str) -> None:
    """Set sysctls (`key=value`) inside a namespace."""
    result = kernel.run(ns, ["sysctl", "-qw", *settings], timeout=10)
    if result.returncode != 0:
        raise kernel.KernelError(f"sysctl in namespace {ns}: {result.stderr.strip()}")


def tc(ns: str, *args: str) -> None:
    """Run one `tc` command inside a namespace (for what `kernel.shape` does not cover: classes, filters)."""
    result = kernel.run(ns, ["tc", *args], timeout=10)
    if result.returncode != 0:
        raise kernel.KernelError(f"tc {' '.join(args)} in namespace {ns}: {result.stderr.strip()}")


def fair_classes(ns: str, ifname: str, capacity_bps: float, subnets: list[str]) -> None:
    """Shape `ifname` to `capacity_bps` and share it fairly: one htb class per subnet (a virtual router's
    traffic), each guaranteed an equal part and allowed to borrow up to the whole, like a hypervisor
    that serves its guests in turn."""
    fair_shares(ns, ifname, capacity_bps, [[["match", "ip", "dst", subnet]] for subnet in subnets])


def vni_match(vni: int) -> list[str]:
    """A u32 match on the VXLAN network identifier of an encapsulated packet (outer IPv4 without options)."""
    return ["match", "u32", f"0x{vni << 8:08x}", "0xffffff00", "at", "32"]


def fair_shares(ns: str, ifname: str, capacity_bps: float, groups: list[list[list[str]]]) -> None:
    """Shape `ifname` to `capacity_bps` with one htb class per group of u32 matches (equal guaranteed
    parts, each may borrow up to the whole) and a catch-all class for everything else."""
    kernel.run(ns, ["tc", "qdisc", "del", "dev", ifname, "root"], timeout=10)  # replaces earlier shaping
    kernel.shape(ns, ifname, capacity_bps)
    share = max(int(capacity_bps / max(len(groups), 1)), 8000)
    cap = int(capacity_bps)
    for index, matches in enumerate(groups, start=1):
        classid = f"1:{0x20 + index:x}"
        tc(ns, "class", "add", "dev", ifname, "parent", "1:10", "classid", classid, "htb", "rate", f"{share}bit",
           "ceil", f"{cap}bit", "burst", "32k", "cburst", "32k", "quantum", "3028")
        tc(ns, "qdisc", "add", "dev", ifname, "parent", classid, "pfifo", "limit", "200")
        for match in matches:
            tc(ns, "filter", "add", "dev", ifname, "parent", "1:", "protocol", "ip", "prio", "1", "u32", *match,
               "flowid", classid)
    tc(ns, "class", "add", "dev", ifname, "parent", "1:10", "classid", "1:99", "htb", "rate", "8kbit",
       "ceil", f"{cap}bit", "quantum", "3028")
    tc(ns, "filter", "add", "dev", ifname, "parent", "1:", "protocol", "all", "prio", "9", "u32",
       "match", "u32", "0", "0", "flowid", "1:99")


def socket_in_namespace(ns: str, kind: int = socket.SOCK_DGRAM) -> socket.socket:
    """An IPv4 socket that lives in namespace `ns` (made in a helper thread that enters it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    made: list[socket.socket | BaseException] = []

    def make() -> None:
        try:
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"cannot enter namespace {ns}")
            finally:
                os.close(fd)
            made.append(socket.socket(socket.AF_INET, kind))
        except BaseException as exc:  # handed to the caller below
            made.append(exc)

    # The thread's namespace is changed for good, so it must end right after making the socket.
    thread = threading.Thread(target=make, name=f"netns-{ns}")
    thread.start()
    thread.join()
    if isinstance(made[0], BaseException):
        raise made[0]
    return made[0]


class Announcer:
    """Sends a UDP broadcast on each given subnet from inside a namespace every `period` seconds, so
    that bridges and VXLAN tunnels learn at once where a moved router's interfaces now are."""

    def __init__(self, ns: str, broadcasts: list[str], period: float = 0.01):
        self.sock = socket_in_namespace(ns)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.broadcasts = list(broadcasts)
        self.period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"announce-{ns}", daemon=True)
        self.sent = 0

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            for address in self.broadcasts:
                try:
                    self.sock.sendto(b"vxi-moved", (address, 9))
                    self.sent += 1
                except OSError:
                    pass  # the interface is detached for a moment

    def __enter__(self) -> Announcer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

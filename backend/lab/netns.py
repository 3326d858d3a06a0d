"""Network namespaces and links of the lab, made with iproute2 from the root namespace without ever
configuring anything in it: every command names the namespace it acts in (`ip -n NS ...`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

NETNS_DIR = Path("/run/netns")


class LabError(RuntimeError):
    """The lab cannot be started, found or removed; the message says why and what to do."""


class LabCommandError(LabError):
    """An iproute2 command of the lab failed; the message holds the command and its error output."""


def run(argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """Run a command (no inherited descriptors), raising LabCommandError with its stderr on failure."""
    done = subprocess.run(argv, capture_output=True, text=True, close_fds=True)
    if check and done.returncode != 0:
        raise LabCommandError(f"{' '.join(argv)}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return done


def exists(name: str) -> bool:
    """True when the named network namespace exists."""
    return (NETNS_DIR / name).exists()


def add(name: str) -> None:
    """Create a named network namespace with its loopback up."""
    run(["ip", "netns", "add", name])
    run(["ip", "-n", name, "link", "set", "lo", "up"])


def delete(name: str) -> None:
    """Delete a named network namespace (its devices go with it); a missing one is fine."""
    if exists(name):
        run(["ip", "netns", "delete", name])


def pids(name: str) -> list[int]:
    """The processes that live in a named namespace."""
    if not exists(name):
        return []
    done = run(["ip", "netns", "pids", name], check=False)
    return [int(p) for p in done.stdout.split()]


def ip(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`ip -n NS ARGS...`."""
    return run(["ip", "-n", ns, *args], check=check)


def bridge_cmd(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`bridge -n NS ARGS...` (forwarding database entries)."""
    return run(["bridge", "-n", ns, *args], check=check)


def links(ns: str) -> list[str]:
    """The names of a namespace's network devices."""
    done = ip(ns, "-o", "link", "show", check=False)
    return [line.split(":")[1].strip().split("@")[0] for line in done.stdout.splitlines() if ":" in line]


def names(prefix: str) -> list[str]:
    """Existing namespace names that start with `prefix`."""
    if not NETNS_DIR.is_dir():
        return []
    return sorted(p.name for p in NETNS_DIR.iterdir() if p.name.startswith(prefix))

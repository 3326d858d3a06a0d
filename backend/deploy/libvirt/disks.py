"""A user's own disk image for a real guest (<x:disk>): a copy-on-write qcow2 overlay per guest over the user's
image (which is never written), and its NoCloud seed (cidata) carrying the configuration the project's own
guest gets on its kernel command line. Both live in the deployment's folder, a path every host of this machine
sees (a lab's hosts, or a local libvirtd), which is also what lets the guest migrate between them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from backend.deploy.libvirt.xml import GuestBoot
from backend.guest.config import GuestConfig
from backend.guest.nocloud import UserDisk, write_seed

DISKS = "disks"  # the deployment folder's sub-folder of overlays and seeds


class DiskError(RuntimeError):
    """A user's disk that cannot be used on a host (missing, unreadable, or the host is not on this machine)."""


def local_uri(uri: str) -> bool:
    """True for a libvirt URI of a daemon on this machine (no remote host name in it)."""
    host = urlsplit(uri).hostname
    return host in (None, "", "localhost", "127.0.0.1", "::1")


def overlay_path(folder: Path, domain: str) -> Path:
    """The overlay of a guest in the deployment's folder."""
    return folder / DISKS / f"{domain}.qcow2"


def seed_path(folder: Path, domain: str) -> Path:
    """The NoCloud seed of a guest in the deployment's folder."""
    return folder / DISKS / f"{domain}.seed.iso"


def prepare(component: str, host_id: str, uri: str, disk: UserDisk, config: GuestConfig, folder: Path,
            domain: str) -> GuestBoot:
    """Check the user's image on the host, make the guest's overlay over it and its seed; how the guest boots.
    DiskError naming the component and the host when the image cannot be used there."""
    if not local_uri(uri):
        raise DiskError(f"{component}: its disk {disk.source} needs an overlay made on host {host_id} ({uri}), and "
                        "vxi makes overlays only for hosts on this machine (a lab, qemu:///system)")
    source = Path(disk.source)
    if not source.is_file():
        raise DiskError(f"{component}: disk image {disk.source} is missing on host {host_id}")
    if shutil.which("qemu-img") is None:
        raise DiskError(f"{component}: making its overlay needs qemu-img (Debian package qemu-utils)")
    overlay = overlay_path(folder, domain)
    overlay.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", disk.format, "-b",
                           str(source.resolve()), str(overlay)], capture_output=True, text=True)
    if done.returncode != 0:
        raise DiskError(f"{component}: overlay of {disk.source} on host {host_id}: "
                        f"{done.stderr.strip() or done.stdout.strip()}")
    seed = None
    if disk.cloud_init:
        try:
            seed = str(write_seed(seed_path(folder, domain), config, disk))
        except OSError as exc:
            raise DiskError(f"{component}: its NoCloud seed: {exc}") from exc
    return GuestBoot(disk=str(overlay), disk_format="qcow2", seed=seed)


def remove(folder: Path, prefix: str = "") -> list[str]:
    """Remove the overlays and seeds in a deployment's folder (those of domains named `prefix...`); their names."""
    where = folder / DISKS
    if not where.is_dir():
        return []
    removed = []
    for path in sorted(where.iterdir()):
        if path.name.startswith(prefix) and path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path.name)
    if not any(where.iterdir()):
        where.rmdir()
    return removed

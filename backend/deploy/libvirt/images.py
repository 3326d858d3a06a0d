"""The project's guest image (kernel and initramfs) on a host of another machine: booted from the path this
machine has it at when the host has the same file there (a copy, a shared folder), else uploaded once per
deployment into the deployment's storage pool on that host through libvirt streams (pools.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.deploy.libvirt import pools


@dataclass(frozen=True)
class PlacedImage:
    """Where a host boots the project's image from: its kernel and initramfs paths there, and whether they were
    uploaded (bytes sent) or found at this machine's paths."""

    kernel: str
    initrd: str
    uploaded_bytes: int = 0


def on_host(conn, prefix: str, image) -> PlacedImage:
    """The image's files as a host of another machine boots them (found there, or uploaded into the deployment's
    pool, a volume `guest-<key>-<file>` once per pool); libvirt errors and PoolError go to the caller."""
    files = [Path(image.kernel), Path(image.initrd)]
    if all(_has(conn, prefix, path) for path in files):
        return PlacedImage(str(files[0]), str(files[1]))
    pool = pools.deployment_pool(conn, prefix)
    placed = [_uploaded(conn, pool, image.key[:16], path) for path in files]
    return PlacedImage(placed[0][0], placed[1][0], placed[0][1] + placed[1][1])


def _has(conn, prefix: str, path: Path) -> bool:
    """True when the host has a file of this size at this machine's path of it (asked of its libvirt)."""
    import libvirt

    try:
        return pools.find_image(conn, str(path), prefix).capacity == path.stat().st_size
    except (pools.PoolError, libvirt.libvirtError):
        return False


def _uploaded(conn, pool, key: str, path: Path) -> tuple[str, int]:
    """The path of a file's volume in the pool (uploaded unless a volume of its size is there); bytes sent."""
    import libvirt

    name, size = f"guest-{key}-{path.name}", path.stat().st_size
    try:
        vol = pool.storageVolLookupByName(name)
        if vol.info()[1] == size:
            return vol.path(), 0
        vol.delete(0)
    except libvirt.libvirtError:
        pass
    with path.open("rb") as source:
        return pools.upload_from(conn, pool, name, size, source, "0644").path(), size

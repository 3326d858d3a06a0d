"""A user's own disk image for a real guest (<x:disk>): a copy-on-write qcow2 overlay per guest over the user's
image (which is never written), and its NoCloud seed (cidata) carrying the configuration the project's own
guest gets on its kernel command line. For hosts of this machine (a lab's hosts, a local libvirtd) both live in
the deployment's folder, a path every such host sees, which is also what lets the guest migrate between them; on
a host of another machine they are volumes of the deployment's storage pool there, made through its libvirt
connection (pools.py): the overlay over the image as that host has it, the seed uploaded."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from backend.deploy.libvirt import pools
from backend.deploy.libvirt.xml import GuestBoot
from backend.guest.config import GuestConfig
from backend.guest.nocloud import UserDisk, seed_iso, write_seed

DISKS = "disks"  # the deployment folder's sub-folder of overlays and seeds


class DiskError(RuntimeError):
    """A user's disk that cannot be used on a host (missing, unreadable, or the host is not on this machine)."""


def local_uri(uri: str) -> bool:
    """True for a libvirt URI of a daemon on this machine (no remote host name in it)."""
    host = urlsplit(uri).hostname
    return host in (None, "", "localhost", "127.0.0.1", "::1")


def on_this_machine(host) -> bool:
    """True for a RealHost whose overlays are made in the deployment's folder (a lab host, a local libvirtd);
    False for a host of another machine (its disks are volumes of the deployment's pool there)."""
    return host.lab or local_uri(host.uri)


def overlay_path(folder: Path, domain: str) -> Path:
    """The overlay of a guest in the deployment's folder."""
    return folder / DISKS / f"{domain}.qcow2"


def seed_path(folder: Path, domain: str) -> Path:
    """The NoCloud seed of a guest in the deployment's folder."""
    return folder / DISKS / f"{domain}.seed.iso"


def prepare(component: str, host_id: str, disk: UserDisk, config: GuestConfig, folder: Path,
            domain: str) -> GuestBoot:
    """For a host of this machine: check the user's image, make the guest's overlay over it and its seed in the
    deployment's folder; how the guest boots. DiskError naming the component and the host when the image cannot
    be used."""
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


def volume_names(domain: str) -> tuple[str, str]:
    """The names of a guest's overlay and seed volumes in the deployment's pool of a remote host."""
    return f"{domain}.qcow2", f"{domain}.seed.iso"


def prepare_on_host(component: str, host_id: str, conn, prefix: str, disk: UserDisk, config: GuestConfig,
                    domain: str) -> GuestBoot:
    """On a host of another machine, through its libvirt connection: the user's image found there, the guest's
    overlay over it and its seed (made here, uploaded) as volumes of the deployment's pool; how the guest boots.
    DiskError naming the component and the host when the image cannot be used there (what was made removed)."""
    import libvirt

    from backend.deploy.base import DeployError

    overlay_name, seed_name = volume_names(domain)
    try:
        image = pools.find_image(conn, disk.source, prefix)
        if image.format != disk.format:
            raise pools.PoolError(f"it is a {image.format} image there, not {disk.format} as <x:disk> says")
        pool = pools.deployment_pool(conn, prefix)
        overlay = pools.create_overlay(pool, overlay_name, image, disk.format)
        seed = None
        if disk.cloud_init:
            try:
                data = seed_iso(config, disk)
            except OSError as exc:
                raise DiskError(f"{component}: its NoCloud seed: {exc}") from exc
            seed = pools.upload(conn, pool, seed_name, data).path()
        return GuestBoot(disk=overlay.path(), disk_format="qcow2", seed=seed)
    except (pools.PoolError, libvirt.libvirtError, DeployError) as exc:
        with contextlib.suppress(libvirt.libvirtError, DeployError):
            pools.remove_volumes(conn, prefix, [overlay_name, seed_name])
        if isinstance(exc, DiskError):
            raise
        why = exc.get_error_message() if isinstance(exc, libvirt.libvirtError) else str(exc).removeprefix(
            f"host {host_id}: ")
        raise DiskError(f"{component}: disk image {disk.source} on host {host_id}: {why}") from exc


def copy_for_move(component: str, host_id: str, source_conn, conn, prefix: str, domain: str,
                  disk: dict) -> dict[str, str]:
    """Before a live move to a host of another machine (incremental storage copy): on the destination, through
    its connection, the deployment's pool, an empty overlay over the user's image as that host has it (of the
    source overlay's size; the move copies its blocks into it) and the seed copied from the source's volume;
    each path on the source -> its path on the destination. DiskError naming the component and the host."""
    import libvirt

    from backend.deploy.base import DeployError

    overlay_name, seed_name = volume_names(domain)
    try:
        image = pools.find_image(conn, disk["source"], prefix)
        fmt = disk.get("format", "qcow2")
        if image.format != fmt:
            raise pools.PoolError(f"it is a {image.format} image there, not {fmt} as <x:disk> says")
        source_pool = source_conn.storagePoolLookupByName(pools.pool_name(prefix))
        size = source_pool.storageVolLookupByName(overlay_name).info()[1]
        pool = pools.deployment_pool(conn, prefix)
        pools.remove_volumes(conn, prefix, [overlay_name, seed_name])  # left by a move that failed
        paths = {disk["overlay"]: pools.create_overlay(pool, overlay_name, pools.Image(image.path, size, fmt),
                                                       fmt).path()}
        if disk.get("seed"):
            data = pools.download(source_conn, source_pool.storageVolLookupByName(seed_name))
            paths[disk["seed"]] = pools.upload(conn, pool, seed_name, data).path()
        return paths
    except (pools.PoolError, libvirt.libvirtError, DeployError) as exc:
        with contextlib.suppress(libvirt.libvirtError, DeployError):
            pools.remove_volumes(conn, prefix, [overlay_name, seed_name])
        why = exc.get_error_message() if isinstance(exc, libvirt.libvirtError) else str(exc).removeprefix(
            f"host {host_id}: ")
        raise DiskError(f"{component}: its disk cannot follow it to host {host_id}: disk image {disk['source']}: "
                        f"{why}") from exc

"""A deployment's storage on a host of another machine, made through the host's libvirt connection only (no
shell there): a `dir` storage pool `vxi<tag>-disks` under the host's own images path (marked with an empty volume
naming the state directory it belongs to), volumes in it (a guest's
qcow2 overlay whose backing store is the user's image on that host, a seed ISO uploaded through a libvirt
stream), all removed with the pool at teardown. Every call goes through the connection it is given (the host's
guard: each call, stream sends included, has its deadline)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

POOL = "disks"  # the deployment pool's name after the deployment's prefix: vxi<tag>-disks
SOURCE = "source"  # a transient pool over a user's image's folder, to ask libvirt about the image: vxi<tag>-source
IMAGES = "/var/lib/libvirt/images"  # where a host keeps images when it has no `default` pool
CHUNK = 256 * 1024  # bytes per stream send (each one a guarded call)


class PoolError(RuntimeError):
    """What a host's storage could not do (the sentence names the path; the caller names the host)."""


@dataclass(frozen=True)
class Image:
    """A user's image as the host sees it: its path, its virtual size in bytes and its format."""

    path: str
    capacity: int
    format: str


def pool_name(prefix: str) -> str:
    """The deployment's pool on every host: vxi<tag>-disks."""
    return f"{prefix}{POOL}"


def images_dir(conn) -> str:
    """The host's own images path: its `default` pool's folder, /var/lib/libvirt/images otherwise."""
    import libvirt

    try:
        found = etree.fromstring(conn.storagePoolLookupByName("default").XMLDesc(0).encode()).findtext("target/path")
    except libvirt.libvirtError:
        found = None
    return found or IMAGES


def deployment_pool(conn, prefix: str):
    """The deployment's pool on a host, defined, built (its folder made) and started when it is not there."""
    import libvirt

    name = pool_name(prefix)
    try:
        pool = conn.storagePoolLookupByName(name)
    except libvirt.libvirtError:
        folder = os.path.join(images_dir(conn), "vxi-" + prefix.removeprefix("vxi").rstrip("-"))
        pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>{escape(name)}</name>"
                                         f"<target><path>{escape(folder)}</path>"
                                         "<permissions><mode>0711</mode></permissions></target></pool>", 0)
        try:
            pool.build(0)
            pool.create(0)
            pool.createXML(f"<volume><name>{owner_name()}</name><capacity unit='bytes'>0</capacity>"
                           "<target><format type='raw'/></target></volume>", 0)
        except libvirt.libvirtError:
            with contextlib.suppress(libvirt.libvirtError):
                pool.delete(0)
            with contextlib.suppress(libvirt.libvirtError):
                pool.undefine()
            raise
        return pool
    if not pool.isActive():
        pool.create(0)
    return pool


def owner_name(state: str | None = None) -> str:
    """The empty volume that marks a deployment's pool as this state directory's (`state`, or this process's):
    a pool left without its domains and its record is still found as ours (leftovers.py)."""
    if state is None:
        from backend.deploy.state import state_dir

        state = str(state_dir())
    return "owner-" + hashlib.sha256(state.encode()).hexdigest()[:16]


def owned_by(pool, state: str) -> bool:
    """True when a pool carries the owner mark of the state directory `state`."""
    import libvirt

    try:
        pool.storageVolLookupByName(owner_name(state))
    except libvirt.libvirtError:
        return False
    return True


def pool_path(pool) -> str:
    """The folder of a pool on its host."""
    return etree.fromstring(pool.XMLDesc(0).encode()).findtext("target/path")


def find_image(conn, path: str, prefix: str) -> Image:
    """A user's image on the host, asked of libvirt: by path in a pool the host has, else through a transient
    pool over its folder (destroyed again). PoolError when it is missing or cannot be read there."""
    import libvirt

    try:
        return _image_of(conn.storageVolLookupByPath(path), path)
    except libvirt.libvirtError:
        pass
    folder, file = os.path.split(path)
    try:
        pool = conn.storagePoolCreateXML(f"<pool type='dir'><name>{escape(prefix + SOURCE)}</name>"
                                         f"<target><path>{escape(folder)}</path></target></pool>", 0)
    except libvirt.libvirtError as exc:
        raise PoolError(f"it is missing or cannot be read there ({exc.get_error_message()})") from exc
    try:
        try:
            vol = pool.storageVolLookupByName(file)
        except libvirt.libvirtError as exc:
            raise PoolError(f"it is missing or cannot be read there (no image {file} in {folder})") from exc
        return _image_of(vol, path)
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            pool.destroy()


def _image_of(vol, path: str) -> Image:
    kind, capacity, _allocation = vol.info()
    fmt = etree.fromstring(vol.XMLDesc(0).encode()).find("target/format")
    if kind not in (0, 3):  # a file, or a block device
        raise PoolError("it is not a file there")
    return Image(path, int(capacity), fmt.get("type") if fmt is not None else "raw")


def create_overlay(pool, name: str, image: Image, image_format: str):
    """A qcow2 volume in the pool whose backing store is the image (which is never written)."""
    xml = (f"<volume><name>{escape(name)}</name><capacity unit='bytes'>{image.capacity}</capacity>"
           "<target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target>"
           f"<backingStore><path>{escape(image.path)}</path><format type={quoteattr(image_format)}/></backingStore>"
           "</volume>")
    return pool.createXML(xml, 0)


def upload(conn, pool, name: str, data: bytes):
    """A raw volume (0600) in the pool holding `data`, sent through a libvirt stream."""
    return upload_from(conn, pool, name, len(data), io.BytesIO(data))


def upload_from(conn, pool, name: str, size: int, source: BinaryIO, mode: str = "0600"):
    """A raw volume in the pool holding the `size` bytes read from `source`, sent through a libvirt stream (a
    piece per guarded call, so that each has the host's deadline); the volume is deleted when the upload fails."""
    import libvirt

    vol = pool.createXML(f"<volume><name>{escape(name)}</name><capacity unit='bytes'>{size}</capacity>"
                         f"<target><format type='raw'/><permissions><mode>{escape(mode)}</mode></permissions>"
                         "</target></volume>", 0)
    try:
        stream = conn.newStream(0)
        vol.upload(stream, 0, size, 0)
        try:
            sent = 0
            while sent < size:
                piece = source.read(min(CHUNK, size - sent))
                if not piece:
                    raise PoolError(f"{name}: its source ended after {sent} of {size} bytes")
                stream.send(piece)
                sent += len(piece)
            stream.finish()
        except BaseException:
            with contextlib.suppress(libvirt.libvirtError, RuntimeError):
                stream.abort()
            raise
    except BaseException:
        with contextlib.suppress(libvirt.libvirtError, RuntimeError):
            vol.delete(0)
        raise
    return vol


def download(conn, vol) -> bytes:
    """The bytes of a (small) volume, received through a libvirt stream."""
    size = vol.info()[1]
    stream = conn.newStream(0)
    vol.download(stream, 0, size, 0)
    parts, got = [], 0
    while got < size:
        piece = stream.recv(min(CHUNK, size - got))
        if not isinstance(piece, bytes) or not piece:
            break
        parts.append(piece)
        got += len(piece)
    stream.finish()
    return b"".join(parts)


def remove_volumes(conn, prefix: str, names: list[str]) -> list[str]:
    """Delete the named volumes of the deployment's pool on a host (those there); their paths."""
    import libvirt

    try:
        pool = conn.storagePoolLookupByName(pool_name(prefix))
    except libvirt.libvirtError:
        return []
    removed = []
    for name in names:
        try:
            vol = pool.storageVolLookupByName(name)
        except libvirt.libvirtError:
            continue
        path = vol.path()
        vol.delete(0)
        removed.append(path)
    return removed


def remove_all(conn, prefix: str) -> list[str]:
    """Remove the deployment's pool from a host (its volumes deleted, its folder removed, the pool undefined),
    and a transient source pool left behind (destroyed only: it is a user's folder); what was removed."""
    import libvirt

    removed = []
    for pool in conn.listAllStoragePools(0):
        name = pool.name()
        if name == prefix + SOURCE:
            with contextlib.suppress(libvirt.libvirtError):
                pool.destroy()
            removed.append(f"storage pool {name}")
        elif name == pool_name(prefix):
            if not pool.isActive():
                pool.create(0)
            pool.refresh(0)
            for vol in pool.listAllVolumes(0):
                removed.append(f"volume {vol.path()}")
                vol.delete(0)
            pool.destroy()
            pool.delete(0)
            pool.undefine()
            removed.append(f"storage pool {name}")
    return removed

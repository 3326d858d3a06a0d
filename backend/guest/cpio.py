"""A reproducible initramfs archive: cpio "newc" entries in a fixed order, zero times and owners."""

from __future__ import annotations

import gzip
import io
import stat
from dataclasses import dataclass

TRAILER = "TRAILER!!!"


@dataclass(frozen=True)
class Entry:
    """One archive member: a path (no leading '/'), its mode (type and permissions), and its contents
    (file data, a symlink's target, or nothing); `rdev` is (major, minor) for device nodes."""

    path: str
    mode: int
    data: bytes = b""
    rdev: tuple[int, int] = (0, 0)


def directory(path: str) -> Entry:
    """A directory entry (0755)."""
    return Entry(path, stat.S_IFDIR | 0o755)


def regular(path: str, data: bytes, executable: bool = False) -> Entry:
    """A regular file (0755 when executable, else 0644)."""
    return Entry(path, stat.S_IFREG | (0o755 if executable else 0o644), data)


def symlink(path: str, target: str) -> Entry:
    """A symbolic link."""
    return Entry(path, stat.S_IFLNK | 0o777, target.encode())


def char_device(path: str, major: int, minor: int) -> Entry:
    """A character device node (0600)."""
    return Entry(path, stat.S_IFCHR | 0o600, b"", (major, minor))


def _pad(n: int) -> bytes:
    return b"\0" * ((4 - n % 4) % 4)


def _header(ino: int, entry: Entry, nlink: int) -> bytes:
    name = entry.path.encode() + b"\0"
    fields = (ino, entry.mode, 0, 0, nlink, 0, len(entry.data), 0, 0, entry.rdev[0], entry.rdev[1], len(name), 0)
    head = b"070701" + b"".join(f"{v:08x}".encode() for v in fields)
    return head + name + _pad(len(head) + len(name))


def archive(entries: list[Entry]) -> bytes:
    """The uncompressed newc archive of `entries`, sorted by path so that parents come first."""
    out = io.BytesIO()
    for ino, entry in enumerate(sorted(entries, key=lambda e: e.path), start=1):
        out.write(_header(ino, entry, 2 if stat.S_ISDIR(entry.mode) else 1))
        out.write(entry.data + _pad(len(entry.data)))
    out.write(_header(0, Entry(TRAILER, 0), 1))
    return out.getvalue()


def compressed(entries: list[Entry]) -> bytes:
    """The gzip-compressed archive (no name, time zero: the same bytes for the same entries)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=6) as gz:
        gz.write(archive(entries))
    return buffer.getvalue()

"""A small, reproducible ISO 9660 image writer (one root directory, a few files) with Joliet names, enough
for a cloud-init NoCloud seed (volume label "cidata", files meta-data, user-data, network-config)."""

from __future__ import annotations

import re
import struct

SECTOR = 2048
MIN_SECTORS = 150  # tiny volumes are not probed by some tools (busybox's volume_id wants at least 64 KiB)
_NO_DATE = b"0" * 16 + b"\0"  # "not specified" (ISO 9660 8.4.26.1): the same bytes on every build
_DIR_DATE = bytes([80, 1, 1, 0, 0, 0, 0])  # 1980-01-01 00:00 UTC


def _both16(value: int) -> bytes:
    return struct.pack("<H", value) + struct.pack(">H", value)


def _both32(value: int) -> bytes:
    return struct.pack("<I", value) + struct.pack(">I", value)


def _sectors(size: int) -> int:
    return max(1, -(-size // SECTOR))


def _primary_name(name: str) -> bytes:
    """An ISO 9660 level 1 name (8.3, upper case d-characters) for a file name."""
    stem, _, ext = name.upper().partition(".")
    clean = lambda text, n: re.sub(r"[^A-Z0-9_]", "_", text)[:n]  # noqa: E731
    return f"{clean(stem, 8)}.{clean(ext, 3)};1".encode()


def _record(ident: bytes, extent: int, size: int, directory: bool) -> bytes:
    length = 33 + len(ident) + (1 - len(ident) % 2)
    body = (bytes([length, 0]) + _both32(extent) + _both32(size) + _DIR_DATE + bytes([2 if directory else 0, 0, 0])
            + _both16(1) + bytes([len(ident)]) + ident)
    return body + b"\0" * (length - len(body))


def _directory(files: list[tuple[bytes, int, int]], own: int) -> bytes:
    data = _record(b"\0", own, SECTOR, True) + _record(b"\1", own, SECTOR, True)
    for ident, extent, size in sorted(files):
        record = _record(ident, extent, size, False)
        if len(data) // SECTOR != (len(data) + len(record) - 1) // SECTOR:
            data += b"\0" * (SECTOR - len(data) % SECTOR)  # records never cross a sector
        data += record
    if len(data) > SECTOR:
        raise ValueError("too many files for one directory sector")
    return data.ljust(SECTOR, b"\0")


def _path_table(root: int, little: bool) -> bytes:
    return bytes([1, 0]) + struct.pack("<I" if little else ">I", root) + struct.pack("<H" if little else ">H", 1) \
        + b"\0\0"


def _text(value: str, size: int, joliet: bool) -> bytes:
    """A fixed-size text field padded with spaces (UCS-2 big-endian for Joliet)."""
    if joliet:
        return (value.encode("utf-16-be") + " ".encode("utf-16-be") * size)[:size]
    return value.encode("ascii")[:size].ljust(size, b" ")


def _descriptor(kind: int, label: str, total: int, path_size: int, l_table: int, m_table: int, root: int,
                joliet: bool) -> bytes:
    d = bytearray(SECTOR)
    d[0], d[1:6], d[6] = kind, b"CD001", 1
    d[8:40] = _text("LINUX", 32, joliet)
    d[40:72] = _text(label, 32, joliet)
    d[80:88] = _both32(total)
    if joliet:
        d[88:91] = b"%/E"  # UCS-2 level 3
    d[120:124], d[124:128], d[128:132] = _both16(1), _both16(1), _both16(SECTOR)
    d[132:140] = _both32(path_size)
    d[140:144], d[148:152] = struct.pack("<I", l_table), struct.pack(">I", m_table)
    d[156:190] = _record(b"\0", root, SECTOR, True)
    for start, size in ((190, 128), (318, 128), (446, 128), (574, 128), (702, 37), (739, 37), (776, 37)):
        d[start:start + size] = _text("", size, joliet)
    for start in (813, 830, 847, 864):
        d[start:start + 17] = _NO_DATE
    d[881] = 1
    return bytes(d)


def build(label: str, files: dict[str, bytes]) -> bytes:
    """The bytes of an ISO 9660 image labelled `label` holding `files` (name -> content) in its root,
    readable by Linux under their own names (Joliet) and by any reader under 8.3 names."""
    names = sorted(files)
    first_file = 16 + 3 + 4 + 2  # descriptors (PVD, Joliet SVD, terminator), 4 path tables, 2 root dirs
    extents, at = {}, first_file
    for name in names:
        extents[name] = at
        at += _sectors(len(files[name]))
    total = max(at, MIN_SECTORS)
    primary = _directory([(_primary_name(n), extents[n], len(files[n])) for n in names], 23)
    joliet = _directory([((n + ";1").encode("utf-16-be"), extents[n], len(files[n])) for n in names], 24)
    image = bytearray(SECTOR * 16)
    image += _descriptor(1, label, total, 10, 19, 20, 23, False)
    image += _descriptor(2, label, total, 10, 21, 22, 24, True)
    image += bytes([255]) + b"CD001" + bytes([1]) + bytes(SECTOR - 7)
    for table in (_path_table(23, True), _path_table(23, False), _path_table(24, True), _path_table(24, False)):
        image += table.ljust(SECTOR, b"\0")
    image += primary + joliet
    for name in names:
        image += files[name].ljust(_sectors(len(files[name])) * SECTOR, b"\0")
    return bytes(image.ljust(total * SECTOR, b"\0"))

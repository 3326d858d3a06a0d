"""Safe parsing of untrusted XML: no DTD, no entities, no network, a size limit."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lxml import etree

from backend.vxdl.errors import VxdlFileError

MAX_BYTES = int(os.environ.get("VXI_MAX_BYTES", str(32 * 1024 * 1024)))
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _declaration(data: bytes) -> int | None:
    """Where a DTD or entity declaration starts (in any case), None without one. Found from the rare "!"
    rather than from "<", which starts every tag."""
    at = data.find(b"!")
    while at >= 0:
        if at and _DOCTYPE.match(data, at - 1):
            return at - 1
        at = data.find(b"!", at + 1)
    return None


def read_limited(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a file, refusing one over `limit` before reading it."""
    name = str(path)
    try:
        size = os.stat(path).st_size
        if size > limit:
            raise VxdlFileError(name, f"file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit "
                                      "(set VXI_MAX_BYTES to raise it)")
        with open(path, "rb") as handle:  # read what stat said (no buffer of `limit` bytes), then what grew
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(limit + 1 - len(data))
    except FileNotFoundError:
        raise VxdlFileError(name, "no such file") from None
    except IsADirectoryError:
        raise VxdlFileError(name, "is a directory, not a file") from None
    except PermissionError:
        raise VxdlFileError(name, "permission denied") from None
    except OSError as exc:
        raise VxdlFileError(name, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise VxdlFileError(name, f"file is over the {limit / 1e6:.0f} MB limit")
    return data


def _parser() -> etree.XMLParser:
    """Safe options; layout whitespace between elements is dropped (VXDL has no mixed content, and a
    tree without it parses, validates and reads faster)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=False, collect_ids=False, remove_blank_text=True)


def parse_bytes(data: bytes, filename: str, limit: int = MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes; a DTD, an entity, junk or a size over `limit` gives VxdlFileError."""
    if len(data) > limit:
        raise VxdlFileError(filename, f"document is over the {limit / 1e6:.0f} MB limit")
    found = _declaration(data)
    if found is not None:
        line = data[:found].count(b"\n") + 1
        raise VxdlFileError(filename, "DTDs and entity declarations are not allowed in VXDL (refused for "
                                      "safety)", line)
    try:
        return etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = str(exc.msg).split(", line ")[0] if exc.msg else "malformed XML"
        raise VxdlFileError(filename, f"not well-formed XML: {message}", line) from None
    except ValueError as exc:
        raise VxdlFileError(filename, f"not XML: {exc}") from None

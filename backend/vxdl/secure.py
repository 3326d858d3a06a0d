"""Safe parsing of untrusted XML: the document type refused after parsing (whatever the encoding), entities
never expanded, nothing fetched or opened, one size limit, errors of one line."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from backend.files import MAX_BYTES, FileReadError, over_limit, read_regular
from backend.vxdl.errors import VxdlFileError

__all__ = ["MAX_BYTES", "parse_bytes", "read_limited"]


def read_limited(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (backend.files.read_regular), else VxdlFileError."""
    try:
        return read_regular(path, limit)
    except FileReadError as exc:
        raise VxdlFileError(exc.filename, exc.reason, exc.line) from None


class _NothingFetched(etree.Resolver):
    """Answers every request for an external DTD or entity with nothing: no file or URL is ever opened, so
    the answer cannot tell whether a file exists, and a FIFO named there cannot block."""

    def resolve(self, url, pubid, context):
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    """Safe options; layout whitespace between elements is dropped (VXDL has no mixed content, and a
    tree without it parses, validates and reads faster)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=False, collect_ids=False, remove_blank_text=True)
    parser.resolvers.add(_NothingFetched())
    return parser


_DOCTYPE_OR_SKIPPED = re.compile(r"<!--.*?-->|<\?.*?\?>|<!DOCTYPE", re.DOTALL)


def _doctype_line(data: bytes, encoding: str | None) -> int | None:
    """The line of the document type declaration (comments and processing instructions skipped)."""
    try:
        text = data.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return None
    for match in _DOCTYPE_OR_SKIPPED.finditer(text):
        if match.group() == "<!DOCTYPE":
            return text.count("\n", 0, match.start()) + 1
    return None


def parse_bytes(data: bytes, filename: str, limit: int = MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes; a document type (DTD), junk or a size over `limit` gives VxdlFileError."""
    if len(data) > limit:
        raise VxdlFileError(filename, over_limit(filename, len(data), limit, "document is").reason)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        message = str(exc.msg).split(", line ")[0] if exc.msg else "malformed XML"
        message = " ".join(message.split()).split(", see xml")[0]  # one line, no libxml2 function names
        message = message.removeprefix("internal error: ")  # libxml2's words, not a fault of this program
        if "entity" in message.lower() or "DOCTYPE" in message or "Subset" in message:
            message += " (DTDs and entities are refused)"
        raise VxdlFileError(filename, f"not well-formed XML: {message}", line) from None
    except ValueError as exc:
        raise VxdlFileError(filename, f"not XML: {exc}") from None
    info = tree.docinfo
    if info.internalDTD is not None or info.system_url or info.public_id:
        raise VxdlFileError(filename, "a document type declaration (DTD) is refused for safety (nothing it "
                                      "names was read)", _doctype_line(data, info.encoding))
    return tree

"""Safe parsing of untrusted XML: the document type refused after parsing (whatever the encoding), entities
never expanded, nothing fetched or opened, one size limit, errors of one line."""

from __future__ import annotations

import ctypes
import hashlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from lxml import etree

from backend.files import MAX_BYTES, FileReadError, open_regular, over_limit, read_open, read_regular, unreadable
from backend.vxdl.errors import VxdlFileError

__all__ = ["MAX_BYTES", "FileSource", "check_file_without_tree", "check_without_tree", "doctype_refused", "has_doctype",
           "parse_bytes", "pull_parser", "read_limited", "refuse_doctype", "refuse_malformed", "refuse_oversize",
           "told_encoding", "wide_codec"]


class FileSource:
    """A regular file of at most MAX_BYTES read in pieces, never held whole: positioned reads of one open descriptor
    (open_regular's checks), so that the reader and the strict check's worker each read at their own pace, each
    reading keeping the digest of what it read: the two must have read the same bytes (`same_read`)."""

    def __init__(self, path: str | Path):
        self.name = str(path)
        try:
            self.fd, self.size = open_regular(path, MAX_BYTES)
        except FileReadError as exc:
            raise VxdlFileError(exc.filename, exc.reason, exc.line) from None
        self.readings: list[FileReading] = []

    def reading(self) -> FileReading:
        """A new reading from the start (a file object: `read(n)`)."""
        found = FileReading(self.fd, self.name)
        self.readings.append(found)
        return found

    def whole(self) -> bytes:
        """The bytes, read again whole (for what needs them: problems' columns, a whole reading)."""
        try:
            return read_open(self.fd, self.name, MAX_BYTES)
        except FileReadError as exc:
            raise VxdlFileError(exc.filename, exc.reason, exc.line) from None

    def same_read(self) -> bool:
        """Whether every reading read the whole file as it was when opened, byte for byte the same (the file did
        not change under them)."""
        first = self.readings[0] if self.readings else None
        return first is not None and all(r.at == self.size and r.digest.digest() == first.digest.digest()
                                         for r in self.readings)

    def read_at(self, offset: int, size: int) -> bytes:
        """`size` bytes from `offset` (a line whose columns are searched)."""
        return _pread(self.fd, max(0, min(size, self.size - offset)), offset, self.name)

    def same_since(self, first: int) -> bool:
        """Whether the readings from the `first`-th on each read the whole file, byte for byte the same."""
        later = self.readings[first:]
        return bool(later) and all(r.at == self.size and r.digest.digest() == later[0].digest.digest() for r in later)

    def matches(self, data: bytes) -> bool:
        """Whether bytes read again are what the readings read."""
        return self.same_read() and hashlib.blake2b(data, digest_size=16).digest() == self.readings[0].digest.digest()

    def close(self) -> None:
        os.close(self.fd)

    def __len__(self) -> int:
        return self.size


class FileReading:
    """One reading of a FileSource: its own position and the digest of what it read; it stops past MAX_BYTES.
    It reads its own duplicate of the descriptor, closed at its end: a reading the reader no longer waits for (the
    strict check's worker once the reader has its answer) goes on to the end of the file, never onto a descriptor
    closed or reused under it (libxml2 would print its own lines on the aborted validation)."""

    def __init__(self, fd: int, name: str):
        self.fd: int | None = os.dup(fd)
        self.name = name
        self.at, self.digest = 0, hashlib.blake2b(digest_size=16)

    def read(self, n: int = 1 << 16) -> bytes:
        room = MAX_BYTES + 1 - self.at
        piece = _pread(self.fd, min(n, room) if n > 0 else room, self.at, self.name) \
            if room > 0 and self.fd is not None else b""
        if not piece:
            self.close()
        self.at += len(piece)
        self.digest.update(piece)
        return piece

    def close(self) -> None:
        """Close this reading's descriptor (at its end, or when it is let go)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self.close()


def _pread(fd: int, size: int, offset: int, name: str) -> bytes:
    """os.pread, a failure (EIO from /proc/self/mem, which stat calls a regular file) said in one line naming the
    file (VxdlFileError), also from inside libxml2's reading, which raises it again as it is."""
    try:
        return os.pread(fd, size, offset)
    except OSError as exc:
        failed = unreadable(name, exc)
        raise VxdlFileError(failed.filename, failed.reason) from None


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


# Safe options; layout whitespace between elements is dropped (VXDL has no mixed content, and a tree without it
# parses, validates and reads faster).
SAFE_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
                "huge_tree": False, "remove_comments": False, "collect_ids": False, "remove_blank_text": True}


def _parser() -> etree.XMLParser:
    """A parser of the safe options."""
    parser = etree.XMLParser(**SAFE_OPTIONS)
    parser.resolvers.add(_NothingFetched())
    return parser


# The first bytes of a document in UTF-16 or UTF-32 (a byte-order mark, or its '<'): Python's codec and the mark's
# size. libxml2's whole parse recognises UTF-32 from them, but its incremental ones (fed pieces, or reading a file
# object) do not: they said a valid document empty.
_WIDE_STARTS = {
    b"\xff\xfe\x00\x00": ("utf-32-le", 4), b"\x00\x00\xfe\xff": ("utf-32-be", 4), b"<\x00\x00\x00": ("utf-32-le", 0),
    b"\x00\x00\x00<": ("utf-32-be", 0), b"\xff\xfe": ("utf-16-le", 2), b"\xfe\xff": ("utf-16-be", 2),
    b"<\x00?\x00": ("utf-16-le", 0), b"\x00<\x00?": ("utf-16-be", 0)}
_LIBXML2_UTF32 = {"utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE"}


def wide_codec(head: bytes) -> tuple[str, int] | None:
    """The codec of a document in UTF-16 or UTF-32 from its first bytes, and its byte-order mark's size; None for
    another encoding."""
    return _WIDE_STARTS.get(head[:4]) or _WIDE_STARTS.get(head[:2])


def told_encoding(data: bytes | FileSource | FileReading) -> str | None:
    """The encoding an incremental parser of these bytes must be told (UTF-32, from the first four bytes, as the
    whole parse finds it); None: the parser finds it itself."""
    if isinstance(data, FileSource):
        head = data.read_at(0, 4)
    elif isinstance(data, FileReading):
        head = _pread(data.fd, 4, 0, data.name) if data.fd is not None else b""
    else:
        head = bytes(data[:4])
    wide = _WIDE_STARTS.get(head[:4])  # (four bytes: UTF-32, or UTF-16's '<?')
    return _LIBXML2_UTF32.get(wide[0]) if wide else None


def pull_parser(tag: str | list[str] | None, events: tuple[str, ...] = ("start",),
                encoding: str | None = None) -> etree.XMLPullParser:
    """A parser of the same safe options fed bytes piece by piece, giving the start (or `events`) of each element
    `tag` (of every element: None) as it comes; `encoding`: told_encoding of the bytes to feed."""
    parser = etree.XMLPullParser(events=events, tag=tag, encoding=encoding, **SAFE_OPTIONS)
    parser.resolvers.add(_NothingFetched())
    return parser


class _KeepNothing:
    """A parser target that builds nothing (the parse only checks)."""

    def close(self) -> None:
        return None


_SILENT = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)(lambda _context, _message: None)


def quiet_libxml2_thread() -> None:
    """Silence libxml2's own lines on standard error in the calling thread, as lxml does only in the thread that
    imported it: a check stopped at its first error ends libxml2's validation early, which prints "Unimplemented
    block at xmlschemas.c" from any other thread. Nothing when libxml2's function cannot be found."""
    try:
        set_handler = ctypes.CDLL(etree.__file__).xmlSetGenericErrorFunc
    except (OSError, AttributeError):
        return
    set_handler(None, _SILENT)


class _Stopped(Exception):
    """The check stopped at its first error."""


class _UntilAnError:
    """The bytes of a reading handed to libxml2 a piece at a time, ending (an early end of file: the parse fails)
    once the parser has logged an error: a check that only asks whether a document passes stops at its first
    problem, instead of logging every one (60,000 schema problems kept 45 MB of lxml's log entries). lxml takes
    the GIL only for each piece, so libxml2 still parses and validates between them without it."""

    def __init__(self, read, parser: etree.XMLParser) -> None:
        self._read, self.parser, self.stopped = read, parser, False

    def read(self, n: int = 1 << 16) -> bytes:
        if self.stopped or self.parser.error_log.filter_from_errors():
            self.stopped = True
            raise _Stopped
        return self._read(n)


def _passes(read, schema: etree.XMLSchema, encoding: str | None) -> bool:
    """Whether the bytes `read(n)` gives (of told_encoding `encoding`) are well-formed and pass `schema`, parsed
    into no tree, stopping at the first error."""
    parser = etree.XMLParser(schema=schema, target=_KeepNothing(), encoding=encoding, **SAFE_OPTIONS)
    parser.resolvers.add(_NothingFetched())
    pieces = _UntilAnError(read, parser)
    try:
        etree.parse(pieces, parser)
    except (etree.XMLSyntaxError, ValueError, OSError, _Stopped):
        return False
    return not pieces.stopped and not parser.error_log.filter_from_errors()


def check_without_tree(data: bytes, schema: etree.XMLSchema) -> bool:
    """Whether bytes are well-formed and pass `schema`, parsed with the safe options into no tree at all (a few
    MB whatever the size; libxml2 runs without the GIL meanwhile), stopping at the first error. Only for a document
    already seen to declare no document type: lxml replaces entities for a parser target, and without a DTD there
    are none to replace."""
    return _passes(io.BytesIO(data).read, schema, told_encoding(data))


def check_file_without_tree(reading: FileReading, schema: etree.XMLSchema) -> bool:
    """check_without_tree for a file read in pieces by libxml2 itself (lxml takes the GIL only to read each)."""
    try:
        return _passes(reading.read, schema, told_encoding(reading))
    finally:
        reading.close()


def has_doctype(tree: etree._ElementTree) -> bool:
    """Whether a parsed document declares a document type (internal subset or external identifiers)."""
    info = tree.docinfo
    return info.internalDTD is not None or bool(info.system_url or info.public_id)


_DOCTYPE_OR_SKIPPED = re.compile(r"<!--.*?-->|<\?.*?\?>|<!DOCTYPE", re.DOTALL)


def _doctype_line(data: bytes, encoding: str | None) -> int | None:
    """The line of the document type declaration (comments and processing instructions skipped)."""
    encoding = encoding or "utf-8"
    if encoding.upper() in ("UTF-16", "UTF-32") and data[:1] == b"\x00":  # big-endian without a byte-order mark
        encoding += "-BE"  # (Python's codec would take it for little-endian)
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        return None
    for match in _DOCTYPE_OR_SKIPPED.finditer(text):
        if match.group() == "<!DOCTYPE":
            return text.count("\n", 0, match.start()) + 1
    return None


def doctype_refused(filename: str, head: bytes, encoding: str | None) -> VxdlFileError:
    """The refusal of a well-formed document declaring a document type; `head`: its bytes up to its root at least."""
    return VxdlFileError(filename, "a document type declaration (DTD) is refused for safety (nothing it names was "
                                   "read)", _doctype_line(head, encoding))


def refuse_doctype(parser: etree.XMLPullParser, pieces: Iterator[bytes], head: bytes, root: etree._Element,
                   filename: str) -> NoReturn:
    """A document type seen at the start of a document fed piece by piece (`head`: the pieces fed so far): the rest
    fed too, every complete element freed as it goes, so that a malformed document is still said malformed
    (XMLSyntaxError: the whole reading says it); then refused as parse_bytes refuses it, its tree never held."""
    for piece in pieces:
        parser.feed(piece)
        for _event in parser.read_events():
            pass
        el = root
        while el is not None and len(el):  # along the open elements (each the last child), the complete ones freed
            last = el[-1]
            del el[:-1]
            el = last
    parser.close()
    raise doctype_refused(filename, head, root.getroottree().docinfo.encoding)  # (its encoding known once closed)


def refuse_oversize(data: bytes, filename: str, limit: int = MAX_BYTES) -> None:
    """VxdlFileError for bytes over `limit`, before anything parses them."""
    if len(data) > limit:
        raise VxdlFileError(filename, over_limit(filename, len(data), limit, "document is").reason)


def parse_bytes(data: bytes, filename: str, limit: int = MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted bytes; a document type (DTD), junk or a size over `limit` gives VxdlFileError."""
    refuse_oversize(data, filename, limit)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _not_well_formed(exc, filename) from None
    if has_doctype(tree):
        raise doctype_refused(filename, data, tree.docinfo.encoding)
    return tree


def refuse_malformed(data: bytes | FileSource, filename: str, limit: int = MAX_BYTES) -> None:
    """VxdlFileError in parse_bytes' words and line when the bytes are not well-formed XML, found by the same parse
    building no tree (what a reading fed a piece at a time says of a malformed document is worded differently);
    a file is read by libxml2 a piece at a time (the same words, line and column), its bytes never held."""
    refuse_oversize(data, filename, limit)
    parser = etree.XMLParser(target=_KeepNothing(), encoding=told_encoding(data), **SAFE_OPTIONS)
    parser.resolvers.add(_NothingFetched())
    try:
        if isinstance(data, FileSource):
            reading = FileReading(data.fd, data.name)  # (not one of the source's readings: they must each read it all)
            try:
                etree.parse(reading, parser)
            finally:
                reading.close()
        else:
            etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise _not_well_formed(exc, filename) from None


def _not_well_formed(exc: Exception, filename: str) -> VxdlFileError:
    if not isinstance(exc, etree.XMLSyntaxError):
        return VxdlFileError(filename, f"not XML: {exc}")
    line = exc.lineno if exc.lineno else None
    message = str(exc.msg).split(", line ")[0] if exc.msg else "malformed XML"
    message = " ".join(message.split()).split(", see xml")[0]  # one line, no libxml2 function names
    message = message.removeprefix("internal error: ")  # libxml2's words, not a fault of this program
    deep = re.match(r"Excessive depth in document: (\d+) use XML_PARSE_HUGE option", message)
    if deep:  # (advice to a programmer the reader cannot follow)
        message = f"elements nested more than {deep.group(1)} levels deep"
    if "entity" in message.lower() or "DOCTYPE" in message or "Subset" in message:
        message += " (DTDs and entities are refused)"
    return VxdlFileError(filename, f"not well-formed XML: {message}", line)

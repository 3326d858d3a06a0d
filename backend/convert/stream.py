"""Imports read element by element: the bytes fed a piece at a time to a pull parser of the safe options
(backend/vxdl/secure.py), each element handed over when it ends and freed once handled, so that the parsed tree
(about 7 to 10 times the file) never holds the document. Every import is read this way, problems included: the
importer keeps the problem its whole reading (the tree) would say first (FirstProblem), in the same words and line;
a malformed document is said malformed by the same parse as the whole reading's, building no tree. What the reading
declines (`Unusual`: an attribute of networkx's name, say) is read whole by the importer's tree reader. A document
type is refused here, in the whole reading's words, once the rest of the document is seen well-formed (each element
freed as it ends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from backend.files import MAX_BYTES
from backend.vxdl.secure import FileSource, has_doctype, pull_parser, refuse_doctype, refuse_malformed, told_encoding
from backend.vxdl.stream import CHUNK, pieces  # bytes fed at a time

__all__ = ["CHUNK", "FirstProblem", "Unusual", "elements", "read_bytes_import", "read_import"]


class Unusual(Exception):
    """A document the element-by-element reading does not take: it is read whole instead."""


class FirstProblem:
    """The problem a whole reading would say first, among problems met in another order: each is offered with its
    place in the whole reading's order (a tuple: its phase, then its rank there), and the earliest is kept."""

    def __init__(self) -> None:
        self.at: tuple | None = None
        self.error: Exception | None = None

    def offer(self, at: tuple, error: Exception) -> None:
        """A problem at `at`: kept when it comes before the one kept (the first offered of two at one place)."""
        if self.at is None or at < self.at:
            self.at, self.error = at, error

    def before(self, at: tuple) -> bool:
        """Whether a problem at `at` would come before the one kept (worth looking for)."""
        return self.at is None or at < self.at

    def kept_before(self, at: tuple) -> FirstProblem:
        """A new FirstProblem with the one kept if it comes before `at`."""
        kept = FirstProblem()
        if not self.before(at):
            kept.at, kept.error = self.at, self.error
        return kept

    def raise_first(self) -> None:
        """Raise the problem kept, if any."""
        if self.error is not None:
            raise self.error


def read_import(path: str | Path, streaming: Callable, whole: Callable, declined: tuple[type[Exception], ...]):
    """An import file read the one safe way: element by element (`streaming`), from the file a piece at a time so
    that its bytes are never held whole; read whole (`whole`, on its bytes) when `streaming` raises one of
    `declined`. A malformed document is refused in the whole reading's words (its bytes then read whole)."""
    source = FileSource(path)
    try:
        return read_bytes_import(source, str(path), streaming, whole, declined)
    finally:
        source.close()


def read_bytes_import(data: bytes | FileSource, filename: str, streaming: Callable, whole: Callable,
                      declined: tuple[type[Exception], ...]):
    """An import of bytes (standard input) or of a FileSource read as read_import reads it."""
    if len(data) <= MAX_BYTES:
        malformed = False
        try:
            return streaming(data, filename)
        except etree.XMLSyntaxError:
            malformed = True  # said below, once the reading's frames (the model it had built) are freed
        except (*declined, OSError):
            pass  # read whole: the same VXI, or the problem said as always
        if malformed:
            refuse_malformed(data, filename)  # (well-formed to the whole reading: read whole below)
    return whole(_bytes(data), filename)


def _bytes(data: bytes | FileSource) -> bytes:
    return data.whole() if isinstance(data, FileSource) else data


def elements(data: bytes | FileSource, free_depth: int, filename: str,
             kept_in: frozenset[str] = frozenset()) -> Iterator[tuple[str, etree._Element, int]]:
    """('start' or 'end', element, depth) of every element of a document with no document type (the root at depth
    0). After an element of depth 1 to `free_depth` has ended and been handed over, it is emptied and the elements
    before it are removed from its parent, unless its parent's tag is one of `kept_in` (freed with its parent).
    XMLSyntaxError or ValueError for what is not well-formed; a document type is refused (VxdlFileError, as the
    whole reading's parse_bytes says it) once the rest is seen well-formed, its tree never held."""
    parser = pull_parser(None, ("start", "end"), told_encoding(data))
    feed, read_events = parser.feed, parser.read_events
    depth = -1
    head: list[bytes] = []  # the pieces fed until the root has started (the document type is before it)
    chunks = pieces(data)
    for piece in chunks:
        feed(piece)
        if depth < 0:
            head.append(piece)
        for event, el in read_events():
            if event == "start":
                depth += 1
                if depth == 0:
                    if has_doctype(el.getroottree()):
                        refuse_doctype(parser, chunks, b"".join(head), el, filename)
                    head = []
                yield event, el, depth
                continue
            yield event, el, depth
            if 1 <= depth <= free_depth and (not kept_in or el.getparent().tag not in kept_in):
                parent = el.getparent()
                el.clear()
                while el.getprevious() is not None:
                    del parent[0]
            depth -= 1
    root = parser.close()
    if has_doctype(root.getroottree()):
        raise Unusual("a document type")

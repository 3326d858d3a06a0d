"""Imports read element by element: the bytes fed a piece at a time to a pull parser of the safe options
(backend/vxdl/secure.py), each element handed over when it ends and freed once handled, so that the parsed tree
(about 7 to 10 times the file) never holds the document. Only the usual document is read this way: anything else
(`Unusual`, a malformed document, a problem of any kind) is read again whole by the importer's tree reader, which
says what is wrong exactly as it always did. A document type is refused here, in the whole reading's words, once the
rest of the document is seen well-formed (each element freed as it ends)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from backend.vxdl.secure import FileSource, has_doctype, pull_parser, refuse_doctype
from backend.vxdl.stream import CHUNK, pieces  # bytes fed at a time

__all__ = ["CHUNK", "STREAM_FROM", "Unusual", "elements", "read_import"]

STREAM_FROM = 2**20  # bytes: a smaller import is read whole (as quick; its tree at most ~10 MB)


class Unusual(Exception):
    """A document the element-by-element reading does not take: it is read whole instead."""


def read_import(path: str | Path, streaming: Callable, whole: Callable, errors: tuple[type[Exception], ...]):
    """An import file read the one safe way: one of STREAM_FROM bytes or more element by element (`streaming`),
    from the file a piece at a time so that its bytes are never held whole; a smaller or unusual one whole
    (`whole`, on its bytes), when `streaming` raises one of `errors`."""
    source = FileSource(path)
    try:
        if len(source) >= STREAM_FROM:
            try:
                return streaming(source, str(path))
            except (*errors, OSError):
                pass  # read whole: the same VXI, or the problem said as always
        return whole(source.whole(), str(path))
    finally:
        source.close()


def elements(data: bytes | FileSource, free_depth: int, filename: str) -> Iterator[tuple[str, etree._Element, int]]:
    """('start' or 'end', element, depth) of every element of a document with no document type (the root at depth
    0). After an element of depth 1 to `free_depth` has ended and been handed over, it is emptied and the elements
    before it are removed from its parent. XMLSyntaxError or ValueError for what is not well-formed; a document
    type is refused (VxdlFileError, as the whole reading's parse_bytes says it) once the rest is seen well-formed,
    its tree never held."""
    parser = pull_parser(None, ("start", "end"))
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
            if 1 <= depth <= free_depth:
                parent = el.getparent()
                el.clear()
                while el.getprevious() is not None:
                    del parent[0]
            depth -= 1
    root = parser.close()
    if has_doctype(root.getroottree()):
        raise Unusual("a document type")

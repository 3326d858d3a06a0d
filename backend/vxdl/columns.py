"""Columns of problems in the source bytes (lxml gives lines only): a problem's element is the n-th element of its
tag on its line, in document order, and the n-th `<tag` of that line gives its column. Each line and tag is
searched once, and the tree once for all problems, so placing any number of problems stays linear."""

from __future__ import annotations

import codecs
import re
from array import array

from backend.vxdl.fields import RESOURCE_TAGS, V
from backend.vxdl.secure import FileReading, FileSource, wide_codec

_NAME_END = rb"(?=[\s/>]|$)"
PIECE_BYTES = 1 << 18  # bytes of a line decoded at once to count its columns in characters
MAX_NAME = 50_000  # libxml2's longest name: a `<` further back starts no tag cut between two pieces
KEPT_LINES = 1024  # the lines and tags whose columns are kept found (problems come mostly in the order of their lines)


_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)")


def line_codec(head: bytes) -> tuple[str, int] | None:
    """The codec a line of a document is decoded with to count its columns in characters (as libxml2 counts them),
    from its first bytes, and its byte-order mark's size; None for a single-byte encoding (a column is a byte)."""
    wide = wide_codec(head)
    if wide:
        return wide
    declared = _DECLARED.match(head)
    name = declared.group(1).decode("ascii", "replace").lower().replace("_", "-") if declared else "utf-8"
    return ("utf-8-sig", 0) if name in ("utf-8", "utf8") else None  # (a mark is no character)


class SourceColumns:
    """Where each `<tag` (or `<prefix:tag`) of a line starts, each line and tag searched once; of a file, each line
    read from it when searched (its bytes never held whole: the starts of its lines, 8 bytes each). A line not in
    ASCII is decoded to find its tags (UTF-8, UTF-16, UTF-32), its columns counted in characters as libxml2's."""

    def __init__(self, data: bytes | FileSource):
        self._data = data
        head = data.read_at(0, 200) if isinstance(data, FileSource) else bytes(data[:200])
        self._codec = line_codec(head)
        self._wide = self._codec if self._codec and not self._codec[0].startswith("utf-8") else None
        self._starts: array | None = None
        self._found: dict[tuple[int, str], list[int]] = {}

    def column(self, line: int | None, tag: str, nth: int = 0) -> int:
        """Column of the `nth` (from 0) `<tag` of a line; the first when there are fewer, 1 when there is none,
        0 without a line."""
        if not line:
            return 0
        found = self._found.get((line, tag))
        if found is None:
            if len(self._found) >= KEPT_LINES:  # (a document of 50,000 problems on as many lines kept them all)
                self._found.clear()
            found = self._found[(line, tag)] = self._search(line, tag)
        if not found:
            return 1
        return found[nth] if nth < len(found) else found[0]

    def _search(self, line: int, tag: str) -> list[int]:
        if self._starts is None:
            self._starts = _line_starts(self._data, self._wide)
        if line > len(self._starts) or not tag:
            return []
        begin = self._starts[line - 1] if line > 1 or not self._wide else self._wide[1]  # (after the mark)
        unit = 1 if not self._wide else 2 if "16" in self._wide[0] else 4
        end = self._starts[line] - unit if line < len(self._starts) else len(self._data)
        text = self._data.read_at(begin, end - begin) if isinstance(self._data, FileSource) else self._data[begin:end]
        if self._codec and (self._wide or not text.isascii()):
            pattern = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?" + re.escape(tag) + _NAME_END.decode(), re.ASCII)
            return _character_columns(text, self._codec[0], pattern)
        pattern = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?" + re.escape(tag.encode()) + _NAME_END)
        return [m.start() + 1 for m in pattern.finditer(text)]


def _character_columns(text: bytes, codec: str, pattern: re.Pattern) -> list[int]:
    """The columns, in characters, of `pattern`'s matches in a line's bytes, decoded a piece at a time (a line may
    hold the whole document: its text is never made whole, up to four times its bytes)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    found: list[int] = []
    carry, before = "", 0  # a tag cut between two pieces, from its `<`; the characters before it
    view = memoryview(text)
    for start in range(0, len(text), PIECE_BYTES):
        last = start + PIECE_BYTES >= len(text)
        words = carry + decoder.decode(view[start:start + PIECE_BYTES], final=last)
        end = 0
        for m in pattern.finditer(words):
            if m.end() == len(words) and not last:  # (its name may go on in the next piece)
                break
            found.append(before + m.start() + 1)
            end = m.end()
        cut = words.rfind("<")
        cut = len(words) if cut < end else max(cut, len(words) - MAX_NAME)
        carry, before = words[cut:], before + cut
    return found


def _line_starts(data: bytes | FileSource, wide: tuple[str, int] | None = None) -> array:
    """The offset of each line's start (a file read a piece at a time, a reading of its own); in UTF-16 or UTF-32
    (`wide`), where a newline of that encoding starts on a whole character."""
    starts = array("q", [0])
    newline, unit = ("\n".encode(wide[0]), 2 if "16" in wide[0] else 4) if wide else (b"\n", 1)
    if not isinstance(data, FileSource):
        starts.extend(m.end() for m in re.finditer(newline, data) if m.start() % unit == 0)
        return starts
    reading, at, rest = FileReading(data.fd, data.name), 0, b""
    for piece in iter(reading.read, b""):
        if rest or len(piece) % unit:  # (a character cut between two pieces: its first bytes kept for the next)
            piece, rest = rest + piece, b""
            cut = len(piece) - len(piece) % unit
            piece, rest = piece[:cut], piece[cut:]
        starts.extend(at + m.end() for m in re.finditer(newline, piece) if m.start() % unit == 0)
        at += len(piece)
    return starts


def place_columns(problems: list, columns: SourceColumns, root, elements: dict[int, object], model,
                  seen: dict[tuple[int, str, str], int] | None = None) -> None:
    """Give every problem without a column the column of its own element.

    `elements` maps id(problem) to the element a problem was found at (the builder's own problems); a problem
    that names a resource by its id and line (the model's rules, a duplicate id) is matched to the element of
    that id on its line, a duplicate to the second, third... of them. One pass over the elements of the tags
    and lines concerned counts the same-tag elements before each one on its line. `seen`: how many duplicates of
    a (line, tag, id) were placed before these (reading resource by resource places most as it goes)."""
    pending = [p for p in problems if not p.column and p.line]
    if not pending:
        return
    lines = {p.line for p in pending}
    tags = {p.element for p in pending if p.element}
    wanted = {id(el) for key, el in elements.items() if el is not None}
    by_id = {(p.line, p.element or "", p.element_id or "") for p in pending if id(p) not in elements}
    nth_of: dict[int, int] = {}  # id(element) -> its rank among same-tag elements on its line
    ranks_by_id: dict[tuple[int, str, str], list[int]] = {}  # (line, resource tag, id) -> ranks
    counts: dict[tuple[int, str], int] = {}
    if root is not None and tags:
        for el in root.iter(*("{*}" + tag for tag in tags)):
            line = el.sourceline
            if line not in lines:
                continue
            tag = el.tag.rpartition("}")[2]
            rank = counts.get((line, tag), 0)
            counts[(line, tag)] = rank + 1
            if id(el) in wanted:
                nth_of[id(el)] = rank
            if tag in RESOURCE_TAGS:
                node = el.find(V + "id")
                ident = (node.text or "").strip() if node is not None else ""
                if (line, tag, ident) in by_id:  # (only those asked for: a line may hold the whole document)
                    ranks_by_id.setdefault((line, tag, ident), []).append(rank)
    duplicates_seen: dict[tuple[int, str, str], int] = dict(seen or {})
    for p in pending:
        tag = p.element or ""
        el = elements.get(id(p))
        if el is not None:
            p.column = columns.column(p.line, tag, nth_of.get(id(el), 0))
            continue
        ranks = ranks_by_id.get((p.line, tag, p.element_id or ""))
        nth = 0
        if ranks:
            if p.code == "duplicate-id":  # the first of the id is in the model; each duplicate is a later one
                key = (p.line, tag, p.element_id or "")
                kept = _kept_origin(model, tag, p.element_id)
                seen = duplicates_seen.get(key, 0)
                duplicates_seen[key] = seen + 1
                at = seen + (1 if kept is not None and kept[0] == p.line else 0)
                nth = ranks[min(at, len(ranks) - 1)]
            else:
                nth = ranks[0]
        p.column = columns.column(p.line, tag, nth)


def _kept_origin(model, tag: str, ident: str | None) -> tuple[int, int] | None:
    """Where the element of this tag that the model kept for an id came from."""
    if model is None or ident is None:
        return None
    kept = (model.links if tag == "vLink" else model.components).get(ident)
    return getattr(kept, "origin", None)


class ElementPaths:
    """The elements that libxml2's error paths name (`/*/*/*[7]/x:ports/x:port[2]`: the nth element child, or the
    nth of that name), each parent's children listed once, so placing any number of schema problems stays linear."""

    def __init__(self, root):
        self._root = root
        self._children: dict[tuple[object, str], list] = {}

    def find(self, path: str | None):
        """The element a path names (its owner element for an attribute or text step), None when it names none."""
        if not path or not path.startswith("/"):
            return None
        el = self._root
        for step in path.split("/")[2:]:
            if step.startswith("@") or step.endswith("()"):
                break
            name, _, rest = step.partition("[")
            try:
                index = int(rest.rstrip("]")) if rest else 1
            except ValueError:
                return None
            found = self._of(el, name)
            if not 1 <= index <= len(found):
                return None
            el = found[index - 1]
        return el

    def _of(self, el, name: str) -> list:
        key = (el, name)
        found = self._children.get(key)
        if found is None:
            prefix, _, local = name.rpartition(":")
            found = self._children[key] = [
                c for c in el if isinstance(c.tag, str)
                and (name == "*" or (c.tag.rpartition("}")[2] == local and (c.prefix or "") == prefix))]
        return found


def owner_resource(el):
    """The innermost resource or link element holding `el` (itself included; a cloud's member before its cloud),
    None outside them."""
    while el is not None:
        tag = el.tag
        if isinstance(tag, str) and tag.startswith(V) and tag[len(V):] in RESOURCE_TAGS:
            return el
        el = el.getparent()
    return None

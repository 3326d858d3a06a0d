"""A mapping file (`vxi embed --json -o`) read a piece at a time: the top object, its "requests" list, each request
and its "links" object are walked as json's scanner walks them, and every other value (each link's placement, on
one line, a request's "nodes", the "utilisation") is parsed by json's own scanner from a window of the text, with
`mapping.json_hook`, so that neither the file's bytes nor its text are held whole; a request's links are gathered
into columns as they come (mapping.GatheredLinks), never a dict of rows. The mapping is what
`Mapping.from_json(json.loads(data, object_pairs_hook=json_hook()))` gives, and a file that is not JSON is refused
in its words and at its line (an encoding other than UTF-8, rare, is read whole)."""

from __future__ import annotations

import codecs
import json
import os
import re
from collections.abc import Callable, Iterator
from json.decoder import scanstring
from pathlib import Path

from backend.embedding.mapping import _PLACEMENT_KEYS, GatheredLinks, Mapping, json_hook, row_of
from backend.embedding.placed import PlacedLinks
from backend.files import MAX_MAPPING_BYTES, FileReadError, open_regular, over_limit, read_json, unreadable

CHUNK = 1 << 16
_WS = re.compile(r"[ \t\n\r]*")
_SURE = 64  # characters after a scanner's error that make it the whole text's (what it looks ahead is less)


class NotJson(ValueError):
    """Where the text stops being JSON: json's words, the line, column and character (as JSONDecodeError)."""

    def __init__(self, msg: str, lineno: int, colno: int, pos: int):
        super().__init__(f"{msg}: line {lineno} column {colno} (char {pos})")
        self.msg, self.lineno, self.colno, self.pos = msg, lineno, colno, pos


class _Text:
    """The decoded text, a window of it at a time: `buf` from the character `base` on (line `line`, `column`
    characters after its start), `at` the place reached in it."""

    def __init__(self, read: Callable[[int], bytes]):
        self.read = read
        self.decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        self.fed = 0  # bytes decoded
        self.buf, self.at, self.base, self.line, self.column = "", 0, 0, 1, 0
        self.eof = False

    def more(self, want: int = CHUNK) -> None:
        """At least `want` more characters, or the end."""
        grown = len(self.buf) + want
        while not self.eof and len(self.buf) < grown:
            piece = self.read(max(CHUNK, want))
            pending = len(self.decoder.getstate()[0])
            try:
                text = self.decoder.decode(piece, final=not piece)
            except UnicodeDecodeError as exc:
                start, end = self.fed - pending + exc.start, self.fed - pending + exc.end
                raise ValueError(_decode_error(exc, start, end)) from None
            self.fed += len(piece)
            self.eof = not piece
            self.buf += text

    def drop(self) -> None:
        """Forget the text before `at` (kept while a value is scanned)."""
        if self.at > CHUNK:
            gone = self.buf[:self.at]
            lines = gone.count("\n")
            self.column = len(gone) - gone.rindex("\n") - 1 if lines else self.column + len(gone)
            self.line += lines
            self.base += self.at
            self.buf, self.at = self.buf[self.at:], 0

    def char(self) -> str:
        """The character at `at` after whitespace ('' at the end), `at` moved to it."""
        while True:
            self.at = _WS.match(self.buf, self.at).end()
            if self.at < len(self.buf) or self.eof:
                return self.buf[self.at:self.at + 1]
            self.more()

    def error(self, msg: str, pos: int) -> NotJson:
        """json's error at `pos` of the window."""
        lines = self.buf.count("\n", 0, pos)
        column = pos - self.buf.rindex("\n", 0, pos) if lines else self.column + pos + 1
        return NotJson(msg, self.line + lines, column, self.base + pos)


def _decode_error(exc: UnicodeDecodeError, start: int, end: int) -> str:
    """Python's words for bytes that are not UTF-8, at their place in the whole file."""
    if end - start == 1:
        return f"'{exc.encoding}' codec can't decode byte 0x{exc.object[exc.start]:02x} in position {start}: " \
               f"{exc.reason}"
    return f"'{exc.encoding}' codec can't decode bytes in position {start}-{end - 1}: {exc.reason}"


class _Reader:
    """json.loads' walk of a mapping, the requests' links a placement at a time."""

    def __init__(self, text: _Text):
        self.text = text
        self.hook = json_hook()
        self.scan_once = json.JSONDecoder(object_pairs_hook=self.hook).scan_once

    def document(self):
        text = self.text
        text.char()
        value = self.value(0)
        if text.char():
            raise text.error("Extra data", text.at)
        return value

    def value(self, level: int, parent: str | None = None):
        """The value at `at`: walked when it is the top object, its requests, a request or its links."""
        text = self.text
        first = text.char()
        walked = (level == 0 and first == "{") or (level == 1 and parent == "requests" and first == "[") or \
            (level == 2 and first == "{") or (level == 3 and parent == "links" and first == "{")
        if not walked:
            return self.scanned()
        return self.array(level) if first == "[" else self.object(level)

    def scanned(self):
        """A value parsed by json's scanner from the window, read further until the scanner's answer is sure."""
        text = self.text
        while True:
            try:
                value, end = self.scan_once(text.buf, text.at)
            except StopIteration as stop:
                if text.eof or stop.value + _SURE < len(text.buf):
                    raise text.error("Expecting value", stop.value) from None
            except json.JSONDecodeError as exc:
                if text.eof or (exc.pos + _SURE < len(text.buf) and not exc.msg.startswith("Unterminated string")):
                    raise text.error(exc.msg, exc.pos) from None
            else:
                if end < len(text.buf) or text.eof:
                    text.at = end
                    return value
            text.more(max(CHUNK, len(text.buf) - text.at))  # twice as much: each value scanned a few times at most

    def array(self, level: int) -> list:
        text, items = self.text, []
        text.at += 1
        if text.char() != "]":
            items.append(self.value(level + 1))
            while not self.closed("]"):
                items.append(self.value(level + 1))
        else:
            text.at += 1
        return items

    def closed(self, closing: str) -> bool:
        """After an item: whether its container ends here (`closing`, passed), else past the comma after it."""
        text = self.text
        following = text.char()
        text.at += 1
        if following == closing:
            return True
        if following != ",":
            raise text.error("Expecting ',' delimiter", text.at - 1)
        text.drop()
        return False

    def object(self, level: int):
        pairs = []
        if level == 3:
            return self.links()
        for key in self.keys():
            pairs.append((key, self.value(level + 1, key)))
        return self.hook(pairs)

    def keys(self) -> Iterator[str]:
        """The keys of the object at `at`, each with `at` on its value when handed over."""
        text = self.text
        text.at += 1
        if text.char() == "}":
            text.at += 1
            return
        while True:
            if text.char() != '"':
                raise text.error("Expecting property name enclosed in double quotes", text.at)
            key = self.key()
            if text.char() != ":":
                raise text.error("Expecting ':' delimiter", text.at)
            text.at += 1
            yield key
            if self.closed("}"):
                return

    def links(self):
        """A request's "links" gathered into columns as each placement is read (never a dict of them all); what
        from_json would raise on a placement kept for it. (An object of keys "path" and "bandwidth_bps" alone, the
        first a list, is one placement to json_hook: it is made so.)"""
        error: list = [None, None]  # the first placement from_json refuses, and its link
        shaped: dict | None = {}  # the pairs while every key is "path" or "bandwidth_bps"

        def rows():
            nonlocal shaped
            for key in self.keys():
                value = self.value(4, key)
                if shaped is not None:
                    shaped = {**shaped, key: value} if key in _PLACEMENT_KEYS else None
                try:
                    row = row_of(value)
                except Exception as exc:  # from_json raises it, when it gets there
                    if error[0] is None:
                        error[:] = exc, key
                    continue
                if error[1] == key:  # a later value of that link replaces the one refused (as in a dict)
                    error[:] = None, None
                yield key, *row

        placed = PlacedLinks.gather(rows())
        if shaped is not None and isinstance(shaped.get("path"), list):
            return self.hook(list(shaped.items()))
        return GatheredLinks(placed, error[0])

    def key(self) -> str:
        """An object's key at `at` (its opening quote)."""
        text = self.text
        while True:
            try:
                key, end = scanstring(text.buf, text.at + 1, True)
            except json.JSONDecodeError as exc:
                if text.eof or (exc.pos + _SURE < len(text.buf) and not exc.msg.startswith("Unterminated string")):
                    raise text.error(exc.msg, exc.pos) from None
            else:
                text.at = end
                return key
            text.more()


def loads(read: Callable[[int], bytes]):
    """The JSON value of the bytes `read(n)` gives a piece at a time, as json.loads(..., object_pairs_hook=
    json_hook()) gives it; NotJson or ValueError (bytes not UTF-8) as json.loads' errors say it."""
    return _Reader(_Text(read)).document()


def read_mapping(path: str | Path) -> Mapping:
    """The mapping of a file written by `vxi embed --json -o` (or any JSON of its form), read a piece at a time;
    FileReadError (one line: the file, not JSON, the line) as backend.files.read_json says it; what from_json
    raises for JSON that is not a mapping."""
    name = str(path)
    fd, _size = open_regular(path, MAX_MAPPING_BYTES)
    try:
        try:
            head = os.pread(fd, 4, 0)
        except OSError as exc:
            raise unreadable(name, exc) from None
        if head.startswith(codecs.BOM_UTF8) or (len(head) >= 2 and 0 in head[:4]):  # UTF-8 with a BOM, 16, 32
            return Mapping.from_json(read_json(path, MAX_MAPPING_BYTES, object_pairs_hook=json_hook()))
        total = 0

        def read(n: int) -> bytes:
            nonlocal total
            piece = os.read(fd, min(n, MAX_MAPPING_BYTES + 1 - total))
            total += len(piece)
            if total > MAX_MAPPING_BYTES:
                raise over_limit(name, total, MAX_MAPPING_BYTES, "file grew to")
            return piece

        try:
            data = loads(read)
        except OSError as exc:
            raise unreadable(name, exc) from None
        except RecursionError:
            raise FileReadError(name, "not JSON: nested too deeply") from None
        except NotJson as exc:
            raise FileReadError(name, f"not JSON (line {exc.lineno}): {exc.msg.split(':')[0]}") from None
        except ValueError as exc:
            raise FileReadError(name, f"not JSON: {str(exc).split(':')[0]}") from None
    finally:
        os.close(fd)
    return Mapping.from_json(data)

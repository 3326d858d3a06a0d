"""JSON printed a piece at a time: the very text `json.dumps(value, indent=2)` gives (or, with `one_line_from`, that
text with every object and list from that depth on written on one line), with mappings and lists walked as they are
reached, so a mapping of 100,000 links is never held whole as JSON objects or as one string."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

BATCH = 1 << 16  # characters gathered before a write


def json_pieces(value, *, indent: int = 2, ensure_ascii: bool = True, level: int = 0,
                one_line_from: int | None = None) -> Iterator[str]:
    """`json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)` in pieces; any Mapping is written as an object
    (its `items()` taken as they come: a lazy view is never made whole). `one_line_from`: the objects and lists at
    that depth (the top is 0) are written as `json.dumps(value)` writes them, on one line."""
    if one_line_from is not None and level >= one_line_from and isinstance(value, Mapping | list | tuple):
        yield json.dumps(value if isinstance(value, dict | list | tuple) else dict(value.items()),
                         ensure_ascii=ensure_ascii)
    elif isinstance(value, Mapping):
        if not value:
            yield "{}"
            return
        inner = "\n" + " " * (indent * (level + 1))
        first = True
        for key, item in value.items():
            yield ("{" if first else ",") + inner + _key(key, ensure_ascii) + ": "
            first = False
            yield from json_pieces(item, indent=indent, ensure_ascii=ensure_ascii, level=level + 1,
                                  one_line_from=one_line_from)
        yield "\n" + " " * (indent * level) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            yield "[]"
            return
        inner = "\n" + " " * (indent * (level + 1))
        for position, item in enumerate(value):
            yield ("[" if position == 0 else ",") + inner
            yield from json_pieces(item, indent=indent, ensure_ascii=ensure_ascii, level=level + 1,
                                  one_line_from=one_line_from)
        yield "\n" + " " * (indent * level) + "]"
    else:
        yield json.dumps(value, ensure_ascii=ensure_ascii)


def _key(key, ensure_ascii: bool) -> str:
    """An object's key as json writes it (numbers, booleans and None turned into strings)."""
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=ensure_ascii)
    if key is True or key is False or key is None or isinstance(key, int | float):
        return json.dumps(json.dumps(key), ensure_ascii=ensure_ascii)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def write_json(value, out, *, ensure_ascii: bool = True, one_line_from: int | None = None,
               limit: int | None = None) -> int:
    """`print(json.dumps(value, indent=2, ensure_ascii=...), file=out)`, written in batches as it is made
    (`one_line_from`: see json_pieces). The characters made; with `limit`, those past it are only counted."""
    batch: list[str] = []
    size = written = 0
    for piece in json_pieces(value, ensure_ascii=ensure_ascii, one_line_from=one_line_from):
        batch.append(piece)
        size += len(piece)
        if size - written >= BATCH:
            written = _write(out, batch, written, limit)
            batch = []
    batch.append("\n")
    size += 1
    _write(out, batch, written, limit)
    return size


def _write(out, batch: list[str], written: int, limit: int | None) -> int:
    """Write a batch unless the text is past `limit` by then; the characters made so far."""
    text = "".join(batch)
    if limit is None or written + len(text) <= limit:
        out.write(text)
    return written + len(text)

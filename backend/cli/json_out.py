"""JSON printed a piece at a time: the very text `json.dumps(value, indent=2)` gives, with mappings and lists walked
as they are reached, so a mapping of 100,000 links is never held whole as JSON objects or as one string."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

BATCH = 1 << 16  # characters gathered before a write


def json_pieces(value, *, indent: int = 2, ensure_ascii: bool = True, level: int = 0) -> Iterator[str]:
    """`json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)` in pieces; any Mapping is written as an object
    (its `items()` taken as they come: a lazy view is never made whole)."""
    if isinstance(value, Mapping):
        if not value:
            yield "{}"
            return
        inner = "\n" + " " * (indent * (level + 1))
        first = True
        for key, item in value.items():
            yield ("{" if first else ",") + inner + _key(key, ensure_ascii) + ": "
            first = False
            yield from json_pieces(item, indent=indent, ensure_ascii=ensure_ascii, level=level + 1)
        yield "\n" + " " * (indent * level) + "}"
    elif isinstance(value, list | tuple):
        if not value:
            yield "[]"
            return
        inner = "\n" + " " * (indent * (level + 1))
        for position, item in enumerate(value):
            yield ("[" if position == 0 else ",") + inner
            yield from json_pieces(item, indent=indent, ensure_ascii=ensure_ascii, level=level + 1)
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


def write_json(value, out, *, ensure_ascii: bool = True) -> None:
    """`print(json.dumps(value, indent=2, ensure_ascii=...), file=out)`, written in batches as it is made."""
    batch: list[str] = []
    size = 0
    for piece in json_pieces(value, ensure_ascii=ensure_ascii):
        batch.append(piece)
        size += len(piece)
        if size >= BATCH:
            out.write("".join(batch))
            batch, size = [], 0
    batch.append("\n")
    out.write("".join(batch))

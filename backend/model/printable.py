"""Text from files made safe to print: control, line-breaking and bidi characters shown as escapes, so an id
or a value can never start a second line, move the cursor or reorder what a terminal or a list shows."""

from __future__ import annotations

import re

# C0 controls and DEL, C1 controls (U+0080-U+009F, U+009B is a terminal's CSI), the line and paragraph
# separators, and every bidi control (marks, embeddings, overrides, isolates).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` as one safe line: control, line and bidi characters written as \\n, \\x1b, \\u202e..."""
    value = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(value) is None:  # the common case costs one scan
        return value
    return _UNSAFE.sub(_escape, value)


def json_escaped(text: str) -> str:
    """JSON text with the characters `printable` escapes written as \\uXXXX escapes, but for the C0 controls: in
    JSON text they are its own layout (its newlines), JSON having escaped those of its strings itself. So that ids
    in a JSON report can neither drive a terminal nor reorder what it shows."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() < " " else f"\\u{ord(m.group()):04x}", text)

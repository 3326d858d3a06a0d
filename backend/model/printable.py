"""Text from files made safe to print: control, line-breaking, bidi and invisible characters shown as escapes, so
an id or a value can never start a second line, move the cursor, reorder what a terminal or a list shows, or pass
for another id that looks the same."""

from __future__ import annotations

import re

# C0 controls and DEL, C1 controls (U+0080-U+009F, U+009B is a terminal's CSI), the line and paragraph
# separators, every bidi control (marks, embeddings, overrides, isolates), and the characters that show nothing:
# the soft hyphen, the Mongolian vowel separator, zero-width space, non-joiner and joiner, the word joiner and
# invisible operators, and the zero-width no-break space (a byte-order mark).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e"
                     "\u2060-\u2064\u2066-\u2069\ufeff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` as one safe line: control, line, bidi and invisible characters written as \\n, \\x1b, \\u202e,
    \\u200b..."""
    value = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(value) is None:  # the common case costs one scan
        return value
    return _UNSAFE.sub(_escape, value)


def json_escaped(text: str) -> str:
    """JSON text with the characters `printable` escapes written as \\uXXXX escapes, but for the C0 controls: in
    JSON text they are its own layout (its newlines), JSON having escaped those of its strings itself. So that ids
    in a JSON report can neither drive a terminal nor reorder what it shows."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() < " " else f"\\u{ord(m.group()):04x}", text)

"""Counts in words, for every message and title of the widgets and the designer: '1 component', '2 links'."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 component', '2 components' ('1 access point', '2 access points'; `words` for irregular plurals)."""
    return f"{count} {word if count == 1 else words or word + 's'}"

"""Counts in words, for every message of the backend, the widgets and the designer: '1 core', '2 links'."""

from __future__ import annotations


def count_text(count: float) -> str:
    """A count as people read it: '1,500'; a count that is not whole keeps its fraction ('1.5')."""
    shown = int(count) if float(count).is_integer() else count
    return f"{shown:,}"


def plural(count: float, word: str, words: str | None = None) -> str:
    """'1 component', '2 components', '1,500 errors' ('1 access point', '2 access points'; `words` for irregular
    plurals); a count that is not whole keeps its fraction ('1.5 cores')."""
    return f"{count_text(count)} {word if count == 1 else words or word + 's'}"

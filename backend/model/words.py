"""Counts in words, for every message of the backend, the widgets and the designer: '1 core', '2 links'."""

from __future__ import annotations


def plural(count: float, word: str, words: str | None = None) -> str:
    """'1 component', '2 components' ('1 access point', '2 access points'; `words` for irregular plurals);
    a count that is not whole keeps its fraction ('1.5 cores')."""
    shown = int(count) if float(count).is_integer() else count
    return f"{shown} {word if shown == 1 else words or word + 's'}"

"""Counts in words, for every message and title of the widgets and the designer: '1 component', '2 links'.
The one helper lives in the backend (its messages need it too)."""

from __future__ import annotations

from backend.model.words import plural

__all__ = ["plural"]

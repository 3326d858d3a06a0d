"""Conversions between VXDL and neighbouring formats (GraphML, GENI RSpec v3), listing what they drop."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, fields

from backend.files import FileReadError


@dataclass
class Losses:
    """What a conversion could not carry over, counted by description."""

    items: Counter = field(default_factory=Counter)

    def add(self, what: str, count: int = 1) -> None:
        """Note that `count` values of `what` were dropped."""
        if count:
            self.items[what] += count

    def lines(self) -> list[str]:
        """One readable line per kind of loss."""
        return [f"dropped: {what} ({n})" for what, n in sorted(self.items.items())]


class ConversionError(FileReadError):
    """An imported file that cannot become a VXI (no id, a dangling reference, a malformed structure); the
    message names the file, the line and the element."""


def finite(value: object) -> float | None:
    """`value` as a finite float; None for NaN or an infinity (what an importer drops and lists)."""
    number = float(value)  # ValueError/TypeError for what is not a number at all
    return number if math.isfinite(number) else None


def other_fields(obj, fresh, handled: set[str], what: str, losses: Losses) -> None:
    """List every field of `obj` that differs from `fresh` (an empty object of its kind) and that the
    converter neither carries nor lists by name (`handled`), as 'WHAT FIELD'."""
    for f in fields(obj):
        if f.name not in handled and f.name != "at_line" and getattr(obj, f.name) != getattr(fresh, f.name):
            losses.add(f"{what} {f.name.replace('_', ' ')}")

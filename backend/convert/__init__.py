"""Conversions between VXDL and neighbouring formats (GraphML, GENI RSpec v3), listing what they drop."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

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

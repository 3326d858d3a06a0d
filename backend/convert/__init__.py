"""Conversions between VXDL and neighbouring formats (GraphML, GENI RSpec v3), listing what they drop."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


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

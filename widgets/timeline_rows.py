"""The rows of the lease timeline and its measures, without Qt: one row per component and per link (a host's
availability in a substrate), how a link's row is named, round steps of the time axis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backend.model import Lease

LABEL_WIDTH, AXIS_HEIGHT, ROW_HEIGHT, BAR_HEIGHT, HANDLE = 150.0, 40.0, 22.0, 14.0, 6.0
STEPS = (1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 30 * 86400)


@dataclass(slots=True)
class Row:
    """One row: an item's bar from `start` for `duration` (seconds from the origin)."""

    id: str
    label: str
    start: float  # seconds from the origin
    duration: float
    inherited: bool
    own_start: datetime | None
    is_link: bool
    obj: object = None


def link_label(link) -> str:
    """A link's row: "C↔G" both ways, "C→G" one way; its id first when it is not made of its ends."""
    arrow = "→" if getattr(link, "one_way", False) else "↔"
    ends = f"{link.source}{arrow}{link.destination}"
    named = link.id in (f"{link.source}-{link.destination}", f"{link.source}–{link.destination}")
    return ends if named else f"{link.id}: {ends}"


def nice_step(span: float, parts: int) -> float:
    """The smallest round step that cuts `span` into at most `parts` pieces."""
    for step in STEPS:
        if span / step <= parts:
            return float(step)
    return float(STEPS[-1])


def short(seconds: float) -> str:
    """+2h, +90min, +3d style offsets."""
    if seconds % 86400 == 0 and seconds:
        return f"+{int(seconds // 86400)}d"
    if seconds % 3600 == 0:
        return f"+{int(seconds // 3600)}h"
    if seconds % 60 == 0:
        return f"+{int(seconds // 60)}min"
    return f"+{seconds:g}s"


def lease_of(obj) -> Lease | None:
    """A component's or link's lease, a host's availability; None for what has neither."""
    return getattr(obj, "lease", None) or getattr(obj, "availability", None)


def periods_of(model) -> list:
    """The named periods of a VXI (a substrate has none)."""
    return list(getattr(model, "periods", []))

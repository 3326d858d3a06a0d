"""Utilisation over time: the moments between the accepted requests' lease and period boundaries, and
what every host resource and link direction holds in each of them (as `Mapping.utilisation` gives the peak).

    stretches = moments(mapping, requests)
    tables = over_time(substrate, requests, mapping, stretches)   # one table per moment
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import pairwise

import numpy as np

from backend.embedding.engine import Embedder
from backend.embedding.instance import DIMS, Network
from backend.embedding.mapping import Mapping
from backend.model import Infrastructure, Substrate


@dataclass
class Moment:
    """A stretch of time [start, end) in which the reservations do not change; `what` says what began."""

    start: float | None
    end: float | None
    what: str

    def describe(self) -> str:
        """'2026-12-01 10:00 to 12:00 UTC: VXI2 starts' or 'at all times'."""
        if self.start is None:
            return "at all times (no lease has a start date)"
        a = datetime.fromtimestamp(self.start, timezone.utc)
        text = a.strftime("%Y-%m-%d %H:%M")
        if self.end is not None and math.isfinite(self.end):
            b = datetime.fromtimestamp(self.end, timezone.utc)
            text += " to " + b.strftime("%H:%M" if b.date() == a.date() else "%Y-%m-%d %H:%M") + " UTC"
        else:
            text += " UTC onwards"
        return text + (f": {self.what}" if self.what else "")


def moments(mapping: Mapping, requests: list[Infrastructure]) -> list[Moment]:
    """The stretches between the lease starts and ends and named period boundaries of the accepted requests."""
    marks: dict[float, list[str]] = {}
    for result, vxi in zip(mapping.requests, requests, strict=False):
        if result.window is None or not result.accepted:
            continue
        start, end = result.window
        marks.setdefault(start, []).append(f"{result.id} starts")
        if end is not None and math.isfinite(end):
            marks.setdefault(end, []).append(f"{result.id} ends")
        for period in vxi.periods:
            marks.setdefault(start + period.offset, []).append(f"{result.id} period {period.name}")
            marks.setdefault(start + period.end, []).append(f"{result.id} period {period.name} ends")
    if not marks:
        return [Moment(None, None, "")]
    points = sorted(marks)
    out = [Moment(a, b, ", ".join(marks[a])) for a, b in pairwise(points)]
    last = points[-1]
    out.append(Moment(last, None, ", ".join(marks[last])))
    return out


def busiest(mapping: Mapping, stretches: list[Moment]) -> int:
    """The index of the moment with the most accepted requests running (the first such)."""
    def running(i: int) -> int:
        m = stretches[i]
        return sum(1 for r in mapping.requests if r.accepted and (
            m.start is None or r.window is None or (r.window[0] <= m.start and (r.window[1] is None
                                                                                or m.start < r.window[1]))))
    return max(range(len(stretches)), key=lambda i: (running(i), -i))


def table(net: Network, used: np.ndarray) -> dict:
    """Use and capacity of every host resource and link direction, from a resource vector of `net`
    (capacity None = unlimited): the form of `Mapping.utilisation`."""
    cap = net.capacity

    def finite(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    hosts = {h: {dim: {"used": float(used[3 * i + d]), "capacity": finite(cap[3 * i + d])}
                 for d, dim in enumerate(DIMS)} for i, h in enumerate(net.host_ids)}
    off = net.arc_offset
    links = {lid: {direction: {"used_bps": float(used[off + 2 * p + r]), "capacity_bps": finite(cap[off + 2 * p + r])}
                   for r, direction in enumerate(("forward", "reverse"))} for p, lid in enumerate(net.link_ids)}
    return {"hosts": hosts, "links": links}


def over_time(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping,
              stretches: list[Moment]) -> list[dict]:
    """The utilisation at the start of each moment (the mapping's peak for a moment without a start, and
    for every moment when the mapping cannot be booked again)."""
    try:
        embedder = Embedder(substrate, mapping.algorithm or "best")
        for result, vxi in zip(mapping.requests, requests, strict=True):
            if result.accepted:
                embedder.load(vxi, result)
        return [table(embedder.net, embedder.ledger.usage_at(m.start)) if m.start is not None
                else mapping.utilisation for m in stretches]
    except Exception:  # the peak is a safe, documented fallback
        return [mapping.utilisation for _ in stretches]

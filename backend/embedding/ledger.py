"""Who holds what and when: bookings per request and the residual capacity over a request's segments."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from backend.embedding.instance import Network, Request


@dataclass
class Placement:
    """A solver's answer: a host index per VNode and, per VLink, arcs from its source's host to its
    destination's host (empty when both sit on the same host)."""

    hosts: list[int]
    paths: list[list[int]]


@dataclass
class Segment:
    """Amounts held on resource indices during [start, end)."""

    start: float
    end: float
    index: np.ndarray
    amount: np.ndarray


def placement_usage(net: Network, req: Request, placement: Placement) -> list[Segment]:
    """What a placement holds in each of the request's segments: each resource once, with the sum of what the
    request's components and links hold there (not an entry per component and hop: 19,000 links over 10 hops
    were 380,000 Python numbers)."""
    size, offset = net.capacity.shape[0], net.arc_offset
    hosts = np.asarray(placement.hosts, dtype=np.int64)
    node_index = (3 * hosts[:, None] + np.arange(3)).reshape(-1)
    # links of one path often share its list (routing keeps equal paths once): each distinct list's arcs are
    # listed once, with the sum of its links' rates (100,000 links over 10 hops were a million arcs)
    distinct, path_of = _distinct(placement.paths)
    lengths = np.fromiter(map(len, distinct), dtype=np.int64, count=len(distinct))
    arcs = np.fromiter(chain.from_iterable(distinct), dtype=np.int64, count=int(lengths.sum()))
    out = []
    for k, (start, end) in enumerate(req.segments):
        held = np.zeros(size)
        held[:offset] = np.bincount(node_index, weights=req.node_demand[:, k, :].reshape(-1), minlength=offset)
        for rows, crossed in ((req.links.forwards, arcs), (req.links.reverses, arcs ^ 1)):
            if any(row[k] for row in rows):  # (bare links have no bandwidth: no column of zeros made)
                rates = req.links.per_link([row[k] for row in rows])
                per_path = np.bincount(path_of, weights=rates, minlength=len(distinct))
                held[offset:] += np.bincount(crossed, weights=np.repeat(per_path, lengths), minlength=size - offset)
        where = np.flatnonzero(held)
        out.append(Segment(start, end, where, held[where]))
    return out


def _distinct(paths: list[list[int]]) -> tuple[list[list[int]], np.ndarray]:
    """The distinct path lists (the same object once, in order of first use) and each link's row among them
    (a dict of the few distinct ones, not a sort of 100,000 ids)."""
    row: dict[int, int] = {}
    distinct: list[list[int]] = []

    def row_of(path: list[int]) -> int:
        found = row.get(id(path))
        if found is None:
            found = row[id(path)] = len(distinct)
            distinct.append(path)
        return found

    return distinct, np.fromiter(map(row_of, paths), dtype=np.int32, count=len(paths))


class Ledger:
    """Bookings of accepted requests; answers the residual capacity over any time segments."""

    def __init__(self, net: Network):
        self.net = net
        self.bookings: dict[str, list[Segment]] = {}
        self._spans: dict[str, tuple[float, float]] = {}

    def book(self, request_id: str, segments: list[Segment]) -> None:
        """Hold resources for a request (replacing what it held before)."""
        self.bookings[request_id] = segments
        self._spans[request_id] = (min(s.start for s in segments), max(s.end for s in segments))

    def release(self, request_id: str) -> None:
        """Free everything a request holds."""
        self.bookings.pop(request_id, None)
        self._spans.pop(request_id, None)

    def expire(self, before: float) -> list[str]:
        """Release every request whose bookings all end at or before `before`; their ids."""
        over = [rid for rid, (_, end) in self._spans.items() if end <= before]
        for rid in over:
            self.release(rid)
        return over

    def residual(self, segments: list[tuple[float, float]], exclude: frozenset[str] = frozenset()) -> np.ndarray:
        """(K, R): capacity minus the peak usage by other bookings inside each segment."""
        cap = self.net.capacity
        size = cap.shape[0]
        lo, hi = min(a for a, _ in segments), max(b for _, b in segments)
        relevant = [seg for rid, segs in self.bookings.items() if rid not in exclude
                    and self._spans[rid][0] < hi and lo < self._spans[rid][1] for seg in segs
                    if seg.start < hi and lo < seg.end and seg.index.size]
        out = np.empty((len(segments), size))
        for k, (a, b) in enumerate(segments):
            inside = [seg for seg in relevant if seg.start < b and a < seg.end]
            peak = np.zeros(size)
            points = {a} | {seg.start for seg in inside if a < seg.start < b}
            for t in points:
                active = [seg for seg in inside if seg.start <= t < seg.end]
                if active:
                    used = np.bincount(np.concatenate([s.index for s in active]),
                                       weights=np.concatenate([s.amount for s in active]), minlength=size)
                    np.maximum(peak, used, out=peak)
            out[k] = cap - peak
        return out

    def peak_usage(self) -> np.ndarray:
        """Highest usage of every resource over time (a sweep; departures before arrivals at one instant)."""
        size = self.net.capacity.shape[0]
        segments = [s for segs in self.bookings.values() for s in segs]
        events = sorted([(seg.start, 1, i, seg) for i, seg in enumerate(segments)]
                        + [(seg.end, 0, i, seg) for i, seg in enumerate(segments)], key=lambda e: e[:3])
        usage, peak = np.zeros(size), np.zeros(size)
        for position, (t, arriving, _, seg) in enumerate(events):
            np.add.at(usage, seg.index, seg.amount if arriving else -seg.amount)
            if position + 1 == len(events) or events[position + 1][0] != t:
                np.maximum(peak, usage, out=peak)
        return peak

    def usage_at(self, t: float) -> np.ndarray:
        """Total usage per resource at time t."""
        size = self.net.capacity.shape[0]
        active = [seg for segs in self.bookings.values() for seg in segs if seg.start <= t < seg.end]
        if not active:
            return np.zeros(size)
        return np.bincount(np.concatenate([s.index for s in active]),
                           weights=np.concatenate([s.amount for s in active]), minlength=size)

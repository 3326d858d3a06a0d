"""The arithmetic of periods on the lease timeline, without Qt: where a link is active or idle along its bar,
which period edges sit where, and what dragging an edge does to the periods.

    activity_spans(link, periods, start, end) -> list[Span]     a link's bar cut where its activity changes
    period_edges(periods) -> list[Edge]                         every period edge (shared ones once)
    move_edge(periods, edge, t, snap) -> list[Period] | None    the periods with that edge moved to t
    edge_text(edge, periods) -> str                             the edit in words ("Set period II to +1h – +3h")
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from itertools import pairwise

from backend.model import Period
from widgets.field_editors import format_span
from widgets.periods_edit import span_text


@dataclass
class Span:
    """A piece of a link's bar: from `start` to `end` (seconds from the origin), idle or not, in `period`."""

    start: float
    end: float
    idle: bool
    period: str | None


@dataclass
class Edge:
    """A period edge at time `t`: the period ending there (`before`) and the one starting there (`after`),
    by index in the list of periods (None when there is none)."""

    t: float
    before: int | None
    after: int | None


def activity_spans(link, periods: list[Period], start: float, end: float) -> list[Span]:
    """The link's bar from `start` to `end`, cut where its activity changes: one piece for each stretch that
    carries traffic, one for each period in which it is idle."""
    cuts = sorted({start, end, *(t for p in periods for t in (p.offset, p.end) if start < t < end)})
    spans: list[Span] = []
    for left, right in pairwise(cuts):
        middle = (left + right) / 2
        period = next((p.name for p in periods if p.offset <= middle < p.end), None)
        idle = bool(period) and bool(getattr(link, "idle_in", lambda _p: False)(period))
        if spans and spans[-1].idle == idle and (not idle or spans[-1].period == period):  # one piece per idle period
            spans[-1].end = right
        else:
            spans.append(Span(left, right, idle, period))
    return spans


def period_edges(periods: list[Period]) -> list[Edge]:
    """Every edge of the periods; an end that is also the next start is one shared edge."""
    edges: dict[float, Edge] = {}
    for i, period in enumerate(periods):
        for t, side in ((period.offset, "after"), (period.end, "before")):
            edge = edges.setdefault(round(t, 6), Edge(t, None, None))
            if getattr(edge, side) is None:
                setattr(edge, side, i)
    return sorted(edges.values(), key=lambda e: e.t)


def move_edge(periods: list[Period], edge: Edge, t: float, snap: float) -> list[Period] | None:
    """The periods with `edge` moved to `t` (snapped), each keeping at least `snap` of duration; None when the
    edge cannot go there."""
    t = round(t / snap) * snap if snap else t
    moved = copy.deepcopy(periods)
    if edge.before is not None:
        before = moved[edge.before]
        if t - before.offset < snap:
            return None
        before.duration = t - before.offset
    if edge.after is not None:
        after = moved[edge.after]
        end = after.end
        if end - t < snap or t < 0:
            return None
        after.offset, after.duration = t, end - t
    return moved


def edge_text(edge: Edge, periods: list[Period]) -> str:
    """What moving this edge did, in words."""
    names = [periods[i] for i in (edge.before, edge.after) if i is not None]
    if len(names) == 2:
        return f"Move the boundary of periods {names[0].name} and {names[1].name} to " \
               f"+{format_span(names[1].offset) if names[1].offset else '0h'}"
    return f"Set period {names[0].name} to {span_text(names[0])}" if names else "Move a period edge"

"""The scene's problem badges: every component and link with a problem badged by its worst severity (of every
problem, the first few listed), a component's badge item made when a view first draws it, a picture's links
badged by its badge layer."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QRectF

from backend.vxdl.kept import note_worst
from designer.items import LinkItem
from designer.items.link import DrawnLink
from designer.picture import LinkBadgeLayer
from designer.spatial import ERROR, WARNING
from designer.tiles import FAR_BELOW, TILE


class ProblemBadges:
    """DesignScene's part that badges the elements with a problem (`problems`, `severities` by element id)."""

    def show_badges_in(self, region: QRectF | None, zoom: float) -> None:
        """Make the problem badges of the components with one in `region` (None: all, for a picture) where the
        view draws their items: a badge item is made when first seen (20,000 took 31 MB and 1.3 s at once)."""
        if self.picture or not self.severities or (region is not None and zoom < FAR_BELOW):
            return  # further out the view draws a simplified picture: a component's frame tells its problem
        if region is None:
            rows = np.flatnonzero(self.index.components.alive)
        else:  # the whole tiles the view draws there, which overlap its area
            margin = TILE / max(zoom, FAR_BELOW)
            rows = self.index.component_rows_in(region.adjusted(-margin, -margin, margin, margin))
        rows = rows[(self.index.components.flags[rows] & (ERROR | WARNING)) != 0]
        items = self.index.components.items
        for row in rows.tolist():
            item = items[row]
            if not item.has_badge():
                item.badge  # noqa: B018 -- made showing its problems

    def set_problems(self, problems: list, worst: dict[str, str] | None = None) -> None:
        """Badge every item that has a problem: its worst in `worst` (element id: "error" or "warning", of every
        problem, `problems` being the first few listed; kept.py), else among `problems`."""
        by_id: dict[str, list] = {}
        for problem in problems:
            if problem.element_id is not None:
                by_id.setdefault(problem.element_id, []).append(problem)
        severities = worst if worst is not None else note_worst({}, problems)
        changed = _Either(severities, self.severities)
        self.problems, self.severities = by_id, severities
        rows = self._link_rows(changed) if self.picture else {}
        badged = self.link_badges.badges if self.link_badges is not None else {}
        for ident, row in rows.items():  # a picture's links, in the order their items would be: the model's
            if ident in severities or ident in badged:
                self._badge_drawn_link(ident, row, severities.get(ident, ""))
        for ident, item in self._items_of(changed):
            if self.picture or isinstance(item, LinkItem) or item.has_badge():  # a component's when first seen
                item.badge.set_problems(by_id.get(ident, []), severities.get(ident, ""))
            if isinstance(item, LinkItem):
                rect = item.badge_rect()
                self.labels.obstacle_changed(item.badge, rect)
                self.labels.changed([item], [rect] if rect is not None else [])
            else:  # a component's item, or a picture's drawn component
                self.index.set_component_flags(item, self._component_flags(item))
        shown = self.labels.last_request()
        if shown is not None and not self.picture:
            self.show_badges_in(*shown)

    def _items_of(self, idents: _Either) -> Iterator[tuple[str, object]]:
        """(id, item) of the components and links among `idents` that are drawn; a picture's components by row, its
        links having no item (no map of a picture's component rows by id is kept)."""
        if self.picture:
            return ((ident, comp) for ident, comp in zip(self.components, self.components.values(), strict=True)
                    if ident in idents)
        drawn = ((ident, self.components.get(ident) or self.links.get(ident)) for ident in idents)
        return ((ident, item) for ident, item in drawn if item is not None)

    def _link_rows(self, idents: _Either) -> dict[str, int]:
        """The rows of a picture's drawn links among `idents` (one pass over the drawn links, none when no link
        has a problem)."""
        if not any(ident in self.model.links for ident in idents):
            return {}
        return {ident: row for row, ident in enumerate(self.drawn_link_ids) if ident in idents}  # in drawing order

    def _badge_drawn_link(self, ident: str, row: int, severity: str) -> None:
        """Badge a picture's link (no item: the badge layer draws it as its LinkItem's badge would be drawn)."""
        if self.link_badges is None:  # made with the first badge: a picture without any draws as before
            self.link_badges = LinkBadgeLayer(self)
            self.addItem(self.link_badges)
        key = (self.link_badges, ident)
        rect = self.link_badges.set_severity(ident, row, severity)
        self.labels.obstacle_changed(key, rect)
        self.labels.changed([DrawnLink(self, row)], [rect] if rect is not None else [])


class _Either:
    """The keys of either of two dicts, each once, without a set of them (those of 20,000 components with a
    problem, and their union, were 2 MB more at the export's peak)."""

    def __init__(self, first: dict, second: dict) -> None:
        self.first, self.second = first, second

    def __contains__(self, key) -> bool:
        return key in self.first or key in self.second

    def __iter__(self):
        yield from self.first
        yield from (key for key in self.second if key not in self.first)

"""The design scene: one item per model component and link, kept in step with model change events."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from backend.model import Change
from designer.appearance import scene_colours
from designer.items import ComponentItem, LinkItem
from designer.items.link import PLACE_LABELS_UP_TO

GRID = 20.0
LABELS_FROM, PORTS_FROM = 0.15, 0.3

SPACING = 120.0


class DesignScene(QGraphicsScene):
    """Draws a model (Infrastructure or Substrate); never changes it (commands do)."""

    model_changed = Signal()

    def __init__(self, model, colours: dict[str, QColor] | None = None) -> None:
        super().__init__()
        self.model = model
        self.colours = colours or scene_colours()
        self.components: dict[str, ComponentItem] = {}
        self.links: dict[str, LinkItem] = {}
        self._links_at: dict[str, set[str]] = {}
        self._ends: dict[str, tuple[str, str]] = {}
        self.period: str | None = None
        self.snap = True
        self.snap_bypass = False
        self.placing = False
        self.problems: dict[str, list] = {}
        self.detail = (True, True)
        self.vector_icons = False
        self.building = False
        self.ports_pending: set[str] | None = None  # routers whose port markers wait for the end of a rebuild
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.rebuild()
        model.subscribe(self._on_change)

    def detach(self) -> None:
        """Stop following the model and delete the items now (not later from the garbage collector)."""
        self.model.unsubscribe(self._on_change)
        self.blockSignals(True)
        self.clear()
        self.components, self.links, self._links_at, self._ends = {}, {}, {}, {}

    # ----- building -----
    def rebuild(self) -> None:
        """Drop every item and draw the whole model again."""
        self.clear()
        self.components, self.links, self._links_at, self._ends = {}, {}, {}, {}
        self.setSceneRect(QRectF(-1500, -1500, 3000, 3000))
        self.ports_pending = set()
        try:
            for index, ident in enumerate(self.model.components):
                self._add_component(ident, index)
            self.building = True
            for ident in self.model.links:
                self._add_link(ident)
        finally:
            self.building = False
            self._refresh_pending_ports()
        self.setSceneRect(self._components_rect())
        if len(self.links) <= PLACE_LABELS_UP_TO:
            for item in self.links.values():
                item.update_geometry()

    def _refresh_pending_ports(self) -> None:
        """Lay out each router's port markers once, after all its links exist; links of moved markers follow."""
        pending, self.ports_pending = self.ports_pending or set(), None
        for ident in pending:
            item = self.components.get(ident)
            if item is not None and item.refresh_port_use():
                for link_id in self._links_at.get(ident, ()):
                    if link_id in self.links:
                        self.links[link_id].update_geometry()

    def _default_position(self, index: int) -> QPointF:
        columns = max(1, int(math.sqrt(len(self.model.components)) + 0.999))
        return QPointF(SPACING * (index % columns), SPACING * (index // columns))

    def _add_component(self, ident: str, index: int | None = None) -> None:
        item = ComponentItem(self, ident)
        if self.model.components[ident].position is None:
            self.placing = True
            item.setPos(self._default_position(len(self.components) if index is None else index))
            self.placing = False
        self.components[ident] = item
        item.label.setVisible(self.detail[0])
        for port in item.ports.values():
            port.setVisible(self.detail[1])
        self.addItem(item)
        self._links_at.setdefault(ident, set())
        self._room_for(item)

    def _room_for(self, item) -> None:
        if not self.sceneRect().contains(item.sceneBoundingRect()):
            self.setSceneRect(self.sceneRect().united(item.sceneBoundingRect().adjusted(-1500, -1500, 1500, 1500)))

    def _add_link(self, ident: str) -> None:
        link = self.model.links[ident]
        if link.source not in self.components or link.destination not in self.components:
            return
        item = LinkItem(self, ident)
        item.label.setVisible(self.detail[0])
        self.links[ident] = item
        self.addItem(item)
        self._index(ident)
        item.update_geometry()

    def _remove_link(self, ident: str) -> None:
        item = self.links.pop(ident, None)
        if item is None:
            return
        self.removeItem(item)
        self._unindex(ident)

    def _unindex(self, ident: str) -> None:
        for end in self._ends.pop(ident, ()):
            self._links_at.get(end, set()).discard(ident)
            if end in self.components:
                self.components[end].refresh_port_use()

    def _index(self, ident: str) -> None:
        link = self.model.links[ident]
        self._ends[ident] = (link.source, link.destination)
        for end in (link.source, link.destination):
            self._links_at.setdefault(end, set()).add(ident)
        self._refresh_ports_of(link)

    def used_ports(self, router_id: str) -> set[str]:
        """Ports of a router that drawn links use (from the scene's own index: no scan of all links)."""
        used = set()
        for link_id in self._links_at.get(router_id, ()):
            link = self.model.links.get(link_id)
            if link is None:
                continue
            if link.source == router_id and getattr(link, "source_port", None):
                used.add(link.source_port)
            if link.destination == router_id and getattr(link, "destination_port", None):
                used.add(link.destination_port)
        return used

    def _refresh_ports_of(self, link) -> None:
        for end in (link.source, link.destination):
            if end in self.components:
                self.components[end].refresh_port_use()

    # ----- following the model -----
    def _on_change(self, change: Change) -> None:
        if change.action == "reset":
            self.rebuild()
        elif change.what == "component":
            self._component_change(change)
        elif change.what == "link":
            self._link_change(change)
        elif change.what == "infrastructure":
            for item in self.links.values():
                item.refresh()
        self.model_changed.emit()

    def _component_change(self, change: Change) -> None:
        ident = change.id
        if change.action == "added":
            self._add_component(ident, self.model.index_of(ident))
        elif change.action == "removed":
            item = self.components.pop(ident, None)
            self._links_at.pop(ident, None)
            if item is not None:
                self.removeItem(item)
        elif change.action == "renamed":
            old = change.fields[0]
            item = self.components.pop(old)
            item.ident = ident
            self.components[ident] = item
            self._links_at[ident] = self._links_at.pop(old, set())
            item.refresh()
            for link_id in list(self._links_at[ident]):
                self._unindex(link_id)
                self._index(link_id)
                self.links[link_id].refresh()
        elif ident in self.components:
            self.components[ident].refresh()
            for link_id in self._links_at.get(ident, ()):
                self.links[link_id].refresh()

    def _link_change(self, change: Change) -> None:
        ident = change.id
        if change.action == "added":
            self._add_link(ident)
        elif change.action == "removed":
            self._remove_link(ident)
        elif change.action == "renamed":
            old = change.fields[0]
            self._remove_link(old)
            self._add_link(ident)
        elif ident in self.links:
            self._unindex(ident)
            self._index(ident)
            self.links[ident].refresh()

    # ----- geometry helpers used by items -----
    def snapped(self, pos: QPointF) -> QPointF:
        """`pos` on the grid, unless snapping is off or bypassed (Alt)."""
        if not self.snap or self.snap_bypass:
            return pos
        return QPointF(round(pos.x() / GRID) * GRID, round(pos.y() / GRID) * GRID)

    def component_moved(self, ident: str) -> None:
        """An item moved (dragged or set from the model): its links follow, router ports turn; the canvas grows."""
        item = self.components.get(ident)
        if item is None:
            return
        self._room_for(item)
        touched = {ident}
        for link_id in self._links_at.get(ident, ()):
            touched.update(self._ends.get(link_id, ()))
        stale = set(self._links_at.get(ident, ()))
        for end in touched:
            end_item = self.components.get(end)
            if end_item is not None and end_item.ports and end_item.layout_ports():
                stale.update(self._links_at.get(end, ()))
        for link_id in stale:
            link_item = self.links.get(link_id)
            if link_item is not None:
                link_item.update_geometry()

    def port_peers(self, router_id: str):
        """(port, position of the other end) for each link end on a port of this router."""
        for link_id in self._links_at.get(router_id, ()):
            link = self.model.links.get(link_id)
            if link is None:
                continue
            for here, port, there in ((link.source, getattr(link, "source_port", None), link.destination),
                                      (link.destination, getattr(link, "destination_port", None), link.source)):
                other = self.components.get(there)
                if here == router_id and port and other is not None:
                    yield port, other.pos()

    def end_point(self, ident: str, port: str | None) -> tuple[QPointF, bool] | None:
        """Where a link end sits: the port marker when given, else the item's centre."""
        item = self.components.get(ident)
        if item is None:
            return None
        at_port = item.port_position(port)
        return (at_port, True) if at_port is not None else (item.pos(), False)

    def _components_rect(self) -> QRectF:
        """Like _content_rect, from the components only (links lie between them; labels within the margin)."""
        if not self.components:
            return self._content_rect()
        rect = QRectF()
        for item in self.components.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect.adjusted(-2000, -2000, 2000, 2000)

    def _content_rect(self) -> QRectF:
        rect = self.itemsBoundingRect()
        return rect.adjusted(-2000, -2000, 2000, 2000)

    # ----- view state -----
    def set_period(self, period: str | None) -> None:
        """Show link bandwidth and latency for a named period (None: the links' own values)."""
        self.period = period or None
        for item in self.links.values():
            item.refresh()

    def set_zoom(self, zoom: float) -> None:
        """Hide labels and port markers when the view is too far out to read them (saves painting time)."""
        detail = (zoom >= LABELS_FROM, zoom >= PORTS_FROM)
        if detail == self.detail:
            return
        self.detail = detail
        for item in self.components.values():
            item.label.setVisible(detail[0])
            for port in item.ports.values():
                port.setVisible(detail[1])
        for item in self.links.values():
            item.label.setVisible(detail[0])

    def set_colours(self, colours: dict[str, QColor]) -> None:
        """Redraw with new theme colours."""
        self.colours = colours
        for item in [*self.components.values(), *self.links.values()]:
            item.apply_colours()
        self.update()

    def set_problems(self, problems: list) -> None:
        """Badge every item that has a problem."""
        by_id: dict[str, list] = {}
        for problem in problems:
            if problem.element_id is not None:
                by_id.setdefault(problem.element_id, []).append(problem)
        for ident in set(self.problems) | set(by_id):
            item = self.components.get(ident) or self.links.get(ident)
            if item is not None:
                item.badge.set_problems(by_id.get(ident, []))
        self.problems = by_id

    def item_for(self, ident: str) -> QGraphicsItem | None:
        """The item that draws a component or link id."""
        return self.components.get(ident) or self.links.get(ident)

    def selected_ids(self) -> tuple[list[str], list[str]]:
        """Ids of the selected components and links, in document order."""
        chosen = {id(item) for item in self.selectedItems()}
        comps = [i for i, item in self.components.items() if id(item) in chosen]
        links = [i for i, item in self.links.items() if id(item) in chosen]
        return comps, links

    def select_ids(self, ids) -> None:
        """Select exactly the items of these ids."""
        wanted = set(ids)
        self.blockSignals(True)
        self.clearSelection()
        for ident in wanted:
            item = self.item_for(ident)
            if item is not None:
                item.setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self.colours["background"])
        scale = painter.worldTransform().m11()
        step = GRID if GRID * scale >= 8 else GRID * 5 if GRID * 5 * scale >= 8 else 0
        if not step:
            return
        painter.setPen(QPen(self.colours["grid"], 0))
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

"""The design scene: one item per model component and link, kept in step with model change events.

Besides its items, the scene keeps a spatial index of where every component and link is (`designer/spatial.py`),
draws the links from it in one pass (under the items, the selected ones above everything), and places the
labels (`designer/label_layout.py`) for the zoom and area its view shows."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QToolTip

from backend.model import Change
from designer import layout
from designer.appearance import scene_colours
from designer.items import ComponentItem, LinkItem
from designer.items.component import SELECTED_Z
from designer.items.link import HIT_WIDTH, LINK_Z
from designer.items.tags import KIND, LABEL
from designer.label_layout import LABELS_FROM, LabelLayout
from designer.painting import draw_links, draw_simplified
from designer.picture import build_steps as picture_steps
from designer.scene_build import build_steps
from designer.scene_problems import ProblemBadges
from designer.spatial import CLOUD as CLOUD_BIT
from designer.spatial import ERROR, PROVISIONED_HOST, ROUTER, SELECTED_BIT, WARNING, SpatialIndex
from designer.tiles import grid_lines

GRID = 20.0
PORTS_FROM = 0.5
MARGIN = 2000.0
BUILD_BATCH = 250  # components (or links) drawn between two turns of the event loop while a file opens


class DesignScene(ProblemBadges, QGraphicsScene):
    """Draws a model (Infrastructure or Substrate); never changes it (commands do)."""

    model_changed = Signal()

    def __init__(self, model, colours: dict[str, QColor] | None = None, build: bool = True,
                 picture: bool = False, placed: dict[str, tuple[float, float]] | None = None) -> None:
        super().__init__()
        self.model = model
        self.placed = placed  # a picture's positions of the components that have none (else placed when drawn)
        self.picture = picture  # a picture only: no item per component or link (see designer/picture.py)
        self.drawn_link_ids: list[str] = []  # a picture's links, by row of the index
        self.component_layer = self.label_layer = None  # a picture's components and labels, each drawn by one item
        self.link_badges = None  # a picture's links' problem badges, drawn by one item
        self.svg_pieces = None  # an SVG being written in pieces (designer/svg_pieces.py), while a picture draws one
        self.drawing_rect = QRectF()  # the scene area being drawn (a picture's components are drawn in it)
        self.drawn_labels: dict[int, object] = {}  # a picture's labels of links, by row
        self.colours = colours or scene_colours()
        self.components: dict[str, ComponentItem] = {}
        self.links: dict[str, LinkItem] = {}
        self._links_at: dict[str, set[str]] = {}
        self._ends: dict[str, tuple[str, str]] = {}
        self.period: str | None = None
        self.snap = True
        self.snap_bypass = False
        self.problems: dict[str, list] = {}  # element id: its problems listed
        self.severities: dict[str, str] = {}  # element id: its badge ("error", "warning"), listed or not
        self.detail = (True, True)  # (labels, port markers) shown at the zoom last set
        self.zoom = 1.0
        self.vector_icons = False
        self.band_grid = 0  # rows of the grid a PNG's bands are drawn on, while one is (designer/image_export.py)
        self.building = False
        self.ports_pending: set[str] | None = None  # routers whose port markers wait for the end of a rebuild
        self._build_xy: dict[str, tuple[float, float]] | None = None  # positions while the scene is built
        self.last_link: str | None = None  # the link added last (the view selects a link it has drawn)
        self.index = SpatialIndex()
        self.labels = LabelLayout(self)
        self._selected: set[QGraphicsItem] = set()
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.selectionChanged.connect(self._selection_changed)
        if build:  # else the caller draws it with rebuild_steps()
            self.rebuild()
        model.subscribe(self._on_change)

    def detach(self) -> None:
        """Stop following the model and delete the items now (not later from the garbage collector)."""
        self.model.unsubscribe(self._on_change)
        self.labels.reset()
        self.blockSignals(True)
        self.clear()
        self.components, self.links, self._links_at, self._ends = {}, {}, {}, {}
        self._selected = set()
        self.drawn_link_ids, self.component_layer, self.label_layer, self.drawn_labels = [], None, None, {}
        self.link_badges = None

    # ----- building -----
    def rebuild(self) -> None:
        """Drop every item and draw the whole model again."""
        for _done in self.rebuild_steps():
            pass

    def rebuild_steps(self, batch: int = BUILD_BATCH) -> Iterator[float]:
        """Drop every item and draw the whole model again, `batch` items at a time: yields the fraction done
        after each batch, so that a caller can let its event loop turn in between (opening a large file)."""
        return (picture_steps if self.picture else build_steps)(self, batch)

    def _component_flags(self, item: ComponentItem) -> int:
        flags = SELECTED_BIT if item.isSelected() else 0
        if item.kind == "router":
            flags |= ROUTER
        elif item.kind == "cloud" or item.cardinality:
            flags |= CLOUD_BIT
        if item.provisioned:
            flags |= PROVISIONED_HOST
        severity = self.severities.get(item.ident)
        if severity == "error":
            flags |= ERROR
        elif severity:
            flags |= WARNING
        return flags

    def _index_component(self, item: ComponentItem) -> None:
        pos = item.pos()
        self.index.set_component(item, pos.x(), pos.y(), item.reach(), self._component_flags(item))
        reach = item.reach()
        self.labels.obstacle_changed(item, QRectF(pos.x() - reach, pos.y() - reach, 2 * reach, 2 * reach))

    def _add_component(self, ident: str) -> None:
        item = ComponentItem(self, ident)
        if self.model.components[ident].position is None:
            drawn = {i: (it.pos().x(), it.pos().y()) for i, it in self.components.items()}
            item.setPos(QPointF(*layout.place_missing(self.model, drawn).get(ident, (0.0, 0.0))))
        self.components[ident] = item
        if self.detail[1] and item.port_names:
            item.ports  # noqa: B018 -- a router placed close up shows its ports at once
        self.addItem(item)
        self._room_for(item)
        self._index_component(item)
        self.labels.changed([item], [item.sceneBoundingRect()])

    def _remove_component(self, ident: str) -> None:
        item = self.components.pop(ident, None)
        self._links_at.pop(ident, None)
        if item is None:
            return
        self.labels.forget(item)
        self.index.remove_component(item)
        if item.has_label():
            self.removeItem(item.label)
        self.removeItem(item)
        self._selected.discard(item)

    def _room_for(self, item) -> None:
        rect = item.sceneBoundingRect()
        if not self.sceneRect().contains(rect):
            self.setSceneRect(self.sceneRect().united(rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)))

    def _add_link(self, ident: str) -> None:
        link = self.model.links[ident]
        if link.source not in self.components or link.destination not in self.components:
            return
        self._ends[ident] = (link.source, link.destination)
        for end in (link.source, link.destination):
            self._links_at.setdefault(end, set()).add(ident)
        item = LinkItem(self, ident)
        self.links[ident] = item
        self.addItem(item)
        item.update_geometry()
        self.last_link = ident
        self._refresh_ports_of(link.source, link.destination)

    def _remove_link(self, ident: str) -> None:
        item = self.links.pop(ident, None)
        if item is None:
            return
        self.labels.forget(item)
        if item.badge_rect() is not None:
            self.labels.obstacle_changed(item.badge, None)
        self.index.remove_link(item)
        self.update(item.extent())
        if item.has_label():
            self.removeItem(item.label)
        self.removeItem(item)
        self._selected.discard(item)
        ends = self._ends.pop(ident, ())
        for end in ends:
            self._links_at.get(end, set()).discard(ident)
        self._refresh_ports_of(*ends)

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

    def _refresh_ports_of(self, *ends: str) -> None:
        """Routers at these ends lay their ports out again; links on moved ports follow."""
        for end in ends:
            item = self.components.get(end)
            if item is not None and item.refresh_port_use():
                for link_id in self._links_at.get(end, ()):
                    if link_id in self.links:
                        self.links[link_id].update_geometry()

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
            self._add_component(ident)
        elif change.action == "removed":
            self._remove_component(ident)
        elif change.action == "renamed":
            old = change.fields[0]
            item = self.components.pop(old)
            item.rename(ident)
            self.components[ident] = item
            links = self._links_at.pop(old, None)
            if links:
                self._links_at[ident] = links
            item.refresh()
            for link_id in list(links or ()):
                link = self.model.links[link_id]
                self._ends[link_id] = (link.source, link.destination)
                self.links[link_id].refresh()
        elif ident in self.components:
            item = self.components[ident]
            item.refresh()
            self._index_component(item)
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
            link = self.model.links[ident]
            old_ends = self._ends.get(ident, ())
            if old_ends != (link.source, link.destination):
                for end in old_ends:
                    self._links_at.get(end, set()).discard(ident)
                self._ends[ident] = (link.source, link.destination)
                for end in self._ends[ident]:
                    self._links_at.setdefault(end, set()).add(ident)
            self.links[ident].refresh()
            self._refresh_ports_of(*set(old_ends) | {link.source, link.destination})

    # ----- what items report -----
    def component_moved(self, ident: str) -> None:
        """An item moved (dragged or set from the model): its links follow, router ports turn; the canvas grows."""
        item = self.components.get(ident)
        if item is None:
            return
        self._room_for(item)
        self._index_component(item)
        touched = {ident}
        for link_id in self._links_at.get(ident, ()):
            touched.update(self._ends.get(link_id, ()))
        stale = set(self._links_at.get(ident, ()))
        for end in touched:
            end_item = self.components.get(end)
            if end_item is not None and end_item.port_names and end_item.layout_ports():
                stale.update(self._links_at.get(end, ()))
        for link_id in stale:
            link_item = self.links.get(link_id)
            if link_item is not None:
                link_item.update_geometry()
        self.labels.changed([item])

    def link_moved(self, item: LinkItem, old: QRectF) -> None:
        """A link's line changed (its ends moved, or it was just made)."""
        if self.building:
            return
        self.index.set_link(item, item.line, item.style())
        self.update(old)
        self.update(item.extent())
        self.labels.changed([item])

    def label_changed(self, owner) -> None:
        """A label's text (so its size) changed."""
        self.labels.changed([owner])

    def dragged(self) -> None:
        """The selected items were dragged: snap them, let their links and labels follow."""
        for item in [it for it in self._selected if isinstance(it, ComponentItem)]:
            snapped = self.snapped(item.pos())
            if snapped != item.pos():
                item.setPos(snapped)
            self.component_moved(item.ident)
        self.labels.flush()

    def _selection_changed(self) -> None:
        now = set(self.selectedItems())
        for item in now ^ self._selected:
            selected = item in now
            if isinstance(item, LinkItem):
                item.setZValue(SELECTED_Z if selected else LINK_Z)
                self.index.set_link_flags(item, item.style())
                self.update(item.extent())
            elif isinstance(item, ComponentItem) and item.scene() is self:
                item.setZValue(SELECTED_Z if selected else 0.0)
                self.index.set_component_flags(item, self._component_flags(item))
        self._selected = now

    # ----- geometry helpers used by items -----
    def snapped(self, pos: QPointF) -> QPointF:
        """`pos` on the grid, unless snapping is off or bypassed (Alt)."""
        if not self.snap or self.snap_bypass:
            return pos
        return QPointF(round(pos.x() / GRID) * GRID, round(pos.y() / GRID) * GRID)

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

    def end_xy(self, ident: str, port: str | None) -> tuple[float, float, bool] | None:
        """end_point as plain numbers: x, y, and whether that is a port marker."""
        item = self.components.get(ident)
        if item is None:
            return None
        known = self._build_xy
        x, y = known[ident] if known is not None else (item.pos().x(), item.pos().y())
        if port:
            at_port = item.port_xy(port, x, y)
            if at_port is not None:
                return at_port[0], at_port[1], True
        return x, y, False

    def content_rect(self) -> QRectF:
        """The area the components cover (with their ports and badges)."""
        return self.index.bounds()

    def _components_rect(self) -> QRectF:
        rect = self.content_rect()
        if rect.isNull():
            rect = QRectF(-1, -1, 2, 2)
        return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)

    # ----- view state -----
    def set_period(self, period: str | None) -> None:
        """Show link bandwidth and latency for a named period (None: the links' own values)."""
        self.period = period or None
        for item in self.links.values():
            item.refresh()
            self.index.set_link_flags(item, item.style())
        self.labels.refresh()
        self.update(self.sceneRect())

    def set_zoom(self, zoom: float, region: QRectF | None = None) -> None:
        """The zoom a view shows (and, from the view, the area): labels and port markers follow.

        Without a region every label of the scene is placed for `zoom`, now (an export)."""
        self.zoom = zoom
        detail = (zoom >= LABELS_FROM, zoom >= PORTS_FROM)
        if detail[1] != self.detail[1]:
            for item in self.components.values():
                if item.has_ports():
                    for port in item.ports.values():
                        port.setVisible(detail[1])
        self.detail = detail
        if region is None:
            if detail[1]:
                for item in self.components.values():
                    item.ports  # noqa: B018 -- made now, for the picture
            self.show_badges_in(None, zoom)
            self.labels.place_everything(zoom)
            if self.picture:  # it is drawn once so: no label moves
                self.labels.keep_shown_only()
            return
        if detail[1]:
            self.show_ports_in(region)
        self.show_badges_in(region, zoom)
        self.labels.request(region, zoom)

    def show_ports_in(self, region: QRectF) -> None:
        """Make the port markers of the routers in `region` (they are made when first seen close up)."""
        rows = self.index.component_rows_in(region)
        flags = self.index.components.flags[rows]
        items = self.index.components.items
        for row in rows[(flags & ROUTER) != 0].tolist():
            item = items[row]
            if not item.has_ports():
                item.ports  # noqa: B018

    def set_colours(self, colours: dict[str, QColor]) -> None:
        """Redraw with new theme colours."""
        self.colours = colours
        for item in [*self.components.values(), *self.links.values()]:
            item.apply_colours()
        self.index.touch_all()
        self.update(self.sceneRect())

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

    # ----- drawing -----
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        if self.picture:
            self.drawing_rect = QRectF(rect)
        painter.fillRect(rect, self.colours["background"])
        grid_lines(painter, rect, self.colours["grid"], painter.worldTransform().m11())
        draw_links(painter, self.index, rect, self.colours, selected=False, pieces=self.svg_pieces,
                   grid=self.band_grid)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        draw_links(painter, self.index, rect, self.colours, selected=True, pieces=self.svg_pieces,
                   grid=self.band_grid)

    def overview_rect(self) -> QRectF:
        """What an overview of the scene shows."""
        return self.content_rect()

    def overview_revision(self) -> int:
        """Changes whenever the overview would look different."""
        return self.index.revision

    def draw_overview(self, painter: QPainter, rect: QRectF) -> None:
        """The simplified picture of `rect` (squares and hairlines: no labels, no ports) for an overview."""
        draw_simplified(painter, self.index, rect, self.colours)

    def link_near(self, point: QPointF, tolerance: float) -> LinkItem | None:
        """The link whose line passes nearest `point`, within `tolerance` scene units."""
        row = self.index.link_at(point.x(), point.y(), tolerance)
        return self.index.links.items[row] if row is not None else None

    def helpEvent(self, event) -> None:
        """Tooltips are made when asked (a design of thousands of items keeps no text for each)."""
        items = [it for it in self.items(event.scenePos()) if it.data(KIND) != LABEL]
        if not items:
            views = self.views()
            scale = views[0].transform().m11() if views else 1.0
            link = self.link_near(event.scenePos(), max(HIT_WIDTH / 2, 4 / scale))
            items = [link] if link is not None else []
        for item in items:
            text = item.tooltip_text() if hasattr(item, "tooltip_text") else item.toolTip()
            if text:
                QToolTip.showText(event.screenPos(), text, event.widget())
                event.accept()
                return
        QToolTip.hideText()
        event.ignore()


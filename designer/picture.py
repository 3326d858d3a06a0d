"""A picture-only scene (`DesignScene(..., picture=True)`, what `vxi-designer --export-image` draws): no scene item
per component or link, each drawn from the scene's spatial index instead, in the order and with the painter
state their items would have had, so that the picture is the same, pixel for pixel, for a fraction of the memory
(a component's item with its Qt parts took about 1.4 KB, a link's about 3 KB).

- A component is a row of the index (x, y, reach), a byte of state and its id (`designer/drawn.py`: a
  `DrawnComponent` is made for a row when asked); one `ComponentLayer` item draws them all, each as its item and
  that item's children (port markers, problem badge) would be drawn.
- A link is a row of the index (its ends and style bits) and its id; `items.link.DrawnLink` is made for a row
  when the label layout asks.
- A link's problem badge is drawn by one `LinkBadgeLayer` item, below the components, as the badge of its LinkItem
  would be (a LinkItem with its badge, tooltip and Qt parts took about 4 KB a problem)."""

from __future__ import annotations

from array import array
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from backend.model import Cloud, Router
from designer import layout
from designer.drawn import DrawnComponent, DrawnComponents
from designer.items.badge import paint_badge
from designer.items.component import ITEM_BOUNDS, REACH, ComponentItem, paint_component
from designer.items.label import LABEL_Z, label_size, measure_label, paint_label
from designer.items.link import LINK_Z, DrawnLink, line_ends, model_style
from designer.items.ports import PORT_REACH, paint_port, port_offset

_ITEM = ITEM_BOUNDS  # a ComponentItem's bounding rectangle
_PORT, _BADGE = 7.0, 9.0  # half the side of a port marker's and a badge's bounding rectangles


class ComponentLayer(QGraphicsItem):
    """Draws every component of a picture-only scene: each as its ComponentItem, then that item's port markers and
    problem badge, in the components' order (the order their items would be stacked in), with the transform
    and painter state Qt gives an item; its bounding rectangle is the union of theirs."""

    def __init__(self, design) -> None:
        super().__init__()
        self.design = design
        self._bounds: QRectF | None = None

    def changing(self) -> None:
        """A component's bounds are about to change (its ports or badge were made). Qt is told once until it asks
        for the bounds again: telling it makes it ask, and their union is of every component (1,000 components with
        problems took 5 s, 20,000 never ended)."""
        if self._bounds is not None:
            self.prepareGeometryChange()
            self._bounds = None

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            self._bounds = self._union()
        return QRectF(self._bounds)

    def _union(self) -> QRectF:
        """The union of the rectangles the components' items would have (icon, port markers, badge), each made
        with the same arithmetic as Qt's (an item's rectangle moved to its scene position)."""
        rows = self.design.index.components
        data, _flags, alive = rows.live()
        if not alive.any():
            return QRectF()
        x, y = data[alive, 0], data[alive, 1]
        lefts, tops = _ITEM.left() + x, _ITEM.top() + y
        rights, bottoms = lefts + _ITEM.width(), tops + _ITEM.height()
        left, top, right, bottom = float(lefts.min()), float(tops.min()), float(rights.max()), float(bottoms.max())
        for row in self.design.components.made().tolist():
            comp = rows.items[row]
            parts = []
            if comp.ports_made:
                count = len(comp.port_names)
                parts += [(_PORT, port_offset(comp.port_slots.get(name, 0), count)) for name in comp.port_names]
            if comp.severity is not None:
                parts.append((_BADGE, ComponentItem.badge_offset))
            for half, offset in parts:
                part_left, part_top = -half + (comp.x + offset.x()), -half + (comp.y + offset.y())
                left, top = min(left, part_left), min(top, part_top)
                right, bottom = max(right, part_left + 2 * half), max(bottom, part_top + 2 * half)
        return QRectF(left, top, right - left, bottom - top)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        design = self.design
        rows = design.index.components
        view = QTransform(painter.worldTransform())
        colours = design.colours
        ports_shown = design.detail[1]
        pieces = design.svg_pieces
        for row in design.index.component_rows_in(design.drawing_rect).tolist():
            comp = rows.items[row]
            model = comp.component()
            x, y = comp.x, comp.y
            _at(painter, x, y, view)
            paint_component(painter, design, model.kind, model.cardinality if isinstance(model, Cloud) else 0,
                            bool(getattr(model, "provisioned", False)), False)
            painter.restore()
            if comp.ports_made and ports_shown:  # children above their item: the markers (z 2), then the badge
                count = len(comp.port_names)
                for name in comp.port_names:
                    offset = port_offset(comp.port_slots.get(name, 0), count)
                    _at(painter, x + offset.x(), y + offset.y(), view)
                    paint_port(painter, name in comp.used, colours["item_border"], colours["link"],
                               colours["background"])
                    painter.restore()
            if comp.severity:
                offset = ComponentItem.badge_offset
                _at(painter, x + offset.x(), y + offset.y(), view)
                paint_badge(painter, comp.severity, {"error": colours["error"], "warning": colours["warning"]})
                painter.restore()
            if pieces is not None:
                painter = pieces.after(painter, 10)


def _at(painter: QPainter, x: float, y: float, view: QTransform, scale: float = 1.0) -> None:
    """What Qt does before it paints an item at (x, y) (scaled by `scale`): its transform, the state saved, full
    opacity."""
    painter.setWorldTransform(_placing(x, y, scale) * view)
    painter.save()
    painter.setOpacity(1.0)


def _placing(x: float, y: float, scale: float) -> QTransform:
    """An item's scene transform as Qt makes it: its scale, then its position."""
    moved = QTransform.fromTranslate(x, y)
    return moved if scale == 1.0 else QTransform.fromScale(scale, scale) * moved


class DrawnLabel:
    """A label of a picture-only scene, drawn by its LabelLayer: what the label layout sets on a LabelItem (its
    lines, compactness, scale, position, whether it shows)."""

    __slots__ = ("all_lines", "bold_first", "compact", "layer", "scale_", "shown", "x_", "y_")

    def __init__(self, layer: LabelLayer, lines: list[str], bold_first: bool) -> None:
        self.layer, self.all_lines, self.bold_first = layer, tuple(lines), bold_first  # a list was 40 bytes more
        self.compact, self.scale_, self.x_, self.y_, self.shown = False, 1.0, 0.0, 0.0, False

    def shown_lines(self) -> list[str]:
        """The lines drawn now."""
        return list(self.all_lines[:1] if self.compact else self.all_lines)

    def lines(self) -> list[str]:
        """Every text line (also those a compact label leaves out)."""
        return list(self.all_lines)

    def size(self) -> tuple[float, float]:
        """Width and height of the halo before scaling."""
        return label_size(self.shown_lines(), self.bold_first)

    def set_compact(self, compact: bool) -> bool:
        """Show only the first line; True when the size changed."""
        if compact == self.compact:
            return False
        old = self.size()
        self.layer.changing()
        self.compact = compact
        return self.size() != old

    def scale(self) -> float:
        return self.scale_

    def setScale(self, scale: float) -> None:
        self.layer.changing()
        self.scale_ = scale

    def x(self) -> float:
        return self.x_

    def y(self) -> float:
        return self.y_

    def setPos(self, x: float, y: float) -> None:
        self.layer.changing()
        self.x_, self.y_ = x, y

    def show(self) -> None:
        self.shown = True

    def hide(self) -> None:
        self.shown = False

    def isVisible(self) -> bool:
        return self.shown

    def scene_rect(self) -> QRectF:
        """Where it is in the scene (as Qt maps a LabelItem's rectangle); null when it has no text."""
        rect = measure_label(self.shown_lines(), self.bold_first)[0]
        return rect if rect.isNull() else _placing(self.x_, self.y_, self.scale_).mapRect(rect)


class LabelLayer(QGraphicsItem):
    """Draws the labels of a picture-only scene as their LabelItems would be drawn (above every component); its
    bounding rectangle is the union of theirs, shown or not."""

    def __init__(self, design) -> None:
        super().__init__()
        self.design = design
        self.labels: list[DrawnLabel] = []
        self._bounds: QRectF | None = None
        self.setZValue(LABEL_Z)

    def new_label(self, lines: list[str], bold_first: bool) -> DrawnLabel:
        """A new label (hidden until the layout shows it)."""
        self.changing()
        label = DrawnLabel(self, lines, bold_first)
        self.labels.append(label)
        return label

    def changing(self) -> None:
        """A label's rectangle is about to change."""
        if self._bounds is not None:
            self.prepareGeometryChange()
            self._bounds = None

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            bounds = QRectF()
            for label in self.labels:
                bounds |= label.scene_rect()
            self._bounds = bounds
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        colours = self.design.colours
        text, halo = QColor(colours["text"]), QColor(colours["background"])
        halo.setAlpha(215)
        view = QTransform(painter.worldTransform())
        area = self.design.drawing_rect
        pieces = self.design.svg_pieces
        for label in self.labels:
            lines = label.shown_lines()
            if not label.shown or not lines or not label.scene_rect().intersects(area):
                continue
            rect, placed = measure_label(lines, label.bold_first)
            _at(painter, label.x_, label.y_, view, label.scale_)
            paint_label(painter, rect, placed, text, halo)
            painter.restore()
            if pieces is not None:
                painter = pieces.after(painter, 2)


class LinkBadgeLayer(QGraphicsItem):
    """Draws the problem badges of a picture-only scene's links, each as the badge of its LinkItem would be drawn
    (a child of the link's item, at the link's depth: under every component), in the order their items would have
    been made; its bounding rectangle is the union of theirs, shown or not (as the items would count)."""

    def __init__(self, design) -> None:
        super().__init__()
        self.design = design
        self.badges: dict[str, list] = {}  # link id: [x, y, severity ("" hidden)], in the order they were made
        self._bounds: QRectF | None = None
        self.setZValue(LINK_Z)

    def set_severity(self, ident: str, row: int, severity: str) -> QRectF | None:
        """Badge the link `ident` (row `row` of the index) with `severity` ("error", "warning", "": hidden); where
        the badge is in the scene when it shows (as `LinkItem.badge_rect`)."""
        badge = self.badges.get(ident)
        if badge is None:
            x1, y1, x2, y2 = self.design.index.links.data[row].tolist()
            if self._bounds is not None:  # else Qt has not asked for them since they last changed
                self.prepareGeometryChange()
                self._bounds = None
            badge = self.badges[ident] = [(x1 + x2) / 2, (y1 + y2) / 2 - 14, ""]
        rect = _badge_rect(badge[0], badge[1])
        if severity != badge[2]:
            badge[2] = severity
            if self._bounds is not None:
                self.update(rect)
        return rect if severity else None

    def shown(self) -> Iterator[tuple[str, QRectF]]:
        """(link id, rectangle) of each badge shown (obstacles to the labels)."""
        for ident, (x, y, severity) in self.badges.items():
            if severity:
                yield ident, _badge_rect(x, y)

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            bounds = QRectF()
            for x, y, _severity in self.badges.values():  # a badge item's rectangle moved to its place, as Qt does
                bounds |= _badge_rect(x, y)
            self._bounds = bounds
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        colours = self.design.colours
        colours = {"error": colours["error"], "warning": colours["warning"]}
        view = QTransform(painter.worldTransform())
        area = self.design.drawing_rect
        pieces = self.design.svg_pieces
        for x, y, severity in self.badges.values():
            if severity and _badge_rect(x, y).intersects(area):
                _at(painter, x, y, view)
                paint_badge(painter, severity, colours)
                painter.restore()
                if pieces is not None:
                    painter = pieces.after(painter, 2)



def _badge_rect(x: float, y: float) -> QRectF:
    """A link's badge item's rectangle in the scene, centred at (x, y)."""
    return QRectF(x - _BADGE, y - _BADGE, 2 * _BADGE, 2 * _BADGE)

def build_steps(scene, batch: int) -> Iterator[float]:
    """Draw `scene`'s whole model as a picture (see the module's docstring), yielding the fraction done now and
    then, as `scene_build.build_steps` does."""
    scene.labels.reset()
    scene.labels.repairs = False  # a picture does not change: no label is placed again
    scene.clear()
    scene.components, scene.links, scene._links_at, scene._ends = {}, {}, {}, {}
    scene.drawn_labels = {}
    scene._selected = set()
    model = scene.model
    ids = list(model.components)
    placed, scene.placed = scene.placed, None
    if placed is None:
        drawn = {i: tuple(c.position) for i, c in model.components.items() if c.position is not None}
        placed = layout.place_missing(model, drawn) if len(drawn) < len(ids) else {}
        del drawn
    total = max(1, 2 * len(ids) + len(model.links))
    made = 0
    values = array("d")
    at = placed.at if isinstance(placed, layout.GridPlaces) and placed.ids == ids else None  # by row: no index
    for row, (ident, comp) in enumerate(model.components.items()):
        x, y = comp.position if comp.position is not None else at(row) if at is not None else placed[ident]
        values.extend((x, y, PORT_REACH if isinstance(comp, Router) and comp.ports else REACH))
        made += 1
        if made % batch == 0:
            yield made / total
    del placed
    scene.components = columns = DrawnComponents(scene, ids, _numbers(values, 3))
    scene.building = True
    scene._build_xy = columns.places()
    try:
        for row in columns.routers():  # a picture follows only its routers' links (ports)
            scene._links_at[ids[row]] = set()
        present = scene.components
        link_ids = [ident for ident, link in model.links.items()
                    if link.source in present and link.destination in present]
        for ident in link_ids:
            link = model.links[ident]
            for end in (link.source, link.destination):
                if end in scene._links_at:
                    scene._links_at[end].add(ident)
        for count, ident in enumerate(scene._links_at, 1):
            present[ident].refresh_port_use()
            if count % (batch // 4 or 1) == 0:
                yield made / total
        lines, link_flags = array("d"), array("i")
        for ident in link_ids:
            link = model.links[ident]
            lines.extend(line_ends(scene, link))
            link_flags.append(model_style(link, scene.period))
            made += 2
            if made % (2 * batch) == 0:
                yield made / total
    finally:
        scene.building = False
        scene._build_xy = None
    scene.drawn_link_ids = link_ids
    columns.forget_rows()
    comp_flags = np.fromiter((scene._component_flags(comp) for comp in columns.values()), dtype=np.int32,
                             count=len(ids))
    yield 1.0
    scene.index.bulk(lambda row: DrawnComponent(scene, row), columns.numbers, comp_flags,
                     lambda row: DrawnLink(scene, row), _numbers(lines, 4), np.array(link_flags, dtype=np.int32))
    scene.component_layer = ComponentLayer(scene)
    scene.addItem(scene.component_layer)
    scene.label_layer = LabelLayer(scene)
    scene.addItem(scene.label_layer)
    scene.setSceneRect(scene._components_rect())
    scene.labels.again()
    yield 1.0



def _numbers(values: array, columns: int) -> np.ndarray:
    """Rows of `columns` numbers over an array's own memory (no copy)."""
    return np.frombuffer(values, dtype=float).reshape(-1, columns) if len(values) else np.zeros((0, columns))

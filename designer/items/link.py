"""The scene item of a link: a line between its ends, an arrowhead when one-way, a QoS label."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.items.badge import BadgeHolder
from designer.items.component import ComponentItem
from designer.items.label import LabelItem
from designer.items.ports import PortItem

END_GAP = 27.0
LABEL_STOPS = (0.5, 0.38, 0.62, 0.28, 0.72)
PLACE_LABELS_UP_TO = 150  # links; beyond, labels stay at the middle (placing them costs time)
ARROW = 11.0


def is_idle(link, period: str | None) -> bool:
    """True when the link carries no bandwidth during `period` (its bandwidth there is zero)."""
    if not period or period not in getattr(link, "periods", {}):
        return False
    config = link.config_for(period)
    rates = [q.demand() for q in (config.forward, config.reverse) if q is not None]
    return bool(rates) and all(not r for r in rates)


def qos_lines(link, period: str | None) -> list[str]:
    """The label of a link: bandwidth (with direction) and latency in force during `period`."""
    config = link.config_for(period) if hasattr(link, "config_for") else link
    parts = []
    forward, reverse = config.forward, config.reverse
    one_way = getattr(link, "one_way", False)
    if forward is not None and one_way:
        parts.append(f"→ {forward.describe()}")
    elif forward is not None and reverse is not None and forward != reverse:
        parts.append(f"→ {forward.describe()} ← {reverse.describe()}")
    elif forward is not None:
        parts.append(f"⇄ {forward.describe()}")
    if config.latency is not None:
        parts.append(config.latency.describe())
    first = " · ".join(parts) or link.id
    lines = [first]
    if period and is_idle(link, period):
        lines = [f"idle in {period}"]
    elif period and period in getattr(link, "periods", {}):
        lines.append(f"period {period}")
    if getattr(link, "provisioned", False):
        lines.append("provisioned")
    return lines


class LinkItem(BadgeHolder, QGraphicsItem):
    """Draws the model link `ident` between the items of its ends; follows them when they move."""

    def __init__(self, design, ident: str) -> None:
        super().__init__()
        self.design = design
        self.ident = ident
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(-1)
        self.line = QLineF()
        self.one_way = False
        self.provisioned = False
        self.idle = False
        self.label = LabelItem(self, centred=True)
        self._path = QPainterPath()
        self.refresh()

    def link(self):
        """The model object this item draws."""
        return self.design.model.links[self.ident]

    def refresh(self) -> None:
        """Re-read the model: label, direction, dash, geometry."""
        link = self.link()
        self.one_way = bool(getattr(link, "one_way", False))
        self.provisioned = bool(getattr(link, "provisioned", False))
        self.idle = is_idle(link, self.design.period)
        lines = qos_lines(link, self.design.period)
        self.label.set_lines(lines)
        ends = f"{link.source}{':' + link.source_port if getattr(link, 'source_port', None) else ''} → " \
               f"{link.destination}{':' + link.destination_port if getattr(link, 'destination_port', None) else ''}"
        self.setToolTip(f"link {link.id}\n{ends}\n" + "\n".join(lines))
        self.apply_colours()
        if self.scene() is not None:
            self.update_geometry()

    def apply_colours(self) -> None:
        """Take the scene's current theme colours."""
        colours = self.design.colours
        self.label.set_colours(colours["text"], colours["background"])
        self.colour_badge()
        self.update()

    def update_geometry(self) -> None:
        """Recompute the line from the current positions of both ends."""
        link = self.link()
        start = self.design.end_point(link.source, getattr(link, "source_port", None))
        end = self.design.end_point(link.destination, getattr(link, "destination_port", None))
        if start is None or end is None:
            return
        (p1, p1_port), (p2, p2_port) = start, end
        line = QLineF(p1, p2)
        length = line.length()
        if length > 1e-6:
            unit = QPointF(line.dx() / length, line.dy() / length)
            gap1 = 0.0 if p1_port else min(END_GAP, length / 3)
            gap2 = 0.0 if p2_port else min(END_GAP, length / 3)
            line = QLineF(p1 + unit * gap1, p2 - unit * gap2)
        self.prepareGeometryChange()
        self.line = line
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        self._path = stroker.createStroke(path)
        mid = self._label_point(line)
        self.label.setPos(mid)
        self.badge_offset = mid + QPointF(0, -18)
        if self._badge is not None:
            self._badge.setPos(self.badge_offset)

    def _label_point(self, line: QLineF) -> QPointF:
        """The point along the line nearest its middle where the label covers no item or other label."""
        scene = self.scene()
        if scene is None or not self.label.isVisible() or self.design.building \
                or len(self.design.links) > PLACE_LABELS_UP_TO:
            return line.center()
        own = self.label.text_rect().adjusted(-6, -2, 6, 2)
        length = max(line.length(), 1e-6)
        normal = QPointF(-line.dy() / length, line.dx() / length) * (own.height() * 0.9)
        candidates = [line.pointAt(t) for t in LABEL_STOPS]
        candidates += [line.center() + normal, line.center() - normal]
        for point in candidates:
            if not self._covers_something(scene, own.translated(point)):
                return point
        return line.center()

    def _covers_something(self, scene, rect: QRectF) -> bool:
        for item in scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect, Qt.SortOrder.AscendingOrder):
            if item is self.label or item is self or item.parentItem() is self:
                continue
            if isinstance(item, LabelItem):
                if item.isVisible() and item.sceneTransform().mapRect(item.text_rect()).intersects(rect):
                    return True
            elif isinstance(item, ComponentItem | PortItem):
                return True
        return False

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-ARROW, -ARROW, ARROW, ARROW)

    def shape(self) -> QPainterPath:
        return self._path

    def _arrow(self) -> QPolygonF:
        tip = self.line.p2()
        angle = math.atan2(self.line.dy(), self.line.dx())
        left = tip - QPointF(math.cos(angle - 0.42) * ARROW, math.sin(angle - 0.42) * ARROW)
        right = tip - QPointF(math.cos(angle + 0.42) * ARROW, math.sin(angle + 0.42) * ARROW)
        return QPolygonF([tip, left, right])

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        colours = self.design.colours
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            halo = QPen(colours["selection_fill"], 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(self.line)
        colour = colours["selection"] if self.isSelected() else colours["link"]
        if self.provisioned:
            colour = colours["provisioned"]
        pen = QPen(colour, 2.6 if self.isSelected() else 2.0)
        if self.provisioned:
            pen.setStyle(Qt.PenStyle.DashLine)
        if self.idle:
            pen.setStyle(Qt.PenStyle.DotLine)
            painter.setOpacity(0.55)
        painter.setPen(pen)
        painter.drawLine(self.line)
        if self.one_way:
            painter.setPen(QPen(colour, 1))
            painter.setBrush(colour)
            painter.drawPolygon(self._arrow())

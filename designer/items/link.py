"""The scene item of a link: a line between its ends, an arrowhead when one-way, a QoS label."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from designer.items.badge import BadgeItem
from designer.items.label import LabelItem

END_GAP = 27.0
ARROW = 11.0


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
    if period and period in getattr(link, "periods", {}):
        lines.append(f"period {period}")
    if getattr(link, "provisioned", False):
        lines.append("provisioned")
    return lines


class LinkItem(QGraphicsItem):
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
        self.label = LabelItem(self, centred=True)
        self.badge = BadgeItem(self)
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
        lines = qos_lines(link, self.design.period)
        self.label.set_lines(lines)
        ends = f"{link.source}{':' + link.source_port if getattr(link, 'source_port', None) else ''} → " \
               f"{link.destination}{':' + link.destination_port if getattr(link, 'destination_port', None) else ''}"
        self.setToolTip(f"link {link.id}\n{ends}\n" + "\n".join(lines))
        self.apply_colours()
        self.update_geometry()

    def apply_colours(self) -> None:
        """Take the scene's current theme colours."""
        colours = self.design.colours
        self.label.set_colours(colours["text"], colours["background"])
        self.badge.colours = {"error": colours["error"], "warning": colours["warning"]}
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
        mid = line.center()
        self.label.setPos(mid)
        self.badge.setPos(mid + QPointF(0, -18))

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._path.boundingRect().adjusted(-ARROW, -ARROW, ARROW, ARROW)

    def shape(self) -> QPainterPath:
        return self._path

    def _arrow(self) -> QPolygonF:
        tip = self.line.p2()
        angle = math.atan2(self.line.dy(), self.line.dx())
        left = tip - QPointF(math.cos(angle - 0.42) * ARROW, math.sin(angle - 0.42) * ARROW)
        right = tip - QPointF(math.cos(angle + 0.42) * ARROW, math.sin(angle + 0.42) * ARROW)
        return QPolygonF([tip, left, right])

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
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
        painter.setPen(pen)
        painter.drawLine(self.line)
        if self.one_way:
            painter.setPen(QPen(colour, 1))
            painter.setBrush(colour)
            painter.drawPolygon(self._arrow())

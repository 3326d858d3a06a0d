"""Pointer tools of the view: select (the default) and link (drag from an item or port to another).

Panning is not a tool: the view pans with the middle button or space+drag whatever the tool."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from designer.items import ComponentItem
from designer.items.ports import PortItem

SELECT, LINK = "select", "link"


def endpoint_at(view: QGraphicsView, pos) -> tuple[str, str | None] | None:
    """The component id (and router port) under a viewport point, or None."""
    for item in view.items(pos):
        if isinstance(item, PortItem):
            return item.router_id, item.name
        found: QGraphicsItem | None = item
        while found is not None and not isinstance(found, ComponentItem):
            found = found.parentItem()
        if isinstance(found, ComponentItem):
            return found.ident, None
    return None


class LinkDrag:
    """A link being drawn: a dashed rubber line from the source to the pointer, drawn by the view over
    everything (it is not a scene item, so it never lands in cached tiles)."""

    def __init__(self, view: QGraphicsView, source: str, port: str | None) -> None:
        self.view, self.source, self.port = view, source, port
        start = view.scene().end_point(source, port)
        self.origin = start[0] if start else QPointF()
        self.line = QLineF(self.origin, self.origin)
        self.refused = False

    def pen(self) -> QPen:
        """Dashed in the selection colour; dotted in the error colour over a target that refuses."""
        colours = self.view.scene().colours
        pen = QPen(colours["error"] if self.refused else colours["selection"], 2,
                   Qt.PenStyle.DotLine if self.refused else Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        return pen

    def paint(self, painter: QPainter) -> None:
        """Draw the rubber line (the painter maps scene coordinates)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self.pen())
        painter.drawLine(self.line)

    def _repaint(self, line: QLineF) -> None:
        rect = QRectF(line.p1(), line.p2()).normalized()
        area = self.view.mapFromScene(rect).boundingRect().adjusted(-4, -4, 4, 4)
        self.view.viewport().update(area)

    def move_to(self, scene_pos: QPointF, refused: bool = False) -> None:
        """Follow the pointer; a refused target turns the line into the error colour, dotted."""
        old = QLineF(self.line)
        self.line = QLineF(self.origin, scene_pos)
        self.refused = refused
        self._repaint(old)
        self._repaint(self.line)

    def cancel(self) -> None:
        """Stop drawing without linking (Esc)."""
        self._repaint(self.line)

    def finish(self, pos) -> tuple[str, str | None] | None:
        """Stop drawing; the target under `pos` (a viewport point), if any other than the source."""
        self._repaint(self.line)
        target = endpoint_at(self.view, pos)
        if target is None or target[0] == self.source:
            return None
        return target

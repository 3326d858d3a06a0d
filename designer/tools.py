"""Pointer tools of the view: select (the default) and link (drag from an item or port to another).

Panning is not a tool: the view pans with the middle button or space+drag whatever the tool."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsLineItem, QGraphicsView

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
    """A link being drawn: a dashed rubber line from the source to the pointer."""

    def __init__(self, view: QGraphicsView, source: str, port: str | None) -> None:
        self.view, self.source, self.port = view, source, port
        scene = view.scene()
        start = scene.end_point(source, port)
        self.origin = start[0] if start else QPointF()
        self.line = QGraphicsLineItem(QLineF(self.origin, self.origin))
        pen = QPen(scene.colours["selection"], 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.line.setPen(pen)
        self.line.setZValue(100)
        self.refused = False
        scene.addItem(self.line)

    def move_to(self, scene_pos: QPointF, refused: bool = False) -> None:
        """Follow the pointer; a refused target turns the line into the error colour, dotted."""
        self.line.setLine(QLineF(self.origin, scene_pos))
        colours = self.view.scene().colours
        pen = QPen(colours["error"] if refused else colours["selection"], 2,
                   Qt.PenStyle.DotLine if refused else Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.line.setPen(pen)
        self.refused = refused

    def finish(self, pos) -> tuple[str, str | None] | None:
        """Remove the rubber line; the target under `pos` (a viewport point), if any other than the source."""
        self.view.scene().removeItem(self.line)
        target = endpoint_at(self.view, pos)
        if target is None or target[0] == self.source:
            return None
        return target

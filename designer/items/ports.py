"""Port markers around a router: filled when a link uses the port, hollow when free."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.items.tags import PORT, PORT_NAME, tag

PORT_RADIUS = 31.0
PORT_REACH = PORT_RADIUS + 7.0  # how far from a router's centre its port markers reach


def slot_angle(index: int, count: int) -> float:
    """The angle of slot `index` of `count` around a router (first at the top, clockwise)."""
    return -math.pi / 2 + 2 * math.pi * index / max(count, 1)


def port_offset(index: int, count: int) -> QPointF:
    """Where slot `index` of `count` sits relative to the router's centre."""
    angle = slot_angle(index, count)
    return QPointF(PORT_RADIUS * math.cos(angle), PORT_RADIUS * math.sin(angle))


def assign_slots(names: list[str], wanted: dict[str, float]) -> dict[str, int]:
    """Slots for ports: a used port takes the free slot nearest the direction of its link; free ones the rest."""
    count = len(names)
    free = list(range(count))
    chosen: dict[str, int] = {}

    def distance(slot: int, angle: float) -> float:
        diff = abs(slot_angle(slot, count) - angle) % (2 * math.pi)
        return min(diff, 2 * math.pi - diff)

    rank = {name: i for i, name in enumerate(names)}  # ties go by the port's order, not by the links' (a set's)
    for name in sorted(wanted, key=lambda n: (min(distance(k, wanted[n]) for k in range(count)),
                                              rank.get(n, count))):
        if name not in names or not free:
            continue
        best = min(free, key=lambda k: distance(k, wanted[name]))
        chosen[name] = best
        free.remove(best)
    for name in names:
        if name not in chosen:
            chosen[name] = free.pop(0)
    return chosen


class PortItem(QGraphicsItem):
    """One port of a router; a link drag can start or end here."""

    def __init__(self, parent: QGraphicsItem, router_id: str, name: str) -> None:
        super().__init__(parent)
        self.router_id = router_id
        self.name = name
        self.used = False
        self.line = QColor("black")
        self.fill = QColor("gray")
        self.background = QColor("white")
        self.setZValue(2)
        self.setAcceptHoverEvents(True)
        self._hover = False
        tag(self, PORT, router_id)
        self.setData(PORT_NAME, name)

    def set_router(self, router_id: str) -> None:
        """The router was renamed."""
        self.router_id = router_id
        tag(self, PORT, router_id)

    def set_state(self, used: bool, line: QColor, fill: QColor, background: QColor) -> None:
        """Whether a link uses the port, and the colours to draw it with."""
        self.used, self.line, self.fill, self.background = used, line, fill, background
        self.setToolTip(f"port {self.name} of {self.router_id} ({'used' if used else 'free'})")
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-7, -7, 14, 14)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        paint_port(painter, self.used, self.line, self.fill, self.background, self._hover)


def paint_port(painter: QPainter, used: bool, line: QColor, fill: QColor, background: QColor,
               hover: bool = False) -> None:
    """A port marker (the painter at its centre): filled when a link uses it, hollow when free."""
    if QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) < 0.3:
        return
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(line, 2.0 if hover else 1.4))
    painter.setBrush(fill if used else background)
    radius = 6.0 if hover else 4.5
    painter.drawEllipse(QRectF(-radius, -radius, 2 * radius, 2 * radius))
    if used:
        painter.setPen(QPen(background, 1.2))
        painter.drawLine(QPointF(-2, 0), QPointF(2, 0))

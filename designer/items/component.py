"""The scene item of a component (or host): its icon, id label, ports, problem badge."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from backend.model import Cloud, Host, Router
from designer.items.badge import BadgeHolder
from designer.items.label import LabelItem
from designer.items.ports import PortItem, assign_slots, port_offset
from designer.resources import icon_image, svg_renderer

HALF = 24.0
SIMPLE_BELOW = 0.3
_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange  # looked up once: itemChange is hot
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged


def detail_line(component) -> str:
    """A short second label line: a cloud's size, a host's cores and memory, a router's ports."""
    if isinstance(component, Cloud):
        return f"group of {component.cardinality}"
    if isinstance(component, Host):
        parts = []
        if component.cores is not None:
            parts.append(f"{component.cores.describe()} cores")
        if component.memory is not None:
            parts.append(component.memory.describe())
        if component.provisioned:
            parts.append("provisioned")
        return " · ".join(parts)
    if isinstance(component, Router):
        return f"router · {len(component.ports)} ports"
    return ""


class ComponentItem(BadgeHolder, QGraphicsItem):
    """Draws the model component `ident`; moves are turned into undo commands by the view."""

    def __init__(self, design, ident: str) -> None:
        super().__init__()
        self.design = design
        self.ident = ident
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsSelectable | flags.ItemIsMovable | flags.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.label = LabelItem(self)
        self.label.setPos(0, HALF + 9)
        self.badge_offset = QPointF(HALF, -HALF)
        self.ports: dict[str, PortItem] = {}
        self.kind = "node"
        self.provisioned = False
        self.cardinality = 0
        self.refresh()

    def component(self):
        """The model object this item draws."""
        return self.design.model.components[self.ident]

    def refresh(self) -> None:
        """Re-read the model: kind, label, ports, dashed outline, position."""
        comp = self.component()
        self.kind = comp.kind
        self.provisioned = bool(getattr(comp, "provisioned", False))
        self.cardinality = comp.cardinality if isinstance(comp, Cloud) else 0
        detail = detail_line(comp)
        self.label.set_lines([comp.id, detail] if detail else [comp.id])
        self.setToolTip(f"{comp.kind} {comp.id}" + (f"\n{detail}" if detail else ""))
        self._refresh_ports(comp)
        self.apply_colours()
        if comp.position is not None and (self.pos().x(), self.pos().y()) != tuple(comp.position):
            self.design.placing = True
            self.setPos(QPointF(*comp.position))
            self.design.placing = False
        self.update()

    def _refresh_ports(self, comp) -> None:
        names = list(comp.ports) if isinstance(comp, Router) else []
        if list(self.ports) != names:
            for port in self.ports.values():
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self.ports = {}
            for i, name in enumerate(names):
                port = PortItem(self, self.ident, name)
                port.setPos(port_offset(i, len(names)))
                self.ports[name] = port
        self.refresh_port_use()

    def layout_ports(self) -> bool:
        """Turn each used port towards the other end of its link; True when a marker moved."""
        if not self.ports:
            return False
        here = self.pos()
        wanted = {}
        for port, other in self.design.port_peers(self.ident):
            delta = other - here
            if delta.x() or delta.y():
                wanted[port] = math.atan2(delta.y(), delta.x())
        slots = assign_slots(list(self.ports), wanted)
        moved = False
        for name, slot in slots.items():
            target = port_offset(slot, len(self.ports))
            if self.ports[name].pos() != target:
                self.ports[name].setPos(target)
                moved = True
        return moved

    def refresh_port_use(self) -> bool:
        """Fill the markers of the ports that links use; True when a marker moved.

        While the scene is being rebuilt, this waits until every link exists (once per router, not per link).
        """
        if not self.ports:
            return False
        pending = getattr(self.design, "ports_pending", None)
        if pending is not None:
            pending.add(self.ident)
            return False
        moved = self.layout_ports()
        used = self.design.used_ports(self.ident)
        colours = self.design.colours
        for name, port in self.ports.items():
            port.set_state(name in used, colours["item_border"], colours["link"], colours["background"])
        return moved

    def apply_colours(self) -> None:
        """Take the scene's current theme colours."""
        colours = self.design.colours
        self.label.set_colours(colours["text"], colours["background"])
        self.colour_badge()
        self.refresh_port_use()
        self.update()

    def port_position(self, port: str | None) -> QPointF | None:
        """Scene position of a port marker, or None when there is no such port."""
        item = self.ports.get(port) if port else None
        return item.scenePos() if item else None

    def boundingRect(self) -> QRectF:
        return QRectF(-HALF - 6, -HALF - 6, 2 * HALF + 12, 2 * HALF + 12)

    def itemChange(self, change, value):
        if change == _POSITION_CHANGE and not self.design.placing:
            return self.design.snapped(value)
        if change == _POSITION_CHANGED:
            self.design.component_moved(self.ident)
        return super().itemChange(change, value)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        colours = self.design.colours
        box = QRectF(-HALF, -HALF, 2 * HALF, 2 * HALF)
        if QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) < SIMPLE_BELOW:
            self._paint_simple(painter, colours, box)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.cardinality:
            painter.setPen(QPen(colours["item_border"], 1.2))
            painter.setBrush(colours["item_fill"])
            for shift in (8, 4):
                painter.drawRoundedRect(box.translated(shift, -shift).adjusted(2, 2, -2, -2), 6, 6)
        if self.isSelected():
            painter.setPen(QPen(colours["selection"], 2.0, Qt.PenStyle.DashLine))
            painter.setBrush(colours["selection_fill"])
            painter.drawRoundedRect(box.adjusted(-5, -5, 5, 5), 8, 8)
        if self.provisioned:
            painter.setPen(QPen(colours["provisioned"], 1.8, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box.adjusted(-2, -2, 2, 2), 6, 6)
            painter.setOpacity(0.55)
        if self.design.vector_icons:
            svg_renderer(self.kind, colours).render(painter, box)
        else:
            painter.drawImage(box, icon_image(self.kind, colours))
        painter.setOpacity(1.0)
        if self.cardinality:
            self._paint_count(painter, colours)

    def _paint_simple(self, painter: QPainter, colours: dict[str, QColor], box: QRectF) -> None:
        """Far out, a plain square per item (its kind is unreadable at this size anyway)."""
        pen = QPen(colours["selection"] if self.isSelected() else colours["item_border"], 0)
        if self.provisioned:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(colours["selection"] if self.isSelected() else colours["item_fill"])
        painter.drawRect(box)

    def _paint_count(self, painter: QPainter, colours: dict[str, QColor]) -> None:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(11)
        painter.setFont(font)
        rect = QRectF(HALF - 22, HALF - 14, 26, 15)
        painter.setPen(QPen(colours["item_border"], 1))
        painter.setBrush(colours["background"])
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(colours["text"])
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"×{self.cardinality}")

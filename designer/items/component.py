"""The scene item of a component (or host): its icon, id label, ports, problem badge.

The label and the port markers are made when first needed (a large design shows only a few of them), so
opening ten thousand components creates ten thousand items, not sixty thousand."""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from backend.model import Cloud, Host, Router
from backend.model.shared import EMPTY_DICT, EMPTY_LIST
from designer.items.badge import BadgeHolder
from designer.items.label import LabelHolder, LabelItem
from designer.items.ports import PORT_RADIUS, PORT_REACH, PortItem, assign_slots, port_offset, slot_angle
from designer.items.tags import COMPONENT, Tagged, tag
from designer.resources import icon_image, svg_renderer

HALF = 24.0
REACH = HALF + 10.0  # the icon, the selection frame and the problem badge fit within this half-size
SIMPLE_BELOW = 0.3
SELECTED_Z = 6.0
ITEM_BOUNDS = QRectF(-HALF - 7, -HALF - 7, 2 * HALF + 14, 2 * HALF + 14)  # a stacked card's outline included
_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemIsMovable


def detail_line(component) -> str:
    """A short second label line: a cloud's size, a host's cores and memory, a router's ports."""
    if isinstance(component, Cloud):
        return f"group of {component.cardinality}"
    if isinstance(component, Host):
        parts = []
        if component.cores is not None:
            cores = component.cores.describe()
            parts.append(f"{cores} {'core' if cores == '1' else 'cores'}")
        if component.memory is not None:
            parts.append(component.memory.describe())
        if component.provisioned:
            parts.append("provisioned")
        return " · ".join(parts)
    if isinstance(component, Router):
        count = len(component.ports)
        return f"router · {count} port{'s' if count != 1 else ''}"
    return ""


_ICONS: OrderedDict[tuple, QImage] = OrderedDict()


def _draw_icon(painter: QPainter, kind: str, colours: dict[str, QColor], box: QRectF) -> None:
    """The icon in `box`, from an image made at the very size it shows (a copy, not a scaling, per frame)."""
    transform = QTransform(painter.worldTransform())  # a copy: the painter's own changes below
    if transform.type().value > QTransform.TransformationType.TxScale.value:
        painter.drawImage(box, icon_image(kind, colours))
        return
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    pixels = max(1, round(box.width() * transform.m11() * ratio))
    key = (kind, colours["text"].rgba(), colours["item_fill"].rgba(), colours["selection"].rgba(), pixels, ratio)
    image = _ICONS.get(key)
    if image is None:
        base = icon_image(kind, colours, max(96, pixels))
        # a copy: icon_image's own cached image must keep its pixel ratio (a ratio-2 export set it on the shared
        # image, and a later PNG drawn in bands lost parts of the items crossing its bands)
        image = QImage(base) if base.width() == pixels else base.scaled(
            pixels, pixels, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
        image.setDevicePixelRatio(ratio)
        _ICONS[key] = image
        if len(_ICONS) > 300:
            _ICONS.popitem(last=False)
    corner = transform.map(box.topLeft())
    painter.setWorldTransform(QTransform())
    painter.drawImage(QPointF(round(corner.x()), round(corner.y())), image)
    painter.setWorldTransform(transform)


class ComponentItem(Tagged, BadgeHolder, LabelHolder, QGraphicsItem):
    """Draws the model component `ident`; moves are turned into undo commands by the view."""

    # what every item sets, in slots (an instance dict was about 160 bytes an item); a router's ports in its dict
    __slots__ = ("_badge", "_label", "_ports", "cardinality", "design", "ident", "kind", "provisioned")
    tag_kind = COMPONENT

    # the same for every component until a router's ports replace them (never changed in place: 20,000 items
    # held 20,000 empty sets, lists, dicts and points)
    badge_offset = QPointF(HALF, -HALF)
    port_names: list[str] = EMPTY_LIST
    port_slots: dict[str, int] = EMPTY_DICT
    used: frozenset[str] | set[str] = frozenset()

    def __init__(self, design, ident: str) -> None:
        super().__init__()
        self.design = design
        self.ident = ident
        self.setFlags(_FLAGS)
        self._badge = None
        self._label: LabelItem | None = None
        self._ports: dict[str, PortItem] | None = None
        self.kind = "node"
        self.provisioned = False
        self.cardinality = 0
        self.refresh(moved=False)

    def component(self):
        """The model object this item draws."""
        return self.design.model.components[self.ident]

    # ----- parts made when first needed -----
    @property
    def ports(self) -> dict[str, PortItem]:
        """The port markers of a router by port name (made on first use)."""
        if self._ports is None:
            self._ports = {}
            count = len(self.port_names)
            visible = self.design.detail[1]
            colours = self.design.colours
            for name in self.port_names:
                port = PortItem(self, self.ident, name)
                port.setPos(port_offset(self.port_slots.get(name, 0), count))
                port.set_state(name in self.used, colours["item_border"], colours["link"], colours["background"])
                port.setVisible(visible)
                self._ports[name] = port
        return self._ports

    def has_ports(self) -> bool:
        """Whether the port markers exist yet (they are made when a router is seen close enough)."""
        return self._ports is not None

    def reach(self) -> float:
        """Half the side of the square this item covers (icon, frame, badge and port markers)."""
        return PORT_REACH if self.port_names else REACH

    def label_lines(self) -> list[str]:
        """The label's text: the id and a detail line."""
        comp = self.component()
        detail = detail_line(comp)
        return [comp.id, detail] if detail else [comp.id]

    def tooltip_text(self) -> str:
        """What hovering the item tells (made when asked)."""
        comp = self.component()
        detail = detail_line(comp)
        return f"{comp.kind} {comp.id}" + (f"\n{detail}" if detail else "")

    def rename(self, ident: str) -> None:
        """The component's id changed."""
        self.ident = ident
        if self._label is not None:
            self._label.set_owner(ident)
        for port in (self._ports or {}).values():
            port.set_router(ident)
        if self._badge is not None:
            tag(self._badge, "badge", ident)

    # ----- following the model -----
    def refresh(self, moved: bool = True) -> None:
        """Re-read the model: kind, label, ports, dashed outline, position."""
        comp = self.component()
        self.kind = comp.kind
        self.provisioned = bool(getattr(comp, "provisioned", False))
        self.cardinality = comp.cardinality if isinstance(comp, Cloud) else 0
        if self._label is not None and self._label.set_lines(self.label_lines()):
            self.design.label_changed(self)
        self._refresh_ports(comp)
        if comp.position is not None and (self.pos().x(), self.pos().y()) != tuple(comp.position):
            self.setPos(QPointF(*comp.position))
            if moved:
                self.design.component_moved(self.ident)
        self.update()

    def _refresh_ports(self, comp) -> None:
        names = list(comp.ports) if isinstance(comp, Router) else []
        if self.port_names != names:
            for port in (self._ports or {}).values():
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self._ports = None
            self.port_names = names
            self.port_slots = {name: i for i, name in enumerate(names)}
        self.refresh_port_use()

    def layout_ports(self) -> bool:
        """Turn each used port towards the other end of its link; True when a marker moved."""
        if not self.port_names:
            return False
        here = self.pos()
        wanted = {}
        for port, other in self.design.port_peers(self.ident):
            delta = other - here
            if delta.x() or delta.y():
                wanted[port] = math.atan2(delta.y(), delta.x())
        slots = assign_slots(self.port_names, wanted)
        if slots == self.port_slots:
            return False
        self.port_slots = slots
        if self._ports is not None:
            count = len(self.port_names)
            for name, slot in slots.items():
                self._ports[name].setPos(port_offset(slot, count))
        return True

    def refresh_port_use(self) -> bool:
        """Fill the markers of the ports that links use; True when a marker moved.

        While the scene is being rebuilt, this waits until every link exists (once per router, not per link).
        """
        if not self.port_names:
            return False
        pending = getattr(self.design, "ports_pending", None)
        if pending is not None:
            pending.add(self.ident)
            return False
        moved = self.layout_ports()
        self.used = self.design.used_ports(self.ident)
        if self._ports is not None:
            colours = self.design.colours
            for name, port in self._ports.items():
                port.set_state(name in self.used, colours["item_border"], colours["link"], colours["background"])
        return moved

    def apply_colours(self) -> None:
        """Take the scene's current theme colours."""
        colours = self.design.colours
        if self._label is not None:
            self._label.set_colours(colours["text"], colours["background"])
        self.colour_badge()
        self.refresh_port_use()
        self.update()

    def port_position(self, port: str | None) -> QPointF | None:
        """Scene position of a port marker, or None when there is no such port."""
        if not port or port not in self.port_slots:
            return None
        return self.pos() + port_offset(self.port_slots[port], len(self.port_names))

    def port_xy(self, port: str, x: float, y: float) -> tuple[float, float] | None:
        """Like port_position, as plain numbers, for the item at (x, y)."""
        slot = self.port_slots.get(port)
        if slot is None:
            return None
        angle = slot_angle(slot, len(self.port_names))
        return x + PORT_RADIUS * math.cos(angle), y + PORT_RADIUS * math.sin(angle)

    # ----- drawing and dragging -----
    def boundingRect(self) -> QRectF:
        return ITEM_BOUNDS

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)  # moves every selected item
        self.design.dragged()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        paint_component(painter, self.design, self.kind, self.cardinality, self.provisioned, self.isSelected())


def paint_component(painter: QPainter, design, kind: str, cardinality: int, provisioned: bool,
                    selected: bool) -> None:
    """A component's icon with its frames (the painter at the component's centre), as its item draws it; also the
    picture-only scene's drawing of a component with no item."""
    colours = design.colours
    box = QRectF(-HALF, -HALF, 2 * HALF, 2 * HALF)
    if QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()) < SIMPLE_BELOW:
        _paint_simple(painter, colours, box, selected, provisioned)
        return
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if cardinality:
        painter.setPen(QPen(colours["item_border"], 1.2))
        painter.setBrush(colours["item_fill"])
        for shift in (8, 4):
            painter.drawRoundedRect(box.translated(shift, -shift).adjusted(2, 2, -2, -2), 6, 6)
    if selected:
        painter.setPen(QPen(colours["selection"], 2.0, Qt.PenStyle.DashLine))
        painter.setBrush(colours["selection_fill"])
        painter.drawRoundedRect(box.adjusted(-5, -5, 5, 5), 8, 8)
    if provisioned:
        painter.setPen(QPen(colours["provisioned"], 1.8, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(box.adjusted(-2, -2, 2, 2), 6, 6)
        painter.setOpacity(0.55)
    if design.vector_icons:
        svg_renderer(kind, colours).render(painter, box)
    else:
        _draw_icon(painter, kind, colours, box)
    painter.setOpacity(1.0)
    if cardinality:
        _paint_count(painter, colours, cardinality)


def _paint_simple(painter: QPainter, colours: dict[str, QColor], box: QRectF, selected: bool,
                  provisioned: bool) -> None:
    """Far out, a plain square per item (its kind is unreadable at this size anyway)."""
    pen = QPen(colours["selection"] if selected else colours["item_border"], 0)
    if provisioned:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(colours["selection"] if selected else colours["item_fill"])
    painter.drawRect(box)


def _paint_count(painter: QPainter, colours: dict[str, QColor], cardinality: int) -> None:
    font = QFont()
    font.setBold(True)
    font.setPixelSize(11)
    painter.setFont(font)
    rect = QRectF(HALF - 22, HALF - 14, 26, 15)
    painter.setPen(QPen(colours["item_border"], 1))
    painter.setBrush(colours["background"])
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(colours["text"])
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, f"×{cardinality}")

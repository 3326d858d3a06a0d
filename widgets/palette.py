"""The palette of things to place: drag an entry onto the scene, or double-click it.

Public API:
    KIND_MIME = "application/x-vxi-kind"             data: the kind, utf-8
    PORTS_MIME = "application/x-vxi-ports"           data: router port count, decimal utf-8 (router only)
    CARDINALITY_MIME = "application/x-vxi-cardinality"  data: cloud member count (cloud only)
    VXI_KINDS = ("node", "storage", "cloud", "router", "access_point")
    SUBSTRATE_KINDS = ("host", "provisioned_host")
    kind_icon(kind: str, size: int = 32, colours: dict | None = None) -> QIcon
                                   resources/icons/<kind>.svg recoloured to the theme, else a drawn shape
    PaletteWidget(parent=None)
        set_mode(mode: str)        "vxi" (default) or "substrate"
        mode() -> str
        kinds() -> list[str]       the kinds listed now, in order
        ports() -> int, set_ports(n: int)              router port count (spin box, 4 by default)
        cardinality() -> int, set_cardinality(n: int)  cloud member count (spin box, 4 by default)
        mime_data(kind: str) -> QMimeData              what a drag of `kind` carries
        signal kind_activated(str kind)                 on double-click (or Enter) on an entry
        signal drag_started(str kind)                   just before the QDrag runs
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeData, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from backend.resources import resource_path
from widgets.theme import make_palette, palette_colours

KIND_MIME = "application/x-vxi-kind"
PORTS_MIME = "application/x-vxi-ports"
CARDINALITY_MIME = "application/x-vxi-cardinality"
VXI_KINDS = ("node", "storage", "cloud", "router", "access_point")
SUBSTRATE_KINDS = ("host", "provisioned_host")
ICON_DIR = resource_path("icons")
# Colours the SVG files are drawn in, replaced by theme colours (the designer's scene does the same).
SVG_COLOURS = {"#202020": "text", "#cfe0f5": "item_fill", "#3d7cc9": "selection"}

LABELS = {
    "node": "Node", "storage": "Storage", "cloud": "Cloud (group)", "router": "Router",
    "access_point": "Access point", "host": "Host", "provisioned_host": "Provisioned host",
}
TIPS = {
    "node": "A virtual machine: cores, frequency, memory, storage",
    "storage": "A virtual storage resource",
    "cloud": "A group of identical nodes (VXDL vArray)",
    "router": "A virtual router; links attach to its ports",
    "access_point": "An access point to the outside (NAT, load balancer)",
    "host": "A physical host of the substrate",
    "provisioned_host": "A host allocated on demand (drawn dashed)",
}


def _draw_shape(painter: QPainter, kind: str, rect: QRectF, fill: QColor, border: QColor) -> None:
    """A simple drawing of `kind` when no SVG icon exists."""
    pen = QPen(border, max(1.0, rect.width() / 16))
    if kind == "provisioned_host":
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(fill)
    r = rect.adjusted(rect.width() * 0.1, rect.height() * 0.1, -rect.width() * 0.1, -rect.height() * 0.1)
    if kind == "node":
        painter.drawRoundedRect(r, r.width() * 0.12, r.width() * 0.12)
    elif kind == "storage":
        top = QRectF(r.left(), r.top(), r.width(), r.height() * 0.3)
        path = QPainterPath()
        path.moveTo(r.left(), top.center().y())
        path.lineTo(r.left(), r.bottom() - top.height() / 2)
        path.arcTo(QRectF(r.left(), r.bottom() - top.height(), r.width(), top.height()), 180, 180)
        path.lineTo(r.right(), top.center().y())
        painter.drawPath(path)
        painter.drawEllipse(top)
    elif kind == "router":
        painter.drawEllipse(r)
        c = r.center()
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            tip = QPointF(c.x() + dx * r.width() * 0.35, c.y() + dy * r.height() * 0.35)
            painter.drawLine(QPointF(c.x() + dx * r.width() * 0.1, c.y() + dy * r.height() * 0.1), tip)
    elif kind == "cloud":
        path = QPainterPath()
        w, h = r.width(), r.height()
        for cx, cy, rad in ((0.3, 0.6, 0.22), (0.5, 0.42, 0.28), (0.72, 0.6, 0.22)):
            path.addEllipse(QPointF(r.left() + cx * w, r.top() + cy * h), rad * w, rad * h)
        painter.drawPath(path.simplified())
    elif kind == "access_point":
        c = r.center()
        painter.drawPolygon(QPolygonF([QPointF(c.x(), r.top()), QPointF(r.right(), c.y()),
                                       QPointF(c.x(), r.bottom()), QPointF(r.left(), c.y())]))
    else:  # host, provisioned host: a server box with two bays
        painter.drawRect(r)
        for i in (1, 2):
            y = r.top() + r.height() * i / 3
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))


def _themed_svg(path: Path, colours: dict) -> QByteArray:
    """The icon's SVG with its stroke, fill and accent colours replaced by the theme's."""
    text = path.read_text(encoding="utf-8")
    for written, key in SVG_COLOURS.items():
        text = text.replace(written, colours[key].name())
    return QByteArray(text.encode("utf-8"))


def kind_icon(kind: str, size: int = 32, colours: dict | None = None) -> QIcon:
    """The icon of `kind`: resources/icons/<kind>.svg in the theme's colours when present, else a drawn shape."""
    colours = colours or palette_colours(make_palette(False))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    svg = ICON_DIR / f"{kind}.svg"
    renderer = QSvgRenderer(_themed_svg(svg, colours)) if svg.is_file() else None
    if renderer is not None and renderer.isValid():
        renderer.render(painter, QRectF(0, 0, size, size))
    else:
        _draw_shape(painter, kind, QRectF(0, 0, size, size), colours["item_fill"], colours["item_border"])
    painter.end()
    return QIcon(pixmap)


class _KindList(QListWidget):
    """The list itself; starts a drag carrying the palette's mime data."""

    def __init__(self, owner: PaletteWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setIconSize(QSize(24, 24))
        self.setSpacing(1)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)

    def content_height(self) -> int:
        """The height that shows every entry without scrolling."""
        rows = sum(self.sizeHintForRow(i) + 2 * self.spacing() for i in range(self.count()))
        return rows + 2 * self.frameWidth() + 2

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.content_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.content_height())

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._owner.kind_activated.emit(self.currentItem().data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)

    def startDrag(self, supported_actions) -> None:
        item = self.currentItem()
        if item is None:
            return
        kind = item.data(Qt.ItemDataRole.UserRole)
        drag = QDrag(self)
        drag.setMimeData(self._owner.mime_data(kind))
        drag.setPixmap(item.icon().pixmap(self.iconSize()))
        drag.setHotSpot(drag.pixmap().rect().center())
        self._owner.drag_started.emit(kind)
        drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)


class PaletteWidget(QWidget):
    """Kinds of things to place, with the router port count and cloud size used for new ones."""

    kind_activated = Signal(str)
    drag_started = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._mode = "vxi"
        self.list = _KindList(self)
        self.list.setAccessibleName("Palette")
        self.list.itemDoubleClicked.connect(self._activated)
        self.ports_spin = QSpinBox(minimum=1, maximum=256, value=4)
        self.ports_spin.setToolTip("Ports of a new router")
        self.ports_spin.setAccessibleName("Router ports")
        self.cardinality_spin = QSpinBox(minimum=1, maximum=10000, value=4)
        self.cardinality_spin.setToolTip("Members of a new cloud")
        self.cardinality_spin.setAccessibleName("Cloud members")
        self._options = QWidget()
        form = QFormLayout(self._options)
        form.setContentsMargins(4, 0, 4, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setVerticalSpacing(2)
        for text, spin in (("Router ports", self.ports_spin), ("Cloud members", self.cardinality_spin)):
            label = QLabel(text)
            label.setBuddy(spin)
            form.addRow(label, spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self._options)
        layout.addStretch(1)
        self._fill()

    # ----- public -----
    def set_mode(self, mode: str) -> None:
        """List the kinds of a VXI ("vxi") or of a substrate ("substrate")."""
        if mode not in ("vxi", "substrate"):
            raise ValueError(f"unknown palette mode {mode!r}")
        self._mode = mode
        self._fill()

    def mode(self) -> str:
        """The current mode, "vxi" or "substrate"."""
        return self._mode

    def kinds(self) -> list[str]:
        """The kinds listed, in order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def ports(self) -> int:
        """Port count given to a new router."""
        return self.ports_spin.value()

    def set_ports(self, count: int) -> None:
        """Set the port count given to a new router."""
        self.ports_spin.setValue(count)

    def cardinality(self) -> int:
        """Member count given to a new cloud."""
        return self.cardinality_spin.value()

    def set_cardinality(self, count: int) -> None:
        """Set the member count given to a new cloud."""
        self.cardinality_spin.setValue(count)

    def mime_data(self, kind: str) -> QMimeData:
        """The data a drag of `kind` carries: the kind, plus ports for a router or members for a cloud."""
        mime = QMimeData()
        mime.setData(KIND_MIME, QByteArray(kind.encode("utf-8")))
        if kind == "router":
            mime.setData(PORTS_MIME, QByteArray(str(self.ports()).encode("utf-8")))
        if kind == "cloud":
            mime.setData(CARDINALITY_MIME, QByteArray(str(self.cardinality()).encode("utf-8")))
        mime.setText(kind)
        return mime

    # ----- internals -----
    def _fill(self) -> None:
        colours = palette_colours(self.palette())
        self.list.clear()
        for kind in VXI_KINDS if self._mode == "vxi" else SUBSTRATE_KINDS:
            item = QListWidgetItem(kind_icon(kind, 48, colours), LABELS[kind])
            item.setData(Qt.ItemDataRole.UserRole, kind)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, LABELS[kind])
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, TIPS[kind])
            item.setToolTip(f"{TIPS[kind]}. Drag onto the design, or double-click.")
            self.list.addItem(item)
        self._options.setVisible(self._mode == "vxi")
        self.list.updateGeometry()

    def _activated(self, item: QListWidgetItem) -> None:
        self.kind_activated.emit(item.data(Qt.ItemDataRole.UserRole))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._fill()

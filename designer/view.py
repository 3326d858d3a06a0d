"""The canvas view: zoom at the cursor, pan (middle button or space+drag), palette drops, tools."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QMenu

from designer.items import ComponentItem
from designer.items.link import LinkItem
from designer.items.ports import PortItem
from designer.tools import LINK, SELECT, LinkDrag, endpoint_at

KIND_MIME = "application/x-vxi-kind"
OPTION_MIMES = {"ports": "application/x-vxi-ports", "cardinality": "application/x-vxi-cardinality"}
MIN_ZOOM, MAX_ZOOM = 0.03, 6.0


class DesignView(QGraphicsView):
    """Shows a DesignScene; reports what the user asks for as signals the editor turns into commands."""

    place_requested = Signal(str, QPointF, dict)
    link_requested = Signal(str, object, str, object)
    moved = Signal(dict)
    zoom_changed = Signal(float)
    link_hint = Signal(str)

    def __init__(self, scene=None, parent=None) -> None:
        super().__init__(parent)
        if scene is not None:
            self.setScene(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.tool = SELECT
        self._pan_from: QPointF | None = None
        self._space = False
        self._link: LinkDrag | None = None
        self._before: dict[str, tuple[float, float]] = {}
        self._alt_at_press = False
        self.link_checker = None  # (source, port, target, port) -> reason a link is refused, or None
        # provider(menu, kind, model id) called for each context menu, after the view's own entries;
        # kind is 'component', 'link' or None (the canvas)
        self.context_menu_providers: list = []

    # ----- context menu -----
    def contextMenuEvent(self, event) -> None:
        menu = self.context_menu(event.pos())
        if not menu.isEmpty():
            menu.exec(event.globalPos())

    def context_menu(self, point: QPoint) -> QMenu:
        """The context menu for a viewport point: the entries of each provider for what lies there."""
        kind, ident = None, None
        for item in self.items(point):
            while item is not None and not isinstance(item, ComponentItem | LinkItem):
                item = item.parentItem()
            if item is not None:
                kind, ident = ("component" if isinstance(item, ComponentItem) else "link"), item.ident
                break
        menu = QMenu(self)
        for provider in self.context_menu_providers:
            provider(menu, kind, ident)
        return menu

    # ----- zoom -----
    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by `factor`, within limits, keeping the scene point under `anchor` (a viewport point) still."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        point = anchor if anchor is not None else QPointF(self.viewport().rect().center())
        fixed = self.mapToScene(point.toPoint())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        shift = QPointF(self.mapFromScene(fixed)) - point
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(shift.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(shift.y()))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._zoomed()

    def _zoomed(self) -> None:
        if self.scene() is not None:
            self.scene().set_zoom(self.zoom())
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom_by(1.0015 ** event.angleDelta().y(), event.position())

    def fit_rect(self, rect: QRectF) -> None:
        """Show `rect` whole, with a margin, no closer than 200 %."""
        if rect.isNull():
            return
        self.fitInView(rect.adjusted(-60, -60, 60, 60), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 2.0:
            self.zoom_by(2.0 / self.zoom())
        self._zoomed()

    def fit_all(self) -> None:
        """Show every item."""
        self.fit_rect(self.scene().itemsBoundingRect())

    def fit_selection(self) -> None:
        """Show the selected items (everything when nothing is selected)."""
        rect = QRectF()
        for item in self.scene().selectedItems():
            rect = rect.united(item.sceneBoundingRect())
        self.fit_rect(rect) if not rect.isNull() else self.fit_all()

    def centre_on_id(self, ident: str) -> bool:
        """Select the item of `ident` and centre it; False when there is none."""
        item = self.scene().item_for(ident)
        if item is None:
            return False
        self.scene().select_ids([ident])
        self.centerOn(item.sceneBoundingRect().center())
        return True

    # ----- palette drops -----
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(KIND_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        data = event.mimeData()
        if not data.hasFormat(KIND_MIME):
            event.ignore()
            return
        kind = bytes(data.data(KIND_MIME).data()).decode("utf-8").strip() or data.text().strip()
        options = {}
        for name, mime in OPTION_MIMES.items():
            text = bytes(data.data(mime).data()).decode("utf-8").strip() if data.hasFormat(mime) else ""
            if text.isdigit():
                options[name] = int(text)
        event.acceptProposedAction()
        self.place_requested.emit(kind, self.mapToScene(event.position().toPoint()), options)

    # ----- pointer -----
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if button == Qt.MouseButton.LeftButton and self._start_link(event):
            return
        self._alt_at_press = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        super().mousePressEvent(event)
        if button == Qt.MouseButton.LeftButton:
            self._before = {i: (item.pos().x(), item.pos().y())
                            for i, item in self.scene().components.items() if item.isSelected()}

    def _start_link(self, event: QMouseEvent) -> bool:
        items = self.items(event.position().toPoint())
        port = next((it for it in items if isinstance(it, PortItem)), None)
        if port is not None:
            self._link = LinkDrag(self, port.router_id, port.name)
            return True
        if self.tool != LINK and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            return False
        for item in items:
            while item is not None and not isinstance(item, ComponentItem):
                item = item.parentItem()
            if isinstance(item, ComponentItem):
                self._link = LinkDrag(self, item.ident, None)
                return True
        return False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            return
        if self._link is not None:
            point = event.position().toPoint()
            target = endpoint_at(self, point)
            reason = None
            if target is not None and target[0] != self._link.source and self.link_checker is not None:
                reason = self.link_checker(self._link.source, self._link.port, target[0], target[1])
            self._link.move_to(self.mapToScene(point), reason is not None)
            self.link_hint.emit(reason or "")
            return
        alt = Qt.KeyboardModifier.AltModifier
        self.scene().snap_bypass = bool(event.modifiers() & alt) or self._alt_at_press
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor) if self._space else self.viewport().unsetCursor()
            return
        if self._link is not None:
            drag, self._link = self._link, None
            target = drag.finish(event.position().toPoint())
            if target is not None:
                self.link_requested.emit(drag.source, drag.port, target[0], target[1])
            return
        super().mouseReleaseEvent(event)
        self.scene().snap_bypass = False
        self._report_moves()

    def _report_moves(self) -> None:
        moves = {}
        for ident, old in self._before.items():
            item = self.scene().components.get(ident)
            if item is None:
                continue
            new = (item.pos().x(), item.pos().y())
            if new != old:
                moves[ident] = (old, new)
        self._before = {}
        if moves:
            self.moved.emit(moves)

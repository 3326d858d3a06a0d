"""The canvas view: zoom at the cursor, pan (middle button or space+drag), palette drops, tools, context menus,
renaming in place.

Far out (below `FAR_BELOW`) the view draws cached tiles of a simplified picture instead of its items
(`designer/tiles.py`), so a frame costs the same for a hundred components or ten thousand; closer, it draws
the items, with the labels its scene places for the area shown."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QLabel, QMenu

from designer.context_menu import build_menu
from designer.inline_rename import InlineRename
from designer.items import ComponentItem, LinkItem
from designer.items.link import HIT_WIDTH
from designer.items.ports import PortItem
from designer.items.tags import KIND, LABEL, MODEL_ID
from designer.label_layout import LABELS_FROM
from designer.painting import draw_simplified
from designer.tiles import FAR_BELOW, TileCache, level_for
from designer.tools import LINK, SELECT, LinkDrag, endpoint_at

KIND_MIME = "application/x-vxi-kind"
OPTION_MIMES = {"ports": "application/x-vxi-ports", "cardinality": "application/x-vxi-cardinality"}
MIN_ZOOM, MAX_ZOOM = 0.03, 6.0
FRAME_BUDGET = 0.008  # seconds a frame may spend drawing tiles again; the rest waits for the next frame
CLICK_SLACK = 4  # pixels: a press this close to a link selects it

MenuProvider = Callable[[QMenu, "str | None", "str | None"], None]


class DesignView(QGraphicsView):
    """Shows a DesignScene; reports what the user asks for as signals the editor turns into commands.

    `editor` is the current document's editor (set by the window's wiring): context menus and renaming in
    place call it. `context_menu_providers` are called as provider(menu, kind, model_id) after the view has
    added its own entries (kind: "component" or "link", None on the empty canvas)."""

    place_requested = Signal(str, QPointF, dict)
    link_requested = Signal(str, object, str, object)
    moved = Signal(dict)
    zoom_changed = Signal(float)
    link_hint = Signal(str)
    inspect_requested = Signal(str)  # "edit" on an item: show it in the inspector, with the focus there
    labels_hidden = Signal(int)  # how many labels in view are hidden (they would cover something)

    def __init__(self, scene=None, parent=None) -> None:
        super().__init__(parent)
        self.tiles: TileCache | None = None
        self.editor = None
        self.context_menu_providers: list[MenuProvider] = []
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
        self.renaming: InlineRename | None = None
        self.hidden_count = 0
        self.hint = QLabel(self)
        self.hint.setObjectName("canvas-hint")
        self.hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hint.hide()
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(120)
        self._hint_timer.timeout.connect(self._update_hint)
        self._tiles_timer = QTimer(self)
        self._tiles_timer.setSingleShot(True)
        self._tiles_timer.setInterval(4)
        self._tiles_timer.timeout.connect(self.viewport().update)
        if scene is not None:
            self.setScene(scene)

    def setScene(self, scene) -> None:
        if self.renaming is not None:
            self.renaming.cancel()
        old = self.scene()
        if old is not None and hasattr(old, "labels"):
            try:
                old.labels.settled.disconnect(self._hint_timer.start)
                old.labels.settled.disconnect(self._labels_settled)
            except (RuntimeError, TypeError):
                pass
        super().setScene(scene)
        self.tiles = TileCache(scene) if scene is not None and hasattr(scene, "index") else None
        if scene is not None and hasattr(scene, "labels"):
            scene.labels.settled.connect(self._hint_timer.start)
            scene.labels.settled.connect(self._labels_settled)
            if not scene.content_rect().isNull():
                self.fit_all()  # the first frame shows the design whole (no work for a view about to move)
            self._sync()

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

    def zoom_to(self, zoom: float) -> None:
        """Zoom to `zoom` (1.0 = 100 %) about the centre of the view."""
        self.zoom_by(zoom / self.zoom())

    def _zoomed(self) -> None:
        self._sync()
        self.zoom_changed.emit(self.zoom())

    def visible_rect(self) -> QRectF:
        """The scene area the view shows."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def _sync(self) -> None:
        """Tell the scene what the view shows now: it places labels and makes port markers for that."""
        scene = self.scene()
        if scene is None or not hasattr(scene, "labels"):
            return
        scene.set_zoom(self.zoom(), self.visible_rect())
        if self.renaming is not None:
            self.renaming.follow()
        self._hint_timer.start()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._sync()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._sync()
        self._place_hint()

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
        scene = self.scene()
        rect = scene.content_rect() if hasattr(scene, "content_rect") else scene.itemsBoundingRect()
        self.fit_rect(rect.adjusted(0, 0, 0, 30))  # room for the labels under the lowest items

    def fit_selection(self) -> None:
        """Show the selected items (everything when nothing is selected)."""
        rect = QRectF()
        for item in self.scene().selectedItems():
            rect = rect.united(_extent(item))
        self.fit_rect(rect) if not rect.isNull() else self.fit_all()

    def centre_on_id(self, ident: str) -> bool:
        """Select the item of `ident` and centre it; False when there is none."""
        item = self.scene().item_for(ident)
        if item is None:
            return False
        self.scene().select_ids([ident])
        self.centerOn(_extent(item).center())
        return True

    # ----- labels -----
    def busy(self) -> bool:
        """Whether labels are still being placed for what the view shows."""
        scene = self.scene()
        return scene is not None and hasattr(scene, "labels") and scene.labels.busy()

    def settle_labels(self) -> None:
        """Place every label the view needs now (tests, screenshots)."""
        scene = self.scene()
        if scene is not None and hasattr(scene, "labels"):
            self._sync()
            scene.labels.finish()
            self._update_hint()

    def finish_drawing(self) -> None:
        """Place the labels and draw every cached tile the view shows now (screenshots, exports of the view)."""
        self.settle_labels()
        for _ in range(100):
            self.viewport().repaint()
            if not self._tiles_timer.isActive():
                break
        self._tiles_timer.stop()

    def _labels_settled(self) -> None:
        if self.tile_mode():
            self.viewport().update()  # tiles waiting for the labels can be drawn now

    def set_link_labels(self, on: bool) -> None:
        """Show or hide the links' labels (View ▸ Link labels)."""
        if self.scene() is not None:
            self.scene().labels.set_link_labels(on)
            self._hint_timer.start()

    def _update_hint(self) -> None:
        scene = self.scene()
        if scene is None or not hasattr(scene, "labels") or scene.labels.busy():
            return
        count = scene.labels.hidden_in(self.visible_rect())
        if count != self.hidden_count:
            self.hidden_count = count
            self.labels_hidden.emit(count)
        if not count:
            self.hint.hide()
            return
        if self.zoom() < LABELS_FROM:
            text = f"Labels hidden ({count}): zoom in to {LABELS_FROM * 100:.0f} % to read them"
        else:
            text = f"{count} label{'s' if count != 1 else ''} hidden where {'they' if count != 1 else 'it'} " \
                   f"would cover something: zoom in to see more"
        self.hint.setText(text)
        self._place_hint()
        self.hint.show()

    def _place_hint(self) -> None:
        colours = getattr(self.scene(), "colours", None)
        if colours is not None:
            background = QColor(colours["background"])
            background.setAlpha(225)
            self.hint.setStyleSheet(
                f"QLabel#canvas-hint {{ background: rgba({background.red()}, {background.green()}, "
                f"{background.blue()}, 225); color: {colours['muted_text'].name()}; "
                f"border: 1px solid {colours['grid'].name()}; border-radius: 3px; padding: 2px 6px; }}")
        self.hint.adjustSize()
        area = self.viewport().geometry()
        self.hint.move(area.left() + 6, area.bottom() - self.hint.height() - 5)

    # ----- painting -----
    def tile_mode(self) -> bool:
        """Whether the view draws cached tiles (not close up) rather than its items."""
        return self.tiles is not None and level_for(self.zoom()) is not None

    def paintEvent(self, event) -> None:
        scene = self.scene()
        if scene is not None and hasattr(scene, "zoom") and abs(scene.zoom - self.zoom()) > 1e-9:
            self._sync()  # someone else (an export) set another zoom on the scene: take it back
        if not self.tile_mode():
            super().paintEvent(event)
            return
        began = time.perf_counter()
        if self.tiles.colours is not scene.colours:
            self.tiles.clear()
            self.tiles.colours = scene.colours
        painter = QPainter(self.viewport())
        painter.setClipRegion(event.region())
        painter.setTransform(self.viewportTransform())
        exposed = self.mapToScene(event.rect()).boundingRect()
        complete = self.tiles.draw(painter, exposed, self.zoom(), began + FRAME_BUDGET, not scene.labels.busy())
        if self.zoom() < FAR_BELOW:
            draw_simplified(painter, scene.index, exposed, scene.colours, selected_only=True)
        if self._link is not None:
            self._link.paint(painter)
        band = self.rubberBandRect()
        painter.resetTransform()
        if not band.isEmpty():
            colour = QColor(scene.colours["selection"])
            painter.setPen(QPen(colour, 1))
            colour.setAlpha(40)
            painter.setBrush(colour)
            painter.drawRect(band)
        painter.end()
        if not complete:
            self._tiles_timer.start()  # another frame soon draws the rest

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if self._link is not None:
            self._link.paint(painter)

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

    # ----- what is under the pointer -----
    def owner_at(self, pos: QPoint) -> tuple[str | None, str | None]:
        """(kind, model id) of the component or link under a viewport point: an item itself first (a link
        is clickable along its line, under labels too), then a label's owner, then a link within a few
        pixels ((None, None) on the empty canvas)."""
        label_of = None
        labels_drawn = self.zoom() >= LABELS_FROM  # further out no label is drawn (see LabelLayout._switch)
        for item in self.items(pos):
            if item.data(KIND) == LABEL:
                label_of = label_of or (item.data(MODEL_ID) if labels_drawn else None)
                continue
            while item is not None and not isinstance(item, ComponentItem | LinkItem):
                item = item.parentItem()
            if isinstance(item, ComponentItem):
                return "component", item.ident
            if isinstance(item, LinkItem):
                return "link", item.ident
        owner = self.scene().item_for(label_of) if label_of is not None else None
        if owner is not None:
            return ("link" if isinstance(owner, LinkItem) else "component"), label_of
        link = self._link_near(pos)
        return ("link", link.ident) if link is not None else (None, None)

    def _link_near(self, pos: QPoint) -> LinkItem | None:
        """The link passing nearest a viewport point: on its line, or within CLICK_SLACK pixels."""
        scene = self.scene()
        if not hasattr(scene, "link_near"):
            return None
        return scene.link_near(self.mapToScene(pos), max(HIT_WIDTH / 2, CLICK_SLACK / self.zoom()))

    def _select_links_in_band(self) -> None:
        """Links crossing the rubber band join the selection (the scene's own index does not hold links)."""
        band = self.rubberBandRect()
        scene = self.scene()
        if band.isEmpty() or not hasattr(scene, "index"):
            return
        rows = scene.index.link_rows_in(self.mapToScene(band).boundingRect(), pad=0.0)
        items = [scene.index.links.items[r] for r in rows.tolist()]
        fresh = [item for item in items if not item.isSelected()]
        if fresh:
            scene.blockSignals(True)
            for item in fresh:
                item.setSelected(True)
            scene.blockSignals(False)
            scene.selectionChanged.emit()

    # ----- pointer -----
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            return
        if event.key() == Qt.Key.Key_Escape and self._link is not None:
            self._link.cancel()
            self._link = None
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
        if button == Qt.MouseButton.LeftButton and self._press_beside(event):
            return
        self._alt_at_press = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        super().mousePressEvent(event)
        if button == Qt.MouseButton.LeftButton:
            self._before = {i: (item.pos().x(), item.pos().y())
                            for i, item in self.scene().components.items() if item.isSelected()}

    def _press_beside(self, event: QMouseEvent) -> bool:
        """A press on a label, or next to a thin link, selects that link or component (never the empty canvas)."""
        pos = event.position().toPoint()
        if any(item.data(KIND) != LABEL for item in self.items(pos)):
            return False  # the scene gives the press to that item
        kind, ident = self.owner_at(pos)
        if kind is None:
            return False
        item = self.scene().item_for(ident)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            item.setSelected(not item.isSelected())
        elif not item.isSelected():
            self.scene().select_ids([ident])
        return True

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
        self._select_links_in_band()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor) if self._space else self.viewport().unsetCursor()
            return
        if self._link is not None:
            drag, self._link = self._link, None
            target = drag.finish(event.position().toPoint())
            if target is not None:
                scene = self.scene()
                scene.last_link = None
                self.link_requested.emit(drag.source, drag.port, target[0], target[1])
                if scene.last_link is not None and scene.last_link in scene.links:
                    scene.select_ids([scene.last_link])  # the new link is selected, ready to edit
            return
        super().mouseReleaseEvent(event)
        self.scene().snap_bypass = False
        self._report_moves()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        kind, ident = self.owner_at(event.position().toPoint())
        if kind == "component":
            self.rename_in_place(ident)
        elif kind == "link":
            self.inspect(ident)
        else:
            super().mouseDoubleClickEvent(event)

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

    # ----- editing from the canvas -----
    def inspect(self, ident: str) -> None:
        """Select `ident` and ask for the inspector (with the keyboard focus)."""
        if self.scene().item_for(ident) is None:
            return
        if not self.scene().item_for(ident).isSelected():
            self.scene().select_ids([ident])
        self.inspect_requested.emit(ident)

    def rename_selection(self) -> bool:
        """Rename the one selected component or link in place (Edit ▸ Rename, F2); False when not one."""
        comps, links = self.scene().selected_ids()
        return len(comps) + len(links) == 1 and self.rename_in_place([*comps, *links][0])

    def rename_in_place(self, ident: str) -> bool:
        """Open a line editor on a component's label or a link's middle; Enter renames (one undo step), Esc
        cancels."""
        item = self.scene().item_for(ident)
        if item is None or self.editor is None:
            return False
        if self.renaming is not None:
            self.renaming.cancel()
        self.scene().select_ids([ident])
        self.renaming = InlineRename(self, item, self.editor)
        self.renaming.closed.connect(self._rename_closed)
        return True

    def _rename_closed(self) -> None:
        self.renaming = None
        self.setFocus()

    def context_menu_at(self, pos: QPoint) -> QMenu:
        """The menu a right click at viewport point `pos` opens (the item there is selected first)."""
        kind, ident = self.owner_at(pos)
        if ident is not None and not self.scene().item_for(ident).isSelected():
            self.scene().select_ids([ident])
        menu = build_menu(self, kind, ident, self.mapToScene(pos))
        for provider in list(self.context_menu_providers):
            provider(menu, kind, ident)
        return menu

    def contextMenuEvent(self, event) -> None:
        if self._link is not None or self._pan_from is not None:
            return
        menu = self.context_menu_at(event.pos())
        menu.exec(event.globalPos())
        menu.deleteLater()


def _extent(item) -> QRectF:
    """The scene area an item shows (a link's line: its item has no bounding rectangle of its own)."""
    return item.extent() if isinstance(item, LinkItem) else item.sceneBoundingRect()

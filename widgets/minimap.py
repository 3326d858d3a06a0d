"""An overview of a QGraphicsView's whole scene, with the visible area framed; click or drag to move there.

The items are painted into a cached pixmap at most every `RENDER_DELAY_MS` (or four times the last
paint's duration, whichever is longer) after the scene changes, so the minimap stays cheap with thousands of
items; scrolling and zooming only repaint the frame. Items that ignore zoom (labels, badges with
ItemIgnoresTransformations) are left out of the overview.

Public API:
    MinimapWidget(view: QGraphicsView | None = None, parent=None)
        set_view(view: QGraphicsView | None)   call again when the view gets another scene
        view() -> QGraphicsView | None
        scene_to_minimap(point: QPointF) -> QPointF,  minimap_to_scene(point: QPointF) -> QPointF
        visible_frame() -> QRectF        the view's visible scene area, in minimap coordinates
        render_count: int                how many times the scene was rendered (for benchmarks)
        signal recentred(QPointF)        the scene point the main view was centred on after a click/drag
    paint_overview(painter, scene, source: QRectF, size: QSizeF)   the drawing, reusable for an export
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QWidget,
)

from widgets.theme import palette_colours

RENDER_DELAY_MS = 150
MARGIN = 4.0


_HALF = QTransform.fromScale(0.5, 0.5)
_TEXT = (QGraphicsSimpleTextItem, QGraphicsTextItem)


def _keeps_screen_size(item: QGraphicsItem) -> bool:
    """True for labels and badges that ignore zoom (themselves or through a parent).

    Drawn full size they would cover a scaled-down overview. (Tested through deviceTransform: in
    PySide6 6.9 calling parentItem() on a top-level item destroys scene items.)
    """
    return abs(item.deviceTransform(_HALF).m11() - (item.sceneTransform() * _HALF).m11()) > 1e-9


def paint_overview(painter: QPainter, scene: QGraphicsScene, source: QRectF, size: QSizeF) -> None:
    """Paint the scene's items inside `source` scaled into a `size` area, leaving out zoom-independent ones."""
    scale = min(size.width() / source.width(), size.height() / source.height())
    painter.scale(size.width() / source.width(), size.height() / source.height())
    painter.translate(-source.left(), -source.top())
    draw = getattr(scene, "draw_overview", None)
    if draw is not None:
        draw(painter, source)
        return
    base = painter.transform()
    option = QStyleOptionGraphicsItem()
    skip_text = scale < 0.3  # text shrunk this much is unreadable: leave it out, it is half the cost
    for item in scene.items(Qt.SortOrder.AscendingOrder):
        if not item.isVisible() or (skip_text and isinstance(item, _TEXT)) or _keeps_screen_size(item):
            continue
        painter.setTransform(item.sceneTransform() * base)
        painter.setOpacity(item.effectiveOpacity())
        option.exposedRect = item.boundingRect()
        item.paint(painter, option, None)


class MinimapWidget(QWidget):
    """Draws the scene scaled down and the main view's visible rectangle; recentres the view on click."""

    recentred = Signal(QPointF)

    def __init__(self, view: QGraphicsView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view: QGraphicsView | None = None
        self._scene = None
        self._pixmap = QPixmap()
        self._source = QRectF()  # the scene area the pixmap shows
        self._target = QRectF()  # where it is drawn in the widget
        self._drawn: tuple | None = None  # (revision, size) of the scene's own overview last drawn
        self.render_count = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RENDER_DELAY_MS)
        self._timer.timeout.connect(self._render)
        self.setMinimumSize(120, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Overview: click or drag to move the view")
        self.set_view(view)

    def sizeHint(self) -> QSize:
        return QSize(220, 160)

    # ----- public -----
    def set_view(self, view: QGraphicsView | None) -> None:
        """Follow `view` (None to show nothing); call again after giving the view another scene."""
        if self._view is not None:
            self._disconnect(self._view)
        self._view = view
        self._scene = view.scene() if view is not None else None
        if view is not None:
            view.destroyed.connect(self._view_destroyed)
            if self._scene is not None:
                self._scene.changed.connect(self._schedule)
                self._scene.sceneRectChanged.connect(self._schedule)
            for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):
                bar.valueChanged.connect(self._view_moved)
                bar.rangeChanged.connect(self._view_moved)
        self._pixmap, self._source, self._target = QPixmap(), QRectF(), QRectF()
        self._drawn = None
        self._schedule()  # drawn once the window is idle: opening a big design does not wait for the overview
        self.update()

    def view(self) -> QGraphicsView | None:
        """The view this minimap follows."""
        return self._view

    def scene_to_minimap(self, point: QPointF) -> QPointF:
        """Where a scene point is drawn in the minimap."""
        if self._source.isEmpty():
            return QPointF()
        sx = self._target.width() / self._source.width()
        sy = self._target.height() / self._source.height()
        return QPointF(self._target.left() + (point.x() - self._source.left()) * sx,
                       self._target.top() + (point.y() - self._source.top()) * sy)

    def minimap_to_scene(self, point: QPointF) -> QPointF:
        """The scene point under a minimap point."""
        if self._target.isEmpty():
            return QPointF()
        sx = self._source.width() / self._target.width()
        sy = self._source.height() / self._target.height()
        return QPointF(self._source.left() + (point.x() - self._target.left()) * sx,
                       self._source.top() + (point.y() - self._target.top()) * sy)

    def visible_frame(self) -> QRectF:
        """The main view's visible scene area, mapped into the minimap."""
        if self._view is None or self._source.isEmpty():
            return QRectF()
        visible = self._view.mapToScene(self._view.viewport().rect()).boundingRect()
        return QRectF(self.scene_to_minimap(visible.topLeft()), self.scene_to_minimap(visible.bottomRight()))

    # ----- rendering -----
    def _disconnect(self, view: QGraphicsView) -> None:
        try:
            view.destroyed.disconnect(self._view_destroyed)
        except (RuntimeError, TypeError):
            pass
        for bar in (view.horizontalScrollBar(), view.verticalScrollBar()):
            for signal in (bar.valueChanged, bar.rangeChanged):
                try:
                    signal.disconnect(self._view_moved)
                except (RuntimeError, TypeError):
                    pass
        scene = self._scene
        if scene is not None:
            for signal in (scene.changed, scene.sceneRectChanged):
                try:
                    signal.disconnect(self._schedule)
                except (RuntimeError, TypeError):
                    pass

    def _view_destroyed(self, *_args) -> None:
        self._view = self._scene = None
        self._pixmap, self._source, self._target = QPixmap(), QRectF(), QRectF()

    def _view_moved(self, *_args) -> None:
        """The main view scrolled or zoomed: only the frame moves."""
        self.update()

    def _schedule(self, *_args) -> None:
        """Render soon; changes during the delay are drawn together."""
        if not self._timer.isActive():
            self._timer.start()

    def _render(self) -> None:
        scene = self._view.scene() if self._view is not None else None
        revision = getattr(scene, "overview_revision", None)
        drawn = (id(scene), revision(), self.size(), self.devicePixelRatioF()) if revision is not None else None
        if drawn is not None and drawn == self._drawn and not self._pixmap.isNull():
            return  # the scene changed only in ways its overview does not show (labels, hover)
        self._drawn = drawn
        self._pixmap = QPixmap()
        self._source = self._target = QRectF()
        if scene is not None:
            bounds = getattr(scene, "overview_rect", None)
            area = bounds() if bounds is not None else scene.itemsBoundingRect()
            if area.isEmpty():
                area = scene.sceneRect()
            if not area.isEmpty():
                self._source = area.adjusted(-10, -10, 10, 10)
                self._target = self._fit(self._source)
                ratio = self.devicePixelRatioF()
                self._pixmap = QPixmap((self._target.size() * ratio).toSize().expandedTo(QSize(1, 1)))
                self._pixmap.setDevicePixelRatio(ratio)
                self._pixmap.fill(palette_colours(self.palette())["background"])
                began = time.perf_counter()
                painter = QPainter(self._pixmap)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                paint_overview(painter, scene, self._source, self._target.size())
                painter.end()
                self.render_count += 1
                spent_ms = (time.perf_counter() - began) * 1000
                self._timer.setInterval(max(RENDER_DELAY_MS, int(4 * spent_ms)))  # at most ~20% of the GUI
        self.update()

    def _fit(self, source: QRectF) -> QRectF:
        """The largest rectangle of the source's shape centred in the widget."""
        avail = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        scale = min(avail.width() / source.width(), avail.height() / source.height())
        size = source.size() * scale
        return QRectF(avail.center().x() - size.width() / 2, avail.center().y() - size.height() / 2,
                      size.width(), size.height())

    def paintEvent(self, event) -> None:
        colours = palette_colours(self.palette())
        painter = QPainter(self)
        painter.fillRect(self.rect(), colours["band_alt"])
        if not self._pixmap.isNull():
            painter.drawPixmap(self._target.topLeft(), self._pixmap)
            painter.setPen(QPen(colours["item_border"], 1))
            painter.drawRect(self._target)
            frame = self.visible_frame().intersected(self._target)
            fill = QColor(colours["selection"])
            fill.setAlpha(45)
            painter.fillRect(frame, fill)
            painter.setPen(QPen(colours["selection"], 2))
            painter.drawRect(frame)
        elif not self._timer.isActive():  # while a render is pending, nothing rather than a wrong "empty"
            painter.setPen(colours["muted_text"])
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "empty")
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._schedule()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._drawn = None
            self._schedule()

    # ----- mouse -----
    def _recentre(self, pos: QPointF) -> None:
        if self._view is None or self._target.isEmpty():
            return
        target = self.minimap_to_scene(pos)
        self._view.centerOn(target)
        self.update()
        self.recentred.emit(target)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._recentre(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._recentre(event.position())

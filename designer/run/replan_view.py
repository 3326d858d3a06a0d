"""The replan dialog's drawing: the substrate with the proposed placement (the preview's substrate view), an
arrow from each moved component's host to where the plan puts it, and the host that leaves crossed out."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)
from shiboken6 import isValid

from backend.embedding.mapping import Mapping
from backend.embedding.replan import Plan
from backend.model import Infrastructure, Substrate
from widgets.substrate_view import SubstrateView
from widgets.theme import palette_colours

ARROW_Z = 30.0


class MovesView(SubstrateView):
    """A substrate view that draws a plan: its new placement, its moves as arrows, the leaving host marked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plan: Plan | None = None
        self.leaving: tuple[str, str] | None = None  # (host, "leaves at 12:00 UTC")
        self.marks: list[QGraphicsItem] = []
        self.arrows: dict[tuple[str, str], QGraphicsPathItem] = {}  # (vxi, component) -> arrow

    def show_plan(self, substrate: Substrate | None, vxis: list[Infrastructure], plan: Plan | None,
                  leaving: tuple[str, str] | None = None, now: Mapping | None = None) -> None:
        """Draw `plan` on `substrate`: its new mapping when it has one, else the placement `now`; `leaving`: the
        host that leaves, and when."""
        self.plan, self.leaving = plan, leaving
        self.set_substrate(substrate, refit=True, draw=False)
        shown = plan.mapping if plan is not None and plan.feasible and plan.mapping is not None else now
        if shown is not None:
            by_id = {v.id: v for v in vxis}
            self.set_mapping(shown, [by_id.get(r.id) or Infrastructure(id=r.id) for r in shown.requests])
        else:
            self.set_mapping(None)
        self._draw_marks()

    def arrow_ends(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(source host, target host) of each arrow drawn, by (VXI, component)."""
        return {key: (item.data(0), item.data(1)) for key, item in self.arrows.items() if isValid(item)}

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._draw_marks()

    def fit_all(self) -> None:
        """Show the hosts and the marks (the legend, of loads, stays hidden: the moves are what matters here)."""
        if self.legend is not None:
            self.legend.hide()
        rect = QRectF(self.contents)
        for item in self.marks:
            if isValid(item):
                rect = rect.united(item.sceneBoundingRect())
        if not rect.isEmpty():
            self.scene().setSceneRect(rect.adjusted(-30, -30, 30, 30))
            self.fitInView(rect.adjusted(-12, -12, 12, 12), Qt.AspectRatioMode.KeepAspectRatio)

    def _draw_marks(self) -> None:
        for item in self.marks:
            if isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self.marks, self.arrows = [], {}
        colours = palette_colours(self.palette())
        if self.leaving is not None:
            self._mark_leaving(*self.leaving, colours["error"])
        if self.plan is None or not self.plan.feasible:
            if self._auto_fit:
                self.fit_all()
            return
        colour = colours["warning"]
        for move in self.plan.moves:
            source = self.host_box(move.source) if move.source else None
            target = self.host_box(move.target) if move.target else None
            if source is None or target is None:
                continue
            chip = next((c for c in target.chips if c.request == move.vxi and c.component == move.component), None)
            to_rect = chip.sceneBoundingRect() if chip is not None else target.sceneBoundingRect()
            from_rect = source.sceneBoundingRect()
            start = _edge(from_rect, to_rect.center())
            arrow = _arrow(start, _edge(to_rect.adjusted(-3, -3, 3, 3), start), colour)
            arrow.setData(0, move.source)
            arrow.setData(1, move.target)
            arrow.setToolTip(f"{move.vxi}/{move.component}: {move.source} → {move.target}")
            self.arrows[(move.vxi, move.component)] = arrow
            self._add(arrow)
        if self._auto_fit:
            self.fit_all()

    def _mark_leaving(self, host: str, words: str, colour: QColor) -> None:
        box = self.host_box(host)
        if box is None:
            return
        rect = box.sceneBoundingRect().adjusted(-5, -5, 5, 5)
        frame = QGraphicsRectItem(rect)
        frame.setPen(QPen(colour, 2.5, Qt.PenStyle.DashLine))
        frame.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        frame.setToolTip(f"host {host} {words}")
        self._add(frame)
        cross = QPainterPath()
        cross.moveTo(rect.topLeft())
        cross.lineTo(rect.bottomRight())
        cross.moveTo(rect.topRight())
        cross.lineTo(rect.bottomLeft())
        lines = QGraphicsPathItem(cross)
        faint = QColor(colour)
        faint.setAlpha(110)
        lines.setPen(QPen(faint, 2))
        self._add(lines)
        label = QGraphicsSimpleTextItem(f"{host} {words}")
        font = QFont()
        font.setBold(True)
        label.setFont(font)
        label.setBrush(colour)
        label.setPos(rect.left(), rect.top() - label.boundingRect().height() - 2)
        self._add(label)

    def _add(self, item: QGraphicsItem) -> None:
        item.setZValue(ARROW_Z)
        item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.scene().addItem(item)
        self.marks.append(item)


def _edge(rect: QRectF, toward: QPointF) -> QPointF:
    """Where the ray from `rect`'s centre toward a point leaves the rectangle."""
    centre = rect.center()
    dx, dy = toward.x() - centre.x(), toward.y() - centre.y()
    if dx == 0 and dy == 0:
        return centre
    scale = min(rect.width() / 2 / abs(dx) if dx else math.inf, rect.height() / 2 / abs(dy) if dy else math.inf)
    return centre + QPointF(dx, dy) * min(scale, 1.0)


def _arrow(start: QPointF, end: QPointF, colour: QColor) -> QGraphicsPathItem:
    """A curved arrow from `start` to `end`, its head a filled triangle at `end`."""
    path = QPainterPath(start)
    middle = (start + end) / 2
    dx, dy = end.x() - start.x(), end.y() - start.y()
    length = math.hypot(dx, dy) or 1.0
    bend = QPointF(-dy / length, dx / length) * min(60.0, length * 0.2)
    control = middle + bend
    path.quadTo(control, end)
    item = QGraphicsPathItem(path)
    item.setPen(QPen(colour, 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    angle = math.atan2(end.y() - control.y(), end.x() - control.x())
    size = 12.0
    left = end - QPointF(math.cos(angle - 0.45), math.sin(angle - 0.45)) * size
    right = end - QPointF(math.cos(angle + 0.45), math.sin(angle + 0.45)) * size
    head = QGraphicsPolygonItem(QPolygonF([end, left, right]), item)
    head.setBrush(colour)
    head.setPen(QPen(colour, 1))
    return item


"""The lease timeline: one bar per component and per link, the VXI's named periods as labelled bands.

Drag a bar's left or right end to change its start or duration (one signal on release); click a
period band to select it. A component or link without its own lease uses the VXI's lease (drawn dashed).

Public API:
    TimelineWidget(parent=None)
        set_model(model: Infrastructure | Substrate | None)   follows the model's change events by itself
        refresh()                                re-read the model now
        view: QGraphicsView                      mouse events go to view.viewport()
        rows() -> list[str]                      ids in display order (components, then links)
        bar_rect(object_id) -> QRectF            a bar in scene coordinates (empty when absent)
        period_rect(name) -> QRectF              a period band in scene coordinates
        selected_period() -> str                 "" when none
        select_period(name: str)                 highlight a band without emitting
        signal lease_edited(str id, Lease)       once per drag, on release
        signal period_selected(str name)         on a click: a band's name, "" when none
Without a start date anywhere in the VXI the left ends cannot move (there is no date to give).
Only the rows in (or near) view are drawn; the others are drawn as they scroll in, so thousands of rows stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from backend.model import Infrastructure, Lease, Link, Substrate
from backend.model.timing import format_duration
from widgets.theme import blend, palette_colours

LABEL_WIDTH, AXIS_HEIGHT, ROW_HEIGHT, BAR_HEIGHT, HANDLE = 150.0, 40.0, 22.0, 14.0, 6.0
_ROWS_AHEAD = 30  # rows drawn beyond the visible ones, so a scroll rarely waits for drawing
_STEPS = (1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 30 * 86400)


@dataclass
class _Row:
    id: str
    label: str
    start: float  # seconds from the origin
    duration: float
    inherited: bool
    own_start: datetime | None
    is_link: bool


def _nice_step(span: float, parts: int) -> float:
    """The smallest round step that cuts `span` into at most `parts` pieces."""
    for step in _STEPS:
        if span / step <= parts:
            return float(step)
    return float(_STEPS[-1])


def _short(seconds: float) -> str:
    """+2h, +90min, +3d style offsets."""
    if seconds % 86400 == 0 and seconds:
        return f"+{int(seconds // 86400)}d"
    if seconds % 3600 == 0:
        return f"+{int(seconds // 3600)}h"
    if seconds % 60 == 0:
        return f"+{int(seconds // 60)}min"
    return f"+{seconds:g}s"


def _lease(obj) -> Lease | None:
    """A component's or link's lease, a host's availability; None for what has neither."""
    return getattr(obj, "lease", None) or getattr(obj, "availability", None)


def _periods(model) -> list:
    return list(getattr(model, "periods", []))


class _TimelineView(QGraphicsView):
    """Finds bar ends and bands under the mouse and reports drags to the widget."""

    def __init__(self, owner: TimelineWidget) -> None:
        super().__init__(owner)
        self._owner = owner
        self.setMouseTracking(True)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._owner._press(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        self._owner._move(self.mapToScene(event.position().toPoint()))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._owner._release()
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._owner.refresh()
        else:
            self._owner._draw_visible_rows()


class TimelineWidget(QWidget):
    """A Gantt-like view of the leases of a VXI's components and links, with its periods."""

    lease_edited = Signal(str, Lease)
    period_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model: Infrastructure | None = None
        self._rows: list[_Row] = []
        self._row_index: dict[str, int] = {}
        self._bars: dict[str, QGraphicsRectItem] = {}  # only the rows drawn so far (those scrolled into view)
        self._row_style: dict | None = None
        self._bands: dict[str, QGraphicsRectItem] = {}
        self._origin: datetime | None = None
        self._t_min, self._scale, self._snap = 0.0, 1.0, 60.0
        self._period = ""
        self._drag: tuple[_Row, str] | None = None
        self._drag_value: tuple[float, float] | None = None
        self._tip: QGraphicsSimpleTextItem | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self.refresh)
        self.header = QLabel()
        self.scene = QGraphicsScene(self)
        self.view = _TimelineView(self)
        self.view.setScene(self.scene)
        self._header_item: QGraphicsRectItem | None = None
        self.view.verticalScrollBar().valueChanged.connect(self._pin_header)
        self.view.verticalScrollBar().valueChanged.connect(self._draw_visible_rows)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        self.refresh()

    # ----- public -----
    def set_model(self, model: Infrastructure | Substrate | None) -> None:
        """Show the leases of `model` (a substrate: its hosts' availability) and follow its changes."""
        if self._model is not None:
            self._model.unsubscribe(self._model_changed)
        self._model = model
        self._period = ""
        if model is not None:
            model.subscribe(self._model_changed)
        self.refresh()

    def _model_changed(self, _change) -> None:
        """Redraw once after a burst of model changes."""
        try:
            if not self._refresh_timer.isActive():
                self._refresh_timer.start()
        except RuntimeError:  # the widget was deleted while the model lives on
            pass

    def rows(self) -> list[str]:
        """Ids in display order."""
        return [r.id for r in self._rows]

    def bar_rect(self, object_id: str) -> QRectF:
        """The bar of a component or link, in scene coordinates."""
        bar = self._bars.get(object_id)
        if bar is not None:
            return bar.rect()
        index = self._row_index.get(object_id)
        return self._bar_geometry(index) if index is not None else QRectF()

    def period_rect(self, name: str) -> QRectF:
        """The band of a period, in scene coordinates."""
        band = self._bands.get(name)
        return band.rect() if band is not None else QRectF()

    def selected_period(self) -> str:
        """The selected period's name, "" when none."""
        return self._period

    def select_period(self, name: str) -> None:
        """Highlight the band of `name` ("" for none) without emitting."""
        self._period = name if name in self._bands else ""
        self._paint_bands()

    def refresh(self) -> None:
        """Rebuild the timeline from the model."""
        self._drag = None
        self.scene.clear()
        self._bars, self._bands, self._tip, self._header_item = {}, {}, None, None
        self._row_style = None
        colours = palette_colours(self.palette())
        self.scene.setBackgroundBrush(colours["background"])
        self._rows = self._read_rows()
        self._row_index = {row.id: i for i, row in enumerate(self._rows)}
        if self._model is None:
            self.header.setText("No infrastructure")
            return
        periods = _periods(self._model)
        ends = [r.start + r.duration for r in self._rows] + [p.end for p in periods] + [self._vxi_duration()]
        self._t_min = min([0.0] + [r.start for r in self._rows])
        span = max(ends) - self._t_min or 3600.0
        width = max(300.0, self.view.viewport().width() - LABEL_WIDTH - 44)
        self._scale = width / span
        self._snap = _nice_step(span, 240)
        height = AXIS_HEIGHT + ROW_HEIGHT * max(1, len(self._rows)) + 8
        self.scene.setSceneRect(0, 0, LABEL_WIDTH + width + 24, height)
        self._draw_header(colours)
        self._draw_bands(height, colours)
        self._draw_axis(span, height, colours)
        self._row_style = self._make_row_style(colours)
        self._draw_visible_rows()
        self._paint_bands()
        self._update_header()

    # ----- reading the model -----
    def _vxi_duration(self) -> float:
        return float(self._model.lease.duration or 0.0) if self._model else 0.0

    def _read_rows(self) -> list[_Row]:
        if self._model is None:
            return []
        vxi = self._model
        objects = [o for o in (*vxi.components.values(), *vxi.links.values()) if _lease(o) is not None]
        starts = [_lease(o).start for o in objects if _lease(o).start is not None]
        self._origin = vxi.lease.start or (min(starts) if starts else None)
        fallback = vxi.lease.duration or max([p.end for p in _periods(vxi)] + [3600.0])
        rows = []
        for obj in objects:
            lease = _lease(obj)
            start = (lease.start - self._origin).total_seconds() if lease.start and self._origin else 0.0
            label = f"{obj.id}: {obj.source}→{obj.destination}" if isinstance(obj, Link) else obj.id
            rows.append(_Row(obj.id, label, start, float(lease.duration or fallback), lease.is_empty(),
                             lease.start, isinstance(obj, Link)))
        return rows

    # ----- drawing -----
    def _x(self, t: float) -> float:
        return LABEL_WIDTH + (t - self._t_min) * self._scale

    def _t(self, x: float) -> float:
        return (x - LABEL_WIDTH) / self._scale + self._t_min

    def _draw_header(self, colours: dict) -> None:
        """The axis strip, kept at the top of the view while the rows scroll under it."""
        self._header_item = self.scene.addRect(QRectF(0, 0, self.scene.width(), AXIS_HEIGHT),
                                               QPen(Qt.PenStyle.NoPen), colours["background"])
        self._header_item.setZValue(10)
        self._header_bands: dict[str, QGraphicsRectItem] = {}
        self._band_labels: dict[str, QGraphicsSimpleTextItem] = {}
        self._pin_header()

    def _pin_header(self, *_args) -> None:
        if self._header_item is not None:
            self._header_item.setY(max(0.0, self.view.mapToScene(0, 0).y()))

    def _header_bottom(self) -> float:
        return (self._header_item.y() if self._header_item is not None else 0.0) + AXIS_HEIGHT

    def _draw_bands(self, height: float, colours: dict) -> None:
        no_pen = QPen(Qt.PenStyle.NoPen)
        for i, period in enumerate(_periods(self._model)):
            rect = QRectF(self._x(period.offset), 0, period.duration * self._scale, height)
            tip = f"Period {period.name}: {_short(period.offset)} for {format_duration(period.duration)}"
            band = self.scene.addRect(rect, no_pen, colours["band_alt" if i % 2 else "band"])
            band.setZValue(-2)
            band.setToolTip(tip)
            top = QGraphicsRectItem(QRectF(rect.left(), 0, rect.width(), AXIS_HEIGHT), self._header_item)
            top.setPen(no_pen)
            top.setToolTip(tip)
            label = QGraphicsSimpleTextItem(period.name, self._header_item)
            label.setBrush(colours["text"])
            label.setPos(rect.center().x() - label.boundingRect().width() / 2, 2)
            self._bands[period.name], self._header_bands[period.name] = band, top
            self._band_labels[period.name] = label

    def _paint_bands(self) -> None:
        colours = palette_colours(self.palette())
        for i, (name, band) in enumerate(self._bands.items()):
            chosen = name == self._period
            brush = colours["selection_fill"] if chosen else colours["band_alt" if i % 2 else "band"]
            band.setBrush(brush)
            band.setPen(QPen(colours["selection"], 2) if chosen else QPen(Qt.PenStyle.NoPen))
            self._header_bands[name].setBrush(brush)
            label = self._band_labels[name]
            font = QFont(label.font())
            font.setBold(chosen)
            label.setFont(font)
            label.setText(f"▸ {name}" if chosen else name)
            label.setX(band.rect().center().x() - label.boundingRect().width() / 2)
        self._update_header()

    def _draw_axis(self, span: float, height: float, colours: dict) -> None:
        step = _nice_step(span, max(2, int(span * self._scale / 90)))
        t = (self._t_min // step) * step
        grid = QPen(colours["grid"], 1)
        while t <= self._t_min + span + 1e-9:
            x = self._x(t)
            if x >= LABEL_WIDTH - 0.5:
                self.scene.addLine(x, AXIS_HEIGHT, x, height, grid).setZValue(-1)
                tick = QGraphicsLineItem(x, AXIS_HEIGHT - 6, x, AXIS_HEIGHT, self._header_item)
                tick.setPen(grid)
                text = QGraphicsSimpleTextItem(self._tick_label(t, step), self._header_item)
                text.setBrush(colours["muted_text"])
                text.setPos(x + 2, AXIS_HEIGHT - 20)
            t += step
        axis = QGraphicsLineItem(LABEL_WIDTH, AXIS_HEIGHT - 1, self.scene.width(), AXIS_HEIGHT - 1,
                                 self._header_item)
        axis.setPen(QPen(colours["item_border"], 1))

    def _tick_label(self, t: float, step: float) -> str:
        if self._origin is None:
            return _short(t)
        moment = self._origin + timedelta(seconds=t)
        return moment.strftime("%d %b" if step >= 86400 else "%H:%M")

    def _make_row_style(self, colours: dict) -> dict:
        """Brushes, pens and font metrics shared by every row."""
        border = colours["item_border"]
        own, inherited = (QBrush(blend(colours["background"], colours["selection"], t)) for t in (0.6, 0.3))
        return {"text": QBrush(colours["text"]), "handle": QBrush(border), "no_pen": QPen(Qt.PenStyle.NoPen),
                "pens": {False: QPen(border, 1.2), True: QPen(border, 1.2, Qt.PenStyle.DashLine)},
                "own": own, "inherited": inherited, "link": QBrush(colours["link"]),
                "metrics": QFontMetricsF(self.scene.font())}

    def _bar_geometry(self, index: int) -> QRectF:
        """Where the bar of row `index` is drawn, in scene coordinates."""
        row = self._rows[index]
        top = AXIS_HEIGHT + index * ROW_HEIGHT
        height = BAR_HEIGHT * (0.6 if row.is_link else 1.0)
        return QRectF(self._x(row.start), top + (ROW_HEIGHT - height) / 2, row.duration * self._scale, height)

    def _draw_visible_rows(self, *_args) -> None:
        """Draw the rows in (or near) the visible part; the others are drawn when scrolled to."""
        if self._row_style is None or not self._rows:
            return
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        first = int((visible.top() - AXIS_HEIGHT) // ROW_HEIGHT) - _ROWS_AHEAD
        last = int((visible.bottom() - AXIS_HEIGHT) // ROW_HEIGHT) + _ROWS_AHEAD
        for index in range(max(0, first), min(len(self._rows), last + 1)):
            if self._rows[index].id not in self._bars:
                self._draw_row(index)

    def _bar_of(self, index: int) -> QGraphicsRectItem:
        """The bar item of row `index`, drawing the row first when needed."""
        row = self._rows[index]
        if row.id not in self._bars:
            self._draw_row(index)
        return self._bars[row.id]

    def _draw_row(self, index: int) -> None:
        style, row = self._row_style, self._rows[index]
        metrics = style["metrics"]
        top = AXIS_HEIGHT + index * ROW_HEIGHT
        text = metrics.elidedText(row.label, Qt.TextElideMode.ElideRight, LABEL_WIDTH - 10)
        label = self.scene.addSimpleText(text)
        label.setBrush(style["text"])
        label.setPos(6, top + (ROW_HEIGHT - metrics.height()) / 2)
        label.setToolTip(row.label)
        rect = self._bar_geometry(index)
        fill = style["link"] if row.is_link else style["inherited"] if row.inherited else style["own"]
        bar = self.scene.addRect(rect, style["pens"][row.inherited], fill)
        bar.setToolTip(self._bar_tip(row))
        self._bars[row.id] = bar
        for x in (rect.left(), rect.right() - 3):
            handle = QGraphicsRectItem(QRectF(x, rect.top() + 2, 3, rect.height() - 4), bar)
            handle.setPen(style["no_pen"])
            handle.setBrush(style["handle"])

    def _bar_tip(self, row: _Row) -> str:
        what = ("always available" if self._is_substrate() else "inherits the VXI lease") if row.inherited \
            else "own lease"
        start = self._origin + timedelta(seconds=row.start) if self._origin else None
        when = start.strftime("%Y-%m-%d %H:%M UTC") if start else _short(row.start)
        return f"{row.label}: {when}, {format_duration(row.duration)} ({what}). Drag an end to change it."

    def _is_substrate(self) -> bool:
        return isinstance(self._model, Substrate)

    def _update_header(self) -> None:
        if self._model is None:
            return
        lease = self._model.lease
        start = lease.start.strftime("%Y-%m-%d %H:%M UTC") if lease.start else "no start date"
        text = f"Lease of {self._model.id}: {start}"
        if lease.duration:
            text += f", {format_duration(lease.duration)}"
        if self._period:
            text += f" — period {self._period} selected"
        self.header.setText(text)

    # ----- mouse -----
    def _handle_at(self, pos) -> tuple[_Row, str] | None:
        index = int((pos.y() - AXIS_HEIGHT) // ROW_HEIGHT)
        if pos.y() < self._header_bottom() or not 0 <= index < len(self._rows):
            return None
        row = self._rows[index]
        rect = self._bar_of(index).rect()
        if abs(pos.x() - rect.right()) <= HANDLE:
            return row, "end"
        if abs(pos.x() - rect.left()) <= HANDLE and self._origin is not None:
            return row, "start"
        return None

    def _press(self, pos) -> None:
        hit = self._handle_at(pos)
        if hit is not None:
            self._drag, self._drag_value = hit, (hit[0].start, hit[0].duration)
            return
        if pos.x() < LABEL_WIDTH:
            return
        t = self._t(pos.x())
        name = next((p.name for p in _periods(self._model) if p.offset <= t < p.end), "") if self._model else ""
        if name == self._period:
            name = ""  # a second click on the selected band clears it
        if name != self._period:
            self._period = name
            self._paint_bands()
            self.period_selected.emit(name)

    def _move(self, pos) -> None:
        if self._drag is None:
            near = self._handle_at(pos) is not None
            self.view.viewport().setCursor(Qt.CursorShape.SizeHorCursor if near else Qt.CursorShape.ArrowCursor)
            return
        row, side = self._drag
        t = round(self._t(pos.x()) / self._snap) * self._snap
        end = row.start + row.duration
        if side == "end":
            start, duration = row.start, max(self._snap, t - row.start)
        else:
            start = min(t, end - self._snap)
            duration = end - start
        self._drag_value = (start, duration)
        bar = self._bars[row.id]
        rect = QRectF(self._x(start), bar.rect().top(), duration * self._scale, bar.rect().height())
        bar.setRect(rect)
        for handle, x in zip(bar.childItems(), (rect.left(), rect.right() - 3), strict=True):
            handle.setRect(QRectF(x, rect.top() + 2, 3, rect.height() - 4))
        self._show_tip(rect, start, duration)

    def _show_tip(self, rect: QRectF, start: float, duration: float) -> None:
        if self._tip is None:
            self._tip = self.scene.addSimpleText("")
            self._tip.setZValue(11)
            self._tip.setBrush(palette_colours(self.palette())["text"])
        moment = self._origin + timedelta(seconds=start) if self._origin else None
        when = moment.strftime("%H:%M") if moment else _short(start)
        self._tip.setText(f"{when} + {format_duration(duration)}")
        self._tip.setPos(rect.left(), rect.top() - 16)

    def _release(self) -> None:
        if self._drag is None:
            return
        (row, side), (start, duration) = self._drag, self._drag_value
        self._drag = None
        if self._tip is not None:
            self.scene.removeItem(self._tip)
            self._tip = None
        if (start, duration) == (row.start, row.duration):
            return
        moved = side == "start"
        new_start = (self._origin + timedelta(seconds=start)).astimezone(timezone.utc) if moved else row.own_start
        row.start, row.duration = start, duration
        self.lease_edited.emit(row.id, Lease(new_start, duration))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.refresh()

    def closeEvent(self, event) -> None:
        self.set_model(None)
        super().closeEvent(event)

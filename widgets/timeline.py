"""The lease timeline: one bar per component and per link, the VXI's named periods as labelled bands.

Drag a bar's left or right end to change its start or duration (one signal on release); drag a period's edge
(in the strip of period names at the top) to move it; click a bar or a row's name to select that item (the
canvas follows, and the rows of items selected on the canvas are highlighted); click elsewhere in a band to
select its period. A link's bar is solid where it carries traffic and dotted where it is idle (in a period
where its bandwidth is zero); right-click it in a period to make it active or idle there. Rows of links read
"C↔G" (both ways) or "C→G" (one way). A component or link without its own lease uses the VXI's lease (dashed).

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
        select_rows(ids: list[str])              highlight the rows of these items (the canvas selection)
        show_row(id)                             scroll a row into view (below the axis strip)
        selected_rows() -> list[str]             the highlighted rows
        edge_x(t: float) -> float                the scene x of a moment (seconds after the origin)
        period_menu(link_id, period) -> QMenu    the menu a right-click on a link in a period opens
        signal lease_edited(str id, Lease)       once per drag, on release
        signal period_selected(str name)         on a click: a band's name, "" when none
        signal periods_edited(list periods, str) once per drag of a period edge: the new periods, in words
        signal selection_requested(list ids)     a click on a bar or a row's name (Ctrl+click adds or removes)
        signal link_activity_requested(str link, str period, bool active)   from the right-click menu
        signal period_values_requested(str link, str period)   "Edit the values in II…" of that menu
        signal document_requested()              the header's "VXI properties" link
        signal refreshed()                       after each rebuild (layers drawn over it draw again: the
                                                 live view of run mode, widgets/timeline_live.py)
Without a start date anywhere in the VXI the left ends cannot move (there is no date to give).
Only the rows in (or near) view are drawn; the others are drawn as they scroll in, so thousands of rows stay cheap.
"""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from backend.model import Infrastructure, Lease, Substrate
from backend.model.timing import format_duration, moment_text
from widgets.plain import plain_tip
from widgets.theme import palette_colours
from widgets.timeline_backdrop import TimelineBackdrop
from widgets.timeline_mouse import TimelineMouse
from widgets.timeline_periods import Edge, activity_spans
from widgets.timeline_rows import (
    AXIS_HEIGHT,
    BAR_HEIGHT,
    LABEL_WIDTH,
    ROW_HEIGHT,
    Row,
    lease_of,
    link_label,
    nice_step,
    periods_of,
    short,
)

_ROWS_AHEAD = 30  # rows drawn beyond the visible ones, so a scroll rarely waits for drawing
LAZY_ABOVE = 2_000  # components and links: a larger model's rows are read when the timeline is first shown


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
            toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self._owner._press(self.mapToScene(event.position().toPoint()), toggle)
            event.accept()
            return
        super().mousePressEvent(event)

    def contextMenuEvent(self, event) -> None:
        menu = self._owner._context_menu(self.mapToScene(event.pos()))
        if menu is not None:
            menu.exec(event.globalPos())
            event.accept()

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
        chosen = self._owner.selected_rows()
        if chosen:  # the selection stays in sight when the panel opens or changes size
            self._owner.show_row(chosen[0])


class TimelineWidget(TimelineMouse, TimelineBackdrop, QWidget):
    """A Gantt-like view of the leases of a VXI's components and links, with its periods."""

    lease_edited = Signal(str, Lease)
    period_selected = Signal(str)
    periods_edited = Signal(list, str)
    selection_requested = Signal(list)
    link_activity_requested = Signal(str, str, bool)
    period_values_requested = Signal(str, str)
    document_requested = Signal()
    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model: Infrastructure | None = None
        self._rows: list[Row] = []
        self._row_index: dict[str, int] = {}
        self._bars: dict[str, QGraphicsRectItem] = {}  # only the rows drawn so far (those scrolled into view)
        self._row_style: dict | None = None
        self._bands: dict[str, QGraphicsRectItem] = {}
        self._origin: datetime | None = None
        self._t_min, self._scale, self._snap = 0.0, 1.0, 60.0
        self._period = ""
        self._drag: tuple[Row, str] | None = None
        self._drag_value: tuple[float, float] | None = None
        self._edge_drag: Edge | None = None
        self._edge_value: list | None = None
        self._selected: set[str] = set()
        self._row_marks: dict[str, QGraphicsRectItem] = {}
        self._tip: QGraphicsSimpleTextItem | None = None
        self._stale = False  # rows not read yet (a large model while the timeline was hidden)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self.refresh)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.linkActivated.connect(lambda _link: self.document_requested.emit())
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
        self._fresh()
        return [r.id for r in self._rows]

    def bar_rect(self, object_id: str) -> QRectF:
        """The bar of a component or link, in scene coordinates."""
        self._fresh()
        bar = self._bars.get(object_id)
        if bar is not None:
            return bar.rect()
        index = self._row_index.get(object_id)
        return self._bar_geometry(index) if index is not None else QRectF()

    def period_rect(self, name: str) -> QRectF:
        """The band of a period, in scene coordinates."""
        self._fresh()
        band = self._bands.get(name)
        return band.rect() if band is not None else QRectF()

    def selected_period(self) -> str:
        """The selected period's name, "" when none."""
        return self._period

    def select_period(self, name: str) -> None:
        """Highlight the band of `name` ("" for none) without emitting."""
        self._fresh()
        self._period = name if name in self._bands else ""
        self._paint_bands()

    def select_rows(self, ids: list[str]) -> None:
        """Highlight the rows of these items (the canvas selection) and scroll the first into view."""
        if self._stale:  # kept for when the rows are read
            self._selected = set(ids)
            return
        wanted = {i for i in ids if i in self._row_index}
        if wanted == self._selected:
            return
        self._selected = wanted
        for ident in list(self._row_marks):
            self._mark_row(ident)
        for ident in wanted:
            self._mark_row(ident)
        if wanted:
            self.show_row(min(wanted, key=self._row_index.get))

    def show_row(self, ident: str) -> None:
        """Scroll a row into view, below the axis strip that stays at the top."""
        self._fresh()
        index = self._row_index.get(ident)
        if index is not None:
            top = AXIS_HEIGHT + index * ROW_HEIGHT
            self.view.ensureVisible(QRectF(0, top, 10, ROW_HEIGHT), 0, round(AXIS_HEIGHT) + 4)

    def selected_rows(self) -> list[str]:
        """The ids of the highlighted rows, in display order."""
        self._fresh()
        return [r.id for r in self._rows if r.id in self._selected]

    def edge_x(self, t: float) -> float:
        """The scene x of a moment, in seconds after the origin (a period edge, say)."""
        self._fresh()
        return self._x(t)

    def refresh(self) -> None:
        """Rebuild the timeline from the model (a large model's, while hidden: when first shown or asked)."""
        model = self._model
        if model is not None and not self.isVisible() and len(model.components) + len(model.links) > LAZY_ABOVE:
            self._stale = True
            return
        self._rebuild()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._rebuild()

    def _fresh(self) -> None:
        """Rows read now if they were left for later."""
        if self._stale:
            self._rebuild()

    def _rebuild(self) -> None:
        self._stale = False
        self._drag = None
        self.scene.clear()
        self._bars, self._bands, self._tip, self._header_item = {}, {}, None, None
        self._row_marks = {}
        self._edge_drag, self._edge_value = None, None
        self._row_style = None
        colours = palette_colours(self.palette())
        self.scene.setBackgroundBrush(colours["background"])
        self._rows = self._read_rows()
        self._row_index = {row.id: i for i, row in enumerate(self._rows)}
        self._selected &= set(self._row_index)
        if self._model is None:
            self.header.setText("No infrastructure")
            return
        periods = periods_of(self._model)
        ends = [r.start + r.duration for r in self._rows] + [p.end for p in periods] + [self._vxi_duration()]
        self._t_min = min([0.0] + [r.start for r in self._rows])
        span = max(ends) - self._t_min or 3600.0
        width = max(300.0, self.view.viewport().width() - LABEL_WIDTH - 44)
        self._scale = width / span
        self._snap = nice_step(span, 240)
        height = AXIS_HEIGHT + ROW_HEIGHT * max(1, len(self._rows)) + 8
        self.scene.setSceneRect(0, 0, LABEL_WIDTH + width + 24, height)
        self._draw_header(colours)
        self._draw_bands(height, colours)
        self._draw_axis(span, height, colours)
        self._row_style = self._make_row_style(colours)
        self._draw_visible_rows()
        self._paint_bands()
        self._update_header()
        self.refreshed.emit()

    # ----- reading the model -----
    def _vxi_duration(self) -> float:
        return float(self._model.lease.duration or 0.0) if self._model else 0.0

    def _read_rows(self) -> list[Row]:
        if self._model is None:
            return []
        vxi = self._model
        objects = [o for o in (*vxi.components.values(), *vxi.links.values()) if lease_of(o) is not None]
        starts = [lease_of(o).start for o in objects if lease_of(o).start is not None]
        self._origin = vxi.lease.start or (min(starts) if starts else None)
        fallback = vxi.lease.duration or max([p.end for p in periods_of(vxi)] + [3600.0])
        rows = []
        for obj in objects:
            lease = lease_of(obj)
            start = (lease.start - self._origin).total_seconds() if lease.start and self._origin else 0.0
            linked = hasattr(obj, "source")
            label = link_label(obj) if linked else obj.id
            rows.append(Row(obj.id, label, start, float(lease.duration or fallback), lease.is_empty(),
                             lease.start, linked, obj))
        return rows

    # ----- drawing -----
    def _x(self, t: float) -> float:
        return LABEL_WIDTH + (t - self._t_min) * self._scale

    def _t(self, x: float) -> float:
        return (x - LABEL_WIDTH) / self._scale + self._t_min

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
        label.setToolTip(plain_tip(f"{row.label} ({row.id})" if row.is_link else row.label))
        rect = self._bar_geometry(index)
        fill = style["link"] if row.is_link else style["inherited"] if row.inherited else style["own"]
        bar = self.scene.addRect(rect, style["pens"][row.inherited], fill)
        bar.setToolTip(plain_tip(self._bar_tip(row)))
        self._bars[row.id] = bar
        bar.setData(0, label)
        if row.is_link:
            self._draw_activity(row, bar, style)
        for x in (rect.left(), rect.right() - 3):
            handle = QGraphicsRectItem(QRectF(x, rect.top() + 2, 3, rect.height() - 4), bar)
            handle.setPen(style["no_pen"])
            handle.setBrush(style["handle"])
            handle.setData(1, "handle")
        if row.id in self._selected:
            self._mark_row(row.id)

    def _draw_activity(self, row: Row, bar: QGraphicsRectItem, style: dict) -> None:
        """Cut a link's bar where it is idle: solid where it carries traffic, a dotted outline where it is idle."""
        spans = activity_spans(row.obj, periods_of(self._model), row.start, row.start + row.duration)
        if not any(span.idle for span in spans):
            return
        rect = bar.rect()
        bar.setBrush(Qt.BrushStyle.NoBrush)
        bar.setPen(style["no_pen"])
        for span in spans:
            piece = QGraphicsRectItem(QRectF(self._x(span.start), rect.top(), (span.end - span.start) * self._scale,
                                             rect.height()), bar)
            piece.setData(1, "idle" if span.idle else "active")
            piece.setData(2, span.period or "")
            if span.idle:
                piece.setPen(style["idle"])
                piece.setBrush(Qt.BrushStyle.NoBrush)
                piece.setToolTip(plain_tip(f"{row.label}: idle in {span.period} (no bandwidth). Right-click to "
                                           "change."))
            else:
                piece.setPen(style["pens"][row.inherited])
                piece.setBrush(style["link"])
                piece.setToolTip(plain_tip(self._bar_tip(row)))

    def activity(self, object_id: str) -> list[tuple[float, float, bool]]:
        """A link's bar as drawn: (left x, right x, idle) of each piece, in scene coordinates."""
        self._fresh()
        index = self._row_index.get(object_id)
        if index is None:
            return []
        bar = self._bar_of(index)
        pieces = [c for c in bar.childItems() if c.data(1) in ("idle", "active")]
        if not pieces:
            return [(bar.rect().left(), bar.rect().right(), False)]
        return [(c.rect().left(), c.rect().right(), c.data(1) == "idle") for c in pieces]

    def _mark_row(self, ident: str) -> None:
        """Show or hide the highlight of a row (selected on the canvas), if the row is drawn."""
        mark = self._row_marks.pop(ident, None)
        if mark is not None:
            self.scene.removeItem(mark)
        bar = self._bars.get(ident)
        if bar is not None:
            label = bar.data(0)
            if label is not None:
                font = QFont(self.scene.font())
                font.setBold(ident in self._selected)
                label.setFont(font)
        if ident not in self._selected or ident not in self._row_index or self._row_style is None:
            return
        top = AXIS_HEIGHT + self._row_index[ident] * ROW_HEIGHT
        mark = self.scene.addRect(QRectF(0, top, self.scene.width(), ROW_HEIGHT), self._row_style["mark_pen"],
                                  self._row_style["mark"])
        mark.setZValue(-1.5)
        self._row_marks[ident] = mark

    def _bar_tip(self, row: Row) -> str:
        what = ("always available" if self._is_substrate() else "inherits the VXI lease") if row.inherited \
            else "own lease"
        when = moment_text(self._origin, row.start, "%Y-%m-%d %H:%M UTC") if self._origin else short(row.start)
        return f"{row.label}: {when}, {format_duration(row.duration)} ({what}). Drag an end to change it."

    def _is_substrate(self) -> bool:
        return isinstance(self._model, Substrate)

    def _update_header(self) -> None:
        if self._model is None:
            return
        lease = self._model.lease
        start = lease.start.strftime("%Y-%m-%d %H:%M UTC") if lease.start else "no start date"
        what = "substrate" if self._is_substrate() else "VXI"
        text = f"Lease of {self._model.id}: {start}"
        if lease.duration:
            text += f", {format_duration(lease.duration)}"
        if self._period:
            text += f" — period {self._period} selected"
        # a rich text header (its link): the id in it escaped, so that it shows as written
        self.header.setText(f"{html.escape(text)} &nbsp;<a href='properties'>{what} properties…</a>")
        self.header.setToolTip(f"Edit the {what}'s lease and periods in the inspector")

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.refresh()

    def closeEvent(self, event) -> None:
        self.set_model(None)
        super().closeEvent(event)

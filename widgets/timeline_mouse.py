"""The mouse on the lease timeline: dragging a bar's ends and a period's edges, selecting rows and periods,
the menu of a link in a period. A part of TimelineWidget (widgets/timeline.py), kept apart for its size."""

from __future__ import annotations

from datetime import timedelta, timezone

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QMenu

from backend.model import Lease
from backend.model.timing import format_duration, moment_text
from widgets.theme import palette_colours
from widgets.timeline_periods import Edge, edge_text, move_edge, period_edges
from widgets.timeline_rows import AXIS_HEIGHT, HANDLE, LABEL_WIDTH, ROW_HEIGHT, Row, periods_of, short


class TimelineMouse:
    """What the pointer does on the timeline; mixed into TimelineWidget, whose state it uses."""

    def _row_at(self, pos) -> int | None:
        index = int((pos.y() - AXIS_HEIGHT) // ROW_HEIGHT)
        if pos.y() < self._header_bottom() or not 0 <= index < len(self._rows):
            return None
        return index

    def _handle_at(self, pos) -> tuple[Row, str] | None:
        index = self._row_at(pos)
        if index is None:
            return None
        row = self._rows[index]
        rect = self._bar_of(index).rect()
        if abs(pos.x() - rect.right()) <= HANDLE:
            return row, "end"
        if abs(pos.x() - rect.left()) <= HANDLE and self._origin is not None:
            return row, "start"
        return None

    def _edge_at(self, pos) -> Edge | None:
        """A period edge under the pointer, in the strip of period names at the top."""
        if self._model is None or pos.x() < LABEL_WIDTH - HANDLE:
            return None
        if not (self._header_bottom() - AXIS_HEIGHT <= pos.y() < self._header_bottom()):
            return None
        edges = period_edges(periods_of(self._model))
        near = [e for e in edges if abs(self._x(e.t) - pos.x()) <= HANDLE]
        return min(near, key=lambda e: abs(self._x(e.t) - pos.x())) if near else None

    def _press(self, pos, toggle: bool = False) -> None:
        hit = self._handle_at(pos)
        if hit is not None:
            self._drag, self._drag_value = hit, (hit[0].start, hit[0].duration)
            self._plain_bar(hit[0])
            return
        edge = self._edge_at(pos)
        if edge is not None:
            self._edge_drag, self._edge_value = edge, None
            return
        index = self._row_at(pos)
        if index is not None and (pos.x() < LABEL_WIDTH or self._bar_of(index).rect().contains(pos)):
            self._select_row(self._rows[index].id, toggle)
            return
        if pos.x() < LABEL_WIDTH:
            return
        t = self._t(pos.x())
        name = next((p.name for p in periods_of(self._model) if p.offset <= t < p.end), "") if self._model else ""
        if name == self._period:
            name = ""  # a second click on the selected band clears it
        if name != self._period:
            self._period = name
            self._paint_bands()
            self.period_selected.emit(name)

    def _select_row(self, ident: str, toggle: bool) -> None:
        """A click on a row's bar or name: select that item (Ctrl: add it to or take it from the selection)."""
        chosen = set(self._selected) ^ {ident} if toggle else {ident}
        self.select_rows(sorted(chosen, key=self._row_index.get))
        self.selection_requested.emit(self.selected_rows())

    def _plain_bar(self, row: Row) -> None:
        """While a bar is dragged it is drawn whole (its active and idle pieces come back on release)."""
        style, bar = self._row_style, self._bars[row.id]
        for child in bar.childItems():
            if child.data(1) in ("idle", "active"):
                child.hide()
        bar.setPen(style["pens"][row.inherited])
        bar.setBrush(style["link"] if row.is_link else style["inherited"] if row.inherited else style["own"])

    def _move(self, pos) -> None:
        if self._edge_drag is not None:
            self._move_edge(pos)
            return
        if self._drag is None:
            near = self._handle_at(pos) is not None or self._edge_at(pos) is not None
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
        handles = [c for c in bar.childItems() if c.data(1) == "handle"]
        for handle, x in zip(handles, (rect.left(), rect.right() - 3), strict=True):
            handle.setRect(QRectF(x, rect.top() + 2, 3, rect.height() - 4))
        self._show_tip(rect, start, duration)

    def _move_edge(self, pos) -> None:
        """Follow the pointer with the dragged period edge: the bands and their names move with it."""
        periods = periods_of(self._model)
        moved = move_edge(periods, self._edge_drag, self._t(pos.x()), self._snap)
        if moved is None:
            return
        self._edge_value = moved
        for period in moved:
            band, top = self._bands.get(period.name), self._header_bands.get(period.name)
            if band is None:
                continue
            band.setRect(QRectF(self._x(period.offset), band.rect().top(), period.duration * self._scale,
                                band.rect().height()))
            top.setRect(QRectF(band.rect().left(), 0, band.rect().width(), AXIS_HEIGHT))
            label = self._band_labels[period.name]
            label.setX(band.rect().center().x() - label.boundingRect().width() / 2)
        changed = next((p for p in moved if p not in periods), moved[0])
        rect = self._bands[changed.name].rect()
        self._show_tip(QRectF(rect.left(), self._header_bottom() + 14, rect.width(), 1), changed.offset,
                       changed.duration)

    def _context_menu(self, pos) -> QMenu | None:
        """The menu of a right-click on a link's bar inside a period: active or idle there, edit its values."""
        index = self._row_at(pos)
        if index is None or self._model is None:
            return None
        row = self._rows[index]
        t = self._t(pos.x())
        period = next((p.name for p in periods_of(self._model) if p.offset <= t < p.end), None)
        if not row.is_link or period is None or not hasattr(row.obj, "idle_in"):
            return None
        return self.period_menu(row.id, period)

    def period_menu(self, link_id: str, period: str) -> QMenu:
        """The menu for a link in a period: "Active in II" (checked unless idle) and "Edit the values in II…"."""
        link = self._model.links[link_id]
        menu = QMenu(self)
        active = menu.addAction(f"Active in {period}")
        active.setCheckable(True)
        active.setChecked(not link.idle_in(period))
        active.toggled.connect(lambda on: self.link_activity_requested.emit(link_id, period, on))
        values = menu.addAction(f"Edit the values in {period}…")
        values.triggered.connect(lambda: self.period_values_requested.emit(link_id, period))
        return menu

    def _show_tip(self, rect: QRectF, start: float, duration: float) -> None:
        if self._tip is None:
            self._tip = self.scene.addSimpleText("")
            self._tip.setZValue(11)
            self._tip.setBrush(palette_colours(self.palette())["text"])
        when = moment_text(self._origin, start, "%H:%M") if self._origin else short(start)
        self._tip.setText(f"{when} + {format_duration(duration)}")
        self._tip.setPos(rect.left(), rect.top() - 16)

    def _release(self) -> None:
        if self._edge_drag is not None:
            edge, moved = self._edge_drag, self._edge_value
            self._edge_drag, self._edge_value = None, None
            self._hide_tip()
            if moved is not None and moved != periods_of(self._model):
                self.periods_edited.emit(moved, edge_text(edge, moved))
            return
        if self._drag is None:
            return
        (row, side), (start, duration) = self._drag, self._drag_value
        self._drag = None
        self._hide_tip()
        if (start, duration) == (row.start, row.duration):
            self.refresh()
            return
        moved = side == "start"
        new_start = (self._origin + timedelta(seconds=start)).astimezone(timezone.utc) if moved else row.own_start
        row.start, row.duration = start, duration
        self.lease_edited.emit(row.id, Lease(new_start, duration))

    def _hide_tip(self) -> None:
        if self._tip is not None:
            self.scene.removeItem(self._tip)
            self._tip = None

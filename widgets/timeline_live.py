"""The lease timeline as a live view of a deployment: a "now" line moving over the lease and the period bands,
the periods already over dimmed, and a line under the header with the state, the period in force and a
countdown to the next change. A layer over a `TimelineWidget`: it draws again after each rebuild of it.

    live = TimelineLive(timeline)
    live.follow(lease_start, clock, periods, phase, period, next_change)   # times in epoch seconds
    live.tick()          # move the line and the countdown (the caller's timer; the clock gives the time)
    live.clear()         # nothing deployed
    live.now_x() -> float | None;  live.dimmed() -> list[str];  live.label.text()
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsRectItem, QGraphicsSimpleTextItem, QLabel
from shiboken6 import isValid

from backend.model.timing import format_timestamp
from widgets.plain import plain_tip
from widgets.theme import palette_colours
from widgets.timeline import TimelineWidget
from widgets.timeline_rows import AXIS_HEIGHT

NOW_COLOUR = "#d7263d"


def countdown(seconds: float) -> str:
    """'2 h 05 min', '12 min 30 s', '42 s'."""
    seconds = max(0, int(math.ceil(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _alive(item) -> bool:
    """An item still in a scene (a rebuild of the timeline clears its scene, deleting ours with it)."""
    return item is not None and isValid(item) and item.scene() is not None


class TimelineLive(QObject):
    """Draws where a deployment is in its lease over a timeline widget."""

    def __init__(self, timeline: TimelineWidget) -> None:
        super().__init__(timeline)
        self.timeline = timeline
        self.label = QLabel()
        self.label.setObjectName("timeline-live")
        self.label.setVisible(False)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        timeline.layout().insertWidget(1, self.label)
        self._facts: dict | None = None
        self._line: QGraphicsLineItem | None = None
        self._text: QGraphicsSimpleTextItem | None = None
        self._dims: dict[str, QGraphicsRectItem] = {}
        timeline.refreshed.connect(self._redraw)

    # ----- public -----
    def follow(self, lease_start: float, clock, periods: list, phase: str, period: str | None,
               next_change: dict | None, title: str = "") -> None:
        """Show a deployment: its VXI's lease start (offset 0 of the timeline), the deployments' clock, its
        periods ([name, start, end], epoch seconds), its phase (scheduled, running, ended), the period in force
        and the next change ({"at", "what"} or None)."""
        self._facts = {"start": lease_start, "clock": clock, "periods": periods, "phase": phase, "period": period,
                       "next": next_change, "title": title}
        self.label.setVisible(True)
        self._redraw()

    def clear(self) -> None:
        """Nothing deployed: no line, nothing dimmed, no countdown."""
        self._facts = None
        self.label.setVisible(False)
        self._remove()

    def tick(self) -> None:
        """Move the now line and the countdown to the clock's time."""
        if self._facts is None:
            return
        if not _alive(self._line):
            self._redraw()
            return
        x = self._x_now()
        self._line.setLine(x, 0, x, self.timeline.scene.sceneRect().height())
        self._text.setX(x + 3)
        self._dim_past()
        self.label.setText(self._words())

    def now_x(self) -> float | None:
        """The scene x of the now line (None when none is drawn)."""
        return self._line.line().x1() if _alive(self._line) else None

    def dimmed(self) -> list[str]:
        """The periods drawn as over."""
        return [name for name, item in self._dims.items() if _alive(item) and item.isVisible()]

    # ----- drawing -----
    def _now(self) -> float:
        return self._facts["clock"].now()

    def _x_now(self) -> float:
        return self.timeline.edge_x(self._now() - self._facts["start"])

    def _remove(self) -> None:
        for item in (self._line, *self._dims.values()):
            if _alive(item):  # (a rebuild of the timeline deletes them itself)
                item.scene().removeItem(item)
        self._line, self._text, self._dims = None, None, {}

    def _redraw(self) -> None:
        self._remove()
        if self._facts is None or self.timeline.scene.sceneRect().height() <= 0:
            return
        scene = self.timeline.scene
        height = scene.sceneRect().height()
        background = QColor(palette_colours(self.timeline.palette())["background"])
        background.setAlpha(150)
        for name, _start, _end in self._facts["periods"]:
            band = self.timeline.period_rect(name)
            if band.isEmpty():
                continue
            dim = scene.addRect(QRectF(band.left(), AXIS_HEIGHT, band.width(), height - AXIS_HEIGHT),
                                QPen(Qt.PenStyle.NoPen), background)
            dim.setZValue(4)
            dim.setToolTip(plain_tip(f"Period {name} is over"))
            self._dims[name] = dim
        x = self._x_now()
        self._line = scene.addLine(x, 0, x, height, QPen(QColor(NOW_COLOUR), 2))
        self._line.setZValue(12)  # over the header strip too
        self._text = QGraphicsSimpleTextItem("now", self._line)
        self._text.setBrush(QColor(NOW_COLOUR))
        self._text.setPos(x + 3, AXIS_HEIGHT - 34)
        self._line.setToolTip("now")
        self.tick()

    def _dim_past(self) -> None:
        now = self._now()
        for name, _start, end in self._facts["periods"]:
            if _alive(self._dims.get(name)):
                self._dims[name].setVisible(end <= now)

    def _words(self) -> str:
        facts, now = self._facts, self._now()
        clock = facts["clock"]
        speed = "" if clock.is_real else f" (clock ×{clock.speed:g})"
        title = f"{facts['title']}: " if facts["title"] else ""
        if facts["phase"] == "ended":
            return f"{title}ended: its lease is over{speed}"
        state = "scheduled" if facts["phase"] == "scheduled" else "running"
        if facts["period"]:
            state += f", period {facts['period']}"
        change = facts["next"]
        if change is None:
            return f"{title}{state}; no change until it is torn down{speed}"
        left = change["at"] - now
        when = f"in {countdown(left)}" if left > 0 else "due now"
        return (f"{title}{state}; next: {change['what']} {when} "
                f"(at {format_timestamp(change['at'], '%H:%M:%S UTC')}){speed}")

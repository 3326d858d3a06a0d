"""The timeline's backdrop, as a mixin of TimelineWidget: the axis strip pinned at the top with its ticks,
the named periods as bands (with their names in the strip), and the pens and brushes every row shares."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsRectItem, QGraphicsSimpleTextItem

from backend.model.timing import format_duration, moment_text
from widgets.plain import plain_tip
from widgets.theme import blend, palette_colours
from widgets.timeline_rows import AXIS_HEIGHT, LABEL_WIDTH, nice_step, periods_of, short


class TimelineBackdrop:
    """Draws the axis, the period bands and their labels of a TimelineWidget (which holds the scene, the view,
    the model and the time scale)."""

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
        for i, period in enumerate(periods_of(self._model)):
            rect = QRectF(self._x(period.offset), 0, period.duration * self._scale, height)
            tip = f"Period {period.name}: {short(period.offset)} for {format_duration(period.duration)}"
            band = self.scene.addRect(rect, no_pen, colours["band_alt" if i % 2 else "band"])
            band.setZValue(-2)
            band.setToolTip(plain_tip(tip))
            top = QGraphicsRectItem(QRectF(rect.left(), 0, rect.width(), AXIS_HEIGHT), self._header_item)
            top.setPen(no_pen)
            top.setToolTip(plain_tip(tip))
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
        step = nice_step(span, max(2, int(span * self._scale / 90)))
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
            return short(t)
        return moment_text(self._origin, t, "%d %b" if step >= 86400 else "%H:%M")

    def _make_row_style(self, colours: dict) -> dict:
        """Brushes, pens and font metrics shared by every row."""
        border = colours["item_border"]
        own, inherited = (QBrush(blend(colours["background"], colours["selection"], t)) for t in (0.6, 0.3))
        return {"text": QBrush(colours["text"]), "handle": QBrush(border), "no_pen": QPen(Qt.PenStyle.NoPen),
                "pens": {False: QPen(border, 1.2), True: QPen(border, 1.2, Qt.PenStyle.DashLine)},
                "own": own, "inherited": inherited, "link": QBrush(colours["link"]),
                "idle": QPen(colours["link"], 1.4, Qt.PenStyle.DotLine), "mark": QBrush(colours["selection_fill"]),
                "mark_pen": QPen(colours["selection"], 1), "metrics": QFontMetricsF(self.scene.font())}

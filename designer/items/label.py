"""A text label on a halo that grows when zoomed out (up to 3x), so it stays readable; hidden when tiny."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

_FONTS: list = []


def _fonts() -> tuple[QFont, QFont, QFontMetricsF, QFontMetricsF]:
    """The label fonts and their metrics, made once (after the application exists)."""
    if not _FONTS:
        plain = QFont()
        plain.setPointSizeF(8.5)
        bold = QFont(plain)
        bold.setBold(True)
        _FONTS.extend([plain, bold, QFontMetricsF(plain), QFontMetricsF(bold)])
    return tuple(_FONTS)


_ADVANCES: dict[tuple[bool, str], float] = {}  # link labels repeat ("⇄ ≥ 100 Mbit/s · ≤ 10 ms"): measure once


def _advance(metrics: QFontMetricsF, bold: bool, line: str) -> float:
    """The width of `line` in the label font (bold or not), cached."""
    key = (bold, line)
    advance = _ADVANCES.get(key)
    if advance is None:
        if len(_ADVANCES) > 20000:
            _ADVANCES.clear()
        advance = _ADVANCES[key] = metrics.horizontalAdvance(line)
    return advance


MAX_GROWTH = 3.0
MIN_SCREEN_SCALE = 0.45


class LabelItem(QGraphicsItem):
    """One or two centred lines of text hanging below (or centred on) an anchor point."""

    def __init__(self, parent: QGraphicsItem, centred: bool = False) -> None:
        super().__init__(parent)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._lines: list[str] = []
        self._centred = centred
        self._font, self._bold, self._metrics, self._bold_metrics = _fonts()
        self._rect = QRectF()
        self._placed: list[tuple[QFont, QPointF, str]] = []
        self.text_colour = QColor("black")
        self.halo_colour = QColor("white")

    def set_lines(self, lines: list[str]) -> None:
        """Replace the text (first line bold)."""
        if lines == self._lines:
            return
        self.prepareGeometryChange()
        self._lines = list(lines)
        self._rect = self._measure()
        self.update()

    def text_rect(self) -> QRectF:
        """The halo's rectangle at 100 % (item coordinates)."""
        return QRectF(self._rect)

    def lines(self) -> list[str]:
        """The text lines shown."""
        return list(self._lines)

    def set_colours(self, text: QColor, halo: QColor) -> None:
        """Colours of the text and of the halo behind it."""
        self.text_colour, self.halo_colour = QColor(text), QColor(halo)
        self.halo_colour.setAlpha(215)
        self.update()

    def _measure(self) -> QRectF:
        width, height = 0.0, 0.0
        sizes = []
        for i, line in enumerate(self._lines):
            metrics = self._bold_metrics if i == 0 else self._metrics
            advance = _advance(metrics, i == 0, line)
            sizes.append((advance, metrics.ascent(), metrics.height()))
            width = max(width, advance)
            height += metrics.height()
        rect = QRectF(-width / 2 - 3, 0, width + 6, height + 2)
        if self._centred:
            rect.moveTop(-rect.height() / 2)
        self._placed = []
        y = rect.top() + 1
        for i, (line, (advance, ascent, line_height)) in enumerate(zip(self._lines, sizes, strict=True)):
            self._placed.append((self._bold if i == 0 else self._font, QPointF(-advance / 2, y + ascent), line))
            y += line_height
        return rect

    def boundingRect(self) -> QRectF:
        rect = self._rect
        return QRectF(rect.left() * MAX_GROWTH, rect.top() * MAX_GROWTH if self._centred else rect.top(),
                      rect.width() * MAX_GROWTH, rect.height() * MAX_GROWTH)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if not self._lines:
            return
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        growth = min(MAX_GROWTH, max(1.0, 1.0 / lod)) if lod > 0 else MAX_GROWTH
        if lod * growth < MIN_SCREEN_SCALE:
            return  # too small to read: drawing it would only cost time
        painter.scale(growth, growth)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.halo_colour)
        painter.drawRoundedRect(self._rect, 3, 3)
        painter.setPen(self.text_colour)
        for font, point, line in self._placed:
            painter.setFont(font)
            painter.drawText(point, line)

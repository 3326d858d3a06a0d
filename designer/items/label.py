"""A text label drawn at a constant screen size, on a halo, so it stays readable at every zoom."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget


class LabelItem(QGraphicsItem):
    """One or two centred lines of text hanging below (or centred on) an anchor point."""

    def __init__(self, parent: QGraphicsItem, centred: bool = False) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._lines: list[str] = []
        self._centred = centred
        self._font = QFont()
        self._font.setPointSizeF(8.5)
        self._bold = QFont(self._font)
        self._bold.setBold(True)
        self._rect = QRectF()
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
        for i, line in enumerate(self._lines):
            metrics = QFontMetricsF(self._bold if i == 0 else self._font)
            width = max(width, metrics.horizontalAdvance(line))
            height += metrics.height()
        rect = QRectF(-width / 2 - 3, 0, width + 6, height + 2)
        if self._centred:
            rect.moveTop(-rect.height() / 2)
        return rect

    def boundingRect(self) -> QRectF:  # noqa: N802
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not self._lines:
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.halo_colour)
        painter.drawRoundedRect(self._rect, 3, 3)
        painter.setPen(self.text_colour)
        y = self._rect.top() + 1
        for i, line in enumerate(self._lines):
            font = self._bold if i == 0 else self._font
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.drawText(QPointF(-metrics.horizontalAdvance(line) / 2, y + metrics.ascent()), line)
            y += metrics.height()

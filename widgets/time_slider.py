"""A slider across moments in time (stretches between lease and period boundaries), each mark labelled
under the slider and the chosen moment described beside it.

Public API:
    TimeSlider(parent=None)
        set_moments(descriptions: list[str], marks: list[str], current: int = 0)
        current() -> int,  description() -> str
        signal moment_changed(int)
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFontMetricsF, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QStyleOptionSlider, QVBoxLayout, QWidget

from widgets.theme import palette_colours


class _Marks(QWidget):
    """The short label of each mark, drawn under the slider's ticks (labels that would overlap are skipped)."""

    def __init__(self, slider: QSlider) -> None:
        super().__init__()
        self.slider = slider
        self.marks: list[str] = []
        self.setMinimumHeight(round(QFontMetricsF(self.font()).height()) + 2)

    def paintEvent(self, _event) -> None:
        if not self.marks:
            return
        painter = QPainter(self)
        colours = palette_colours(self.palette())
        metrics = QFontMetricsF(self.font())
        option = QStyleOptionSlider()
        self.slider.initStyleOption(option)
        groove = self.slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                                    QStyle.SubControl.SC_SliderGroove, self.slider)
        handle = self.slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                                    QStyle.SubControl.SC_SliderHandle, self.slider)
        span = groove.width() - handle.width()
        last_right = -1e9
        for i, text in enumerate(self.marks):
            x = groove.left() + handle.width() / 2 + QStyle.sliderPositionFromValue(
                self.slider.minimum(), self.slider.maximum(), i, span)
            width = metrics.horizontalAdvance(text)
            left = min(max(0.0, x - width / 2), self.width() - width)
            if left < last_right + 6:
                continue
            painter.setPen(colours["text"] if i == self.slider.value() else colours["muted_text"])
            painter.drawText(QRectF(left, 0, width + 1, self.height()), Qt.AlignmentFlag.AlignLeft, text)
            last_right = left + width
        painter.end()


class TimeSlider(QWidget):
    """Choose one of several moments; the chosen one is described in words."""

    moment_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.setAccessibleName("Moment")
        self.marks = _Marks(self.slider)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # descriptions name hosts
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.descriptions: list[str] = []
        title = QLabel("When:")
        row = QHBoxLayout()
        row.addWidget(title)
        row.addWidget(self.text, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.slider)
        column.addWidget(self.marks)
        self.slider.valueChanged.connect(self._changed)
        self.set_moments([], [])

    def set_moments(self, descriptions: list[str], marks: list[str], current: int = 0) -> None:
        """Offer these moments (a description and a short mark each) and select `current`."""
        self.descriptions = list(descriptions)
        self.marks.marks = list(marks)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(descriptions) - 1))
        self.slider.setValue(min(max(0, current), max(0, len(descriptions) - 1)))
        self.slider.blockSignals(False)
        self.slider.setEnabled(len(descriptions) > 1)
        self._show()
        self.marks.update()

    def current(self) -> int:
        """The index of the chosen moment."""
        return self.slider.value()

    def description(self) -> str:
        """The words shown for the chosen moment."""
        return self.text.text()

    def _changed(self, value: int) -> None:
        self._show()
        self.marks.update()
        self.moment_changed.emit(value)

    def _show(self) -> None:
        i = self.slider.value()
        self.text.setText(self.descriptions[i] if 0 <= i < len(self.descriptions) else "no embedding yet")

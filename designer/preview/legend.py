"""The preview's legend, beside the drawing at the window's own text size: one meaning per line kind
(physical links coloured by load, virtual links and chips by request), the placed requests with their letter
and colour, and the refused ones apart, with their reason and no letter (nothing of theirs is drawn)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from widgets.substrate_items import LOAD_BANDS, LOAD_COLOURS, vxi_colour, vxi_letter
from widgets.theme import is_dark, palette_colours


def letter_icon(letter: str, colour: QColor, size: int = 18) -> QIcon:
    """The square a request's chips carry: its letter on its colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(0, 0, size, size), 4, 4)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(round(size * 0.62))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return QIcon(pixmap)


def _line(colour: QColor, dashed: bool = False) -> str:
    glyph = "╍╍╍" if dashed else "━━━"
    return f"<span style='color:{colour.name()}; font-weight:bold'>{glyph}</span>"


def _swatch(line: str, label: str) -> str:
    """A line sample and its label, kept on one line."""
    return f"<span style='white-space:nowrap'>{line}&nbsp;{label.replace(' ', '&nbsp;')}</span>"


class PreviewLegend(QWidget):
    """Line kinds, then 'Placed requests (n)' and 'Refused requests (n)' as two lists."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = QLabel()
        self.lines.setWordWrap(True)
        self.lines.setTextFormat(Qt.TextFormat.RichText)
        self.lines.setAccessibleName("What the colours mean")
        self.placed_title = QLabel("Placed requests (0)")
        self.placed_list = QListWidget()
        self.placed_list.setAccessibleName("Placed requests")
        self.placed_list.setMinimumHeight(48)
        self.placed_list.setMaximumHeight(120)
        self.refused_title = QLabel("Refused requests (0)")
        self.refused_list = QListWidget()
        self.refused_list.setWordWrap(True)
        self.refused_list.setAccessibleName("Refused requests")
        self.refused_list.setMinimumHeight(64)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.lines, 0), (self.placed_title, 0), (self.placed_list, 0),
                                (self.refused_title, 0), (self.refused_list, 1)):
            layout.addWidget(widget, stretch)
        self.entries: list[tuple[int, str, str]] = []  # (request index, id, where) of the placed ones
        self.refused: list[tuple[str, str]] = []
        self.apply_theme()

    def apply_theme(self) -> None:
        """The line swatches in the current palette's colours."""
        colours = palette_colours(self.palette())
        loads = LOAD_COLOURS[is_dark(self.palette())]
        scale = ", ".join(_swatch(_line(QColor(c)), label) for c, (_l, label) in zip(loads, LOAD_BANDS, strict=True))
        self.lines.setText(
            "<b>Physical links</b> (thick lines) are coloured by their <i>load</i>, in the busier direction: "
            f"{_swatch(_line(colours['link']), 'idle')}, {scale}; "
            f"{_swatch(_line(colours['provisioned'], True), 'dashed')}: provisioned, used only when nothing else "
            "fits.<br>"
            "<b>Virtual links</b> (thin lines beside the physical links they use) and <b>chips</b> in the hosts "
            "take the colour and letter of their <i>request</i>, listed below.")
        self._fill_placed()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.apply_theme()

    def set_requests(self, placed: list[tuple[int, str, str]], refused: list[tuple[str, str]],
                     known: bool = True) -> None:
        """`placed`: (index in the mapping, id, where it runs now); `refused`: (id, reason). `known` False
        when nothing could be computed (the lists then stay empty, without 'Every request fits')."""
        self.entries, self.refused = list(placed), list(refused)
        self._fill_placed()
        self.refused_list.clear()
        self.refused_title.setText(f"Refused requests ({len(refused)})")
        for vxi_id, reason in refused:
            item = QListWidgetItem(f"{vxi_id}: {reason}")
            item.setToolTip(reason)
            self.refused_list.addItem(item)
        if not refused and known:
            item = QListWidgetItem("Every request fits.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.refused_list.addItem(item)

    def _fill_placed(self) -> None:
        self.placed_list.clear()
        self.placed_title.setText(f"Placed requests ({len(self.entries)})")
        for index, vxi_id, where in self.entries:
            letter = vxi_letter(index)
            item = QListWidgetItem(letter_icon(letter, vxi_colour(index)), f"{vxi_id}: {where}")
            item.setData(Qt.ItemDataRole.UserRole, letter)
            item.setToolTip(f"{letter}: {vxi_id}, {where}")
            self.placed_list.addItem(item)

    def placed_lines(self) -> list[str]:
        """'A  VXI1: 4 parts on P2, P3, P4' per placed request."""
        return [f"{self.placed_list.item(i).data(Qt.ItemDataRole.UserRole)}  {self.placed_list.item(i).text()}"
                for i in range(self.placed_list.count())]

    def refusal_lines(self) -> list[str]:
        """'VXI1: reason' per refused request."""
        return [self.refused_list.item(i).text() for i in range(self.refused_list.count())
                if self.refused_list.item(i).flags() != Qt.ItemFlag.NoItemFlags]

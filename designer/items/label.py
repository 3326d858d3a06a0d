"""A label: one or two lines of text on a halo, placed by the scene's label layout (never on its own)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.items.tags import LABEL, tag

LABEL_Z = 5.0
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


# link labels repeat ("⇄ ≥ 100 Mbit/s · 10 ms"): measure once; plain and bold apart (a tuple key per line was 64
# bytes more, 0.7 MB for 11,000 labels); ids differ but their widths are few: one float object for each width
_ADVANCES: tuple[dict[str, float], dict[str, float]] = ({}, {})
_WIDTHS: dict[float, float] = {}


def _advance(metrics: QFontMetricsF, bold: bool, line: str) -> float:
    """The width of `line` in the label font (bold or not), cached."""
    known = _ADVANCES[bold]
    advance = known.get(line)
    if advance is None:
        if len(known) > 20000:
            known.clear()
            _WIDTHS.clear()
        advance = metrics.horizontalAdvance(line)
        advance = known[line] = _WIDTHS.setdefault(advance, advance)
    return advance


def label_size(lines: list[str], bold_first: bool) -> tuple[float, float]:
    """Width and height of the halo of a label of `lines` before scaling (LabelItem.size), with no item made: the
    layout asks it of every label it tries, most of which find no free spot."""
    _plain, _bold, metrics, bold_metrics = _fonts()
    if not lines:
        return 0.0, 0.0
    width = height = 0.0
    for i, line in enumerate(lines):
        bold = i == 0 and bold_first
        chosen = bold_metrics if bold else metrics
        width = max(width, _advance(chosen, bold, line))
        height += chosen.height()
    return width + 6, height + 2


class LabelItem(QGraphicsItem):
    """The text of a component or link, its rectangle starting at (0, 0); hidden until the layout shows it.

    The layout sets its position and its scale (larger when zoomed out, so the text stays readable) and
    shows it only where it covers no component and no other label. It takes no mouse button: a press on a
    label reaches what lies under it (the view selects the label's link or component)."""

    def __init__(self, owner_id: str, bold_first: bool = True) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(LABEL_Z)
        self._all_lines: list[str] = []
        self._lines: list[str] = []
        self._compact = False
        self._bold_first = bold_first
        self._font, self._bold, self._metrics, self._bold_metrics = _fonts()
        self._rect = QRectF()
        self._placed: list[tuple[QFont, QPointF, str]] = []
        self.text_colour = QColor("black")
        self.halo_colour = QColor("white")
        tag(self, LABEL, owner_id)
        self.hide()

    def set_lines(self, lines: list[str]) -> bool:
        """Replace the text (first line bold); True when the size changed."""
        if lines == self._all_lines:
            return False
        self._all_lines = list(lines)
        return self._relayout()

    def set_compact(self, compact: bool) -> bool:
        """Show only the first line (far out); True when the size changed."""
        if compact == self._compact:
            return False
        self._compact = compact
        return self._relayout()

    def _relayout(self) -> bool:
        lines = self._all_lines[:1] if self._compact else self._all_lines
        if lines == self._lines:
            return False
        old = self._rect.size()
        self.prepareGeometryChange()
        self._lines = lines
        self._rect = self._measure()
        self.update()
        return self._rect.size() != old

    def text_rect(self) -> QRectF:
        """The halo's rectangle (item coordinates, before the layout's scale)."""
        return QRectF(self._rect)

    def size(self) -> tuple[float, float]:
        """Width and height of the halo before scaling."""
        return self._rect.width(), self._rect.height()

    def lines(self) -> list[str]:
        """Every text line of the label (also those a compact label leaves out)."""
        return list(self._all_lines)

    def shown_lines(self) -> list[str]:
        """The lines drawn now."""
        return list(self._lines)

    def set_owner(self, owner_id: str) -> None:
        """The component or link was renamed."""
        tag(self, LABEL, owner_id)

    def set_colours(self, text: QColor, halo: QColor) -> None:
        """Colours of the text and of the halo behind it."""
        self.text_colour, self.halo_colour = QColor(text), QColor(halo)
        self.halo_colour.setAlpha(215)
        self.update()

    def _measure(self) -> QRectF:
        rect, self._placed = measure_label(self._lines, self._bold_first)
        return rect

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        if self._lines:
            paint_label(painter, self._rect, self._placed, self.text_colour, self.halo_colour)


def measure_label(lines: list[str], bold_first: bool) -> tuple[QRectF, list[tuple[QFont, QPointF, str]]]:
    """The halo's rectangle of a label of `lines` (from (0, 0), before scaling), and where each line's text goes."""
    plain, bold_font, metrics, bold_metrics = _fonts()
    width, height = 0.0, 0.0
    sizes = []
    for i, line in enumerate(lines):
        bold = i == 0 and bold_first
        chosen = bold_metrics if bold else metrics
        advance = _advance(chosen, bold, line)
        sizes.append((advance, chosen.ascent(), chosen.height()))
        width = max(width, advance)
        height += chosen.height()
    rect = QRectF(0, 0, width + 6, height + 2) if lines else QRectF()
    placed = []
    y = 1.0
    for i, (line, (advance, ascent, line_height)) in enumerate(zip(lines, sizes, strict=True)):
        font = bold_font if i == 0 and bold_first else plain
        placed.append((font, QPointF((rect.width() - advance) / 2, y + ascent), line))
        y += line_height
    return rect, placed


def paint_label(painter: QPainter, rect: QRectF, placed: list[tuple[QFont, QPointF, str]], text: QColor,
                halo: QColor) -> None:
    """A label's halo and text (the painter at the label's corner, scaled)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(halo)
    painter.drawRoundedRect(rect, 3, 3)
    painter.setPen(text)
    for font, point, line in placed:
        painter.setFont(font)
        painter.drawText(point, line)


class LabelHolder:
    """A scene item whose label (a scene item of its own, placed by the scene's label layout) is made when first
    needed; the holder gives `ident`, `design` and `label_lines()`."""

    label_bold_first = True  # the first line (the id) in bold
    _label: LabelItem | None = None

    @property
    def label(self) -> LabelItem:
        """The label, made now if it was not yet."""
        if self._label is None:
            self._label = LabelItem(self.ident, bold_first=self.label_bold_first)
            self._label.set_lines(self.label_lines())
            colours = self.design.colours
            self._label.set_colours(colours["text"], colours["background"])
            if self.scene() is not None:
                self.scene().addItem(self._label)
        return self._label

    def label_size(self, compact: bool) -> tuple[float, float]:
        """The size its label has (compact: the first line only), without making the label when it has none."""
        if self._label is not None:
            self._label.set_compact(compact)
            return self._label.size()
        lines = self.label_lines()
        return label_size(lines[:1] if compact else lines, self.label_bold_first)

    def has_label(self) -> bool:
        """Whether the label item exists yet."""
        return self._label is not None

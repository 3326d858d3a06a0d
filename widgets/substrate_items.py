"""Scene items of the substrate view: host boxes with usage bars and the chips of the components placed
on them, physical links with their load, virtual links along their paths, the legend.

Colour is never the only signal: every bar and link carries its numbers, every chip its VXI letter and id,
provisioned parts are dashed and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from widgets.plain import plain_tip
from widgets.theme import blend

BOX_WIDTH = 220.0
PAD = 6.0
TITLE_HEIGHT = 20.0
BAR_HEIGHT = 16.0
CHIP_HEIGHT = 18.0
GAP = 3.0

# One colour per request, away from the green/amber/red of the load scale (colours mean one thing).
VXI_COLOURS = ("#1f6fb4", "#8e4fc0", "#138f9e", "#c2448f", "#8c5a3c", "#3b4cc0", "#5f7d1a", "#b0336b")
LOAD_COLOURS = {False: ("#2e7d32", "#b26a00", "#c62828"), True: ("#66bb6a", "#ffb74d", "#ff6b6b")}
LOAD_BANDS = ((0.5, "under 50 %"), (0.8, "50 to 80 %"), (float("inf"), "80 % and over"))
DETAIL_ZOOM = 0.55  # on a large substrate, below this scale boxes are tiles and link labels are left out


def far(painter: QPainter, detail_zoom: float) -> bool:
    """True when the view's scale while painting is below `detail_zoom` (0: never)."""
    return bool(detail_zoom) and QStyleOptionGraphicsItem.levelOfDetailFromTransform(
        painter.worldTransform()) < detail_zoom

TEXT_PT = 9.0  # every text of the view, so that it reads at 9 pt or more from 100 % zoom up


def vxi_colour(index: int) -> QColor:
    """The colour of the index-th request."""
    return QColor(VXI_COLOURS[index % len(VXI_COLOURS)])


def vxi_letter(index: int) -> str:
    """A, B, ... Z, AA, ...: the tag that names a request on its chips without relying on colour."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def load_colour(colours: dict[str, QColor], fraction: float | None, dark: bool = False) -> QColor:
    """Neutral when unused or unknown, then green, amber, red by band of the load scale."""
    if not fraction:
        return QColor(colours["link"])
    for (limit, _label), colour in zip(LOAD_BANDS, LOAD_COLOURS[dark], strict=True):
        if fraction < limit:
            return QColor(colour)
    return QColor(LOAD_COLOURS[dark][-1])


def small_font(size: float = TEXT_PT, bold: bool = False) -> QFont:
    """The font of labels in the view."""
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


_METRICS: dict[float, QFontMetricsF] = {}


def metrics_of(size: float) -> QFontMetricsF:
    """Font metrics of small_font(size), made once (thousands of labels are measured per redraw)."""
    if size not in _METRICS:
        _METRICS[size] = QFontMetricsF(small_font(size))
    return _METRICS[size]


@dataclass
class Bar:
    """One resource of a host: used, capacity (None = unlimited) and the text that states them."""

    name: str
    used: float
    capacity: float | None
    text: str

    @property
    def fraction(self) -> float | None:
        """Used / capacity, or None without a capacity."""
        return self.used / self.capacity if self.capacity else None


class ChipItem(QGraphicsItem):
    """A virtual component placed on a host: a letter square in its VXI's colour and its id."""

    def __init__(self, request: str, component: str, letter: str, colour: QColor, colours: dict, tip: str,
                 parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.request, self.component, self.letter = request, component, letter
        self.colour, self.colours = colour, colours
        self.font = small_font(TEXT_PT)
        metrics = metrics_of(TEXT_PT)
        self.width = CHIP_HEIGHT + 4 + metrics.horizontalAdvance(component) + 6
        self.setToolTip(plain_tip(tip))

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.width, CHIP_HEIGHT)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        rect = self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5)
        box = self.parentItem()
        if far(painter, getattr(box, "detail_zoom", 0.0)):  # too small to read: the VXI's colour only
            painter.fillRect(rect, self.colour)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.colour, 1.2))
        painter.setBrush(blend(self.colours["background"], self.colour, 0.16))
        painter.drawRoundedRect(rect, 4, 4)
        square = QRectF(rect.left(), rect.top(), CHIP_HEIGHT - 1, rect.height())
        painter.setBrush(self.colour)
        painter.drawRoundedRect(square, 4, 4)
        painter.setFont(small_font(TEXT_PT, bold=True))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(square, Qt.AlignmentFlag.AlignCenter, self.letter)
        painter.setFont(self.font)
        painter.setPen(self.colours["text"])
        painter.drawText(rect.adjusted(CHIP_HEIGHT + 3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, self.component)


class HostBox(QGraphicsItem):
    """A physical host: title, one usage bar per resource, then the chips of what is placed on it."""

    def __init__(self, host_id: str, subtitle: str, provisioned: bool, colours: dict, dark: bool,
                 switch: bool = False) -> None:
        super().__init__()
        self.host_id, self.subtitle, self.provisioned, self.switch = host_id, subtitle, provisioned, switch
        self.detail_zoom = 0.0  # DETAIL_ZOOM on a large substrate
        self.colours, self.dark = colours, dark
        self.bars: list[Bar] = []
        self.chips: list[ChipItem] = []
        self.specs: list[tuple] = []
        self.height = TITLE_HEIGHT + 2 * PAD
        self.setZValue(2)

    # ----- content -----
    def set_bars(self, bars: list[Bar]) -> None:
        """Show these resources (used / capacity)."""
        if bars == self.bars:
            return
        self.prepareGeometryChange()
        self.bars = bars
        self._layout()

    def set_chips(self, chips: list[tuple[str, str, str, QColor, str]]) -> None:
        """Place chips (request, component, letter, colour, tooltip), replacing the previous ones."""
        specs = [(spec[0], spec[1], spec[2], QColor(spec[3]).name(), spec[4]) for spec in chips]
        if specs == self.specs:
            return
        self.specs = specs
        for chip in self.chips:
            chip.setParentItem(None)
            if chip.scene() is not None:
                chip.scene().removeItem(chip)
        self.chips = [ChipItem(*spec[:4], self.colours, spec[4], self) for spec in chips]
        self.prepareGeometryChange()
        self._layout()

    def _layout(self) -> None:
        top = TITLE_HEIGHT + PAD + len(self.bars) * (BAR_HEIGHT + GAP)
        x, y, inner = PAD, top + GAP, BOX_WIDTH - 2 * PAD
        rows = 0
        for chip in self.chips:
            if x + chip.width > PAD + inner and x > PAD:
                x, y = PAD, y + CHIP_HEIGHT + GAP
            rows = rows or 1
            chip.setPos(x - BOX_WIDTH / 2, y)
            x += chip.width + GAP
        self.height = (y + CHIP_HEIGHT + GAP if rows else top) + PAD
        for chip in self.chips:
            chip.setY(chip.y() - self.height / 2)
        self.update()

    def text_lines(self) -> list[str]:
        """Everything the box says, as text (for tests and accessibility)."""
        return [self.title(), *[f"{b.name} {b.text}" for b in self.bars]]

    def title(self) -> str:
        """The box's first line."""
        return " · ".join([self.host_id, *([self.subtitle] if self.subtitle else []),
                           *(["switch"] if self.switch else []), *(["provisioned"] if self.provisioned else [])])

    # ----- drawing -----
    def rect(self) -> QRectF:
        """The box in item coordinates (centred on the host's position)."""
        return QRectF(-BOX_WIDTH / 2, -self.height / 2, BOX_WIDTH, self.height)

    def boundingRect(self) -> QRectF:
        return self.rect().adjusted(-2, -2, 2, 2)

    def busiest(self) -> float | None:
        """The highest use / capacity among the box's bars (None without any capacity)."""
        shares = [b.fraction for b in self.bars if b.fraction is not None]
        return max(shares) if shares else None

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        c = self.colours
        rect = self.rect()
        if far(painter, self.detail_zoom):  # a tile in the colour of its busiest resource
            painter.setPen(QPen(QColor(c["provisioned"] if self.provisioned else c["item_border"]), 2.0))
            fill = load_colour(c, self.busiest(), self.dark) if self.busiest() else QColor(c["item_fill"])
            if self.busiest():
                fill = blend(c["background"], fill, 0.55)
            painter.setBrush(fill if not self.switch else blend(c["background"], c["item_border"], 0.25))
            painter.drawRect(rect)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = QColor(c["provisioned"] if self.provisioned else c["item_border"])
        pen = QPen(border, 1.6, Qt.PenStyle.DashLine if self.provisioned else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.setBrush(c["item_fill"] if not self.provisioned else blend(c["background"], c["provisioned"], 0.08))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setFont(small_font(TEXT_PT, bold=True))
        painter.setPen(c["text"])
        title = QRectF(rect.left() + PAD, rect.top() + PAD / 2, rect.width() - 2 * PAD, TITLE_HEIGHT)
        painter.drawText(title, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.title())
        y = rect.top() + TITLE_HEIGHT + PAD
        painter.setFont(small_font(TEXT_PT))
        for bar in self.bars:
            track = QRectF(rect.left() + PAD, y, rect.width() - 2 * PAD, BAR_HEIGHT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c["band_alt"])
            painter.drawRoundedRect(track, 3, 3)
            fraction = bar.fraction
            if fraction:
                fill = QRectF(track.left(), track.top(), track.width() * min(fraction, 1.0), track.height())
                colour = load_colour(c, fraction, self.dark)
                colour.setAlpha(110)
                painter.setBrush(colour)
                painter.drawRoundedRect(fill, 3, 3)
                if fraction > 1.0:
                    painter.setPen(QPen(c["error"], 1.5))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRoundedRect(track, 3, 3)
            painter.setPen(c["text"])
            painter.drawText(track.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             bar.name)
            painter.drawText(track.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             bar.text)
            y += BAR_HEIGHT + GAP


def _line_bounds(a: QPointF, b: QPointF) -> QRectF:
    """What a line between a and b covers, with room for its pen."""
    return QRectF(a, b).normalized().adjusted(-4, -4, 4, 4)


class PhysicalLinkItem(QGraphicsItem):
    """A physical link between two host centres, coloured by its load; its numbers are on `label`."""

    def __init__(self, link_id: str, a: QPointF, b: QPointF, provisioned: bool, colours: dict, dark: bool) -> None:
        super().__init__()
        self.link_id, self.a, self.b, self.provisioned = link_id, QPointF(a), QPointF(b), provisioned
        self.bounds = _line_bounds(self.a, self.b)  # asked for at every paint: kept, not made again each time
        self.colours, self.dark = colours, dark
        self.fraction: float | None = None
        self.lines: list[str] = []
        self.numbers: tuple | None = None  # the use and capacity the lines were made from
        self.label: LinkLabelItem | None = None  # made when first shown
        self.between_sites = False  # drawn only when zoomed in (a trunk stands for it further out)
        self.detail_zoom = 0.0  # DETAIL_ZOOM on a large substrate
        self.setZValue(0)

    def set_load(self, fraction: float | None, lines: list[str], label_at: QPointF, labelled: bool) -> bool:
        """Colour for `fraction` (the busier direction) and the lines of the label drawn at `label_at` when
        `labelled`; False when nothing changed."""
        if (fraction, lines) == (self.fraction, self.lines) and labelled == (self.label is not None
                                                                             and self.label.isVisible()):
            return False
        self.fraction, self.lines = fraction, lines
        self.setToolTip(plain_tip("\n".join([self.title(), *lines])))
        if labelled and self.label is None:
            self.label = LinkLabelItem(self)
        if self.label is not None and self.label.scene() is None and self.scene() is not None:
            self.scene().addItem(self.label)
        if self.label is not None:
            self.label.setToolTip(self.toolTip())
            self.label.refresh(label_at)
            self.label.setVisible(labelled)
        self.update()
        return True

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        """Move the line's ends (the hosts moved)."""
        if (a, b) != (self.a, self.b):
            self.prepareGeometryChange()
            self.a, self.b = QPointF(a), QPointF(b)
            self.bounds = _line_bounds(self.a, self.b)

    def title(self) -> str:
        """The link's id, and 'provisioned' when it is."""
        return self.link_id + (" · provisioned" if self.provisioned else "")

    def colour(self) -> QColor:
        """The load colour."""
        return load_colour(self.colours, self.fraction, self.dark)

    def boundingRect(self) -> QRectF:
        return self.bounds

    def shape(self) -> QPainterPath:
        path = QPainterPath(self.a)
        path.lineTo(self.b)
        return path

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        near = not far(painter, self.detail_zoom)
        if self.between_sites and not near:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        style = Qt.PenStyle.DashLine if self.provisioned else Qt.PenStyle.SolidLine
        colour, width = self.colour(), (4.0 if self.fraction else 2.5)
        if self.detail_zoom and not self.fraction:  # a large substrate: idle links stay in the background
            colour = blend(self.colours["background"], colour, 0.2 if self.between_sites else 0.45)
            width = 1.0
        elif not near:
            width = 1.5
        painter.setPen(QPen(colour, width, style, Qt.PenCapStyle.RoundCap))
        painter.drawLine(self.a, self.b)


class LinkLabelItem(QGraphicsItem):
    """The box on a physical link that names it and states its load; drawn above the virtual links."""

    def __init__(self, link: PhysicalLinkItem) -> None:
        super().__init__()
        self.link = link
        self.rect = QRectF()
        self.setZValue(3)

    def refresh(self, centre: QPointF) -> None:
        """Resize around `centre` for the link's current lines."""
        self.prepareGeometryChange()
        metrics = metrics_of(TEXT_PT)
        lines = [self.link.title(), *self.link.lines]
        width = max(metrics.horizontalAdvance(t) for t in lines) + 10
        height = len(lines) * metrics.height() + 4
        self.rect = QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height)
        self.update()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        if far(painter, self.link.detail_zoom):
            return
        c = self.link.colours
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = QColor(c["background"])
        background.setAlpha(240)
        painter.setPen(QPen(self.link.colour(), 1.0))
        painter.setBrush(background)
        painter.drawRoundedRect(self.rect, 3, 3)
        painter.setFont(small_font(TEXT_PT))
        metrics = QFontMetricsF(painter.font())
        y = self.rect.top() + 2
        for i, text in enumerate([self.link.title(), *self.link.lines]):
            painter.setPen(c["text"] if i else c["muted_text"])
            painter.drawText(QRectF(self.rect.left(), y, self.rect.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, text)
            y += metrics.height()


class VirtualPathItem(QGraphicsPathItem):
    """A virtual link drawn along its physical path, offset beside the physical links it shares."""

    def __init__(self, request: str, link: str, hosts: list[str], points: list[QPointF], colour: QColor,
                 tip: str) -> None:
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        super().__init__(path)
        self.request, self.link, self.hosts = request, link, hosts
        pen = QPen(colour, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        self.setPen(pen)
        self.setToolTip(plain_tip(tip))
        self.setZValue(1)


class LegendItem(QGraphicsItem):
    """What the colours, letters and dashes mean."""

    def __init__(self, colours: dict, dark: bool) -> None:
        super().__init__()
        self.colours, self.dark = colours, dark
        self.requests: list[tuple[str, QColor, str]] = []
        self.setZValue(4)

    def set_requests(self, requests: list[tuple[str, QColor, str]]) -> None:
        """(letter, colour, text) per request."""
        self.prepareGeometryChange()
        self.requests = requests
        self.update()

    def lines(self) -> list[str]:
        """The legend as text."""
        out = [f"{letter}  {text}" if letter else text for letter, _c, text in self.requests]
        out += [f"load {label}" for _limit, label in LOAD_BANDS]
        out += ["dashed: provisioned (used only when nothing else fits)"]
        return out

    def boundingRect(self) -> QRectF:
        metrics = metrics_of(TEXT_PT)
        width = max(metrics.horizontalAdvance(t) for t in self.lines()) + 44
        return QRectF(0, 0, width, len(self.lines()) * (metrics.height() + 3) + 12)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        c = self.colours
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(c["grid"], 1.0))
        painter.setBrush(c["background"])
        painter.drawRoundedRect(self.boundingRect().adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        painter.setFont(small_font(TEXT_PT))
        metrics = QFontMetricsF(painter.font())
        step = metrics.height() + 3
        y = 6.0
        for letter, colour, text in self.requests:
            square = QRectF(8, y + 1, step - 4, step - 4)
            if not letter:  # a refused request: its text only
                painter.setPen(c["muted_text"])
                painter.drawText(QPointF(36, y + metrics.ascent()), text)
                y += step
                continue
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(square, 3, 3)
            painter.setPen(QColor("#ffffff"))
            painter.setFont(small_font(TEXT_PT, bold=True))
            painter.drawText(square, Qt.AlignmentFlag.AlignCenter, letter)
            painter.setFont(small_font(TEXT_PT))
            painter.setPen(c["text"])
            painter.drawText(QPointF(36, y + metrics.ascent()), text)
            y += step
        for (_limit, label), colour in zip(LOAD_BANDS, LOAD_COLOURS[self.dark], strict=True):
            painter.setPen(QPen(QColor(colour), 4.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(10, y + step / 2), QPointF(28, y + step / 2))
            painter.setPen(c["text"])
            painter.drawText(QPointF(36, y + metrics.ascent()), f"load {label}")
            y += step
        painter.setPen(QPen(c["provisioned"], 1.6, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(10, y + step / 2), QPointF(28, y + step / 2))
        painter.setPen(c["text"])
        painter.drawText(QPointF(36, y + metrics.ascent()), "dashed: provisioned (used only when nothing else fits)")


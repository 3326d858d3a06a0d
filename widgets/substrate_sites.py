"""Scene items of a large substrate drawn as site blocks: the frame of each site with a banner that names it
and sums up its hosts (its text grows with the block, so that it reads when the whole substrate is in view),
and trunks that stand for all the links between two sites while the view is zoomed out."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from widgets.plain import plain_tip
from widgets.substrate_items import DETAIL_ZOOM, far, load_colour
from widgets.substrate_layout import BANNER_MIN, BANNER_SHARE
from widgets.theme import blend


def banner_height(width: float) -> float:
    """The height of a block's banner for a block this wide."""
    return max(BANNER_MIN, BANNER_SHARE * width)


class SiteFrame(QGraphicsItem):
    """The block of one site: a frame behind its hosts with a banner; tinted by the site's load."""

    def __init__(self, site: str, rect: QRectF, colours: dict, dark: bool) -> None:
        super().__init__()
        self.site, self.frame, self.colours, self.dark = site, QRectF(rect), colours, dark
        self.fraction: float | None = None
        self.lines: list[str] = [site]
        self.setZValue(-2)

    def set_frame(self, rect: QRectF) -> None:
        """Where the block is."""
        self.prepareGeometryChange()
        self.frame = QRectF(rect)

    def set_summary(self, lines: list[str], fraction: float | None) -> None:
        """The banner's lines (the site's name first) and the share of its cores in use."""
        self.lines, self.fraction = lines, fraction
        self.setToolTip(plain_tip("\n".join(lines)))
        self.update()

    def boundingRect(self) -> QRectF:
        return self.frame.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        c = self.colours
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(c["grid"], 2.0))
        tint = load_colour(c, self.fraction, self.dark) if self.fraction else c["item_border"]
        painter.setBrush(blend(c["background"], tint, 0.10 if far(painter, DETAIL_ZOOM) else 0.04))
        painter.drawRoundedRect(self.frame, 14, 14)
        banner = banner_height(self.frame.width())
        zoom = max(1e-3, QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform()))
        name = QFont()  # as large as the banner allows, but no more than 30 pixels on screen
        name.setBold(True)
        name.setPixelSize(max(1, round(min(banner * 0.42, 30 / zoom))))
        detail = QFont()
        detail.setPixelSize(max(1, round(min(banner * 0.24, 17 / zoom))))
        left = self.frame.left() + banner * 0.25
        painter.setFont(name)
        painter.setPen(c["text"])
        painter.drawText(QRectF(left, self.frame.top() + banner * 0.08, self.frame.width(), banner * 0.5),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.lines[0])
        painter.setFont(detail)
        painter.setPen(c["muted_text"])
        painter.drawText(QRectF(left, self.frame.top() + banner * 0.58, self.frame.width(), banner * 0.34),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, " · ".join(self.lines[1:]))


class TrunkItem(QGraphicsItem):
    """All the physical links between two sites as one line, drawn while the view is zoomed out (coloured by
    the busiest one; its tooltip counts them)."""

    def __init__(self, a: QRectF, b: QRectF, colours: dict, dark: bool) -> None:
        super().__init__()
        self.colours, self.dark = colours, dark
        self.start, self.end = _edge_point(a, b.center()), _edge_point(b, a.center())
        self.count, self.fraction = 0, None
        self.text = ""
        self.setZValue(-3)

    def set_ends(self, a: QRectF, b: QRectF) -> None:
        """Between these two blocks."""
        self.prepareGeometryChange()
        self.start, self.end = _edge_point(a, b.center()), _edge_point(b, a.center())

    def set_load(self, count: int, fraction: float | None) -> None:
        """How many links it stands for and the busiest one's use / capacity."""
        self.count, self.fraction = count, fraction
        busiest = f", the busiest {round(100 * fraction)} % in use" if fraction is not None else ""
        self.text = f"{count} links{busiest}"
        self.setToolTip(plain_tip(f"{count} physical links between these sites{busiest}"))
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self.start, self.end).normalized().adjusted(-40, -40, 40, 40)

    def paint(self, painter: QPainter, _option: QStyleOptionGraphicsItem, _widget=None) -> None:
        if not far(painter, DETAIL_ZOOM):
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = load_colour(self.colours, self.fraction, self.dark)
        if not self.fraction:
            colour = blend(self.colours["background"], colour, 0.5)
        painter.setPen(QPen(colour, 6.0 + 4.0 * math.log2(max(1, self.count)), Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawLine(self.start, self.end)


def _edge_point(rect: QRectF, towards: QPointF) -> QPointF:
    """Where the line from the rectangle's centre towards a point leaves the rectangle."""
    centre = rect.center()
    d = towards - centre
    limits = [rect.width() / 2 / abs(d.x())] if d.x() else []
    limits += [rect.height() / 2 / abs(d.y())] if d.y() else []
    return centre + d * min([1.0, *limits])

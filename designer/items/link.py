"""The scene item of a link: where the link runs, its selection, its QoS label and problem badge, its tags.

The item paints nothing and its bounding rectangle is the point in the middle of its line, so Qt's own index
holds it at one point, spread over the scene like the links themselves: the scene draws every link in one
pass (`designer/painting.py`) from its spatial index, which also finds the link under the pointer, exactly
along its line (with its whole box, a long diagonal link would be a candidate everywhere its box reaches, in
every paint and every hit test; with an empty rectangle, every link would sit at the origin)."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPainterPathStroker, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from designer.items.badge import BadgeHolder
from designer.items.label import LabelHolder, LabelItem
from designer.items.tags import BADGE, LINK, Tagged, tag
from designer.spatial import RowObject

END_GAP = 27.0
ARROW = 11.0
HIT_WIDTH = 10.0
LINK_Z = -1.0
ONE_WAY, PROVISIONED, IDLE, SELECTED = 1, 2, 4, 8  # style bits of a link, as the painter reads them
_MARGIN = max(ARROW, HIT_WIDTH / 2) + 1
_NO_OFFSET = QPointF(0, 0)  # a link's badge before its line is known (never changed in place)
_FLAGS = QGraphicsItem.GraphicsItemFlag.ItemIsSelectable | QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


def is_idle(link, period: str | None) -> bool:
    """True when the link carries no bandwidth during `period` (its bandwidth there is zero)."""
    if not period or period not in getattr(link, "periods", {}):
        return False
    config = link.config_for(period)
    rates = [q.demand() for q in (config.forward, config.reverse) if q is not None]
    return bool(rates) and all(not r for r in rates)


def qos_lines(link, period: str | None) -> list[str]:
    """The label of a link: bandwidth (with direction) and latency in force during `period`."""
    config = link.config_for(period) if hasattr(link, "config_for") else link
    parts = []
    forward, reverse = config.forward, config.reverse
    one_way = getattr(link, "one_way", False)
    if forward is not None and one_way:
        parts.append(f"→ {forward.describe()}")
    elif forward is not None and reverse is not None and forward != reverse:
        parts.append(f"→ {forward.describe()} ← {reverse.describe()}")
    elif forward is not None:
        parts.append(f"⇄ {forward.describe()}")
    if config.latency is not None:
        parts.append(config.latency.describe())
    first = " · ".join(parts) or link.id
    lines = [first]
    if period and is_idle(link, period):
        lines = [f"idle in {period}"]
    elif period and period in getattr(link, "periods", {}):
        lines.append(f"period {period}")
    if getattr(link, "provisioned", False):
        lines.append("provisioned")
    return lines


def arrow_head(line: QLineF) -> QPolygonF:
    """The arrowhead at the end of a one-way link."""
    tip = line.p2()
    angle = math.atan2(line.dy(), line.dx())
    left = tip - QPointF(math.cos(angle - 0.42) * ARROW, math.sin(angle - 0.42) * ARROW)
    right = tip - QPointF(math.cos(angle + 0.42) * ARROW, math.sin(angle + 0.42) * ARROW)
    return QPolygonF([tip, left, right])


def model_style(link, period: str | None) -> int:
    """The style bits of a link as the model says (one-way, provisioned, idle in `period`; not the selection)."""
    return (ONE_WAY * bool(getattr(link, "one_way", False)) | PROVISIONED * bool(getattr(link, "provisioned", False))
            | IDLE * is_idle(link, period))


def line_ends(design, link) -> tuple[float, float, float, float] | None:
    """Where a link's line runs (x1, y1, x2, y2): between its ends' centres or ports, short of the icons."""
    start = design.end_xy(link.source, getattr(link, "source_port", None))
    end = design.end_xy(link.destination, getattr(link, "destination_port", None))
    if start is None or end is None:
        return None
    x1, y1, port1 = start
    x2, y2, port2 = end
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    if length > 1e-6:
        ux, uy = dx / length, dy / length
        gap1 = 0.0 if port1 else min(END_GAP, length / 3)
        gap2 = 0.0 if port2 else min(END_GAP, length / 3)
        x1, y1, x2, y2 = x1 + ux * gap1, y1 + uy * gap1, x2 - ux * gap2, y2 - uy * gap2
    return x1, y1, x2, y2


class DrawnLink(RowObject):
    """A link of a picture-only scene (`DesignScene(..., picture=True)`, the headless export), made when asked
    for a row of the scene's spatial index and not kept: the scene draws the link from the index like every link,
    with no scene item, its label by the scene's label layer and its problem badge by the badge layer (a LinkItem
    with its Qt parts took about 3 KB, a DrawnLink kept for each link about 130 bytes with its index entry)."""

    __slots__ = ()
    label_bold_first = False

    @property
    def ident(self) -> str:
        """The link's id."""
        return self.design.drawn_link_ids[self.row]

    @property
    def line(self) -> QLineF:
        """Where it runs (from the scene's index)."""
        return self.design.index.lines[self.row]

    def label_lines(self) -> list[str]:
        """The QoS text for the scene's period."""
        return qos_lines(self.design.model.links[self.ident], self.design.period)

    label_size = LabelHolder.label_size

    @property
    def _label(self):
        return self.design.drawn_labels.get(self.row)

    @property
    def label(self):
        """Its label (drawn by the scene's label layer), made now if it was not yet."""
        label = self.design.drawn_labels.get(self.row)
        if label is None:
            label = self.design.drawn_labels[self.row] = self.design.label_layer.new_label(self.label_lines(),
                                                                                           bold_first=False)
        return label

    def has_label(self) -> bool:
        """Whether its label exists yet."""
        return self._label is not None

    def scene(self):
        """The scene it is drawn in."""
        return self.design


class LinkItem(Tagged, BadgeHolder, LabelHolder, QGraphicsItem):
    """The model link `ident` between the items of its ends; follows them when they move."""

    label_bold_first = False  # a QoS label: no id line in bold
    __slots__ = ("_badge", "_label", "_middle", "_rect", "_shape", "badge_offset", "design", "ident", "idle", "line",
                 "one_way", "provisioned")  # no instance dict (about 160 bytes an item)
    tag_kind = LINK

    def __init__(self, design, ident: str) -> None:
        super().__init__()
        self.design = design
        self.ident = ident
        self.setFlags(_FLAGS)
        self.setZValue(LINK_Z)
        self._badge = None
        self.badge_offset = _NO_OFFSET
        self.line = QLineF()
        self._rect = QRectF()
        self._middle = QRectF()  # what Qt's index holds: the middle of the line (see the module's docstring)
        self._shape: QPainterPath | None = None
        self._label: LabelItem | None = None
        self.one_way = self.provisioned = self.idle = False
        self.refresh()

    def link(self):
        """The model object this item draws."""
        return self.design.model.links[self.ident]

    def label_lines(self) -> list[str]:
        """The QoS text for the scene's period."""
        return qos_lines(self.link(), self.design.period)

    def style(self) -> int:
        """Style bits for the painter."""
        return (ONE_WAY * self.one_way) | (PROVISIONED * self.provisioned) | (IDLE * self.idle) \
            | (SELECTED * self.isSelected())

    def tooltip_text(self) -> str:
        """What hovering the link tells (made when asked)."""
        link = self.link()
        ends = f"{link.source}{':' + link.source_port if getattr(link, 'source_port', None) else ''} → " \
               f"{link.destination}{':' + link.destination_port if getattr(link, 'destination_port', None) else ''}"
        return f"link {link.id}\n{ends}\n" + "\n".join(self.label_lines())

    def refresh(self) -> None:
        """Re-read the model: label, direction, dash, geometry."""
        link = self.link()
        style = model_style(link, self.design.period)
        self.one_way, self.provisioned, self.idle = bool(style & ONE_WAY), bool(style & PROVISIONED), \
            bool(style & IDLE)
        if self._label is not None and self._label.set_lines(self.label_lines()):
            self.design.label_changed(self)
        if self.scene() is not None:
            self.update_geometry()

    def apply_colours(self) -> None:
        """Take the scene's current theme colours."""
        colours = self.design.colours
        if self._label is not None:
            self._label.set_colours(colours["text"], colours["background"])
        self.colour_badge()

    def rename_badge(self) -> None:
        """Keep the badge's tag in step with the id."""
        if self._badge is not None:
            tag(self._badge, BADGE, self.ident)

    def update_geometry(self) -> None:
        """Recompute the line from the current positions of both ends (plain arithmetic: it runs for every
        link when a design opens)."""
        ends = line_ends(self.design, self.link())
        if ends is None:
            return
        x1, y1, x2, y2 = ends
        old = self._rect
        middle = QRectF((x1 + x2) / 2, (y1 + y2) / 2, 0.0, 0.0)
        if middle != self._middle:
            self.prepareGeometryChange()
            self._middle = middle
        self.line = QLineF(x1, y1, x2, y2)
        self._shape = None
        self._rect = QRectF(min(x1, x2) - _MARGIN, min(y1, y2) - _MARGIN,
                            abs(x2 - x1) + 2 * _MARGIN, abs(y2 - y1) + 2 * _MARGIN)
        self.badge_offset = QPointF((x1 + x2) / 2, (y1 + y2) / 2 - 14)
        if self._badge is not None:
            self._badge.setPos(self.badge_offset)
        self.design.link_moved(self, old)

    def badge_rect(self) -> QRectF | None:
        """Where the problem badge is in the scene, when it shows."""
        if self._badge is None or not self._badge.isVisible():
            return None
        return QRectF(self.badge_offset.x() - 9, self.badge_offset.y() - 9, 18, 18)

    def extent(self) -> QRectF:
        """The scene area the drawn link covers (its line with the arrowhead and selection halo)."""
        return QRectF(self._rect)

    def boundingRect(self) -> QRectF:
        return self._middle

    def shape(self) -> QPainterPath:
        if self._shape is None:
            path = QPainterPath(self.line.p1())
            path.lineTo(self.line.p2())
            stroker = QPainterPathStroker()
            stroker.setWidth(HIT_WIDTH)
            stroker.setCapStyle(Qt.PenCapStyle.FlatCap)
            self._shape = stroker.createStroke(path)
        return self._shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        """Nothing: the scene draws the links (see the module's docstring)."""

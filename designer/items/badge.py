"""A problem badge on an item: a red disc for errors, an amber triangle for warnings, both with '!'."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from backend.vxdl.kept import badge_severity
from designer.items.tags import BADGE, MODEL_ID, tag

NOT_LISTED = {severity: f"{severity}: not among the problems listed (see the last row of Problems)"
              for severity in ("error", "warning")}  # the tooltip of an element whose problems were not kept


class BadgeHolder:
    """Mixin: an item whose problem badge is created only when it first has a problem."""

    _badge: BadgeItem | None = None
    badge_offset = QPointF(0, 0)

    @property
    def badge(self) -> BadgeItem:
        """The badge (made on first use, showing the scene's problems of its element)."""
        if self._badge is None:
            self._badge = BadgeItem(self)
            ident = self.data(MODEL_ID)
            tag(self._badge, BADGE, ident)
            self._badge.setPos(self.badge_offset)
            self.colour_badge()
            design = self.design
            if design.severities.get(ident):
                self._badge.set_problems(design.problems.get(ident, []), design.severities[ident])
        return self._badge

    def has_badge(self) -> bool:
        """Whether the badge was made."""
        return self._badge is not None

    def colour_badge(self) -> None:
        """Give the badge the scene's error and warning colours."""
        if self._badge is not None:
            colours = self.design.colours
            self._badge.colours = {"error": colours["error"], "warning": colours["warning"]}
            self._badge.update()


class BadgeItem(QGraphicsItem):
    """Shows that an element has problems; the shape tells the severity, the tooltip the messages."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setZValue(10)
        self.severity = ""
        self.colours = {"error": QColor("#c62828"), "warning": QColor("#9a6700"), "text": QColor("white")}
        self.hide()

    def set_problems(self, problems: list, severity: str | None = None) -> None:
        """Show `severity` (the worst of all the element's problems), else the worst of `problems` (those listed,
        in the tooltip); hidden when there is none."""
        severity = badge_severity(problems) if severity is None else severity
        if not severity:
            self.severity = ""
            self.setToolTip("")
            self.hide()
            return
        self.severity = severity
        self.setToolTip("\n".join(f"{p.severity}: {p.message}" for p in problems) or NOT_LISTED[severity])
        self.show()
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-9, -9, 18, 18)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        paint_badge(painter, self.severity, self.colours)


def paint_badge(painter: QPainter, severity: str, colours: dict[str, QColor]) -> None:
    """A problem badge (the painter at its centre): a red disc for an error, an amber triangle for a warning."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(colours.get(severity, QColor("gray")))
    if severity == "error":
        painter.drawEllipse(QRectF(-8, -8, 16, 16))
    else:
        painter.drawPolygon(QPolygonF([QPointF(0, -8), QPointF(8.5, 7), QPointF(-8.5, 7)]))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(11)
    painter.setFont(font)
    painter.setPen(QColor("white") if severity == "error" else QColor("black"))
    painter.drawText(QRectF(-8, -7 if severity == "error" else -5, 16, 14), Qt.AlignmentFlag.AlignCenter, "!")

"""Run-mode marks drawn over the designer's own items, which need no change: a state mark on each
component (shape and colour: ○ defined, ◐ starting, ● running, ■ stopped, ✕ failed, ? unreachable) and a
throughput label on each link, coloured by utilisation. They are child items, so they follow their item when it
moves."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem
from shiboken6 import isValid

from backend.deploy.progress import DEFINED, FAILED, RUNNING, STARTING, STOPPED, UNREACHABLE
from widgets.plain import plain_tip
from widgets.theme import blend

SYMBOLS = {DEFINED: "○", STARTING: "◐", RUNNING: "●", STOPPED: "■", FAILED: "✕", UNREACHABLE: "?"}
UTILISATION_STEPS = ((0.5, "under 50 %"), (0.8, "50 to 80 %"), (float("inf"), "80 % and over"))


def state_colour(colours: dict[str, QColor], name: str) -> QColor:
    """The theme colour of a run state (paired with a shape, never alone)."""
    dark = colours["background"].lightness() < 128
    return {DEFINED: colours["muted_text"],
            STARTING: colours["warning"],
            RUNNING: QColor("#3ddc97" if dark else "#1e8e3e"),
            STOPPED: QColor("#8fb3e8" if dark else "#3f5f99"),
            FAILED: colours["error"],
            UNREACHABLE: colours["warning"]}[name]


def utilisation_colour(colours: dict[str, QColor], fraction: float) -> QColor:
    """Green under half the link's bandwidth, amber under 80 %, red above."""
    dark = colours["background"].lightness() < 128
    if fraction < UTILISATION_STEPS[0][0]:
        return QColor("#3ddc97" if dark else "#1e8e3e")
    if fraction < UTILISATION_STEPS[1][0]:
        return colours["warning"]
    return colours["error"]


def rate_text(bps: float) -> str:
    """A rate with three significant digits at most: '31 Mbit/s', '4.52 Mbit/s', '0 bit/s'."""
    for scale, unit in ((1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")):
        if bps >= scale:
            value = bps / scale
            return f"{value:.3g} {unit}" if value < 1000 else f"{value:.0f} {unit}"
    return f"{bps:.0f} bit/s"


WIDEST = "888 Mbit/s · 88 %"  # chips keep one width, so a placed chip never grows into its neighbours
CHIP_STOPS = (0.3, 0.7, 0.22, 0.78, 0.4, 0.6)


def chip_point(label: RateLabel) -> QPointF:
    """Where a link's rate chip goes: on the line or just beside it (30 % from either end first), where
    it covers the least of the items, labels and other chips around it."""
    link_item = label.parentItem()
    line = link_item.line
    lift = QPointF(0, -9)
    scene = link_item.scene()
    if scene is None or line.length() < 1e-6:
        return line.pointAt(0.3) + lift
    own = label.boundingRect()
    best, best_cover = line.pointAt(0.3) + lift, float("inf")
    normal = QPointF(-line.dy(), line.dx()) / line.length() * (own.height() * 0.8)
    for t, side in ((t, side) for t in CHIP_STOPS for side in (0, 1, -1)):
        point = line.pointAt(t) + lift + normal * side
        cover = _covered(scene, link_item.mapRectToScene(own.translated(point)), link_item, label)
        if cover < best_cover:
            best, best_cover = point, cover
        if cover == 0:
            break
    return best


def _covered(scene, rect: QRectF, link_item, label) -> float:
    """The area of `rect` over components, labels and other chips."""
    from designer.items.component import ComponentItem
    from designer.items.label import LabelItem

    area = 0.0
    for item in scene.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
        if item is label or item is link_item or not item.isVisible():
            continue
        if isinstance(item, RateLabel | StateMark | ComponentItem):
            other = item.sceneBoundingRect()
        elif isinstance(item, LabelItem):
            other = item.sceneTransform().mapRect(item.text_rect())
        else:
            continue
        common = rect.intersected(other)
        area += common.width() * common.height()
    return area


class StateMark(QGraphicsItem):
    """A component's run state: a symbol in a disc at the item's lower left, and the state in words below."""

    RADIUS = 9.0

    def __init__(self, parent: QGraphicsItem, colours: dict[str, QColor]) -> None:
        super().__init__(parent)
        self.colours = colours
        self.state = DEFINED
        self.detail = ""
        self.history: list[str] = [DEFINED]
        self.setZValue(11)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setPos(-24.0, 24.0)

    def set_state(self, value: str, detail: str = "") -> None:
        """Show `value` (defined, starting, running, stopped, failed, unreachable), with a host or reason for the
        tooltip."""
        if value != self.state:
            self.history.append(value)
        self.state, self.detail = value, detail
        self.setToolTip(plain_tip(f"{value}" + (f": {detail}" if detail else "")))
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-self.RADIUS - 1, -self.RADIUS - 1, 2 * self.RADIUS + 2, 2 * self.RADIUS + 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = state_colour(self.colours, self.state)
        r = self.RADIUS
        painter.setPen(QPen(colour, 2, Qt.PenStyle.DashLine if self.state == UNREACHABLE else Qt.PenStyle.SolidLine))
        painter.setBrush(self.colours["background"])
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        inner = QRectF(-r + 3.5, -r + 3.5, 2 * r - 7, 2 * r - 7)
        if self.state == RUNNING:
            painter.drawEllipse(inner)
        elif self.state == STARTING:
            painter.drawPie(inner, 90 * 16, 180 * 16)
        elif self.state == STOPPED:
            painter.drawRect(inner.adjusted(1, 1, -1, -1))
        elif self.state == FAILED:
            painter.setPen(QPen(colour, 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            d = r - 5
            painter.drawLine(QPointF(-d, -d), QPointF(d, d))
            painter.drawLine(QPointF(-d, d), QPointF(d, -d))
        elif self.state == UNREACHABLE:  # a dashed ring and a question mark: the host does not answer
            painter.setPen(QPen(colour, 2))
            font = QFont(painter.font())
            font.setBold(True)
            font.setPixelSize(int(r * 1.6))
            painter.setFont(font)
            painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, "?")


class RateLabel(QGraphicsItem):
    """A link's current throughput and utilisation, on a chip coloured by utilisation."""

    def __init__(self, parent: QGraphicsItem, colours: dict[str, QColor]) -> None:
        super().__init__(parent)
        self.colours = colours
        self.text = ""
        self.fraction = 0.0
        self.bps = 0.0
        self.setZValue(12)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.placed, self.placed_for = False, None  # placed once per link geometry (so it does not jump)
        self.font = QFont()
        self.font.setPixelSize(11)
        self.font.setBold(True)
        self.hide()

    def set_rate(self, bps: float, capacity_bps: float) -> None:
        """Show `bps` and its share of `capacity_bps`."""
        self.prepareGeometryChange()
        self.bps = bps
        self.fraction = bps / capacity_bps if capacity_bps else 0.0
        share = f" · {self.fraction * 100:.0f} %" if capacity_bps else ""
        self.text = f"{rate_text(bps)}{share}"
        self.setToolTip(f"current throughput {self.text}")
        self.show()
        self.update()

    def _rect(self) -> QRectF:
        metrics = QFontMetricsF(self.font)
        width = max(metrics.horizontalAdvance(self.text), metrics.horizontalAdvance(WIDEST)) + 12
        return QRectF(-width / 2, 0, width, metrics.height() + 4)

    def boundingRect(self) -> QRectF:
        return self._rect().adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = utilisation_colour(self.colours, self.fraction)
        rect = self._rect()
        painter.setPen(QPen(colour, 1.5))
        painter.setBrush(blend(self.colours["background"], colour, 0.18))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setFont(self.font)
        painter.setPen(self.colours["text"])
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


class Overlays:
    """Keeps one StateMark per component item and one RateLabel per link item of the current scene."""

    def __init__(self) -> None:
        self.scene = None
        self.marks: dict[str, StateMark] = {}
        self.rates: dict[str, RateLabel] = {}
        self.visible = False

    def _sync(self, scene) -> None:
        if scene is not None and not isValid(scene):
            scene = None
        # items deleted with their scene or their link (a window closing, a design reopened) are forgotten
        self.marks = {k: m for k, m in self.marks.items() if isValid(m)}
        self.rates = {k: r for k, r in self.rates.items() if isValid(r)}
        if scene is not self.scene:
            self.scene, self.marks, self.rates = scene, {}, {}
        if scene is None:
            return
        for ident, item in scene.components.items():
            mark = self.marks.get(ident)
            if mark is None or mark.parentItem() is not item:
                self.marks[ident] = StateMark(item, scene.colours)
        for ident, item in scene.links.items():
            label = self.rates.get(ident)
            if label is None or label.parentItem() is not item:
                self.rates[ident] = RateLabel(item, scene.colours)

    def show_states(self, scene, states: dict[str, tuple[str, str]]) -> None:
        """Mark every component: `states` maps a scene id to (state, detail); others show 'defined'."""
        self._sync(scene)
        if self.scene is None:
            return
        self.visible = True
        for ident, mark in self.marks.items():
            value, detail = states.get(ident, (DEFINED, ""))
            mark.colours = scene.colours
            mark.set_state(value, detail)
            mark.show()

    def show_rates(self, scene, rates: dict[str, tuple[float, float]]) -> None:
        """Label links with (bit/s, capacity bit/s); links without a rate lose their label."""
        self._sync(scene)
        if self.scene is None:
            return
        for ident, label in self.rates.items():
            if ident in rates and self.visible:
                label.colours = scene.colours
                label.set_rate(*rates[ident])
                if not label.placed or label.placed_for != label.parentItem().line:
                    label.setPos(chip_point(label))
                    label.placed, label.placed_for = True, label.parentItem().line
            else:
                label.hide()

    def hide(self) -> None:
        """Remove every mark (leaving run mode)."""
        self.visible = False
        for item in [*self.marks.values(), *self.rates.values()]:
            if isValid(item):
                item.hide()

    def state_of(self, ident: str) -> str | None:
        """The state shown on a component (None when it has no mark)."""
        mark = self.marks.get(ident)
        return mark.state if mark is not None and isValid(mark) and mark.isVisible() else None

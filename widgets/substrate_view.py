"""A view of a substrate with an embedding drawn on it: hosts as boxes with their use as numbers and bars,
physical links coloured and labelled by load, each placed component as a chip in its host, each virtual
link along its physical path, and a legend. It knows nothing of documents.

Public API:
    SubstrateView(parent=None)
        set_substrate(substrate: Substrate | None, refit: bool = True, draw: bool = True)
        set_mapping(mapping: Mapping | None, requests=(), at_time: float | None = None,
                    utilisation: dict | None = None)    utilisation in Mapping.utilisation's form, at at_time
                                                         (defaults to the mapping's peak utilisation)
        host_box(host_id) -> HostBox | None,  chips_on(host_id) -> list[(request id, component id)]
        link_lines(link_id) -> list[str],  virtual_paths() -> dict[(request, link), list[host ids]]
        legend_lines() -> list[str],  fit_all(),  render_image(width) -> QImage
        signal chip_activated(request id, component id)    a chip was double-clicked
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import Cloud, Infrastructure, Substrate
from widgets.substrate_items import (
    BOX_WIDTH,
    Bar,
    ChipItem,
    HostBox,
    LegendItem,
    PhysicalLinkItem,
    VirtualPathItem,
    vxi_colour,
    vxi_letter,
)
from widgets.theme import is_dark, palette_colours

MIN_SPACING = 340.0
PATH_STEP = 6.0
QUIET_LINKS_ABOVE = 40
DIMENSIONS = (("cores", "count"), ("memory", "size"), ("storage", "size"))
# (from this amount, divide by, unit): links read in Mbit/s up to 10 Gbit/s
_STEPS = {
    "size": ((2.0**40, 2.0**40, "TiB"), (2.0**30, 2.0**30, "GiB"), (2.0**20, 2.0**20, "MiB"),
             (2.0**10, 2.0**10, "KiB"), (0.0, 1.0, "B")),
    "bandwidth": ((1e12, 1e12, "Tbit/s"), (1e10, 1e9, "Gbit/s"), (1e6, 1e6, "Mbit/s"), (1e3, 1e3, "kbit/s"),
                  (0.0, 1.0, "bit/s")),
}


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != round(value) else str(int(round(value)))


def used_of(kind: str, used: float, capacity: float | None) -> str:
    """'6/10', '16/32 GiB', '700/1000 Mbit/s (70%)': both in the capacity's unit, with the share."""
    reference = capacity if capacity else used
    scale, name = 1.0, ""
    for threshold, divisor, unit in _STEPS.get(kind, ()):
        if reference >= threshold:
            scale, name = divisor, unit
            break
    total = "∞" if capacity is None else _number(capacity / scale)
    text = f"{_number(used / scale)}/{total}" + (f" {name}" if name else "")
    if capacity:
        text += f" ({round(100 * used / capacity)}%)"
    return text


def is_active(result: RequestMapping, at_time: float | None) -> bool:
    """True when the request holds its resources at `at_time` (always, without a window or a time)."""
    if at_time is None or result.window is None:
        return True
    start, end = result.window
    return start <= at_time and (end is None or at_time < end)


def layout_hosts(substrate: Substrate) -> dict[str, QPointF]:
    """Host centres: their saved positions (others on a circle), spread so that boxes do not touch."""
    placed = {h.id: QPointF(*h.position) for h in substrate.hosts.values() if h.position is not None}
    missing = [h for h in substrate.hosts if h not in placed]
    for i, host_id in enumerate(missing):
        angle = 2 * math.pi * i / max(1, len(missing))
        placed[host_id] = QPointF(300 * math.cos(angle), 300 * math.sin(angle)) * max(1.0, len(missing) / 6)
    points = list(placed.values())
    closest = min((math.dist((a.x(), a.y()), (b.x(), b.y())) for i, a in enumerate(points) for b in points[i + 1:]),
                  default=MIN_SPACING)
    scale = MIN_SPACING / closest if 0 < closest < MIN_SPACING else 1.0
    # Two hosts almost on top of each other must not blow the drawing up: at most a square grid's size.
    extent = max((max(p.x() for p in points) - min(p.x() for p in points),
                  max(p.y() for p in points) - min(p.y() for p in points)), default=0.0) if points else 0.0
    if extent > 0:
        scale = min(scale, max(1.0, 1.2 * math.sqrt(len(points)) * MIN_SPACING / extent))
    return {h: p * scale for h, p in placed.items()}


class SubstrateView(QGraphicsView):
    """Draws a substrate and, optionally, a mapping of requests on it at one moment."""

    chip_activated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The scene is owned by this Python object, not by the view's C++ side: it dies with its items at once,
        # never leaving items in a live scene without their Python half (a crash in PySide6).
        self._scene = QGraphicsScene()
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.substrate: Substrate | None = None
        self.mapping: Mapping | None = None
        self.requests: list[Infrastructure] = []
        self.at_time: float | None = None
        self.utilisation: dict | None = None
        self.boxes: dict[str, HostBox] = {}
        self.links: dict[str, PhysicalLinkItem] = {}
        self.paths: dict[tuple[str, str], VirtualPathItem] = {}
        self.centres: dict[str, QPointF] = {}
        self.legend: LegendItem | None = None
        self.drawing = QRectF()
        self._auto_fit = True  # fit the drawing to the view until the user zooms

    # ----- input -----
    def set_substrate(self, substrate: Substrate | None, refit: bool = True, draw: bool = True) -> None:
        """Draw this substrate (no mapping yet); `refit` fits it in the view; `draw` False waits for set_mapping."""
        self.substrate = substrate
        self.mapping, self.requests, self.utilisation = None, [], None
        self._auto_fit = self._auto_fit or refit
        if draw:
            self._rebuild()

    def set_mapping(self, mapping: Mapping | None, requests: Sequence[Infrastructure] = (),
                    at_time: float | None = None, utilisation: dict | None = None) -> None:
        """Draw `mapping` of `requests` (same order) as it stands at `at_time`."""
        self.mapping, self.requests, self.at_time = mapping, list(requests), at_time
        self.utilisation = utilisation
        self._rebuild()

    # ----- queries -----
    def host_box(self, host_id: str) -> HostBox | None:
        """The box drawing a host."""
        return self.boxes.get(host_id)

    def chips_on(self, host_id: str) -> list[tuple[str, str]]:
        """(request id, component id) of the chips drawn in a host's box."""
        box = self.boxes.get(host_id)
        return [(c.request, c.component) for c in box.chips] if box else []

    def link_lines(self, link_id: str) -> list[str]:
        """The load lines written on a physical link."""
        item = self.links.get(link_id)
        return list(item.lines) if item else []

    def virtual_paths(self) -> dict[tuple[str, str], list[str]]:
        """The hosts each drawn virtual link passes through, by (request id, link id)."""
        return {key: list(item.hosts) for key, item in self.paths.items()}

    def legend_lines(self) -> list[str]:
        """The legend, as text."""
        return self.legend.lines() if self.legend else []

    # ----- view -----
    def fit_all(self) -> None:
        """Show the whole drawing."""
        rect = self.drawing
        if not rect.isEmpty():
            self.fitInView(rect.adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if isinstance(item, ChipItem):
            self.chip_activated.emit(item.request, item.component)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event) -> None:
        factor = 1.0015 ** event.angleDelta().y()
        self._auto_fit = False
        self.scale(factor, factor)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit_all()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._rebuild()

    def render_image(self, width: int = 1400) -> QImage:
        """The whole drawing as an image `width` pixels wide (for screenshots and exports)."""
        rect = self.drawing.adjusted(-24, -24, 24, 24)
        height = max(1, round(width * rect.height() / max(1.0, rect.width())))
        image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(palette_colours(self.palette())["background"])
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.scene().render(painter, QRectF(0, 0, width, height), rect)
        painter.end()
        return image

    # ----- drawing -----
    def _rebuild(self) -> None:
        scene = self.scene()
        scene.clear()
        self.boxes, self.links, self.paths, self.legend = {}, {}, {}, None
        self.drawing = QRectF()
        colours = palette_colours(self.palette())
        dark = is_dark(self.palette())
        scene.setBackgroundBrush(colours["background"])
        substrate = self.substrate
        if substrate is None:
            return
        self.centres = layout_hosts(substrate)
        for host in substrate.hosts.values():
            box = HostBox(host.id, host.site or "", host.provisioned, colours, dark)
            box.setPos(self.centres[host.id])
            box.set_bars(self._bars(host))
            scene.addItem(box)
            self.boxes[host.id] = box
        self._place_chips()
        for link in substrate.links.values():
            if link.source not in self.centres or link.destination not in self.centres:
                continue
            item = PhysicalLinkItem(link.id, self.centres[link.source], self.centres[link.destination],
                                    link.provisioned, colours, dark)
            fraction, lines = self._link_load(link)
            item.set_load(fraction, lines, self._label_point(link.source, link.destination))
            scene.addItem(item)
            scene.addItem(item.label)
            # On a large substrate only the links in use carry a label (the others keep their tooltip).
            item.label.setVisible(bool(fraction) or len(substrate.links) <= QUIET_LINKS_ABOVE)
            self.links[link.id] = item
        self._draw_paths()
        self.legend = LegendItem(colours, dark)
        self.legend.set_requests(self._legend_entries())
        bounds = QRectF()
        for item in [*self.boxes.values(), *(link.label for link in self.links.values() if link.label.isVisible())]:
            bounds = bounds.united(item.sceneBoundingRect())
        self.legend.setPos(bounds.right() + 30, bounds.top())
        scene.addItem(self.legend)
        self.drawing = bounds.united(self.legend.sceneBoundingRect())
        scene.setSceneRect(self.drawing.adjusted(-40, -40, 40, 40))
        if self._auto_fit:
            self.fit_all()

    def _usage(self) -> dict:
        if self.utilisation is not None:
            return self.utilisation
        return self.mapping.utilisation if self.mapping is not None else {"hosts": {}, "links": {}}

    def _bars(self, host) -> list[Bar]:
        use = self._usage().get("hosts", {}).get(host.id, {})
        bars = []
        for dim, kind in DIMENSIONS:
            quantity = getattr(host, dim)
            entry = use.get(dim, {})
            capacity = entry.get("capacity") if "capacity" in entry else (
                quantity.demand() if quantity is not None else None)
            used = float(entry.get("used", 0.0))
            if capacity is None and not used:
                continue
            bars.append(Bar(dim, used, capacity, used_of(kind, used, capacity)))
        return bars

    def _link_load(self, link) -> tuple[float | None, list[str]]:
        use = self._usage().get("links", {}).get(link.id, {})
        shares, texts = [], {}
        for direction in ("forward", "reverse"):
            entry = use.get(direction, {})
            capacity = entry.get("capacity_bps") if "capacity_bps" in entry else (link.capacity(direction) or None)
            used = float(entry.get("used_bps", 0.0))
            texts[direction] = used_of("bandwidth", used, capacity)
            if capacity:
                shares.append(used / capacity)
        fraction = max(shares) if shares else None
        if texts["forward"] == texts["reverse"]:
            return fraction, [texts["forward"] + " each way"]
        return fraction, [f"{link.source}→{link.destination} {texts['forward']}",
                          f"{link.destination}→{link.source} {texts['reverse']}"]

    def _active(self) -> list[tuple[int, RequestMapping, Infrastructure | None]]:
        if self.mapping is None:
            return []
        aligned = len(self.requests) == len(self.mapping.requests)
        out = []
        for i, result in enumerate(self.mapping.requests):
            if result.accepted and is_active(result, self.at_time):
                out.append((i, result, self.requests[i] if aligned else None))
        return out

    def _place_chips(self) -> None:
        per_host: dict[str, list] = {h: [] for h in self.boxes}
        for i, result, vxi in self._active():
            for component, host in result.nodes.items():
                if host in per_host:
                    what = _kind_of(vxi, component)
                    tip = f"{result.id}: {component} ({what}) on {host}"
                    per_host[host].append((result.id, component, vxi_letter(i), vxi_colour(i), tip))
        for host, chips in per_host.items():
            self.boxes[host].set_chips(chips)

    def _label_point(self, a: str, b: str) -> QPointF:
        """The middle of the part of the line a-b that lies between the two boxes."""
        pa, pb = self.centres[a], self.centres[b]
        d = pb - pa
        t_a = _exit_fraction(d, self.boxes[a].height)
        t_b = _exit_fraction(d, self.boxes[b].height)
        return pa + d * ((t_a + 1 - t_b) / 2)

    def _draw_paths(self) -> None:
        substrate = self.substrate
        lanes: dict[str, int] = {}
        for i, result, _vxi in self._active():
            for link_id, placed in result.links.items():
                if not placed.path or any(step[0] not in substrate.links for step in placed.path):
                    continue
                first = substrate.links[placed.path[0][0]]
                hosts = [first.source if placed.path[0][1] == "forward" else first.destination]
                points: list[QPointF] = []
                for plink_id, direction in placed.path:
                    plink = substrate.links[plink_id]
                    lane = lanes.get(plink_id, 0)
                    lanes[plink_id] = lane + 1
                    offset = PATH_STEP * (lane // 2 + 1) * (1 if lane % 2 == 0 else -1)
                    a, b = self.centres[plink.source], self.centres[plink.destination]
                    normal = _normal(b - a) * offset
                    ends = [a + normal, b + normal]
                    points += ends if direction == "forward" else ends[::-1]
                    hosts.append(plink.destination if direction == "forward" else plink.source)
                mbps = max(placed.forward_bps, placed.reverse_bps) / 1e6
                tip = (f"{result.id}: {link_id} over {', '.join(p for p, _ in placed.path)} "
                       f"({' → '.join(hosts)}, {_number(mbps)} Mbit/s)")
                item = VirtualPathItem(result.id, link_id, hosts, points, vxi_colour(i), tip)
                self.scene().addItem(item)
                self.paths[(result.id, link_id)] = item

    def _legend_entries(self) -> list[tuple[str, QColor, str]]:
        if self.mapping is None:
            return []
        entries, refused = [], []
        for i, result in enumerate(self.mapping.requests):
            if not result.accepted:  # nothing of it is drawn: no letter, no colour, listed after the placed ones
                refused.append(("", QColor(), f"{result.id}: refused"))
                continue
            if not is_active(result, self.at_time):
                state = "not running at this time"
            else:
                hosts = sorted(set(result.nodes.values()))
                state = f"{len(result.nodes)} parts on {', '.join(hosts)}"
            entries.append((vxi_letter(i), vxi_colour(i), f"{result.id}: {state}"))
        return entries + refused


def _kind_of(vxi: Infrastructure | None, component: str) -> str:
    if vxi is None:
        return "component"
    base = component.split("#", 1)[0]
    comp = vxi.components.get(component) or vxi.components.get(base)
    if isinstance(comp, Cloud):
        return f"member of group {comp.id}"
    return comp.kind.replace("_", " ") if comp is not None else "component"


def _normal(d: QPointF) -> QPointF:
    length = math.hypot(d.x(), d.y()) or 1.0
    return QPointF(-d.y() / length, d.x() / length)


def _exit_fraction(d: QPointF, height: float) -> float:
    """How far along `d` (0..1) a line from a box's centre leaves the box."""
    limits = []
    if d.x():
        limits.append((BOX_WIDTH / 2) / abs(d.x()))
    if d.y():
        limits.append((height / 2) / abs(d.y()))
    return min(0.45, min(limits)) if limits else 0.0

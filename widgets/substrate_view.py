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
        legend_lines() -> list[str],  fit_all()
        signal chip_activated(request id, component id)    a chip was double-clicked
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import Cloud, Infrastructure, Substrate
from widgets.substrate_items import (
    BOX_WIDTH,
    DETAIL_ZOOM,
    Bar,
    ChipItem,
    HostBox,
    LegendItem,
    PhysicalLinkItem,
    VirtualPathItem,
    vxi_colour,
    vxi_letter,
)
from widgets.substrate_layout import NO_SITE, circle_layout, grouped, is_switch, place_blocks, site_blocks
from widgets.substrate_sites import SiteFrame, TrunkItem
from widgets.theme import is_dark, palette_colours

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


class SubstrateView(QGraphicsView):
    """Draws a substrate and, optionally, a mapping of requests on it at one moment."""

    chip_activated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The scene is owned by this Python object, not by the view's C++ side: it dies with its items at once,
        # never leaving items in a live scene without their Python half (a crash in PySide6).
        self._scene = QGraphicsScene()
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
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
        self.frames: dict[str, SiteFrame] = {}
        self.trunks: dict[tuple[str, str], TrunkItem] = {}
        self.centres: dict[str, QPointF] = {}
        self.legend: LegendItem | None = None
        self.drawing = QRectF()  # everything drawn, the legend included
        self.contents = QRectF()  # the substrate alone: hosts, their links' labels and the site frames
        self.grouped = False
        self._structure: tuple | None = None  # what the drawn items were built from
        self._heights: dict[str, float] = {}
        self._blocks = []
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

    def sites(self) -> list[str]:
        """The site blocks drawn (empty unless the substrate is large)."""
        return list(self.frames)

    def site_lines(self, site: str) -> list[str]:
        """A site block's banner lines."""
        frame = self.frames.get(site)
        return list(frame.lines) if frame else []

    def trunk_lines(self) -> dict[tuple[str, str], str]:
        """What each trunk between two sites says (its tooltip)."""
        return {pair: trunk.text for pair, trunk in self.trunks.items()}

    # ----- view -----
    def fit_all(self) -> None:
        """Show the whole drawing."""
        rect = self.drawing
        if not rect.isEmpty():
            self.fitInView(rect.adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)

    def zoom_to_site(self, site: str, around: QPointF | None = None) -> None:
        """Show one site block, its hosts in detail (`around`: the point double-clicked, for subclasses that
        zoom further in)."""
        frame = self.frames.get(site)
        if frame is not None:
            self._auto_fit = False
            self.fitInView(frame.frame.adjusted(-20, -20, 20, 20), Qt.AspectRatioMode.KeepAspectRatio)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        tiles = self.grouped and self.transform().m11() < DETAIL_ZOOM  # chips too small to aim at
        if isinstance(item, ChipItem) and not tiles:
            self.chip_activated.emit(item.request, item.component)
            event.accept()
            return
        point = event.position().toPoint()
        site = next((found for found in map(self._site_under, self.items(point)) if found is not None), None)
        if site is not None:  # the block under the pointer, even through a link drawn over it
            self.zoom_to_site(site, self.mapToScene(point))
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _site_under(self, item) -> str | None:
        """The site a double-click zooms to: on a large substrate, the block clicked (its frame, title or a
        host of it while the hosts are tiles)."""
        while item is not None and not isinstance(item, SiteFrame | HostBox):
            item = item.parentItem()
        if isinstance(item, SiteFrame):
            return item.site
        if isinstance(item, HostBox) and self.grouped and self.transform().m11() < DETAIL_ZOOM:
            return self.site_of.get(item.host_id)
        return None

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

    # ----- drawing -----
    def _rebuild(self) -> None:
        """Build the items when the substrate (or the palette) changed, then bring their contents up to date."""
        substrate = self.substrate
        if substrate is None:
            self._clear()
            return
        colours = palette_colours(self.palette())
        dark = is_dark(self.palette())
        structure = _structure_of(substrate, colours["background"].name(), dark)
        if structure != self._structure:
            self._build(substrate, colours, dark)
            self._structure = structure
        self._fill(colours, dark)
        if self._auto_fit:
            self.fit_all()

    def _clear(self) -> None:
        self.scene().clear()
        self.boxes, self.links, self.paths, self.frames, self.trunks = {}, {}, {}, {}, {}
        self.legend, self.drawing, self._structure, self._heights = None, QRectF(), None, {}
        self.contents = QRectF()

    def _build(self, substrate: Substrate, colours: dict, dark: bool) -> None:
        self._clear()
        scene = self.scene()
        scene.setBackgroundBrush(colours["background"])
        self.grouped = grouped(substrate)
        detail = DETAIL_ZOOM if self.grouped else 0.0
        self.site_of = {h.id: h.site or NO_SITE for h in substrate.hosts.values()}
        for host in substrate.hosts.values():
            site = "" if self.grouped else host.site or ""  # a block names its site once
            box = HostBox(host.id, site, host.provisioned, colours, dark, switch=is_switch(host))
            box.detail_zoom = detail
            box.set_bars(self._bars(host))
            scene.addItem(box)
            self.boxes[host.id] = box
        self._blocks = site_blocks(substrate) if self.grouped else []
        if not self.grouped:
            self.centres = circle_layout(substrate)
        for block in self._blocks:
            frame = SiteFrame(block.site, QRectF(), colours, dark)
            scene.addItem(frame)
            self.frames[block.site] = frame
        for link in substrate.links.values():
            if link.source not in self.boxes or link.destination not in self.boxes:
                continue
            item = PhysicalLinkItem(link.id, QPointF(), QPointF(), link.provisioned, colours, dark)
            item.detail_zoom = detail
            item.between_sites = self.grouped and self.site_of[link.source] != self.site_of[link.destination]
            if item.between_sites:
                pair = tuple(sorted((self.site_of[link.source], self.site_of[link.destination])))
                if pair not in self.trunks:
                    self.trunks[pair] = TrunkItem(QRectF(), QRectF(), colours, dark)
                    scene.addItem(self.trunks[pair])
            scene.addItem(item)
            self.links[link.id] = item
        self.legend = LegendItem(colours, dark)
        scene.addItem(self.legend)

    def _fill(self, colours: dict, dark: bool) -> None:
        substrate = self.substrate
        for host in substrate.hosts.values():
            self.boxes[host.id].set_bars(self._bars(host))
        self._place_chips()
        heights = {h: box.height for h, box in self.boxes.items()}
        moved = heights != self._heights
        if moved:
            self._layout(heights)
        quiet = len(substrate.links) > QUIET_LINKS_ABOVE
        for link in substrate.links.values():
            item = self.links.get(link.id)
            if item is None:
                continue
            numbers = self._link_numbers(link)
            if numbers == item.numbers and not moved:
                continue  # the same load, drawn at the same place
            item.numbers = numbers
            fraction, lines = self._link_load(link, numbers)
            # On a large substrate only the links in use carry a label (the others keep their tooltip).
            labelled = bool(fraction) or not quiet
            where = self._label_point(link.source, link.destination) if labelled or item.label else QPointF()
            item.set_load(fraction, lines, where, labelled)
        self._draw_paths()
        if self.grouped:
            self._summarise_sites()
        self.legend.set_requests(self._legend_entries())
        bounds = QRectF()
        labels = [link.label for link in self.links.values() if link.label is not None and link.label.isVisible()]
        for item in [*self.boxes.values(), *labels]:
            bounds = bounds.united(item.sceneBoundingRect())
        for frame in self.frames.values():
            bounds = bounds.united(frame.frame)
        self.contents = QRectF(bounds)
        # On a large substrate the legend grows with the drawing, so that it reads when all is in view.
        self.legend.setScale(max(1.0, bounds.width() / 2000.0) if self.grouped else 1.0)
        self.legend.setPos(bounds.right() + 30 * self.legend.scale(), bounds.top())
        self.drawing = bounds.united(self.legend.sceneBoundingRect())
        self.scene().setSceneRect(self.drawing.adjusted(-40, -40, 40, 40))

    def _layout(self, heights: dict[str, float]) -> None:
        """Put boxes, link ends, site frames and trunks where the layout says."""
        self._heights = heights
        if self.grouped:
            self.centres = place_blocks(self._blocks, {h: (BOX_WIDTH, height) for h, height in heights.items()})
            for block in self._blocks:
                self.frames[block.site].set_frame(block.rect)
            rects = {block.site: block.rect for block in self._blocks}
            for (a, b), trunk in self.trunks.items():
                trunk.set_ends(rects[a], rects[b])
        for host_id, box in self.boxes.items():
            box.setPos(self.centres[host_id])
        for link in self.substrate.links.values():
            item = self.links.get(link.id)
            if item is not None:
                item.set_ends(self.centres[link.source], self.centres[link.destination])

    def _summarise_sites(self) -> None:
        """Each site's title (hosts, switches, cores in use) and each trunk's count and busiest link."""
        for block in self._blocks:
            hosts = [self.substrate.hosts[h] for h in block.hosts]
            switches = sum(1 for h in hosts if is_switch(h))
            used = capacity = 0.0
            for host in hosts:
                bar = next((b for b in self.boxes[host.id].bars if b.name == "cores"), None)
                if bar is not None and bar.capacity:
                    used, capacity = used + bar.used, capacity + bar.capacity
            lines = [block.site, f"{len(hosts) - switches} hosts" + (f", {switches} switches" if switches else "")]
            if capacity:
                lines.append(f"cores {used_of('count', used, capacity)}")
            self.frames[block.site].set_summary(lines, used / capacity if capacity else None)
        counts: dict[tuple[str, str], list] = {pair: [0, None] for pair in self.trunks}
        for link in self.substrate.links.values():
            item = self.links.get(link.id)
            if item is None or not item.between_sites:
                continue
            entry = counts[tuple(sorted((self.site_of[link.source], self.site_of[link.destination])))]
            entry[0] += 1
            if item.fraction is not None:
                entry[1] = item.fraction if entry[1] is None else max(entry[1], item.fraction)
        for pair, (count, fraction) in counts.items():
            self.trunks[pair].set_load(count, fraction)

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
            if not capacity and not used:  # nothing declared (or a switch's zero cores), nothing used
                continue
            bars.append(Bar(dim, used, capacity, used_of(kind, used, capacity)))
        return bars

    def _link_numbers(self, link) -> tuple:
        """(used, capacity) forward then reverse, from the utilisation or the link's own capacity."""
        use = self._usage().get("links", {}).get(link.id, {})
        numbers = []
        for direction in ("forward", "reverse"):
            entry = use.get(direction, {})
            capacity = entry.get("capacity_bps") if "capacity_bps" in entry else (link.capacity(direction) or None)
            numbers.append((float(entry.get("used_bps", 0.0)), capacity))
        return tuple(numbers)

    def _link_load(self, link, numbers: tuple) -> tuple[float | None, list[str]]:
        shares, texts = [], {}
        for direction, (used, capacity) in zip(("forward", "reverse"), numbers, strict=True):
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
        for item in self.paths.values():
            self.scene().removeItem(item)
        self.paths = {}
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


def _structure_of(substrate: Substrate, background: str, dark: bool) -> tuple:
    """What the view's items are built from: hosts, links, positions and the palette (not the loads)."""
    hosts = tuple((h.id, h.site, h.provisioned, h.position, is_switch(h)) for h in substrate.hosts.values())
    links = tuple((lk.id, lk.source, lk.destination, lk.provisioned) for lk in substrate.links.values())
    return hosts, links, background, dark


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

"""Where the substrate view puts hosts. A few hosts: their saved positions, the others on a circle. A large
substrate (more than GROUPED_ABOVE hosts, not all placed by hand): one block per site (a data centre's pod),
its switches on the first rows and the hosts of each switch on rows of their own, blocks in a grid, so that
a thousand hosts read as a few dozen blocks that zoom into boxes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF

from backend.model import Substrate

MIN_SPACING = 340.0
GROUPED_ABOVE = 40
CELL_GAP = 26.0
BLOCK_GAP = 160.0
BLOCK_PAD = 30.0
BANNER_SHARE = 0.12  # a block's banner (its name and summary) is this share of its width, at least BANNER_MIN
BANNER_MIN = 56.0
NO_SITE = "(no site)"


def is_switch(host) -> bool:
    """A host that only forwards: tagged role=switch, or declared with no cores."""
    if any(getattr(tag, "key", None) == "role" and getattr(tag, "value", None) == "switch" for tag in host.tags):
        return True
    return host.cores is not None and not host.cores.demand()


def grouped(substrate: Substrate) -> bool:
    """True when the view draws this substrate as site blocks."""
    hosts = substrate.hosts.values()
    return len(substrate.hosts) > GROUPED_ABOVE and not all(h.position is not None for h in hosts)


def circle_layout(substrate: Substrate) -> dict[str, QPointF]:
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


@dataclass
class Block:
    """One site's hosts in drawing order, cut into rows."""

    site: str
    rows: list[list[str]] = field(default_factory=list)
    rect: QRectF = field(default_factory=QRectF)

    @property
    def hosts(self) -> list[str]:
        """Every host of the block."""
        return [h for row in self.rows for h in row]


def site_blocks(substrate: Substrate) -> list[Block]:
    """Sites in document order; in each, the switches first, then the hosts grouped by the switch they hang
    from, a row per switch when that gives rows of 2 to 16 hosts, else a square-ish grid."""
    members: dict[str, list[str]] = {}
    for host in substrate.hosts.values():
        members.setdefault(host.site or NO_SITE, []).append(host.id)
    neighbours: dict[str, list[str]] = {h: [] for h in substrate.hosts}
    for link in substrate.links.values():
        if link.source in neighbours and link.destination in neighbours:
            neighbours[link.source].append(link.destination)
            neighbours[link.destination].append(link.source)
    blocks = []
    for site, ids in members.items():
        switches = [h for h in ids if is_switch(substrate.hosts[h])]
        rank = {s: i for i, s in enumerate(switches)}
        machines = [h for h in ids if h not in rank]
        under: dict[int, list[str]] = {}
        for h in machines:
            parent = min((rank[n] for n in neighbours[h] if n in rank), default=-1)
            under.setdefault(parent, []).append(h)
        groups = [under[k] for k in sorted(under)]
        width = max((len(g) for g in groups), default=1)
        if not 2 <= width <= 16 or len(groups) == 1:
            width = max(1, math.ceil(math.sqrt(len(ids))))
            groups = [machines]
        rows = _cut(switches, width)
        for group in groups:
            rows += _cut(group, width)
        blocks.append(Block(site, rows))
    return blocks


def _cut(items: list[str], width: int) -> list[list[str]]:
    return [items[i:i + width] for i in range(0, len(items), width)]


def place_blocks(blocks: list[Block], size: dict[str, tuple[float, float]]) -> dict[str, QPointF]:
    """Centres of every host, the blocks (their `rect` set) in a grid of about as many columns as rows."""
    centres: dict[str, QPointF] = {}
    columns = max(1, math.ceil(math.sqrt(len(blocks))))
    cell_w = max((w for w, _ in size.values()), default=200.0) + CELL_GAP
    x0, y0, row_height = 0.0, 0.0, 0.0
    for i, block in enumerate(blocks):
        if i and i % columns == 0:
            x0, y0, row_height = 0.0, y0 + row_height + BLOCK_GAP, 0.0
        width = max(len(row) for row in block.rows) * cell_w if block.rows else cell_w
        y = y0 + max(BANNER_MIN, BANNER_SHARE * (width + 2 * BLOCK_PAD))
        for row in block.rows:
            height = max(size[h][1] for h in row) + CELL_GAP
            for j, host in enumerate(row):
                centres[host] = QPointF(x0 + BLOCK_PAD + j * cell_w + cell_w / 2, y + height / 2)
            y += height
        block.rect = QRectF(x0, y0, width + 2 * BLOCK_PAD, y - y0 + BLOCK_PAD)
        x0 += block.rect.width() + BLOCK_GAP
        row_height = max(row_height, block.rect.height())
    return centres

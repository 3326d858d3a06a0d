"""Where labels go: each label takes the first of a few spots near its component or along its link where it
covers no component (with its ports and badge) and no label already shown; a label with no free spot is
hidden, and the view says how many are.

Labels are drawn in scene units at a scale that depends on the zoom in steps (`GROWTH_STEPS`): within a
step, the whole drawing scales together, so a placement made for the step stays free of overlaps at every
zoom of the step. Placements are kept per step and worked out area by area (`WORK_TILE`), nearest the view's
centre first and a few milliseconds at a time, for the areas the view shows; a change (an item moved, a
label's text) is repaired around where it happened."""

from __future__ import annotations

import time
from array import array

from PySide6.QtCore import QObject, QPointF, QRectF, QTimer, Signal

LABELS_FROM = 0.3
GROWTH_STEPS = ((0.75, 1.0), (0.53, 1.41), (0.375, 2.0), (LABELS_FROM, 2.5))
COMPACT_FROM = 1.5  # from this growth on, labels show their first line only
WORK_TILE = 800.0
CELL = 128.0
GAP = 3.0
LABEL_PAD = 3.0  # the least space between two labels (so that two labels never read as one)
LINK_STOPS = (0.5, 0.38, 0.62, 0.28, 0.72)
SIDE_STOPS = (0.5, 0.38, 0.62)  # where a label may sit beside a steep link (its near edge on the line)
SLICE_SECONDS = 0.008

Rect = tuple[float, float, float, float]  # left, top, right, bottom


def growth_for(zoom: float) -> float | None:
    """The scale labels are drawn at for `zoom`, or None when labels are too small to show."""
    for least, growth in GROWTH_STEPS:
        if zoom >= least:
            return growth
    return None


def _slots(there: int | tuple[int, ...] | None) -> tuple[int, ...]:
    """The slots of a grid's cell: none, one (kept as a bare int) or a tuple of them."""
    return () if there is None else (there,) if type(there) is int else there


class Grid:
    """Rectangles by key in square cells: does a rectangle meet any, which keys does it meet. The rectangles are
    columns of one array (four numbers a slot, a slot a key), a cell its slot or a tuple of them under an integer
    key (a tuple of four floats per rectangle and a tuple key per cell took 1.6 MB more for 11,000 labels)."""

    def __init__(self, cell: float = CELL) -> None:
        self.cell = cell
        self.cells: dict[int, int | tuple[int, ...]] = {}
        self.slots: dict = {}  # key -> its slot (in insertion order)
        self.keys: list = []  # slot -> key (None when free)
        self.coords = array("d")  # left, top, right, bottom of each slot
        self._free: list[int] = []

    def _cells(self, rect: Rect):
        c = self.cell
        for i in range(int(rect[0] // c), int(rect[2] // c) + 1):
            row = i << 32  # two cells sharing a key (beyond 2**31 cells) only share their candidates
            for j in range(int(rect[1] // c), int(rect[3] // c) + 1):
                yield row + j

    def rect(self, key) -> Rect | None:
        """The rectangle of `key` (None when absent)."""
        slot = self.slots.get(key)
        if slot is None:
            return None
        at = 4 * slot
        coords = self.coords
        return coords[at], coords[at + 1], coords[at + 2], coords[at + 3]

    def items(self):
        """(key, rectangle) of each, in the order they were put."""
        for key in list(self.slots):
            yield key, self.rect(key)

    def add(self, key, rect: Rect) -> None:
        """Put `key` at `rect` (moving it when it was elsewhere)."""
        if key in self.slots:
            self.remove(key)
        if self._free:
            slot = self._free.pop()
            self.keys[slot] = key
            self.coords[4 * slot:4 * slot + 4] = array("d", rect)
        else:
            slot = len(self.keys)
            self.keys.append(key)
            self.coords.extend(rect)
        self.slots[key] = slot
        cells = self.cells
        for cell in self._cells(rect):
            there = cells.get(cell)
            cells[cell] = slot if there is None else (there, slot) if type(there) is int else (*there, slot)

    def remove(self, key) -> None:
        """Take `key` out (nothing when absent)."""
        rect = self.rect(key)
        if rect is None:
            return
        slot = self.slots.pop(key)
        self.keys[slot] = None
        self._free.append(slot)
        for cell in self._cells(rect):
            kept = tuple(other for other in _slots(self.cells.get(cell)) if other != slot)
            if len(kept) > 1:
                self.cells[cell] = kept
            elif kept:
                self.cells[cell] = kept[0]
            else:
                self.cells.pop(cell, None)

    def hits(self, rect: Rect) -> bool:
        """Whether `rect` overlaps any rectangle (touching edges do not count)."""
        left, top, right, bottom = rect
        cells, coords = self.cells, self.coords
        for cell in self._cells(rect):
            for slot in _slots(cells.get(cell)):
                at = 4 * slot
                if coords[at] < right and left < coords[at + 2] and coords[at + 1] < bottom and top < coords[at + 3]:
                    return True
        return False

    def keys_in(self, rect: Rect) -> set:
        """The keys whose rectangles overlap `rect`."""
        left, top, right, bottom = rect
        coords, keys = self.coords, self.keys
        found = set()
        for cell in self._cells(rect):
            for slot in _slots(self.cells.get(cell)):
                at = 4 * slot
                if coords[at] < right and left < coords[at + 2] and coords[at + 1] < bottom and top < coords[at + 3]:
                    found.add(keys[slot])
        return found


class _Step:
    """The placements made for one growth step."""

    def __init__(self, growth: float) -> None:
        self.growth = growth
        self.placed = Grid()  # owner -> the label's rectangle
        self.refused = Grid()  # owner -> the area its candidate spots cover
        self.done: set[tuple[int, int, int]] = set()  # (column, row, 0 for components' labels or 1 for links')


def _rect(r: QRectF) -> Rect:
    return r.left(), r.top(), r.right(), r.bottom()


def _tile_of(point: QPointF) -> tuple[int, int]:
    return int(point.x() // WORK_TILE), int(point.y() // WORK_TILE)


class LabelLayout(QObject):
    """Places the labels of a DesignScene's components and links for the zoom and area a view shows."""

    settled = Signal()  # the work for the current request is done (labels placed, the count is right)
    switched = Signal()  # the labels of another growth step are shown now (nothing in the design changed)

    def __init__(self, scene) -> None:
        super().__init__(scene)
        self.scene = scene
        self.link_labels = True
        self.repairs = True  # keep where refused labels would go, to place them again when that area changes
        self.obstacles: Grid | None = None
        self.steps: dict[float, _Step] = {}
        self.step: _Step | None = None
        self.dormant: _Step | None = None  # the step whose labels stay shown while the view is far out
        self.shown: set = set()
        self.queue: list[tuple[int, int, int]] = []
        self.region = QRectF()
        self._last: tuple[QRectF, float] | None = None
        self._owners: set = set()
        self._freed: list[Rect] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1)  # a turn of its own, after the frame the view owes
        self._timer.timeout.connect(self._run)

    # ----- what the view asks for -----
    def request(self, region: QRectF, zoom: float) -> None:
        """Labels for the scene area `region` seen at `zoom`: placed soon, a slice at a time."""
        self._last = (QRectF(region), zoom)
        growth = growth_for(zoom)
        if growth is None:
            self._switch(None)
            self.queue = []
            self.region = QRectF(region)
            self.settled.emit()
            return
        if self.step is None or self.step.growth != growth:
            self._switch(growth)
        self.region = QRectF(region)
        margin_x, margin_y = region.width() * 0.1, region.height() * 0.1
        wanted = region.adjusted(-margin_x, -margin_y, margin_x, margin_y)
        centre = region.center()
        tiles = [(i, j)
                 for i in range(int(wanted.left() // WORK_TILE), int(wanted.right() // WORK_TILE) + 1)
                 for j in range(int(wanted.top() // WORK_TILE), int(wanted.bottom() // WORK_TILE) + 1)]
        tiles.sort(key=lambda t: ((t[0] + 0.5) * WORK_TILE - centre.x()) ** 2
                   + ((t[1] + 0.5) * WORK_TILE - centre.y()) ** 2)
        phases = (0, 1) if self.link_labels else (0,)  # every component's label before any link's
        self.queue = [(i, j, phase) for phase in phases for i, j in tiles if (i, j, phase) not in self.step.done]
        if self.queue or self._owners:
            self._timer.start()
        else:
            self.settled.emit()

    def busy(self) -> bool:
        """Whether placements are still to be made."""
        return bool(self.queue or self._owners)

    def finish(self) -> None:
        """Do all the pending work now (tests, exports)."""
        self._timer.stop()
        self.flush()
        while self.queue:
            self._work(None)
        self.settled.emit()

    def last_request(self) -> tuple[QRectF, float] | None:
        """The area and zoom last asked for (None before any)."""
        return self._last

    def place_everything(self, zoom: float) -> None:
        """Place every label of the scene for `zoom`, now (an export of the whole design)."""
        self.request(self.scene.content_rect(), zoom)
        self.finish()

    def keep_shown_only(self) -> None:
        """Forget the placements' work (the grids of what was placed and of the obstacles), the labels staying as
        they are shown: a picture's labels once placed for its export (3 MB for 11,000 labels, at the peak of
        its drawing). A later request places them again."""
        self.steps, self.step, self.dormant, self.queue = {}, None, None, []
        self._owners, self._freed = set(), []
        self.obstacles = None

    def set_link_labels(self, on: bool) -> None:
        """Show or hide the links' labels."""
        if on != self.link_labels:
            self.link_labels = on
            self.refresh()

    def refresh(self) -> None:
        """Place every label again, for the area and zoom last asked for (the texts changed)."""
        self.reset()
        self.again()

    def again(self) -> None:
        """Ask again for the area and zoom last asked for."""
        if self._last is not None:
            self.request(*self._last)

    def reset(self) -> None:
        """Forget every placement and hide every label (the scene is rebuilt or closed)."""
        for owner in self.shown:
            owner.label.hide()
        self.shown = set()
        self.steps, self.step, self.queue, self.dormant = {}, None, [], None
        self._owners, self._freed = set(), []
        self.obstacles = None

    def hidden_in(self, rect: QRectF) -> int:
        """How many labels of components and links in `rect` (by their centre) are not shown."""
        index = self.scene.index
        total = len(index.component_rows_in(rect, centres=True))
        if self.link_labels:
            total += len(index.link_rows_with_middle_in(rect))
        if self.step is None:
            return total
        shown = sum(1 for owner in self.shown if rect.contains(self._anchor(owner)))
        return max(0, total - shown)

    # ----- what the scene reports -----
    def changed(self, owners=(), rects=()) -> None:
        """Owners whose label must be placed again, and areas where obstacles or labels changed."""
        if self.step is None:
            self.steps = {}  # placements kept for other zooms are stale now
            return
        self._owners.update(owners)
        self._freed.extend(_rect(r) for r in rects)
        self._timer.start()

    def obstacle_changed(self, key, rect: QRectF | None) -> None:
        """A component (or a link's badge) now covers `rect` (None: it is gone)."""
        if self.obstacles is None:
            return
        old = self.obstacles.rect(key)
        if rect is None:
            self.obstacles.remove(key)
        else:
            self.obstacles.add(key, _rect(rect))
        if old is not None and self.step is not None:
            self._freed.append(old)

    def forget(self, owner) -> None:
        """A component or link left the scene."""
        self._owners.discard(owner)
        self.shown.discard(owner)
        for step in self.steps.values():
            old = step.placed.rect(owner)
            if old is not None:
                self._freed.append(old)
            step.placed.remove(owner)
            step.refused.remove(owner)
        if self.obstacles is not None:
            self.obstacles.remove(owner)
        if self._freed:
            self._timer.start()

    def flush(self) -> None:
        """Repair the placements around what changed, now."""
        owners, freed = self._owners, self._freed
        self._owners, self._freed = set(), []
        if not owners and not freed:
            return
        step = self.step
        self.steps = {step.growth: step} if step is not None else {}  # the other steps are stale: redo them later
        if step is None:
            return
        for owner in owners:
            old = step.placed.rect(owner)
            if old is not None:
                freed.append(old)
        affected = set(owners)
        for rect in freed:
            affected |= step.placed.keys_in(rect)
            affected |= step.refused.keys_in(rect)
        for owner in affected:
            step.placed.remove(owner)
            step.refused.remove(owner)
        alive = [o for o in affected if o.scene() is self.scene]
        alive.sort(key=lambda o: 1 if hasattr(o, "line") else 0)  # components' labels first
        for owner in alive:
            if (*_tile_of(self._anchor(owner)), 1 if hasattr(owner, "line") else 0) in step.done:
                self._decide(owner, step)
            else:
                self._hide(owner)

    # ----- the work -----
    def _switch(self, growth: float | None) -> None:
        if growth is None:
            # Far out the view draws simplified tiles, never the items: the labels of the step stay as they
            # are (no picture shows them, and no click finds them), so coming back to that step costs nothing.
            self.dormant, self.step = self.step or self.dormant, None
            return
        if self.step is None and self.dormant is not None and self.steps.get(growth) is self.dormant:
            self.step, self.dormant = self.dormant, None
            return
        self.dormant = None
        if self.shown or growth in self.steps:
            self.switched.emit()
        for owner in self.shown:
            owner.label.hide()
        self.shown = set()
        self.step = self.steps.get(growth)
        if self.step is None:
            self.step = self.steps[growth] = _Step(growth)
            return
        compact = growth >= COMPACT_FROM
        for owner, rect in self.step.placed.items():
            owner.label.set_compact(compact)
            self._show(owner, rect, growth)

    def _run(self) -> None:
        began = time.perf_counter()
        self.flush()
        if self.queue:
            self._work(began + SLICE_SECONDS)
        if self.busy():
            self._timer.start()
        else:
            self.settled.emit()

    def _work(self, until: float | None) -> None:
        """Place the labels of the queued areas until `until` (a perf_counter time; None: one area)."""
        step = self.step
        if step is None:
            self.queue = []
            return
        if self.obstacles is None:
            self.obstacles = self._make_obstacles()
        index = self.scene.index
        while self.queue:
            tile = self.queue.pop(0)
            if tile in step.done:
                continue
            area = QRectF(tile[0] * WORK_TILE, tile[1] * WORK_TILE, WORK_TILE, WORK_TILE)
            if tile[2] == 0:
                owners = [index.components.items[r] for r in index.component_rows_in(area, centres=True).tolist()]
            else:
                owners = [index.links.items[r] for r in index.link_rows_with_middle_in(area).tolist()]
            for owner in owners:
                self._decide(owner, step)
            step.done.add(tile)
            if until is None or time.perf_counter() >= until:
                return

    def _make_obstacles(self) -> Grid:
        grid = Grid()
        rows = self.scene.index.components
        data, _flags, alive = rows.live()
        items = rows.items
        for row in alive.nonzero()[0].tolist():
            x, y, reach = data[row]
            grid.add(items[row], (x - reach, y - reach, x + reach, y + reach))
        for link in self.scene.links.values():
            badge = link.badge_rect()
            if badge is not None:
                grid.add(link.badge, _rect(badge))
        badges = self.scene.link_badges  # a picture's links have no item: one layer draws their badges
        for ident, rect in badges.shown() if badges is not None else ():
            grid.add((badges, ident), _rect(rect))
        return grid

    def _anchor(self, owner) -> QPointF:
        line = getattr(owner, "line", None)
        return line.center() if line is not None else owner.pos()

    def _decide(self, owner, step: _Step) -> None:
        growth = step.growth
        width, height = owner.label_size(growth >= COMPACT_FROM)  # the label is made only when it is shown
        if not width:
            self._hide(owner)
            return
        width, height = width * growth, height * growth
        spots = self._spots(owner, width, height, growth)
        obstacles, placed = self.obstacles, step.placed
        pad = LABEL_PAD * growth
        for rect in spots:
            if not obstacles.hits(rect) and not placed.hits((rect[0] - pad, rect[1] - pad,
                                                              rect[2] + pad, rect[3] + pad)):
                placed.add(owner, rect)
                self._show(owner, rect, growth)
                return
        if self.repairs:
            step.refused.add(owner, (min(r[0] for r in spots), min(r[1] for r in spots),
                                     max(r[2] for r in spots), max(r[3] for r in spots)))
        self._hide(owner)

    def _spots(self, owner, width: float, height: float, growth: float) -> list[Rect]:
        gap = GAP * growth
        line = getattr(owner, "line", None)
        if line is None:
            centre = owner.pos()
            x, y, reach = centre.x(), centre.y(), owner.reach()
            return [(x - width / 2, y + reach + gap, x + width / 2, y + reach + gap + height),
                    (x - width / 2, y - reach - gap - height, x + width / 2, y - reach - gap),
                    (x + reach + gap, y - height / 2, x + reach + gap + width, y + height / 2),
                    (x - reach - gap - width, y - height / 2, x - reach - gap, y + height / 2)]
        points = [line.pointAt(t) for t in LINK_STOPS]
        length = line.length()
        if length > 1e-6:
            shift = height / 2 + gap + 2
            normal = QPointF(-line.dy() / length * shift, line.dx() / length * shift)
            middle = line.center()
            points += [middle + normal, middle - normal]
        spots = [(p.x() - width / 2, p.y() - height / 2, p.x() + width / 2, p.y() + height / 2) for p in points]
        if abs(line.dy()) > abs(line.dx()) * 0.3:  # a steep link: beside it, to the right, then to the left
            for t in SIDE_STOPS:
                p = line.pointAt(t)
                top = p.y() - height / 2
                spots += [(p.x() + gap, top, p.x() + gap + width, top + height),
                          (p.x() - gap - width, top, p.x() - gap, top + height)]
        return spots

    def _show(self, owner, rect: Rect, growth: float) -> None:
        label = owner.label
        label.set_compact(growth >= COMPACT_FROM)
        if label.scale() != growth:
            label.setScale(growth)
        if label.x() != rect[0] or label.y() != rect[1]:
            label.setPos(rect[0], rect[1])
        if owner not in self.shown:
            label.show()
            self.shown.add(owner)

    def _hide(self, owner) -> None:
        if owner in self.shown:
            owner.label.hide()
            self.shown.discard(owner)

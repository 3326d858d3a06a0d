"""Where every component and link of a scene is, in numpy arrays: what a view, a tile or the overview needs
to draw is found in one vectorised pass, whatever the design's size (no Python call per item).

It also keeps the areas that changed since they were last taken (`take_dirty`), so that cached drawings
of those areas are redrawn and the others kept."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF

SELECTED_BIT = 8  # shared with designer.items.link.SELECTED
ROUTER, CLOUD, PROVISIONED_HOST, ERROR, WARNING = 16, 32, 64, 128, 256
BOX = 24.0  # half the side of a component's icon


class _Rows:
    """Rows of numbers for items, with a free list: removing leaves a hole that the next add fills."""

    def __init__(self, columns: int) -> None:
        self.data = np.zeros((64, columns))
        self.flags = np.zeros(64, dtype=np.int32)
        self.alive = np.zeros(64, dtype=bool)
        self.items: list = [None] * 64
        self.row_of: dict = {}
        self.free: list[int] = []
        self.end = 0

    def _grow(self, needed: int) -> None:
        size = len(self.alive)
        if needed <= size:
            return
        new = max(needed, size * 2)
        self.data = np.concatenate([self.data, np.zeros((new - size, self.data.shape[1]))])
        self.flags = np.concatenate([self.flags, np.zeros(new - size, dtype=np.int32)])
        self.alive = np.concatenate([self.alive, np.zeros(new - size, dtype=bool)])
        self.items.extend([None] * (new - size))

    def row(self, item) -> int:
        """The row of `item`, made when new."""
        row = self.row_of.get(item)
        if row is None:
            if self.free:
                row = self.free.pop()
            else:
                self._grow(self.end + 1)
                row, self.end = self.end, self.end + 1
            self.row_of[item] = row
            self.items[row] = item
            self.alive[row] = True
        return row

    def bulk(self, items: list, values: np.ndarray, flags: np.ndarray) -> None:
        """Replace everything with these rows."""
        count = len(items)
        self.data = np.zeros((max(64, count), self.data.shape[1]))
        self.flags = np.zeros(max(64, count), dtype=np.int32)
        self.alive = np.zeros(max(64, count), dtype=bool)
        if count:
            self.data[:count] = values
            self.flags[:count] = flags
            self.alive[:count] = True
        self.items = list(items) + [None] * (len(self.alive) - count)
        self.row_of = {item: i for i, item in enumerate(items)}
        self.free, self.end = [], count

    def bulk_made(self, count: int, values: np.ndarray, flags: np.ndarray, make) -> None:
        """Replace everything with `count` rows whose items are made by `make(row)` each time they are asked for,
        and know their row (`item.row`): a picture's links, of which no object is kept."""
        self.data, self.flags, self.alive = values.reshape(-1, self.data.shape[1]), flags, np.ones(count, dtype=bool)
        self.items = MadeItems(make, count)
        self.row_of = RowOfMade(count)
        self.free, self.end = [], count

    def drop(self, item) -> int | None:
        """Forget `item`; its row, or None when it had none."""
        row = self.row_of.pop(item, None)
        if row is not None:
            self.alive[row] = False
            self.items[row] = None
            self.flags[row] = 0
            self.free.append(row)
        return row

    def live(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Data, flags and alive mask of the used rows."""
        return self.data[:self.end], self.flags[:self.end], self.alive[:self.end]


class MadeItems:
    """The items of rows made when asked (`make(row)`), none kept."""

    def __init__(self, make, count: int) -> None:
        self.make, self.count = make, count

    def __getitem__(self, row: int):
        return self.make(row)

    def __len__(self) -> int:
        return self.count


class RowOfMade:
    """The rows of items made when asked: each knows its own."""

    def __init__(self, count: int) -> None:
        self.count = count

    def get(self, item, default=None):
        """The row of `item`."""
        return getattr(item, "row", default)

    def __getitem__(self, item) -> int:
        return item.row

    def __contains__(self, item) -> bool:
        return hasattr(item, "row")

    def __len__(self) -> int:
        return self.count


class RowObject:
    """What a picture-only scene makes for a row of its index when asked, and does not keep: equal to another made
    for the same row of the same scene and kind."""

    __slots__ = ("design", "row")

    def __init__(self, design, row: int) -> None:
        self.design, self.row = design, row

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.row == self.row and other.design is self.design

    def __hash__(self) -> int:
        return self.row


class LinesOf:
    """The QLineF of each link row, made when asked from the row's numbers (none is kept: 100,000 links held as
    many QLineF)."""

    def __init__(self, rows: _Rows) -> None:
        self.rows = rows

    def __getitem__(self, row: int) -> QLineF:
        return QLineF(*self.rows.data[row].tolist())

    def of(self, rows: np.ndarray) -> list[QLineF]:
        """The lines of these rows, in their order."""
        return [QLineF(*numbers) for numbers in self.rows.data[rows].tolist()]


class BoxesOf(LinesOf):
    """The icon square of each component row, made when asked (none is kept: 20,000 components held 2 MB of
    QRectF)."""

    def __getitem__(self, row: int) -> QRectF:
        x, y, _reach = self.rows.data[row].tolist()
        return QRectF(x - BOX, y - BOX, 2 * BOX, 2 * BOX)

    def of(self, rows: np.ndarray) -> list[QRectF]:
        """The squares of these rows, in their order."""
        return [QRectF(x - BOX, y - BOX, 2 * BOX, 2 * BOX) for x, y, _reach in self.rows.data[rows].tolist()]


class SpatialIndex:
    """Components (centre and reach) and links (end points and style bits) of a scene."""

    def __init__(self) -> None:
        self.components = _Rows(3)  # x, y, reach
        self.links = _Rows(4)  # x1, y1, x2, y2
        self.lines = LinesOf(self.links)  # made from the rows when asked
        self.boxes = BoxesOf(self.components)
        self.dirty: list[QRectF] = []
        self.dirty_all = True
        self.revision = 0
        self._bounds: QRectF | None = None

    # ----- changes -----
    def _touch(self, rect: QRectF | None) -> None:
        self.revision += 1
        self._bounds = None
        if rect is not None and not self.dirty_all:
            self.dirty.append(rect)
            if len(self.dirty) > 500:
                self.dirty, self.dirty_all = [], True

    def touch_all(self) -> None:
        """Everything must be drawn again (colours, a rebuild)."""
        self.revision += 1
        self._bounds = None
        self.dirty, self.dirty_all = [], True

    def take_dirty(self) -> tuple[bool, list[QRectF]]:
        """The areas changed since the last call (True: everything)."""
        result = (self.dirty_all, self.dirty)
        self.dirty, self.dirty_all = [], False
        return result

    def set_component(self, item, x: float, y: float, reach: float, flags: int) -> None:
        """Add or move a component."""
        rows = self.components
        new = item not in rows.row_of
        row = rows.row(item)
        if not new:
            self._touch(self._component_rect(row))
        rows.data[row] = (x, y, reach)
        rows.flags[row] = flags
        self._touch(self._component_rect(row))

    def set_component_flags(self, item, flags: int) -> None:
        """Change a component's flags (selection, kind, problems)."""
        row = self.components.row_of.get(item)
        if row is not None and self.components.flags[row] != flags:
            self.components.flags[row] = flags
            self._touch(self._component_rect(row))

    def remove_component(self, item) -> None:
        """Forget a component."""
        row = self.components.row_of.get(item)
        if row is not None:
            self._touch(self._component_rect(row))
            self.components.drop(item)

    def set_link(self, item, line: QLineF, flags: int) -> None:
        """Add or move a link, or change its style."""
        rows = self.links
        row = rows.row_of.get(item)
        if row is not None:
            self._touch(self._link_rect(row))
        row = rows.row(item)
        rows.data[row] = (line.x1(), line.y1(), line.x2(), line.y2())
        rows.flags[row] = flags
        self._touch(self._link_rect(row))

    def set_link_flags(self, item, flags: int) -> None:
        """Change a link's style bits."""
        row = self.links.row_of.get(item)
        if row is not None and self.links.flags[row] != flags:
            self.links.flags[row] = flags
            self._touch(self._link_rect(row))

    def remove_link(self, item) -> None:
        """Forget a link."""
        row = self.links.row_of.get(item)
        if row is not None:
            self._touch(self._link_rect(row))
            self.links.drop(item)

    def bulk(self, components, comp_values: np.ndarray, comp_flags: np.ndarray,
             links, lines: list[QLineF] | np.ndarray, link_flags: np.ndarray) -> None:
        """Load a whole scene at once (opening a design). `components` and `links` as functions of the row: a
        picture's, of which no object is kept (made when asked; `lines` an (n, 4) array)."""
        if callable(components):
            self.components.bulk_made(len(comp_flags), comp_values, comp_flags, components)
        else:
            self.components.bulk(components, comp_values, comp_flags)
        if callable(links):
            self.links.bulk_made(len(link_flags), lines, link_flags, links)
        else:
            values = np.array([(ln.x1(), ln.y1(), ln.x2(), ln.y2()) for ln in lines]).reshape(-1, 4)
            self.links.bulk(links, values, link_flags)
        self.touch_all()

    def _component_rect(self, row: int) -> QRectF:
        x, y, reach = self.components.data[row]
        return QRectF(x - reach, y - reach, 2 * reach, 2 * reach)

    def _link_rect(self, row: int) -> QRectF:
        x1, y1, x2, y2 = self.links.data[row]
        return QRectF(min(x1, x2) - 12, min(y1, y2) - 12, abs(x2 - x1) + 24, abs(y2 - y1) + 24)

    # ----- questions -----
    def component_rows_in(self, rect: QRectF, centres: bool = False) -> np.ndarray:
        """Rows of the components that reach into `rect` (or whose centre lies in it)."""
        data, _flags, alive = self.components.live()
        x, y = data[:, 0], data[:, 1]
        reach = 0.0 if centres else data[:, 2]
        mask = alive & (x + reach >= rect.left()) & (x - reach < rect.right()) \
            & (y + reach >= rect.top()) & (y - reach < rect.bottom())
        return np.flatnonzero(mask)

    def link_rows_in(self, rect: QRectF, pad: float = 2.0) -> np.ndarray:
        """Rows of the links whose line crosses `rect` (grown by `pad`): exact, not by bounding box."""
        data, _flags, alive = self.links.live()
        left, top, right, bottom = rect.left() - pad, rect.top() - pad, rect.right() + pad, rect.bottom() + pad
        x1, y1, x2, y2 = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
        near = alive & (np.maximum(x1, x2) >= left) & (np.minimum(x1, x2) <= right) \
            & (np.maximum(y1, y2) >= top) & (np.minimum(y1, y2) <= bottom)
        rows = np.flatnonzero(near)
        if not len(rows):
            return rows
        x1, y1, x2, y2 = x1[rows], y1[rows], x2[rows], y2[rows]
        dx, dy = x2 - x1, y2 - y1
        sides = np.stack([dx * (cy - y1) - dy * (cx - x1)
                          for cx, cy in ((left, top), (right, top), (left, bottom), (right, bottom))])
        crosses = (sides.min(axis=0) <= 0) & (sides.max(axis=0) >= 0)
        return rows[crosses]

    def link_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The row of the link whose line passes nearest (x, y), within `tolerance`; None when none does."""
        data, _flags, alive = self.links.live()
        x1, y1, x2, y2 = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
        rows = np.flatnonzero(alive & (np.minimum(x1, x2) - tolerance <= x) & (np.maximum(x1, x2) + tolerance >= x)
                              & (np.minimum(y1, y2) - tolerance <= y) & (np.maximum(y1, y2) + tolerance >= y))
        if not len(rows):
            return None
        x1, y1, x2, y2 = x1[rows], y1[rows], x2[rows], y2[rows]
        dx, dy = x2 - x1, y2 - y1
        length_sq = np.maximum(dx * dx + dy * dy, 1e-12)
        t = np.clip(((x - x1) * dx + (y - y1) * dy) / length_sq, 0.0, 1.0)
        distance = np.hypot(x1 + t * dx - x, y1 + t * dy - y)
        best = int(np.argmin(distance))
        return int(rows[best]) if distance[best] <= tolerance else None

    def link_rows_with_middle_in(self, rect: QRectF) -> np.ndarray:
        """Rows of the links whose middle lies in `rect`."""
        data, _flags, alive = self.links.live()
        mx, my = (data[:, 0] + data[:, 2]) / 2, (data[:, 1] + data[:, 3]) / 2
        mask = alive & (mx >= rect.left()) & (mx < rect.right()) & (my >= rect.top()) & (my < rect.bottom())
        return np.flatnonzero(mask)

    def bounds(self) -> QRectF:
        """The rectangle the components cover (empty when there are none)."""
        if self._bounds is None:
            data, _flags, alive = self.components.live()
            if not alive.any():
                self._bounds = QRectF()
            else:
                live = data[alive]
                reach = live[:, 2]
                left, top = float((live[:, 0] - reach).min()), float((live[:, 1] - reach).min())
                right, bottom = float((live[:, 0] + reach).max()), float((live[:, 1] + reach).max())
                self._bounds = QRectF(left, top, right - left, bottom - top)
        return QRectF(self._bounds)

    def count(self) -> tuple[int, int]:
        """How many components and links are indexed."""
        return len(self.components.row_of), len(self.links.row_of)

"""Positions computed for auto-layout (networkx), align and distribute; the editor makes them one command.

Auto-layout keeps a minimum spacing: the force-directed positions are moved to the nearest free cell of a
grid whose cells hold an item with its label and leave room for a link's label between neighbours, so no
two items or labels overlap."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import networkx as nx

Position = tuple[float, float]
SPACING = 140.0
CHAR_WIDTH = 6.5  # an estimate of the label font's average advance, in scene units at 100 %
ITEM = 76.0  # the side of the square an item covers with its ports and badge
LABEL_LINE = 14.0


def graph_of(model) -> nx.Graph:
    """The undirected graph of a model's components and links."""
    graph = nx.Graph()
    graph.add_nodes_from(model.components)
    graph.add_edges_from((lk.source, lk.destination) for lk in model.links.values()
                         if lk.source in model.components and lk.destination in model.components)
    return graph


def min_spacing(model) -> tuple[float, float]:
    """The horizontal and vertical distance between grid cells: an item, its label, and a link label between."""
    longest_id = max((len(i) for i in model.components), default=4)
    id_width = max(longest_id, 16) * CHAR_WIDTH  # "router · 8 ports" is about 16 characters
    link_width = 22 * CHAR_WIDTH if model.links else 0.0  # "⇄ 100 Mbit/s · 10 ms"
    horizontal = max(SPACING + 40, id_width + 40, ITEM + link_width + 16)
    vertical = max(SPACING, ITEM + 2 * LABEL_LINE + 6 + (3 * LABEL_LINE if model.links else 0))
    return _snap_value(horizontal), _snap_value(vertical)


def _snap_value(value: float, grid: float = 20.0) -> float:
    return math.ceil(value / grid) * grid


def grid_positions(ids: list[str], spacing: float | tuple[float, float] = SPACING,
                   origin: Position = (0.0, 0.0)) -> GridPlaces:
    """Ids laid out row by row on a square grid."""
    return GridPlaces(ids, spacing if isinstance(spacing, tuple) else (spacing, spacing), origin)


class GridPlaces(Mapping):
    """Ids laid out row by row on a square grid, each position made when asked (20,000 held as tuples of floats
    took 3 MB for the export of a file without positions)."""

    def __init__(self, ids: list[str], spacing: tuple[float, float], origin: Position) -> None:
        self.ids, self.spacing, self.origin = ids, spacing, origin
        self.columns = max(1, math.ceil(math.sqrt(len(ids))))
        self._index: dict[str, int] | None = None
        self._xs: dict[int, float] = {}  # one float per column and per row, shared by the positions given (a float
        self._ys: dict[int, float] = {}  # each was 1 MB of 20,000 positions given to the model)

    def at(self, i: int) -> Position:
        """The position of the i-th id."""
        column, row = i % self.columns, i // self.columns
        x, y = self._xs.get(column), self._ys.get(row)
        if x is None:
            x = self._xs[column] = self.origin[0] + self.spacing[0] * column
        if y is None:
            y = self._ys[row] = self.origin[1] + self.spacing[1] * row
        return x, y

    def __getitem__(self, ident: str) -> Position:
        if self._index is None:
            self._index = {name: i for i, name in enumerate(self.ids)}
        return self.at(self._index[ident])

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def items(self) -> Iterator[tuple[str, Position]]:
        """(id, position) in the grid's order, without an index of the ids."""
        return ((ident, self.at(i)) for i, ident in enumerate(self.ids))


def auto_layout(model, seed: int = 7) -> Mapping[str, Position]:
    """New positions for every component, never closer than the minimum spacing: force-directed for up to
    400, a grid beyond (fast)."""
    ids = list(model.components)
    if not ids:
        return {}
    spacing = min_spacing(model)
    if len(ids) > 400:  # a grid, whatever the links (no graph of them is built: 100,000 links took 17 MB)
        return grid_positions(ids, spacing)
    graph = graph_of(model)
    if graph.number_of_edges() == 0:
        return grid_positions(ids, spacing)
    raw = nx.kamada_kawai_layout(graph) if len(ids) <= 60 else nx.spring_layout(graph, seed=seed)
    return spread(raw, spacing)


def spread(raw: dict, spacing: tuple[float, float], taken: set[tuple[int, int]] | None = None,
           origin: Position = (0.0, 0.0)) -> dict[str, Position]:
    """Scale `raw` (any units) so that neighbours are about two cells apart, then give each id the free grid
    cell nearest its place, the most central first; `taken` cells stay empty."""
    sx, sy = spacing
    points = {k: (float(x), float(y)) for k, (x, y) in raw.items()}
    if not points:
        return {}
    xs = [p[0] for p in points.values()]
    ys = [p[1] for p in points.values()]
    extent = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    cells_across = max(2.0, math.sqrt(len(points)) * 1.6)
    factor = cells_across / extent
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    wanted = {k: ((x - cx) * factor, (y - cy) * factor) for k, (x, y) in points.items()}
    used = set(taken or ())
    result = {}
    for ident in sorted(wanted, key=lambda k: wanted[k][0] ** 2 + wanted[k][1] ** 2):
        x, y = wanted[ident]
        cell = _nearest_free(x, y, used)
        used.add(cell)
        result[ident] = (origin[0] + cell[0] * sx, origin[1] + cell[1] * sy)
    return result


def _nearest_free(x: float, y: float, used: set[tuple[int, int]]) -> tuple[int, int]:
    """The free cell nearest (x, y) (cell units), searching rings around it."""
    home = (round(x), round(y))
    if home not in used:
        return home
    for ring in range(1, 10_000):
        ring_cells = [(home[0] + dx, home[1] + dy) for dx in range(-ring, ring + 1) for dy in (-ring, ring)]
        ring_cells += [(home[0] + dx, home[1] + dy) for dx in (-ring, ring) for dy in range(-ring + 1, ring)]
        free = [c for c in ring_cells if c not in used]
        if free:
            return min(free, key=lambda c: (c[0] - x) ** 2 + (c[1] - y) ** 2)
    raise RuntimeError("no free cell")  # pragma: no cover - 10,000 rings always hold one


def place_missing(model, drawn: dict[str, Position]) -> dict[str, Position]:
    """Positions for the components that have none (`drawn` are those that have one): laid out together,
    with the minimum spacing, to the right of what is drawn so that nothing lands on anything."""
    missing = [i for i in model.components if i not in drawn]
    if not missing:
        return {}
    if not drawn:
        return auto_layout(model)
    spacing = min_spacing(model)
    right = max(x for x, _y in drawn.values()) + spacing[0]
    top = min(y for _x, y in drawn.values())
    graph = graph_of(model).subgraph(missing)
    if len(missing) > 400 or graph.number_of_edges() == 0:
        return grid_positions(missing, spacing, (right, top))
    raw = nx.kamada_kawai_layout(graph) if len(missing) <= 60 else nx.spring_layout(graph, seed=7)
    placed = spread(raw, spacing)
    left = min(x for x, _y in placed.values())
    high = min(y for _x, y in placed.values())
    return {k: (x - left + right, y - high + top) for k, (x, y) in placed.items()}


def align(positions: dict[str, Position], how: str) -> dict[str, Position]:
    """Align on one edge or centre line: left, right, top, bottom, hcenter, vcenter."""
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    target = {"left": min(xs), "right": max(xs), "hcenter": (min(xs) + max(xs)) / 2,
              "top": min(ys), "bottom": max(ys), "vcenter": (min(ys) + max(ys)) / 2}[how]
    if how in ("left", "right", "hcenter"):
        return {k: (target, y) for k, (x, y) in positions.items()}
    return {k: (x, target) for k, (x, y) in positions.items()}


def distribute(positions: dict[str, Position], axis: str) -> dict[str, Position]:
    """Spread evenly between the outermost two along 'horizontal' or 'vertical'."""
    if len(positions) < 3:
        return dict(positions)
    index = 0 if axis == "horizontal" else 1
    ordered = sorted(positions, key=lambda k: positions[k][index])
    first, last = positions[ordered[0]][index], positions[ordered[-1]][index]
    step = (last - first) / (len(ordered) - 1)
    result = {}
    for i, ident in enumerate(ordered):
        x, y = positions[ident]
        result[ident] = (first + i * step, y) if index == 0 else (x, first + i * step)
    return result

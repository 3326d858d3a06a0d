"""Drawing many items in few calls, from a scene's spatial index: every link of a view in one pass, and the
simplified picture (squares and hairlines) used far out, by the tiles and by the overview."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from designer.band_grid import grid_cells
from designer.items.link import IDLE, ONE_WAY, PROVISIONED, SELECTED, arrow_head
from designer.spatial import ERROR, PROVISIONED_HOST, ROUTER, WARNING, LinesOf, SpatialIndex

LINK_WIDTH = 2.0
SELECTED_WIDTH = 2.6
HALO_WIDTH = 9.0
LINK_PAD = 6.0  # how far from its line a link draws: the halo (4.5), an arrowhead's side (4.6 with its pen)


PIECE_LINES = 500  # lines drawn at once into an SVG written in pieces


def _pen(colour: QColor, width: float, scale: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
         cap: Qt.PenCapStyle = Qt.PenCapStyle.SquareCap) -> QPen:
    """A pen `width` scene units wide; when that is under two pixels, a cosmetic one (much faster to draw)."""
    pixels = width * scale
    if pixels >= 2.0:
        return QPen(colour, width, style, cap)
    pen = QPen(colour, max(1.0, pixels), style, cap)
    pen.setCosmetic(True)
    return pen


def draw_on_grid(painter: QPainter, lines: LinesOf, rows: np.ndarray, grid: int) -> None:
    """Draw these lines with the painter's pen; a wide one, with `grid` (a PNG drawn band by band), a grid cell at
    a time, each cell the lines crossing it (`designer/band_grid.py`)."""
    if not grid or painter.pen().isCosmetic():
        painter.drawLines(lines.of(rows))
        return
    device = painter.deviceTransform()
    ends = lines.rows.data[rows]
    reach = painter.pen().widthF() * device.m22()  # (a square cap's corner included)
    tops = np.minimum(ends[:, 1], ends[:, 3]) * device.m22() + device.dy() - reach
    bottoms = np.maximum(ends[:, 1], ends[:, 3]) * device.m22() + device.dy() + reach
    for first in grid_cells(painter, grid, float(tops.min()), float(bottoms.max())):
        near = rows[(bottoms >= first) & (tops <= first + grid)] if first >= 0 else rows
        if len(near):
            painter.drawLines(lines.of(near))


def draw_links(painter: QPainter, index: SpatialIndex, rect: QRectF, colours: dict[str, QColor],
               selected: bool, pieces=None, grid: int = 0) -> None:
    """Draw the links crossing `rect`: the unselected ones (under the items), or the selected ones (above
    everything, labels included), each style in one call (with `pieces`, an SVG written in pieces, a piece's
    share of its lines at a time; with `grid`, a PNG's band, wide lines a grid cell at a time: draw_on_grid)."""
    rows = index.link_rows_in(rect, pad=LINK_PAD)
    if not len(rows):
        return
    flags = index.links.flags[rows]
    chosen = (flags & SELECTED) != 0
    if not selected:
        chosen = ~chosen
    rows, flags = rows[chosen], flags[chosen]
    if not len(rows):
        return
    scale = painter.worldTransform().m11() or 1.0
    lines = index.lines
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if selected:
        painter.setPen(_pen(colours["selection_fill"], max(HALO_WIDTH, 4.0 / scale), scale,
                            cap=Qt.PenCapStyle.RoundCap))
        draw_on_grid(painter, lines, rows, grid)
    width = SELECTED_WIDTH if selected else LINK_WIDTH
    for provisioned in (False, True):
        for idle in (False, True):
            mask = (((flags & PROVISIONED) != 0) == provisioned) & (((flags & IDLE) != 0) == idle)
            group = rows[mask]
            if not len(group):
                continue
            colour = colours["selection"] if selected else colours["provisioned"] if provisioned else colours["link"]
            style = Qt.PenStyle.DotLine if idle else Qt.PenStyle.DashLine if provisioned else Qt.PenStyle.SolidLine
            painter.setOpacity(0.55 if idle else 1.0)
            painter.setPen(_pen(colour, width, scale, style))
            if pieces is None:
                draw_on_grid(painter, lines, group, grid)
                continue
            for start in range(0, len(group), PIECE_LINES):
                painter.drawLines(lines.of(group[start:start + PIECE_LINES]))
                painter = pieces.after(painter, min(PIECE_LINES, len(group) - start))
    painter.setOpacity(1.0)
    one_way = rows[(flags & ONE_WAY) != 0]
    for row in one_way.tolist():
        colour = colours["selection"] if selected else colours["provisioned"] if index.links.flags[row] & PROVISIONED \
            else colours["link"]
        painter.setPen(QPen(colour, 1))
        painter.setBrush(colour)
        painter.drawPolygon(arrow_head(lines[row]))
        if pieces is not None:
            painter = pieces.after(painter)


def draw_simplified(painter: QPainter, index: SpatialIndex, rect: QRectF, colours: dict[str, QColor],
                    selected_only: bool = False) -> None:
    """Far out: links as hairlines, components as filled squares, problems as a red or amber frame.

    With `selected_only`, only the selected ones, in the selection colour (drawn over cached tiles)."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rows = index.link_rows_in(rect)
    flags = index.links.flags[rows]
    picked = (flags & SELECTED) != 0
    if selected_only:
        rows = rows[picked]
    if len(rows):
        pen = QPen(colours["selection"] if selected_only else colours["link"], 2 if selected_only else 1)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawLines(index.lines.of(rows))
    rows = index.component_rows_in(rect)
    flags = index.components.flags[rows]
    if selected_only:
        keep = (flags & SELECTED) != 0
        rows, flags = rows[keep], flags[keep]
    if not len(rows):
        return
    border = QPen(colours["item_border"], 0)
    boxes = index.boxes
    groups = ((colours["selection"], np.full(len(rows), True)),) if selected_only else (
        (colours["item_border"], (flags & ROUTER) != 0),
        (colours["provisioned"], (flags & PROVISIONED_HOST) != 0),
        (colours["item_fill"], (flags & (ROUTER | PROVISIONED_HOST)) == 0))
    for fill, mask in groups:
        group = rows[mask]
        if len(group):
            painter.setPen(border)
            painter.setBrush(fill)
            painter.drawRects(boxes.of(group))
    if selected_only:
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for bit, colour in ((WARNING, colours["warning"]), (ERROR, colours["error"])):
        group = rows[(flags & bit) != 0]
        if len(group):
            pen = QPen(colour, 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawRects([box.adjusted(-6, -6, 6, 6) for box in boxes.of(group)])

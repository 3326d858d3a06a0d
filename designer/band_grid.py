"""Wide lines of a PNG drawn band by band, cut on a fixed grid of rows: Qt cuts a line two pixels wide or more
where the painter's clip cuts it, and from there draws other shades, so a line crossing a band's edge was drawn
differently for another band height (outlines and polygons, filled another way, are not). The bands' edges lie on
the grid (`designer/image_export.py`) and a wide line is drawn one grid cell at a time, clipped to it: cut at the
same rows whatever the bands."""

from __future__ import annotations

import math
from collections.abc import Iterator

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter


def grid_cells(painter: QPainter, grid: int, top: float = -math.inf, bottom: float = math.inf) -> Iterator[int]:
    """The first row of each cell of `grid` rows (of the picture's pixels) within the painter's clip and between
    `top` and `bottom`, the painter clipped to the cell (its state restored after); one pass, unclipped, without a
    grid or a clip."""
    if not grid or not painter.hasClipping():
        yield -1
        return
    world, device = painter.worldTransform(), painter.deviceTransform()
    band = device.mapRect(painter.clipBoundingRect())  # the band being drawn, in pixels of the picture
    ratio = painter.device().devicePixelRatioF() or 1.0
    first = int(max(band.top(), top)) // grid * grid
    for row in range(first, math.ceil(min(band.bottom(), bottom)), grid):
        painter.save()
        painter.resetTransform()
        painter.setClipRect(QRectF(band.left() / ratio, row / ratio, band.width() / ratio, grid / ratio),
                            Qt.ClipOperation.IntersectClip)
        painter.setWorldTransform(world)
        try:
            yield row
        finally:
            painter.restore()


"""Cached tiles of the canvas, for views that are not close up: a frame is then a few dozen pixmap copies,
whatever the design's size.

Below `FAR_BELOW` the tiles hold a simplified picture (squares and hairlines, drawn in a few calls from the
scene's spatial index) at fixed scales √2 apart; from there to `NEAR_UP_TO` they hold the scene itself as its
items draw it (icons, labels, ports), at the scales where the labels change size. A view draws the tiles of the
scale nearest above its zoom (scaling them down at most √2). A tile whose area changed is kept as a stale
picture until it is drawn again; a frame draws again only what fits in its time budget, showing the stale
picture, or the tiles of another scale, for the rest meanwhile."""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from designer.painting import draw_simplified
from designer.spatial import SpatialIndex

FAR_BELOW = 0.3
NEAR_UP_TO = 1.0
TILE = 256
FAR_LEVELS = tuple(FAR_BELOW * 2 ** (-k / 2) for k in range(12))  # 0.3 … 0.007
NEAR_LEVELS = (0.375, 0.53, 0.75, 1.0)  # the zooms where labels change size (label_layout.GROWTH_STEPS)
MAX_TILES = 300  # about 75 MB at most
GRID_STEP = 20.0
FAR, NEAR = "far", "near"


def level_for(zoom: float) -> tuple[str, float] | None:
    """Which tiles a view at `zoom` draws: (kind, scale), or None when it draws its items directly."""
    if zoom >= NEAR_UP_TO:
        return None
    if zoom >= FAR_BELOW:
        return NEAR, min(s for s in NEAR_LEVELS if s >= zoom * 0.999)
    return FAR, min((s for s in FAR_LEVELS if s >= zoom * 0.999), default=FAR_LEVELS[0])


class _Tile:
    __slots__ = ("fresh", "pixmap")

    def __init__(self, pixmap: QPixmap) -> None:
        self.pixmap = pixmap
        self.fresh = True


class TileCache:
    """Tiles by (kind, scale, column, row): made when first drawn, kept until their area changes."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.index: SpatialIndex = scene.index
        self.tiles: OrderedDict[tuple[str, float, int, int], _Tile] = OrderedDict()
        self.rendered = 0  # tiles drawn since creation (for tests and benchmarks)
        self.colours = scene.colours  # the view clears the tiles when the scene's colours change
        self._labels_switched = False
        scene.changed.connect(self._scene_changed)
        if hasattr(scene, "labels"):
            scene.labels.switched.connect(self._switched)

    def _switched(self) -> None:
        """The labels of another zoom step were shown: the next change report is only that. A tile of each
        scale was drawn with that scale's labels, so none is stale for it."""
        self._labels_switched = True

    # ----- what changed -----
    def _scene_changed(self, rects: list[QRectF]) -> None:
        """Items changed in `rects` (the scene says so once per event loop turn): those near tiles are stale."""
        if self._labels_switched:
            self._labels_switched = False
            return
        if not rects:
            return
        for key, tile in self.tiles.items():
            if key[0] == NEAR and tile.fresh:
                area = _area(key)
                if any(area.intersects(rect) for rect in rects):
                    tile.fresh = False

    def _forget_far_changes(self) -> None:
        """The simplified tiles follow the spatial index (labels and hover do not change them)."""
        everything, rects = self.index.take_dirty()
        for key, tile in self.tiles.items():
            if key[0] == FAR and tile.fresh and (everything or any(_area(key).intersects(r) for r in rects)):
                tile.fresh = False

    def clear(self) -> None:
        """Forget every tile (a new theme)."""
        self.tiles.clear()

    # ----- drawing -----
    def draw(self, painter: QPainter, exposed: QRectF, zoom: float, deadline: float, labels_ready: bool) -> bool:
        """Draw the tiles covering `exposed` (scene coordinates; the painter maps the scene to the view),
        drawing again what is missing or stale until `deadline` (a perf_counter time). False when some of
        the area shows a stand-in (a stale tile or another scale) and another frame should follow."""
        level = level_for(zoom)
        if level is None:
            return True
        kind, scale = level
        if kind == FAR:
            self._forget_far_changes()
        span = TILE / scale
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        complete = True
        for i in range(math.floor(exposed.left() / span), math.floor(exposed.right() / span) + 1):
            for j in range(math.floor(exposed.top() / span), math.floor(exposed.bottom() / span) + 1):
                key = (kind, scale, i, j)
                tile = self.tiles.get(key)
                if tile is not None and tile.fresh:
                    self.tiles.move_to_end(key)
                    self._blit(painter, key, tile.pixmap)
                    continue
                may_render = time.perf_counter() < deadline
                if may_render and (labels_ready or kind == FAR):
                    self._blit(painter, key, self._render(key).pixmap)
                    continue
                complete = False
                if tile is not None:
                    self._blit(painter, key, tile.pixmap)
                elif not self._stand_in(painter, key):
                    if may_render:
                        self._blit(painter, key, self._render(key).pixmap)
                    else:
                        self._sketch(painter, _area(key))
        return complete

    def _blit(self, painter: QPainter, key, pixmap: QPixmap) -> None:
        painter.drawPixmap(_area(key), pixmap, QRectF(0, 0, TILE, TILE))

    def _stand_in(self, painter: QPainter, key) -> bool:
        """Draw the area of `key` from the tiles of another scale of the same kind; False when none cover it."""
        kind, scale, i, j = key
        area = _area(key)
        levels = NEAR_LEVELS if kind == NEAR else FAR_LEVELS
        for other in sorted((s for s in levels if s != scale), key=lambda s: abs(math.log(s / scale))):
            span = TILE / other
            keys = [(kind, other, a, b)
                    for a in range(math.floor(area.left() / span), math.floor((area.right() - 1e-6) / span) + 1)
                    for b in range(math.floor(area.top() / span), math.floor((area.bottom() - 1e-6) / span) + 1)]
            if all(k in self.tiles for k in keys):
                painter.save()
                painter.setClipRect(area, Qt.ClipOperation.IntersectClip)
                for k in keys:
                    self._blit(painter, k, self.tiles[k].pixmap)
                painter.restore()
                return True
        return False

    def _sketch(self, painter: QPainter, area: QRectF) -> None:
        """The simplified picture of `area`, drawn directly (when no tile can stand in)."""
        colours = self.scene.colours
        painter.fillRect(area, colours["background"])
        draw_simplified(painter, self.index, area, colours)

    def _render(self, key) -> _Tile:
        kind, scale, _i, _j = key
        area = _area(key)
        pixmap = QPixmap(TILE, TILE)
        colours = self.scene.colours
        pixmap.fill(colours["background"])
        painter = QPainter(pixmap)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                               | QPainter.RenderHint.SmoothPixmapTransform)
        if kind == NEAR:
            self.scene.render(painter, QRectF(0, 0, TILE, TILE), area, Qt.AspectRatioMode.IgnoreAspectRatio)
        else:
            painter.scale(scale, scale)
            painter.translate(-area.left(), -area.top())
            grid_lines(painter, area, colours["grid"], scale)
            draw_simplified(painter, self.index, area.adjusted(-30, -30, 30, 30), colours)
        painter.end()
        self.rendered += 1
        tile = _Tile(pixmap)
        self.tiles[key] = tile
        self.tiles.move_to_end(key)
        while len(self.tiles) > MAX_TILES:
            self.tiles.popitem(last=False)
        return tile


def _area(key) -> QRectF:
    _kind, scale, i, j = key
    span = TILE / scale
    return QRectF(i * span, j * span, span, span)


def grid_lines(painter: QPainter, rect: QRectF, colour: QColor, scale: float) -> None:
    """The background grid: every 20 scene units, every 100 when that is too dense, none further out."""
    step = GRID_STEP if GRID_STEP * scale >= 8 else GRID_STEP * 5 if GRID_STEP * 5 * scale >= 8 else 0
    if not step:
        return
    pen = QPen(colour, 0)
    painter.setPen(pen)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    top, bottom, left, right = rect.top(), rect.bottom(), rect.left(), rect.right()
    first_x, first_y = math.floor(left / step), math.floor(top / step)
    lines = [QLineF(x * step, top, x * step, bottom) for x in range(first_x, math.ceil(right / step))]
    lines += [QLineF(left, y * step, right, y * step) for y in range(first_y, math.ceil(bottom / step))]
    painter.drawLines(lines)  # one call for the whole grid
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setBrush(Qt.BrushStyle.NoBrush)

"""PNG and SVG pictures of a design scene (also headless, with no window shown), written atomically through
backend.files like every other file the project writes."""

from __future__ import annotations

import math
import mmap
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from backend.files import FileWriteError, atomic_writer, resolve_target
from designer.png_writer import PngBands
from designer.svg_pieces import SvgPieces

MAX_PIXELS = 48_000_000
MAX_SIDE = 1_000_000  # scene units a picture may span (a full VXI spans tens of thousands)
MAX_DRAWN_PIXELS = 400_000_000  # a PNG too large for MAX_PIXELS even at a quarter of its size: refused beyond
BAND_BYTES = 1 << 20  # pixels drawn at once (1 MiB): a large PNG is drawn and encoded band by band
MIN_BAND_ROWS = 8  # rows of a band, at least
GRID_ROWS = 8  # a band's rows are a multiple of these, and a wide line is drawn cut at every multiple
SWAPPED_AT_ONCE = 1 << 16  # pixels whose red and blue are swapped at once


class ExportError(ValueError):
    """An image that cannot be written (unknown format, unwritable place)."""


def export_image(scene, path: str | Path, title: str = "VXI design") -> Path:
    """Write the whole scene to `path`; the format comes from the suffix (.png or .svg)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ExportError(f"{path}: choose a .png or .svg file name")
    try:
        resolve_target(path)  # a directory, a device or a special file is refused before drawing anything
    except FileWriteError as exc:
        raise ExportError(str(exc)) from None
    far = scene.itemsBoundingRect()
    _check_size(path, far if not far.isEmpty() else QRectF(0, 0, 200, 120), suffix)  # before any drawing
    detail = scene.detail
    # afterwards, back to what the view showed: its last area, not every label of the scene
    shown_region, shown_zoom = scene.labels.last_request() or (
        QRectF(), 0.0 if not detail[0] else 0.2 if not detail[1] else 1.0)
    if suffix == ".png":  # what the canvas would show at the picture's scale: a large design's overview has
        # no labels nor ports (unreadable at a quarter of their size; 20,000 labels took 400 MB and 90 s)
        scene.set_zoom(min(1.0, _png_ratio(scene.itemsBoundingRect())))
    else:
        scene.set_zoom(1.0)
    selected = scene.selectedItems()
    for item in selected:
        item.setSelected(False)
    try:
        rect = scene.itemsBoundingRect().adjusted(-40, -40, 40, 40)
        if rect.isEmpty():
            rect = QRectF(0, 0, 200, 120)
        with atomic_writer(path) as out:  # the bytes go to the file as they are made (a PNG's as they are
            (_svg if suffix == ".svg" else _png)(scene, out, rect, title)  # compressed, an SVG's a piece at a time)
    except FileWriteError as exc:
        raise ExportError(str(exc)) from None
    finally:
        for item in selected:
            item.setSelected(True)
        scene.set_zoom(shown_zoom, shown_region)
    return path


def _check_size(path: Path, rect: QRectF, suffix: str) -> None:
    """A design whose positions lie far apart (x="1e30" is a valid position) cannot be drawn: it is refused in
    a sentence (its PNG failed with a traceback, its SVG never ended)."""
    ratio = _png_ratio(rect) if suffix == ".png" else 1.0
    if max(rect.width(), rect.height()) > MAX_SIDE:
        limit = f"at most {MAX_SIDE:,} a side"
    elif rect.width() * rect.height() * ratio * ratio > MAX_DRAWN_PIXELS:  # an SVG is drawn at full size
        limit = f"at most {MAX_DRAWN_PIXELS:,} {'pixels' if suffix == '.png' else 'square units'} drawn"
    else:
        return
    raise ExportError(f"{path}: the design spans {rect.width():.3g} x {rect.height():.3g} units, too large for "
                      f"a picture ({limit}); move its far components closer")


def _svg(scene, out, rect: QRectF, title: str) -> None:
    """The scene as an SVG written to `out` in pieces (`designer/svg_pieces.py`): a picture-only scene's layers
    are drawn here as `QGraphicsScene.render` would draw them, going on to a new piece between two things drawn;
    a window's scene, whose items Qt draws, is one piece."""
    width, height = math.ceil(rect.width()), math.ceil(rect.height())
    pieces = SvgPieces(out, width, height, title)  # OSError when Qt cannot draw: the writer says it in a line
    scene.vector_icons = True
    try:
        if scene.picture:
            _render_in_pieces(scene, pieces, QRectF(0, 0, width, height), rect)
        else:
            scene.render(pieces.painter, QRectF(0, 0, width, height), rect)
    finally:
        scene.vector_icons = False
    pieces.finish()


def _render_in_pieces(scene, pieces: SvgPieces, target: QRectF, source: QRectF) -> None:
    """What `QGraphicsScene.render(painter, target, source)` draws (its state, its order: the background, each
    item from the lowest, the foreground), with each picture layer's things drawn one piece's share at a time."""
    items = scene.items(source, Qt.ItemSelectionMode.IntersectsItemBoundingRect, Qt.SortOrder.AscendingOrder)
    layers = (scene.link_badges, scene.component_layer, scene.label_layer)
    if any(item not in layers for item in items):
        raise ExportError("a picture-only scene holds an item of its own")  # never: a picture has layers only
    ratio = min(target.width() / source.width(), target.height() / source.height())  # Qt keeps the aspect ratio
    view = QTransform().translate(target.left(), target.top()).scale(ratio, ratio).translate(-source.left(),
                                                                                        -source.top())
    pieces.save()
    pieces.painter.setClipRect(target, Qt.ClipOperation.IntersectClip)
    pieces.painter.setWorldTransform(view, True)
    scene.svg_pieces = pieces
    try:
        scene.drawBackground(pieces.painter, source)
        view = pieces.painter.worldTransform()
        option = QStyleOptionGraphicsItem()
        for item in items:  # each as Qt draws an item: its transform, the state saved, full opacity
            pieces.painter.setWorldTransform(item.sceneTransform() * view)
            pieces.save()
            pieces.painter.setOpacity(1.0)
            item.paint(pieces.painter, option, None)
            pieces.restore()
        scene.drawForeground(pieces.painter, source)
    finally:
        scene.svg_pieces = None
    pieces.restore()


def _png_ratio(rect: QRectF) -> float:
    """Pixels per scene unit of a PNG of `rect`: 2, less for a large design (at most MAX_PIXELS if it can)."""
    ratio = 2.0
    while rect.width() * rect.height() * ratio * ratio > MAX_PIXELS and ratio > 0.25:
        ratio /= 2
    return ratio


def _png(scene, out, rect: QRectF, title: str) -> None:
    """The scene as a PNG written to `out`, drawn a band of rows (at most BAND_BYTES) at a time into an image of
    the whole picture over anonymous memory that is never touched outside the band being drawn: its rows, once
    compressed straight to `out`, are given back. Qt clips a thin line to its device, not to the painter's clip
    (and draws its pixels from where it was clipped), so drawing each band into an image of its own drew other
    pixels for other band heights; every band drawn in the same device draws the same ones."""
    ratio = _png_ratio(rect)
    width, height = max(1, math.ceil(rect.width() * ratio)), max(1, math.ceil(rect.height() * ratio))
    line = width * 4
    step = max(1, math.ceil(ratio))  # bands start on whole scene units: an icon drawn from a cached pixmap at a
    band = min(height, max(MIN_BAND_ROWS, BAND_BYTES // line) // step * step)  # band's edge lands on the same pixels
    band = min(height, max(GRID_ROWS, band // GRID_ROWS * GRID_ROWS))  # and on the grid wide lines are cut on
    memory = mmap.mmap(-1, line * height)  # pages are made when first written: one band's at a time
    image = QImage(memory, width, height, line, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    background = _pixel(scene.colours["background"])
    png = PngBands(out, width, height, title)
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                           | QPainter.RenderHint.SmoothPixmapTransform)
    scene.band_grid = GRID_ROWS
    try:
        for top in range(0, height, band):
            rows = min(band, height - top)
            pixels = np.frombuffer(memory, dtype=np.uint32, count=rows * width, offset=top * line)
            pixels.fill(background)
            scene.render(painter, QRectF(0, top / ratio, rect.width(), rows / ratio),
                         QRectF(rect.left(), rect.top() + top / ratio, rect.width(), rows / ratio))
            png.add(_rgba_rows(memory, top * line, rows * line, width), line, rows)
            del pixels
            done = (top + rows) * line // mmap.PAGESIZE * mmap.PAGESIZE
            if done:
                memory.madvise(mmap.MADV_DONTNEED, 0, done)  # the rows compressed: their pages go back
    finally:
        scene.band_grid = 0
        painter.end()
    png.finish()


def _pixel(colour) -> int:
    """A colour as a premultiplied ARGB32 pixel (what QImage.fill stores)."""
    one = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    one.fill(colour)
    return int(np.frombuffer(one.constBits(), dtype=np.uint32, count=1)[0])


def _rgba_rows(memory, start: int, size: int, width: int):
    """`size` bytes of premultiplied ARGB32 rows of `width` pixels from `start` in `memory`, as RGBA8888 bytes (what
    a PNG holds). When they are all opaque (the background is), the rows' own bytes with their channels swapped in
    place: no copy of the band is made."""
    pixels = np.frombuffer(memory, dtype=np.uint8, count=size, offset=start).reshape(-1, 4)
    if sys.byteorder == "little" and bool((pixels[:, 3] == 255).all()):
        for first in range(0, len(pixels), SWAPPED_AT_ONCE):  # opaque: premultiplied and straight colours are the
            part = pixels[first:first + SWAPPED_AT_ONCE]  # same (a copy of the whole blue column was 2 MB)
            blue = part[:, 0].copy()  # ARGB32 is B, G, R, A in memory on a little-endian machine
            part[:, 0] = part[:, 2]
            part[:, 2] = blue
        return pixels.data
    band = QImage(memory[start:start + size], width, size // (width * 4), width * 4,
                  QImage.Format.Format_ARGB32_Premultiplied)
    return bytes(band.convertToFormat(QImage.Format.Format_RGBA8888).constBits())[:size]

"""Component icons come from a cache of images made at the size they show: an icon cached for one screen (or a
PNG export's pixel ratio) is not drawn at twice its size on another that asks for as many pixels."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter


def _drawn_width(ratio: float, scale: float, colours) -> int:
    """The width in device pixels of the icon drawn in a 40-unit box, at `scale` on a device of `ratio`."""
    from designer.items.component import _draw_icon

    image = QImage(int(200 * ratio), int(200 * ratio), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(QColor(255, 255, 255, 0))
    painter = QPainter(image)
    painter.scale(scale, scale)
    _draw_icon(painter, "node", colours, QRectF(10, 10, 40, 40))
    painter.end()
    columns = [x for x in range(image.width()) if any(image.pixelColor(x, y).alpha() for y in
                                                      range(0, image.height(), 2))]
    return max(columns) - min(columns) + 1 if columns else 0


def test_an_icon_cached_at_one_pixel_ratio_is_drawn_at_its_size_at_another(qapp):
    from designer.appearance import scene_colours

    colours = scene_colours()
    at_two_by_zoom = _drawn_width(1.0, 2.0, colours)  # 80 device pixels: cached with ratio 1
    at_two_by_ratio = _drawn_width(2.0, 1.0, colours)  # 80 device pixels too, asked on a device of ratio 2
    assert 60 <= at_two_by_zoom <= 82
    assert abs(at_two_by_ratio - at_two_by_zoom) <= 2, (at_two_by_zoom, at_two_by_ratio)

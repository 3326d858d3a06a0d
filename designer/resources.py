"""Paths of the project's resources (icons, themes) and themed icon pixmaps."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from backend.resources import resource_path

ICONS = resource_path("icons")
THEMES = resource_path("themes")
APP_ICON = ICONS / "vxi-designer.svg"

# Colours written in the SVG files, replaced by theme colours when drawn.
_STROKE, _FILL, _ACCENT = "#202020", "#cfe0f5", "#3d7cc9"


@lru_cache(maxsize=64)
def _svg_text(kind: str) -> str:
    path = ICONS / f"{kind}.svg"
    if not path.exists():
        path = ICONS / "node.svg"
    return path.read_text(encoding="utf-8")


def themed_svg(kind: str, stroke: QColor, fill: QColor, accent: QColor) -> bytes:
    """The SVG of a kind with its colours replaced by theme colours."""
    text = _svg_text(kind)
    text = text.replace(_STROKE, stroke.name()).replace(_FILL, fill.name()).replace(_ACCENT, accent.name())
    return text.encode("utf-8")


@lru_cache(maxsize=128)
def _pixmap(kind: str, stroke: str, fill: str, accent: str, size: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(themed_svg(kind, QColor(stroke), QColor(fill), QColor(accent))))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def icon_image(kind: str, colours: dict[str, QColor], size: int = 96) -> QImage:
    """A cached image of the icon of `kind` in the scene colours."""
    return _pixmap(kind, colours["text"].name(), colours["item_fill"].name(), colours["selection"].name(), size)


def svg_renderer(kind: str, colours: dict[str, QColor]) -> QSvgRenderer:
    """A renderer of the themed icon (vector output, for SVG export)."""
    return _renderer(kind, colours["text"].name(), colours["item_fill"].name(), colours["selection"].name())


@lru_cache(maxsize=64)
def _renderer(kind: str, stroke: str, fill: str, accent: str) -> QSvgRenderer:
    return QSvgRenderer(QByteArray(themed_svg(kind, QColor(stroke), QColor(fill), QColor(accent))))


def icon(kind: str, colours: dict[str, QColor]) -> QIcon:
    """A QIcon of a kind for menus and toolbars."""
    return QIcon(QPixmap.fromImage(icon_image(kind, colours, 64)))

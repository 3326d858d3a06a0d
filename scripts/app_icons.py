"""Renders the application icon (resources/icons/vxi-designer.svg) to the PNG sizes desktops look for,
resources/icons/hicolor/NxN/apps/vxi-designer.png. Run it after changing the SVG: `python scripts/app_icons.py`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def main() -> int:
    """Write every size; print what was written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from backend.resources import resource_path

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    icons = resource_path("icons")
    renderer = QSvgRenderer(str(icons / "vxi-designer.svg"))
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = Path(icons) / "hicolor" / f"{size}x{size}" / "apps" / "vxi-designer.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(target))
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

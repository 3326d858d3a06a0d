"""The application's appearance: the light or dark theme applied to it (style, palette, style sheet), following
the system when asked, and the scene colours of the palette in force. The colours come from `widgets.theme`."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication

from designer.resources import THEMES
from widgets.theme import make_palette, palette_colours


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str = "auto") -> bool:
    """Apply the light or dark theme ('auto' follows the system); returns True when dark."""
    dark = system_prefers_dark() if mode == "auto" else mode == "dark"
    app.setStyle("Fusion")
    app.setPalette(make_palette(dark))
    qss = THEMES / ("dark.qss" if dark else "light.qss")
    app.setStyleSheet(qss.read_text(encoding="utf-8") if qss.exists() else "")
    return dark


def scene_colours() -> dict[str, QColor]:
    """Scene colours of the current application palette."""
    return palette_colours(QApplication.palette())

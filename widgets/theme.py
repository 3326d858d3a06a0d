"""Scene colours derived from the application palette, so every view follows light and dark themes.

Public API:
    palette_colours(palette: QPalette) -> dict[str, QColor]
        keys: background, grid, item_fill, item_border, text, muted_text, link, selection,
        selection_fill, error, warning, provisioned, band, band_alt
    is_dark(palette: QPalette) -> bool
    make_palette(dark: bool) -> QPalette      a plain light or dark palette (theme switch)
    blend(a: QColor, b: QColor, t: float) -> QColor
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

_ERROR = {False: QColor("#c62828"), True: QColor("#ff6b6b")}
_WARNING = {False: QColor("#9a6700"), True: QColor("#ffc247")}
_PROVISIONED = {False: QColor("#5c6f8a"), True: QColor("#8fa6c8")}


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """The colour `t` of the way from `a` to `b` (0 gives a, 1 gives b)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark background."""
    role = QPalette.ColorRole
    return palette.color(role.Base).lightness() < palette.color(role.Text).lightness()


def palette_colours(palette: QPalette) -> dict[str, QColor]:
    """Colours for scenes and custom-drawn widgets, taken from `palette` (light or dark)."""
    dark = is_dark(palette)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    selection_fill = QColor(highlight)
    selection_fill.setAlpha(40)
    return {
        "background": base,
        "grid": blend(base, text, 0.10),
        "item_fill": blend(base, highlight, 0.18 if dark else 0.10),
        "item_border": blend(base, text, 0.65),
        "text": text,
        "muted_text": blend(base, text, 0.6),
        "link": blend(base, text, 0.55),
        "selection": highlight,
        "selection_fill": selection_fill,
        "error": QColor(_ERROR[dark]),
        "warning": QColor(_WARNING[dark]),
        "provisioned": QColor(_PROVISIONED[dark]),
        "band": blend(base, text, 0.05),
        "band_alt": blend(base, text, 0.11),
    }


def make_palette(dark: bool) -> QPalette:
    """A complete light or dark palette, independent of the platform style."""
    if dark:
        window, base, text, button, highlight = "#2b2d30", "#1e1f22", "#e6e6e6", "#3c3f41", "#3d7cc9"
    else:
        window, base, text, button, highlight = "#efefef", "#ffffff", "#1a1a1a", "#e4e4e4", "#2f6fbd"
    pal = QPalette()
    role = QPalette.ColorRole
    for r, colour in ((role.Window, window), (role.Base, base), (role.AlternateBase, button),
                      (role.Button, button), (role.Highlight, highlight), (role.ToolTipBase, base)):
        pal.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText, role.ToolTipText, role.BrightText):
        pal.setColor(r, QColor(text))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.PlaceholderText, blend(QColor(base), QColor(text), 0.5))
    pal.setColor(role.Mid, blend(QColor(base), QColor(text), 0.35))
    pal.setColor(role.Link, QColor("#6fa8ff" if dark else "#1a5fb4"))
    disabled = blend(QColor(base), QColor(text), 0.45)
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, disabled)
    return pal

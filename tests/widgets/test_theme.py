"""Scene colours follow the palette: readable text, visible errors and warnings, light and dark."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from widgets.theme import is_dark, make_palette, palette_colours

KEYS = {"background", "grid", "item_fill", "item_border", "text", "link", "selection", "error", "warning",
        "provisioned"}


def contrast(a, b):
    """WCAG contrast ratio of two colours."""
    def luminance(c):
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("dark", [False, True])
def test_colours_are_readable_on_their_background(qapp, dark):
    palette = make_palette(dark)
    colours = palette_colours(palette)
    assert set(colours) >= KEYS
    assert is_dark(palette) is dark
    background = colours["background"]
    assert contrast(colours["text"], background) >= 7
    for key in ("error", "warning", "item_border", "link", "provisioned"):
        assert contrast(colours[key], background) >= 3, key
    assert abs(colours["error"].hslHue() - colours["warning"].hslHue()) >= 30  # distinct hues


def test_dark_and_light_backgrounds_differ(qapp):
    light, dark = palette_colours(make_palette(False)), palette_colours(make_palette(True))
    assert light["background"].lightness() > 200 > 60 > dark["background"].lightness()
    assert light["text"].lightness() < 60 < 200 < dark["text"].lightness()

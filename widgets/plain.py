"""Text holding ids shown as plain text wherever Qt would guess rich text: a label's text, a tooltip. Qt renders
a label or tooltip as HTML when its first tag looks like one (`<h1>`, `<img src=...>`), so an id such as
`<h1>r1</h1>` drew a heading, or loaded an image, in the middle of a sentence."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QLabel


def plain_tip(text: str) -> str:
    """A tooltip's text that Qt shows as written: unchanged unless Qt would take it for rich text, then escaped
    (as HTML that shows the same characters, lines kept)."""
    return GuiQt.convertFromPlainText(text) if GuiQt.mightBeRichText(text) else text


def plain_label(text: str = "") -> QLabel:
    """A label that never renders its text as rich text."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label

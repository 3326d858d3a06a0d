"""The dock widgets around the canvas: palette, inspector, problems, timeline, minimap, undo history.

The widgets come from the `widgets` package; one that is not importable is replaced by a placeholder.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QUndoView, QWidget

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


def widget_class(module: str, name: str):
    """A class from the widgets package, or None when it is not there (yet)."""
    try:
        return getattr(importlib.import_module(f"widgets.{module}"), name)
    except Exception:
        return None


def placeholder(text: str) -> QLabel:
    """A quiet stand-in for a widget that is not available."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)
    return label


class Docks:
    """Creates the docks of a main window and keeps references to their widgets."""

    def __init__(self, window: QMainWindow, view) -> None:
        self.window = window
        self.docks: dict[str, QDockWidget] = {}
        self.palette = self._make("palette", "PaletteWidget", "Palette", LEFT, ())
        self.inspector = self._make("inspector", "InspectorWidget", "Inspector", RIGHT, ())
        self.minimap = self._make("minimap", "MinimapWidget", "Overview", LEFT, (view,))
        self.problems = self._make("problems", "ProblemsWidget", "Problems", BOTTOM, ())
        self.timeline = self._make("timeline", "TimelineWidget", "Lease timeline", BOTTOM, ())
        self.history = QUndoView()
        self.history.setEmptyLabel("<opened>")
        self._add("history", "Undo history", self.history, RIGHT)
        window.tabifyDockWidget(self.docks["problems"], self.docks["timeline"])
        self.docks["timeline"].raise_()
        self.sized = False

    def size_once(self) -> None:
        """Give the docks sensible sizes the first time the window is shown."""
        if self.sized:
            return
        self.sized = True
        self.window.resizeDocks([self.docks["timeline"]], [190], Qt.Orientation.Vertical)
        self.window.resizeDocks([self.docks["palette"], self.docks["inspector"]], [210, 360],
                                Qt.Orientation.Horizontal)

    def _make(self, module: str, name: str, title: str, area, args) -> QWidget:
        cls = widget_class(module, name)
        widget = None
        if cls is not None:
            try:
                widget = cls(*args)
            except Exception:
                widget = None
        if widget is None:
            widget = placeholder(f"{title} is not available")
        self._add(module, title, widget, area)
        return widget

    def _add(self, key: str, title: str, widget: QWidget, area) -> None:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        self.docks[key] = dock

    def has(self, widget: QWidget, method: str) -> bool:
        """True when `widget` is a real widget offering `method` (not a placeholder)."""
        return not isinstance(widget, QLabel) and hasattr(widget, method)

"""The dock widgets around the canvas: palette, inspector, overview, problems, lease timeline, undo history.

Each widget is built directly from the `widgets` package: one that fails to build raises, so a bug in a
widget's constructor stops the window from opening rather than hiding behind a stand-in.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QUndoView, QWidget

from widgets.inspector import InspectorWidget
from widgets.minimap import MinimapWidget
from widgets.palette import PaletteWidget
from widgets.problems import ProblemsWidget
from widgets.timeline import TimelineWidget

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea


class Docks:
    """Creates the docks of a main window and keeps references to their widgets (`docks` by key)."""

    def __init__(self, window: QMainWindow, view: QGraphicsView) -> None:
        self.window = window
        self.docks: dict[str, QDockWidget] = {}
        self.palette = PaletteWidget()
        self._add("palette", "Palette", self.palette, LEFT)
        self.inspector = InspectorWidget()
        self._add("inspector", "Inspector", self.inspector, RIGHT)
        self.minimap = MinimapWidget(view)
        self._add("minimap", "Overview", self.minimap, LEFT)
        self.problems = ProblemsWidget()
        self._add("problems", "Problems", self.problems, BOTTOM)
        self.timeline = TimelineWidget()
        self._add("timeline", "Lease timeline", self.timeline, BOTTOM)
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

    def _add(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        self.docks[key] = dock

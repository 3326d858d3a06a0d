"""The dock widgets around the canvas: palette, inspector, overview, problems, lease timeline, undo history;
their default arrangement, and their arrangement saved and restored between sessions.

Each widget is built directly from the `widgets` package: one that fails to build raises, so a bug in a
widget's constructor stops the window from opening rather than hiding behind a stand-in.

The default arrangement puts the canvas first: the palette with the overview under it on the left, the
inspector on the right with the undo history as a tab beside it (the inspector gets the whole height), and the
lease timeline and the problems as tabs of a bottom panel (with any other bottom dock, such as Run). The
bottom panel opens by itself only on a window tall enough to keep the canvas at least 60 % of it; otherwise
it waits for View ▸ Lease timeline, View ▸ Problems or the buttons of the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QUndoView, QWidget

from widgets.inspector import InspectorWidget
from widgets.minimap import MinimapWidget
from widgets.palette import PaletteWidget
from widgets.problems import ProblemsWidget
from widgets.timeline import TimelineWidget

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
LAYOUT_VERSION = 2  # saved arrangements of another version are ignored (the docks changed)
LEFT_WIDTH, RIGHT_WIDTH, BOTTOM_HEIGHT = 142, 266, 210
BOTTOM_FROM_HEIGHT = 960  # a window at least this high opens with the bottom panel shown


class Docks:
    """Creates the docks of a main window and keeps references to their widgets (`docks` by key)."""

    def __init__(self, window: QMainWindow, view: QGraphicsView) -> None:
        self.window = window
        self.docks: dict[str, QDockWidget] = {}
        window.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                              | QMainWindow.DockOption.AllowNestedDocks)
        self.palette = PaletteWidget()
        self._add("palette", "Palette", self.palette, LEFT)
        self.minimap = MinimapWidget(view)
        self._add("minimap", "Overview", self.minimap, LEFT)
        self.inspector = InspectorWidget()
        self._add("inspector", "Inspector", self.inspector, RIGHT)
        self.history = QUndoView()
        self.history.setEmptyLabel("<opened>")
        self._add("history", "Undo history", self.history, RIGHT)
        self.timeline = TimelineWidget()
        self._add("timeline", "Lease timeline", self.timeline, BOTTOM)
        self.problems = ProblemsWidget()
        self._add("problems", "Problems", self.problems, BOTTOM)
        self.sized = False

    # ----- arrangement -----
    def arrange(self, settings: QSettings | None = None) -> None:
        """Once every dock exists: put them back as saved in `settings`, else in their first places."""
        self.restored = settings is not None and self.restore(settings)
        if not self.restored:
            self.default_layout(sizes=False)

    def size_once(self) -> None:
        """The first time the window is shown: give the docks of the first arrangement their sizes."""
        if self.sized:
            return
        self.sized = True
        if not getattr(self, "restored", False):
            if self.window.height() >= BOTTOM_FROM_HEIGHT:  # the window opened tall: the bottom panel has room
                for dock in self._bottom():
                    dock.show()
                self.docks["timeline"].raise_()
            self._size()

    def default_layout(self, sizes: bool = True) -> None:
        """Put every dock back where it starts: canvas first, inspector with the height, history as a tab."""
        w, d = self.window, self.docks
        bottom = self._bottom()
        roomy = w.height() >= BOTTOM_FROM_HEIGHT
        if not roomy:
            for dock in bottom:
                dock.hide()  # before moving it, so that a wide dock never widens the window on its way
        for dock in (*d.values(), *bottom):
            if dock.isFloating():
                dock.setFloating(False)
        w.addDockWidget(LEFT, d["palette"])
        w.splitDockWidget(d["palette"], d["minimap"], Qt.Orientation.Vertical)
        w.addDockWidget(RIGHT, d["inspector"])
        w.tabifyDockWidget(d["inspector"], d["history"])
        w.addDockWidget(BOTTOM, bottom[0])
        for dock in bottom[1:]:
            w.tabifyDockWidget(bottom[0], dock)
        for key in ("palette", "minimap", "inspector", "history"):
            d[key].show()
        for dock in bottom:
            dock.setVisible(roomy)
        d["inspector"].raise_()
        if roomy:
            d["timeline"].raise_()
        if sizes:
            self._size()

    def _bottom(self) -> list[QDockWidget]:
        """The docks of the bottom panel: the timeline, the problems and any other dock placed at the bottom."""
        w, d = self.window, self.docks
        bottom = [d["timeline"], d["problems"]]
        return bottom + [dock for dock in w.findChildren(QDockWidget)
                         if dock not in bottom and dock not in d.values() and w.dockWidgetArea(dock) == BOTTOM]

    def _size(self) -> None:
        w, d = self.window, self.docks
        w.resizeDocks([d["palette"], d["inspector"]], [LEFT_WIDTH, RIGHT_WIDTH], Qt.Orientation.Horizontal)
        palette_height = d["palette"].widget().sizeHint().height() + 28
        w.resizeDocks([d["palette"], d["minimap"]], [palette_height, max(120, w.height() - palette_height)],
                      Qt.Orientation.Vertical)
        if d["timeline"].isVisible():
            w.resizeDocks([d["timeline"]], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)

    def show_dock(self, key: str) -> None:
        """Show a dock (and its tab group) and bring it to the front."""
        dock = self.docks[key]
        opened = not any(d.isVisible() for d in self._bottom()) and self.window.dockWidgetArea(dock) == BOTTOM
        dock.show()
        dock.raise_()
        if dock.isFloating():
            dock.activateWindow()
        elif opened or (self.window.dockWidgetArea(dock) == BOTTOM and dock.height() < 120):
            self.window.resizeDocks([dock], [BOTTOM_HEIGHT], Qt.Orientation.Vertical)

    def toggle_dock(self, key: str) -> None:
        """Show a hidden or covered dock in front, or hide it when it is already in front."""
        dock = self.docks[key]
        if dock.isVisible() and not dock.visibleRegion().isEmpty():
            dock.hide()
        else:
            self.show_dock(key)

    def save(self, settings: QSettings) -> None:
        """Remember the arrangement of the docks and toolbars and the window's geometry."""
        settings.setValue("window/state", self.window.saveState(LAYOUT_VERSION))
        settings.setValue("window/geometry", self.window.saveGeometry())

    def restore(self, settings: QSettings) -> bool:
        """Put the docks back as they were saved; False when nothing (usable) was saved."""
        state = settings.value("window/state")
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.window.restoreGeometry(geometry)
        return isinstance(state, QByteArray) and not state.isEmpty() \
            and self.window.restoreState(state, LAYOUT_VERSION)

    def _add(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        self.docks[key] = dock

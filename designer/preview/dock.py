"""The embedding preview in a dock, and the action that opens it.

    dock = install_preview(main_window)     adds the dock and View ▸ Embedding preview…
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from designer.preview.panel import PreviewPanel

SHORTCUTS = ("Ctrl+E", "Ctrl+Shift+E")


class PreviewDock(QDockWidget):
    """The preview in a dock (floating at first, large enough to read)."""

    def __init__(self, parent: QMainWindow | None = None, recent: Callable[[], list[str]] | None = None) -> None:
        super().__init__("Embedding preview", parent)
        self.setObjectName("dock-preview")
        self.panel = PreviewPanel(self, recent=recent)
        self.setWidget(self.panel)
        self._opened = False

    def open(self) -> None:
        """Show the preview (floating the first time) and recompute now."""
        if not self._opened:
            self._opened = True
            self.setFloating(True)
            self.resize(1100, 780)
        self.show()
        self.raise_()
        self.panel.recompute_now()


def install_preview(window) -> PreviewDock:
    """Add the preview dock and a View ▸ Embedding preview… action to a designer main window."""
    dock = PreviewDock(window, recent=getattr(window, "recent_files", None))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    action = QAction("Embedding preview…", window)
    taken = {a.shortcut().toString() for a in window.findChildren(QAction)}
    action.setShortcut(QKeySequence(next((s for s in SHORTCUTS if s not in taken), SHORTCUTS[-1])))
    action.triggered.connect(dock.open)
    window.addAction(action)
    menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View"), None)
    (menu or window.menuBar().addMenu("&Tools")).addAction(action)
    if isinstance(getattr(window, "actions_by_name", None), dict):
        window.actions_by_name["preview"] = action

    def current_model():
        document = getattr(window, "document", None)
        return document.model if document is not None else None

    dock.panel.source = current_model
    dock.panel.component_activated.connect(lambda ident: window.view.centre_on_id(ident))
    window.windowTitleChanged.connect(lambda *_: dock.panel.follow(current_model()))
    dock.panel.follow(current_model())
    return dock

"""Where the embedding preview lives in the main window: a tab beside the canvas (the canvas's own tab is
'Design'; the tab bar shows only while the preview is open), and the action that opens it.

    tab = install_preview(main_window)     adds the tab host and View ▸ Embedding preview
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from designer.preview.panel import PreviewPanel

SHORTCUTS = ("Ctrl+E", "Ctrl+Shift+E")
TITLE = "Embedding preview"


class PreviewTab(QWidget):
    """The preview panel in a closable tab of `tabs` (the canvas is the first tab)."""

    def __init__(self, tabs: QTabWidget, recent: Callable[[], list[str]] | None = None) -> None:
        super().__init__(tabs)  # owned by the window even while its tab is closed, and deleted with it
        self.tabs = tabs
        self.panel = PreviewPanel(self, recent=recent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        tabs.tabCloseRequested.connect(lambda index: self.close_tab() if tabs.widget(index) is self else None)

    def is_open(self) -> bool:
        """True while the preview has its tab."""
        return self.tabs.indexOf(self) >= 0

    def open(self) -> None:
        """Show the preview in its tab (added the first time) and recompute now."""
        if not self.is_open():
            index = self.tabs.addTab(self, TITLE)
            self.tabs.setTabToolTip(index, "Where the open VXI would go on a substrate, kept up to date as you edit")
        self.tabs.setCurrentWidget(self)
        self.panel.recompute_now()

    def close_tab(self) -> None:
        """Remove the tab (the preview stops working until it is opened again)."""
        index = self.tabs.indexOf(self)
        if index >= 0:
            self.tabs.removeTab(index)
            self.hide()


def _tab_host(window: QMainWindow) -> QTabWidget:
    """The canvas wrapped in a tab widget, as the window's central widget (made once)."""
    central = window.centralWidget()
    if isinstance(central, QTabWidget):
        return central
    canvas = window.takeCentralWidget()  # taken, not deleted
    tabs = QTabWidget()
    tabs.setObjectName("central-tabs")
    tabs.setDocumentMode(True)
    tabs.setTabsClosable(True)
    tabs.tabBar().setAutoHide(True)  # no tab bar while the canvas is alone
    tabs.addTab(canvas, "Design")
    tabs.tabBar().setTabButton(0, tabs.tabBar().ButtonPosition.RightSide, None)  # the canvas stays
    tabs.tabBar().setTabButton(0, tabs.tabBar().ButtonPosition.LeftSide, None)
    window.setCentralWidget(tabs)
    return tabs


def install_preview(window) -> PreviewTab:
    """Add the preview's tab beside the canvas and a View ▸ Embedding preview action to a main window (once:
    a second call returns the same tab)."""
    existing = getattr(window, "preview", None)
    if isinstance(existing, PreviewTab):
        return existing
    tabs = _tab_host(window)
    tab = PreviewTab(tabs, recent=getattr(window, "recent_files", None))
    tab.hide()
    action = QAction(f"{TITLE}…", window)
    taken = {a.shortcut().toString() for a in window.findChildren(QAction)}
    action.setShortcut(QKeySequence(next((s for s in SHORTCUTS if s not in taken), SHORTCUTS[-1])))
    action.triggered.connect(tab.open)
    window.addAction(action)
    menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View"), None)
    (menu or window.menuBar().addMenu("&Tools")).addAction(action)
    if isinstance(getattr(window, "actions_by_name", None), dict):
        window.actions_by_name["preview"] = action

    def current_model():
        document = getattr(window, "document", None)
        return document.model if document is not None else None

    def show_component(ident: str) -> None:
        tabs.setCurrentIndex(0)
        window.view.centre_on_id(ident)

    tab.panel.source = current_model
    tab.panel.component_activated.connect(show_component)
    window.windowTitleChanged.connect(lambda *_: tab.panel.follow(current_model()))
    tab.panel.follow(current_model())
    return tab

"""The application: QApplication, theme that follows the system, the qasync event loop."""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from designer import gc_guard
from designer.appearance import apply_theme


def make_application(argv: list[str] | None = None, theme: str = "auto") -> QApplication:
    """The QApplication (created once), themed; follows the system's light/dark changes when 'auto'."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("VXI Designer")
    app.setOrganizationName("vxi-designer")
    apply_theme(app, theme)
    gc_guard.install(app)
    if theme == "auto":
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: _follow_system(app))
    return app


def _follow_system(app: QApplication) -> None:
    """The desktop switched light/dark: windows that follow the system recolour."""
    windows = [w for w in app.topLevelWidgets() if hasattr(w, "set_theme")]
    if windows and all(getattr(w, "theme_mode", "auto") != "auto" for w in windows):
        return
    apply_theme(app, "auto")
    for widget in windows:
        if getattr(widget, "theme_mode", "auto") == "auto":
            widget.set_theme("auto")


def run(path: str | None = None, theme: str = "auto") -> int:
    """Show a main window (opening `path`) and run the asyncio-integrated Qt loop until it closes."""
    import qasync

    from designer.main_window import MainWindow

    app = make_application(theme=theme)
    app.setQuitOnLastWindowClosed(False)  # the coroutine below ends the loop when the window has closed
    window = MainWindow()
    if theme != "auto":
        window.theme_mode = theme
        window.actions_by_name[f"theme_{theme}"].setChecked(True)
    state: dict = {"closed": False, "event": None}

    def on_closed() -> None:
        state["closed"] = True
        if state["event"] is not None:
            state["event"].set()

    window.closed.connect(on_closed)
    window.show()
    if not window.offer_recovery() and path:  # a crashed session's work is offered first, file or not
        window.open_path(path, ask=False)

    async def until_closed() -> None:
        state["event"] = asyncio.Event()
        if not state["closed"]:
            await state["event"].wait()

    try:
        qasync.run(until_closed())
    except (asyncio.CancelledError, RuntimeError):  # the loop stopped first (the session is over anyway)
        pass
    return 0

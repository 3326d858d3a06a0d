"""The application: QApplication, theme that follows the system, and running the asyncio loop on Qt's
(qasync, designer/loop.py) on which the designer's background work runs as tasks and libvirt's events arrive
(libvirtaio)."""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

import backend
from designer import gc_guard, translations
from designer import loop as designer_loop
from designer.appearance import apply_theme
from designer.resources import APP_ICON


def make_application(argv: list[str] | None = None, theme: str = "auto") -> QApplication:
    """The QApplication (created once), themed; follows the system's light/dark changes when 'auto'."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("VXI Designer")
    app.setOrganizationName("vxi-designer")
    app.setApplicationVersion(backend.__version__)
    app.setDesktopFileName(translations.APP_ID)  # the desktop entry --install-desktop installs (its icon, its name)
    app.setWindowIcon(QIcon(str(APP_ICON)))
    translations.install(app)
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


def start(path: str | None = None, theme: str = "auto"):
    """Make the application, its asyncio loop (not running yet) and a shown main window opening `path`;
    returns (loop, window, a future done when the window has closed)."""
    import qasync

    from designer.main_window import MainWindow

    app = make_application(theme=theme)
    app.setQuitOnLastWindowClosed(False)  # the loop ends when the window has closed (see run)
    loop = designer_loop.use(qasync.QEventLoop(app))
    window = MainWindow()  # run mode registers libvirt's events on the loop before any connection opens
    if theme != "auto":
        window.theme_mode = theme
        window.actions_by_name[f"theme_{theme}"].setChecked(True)
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    window.show()
    if not window.offer_recovery() and path:  # a crashed session's work is offered first, file or not
        window.open_path(path, ask=False)
    return loop, window, closed


def run(path: str | None = None, theme: str = "auto") -> int:
    """Show a main window (opening `path`) and run the asyncio loop on Qt's until it closes."""
    loop, _window, closed = start(path, theme)
    try:
        loop.run_until_complete(closed)
    except RuntimeError:  # the loop stopped first (the session is over anyway)
        pass
    finish(loop)
    return 0


def finish(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks still pending (libvirt's timers, an embedding) and close the loop."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        try:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        except RuntimeError:
            pass
    loop.close()

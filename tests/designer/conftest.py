"""Fixtures: a main window with scripted dialogs, isolated settings and recovery folder."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from tests.designer.helpers import FakeDialogs


@pytest.fixture(scope="session", autouse=True)
def _libvirt_events_on_their_thread(qapp):
    """libvirt takes one event implementation per process. The designer registers libvirtaio on its qasync
    loop, which runs all the time in the application; here the loop only turns while a test waits, and
    later tests (the lab's exec channels, the command line) need libvirt's events to keep flowing. So this
    process runs libvirt's own loop in a thread, as the command line does, and run mode takes it from there;
    the libvirtaio path is tested in a process of its own (test_event_loop.py). The application comes first:
    libvirt's loop iterates GLib's default context, which Qt's main thread must have taken before."""
    from backend.deploy.libvirt.lifecycle import start_event_loop

    start_event_loop()


@pytest.fixture
def dialogs() -> FakeDialogs:
    return FakeDialogs()


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, dialogs, settings, tmp_path):
    """Build main windows that are closed (discarding changes) at the end of the test."""
    from designer.app import make_application
    from designer.main_window import MainWindow

    make_application([], theme="light")
    made = []

    def make(**kwargs):
        kwargs.setdefault("recovery_folder", tmp_path / "recovery")
        window = MainWindow(dialogs=dialogs, settings=settings, **kwargs)
        window.resize(1200, 800)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        window.view.setFocus()
        made.append(window)
        return window

    yield make
    dialogs.save_changes_answer = "discard"
    for window in made:
        window.close()
        window.deleteLater()  # delete now, in order, rather than at a later garbage collection
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def window(make_window):
    """A main window with an empty VXI."""
    return make_window()

"""Fixtures: a main window with scripted dialogs, isolated settings and recovery folder."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from tests.designer.helpers import FakeDialogs


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

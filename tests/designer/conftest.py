"""The designer's fixtures are those of tests/gui (a main window with scripted dialogs and its own settings)."""

from tests.gui.conftest import dialogs, make_window, settings, window

__all__ = ["dialogs", "make_window", "settings", "window"]

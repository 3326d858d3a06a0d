"""The designer's fixtures (a main window with scripted dialogs, isolated settings), shared with tests/gui."""

from tests.gui.conftest import dialogs, make_window, settings, window  # noqa: F401

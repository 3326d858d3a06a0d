"""The docks around the canvas are the real widgets, built directly: one that fails to build stops the window
(no grey stand-in), and each dock's requests reach the document."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QUndoView

from backend.model import Quantity
from designer.app import make_application
from designer.main_window import MainWindow
from widgets.inspector import InspectorWidget
from widgets.minimap import MinimapWidget
from widgets.palette import PaletteWidget
from widgets.problems import ProblemsWidget
from widgets.timeline import TimelineWidget

DOCKS = {
    "palette": ("Palette", PaletteWidget),
    "inspector": ("Inspector", InspectorWidget),
    "minimap": ("Overview", MinimapWidget),
    "problems": ("Problems", ProblemsWidget),
    "timeline": ("Lease timeline", TimelineWidget),
    "history": ("Undo history", QUndoView),
}


def test_every_dock_holds_its_widget_and_can_be_shown_from_the_view_menu(window):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = {a.text(): a for a in view_menu.actions()}
    for key, (title, kind) in DOCKS.items():
        dock = window.docks.docks[key]
        assert dock.windowTitle() == title
        assert isinstance(dock.widget(), kind), key
        if not dock.isVisible() or dock.visibleRegion().isEmpty():  # hidden, or a tab behind another:
            entries[title].trigger()  # the View entry brings it to the front
        assert dock.isVisible() and not dock.visibleRegion().isEmpty(), key
    assert not [label for label in window.findChildren(QLabel) if "not available" in label.text()]


@pytest.mark.parametrize("widget", [PaletteWidget, InspectorWidget, MinimapWidget, ProblemsWidget, TimelineWidget],
                         ids=lambda cls: cls.__name__)
def test_a_widget_whose_constructor_fails_stops_the_window(widget, monkeypatch, dialogs, settings, tmp_path):
    make_application([], theme="light")

    def broken(self, *args, **kwargs):
        raise RuntimeError(f"a bug in {widget.__name__}")

    monkeypatch.setattr(widget, "__init__", broken)
    before = set(QApplication.topLevelWidgets())
    with pytest.raises(RuntimeError, match=f"a bug in {widget.__name__}"):
        MainWindow(dialogs=dialogs, settings=settings, recovery_folder=tmp_path / "recovery")
    for left in set(QApplication.topLevelWidgets()) - before:  # the half-built window goes, now
        left.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_double_clicking_a_palette_entry_places_it_at_the_centre_with_the_palette_options(window):
    palette = window.docks.palette
    palette.set_ports(6)
    entries = palette.list
    entry = entries.visualItemRect(entries.item(palette.kinds().index("router"))).center()
    QTest.mouseClick(entries.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, entry)
    QTest.mouseDClick(entries.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, entry)
    model = window.document.model
    assert list(model.components) == ["router1"]
    assert len(model.components["router1"].ports) == 6
    view = window.view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.components["router1"].pos())
    assert window.document.undo_stack.count() == 1


def test_the_inspector_and_the_problems_dock_follow_the_document(window):
    window.editor.place("node", window.view.mapToScene(window.view.viewport().rect().center()))
    window.scene.select_ids(["node1"])
    inspector = window.docks.inspector
    assert inspector.editor("id").line.text() == "node1"
    inspector.edit_requested.emit(["node1"], {"memory": Quantity("size", value=-1.0, unit="GB")})
    assert window.document.model.components["node1"].memory.value == -1.0
    window.wiring.validate_now()
    listed = window.docks.problems.problems()
    assert [(p.severity, p.element_id) for p in listed] == [("error", "node1")]
    window.undo()
    window.wiring.validate_now()
    assert window.docks.problems.problems() == []

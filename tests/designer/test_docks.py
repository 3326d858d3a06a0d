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


def test_the_canvas_takes_most_of_a_1280_by_800_window_and_the_inspector_the_right_column(window, qtbot):
    window.resize(1280, 800)
    window.reset_layout()
    qtbot.wait(50)
    canvas = window.view.width() * window.view.height()
    assert canvas >= 0.6 * 1280 * 800, (window.view.size(), window.size())
    docks = window.docks.docks
    assert docks["history"] in window.tabifiedDockWidgets(docks["inspector"])  # a tab, not half the column
    assert docks["inspector"].height() >= 0.85 * window.centralWidget().height()
    entries = window.docks.palette.list
    assert not entries.verticalScrollBar().isVisible()
    last = entries.visualItemRect(entries.item(entries.count() - 1))
    assert entries.viewport().rect().contains(last)  # every entry shows without scrolling


def test_the_arrangement_of_the_docks_is_remembered_and_can_be_reset(make_window, qtbot, settings):
    first = make_window()
    first.docks.show_dock("timeline")
    first.docks.docks["history"].raise_()
    assert first.docks.docks["timeline"].isVisible()
    first.close()
    second = make_window()
    qtbot.waitUntil(lambda: second.docks.docks["timeline"].isVisible())
    assert second.actions_by_name["dock_timeline"].isChecked()
    second.actions_by_name["reset_layout"].trigger()
    assert not second.docks.docks["timeline"].isVisible()  # 800 px high: the bottom panel waits to be asked for
    assert not second.docks.docks["inspector"].visibleRegion().isEmpty()


def test_help_lists_the_shortcuts_of_the_actions_and_says_which_version_this_is(window):
    import backend

    window.actions_by_name["shortcuts"].trigger()
    dialog = window.dialogs_open["shortcuts"]
    rows = {(menu, action): keys for menu, action, keys in dialog.rows}
    assert rows[("Edit", "Undo")] == "Ctrl+Z" and rows[("Edit", "VXI properties")] == "Alt+Return"
    assert rows[("View", "Lease timeline")] == "Ctrl+T" and rows[("Help", "Keyboard shortcuts")] == "F1"
    dialog.filter.setText("timeline")
    shown = [dialog.rows[r][1] for r in range(dialog.table.rowCount()) if not dialog.table.isRowHidden(r)]
    assert shown == ["Lease timeline"]
    window.actions_by_name["about"].trigger()
    about = window.dialogs_open["about"].text.text()
    assert f"VXI Designer {backend.__version__}" in about and "MIT" in about
    assert not window.windowIcon().isNull()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[-1] == "&Help"


def test_palette_entries_carry_their_names_for_assistive_technology(window):
    entries = window.docks.palette.list
    names = [entries.item(i).data(Qt.ItemDataRole.AccessibleTextRole) for i in range(entries.count())]
    assert names == ["Node", "Storage", "Cloud (group)", "Router", "Access point"]
    assert window.docks.palette.ports_spin.accessibleName() == "Router ports"

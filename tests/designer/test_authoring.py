"""Authoring a VXI in the window: the VXI and the substrate as selectable objects, periods and per-period values
as undo steps named in the user's terms, the timeline and the canvas sharing the selection."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from backend.model import LinkConfig, Period, Quantity
from tests.designer.helpers import LEFT, NO_MOD
from widgets.periods_edit import PeriodsChange

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _texts(window) -> list[str]:
    stack = window.document.undo_stack
    return [stack.text(i) for i in range(stack.count())]


def _two_nodes_and_a_link(window):
    a = window.editor.place("node", QPointF(0, 0))
    b = window.editor.place("node", QPointF(240, 0))
    return a, b, window.editor.link(a, None, b, None)


def test_undo_steps_are_named_in_the_users_terms(window):
    a, b, link = _two_nodes_and_a_link(window)
    editor, model = window.editor, window.document.model
    editor.edit([a], {"id": "web"})
    editor.edit(["web"], {"memory": Quantity.simple("size", 4, "GB")})
    editor.edit([link], {"reverse": None})
    editor.edit_document({"owner": "hipcal"})
    editor.set_periods(PeriodsChange([Period("I", 0, 3600), Period("II", 3600, 3600)], text="Add period II"))
    editor.set_link_activity(link, "II", False)
    editor.edit([link], {"latency": Quantity.at_most("latency", 5)})
    window.scene.select_ids([b])
    window.editor.delete_selection()
    assert _texts(window) == [
        "Add node node1", "Add node node2", "Link node1 ↔ node2", "Rename node1 to web", "Set memory of web to 4 GB",
        "Make web–node2 one-way", "Set owner of vxi to hipcal", "Add period II", "Make web–node2 idle in II",
        "Set latency of web–node2 to ≤ 5 ms", "Delete node2 and 1 link"]
    assert "Undo Delete node2 and 1 link" in window.actions_by_name["undo"].toolTip()
    assert model.links == {}
    window.undo()
    assert window.status_counts.text() == "2 components, 1 link"


def test_the_toolbar_keeps_its_width_whatever_undo_would_do(window):
    toolbar = window.main_toolbar
    width = toolbar.sizeHint().width()
    a, b, link = _two_nodes_and_a_link(window)
    window.editor.edit([a, b], {"memory": Quantity.simple("size", 4, "GB"), "storage": Quantity.simple("size", 1)})
    assert window.actions_by_name["undo"].text().startswith("&Undo Edit memory and storage of node1 and node2")
    assert toolbar.sizeHint().width() == width
    assert toolbar.widgetForAction(window.actions_by_name["undo"]).text() == "Undo"


def test_each_edit_of_the_vxi_itself_is_one_undo_step(window):
    model = window.document.model
    inspector = window.docks.inspector
    assert inspector.title.text() == "vxi (VXI)"
    inspector.document_edit_requested.emit({"id": "figure4"})
    inspector.document_edit_requested.emit({"description": "built by hand"})
    assert (model.id, model.description) == ("figure4", "built by hand")
    assert _texts(window) == ["Rename VXI vxi to figure4", "Set description of figure4 to built by hand"]
    window.undo()
    window.undo()
    assert (model.id, model.description) == ("vxi", None)


def test_a_substrate_edits_its_own_fields_too(window):
    window.new_substrate()
    window.wiring.validate_now()
    inspector = window.docks.inspector
    assert inspector.title.text() == "substrate (substrate)"
    inspector.document_edit_requested.emit({"description": "two racks"})
    assert window.document.model.description == "two racks"
    assert _texts(window) == ["Set description of substrate to two racks"]
    window.undo()
    assert window.document.model.description is None
    assert window.actions_by_name["properties"].text() == "Substrate &properties…"


def test_renaming_a_period_renames_the_links_values_and_removing_one_drops_them_until_undone(window):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    model, editor = window.document.model, window.editor
    idle = model.links["A-B"].periods["II"]
    renamed = [Period("I", 0, 3600), Period("night", 3600, 7200), Period("III", 10800, 3600)]
    editor.set_periods(PeriodsChange(renamed, renamed={"II": "night"}, text="Rename period II to night"))
    assert model.links["A-B"].periods["night"] == idle and "II" not in model.links["A-B"].periods
    assert model.links["A-B"].idle_in("night")
    editor.set_periods(PeriodsChange([renamed[0], renamed[2]], removed=["night"], text="Remove period night"))
    assert "night" not in model.links["A-B"].periods and [p.name for p in model.periods] == ["I", "III"]
    assert _texts(window) == ["Rename period II to night", "Remove period night"]
    window.undo()
    window.undo()
    assert model.links["A-B"].periods["II"] == idle and [p.name for p in model.periods] == ["I", "II", "III"]


def test_the_timeline_and_the_canvas_share_the_selection(window, qtbot):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    window.docks.show_dock("timeline")
    timeline = window.docks.timeline
    qtbot.waitUntil(lambda: timeline.bar_rect("C-G").width() > 0)
    qtbot.wait(150)  # the dock that just opened settles (its size, then the timeline's redraw)
    window.scene.select_ids(["C", "C-G"])
    assert timeline.selected_rows() == ["C", "C-G"]
    bar = timeline.bar_rect("H")
    timeline.show_row("H")  # as the user scrolls to it
    QApplication.processEvents()
    point = timeline.view.mapFromScene(QPointF(20, bar.center().y()))
    QTest.mouseClick(timeline.view.viewport(), LEFT, NO_MOD, point)
    assert window.scene.selected_ids() == (["H"], [])
    assert window.docks.inspector.subjects() == ["H"]


def test_the_timeline_menu_makes_a_link_idle_in_a_period_as_one_step(window):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    link = window.document.model.links["C-G"]
    window.docks.timeline.period_menu("C-G", "II").actions()[0].trigger()
    assert link.idle_in("II")
    assert _texts(window) == ["Make C–G idle in II"]
    window.docks.timeline.period_menu("C-G", "II").actions()[1].trigger()
    assert window.docks.inspector.subjects() == ["C-G"]
    window.undo()
    assert not link.idle_in("II") and link.periods.get("II") is None


def test_vxi_properties_shows_the_vxi_with_its_id_ready_to_type(window):
    a, _b, _link = _two_nodes_and_a_link(window)
    window.scene.select_ids([a])
    window.actions_by_name["properties"].trigger()
    inspector = window.docks.inspector
    assert window.scene.selected_ids() == ([], []) and inspector.subjects() == []
    assert QApplication.focusWidget() is inspector.editor("id").line
    QTest.keyClicks(inspector.editor("id").line, "mine")
    QTest.keyClick(inspector.editor("id").line, Qt.Key.Key_Return)
    assert window.document.model.id == "mine"


def test_per_period_values_typed_in_a_links_row_are_one_step(window):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    window.scene.select_ids(["C-G"])
    latency = window.docks.inspector.editor("period:II").edits["latency"].number_edits[0]
    latency.setFocus()
    QTest.keyClicks(latency, "20 ms")
    QTest.keyClick(latency, Qt.Key.Key_Return)
    assert window.document.model.links["C-G"].periods["II"] == LinkConfig(
        latency=Quantity("latency", "interval", max=0.02, unit="ms"))
    assert _texts(window) == ["Set latency of C–G in II to ≤ 20 ms"]

"""The inspector with nothing selected: the VXI's (or substrate's) own fields, the lease as start, duration and
end, the periods table; and the habits of every field: Esc puts the value back, a number reads its unit, a
refusal never moves the fields, each field is named for assistive technology."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from backend.model import Infrastructure, Lease, Link, LinkConfig, Node, Period, Quantity, Router, Substrate
from widgets.inspector import InspectorWidget

START = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def make_vxi() -> Infrastructure:
    vxi = Infrastructure(id="demo", owner="hipcal", lease=Lease(START, 4 * 3600),
                         periods=[Period("I", 0, 3600), Period("II", 3600, 7200)])
    vxi.add_component(Node("n1", memory=Quantity.simple("size", 1, "GB")))
    vxi.add_component(Router("r1"))
    vxi.add_link(Link("l1", "n1", "r1", forward=Quantity.at_least("bandwidth", 100),
                      latency=Quantity.at_most("latency", 10)))
    return vxi


class Recorder:
    def __init__(self, inspector):
        self.edits, self.document, self.periods = [], [], []
        inspector.edit_requested.connect(lambda ids, fields: self.edits.append((ids, fields)))
        inspector.document_edit_requested.connect(self.document.append)
        inspector.periods_requested.connect(self.periods.append)


@pytest.fixture
def inspector(qtbot):
    widget = InspectorWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _type(qtbot, line, text, key=Qt.Key.Key_Return):
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, key)


def test_with_nothing_selected_the_vxi_itself_is_edited(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, [])
    recorder = Recorder(inspector)
    assert inspector.title.text() == "demo (VXI)"
    assert inspector.editor("owner").line.text() == "hipcal"
    assert inspector.editor("lease_end").line.text() == "2026-12-01 12:00"
    _type(qtbot, inspector.editor("id").line, "figure4")
    _type(qtbot, inspector.editor("description").line, "The paper's Figure 4")
    _type(qtbot, inspector.editor("users").line, "alice, bob")
    _type(qtbot, inspector.editor("lease_duration").line, "2h 30min")
    assert recorder.document == [{"id": "figure4"}, {"description": "The paper's Figure 4"},
                                 {"users": ["alice", "bob"]}, {"lease": Lease(START, 9000)}]
    assert recorder.edits == []


def test_the_end_of_the_lease_sets_its_duration_and_must_come_after_the_start(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, [])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("lease_end").line, "2026-12-01 14:00")
    assert recorder.document == [{"lease": Lease(START, 6 * 3600)}]
    _type(qtbot, inspector.editor("lease_end").line, "2026-11-30 14:00")
    assert "the end must come after the start" in inspector.message()
    vxi.lease = Lease(None, None)
    inspector.refresh()
    _type(qtbot, inspector.editor("lease_end").line, "2026-12-01 14:00")
    assert "give the lease start first" in inspector.message()
    assert len(recorder.document) == 1


def test_a_substrate_shows_its_own_fields_without_periods(inspector):
    inspector.set_subjects(Substrate(id="lab", description="racks"), [])
    assert inspector.title.text() == "lab (substrate)"
    assert inspector.editor("description").line.text() == "racks"
    assert inspector.editor("lease_start") is not None
    assert inspector.editor("periods") is None and inspector.editor("location") is None


def test_periods_are_added_renamed_moved_and_removed_one_change_at_a_time(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, [])
    recorder = Recorder(inspector)
    periods = inspector.editor("periods")
    qtbot.mouseClick(periods.add_button, Qt.MouseButton.LeftButton)
    added = recorder.periods[-1]
    assert added.text == "Add period III"
    assert added.periods[-1] == Period("III", 10800, 3600)  # from the last end to the end of the lease
    name = QApplication.focusWidget()
    assert isinstance(name, QLineEdit) and name.text() == "III"  # its name opens for typing
    qtbot.keyClicks(name, "night")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(recorder.periods) == 2)  # the table takes a typed cell once back in its loop
    renamed = recorder.periods[-1]
    assert renamed.renamed == {"III": "night"} and renamed.text == "Rename period III to night"
    periods.select("night")
    qtbot.mouseClick(periods.up_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in recorder.periods[-1].periods] == ["I", "night", "II"]
    assert recorder.periods[-1].text == "Move period night up"
    periods.select("I")
    qtbot.mouseClick(periods.remove_button, Qt.MouseButton.LeftButton)
    assert recorder.periods[-1].removed == ["I"] and recorder.periods[-1].text == "Remove period I"
    assert [p.name for p in periods.periods()] == ["night", "II"]


def test_a_period_cell_that_does_not_read_is_refused_and_put_back(qtbot, inspector):
    inspector.set_subjects(make_vxi(), [])
    recorder = Recorder(inspector)
    table = inspector.editor("periods").table
    table.item(1, 2).setText("soon")
    assert "'soon' is not a duration" in inspector.message()
    assert table.item(1, 2).text() == "2h"
    table.item(1, 0).setText("I")
    assert "already a period named 'I'" in inspector.message()
    table.item(1, 1).setText("+90min")
    assert recorder.periods[-1].periods[1] == Period("II", 5400, 7200)
    assert recorder.periods[-1].text == "Set period II to +1h 30min – +3h 30min"
    assert len(recorder.periods) == 1


def test_esc_puts_back_what_a_field_held(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["n1"])
    recorder = Recorder(inspector)
    memory = inspector.editor("memory").number_edits[0]
    memory.setFocus()
    memory.selectAll()
    qtbot.keyClicks(memory, "fast")
    qtbot.keyClick(memory, Qt.Key.Key_Escape)
    assert memory.text() == "1" and inspector.editor("memory").unit_combo.currentText() == "GB"
    qtbot.keyClick(memory, Qt.Key.Key_Return)
    inspector.set_subjects(vxi, [])
    owner = inspector.editor("owner").line
    owner.setFocus()
    owner.selectAll()
    qtbot.keyClicks(owner, "someone else")
    qtbot.keyClick(owner, Qt.Key.Key_Escape)
    assert owner.text() == "hipcal"
    owner.clearFocus()
    assert recorder.edits == [] and recorder.document == []


@pytest.mark.parametrize(("key", "typed", "expected"), [
    ("forward", "2 Gbps", Quantity("bandwidth", "interval", min=2e9, unit="Gbps")),
    ("forward", "100Mbps", None),  # what it has already: nothing to do
    ("forward", "250M", Quantity("bandwidth", "interval", min=250e6, unit="Mbps")),
    ("latency", "250 us", Quantity("latency", "interval", max=250e-6, unit="us")),
])
def test_a_number_typed_with_its_unit_reads_the_unit(qtbot, inspector, key, typed, expected):
    inspector.set_subjects(make_vxi(), ["l1"])
    recorder = Recorder(inspector)
    edit = inspector.editor(key)
    _type(qtbot, edit.number_edits[0], typed)
    assert recorder.edits == ([(["l1"], {key: expected})] if expected else [])
    if expected:
        assert edit.unit_combo.currentText() == expected.unit and " " not in edit.number_edits[0].text()


def test_a_size_typed_in_gigabytes(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["n1"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("memory").number_edits[0], "1.5 GB")
    assert recorder.edits == [(["n1"], {"memory": Quantity("size", "simple", value=1.5 * 2**30, unit="GB")})]
    _type(qtbot, inspector.editor("memory").number_edits[0], "2 Gbps")
    assert inspector.message() == "Memory: 'Gbps' is not a unit of size (MB, GB, TB, …)"


def test_a_refusal_is_shown_at_the_foot_and_the_fields_do_not_move(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["l1"])
    latency = inspector.editor("latency").number_edits[0]
    before = latency.mapTo(inspector, latency.rect().topLeft())
    _type(qtbot, latency, "slow")
    QApplication.processEvents()
    assert "'slow' is not a number" in inspector.message()
    assert latency.mapTo(inspector, latency.rect().topLeft()) == before
    assert inspector.message_label.geometry().top() > inspector.scroll.geometry().bottom()


def test_every_field_is_named_after_its_label(inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, [])
    assert [inspector.editor(k).line.accessibleName() for k in ("lease_start", "lease_duration", "lease_end")] == \
        ["Lease start", "Duration", "End"]
    assert inspector.editor("periods").table.accessibleName() == "Periods"
    assert inspector.editor("periods").add_button.accessibleName() == "Add period"
    inspector.set_subjects(vxi, ["n1"])
    memory = inspector.editor("memory")
    assert (memory.number_edits[0].accessibleName(), memory.unit_combo.accessibleName()) == ("Memory", "Memory unit")
    assert inspector.editor("lease").start.accessibleName() == "Lease start"
    inspector.set_subjects(vxi, ["l1"])
    assert inspector.editor("period:II").active.accessibleName() == "Active in II"
    unnamed = [w for w in inspector.scroll.widget().findChildren(QLineEdit)
               if w.isVisibleTo(inspector) and not w.accessibleName()]
    assert unnamed == []


def test_a_link_is_made_idle_in_a_period_with_one_click(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["l1"])
    recorder = Recorder(inspector)
    row = inspector.editor("period:II")
    assert row.active.isChecked() and not row.edits["reverse"].isVisibleTo(inspector)  # one-way: no reverse
    qtbot.mouseClick(row.active, Qt.MouseButton.LeftButton, pos=row.active.rect().center())
    ids, fields = recorder.edits[-1]
    assert fields["periods"] == {"II": LinkConfig(forward=Quantity.simple("bandwidth", 0))}
    vxi.update("l1", periods=fields["periods"])
    inspector.refresh()
    assert not row.active.isChecked() and row.idle_note.isVisibleTo(inspector)
    assert not row.edits["forward"].isVisibleTo(inspector)

"""The inspector: typed values become SI quantities, invalid input is refused on the spot, one signal per edit."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from backend.model import (
    Cloud,
    Host,
    Infrastructure,
    Lease,
    Link,
    LinkConfig,
    Node,
    Period,
    PhysicalLink,
    Quantity,
    Router,
    Substrate,
)
from backend.resources import examples_dir
from backend.vxdl import read_file
from widgets.inspector import InspectorWidget
from widgets.inspector_fields import field_specs

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def make_vxi() -> Infrastructure:
    vxi = Infrastructure(id="demo", lease=Lease(START, 6 * 3600),
                         periods=[Period("I", 0, 7200), Period("II", 7200, 7200), Period("III", 14400, 7200)])
    vxi.add_component(Node("node1", memory=Quantity.simple("size", 2, "GB"), cores=Quantity.simple("count", 2)))
    vxi.add_component(Node("node2", memory=Quantity.simple("size", 1, "GB")))
    vxi.add_component(Router("r1"))
    vxi.add_component(Cloud("grid", cardinality=8))
    vxi.add_link(Link("l1", "node1", "r1", destination_port="p0", forward=Quantity.at_least("bandwidth", 100),
                      reverse=Quantity.at_least("bandwidth", 100), latency=Quantity.at_most("latency", 10),
                      periods={"II": LinkConfig(forward=Quantity.at_least("bandwidth", 1, "Gbps"))}))
    vxi.add_link(Link("l2", "node2", "r1", destination_port="p1"))
    return vxi


class Recorder:
    """Collects every emission of the inspector's two signals."""

    def __init__(self, inspector):
        self.edits, self.renames = [], []
        inspector.edit_requested.connect(lambda ids, fields: self.edits.append((ids, fields)))
        inspector.rename_requested.connect(lambda old, new: self.renames.append((old, new)))


@pytest.fixture
def inspector(qtbot):
    widget = InspectorWidget()
    qtbot.addWidget(widget)
    widget.resize(460, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _type(qtbot, line_edit, text):
    line_edit.setFocus()
    line_edit.selectAll()
    qtbot.keyClick(line_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)


def test_typing_a_bandwidth_and_choosing_gbps_emits_an_si_quantity(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["l1"])
    recorder = Recorder(inspector)
    forward = inspector.editor("forward")
    assert forward.number_edits[0].text() == "100"
    assert forward.unit_combo.currentText() == "Mbps"
    _type(qtbot, forward.number_edits[0], "2.5")
    forward.unit_combo.setFocus()
    qtbot.keyClick(forward.unit_combo, Qt.Key.Key_Down)  # Mbps -> Gbps
    assert forward.unit_combo.currentText() == "Gbps"
    ids, fields = recorder.edits[-1]
    assert ids == ["l1"]
    assert fields == {"forward": Quantity("bandwidth", "interval", min=2.5e9, unit="Gbps")}
    assert inspector.message() == ""


def test_a_negative_memory_is_refused_with_a_message_and_no_signal(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["node1"])
    recorder = Recorder(inspector)
    memory = inspector.editor("memory")
    _type(qtbot, memory.number_edits[0], "-4")
    assert recorder.edits == []
    assert "must not be negative" in inspector.message()
    assert inspector.message_label.isVisible()
    assert memory.number_edits[0].property("invalid") is True


def test_text_in_a_number_field_is_refused(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["l1"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("latency").number_edits[0], "fast")
    assert recorder.edits == []
    assert "'fast' is not a number" in inspector.message()


def test_a_range_with_min_above_max_is_refused(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["l1"])
    recorder = Recorder(inspector)
    latency = inspector.editor("latency")
    latency.shape_combo.setFocus()
    qtbot.keyClick(latency.shape_combo, Qt.Key.Key_Down)  # ≤ -> range
    assert latency.shape_combo.currentText() == "range"
    recorder.edits.clear()
    _type(qtbot, latency.number_edits[0], "20")
    _type(qtbot, latency.number_edits[1], "5")
    assert "above the maximum" in inspector.message()
    assert all(q["latency"].max is None or q["latency"].min <= q["latency"].max for _, q in recorder.edits)
    _type(qtbot, latency.number_edits[1], "50")
    assert recorder.edits[-1][1]["latency"] == Quantity("latency", "interval", min=0.02, max=0.05, unit="ms")
    assert inspector.message() == ""


def test_a_multi_selection_edit_emits_one_signal_with_all_ids(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["node1", "node2"])
    recorder = Recorder(inspector)
    memory = inspector.editor("memory")
    assert memory.number_edits[0].text() == ""
    assert memory.number_edits[0].placeholderText() == "various"
    assert inspector.editor("id") is None
    _type(qtbot, memory.number_edits[0], "4")
    memory.unit_combo.setFocus()
    qtbot.keyClick(memory.unit_combo, Qt.Key.Key_Down)  # MB -> GB
    assert recorder.edits[-1] == (["node1", "node2"], {"memory": Quantity("size", "simple", value=4 * 2**30,
                                                                          unit="GB")})
    assert all(ids == ["node1", "node2"] for ids, _ in recorder.edits)


def test_rename_emits_old_and_new_id_and_refuses_a_used_id(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["node1"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("id").line, "node2")
    assert recorder.renames == []
    assert "'node2' is already used" in inspector.message()
    _type(qtbot, inspector.editor("id").line, "web")
    assert recorder.renames == [("node1", "web")]
    vxi.rename("node1", "web")
    inspector.refresh()
    assert inspector.subjects() == ["web"]
    assert inspector.title.text() == "web (node)"


def test_typing_a_lease_duration_keeps_the_start(qtbot, inspector):
    vxi = make_vxi()
    vxi.components["node1"].lease = Lease(START, 3600)
    inspector.set_subjects(vxi, ["node1"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("lease").duration, "2h 30min")
    assert recorder.edits == [(["node1"], {"lease": Lease(START, 9000)})]
    _type(qtbot, inspector.editor("lease").duration, "-1h")
    assert "must not be negative" in inspector.message()
    assert len(recorder.edits) == 1


def test_router_port_count_adds_ports_and_keeps_used_ones(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["r1"])
    recorder = Recorder(inspector)
    ports = inspector.editor("ports")
    ports.count.setFocus()
    qtbot.keyClick(ports.count, Qt.Key.Key_Up)
    assert recorder.edits[-1] == (["r1"], {"ports": ["p0", "p1", "p2", "p3", "p4"]})
    _type(qtbot, ports.names, "p0, p2, p3, p4")
    assert "port 'p1' is used by link 'l2'" in inspector.message()
    assert len(recorder.edits) == 1


def test_link_has_one_row_per_period_and_one_way_drops_the_reverse(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["l1"])
    recorder = Recorder(inspector)
    assert [k for k in ("period:I", "period:II", "period:III") if inspector.editor(k)] == ["period:I", "period:II",
                                                                                           "period:III"]
    assert inspector.editor("period:II").edits["forward"].number_edits[0].text() == "1"
    assert inspector.editor("period:II").edits["forward"].unit_combo.currentText() == "Gbps"
    box = inspector.editor("one_way").box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    assert recorder.edits[-1] == (["l1"], {"reverse": None})
    _type(qtbot, inspector.editor("period:III").edits["latency"].number_edits[0], "50")
    ids, fields = recorder.edits[-1]
    assert fields["periods"]["III"] == LinkConfig(latency=Quantity("latency", "interval", max=0.05, unit="ms"))
    assert fields["periods"]["II"].forward.min == 1e9


def test_refresh_shows_an_external_change(inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["grid"])
    assert inspector.editor("cardinality").spin.value() == 8
    vxi.update("grid", cardinality=16)
    inspector.refresh()
    assert inspector.editor("cardinality").spin.value() == 16


def test_substrate_host_and_physical_link_fields(qtbot, inspector):
    sub = Substrate()
    sub.add_component(Host("h1", cores=Quantity.simple("count", 8), uri="test:///default"))
    sub.add_component(Host("h2"))
    sub.add_link(PhysicalLink("p1", "h1", "h2", forward=Quantity.simple("bandwidth", 1, "Gbps")))
    inspector.set_subjects(sub, ["h1"])
    recorder = Recorder(inspector)
    assert inspector.editor("uri").line.text() == "test:///default"
    box = inspector.editor("provisioned").box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())
    _type(qtbot, inspector.editor("capacity").number_edits[0], "800")
    assert recorder.edits == [(["h1"], {"provisioned": True}),
                              (["h1"], {"capacity": Quantity("bandwidth", "simple", value=8e8, unit="Mbps")})]
    inspector.set_subjects(sub, ["p1"])
    assert inspector.editor("link_forward").number_edits[0].text() == "1"
    assert inspector.editor("lease") is None


def test_leaving_a_field_unchanged_emits_nothing(qtbot, inspector):
    inspector.set_subjects(make_vxi(), ["l1"])
    recorder = Recorder(inspector)
    for key in ("forward", "latency"):
        field = inspector.editor(key).number_edits[0]
        field.setFocus()
        qtbot.keyClick(field, Qt.Key.Key_Return)
    _type(qtbot, inspector.editor("forward").number_edits[0], "100")
    assert recorder.edits == []


def test_an_edit_that_would_differ_per_item_is_refused(qtbot, inspector):
    vxi = make_vxi()
    vxi.add_component(Cloud("grid2", template=Node("member", cores=Quantity.simple("count", 4))))
    inspector.set_subjects(vxi, ["grid", "grid2"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("template.memory").number_edits[0], "512")
    assert recorder.edits == []
    assert "edit them one at a time" in inspector.message()
    _type(qtbot, inspector.editor("cardinality").spin.lineEdit(), "3")
    assert recorder.edits == [(["grid", "grid2"], {"cardinality": 3})]


def test_leaving_unchanged_cores_and_an_odd_latency_emits_nothing(qtbot, inspector):
    vxi = make_vxi()
    vxi.links["l1"].latency = Quantity.at_most("latency", 0.3)  # 0.3 ms does not survive a float round trip
    inspector.set_subjects(vxi, ["l1"])
    recorder = Recorder(inspector)
    _type(qtbot, inspector.editor("latency").number_edits[0], "0.3")
    inspector.set_subjects(vxi, ["node1"])
    _type(qtbot, inspector.editor("cores").number_edits[0], "2")
    assert recorder.edits == []
    _type(qtbot, inspector.editor("cores").number_edits[0], "3")
    assert recorder.edits == [(["node1"], {"cores": Quantity.simple("count", 3)})]


def test_a_refresh_keeps_what_the_user_is_typing(qtbot, inspector):
    vxi = make_vxi()
    inspector.set_subjects(vxi, ["l1"])
    latency = inspector.editor("latency").number_edits[0]
    latency.setFocus()
    latency.selectAll()
    qtbot.keyClicks(latency, "25")
    vxi.update("l1", forward=Quantity.at_least("bandwidth", 300))  # an edit elsewhere, then the designer re-reads
    inspector.set_subjects(vxi, ["l1"])
    assert latency.text() == "25"
    assert inspector.editor("forward").number_edits[0].text() == "300"


@pytest.mark.parametrize("name", ["figure4.vxdl", "figure1-substrate.vxdl"])
def test_pressing_enter_through_every_field_of_an_example_changes_nothing(qtbot, inspector, name):
    path = examples_dir() / name
    if not path.exists():
        pytest.skip(f"{name} is not in examples/")
    model = read_file(str(path)).model
    recorder = Recorder(inspector)
    keys = [spec.key for spec in field_specs(model)]
    visited = 0
    for ident in [*model.components, *model.links]:
        inspector.set_subjects(model, [ident])
        for key in keys:
            editor = inspector.editor(key)
            for line in editor.findChildren(QLineEdit) if editor is not None else []:
                if line.isVisibleTo(inspector) and not line.isReadOnly():
                    line.setFocus()
                    qtbot.keyClick(line, Qt.Key.Key_Return)
                    visited += 1
    assert visited > 50
    assert recorder.edits == [] and recorder.renames == []
    assert inspector.message() == ""

"""Named periods shown on the canvas, lease edits from the timeline, and the light and dark themes."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from backend.model import Lease, Quantity
from backend.resources import examples_dir

EXAMPLES = examples_dir()


def test_choosing_a_period_on_the_timeline_shows_its_link_values(window, qtbot):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    timeline = window.docks.timeline
    scene = window.scene
    assert "1 Gbit/s" in scene.links["A-B"].label.lines()[0]
    with qtbot.waitSignal(timeline.period_selected):
        rect = timeline.period_rect("II")
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        point = timeline.view.mapFromScene(QPointF(rect.center().x(), rect.top() + 10))  # the period's name
        QTest.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert scene.period == "II"
    assert scene.links["A-B"].label.lines() == ["idle in II"]
    assert scene.links["A-B"].idle
    assert "100 Mbit/s" in scene.links["C-G"].label.lines()[0]
    assert not scene.links["C-G"].idle


def test_a_lease_edit_on_the_timeline_is_one_undo_step(window):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    model = window.document.model
    start = model.lease.start + timedelta(hours=1)
    window.docks.timeline.lease_edited.emit("C", Lease(start, 1800.0))
    assert model.components["C"].lease == Lease(start, 1800.0)
    assert window.document.undo_stack.count() == 1
    window.undo()
    assert model.components["C"].lease != Lease(start, 1800.0)


def test_dark_theme_recolours_the_scene(window, tmp_path):
    window.editor.place("node", QPointF(0, 0))
    window.set_theme("light")
    light = window.scene.colours["background"].lightness()
    window.set_theme("dark")
    dark = window.scene.colours["background"].lightness()
    assert dark < 80 < light
    path = tmp_path / "dark.png"
    assert window.export_to(str(path))
    assert QImage(str(path)).pixelColor(2, 2).lightness() < 80
    window.set_theme("light")


def test_problems_badge_the_item_and_double_click_centres_it(window):
    editor = window.editor
    far = [editor.place("node", QPointF(700 * i, 0)) for i in range(3)]
    editor.edit([far[2]], {"memory": Quantity("size", value=-1.0, unit="GB")})
    window.wiring.validate_now()
    item = window.scene.components[far[2]]
    assert item.badge.isVisible() and item.badge.severity == "error"
    assert "negative" in item.badge.toolTip()
    window.view.centerOn(0, 0)
    window.docks.docks["problems"].raise_()
    tree = window.docks.problems.tree
    row = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
               if far[2] in [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())])
    tree.scrollToItem(row)
    point = tree.visualItemRect(row).center()
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(item.pos()) and window.scene.selected_ids()[0] == [far[2]]
    window.undo()
    window.wiring.validate_now()
    assert not item.badge.isVisible()


def test_a_period_value_edited_in_the_inspector_shows_on_the_canvas(window):
    assert window.open_path(str(EXAMPLES / "figure4.vxdl"))
    window.scene.select_ids(["C-G"])
    edit = window.docks.inspector.editor("period:II").edits["forward"]
    edit.unit_combo.setCurrentIndex(edit.unit_combo.findText("Mbps"))
    line = edit.number_edits[0]
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, "250")
    QTest.keyClick(line, Qt.Key.Key_Return)
    link = window.document.model.links["C-G"]
    assert link.config_for("II").forward.demand() == 250e6
    assert link.config_for(None).forward.demand() == 100e6
    window.scene.set_period("II")
    assert "250 Mbit/s" in window.scene.links["C-G"].label.lines()[0]
    window.scene.set_period(None)
    assert "100 Mbit/s" in window.scene.links["C-G"].label.lines()[0]
    window.undo()
    assert link.config_for("II").forward.demand() == 100e6

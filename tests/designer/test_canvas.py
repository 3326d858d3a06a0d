"""The canvas driven with the mouse: palette drops, links, moves, selection, zoom and pan."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.designer.helpers import LEFT, at, click, drag, drop_kind

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _mime(window, kind):
    return window.docks.palette.mime_data(kind)


def test_drop_from_palette_places_a_component_where_dropped(window):
    drop_kind(window.view, _mime(window, "router"), (200, 100))
    model = window.document.model
    assert list(model.components) == ["router1"]
    assert model.components["router1"].kind == "router"
    assert model.components["router1"].position == (200.0, 100.0)
    assert "router1" in window.scene.components
    assert window.scene.components["router1"].isSelected()
    window.undo()
    assert not model.components and not window.scene.components


def test_palette_options_give_router_ports_and_cloud_members(window):
    window.docks.palette.set_ports(6)
    window.docks.palette.set_cardinality(10)
    drop_kind(window.view, _mime(window, "router"), (0, 0))
    drop_kind(window.view, _mime(window, "cloud"), (200, 0))
    model = window.document.model
    assert len(model.components["router1"].ports) == 6
    assert model.components["cloud1"].cardinality == 10
    assert window.scene.components["cloud1"].label.lines() == ["cloud1", "group of 10"]


def test_link_tool_draws_a_link_between_two_components(window):
    editor = window.editor
    a = editor.place("node", QPointF(0, 0))
    b = editor.place("node", QPointF(240, 0))
    window.view.centerOn(120, 0)
    QTest.keyClick(window.view, Qt.Key.Key_L)
    assert window.view.tool == "link"
    drag(window.view, (0, 0), (240, 0))
    links = list(window.document.model.links.values())
    assert [(lk.source, lk.destination) for lk in links] == [(a, b)]
    item = window.scene.links[links[0].id]
    assert "Mbit/s" in item.label.lines()[0]
    assert window.scene.selected_ids() == ([], [links[0].id])  # the new link is selected, ready to edit
    assert window.docks.inspector.subjects() == [links[0].id]


def test_dragging_from_a_router_port_links_that_port(window):
    editor = window.editor
    router = editor.place("router", QPointF(0, 0))
    node = editor.place("node", QPointF(300, 0))
    window.view.centerOn(150, 0)
    port = window.scene.components[router].ports["p1"].scenePos()
    drag(window.view, port, (300, 0))
    link = next(iter(window.document.model.links.values()))
    assert (link.source, link.source_port, link.destination) == (router, "p1", node)
    assert window.scene.components[router].ports["p1"].used


def test_a_full_router_refuses_a_link_and_says_why(window):
    editor = window.editor
    router = editor.place("router", QPointF(0, 0))
    for i in range(4):
        node = editor.place("node", QPointF(200, 100 * i))
        assert editor.link(node, None, router, None)
    extra = editor.place("node", QPointF(-300, 0))
    window.view.centerOn(-150, 0)
    window.set_tool("link")
    port = window.view.viewport()
    QTest.mousePress(port, LEFT, Qt.KeyboardModifier.NoModifier, at(window.view, (-300, 0)))
    QTest.mouseMove(port, at(window.view, (-150, 0)))
    QTest.mouseMove(port, at(window.view, (0, 0)))
    assert "all its 4 ports are in use" in window.statusBar().currentMessage()  # said while hovering
    assert window.view._link.refused
    window.statusBar().clearMessage()
    QTest.mouseRelease(port, LEFT, Qt.KeyboardModifier.NoModifier, at(window.view, (0, 0)))
    assert len(window.document.model.links) == 4
    assert f"Router '{router}' refuses the link: all its 4 ports are in use" in window.statusBar().currentMessage()
    assert extra not in {lk.source for lk in window.document.model.links.values()}


def test_moving_items_is_one_undo_step_and_links_follow(window):
    editor = window.editor
    a = editor.place("node", QPointF(0, 0))
    b = editor.place("node", QPointF(200, 0))
    link_id = editor.link(a, None, b, None)
    window.view.centerOn(100, 0)
    before = window.document.undo_stack.count()
    drag(window.view, (0, 0), (60, 80))
    assert window.document.undo_stack.count() == before + 1
    assert window.document.model.components[a].position == (60.0, 80.0)
    line = window.scene.links[link_id].line
    assert line.p1().y() > 0  # the link left the old position with its end
    window.undo()
    assert window.document.model.components[a].position == (0.0, 0.0)
    assert window.scene.components[a].pos() == QPointF(0, 0)


def test_moves_snap_to_the_grid_unless_alt_is_held(window):
    a = window.editor.place("node", QPointF(0, 0))
    window.view.centerOn(0, 0)
    drag(window.view, (0, 0), (47, 33))
    x, y = window.document.model.components[a].position
    assert x % 20 == 0 and y % 20 == 0
    start = window.document.model.components[a].position
    drag(window.view, start, (start[0] + 13, start[1] + 7), modifiers=ALT)
    x2, y2 = window.document.model.components[a].position
    assert (x2 % 20, y2 % 20) != (0, 0)


def test_rubber_band_ctrl_click_and_select_all(window, qtbot):
    editor = window.editor
    ids = [editor.place("node", QPointF(200 * i, 0)) for i in range(3)]
    editor.link(ids[0], None, ids[1], None)
    window.scene.clearSelection()
    window.view.centerOn(200, 0)
    drag(window.view, (-60, -60), (260, 60))
    assert window.scene.selected_ids()[0] == ids[:2]
    click(window.view, (400, 0), CTRL)
    assert window.scene.selected_ids()[0] == ids
    click(window.view, (100, -90))  # empty canvas clears
    assert window.scene.selected_ids() == ([], [])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, CTRL)
    comps, links = window.scene.selected_ids()
    assert comps == ids and len(links) == 1


def test_delete_removes_attached_links_in_one_step(window):
    editor = window.editor
    a, b, c = (editor.place("node", QPointF(200 * i, 0)) for i in range(3))
    editor.link(a, None, b, None)
    editor.link(b, None, c, None)
    window.scene.select_ids([b])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Delete)
    model = window.document.model
    assert list(model.components) == [a, c] and not model.links
    assert not window.scene.links
    QTest.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert list(model.components) == [a, b, c] and len(model.links) == 2
    assert len(window.scene.links) == 2
    QTest.keyClick(window.view, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert list(model.components) == [a, c]


def test_wheel_zooms_at_the_cursor(window):
    window.editor.place("node", QPointF(0, 0))
    view = window.view
    view.centerOn(0, 0)
    target = QPointF(150, 80)
    pos = at(view, target)
    event = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    zoom = view.zoom()
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() > zoom * 1.3
    under = view.mapToScene(pos)
    assert abs(under.x() - target.x()) < 3 and abs(under.y() - target.y()) < 3


def test_middle_button_and_space_drag_pan(window):
    window.editor.place("node", QPointF(0, 0))
    view = window.view
    view.centerOn(0, 0)
    before = view.mapToScene(view.viewport().rect().center())
    drag(view, (0, 0), (-100, -60), button=Qt.MouseButton.MiddleButton)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() > before.x() + 50 and after.y() > before.y() + 30
    assert window.document.model.components["node1"].position == (0.0, 0.0)  # nothing moved
    QTest.keyPress(view, Qt.Key.Key_Space)
    drag(view, (0, 0), (80, 0), button=LEFT)
    QTest.keyRelease(view, Qt.Key.Key_Space)
    moved = view.mapToScene(view.viewport().rect().center())
    assert moved.x() < after.x() - 40
    assert window.document.model.components["node1"].position == (0.0, 0.0)


def test_fit_all_shows_every_item(window):
    editor = window.editor
    for x, y in ((0, 0), (3000, 0), (0, 2500)):
        editor.place("node", QPointF(x, y))
    window.view.centerOn(0, 0)
    QTest.keyClick(window.view, Qt.Key.Key_F)
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    for item in window.scene.components.values():
        assert visible.contains(item.pos())


def test_shift_drag_from_a_component_draws_a_link_in_select_mode(window):
    a = window.editor.place("storage", QPointF(0, 0))
    b = window.editor.place("node", QPointF(240, 0))
    window.view.centerOn(120, 0)
    drag(window.view, (0, 0), (240, 0), modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert [(lk.source, lk.destination) for lk in window.document.model.links.values()] == [(a, b)]
    assert window.document.model.components[a].position == (0.0, 0.0)


def test_dragging_a_selection_moves_all_of_it_in_one_step(window):
    a, b = (window.editor.place("node", QPointF(200 * i, 0)) for i in range(2))
    window.scene.select_ids([a, b])
    window.view.centerOn(100, 0)
    count = window.document.undo_stack.count()
    drag(window.view, (200, 0), (200, 100))
    model = window.document.model
    assert model.components[a].position == (0.0, 100.0) and model.components[b].position == (200.0, 100.0)
    assert window.document.undo_stack.count() == count + 1
    window.undo()
    assert model.components[a].position == (0.0, 0.0) and model.components[b].position == (200.0, 0.0)

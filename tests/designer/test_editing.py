"""Editing through the inspector, the clipboard and the arrange commands; each edit is one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from backend.model import Quantity

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _nodes(window, count, step=200):
    return [window.editor.place("node", QPointF(step * i, 0)) for i in range(count)]


def _type(line, text):
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def test_inspector_edits_several_items_as_one_undo_step(window):
    ids = _nodes(window, 2)
    window.scene.select_ids(ids)
    inspector = window.docks.inspector
    memory = inspector.editor("memory")
    unit = memory.unit_combo
    unit.setCurrentIndex(unit.findText("GB"))
    count = window.document.undo_stack.count()
    _type(memory.number_edits[0], "4")
    model = window.document.model
    assert [model.components[i].memory.demand() for i in ids] == [4 * 2**30, 4 * 2**30]
    assert window.document.undo_stack.count() == count + 1
    QTest.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert [model.components[i].memory.demand() for i in ids] == [2**30, 2**30]
    QTest.keyClick(window.view, Qt.Key.Key_Z, CTRL | SHIFT)
    assert [model.components[i].memory.demand() for i in ids] == [4 * 2**30, 4 * 2**30]


def test_inspector_refuses_invalid_input_on_the_spot(window):
    ids = _nodes(window, 1)
    window.scene.select_ids(ids)
    memory = window.docks.inspector.editor("memory")
    count = window.document.undo_stack.count()
    _type(memory.number_edits[0], "lots")
    assert window.document.undo_stack.count() == count
    assert window.docks.inspector.message()


def test_renaming_in_the_inspector_updates_links_and_undoes(window):
    a, b = _nodes(window, 2)
    link = window.editor.link(a, None, b, None)
    window.scene.select_ids([a])
    _type(window.docks.inspector.editor("id").line, "web")
    model = window.document.model
    assert "web" in model.components and model.links[link].source == "web"
    assert window.scene.components["web"].label.lines()[0] == "web"
    window.undo()
    assert a in model.components and model.links[link].source == a
    assert a in window.scene.components


def test_every_edit_undoes_and_redoes(window):
    editor = window.editor
    model = window.document.model
    stack = window.document.undo_stack
    a, b = _nodes(window, 2)
    link = editor.link(a, None, b, None)
    editor.edit([link], {"forward": Quantity.at_least("bandwidth", 1, "Gbps")})
    editor.move_to({a: (0.0, 200.0)}, "Move")
    snapshots = []
    for _ in range(stack.count()):
        snapshots.append(model.clone())
        stack.undo()
    assert not model.components
    for snapshot in reversed(snapshots):
        stack.redo()
        assert model.components == snapshot.components and model.links == snapshot.links
    assert "Gbit/s" in window.scene.links[link].label.lines()[0]


def test_copy_paste_keeps_links_and_selects_the_pasted_items(window):
    a, b, c = _nodes(window, 3)
    window.editor.link(a, None, b, None)
    window.editor.link(b, None, c, None)
    window.scene.select_ids([a, b])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_C, CTRL)
    count = window.document.undo_stack.count()
    QTest.keyClick(window.view, Qt.Key.Key_V, CTRL)
    model = window.document.model
    assert window.document.undo_stack.count() == count + 1
    new = [i for i in model.components if i not in (a, b, c)]
    assert len(new) == 2
    pasted_links = [lk for lk in model.links.values() if lk.source in new or lk.destination in new]
    assert [(lk.source, lk.destination) for lk in pasted_links] == [(new[0], new[1])]
    comps, links = window.scene.selected_ids()
    assert comps == new and links == [pasted_links[0].id]
    assert model.components[new[0]].position != model.components[a].position
    window.undo()
    assert set(model.components) == {a, b, c} and len(model.links) == 2


def test_cut_and_duplicate(window):
    a, b = _nodes(window, 2)
    window.editor.link(a, None, b, None)
    window.scene.select_ids([a, b])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_D, CTRL)
    model = window.document.model
    assert len(model.components) == 4 and len(model.links) == 2
    window.scene.select_ids([a, b])
    QTest.keyClick(window.view, Qt.Key.Key_X, CTRL)
    assert a not in model.components and len(model.links) == 1
    QTest.keyClick(window.view, Qt.Key.Key_V, CTRL)
    assert len(model.components) == 4 and len(model.links) == 2


def test_align_distribute_and_auto_layout_are_single_steps(window):
    editor = window.editor
    model = window.document.model
    stack = window.document.undo_stack
    ids = [editor.place("node", QPointF(x, y)) for x, y in ((0, 0), (100, 60), (400, 140))]
    window.scene.select_ids(ids)
    count = stack.count()
    window.actions_by_name["align_top"].trigger()
    assert {model.components[i].position[1] for i in ids} == {0.0}
    window.actions_by_name["distribute_horizontal"].trigger()
    assert [model.components[i].position[0] for i in ids] == [0.0, 200.0, 400.0]
    editor.link(ids[0], None, ids[1], None)
    editor.link(ids[1], None, ids[2], None)
    count = stack.count()
    window.actions_by_name["auto_layout"].trigger()
    assert stack.count() == count + 1
    positions = [model.components[i].position for i in ids]
    assert len(set(positions)) == 3
    window.undo()
    assert [model.components[i].position for i in ids] == [(0.0, 0.0), (200.0, 0.0), (400.0, 0.0)]


def test_find_by_id_selects_and_centres(window):
    ids = [window.editor.place("node", QPointF(600 * i, 0)) for i in range(4)]
    window.view.centerOn(0, 0)
    QTest.keyClick(window.view, Qt.Key.Key_F, CTRL)
    assert window.find_box.hasFocus()
    QTest.keyClicks(window.find_box, ids[3])
    QTest.keyClick(window.find_box, Qt.Key.Key_Return)
    assert window.scene.selected_ids()[0] == [ids[3]]
    visible = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert visible.contains(QPointF(1800, 0)) and not visible.contains(QPointF(0, 0))
    window.find_box.setText("nothing-like-this")
    QTest.keyClick(window.find_box, Qt.Key.Key_Return)
    assert "No component or link named" in window.statusBar().currentMessage()


def test_paste_into_another_document_and_refuse_the_wrong_kind(window):
    a, b = _nodes(window, 2)
    window.editor.link(a, None, b, None)
    window.scene.select_ids([a, b])
    window.editor.copy()
    window.new_vxi()  # unsaved work: the scripted dialog answers 'discard'
    assert window.editor.paste() and len(window.document.model.links) == 1
    window.document.undo_stack.setClean()
    window.new_substrate()
    assert window.editor.paste() == []
    assert "cannot hold node components" in window.statusBar().currentMessage()


def test_the_undo_history_goes_back_to_a_clicked_step(window):
    ids = _nodes(window, 3)
    history = window.docks.history
    assert history.stack() is window.document.undo_stack
    index = history.model().index(1, 0)  # row 0 is the opened state, row 1 the first node
    point = history.visualRect(index).center()
    QTest.mouseClick(history.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert list(window.document.model.components) == ids[:1]
    assert list(window.scene.components) == ids[:1]


def test_a_copy_reaches_other_programs_as_vxdl_and_comes_back_from_them(window):
    from PySide6.QtGui import QGuiApplication

    from backend.vxdl import read_bytes
    from designer.editor import Editor

    a, b = _nodes(window, 2)
    window.editor.link(a, None, b, None)
    window.scene.select_ids([a, b])
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_C, CTRL)
    text = QGuiApplication.clipboard().text()
    copied = read_bytes(text.encode()).model  # what a text editor would get: VXDL that reads back
    assert set(copied.components) == {a, b} and len(copied.links) == 1
    Editor._clipboard = None  # as in a second designer, which has only the system clipboard
    QGuiApplication.clipboard().setText(text.replace(f"<id>{a}</id>", "<id>web</id>").replace(
        f"<source>{a}</source>", "<source>web</source>").replace(f'ref="{a}"', 'ref="web"'))  # edited elsewhere
    QTest.keyClick(window.view, Qt.Key.Key_V, CTRL)
    model = window.document.model
    new = [i for i in model.components if i not in (a, b)]
    assert len(new) == 2 and any(i.startswith("web") for i in new)
    assert any({lk.source, lk.destination} == set(new) for lk in model.links.values())
    assert window.scene.selected_ids()[0] == new
    QGuiApplication.clipboard().setText("just some words")
    QTest.keyClick(window.view, Qt.Key.Key_V, CTRL)
    assert "no VXDL" in window.statusBar().currentMessage() and len(model.components) == 4

"""The habits of desktop editors on the canvas: right-click menus on a component, a link and the empty canvas,
renaming in place (double-click, F2, the menu) with Enter or Esc, double-click on a link for the inspector."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.designer.helpers import LEFT, NO_MOD, at, right_click

FIGURE4 = Path(__file__).resolve().parents[2] / "examples" / "figure4.vxdl"


@pytest.fixture
def figure4(make_window):
    window = make_window()
    window.resize(1280, 800)
    assert window.open_path(str(FIGURE4), ask=False)
    window.view.zoom_by(1.0 / window.view.zoom())
    window.view.centerOn(window.scene.components["I"].pos())
    window.view.settle_labels()
    return window


def _on_link(window, ident: str) -> QPoint:
    """A viewport point on the link's line, away from its label."""
    item = window.scene.links[ident]
    label = item.label.sceneBoundingRect() if item.has_label() and item.label.isVisible() else None
    for t in (0.3, 0.7, 0.25, 0.75, 0.4, 0.6):
        point = item.line.pointAt(t)
        if label is None or not label.contains(point):
            return at(window.view, point)
    raise AssertionError(f"no free point on {ident}")


def _inline_editor(window) -> QLineEdit | None:
    return window.view.viewport().findChild(QLineEdit, "inline-rename")


def test_a_components_menu_edits_renames_duplicates_and_deletes(qtbot, figure4):
    window, model, stack = figure4, figure4.document.model, figure4.document.undo_stack
    point = at(window.view, window.scene.components["I"].pos())
    entries = right_click(qtbot, window.view, point, choose="Duplicate")
    assert {"Edit in the inspector", "Rename", "Duplicate", "Delete"} <= set(entries)
    assert len(model.components) == 9 and stack.undoText() == "Duplicate I"
    window.undo()
    right_click(qtbot, window.view, point, choose="Delete")
    assert "I" not in model.components and not [lk for lk in model.links.values() if "I" in (lk.source,
                                                                                              lk.destination)]
    assert stack.undoText() == "Delete I and 3 links"  # the component and its links: one step
    window.undo()
    assert "I" in model.components
    right_click(qtbot, window.view, point, choose="Edit in the inspector")
    assert window.docks.inspector.subjects() == ["I"]


def test_a_links_menu_and_the_empty_canvas_menu(qtbot, figure4):
    window, model = figure4, figure4.document.model
    ident = "C-G"
    entries = right_click(qtbot, window.view, _on_link(window, ident), choose="Delete")
    assert {"Edit in the inspector", "Rename", "Delete"} <= set(entries)
    assert ident not in model.links and len(model.components) == 8
    window.undo()
    corner = window.view.viewport().rect().topLeft() + QPoint(8, 8)
    assert window.view.owner_at(corner) == (None, None)
    entries = right_click(qtbot, window.view, corner, choose="Select all")
    assert {"Paste", "Select all", "Auto-layout", "Fit all"} <= set(entries)
    comps, links = window.scene.selected_ids()
    assert len(comps) == 8 and len(links) == 11


def test_double_click_renames_in_place_enter_keeps_and_esc_cancels(qtbot, figure4):
    window, model, stack = figure4, figure4.document.model, figure4.document.undo_stack
    viewport = window.view.viewport()
    point = at(window.view, window.scene.components["I"].pos())
    QTest.mouseDClick(viewport, LEFT, NO_MOD, point)
    editor = _inline_editor(window)
    assert editor is not None and editor.isVisible() and editor.text() == "I" and editor.hasFocus()
    QTest.keyClicks(editor, "Ingress")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert "Ingress" in model.components and "I" not in model.components
    assert stack.undoText() == "Rename I to Ingress"
    QApplication.processEvents()
    QTest.mouseDClick(viewport, LEFT, NO_MOD, at(window.view, window.scene.components["Ingress"].pos()))
    editor = _inline_editor(window)
    QTest.keyClicks(editor, "Nope")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert "Ingress" in model.components and "Nope" not in model.components
    assert stack.undoText() == "Rename I to Ingress" and not editor.isVisible()


def test_f2_renames_the_selected_link_in_place_and_double_click_on_a_link_opens_the_inspector(qtbot, figure4):
    window, model = figure4, figure4.document.model
    ident = "C-G"
    point = _on_link(window, ident)
    QTest.mouseClick(window.view.viewport(), LEFT, NO_MOD, point)
    assert window.scene.selected_ids() == ([], [ident])
    QTest.keyClick(window.view, Qt.Key.Key_F2)
    editor = _inline_editor(window)
    assert editor is not None and editor.text() == ident
    editor.selectAll()
    QTest.keyClicks(editor, "uplink")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert "uplink" in model.links and ident not in model.links
    QApplication.processEvents()
    QTest.mouseDClick(window.view.viewport(), LEFT, NO_MOD, _on_link(window, "uplink"))
    assert window.docks.inspector.subjects() == ["uplink"] and window.docks.docks["inspector"].isVisible()


def test_ctrl_plus_minus_and_zero_zoom_in_out_and_back_to_actual_size(figure4):
    view = figure4.view
    view.zoom_by(0.5 / view.zoom())
    QTest.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(0.625)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(0.4)
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom() == pytest.approx(1.0)

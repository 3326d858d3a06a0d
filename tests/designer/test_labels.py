"""Labels on the canvas: at the opening size of every example and of a 200-component design, and at every
zoom step from 5 % to 400 %, no two visible labels overlap and no label covers a component, a port or a
badge (found through the items' tags). Labels that do not fit are hidden and counted; View ▸ Link labels
hides the links' labels; a link is clicked on its line, away from its label, and its selection is drawn."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from designer.items.tags import BADGE, COMPONENT, KIND, LABEL, LINK, MODEL_ID, PORT
from designer.label_layout import LABELS_FROM
from tests.designer.helpers import LEFT, NO_MOD, at, drag

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.vxdl"))
KINDS = ("node", "node", "storage", "router", "cloud", "access_point")


def _design_of_200(folder: Path) -> Path:
    """200 components scattered at random (some close together), 240 links with their default values."""
    from backend.model import Infrastructure
    from backend.vxdl import write_file
    from designer.factory import make_component, new_link

    rng = random.Random(11)
    model = Infrastructure(id="two-hundred")
    for i in range(200):
        comp = make_component(KINDS[i % len(KINDS)], f"c{i}", ports=4)
        comp.position = (float(rng.randrange(0, 2400, 20)), float(rng.randrange(0, 1600, 20)))
        model.components[comp.id] = comp
    ids = list(model.components)
    while len(model.links) < 240:
        a, b = rng.sample(ids, 2)
        try:
            model.add_link(new_link(model, a, b))
        except ValueError:
            pass  # a full router or a repeated pair
    path = folder / "two-hundred.vxdl"
    write_file(model, path)
    return path


def _wheel(view, notches: int) -> None:
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(centre, QPointF(view.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, NO_MOD, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(view.viewport(), event)


def _shown(view, kinds: set[str]) -> list:
    """The visible tagged items of these kinds in the area the viewport shows (below 30 % the view draws
    no label at all)."""
    if view.zoom() < LABELS_FROM:
        kinds = kinds - {LABEL}
    area = view.mapToScene(view.viewport().rect()).boundingRect()
    return [item for item in view.scene().items(area) if item.isVisible() and item.data(KIND) in kinds]


def _overlap(a: QRectF, b: QRectF) -> bool:
    """Overlap by more than a hair (shared edges and rounding do not count)."""
    inner = a.intersected(b)
    return inner.width() > 0.01 and inner.height() > 0.01


def _collisions(view) -> list[str]:
    """Every pair of a visible label and something it covers, in words."""
    view.settle_labels()
    labels = _shown(view, {LABEL})
    solid = _shown(view, {COMPONENT, PORT, BADGE})
    found = []
    for i, label in enumerate(labels):
        rect = label.sceneBoundingRect()
        for other in labels[i + 1:]:
            if _overlap(rect, other.sceneBoundingRect()):
                found.append(f"label of {label.data(MODEL_ID)} on label of {other.data(MODEL_ID)}")
        for item in solid:
            box = item.mapRectToScene(item.boundingRect()) if item.data(KIND) == COMPONENT else item.sceneBoundingRect()
            if _overlap(rect, box):
                found.append(f"label of {label.data(MODEL_ID)} on {item.data(KIND)} {item.data(MODEL_ID)}")
    return found


@pytest.mark.parametrize("path", [*EXAMPLES, None], ids=[*(p.stem for p in EXAMPLES), "200-components"])
def test_no_visible_label_covers_another_or_a_component_at_any_zoom(make_window, tmp_path, path):
    window = make_window()
    window.resize(1280, 800)
    assert window.open_path(str(path or _design_of_200(tmp_path)), ask=False)
    view = window.view
    QApplication.processEvents()
    view.fit_all()
    assert _collisions(view) == [], f"at the opening size ({view.zoom():.0%})"
    opening = view.zoom()
    while view.zoom() > 0.05:
        _wheel(view, -1)
    seen_labels = 0
    while view.zoom() < 4.0:
        _wheel(view, 1)
        assert _collisions(view) == [], f"at {view.zoom():.0%}"
        seen_labels = max(seen_labels, len(_shown(view, {LABEL})))
    assert seen_labels > 0  # labels were shown at some zoom: the check above checked something
    assert opening > 0.05


def test_labels_that_do_not_fit_are_counted_and_link_labels_can_be_hidden(make_window, tmp_path):
    window = make_window()
    window.resize(1280, 800)
    assert window.open_path(str(_design_of_200(tmp_path)), ask=False)
    view = window.view
    view.fit_all()
    while view.zoom() < 0.45:
        _wheel(view, 1)
    view.settle_labels()
    assert view.hidden_count > 0 and view.hint.isVisible()
    assert str(view.hidden_count) in view.hint.text()
    links_before = [lb for lb in _shown(view, {LABEL}) if lb.data(MODEL_ID) in window.scene.links]
    assert links_before
    window.actions_by_name["link_labels"].trigger()  # View ▸ Link labels, off
    view.settle_labels()
    shown = _shown(view, {LABEL})
    assert shown and not [lb for lb in shown if lb.data(MODEL_ID) in window.scene.links]
    window.actions_by_name["link_labels"].trigger()
    view.settle_labels()
    assert [lb for lb in _shown(view, {LABEL}) if lb.data(MODEL_ID) in window.scene.links]


def test_items_are_tagged_with_their_kind_and_model_id(make_window):
    window = make_window()
    assert window.open_path(str(EXAMPLES[0].parent / "figure4.vxdl"), ask=False)
    view = window.view
    view.zoom_by(1.0 / view.zoom())
    view.settle_labels()
    scene = window.scene
    for ident, item in scene.components.items():
        assert (item.data(KIND), item.data(MODEL_ID)) == (COMPONENT, ident)
    for ident, item in scene.links.items():
        assert (item.data(KIND), item.data(MODEL_ID)) == (LINK, ident)
    kinds = {item.data(KIND) for item in scene.items()}
    assert {COMPONENT, LABEL, PORT} <= kinds
    owners = set(scene.components) | set(scene.links)
    for item in scene.items():
        if item.data(KIND) in (LABEL, PORT, BADGE):
            assert item.data(MODEL_ID) in owners


def test_a_link_is_clicked_on_its_line_away_from_its_label_and_its_selection_shows(make_window, tmp_path):
    window = make_window()
    assert window.open_path(str(EXAMPLES[0].parent / "figure4.vxdl"), ask=False)
    view, scene = window.view, window.scene
    view.zoom_by(1.0 / view.zoom())
    view.settle_labels()
    ident, item = next((i, lk) for i, lk in scene.links.items() if lk.line.length() > 150)
    view.centerOn(item.line.center())
    view.settle_labels()
    label = item.label.sceneBoundingRect() if item.has_label() and item.label.isVisible() else QRectF()
    point = next(item.line.pointAt(t) for t in (0.2, 0.3, 0.7, 0.8) if not label.contains(item.line.pointAt(t)))
    scene.clearSelection()
    QTest.qWait(50)  # the cleared selection drawn
    before = view.grab().toImage()
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, at(view, point))
    assert scene.selected_ids() == ([], [ident])
    changed = False
    for _turn in range(50):  # the selected link is drawn differently once the event loop has turned
        QTest.qWait(20)
        changed = view.grab().toImage() != before
        if changed:
            break
    assert changed
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, at(view, point + QPointF(0, 60 if abs(item.line.dx()) > abs(
        item.line.dy()) else 0) + QPointF(0 if abs(item.line.dx()) > abs(item.line.dy()) else 60, 0)))
    assert ident not in scene.selected_ids()[1]


def _clear_at_100(view) -> None:
    """At 100 %, over the whole design: no two components overlap and every component's label is shown."""
    view.zoom_by(1.0 / view.zoom())
    scene = view.scene()
    scene.labels.place_everything(1.0)
    items = list(scene.components.values())
    boxes = [QRectF(it.pos().x() - it.reach(), it.pos().y() - it.reach(), 2 * it.reach(), 2 * it.reach())
             for it in items]
    for i, box in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not _overlap(box, boxes[j]), f"{items[i].ident} on {items[j].ident}"
    assert [it.ident for it in items if not (it.has_label() and it.label.isVisible())] == []


def test_a_file_without_positions_and_auto_layout_keep_items_and_their_labels_apart(make_window, tmp_path):
    from backend.vxdl import read_file, write_file

    model = read_file(EXAMPLES[0].parent / "figure4.vxdl").model
    for comp in model.components.values():
        comp.position = None
    path = tmp_path / "no-positions.vxdl"
    write_file(model, path)
    window = make_window()
    assert window.open_path(str(path), ask=False)
    view, scene = window.view, window.scene
    _clear_at_100(view)
    c, g = scene.components["C"], scene.components["G"]
    view.centerOn((c.pos() + g.pos()) / 2)
    drag(view, c.pos(), g.pos() + QPointF(10, 0))  # C dropped on G
    assert (c.pos() - g.pos()).manhattanLength() <= 40
    QTest.keyClick(view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Arrange ▸ Auto-layout
    assert window.document.undo_stack.undoText().lower().startswith("auto")
    _clear_at_100(window.view)

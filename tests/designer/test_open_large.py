"""Opening a large VXI: the window keeps answering while its drawing is built in slices of the event loop, the
drawing is whole at the end and can be edited; Escape or another open cancels it, and the window keeps the
document it had (bench/open_bench.py measures the stalls)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest

from backend.model import Infrastructure, Link, Node, Router
from backend.vxdl import write_file

COMPONENTS = 3_000


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A VXI of 3,000 components (150 routers) with a link from each node to a router."""
    vxi = Infrastructure(id="large")
    routers = COMPONENTS // 20
    for r in range(routers):
        vxi.components[f"r{r}"] = Router(f"r{r}", ports=[f"p{i}" for i in range(24)], position=(r * 60.0, 0.0))
    for n in range(COMPONENTS - routers):
        vxi.components[f"n{n}"] = Node(f"n{n}", position=(n % 60 * 60.0, 100 + n // 60 * 60.0))
        vxi.links[f"l{n}"] = Link(f"l{n}", f"n{n}", f"r{n % routers}")
    path = tmp_path_factory.mktemp("large") / "large.vxdl"
    write_file(vxi, path)
    return path


def _watch(window):
    """A 10 ms timer noting, at each tick, whether the window was drawing a file and what its status said."""
    seen: list[tuple[bool, str]] = []
    timer = QTimer(window)
    timer.timeout.connect(lambda: seen.append((window.loading(), window.statusBar().currentMessage())))
    timer.start(10)
    return timer, seen


def test_a_large_file_is_drawn_while_the_window_answers_then_edited(make_window, large, monkeypatch):
    # slices of 5 ms, not 40: the drawing takes many of them on any machine (at 40 ms, a fast one drew it in two)
    monkeypatch.setattr("designer.reading.SLICE_S", 0.005)
    window = make_window()
    timer, seen = _watch(window)
    assert window.open_path(str(large))
    timer.stop()
    drawing = [text for loading, text in seen if loading]
    assert len(drawing) >= 3, f"the window's timers ran {len(drawing)} times while the drawing was built"
    assert any("Drawing" in text and "%" in text for text in drawing)
    scene, model = window.scene, window.document.model
    assert len(scene.components) == len(model.components) == COMPONENTS
    assert len(scene.links) == len(model.links) == COMPONENTS - COMPONENTS // 20
    assert not window.loading() and window.isEnabled() and "Drawing" not in window.statusBar().currentMessage()
    scene.select_ids(["n7"])
    assert [it.ident for it in scene.selectedItems()] == ["n7"]
    viewport = window.view.viewport()
    QTest.keyClick(viewport, Qt.Key.Key_Delete)
    assert "n7" not in model.components and "n7" not in scene.components and "l7" not in scene.links
    QTest.keyClick(viewport, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "n7" in scene.components and "l7" in scene.links


def test_escape_while_drawing_cancels_and_keeps_the_document(make_window, large):
    window = make_window()
    before = window.document
    pressed = []

    def press_escape() -> None:
        if window.loading() and not pressed:
            pressed.append(True)
            QTest.keyClick(window.view.viewport(), Qt.Key.Key_Escape)

    timer = QTimer(window)
    timer.timeout.connect(press_escape)
    timer.start(5)
    assert not window.open_path(str(large))
    timer.stop()
    assert pressed and window.document is before and not window.document.model.components
    assert "cancelled" in window.statusBar().currentMessage()
    assert not window.loading() and window.isEnabled()


def test_another_open_while_drawing_replaces_the_first(make_window, large, tmp_path):
    small = tmp_path / "small.vxdl"
    vxi = Infrastructure(id="small")
    vxi.components["a"] = Node("a", position=(0.0, 0.0))
    write_file(vxi, small)
    window = make_window()
    second = []

    def open_other() -> None:
        if window.loading() and not second:
            second.append(window.open_path(str(small), ask=False))

    timer = QTimer(window)
    timer.timeout.connect(open_other)
    timer.start(5)
    assert not window.open_path(str(large))
    timer.stop()
    assert second == [True]
    assert window.document.path == str(small) and list(window.scene.components) == ["a"]
    assert window.isEnabled() and not window.loading()

"""The palette: its kinds, the payload of a drag started with the mouse, and double-click activation."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDrag

from widgets.palette import CARDINALITY_MIME, KIND_MIME, PORTS_MIME, PaletteWidget


@pytest.fixture
def palette(qtbot):
    widget = PaletteWidget()
    qtbot.addWidget(widget)
    widget.resize(220, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _centre_of(palette, kind):
    row = palette.kinds().index(kind)
    return palette.list.visualItemRect(palette.list.item(row)).center()


def _drag(qtbot, palette, kind):
    """Press on the entry and move past the drag distance; return what the started QDrag carries."""
    carried = {}

    def read_drag(started_kind):
        drag = palette.list.findChild(QDrag)
        mime = drag.mimeData()
        for name in mime.formats():
            if name.startswith("application/x-vxi"):
                carried[name] = bytes(mime.data(name)).decode()

    palette.drag_started.connect(read_drag)
    viewport = palette.list.viewport()
    start = _centre_of(palette, kind)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(20, 4))
    qtbot.mouseMove(viewport, start + QPoint(40, 8))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 8))
    return carried


def test_lists_vxi_kinds_then_substrate_kinds(palette):
    assert palette.kinds() == ["node", "storage", "cloud", "router", "access_point"]
    palette.set_mode("substrate")
    assert palette.kinds() == ["host", "provisioned_host"]
    assert not palette.ports_spin.isVisibleTo(palette)


def test_dragging_a_node_carries_its_kind_only(qtbot, palette):
    carried = _drag(qtbot, palette, "node")
    assert carried == {KIND_MIME: "node"}


def test_dragging_a_router_carries_the_port_count_of_the_spin_box(qtbot, palette):
    palette.ports_spin.clear()
    qtbot.keyClicks(palette.ports_spin, "6")
    carried = _drag(qtbot, palette, "router")
    assert carried == {KIND_MIME: "router", PORTS_MIME: "6"}


def test_dragging_a_cloud_carries_its_member_count(qtbot, palette):
    carried = _drag(qtbot, palette, "cloud")
    assert carried == {KIND_MIME: "cloud", CARDINALITY_MIME: "4"}


def test_double_click_activates_the_kind(qtbot, palette):
    viewport = palette.list.viewport()
    pos = _centre_of(palette, "storage")
    activated = []
    palette.kind_activated.connect(activated.append)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)  # a real double-click starts with a click
    assert activated == []
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
    assert activated == ["storage"]


def test_substrate_drag_carries_provisioned_host(qtbot, palette):
    palette.set_mode("substrate")
    assert _drag(qtbot, palette, "provisioned_host") == {KIND_MIME: "provisioned_host"}

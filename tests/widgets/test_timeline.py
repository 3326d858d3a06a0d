"""The lease timeline: dragging a bar's end edits its lease once, clicking a band selects a period."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from backend.model import Host, Infrastructure, Lease, Link, Node, Period, PhysicalLink, Router, Substrate
from widgets.timeline import TimelineWidget

START = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def make_vxi() -> Infrastructure:
    vxi = Infrastructure(id="demo", lease=Lease(START, 6 * 3600),
                         periods=[Period("I", 0, 7200), Period("II", 7200, 7200), Period("III", 14400, 7200)])
    vxi.add_component(Node("node1", lease=Lease(START + timedelta(hours=1), 2 * 3600)))
    vxi.add_component(Node("node2"))
    vxi.add_component(Router("r1"))
    vxi.add_link(Link("l1", "node1", "r1", lease=Lease(None, 3600)))
    return vxi


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_model(make_vxi())
    return widget


def _drag(qtbot, timeline, scene_from: QPointF, dx: int) -> None:
    viewport = timeline.view.viewport()
    start = timeline.view.mapFromScene(scene_from)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(dx // 2, 0))
    qtbot.mouseMove(viewport, start + QPoint(dx, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(dx, 0))


def test_rows_cover_components_then_links_and_inherit_the_vxi_lease(timeline):
    assert timeline.rows() == ["node1", "node2", "r1", "l1"]
    node1, node2 = timeline.bar_rect("node1"), timeline.bar_rect("node2")
    assert node2.left() < node1.left() < node1.right() < node2.right()  # node2 spans the whole 6 h lease
    assert timeline.bar_rect("node2").width() == pytest.approx(3 * timeline.bar_rect("node1").width())


def test_dragging_the_right_end_emits_one_lease_with_a_longer_duration(qtbot, timeline):
    edits = []
    timeline.lease_edited.connect(lambda oid, lease: edits.append((oid, lease)))
    bar = timeline.bar_rect("node1")
    _drag(qtbot, timeline, QPointF(bar.right() - 1, bar.center().y()), 120)
    assert len(edits) == 1
    object_id, lease = edits[0]
    assert object_id == "node1"
    assert lease.start == START + timedelta(hours=1)
    assert lease.duration > 2 * 3600
    seconds_per_pixel = 2 * 3600 / bar.width()
    assert lease.duration == pytest.approx(2 * 3600 + 120 * seconds_per_pixel, abs=600)


def test_dragging_the_left_end_moves_the_start_and_keeps_the_end(qtbot, timeline):
    edits = []
    timeline.lease_edited.connect(lambda oid, lease: edits.append((oid, lease)))
    bar = timeline.bar_rect("node1")
    _drag(qtbot, timeline, QPointF(bar.left() + 1, bar.center().y()), -80)
    [(object_id, lease)] = edits
    assert lease.start < START + timedelta(hours=1)
    assert lease.start + timedelta(seconds=lease.duration) == START + timedelta(hours=3)


def test_clicking_a_period_band_selects_it_and_a_second_click_clears_it(qtbot, timeline):
    band = timeline.period_rect("II")
    point = timeline.view.mapFromScene(QPointF(band.center().x(), band.top() + 10))
    selected = []
    timeline.period_selected.connect(selected.append)
    qtbot.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert selected == ["II"]
    assert timeline.selected_period() == "II"
    assert "period II selected" in timeline.header.text()
    qtbot.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert selected == ["II", ""]


def test_the_timeline_follows_a_model_change_by_itself(qtbot):
    vxi = make_vxi()
    timeline = TimelineWidget()
    qtbot.addWidget(timeline)
    timeline.resize(900, 300)
    timeline.show()
    timeline.set_model(vxi)
    before = timeline.bar_rect("l1").width()
    vxi.update("l1", lease=Lease(None, 7200))
    qtbot.waitUntil(lambda: timeline.bar_rect("l1").width() == pytest.approx(2 * before))


def test_a_substrate_shows_host_availability_without_periods(qtbot, timeline):
    sub = Substrate(lease=Lease(START, 86400))
    sub.add_component(Host("h1", availability=Lease(START, 43200)))
    sub.add_component(Host("h2"))
    sub.add_link(PhysicalLink("p1", "h1", "h2"))
    timeline.set_model(sub)
    assert timeline.rows() == ["h1", "h2"]
    assert timeline.bar_rect("h1").width() == pytest.approx(timeline.bar_rect("h2").width() / 2)
    edits = []
    timeline.lease_edited.connect(lambda oid, lease: edits.append((oid, lease)))
    bar = timeline.bar_rect("h1")
    _drag(qtbot, timeline, QPointF(bar.right() - 1, bar.center().y()), 60)
    assert [oid for oid, _ in edits] == ["h1"] and edits[0][1].duration > 43200


def test_the_axis_and_period_names_stay_on_top_while_rows_scroll(qtbot, timeline):
    vxi = make_vxi()
    for i in range(60):
        vxi.add_component(Node(f"extra{i}"))
    timeline.set_model(vxi)
    bar = timeline.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert bar.value() > 0
    band = timeline.period_rect("III")
    x = timeline.view.mapFromScene(QPointF(band.center().x(), 0)).x()
    selected = []
    timeline.period_selected.connect(selected.append)
    qtbot.mouseClick(timeline.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 8))
    assert selected == ["III"]
    header_top = timeline.view.mapFromScene(QPointF(0, timeline._header_bottom())).y()
    assert header_top == pytest.approx(40, abs=2)  # the 40-pixel axis strip sits at the top of the viewport


def test_rows_scrolled_into_view_of_a_long_timeline_are_drawn_and_draggable(qtbot, timeline):
    vxi = Infrastructure(id="big", lease=Lease(START, 6 * 3600))
    for i in range(600):
        vxi.add_component(Node(f"n{i}"))
    timeline.set_model(vxi)
    qtbot.wait(50)  # the vertical scroll bar appears and the rows are laid out again
    scroll = timeline.view.verticalScrollBar()
    scroll.setValue(scroll.maximum())  # as the user scrolls to the last row
    qtbot.wait(10)
    bar = timeline.bar_rect("n599")  # the scroll bar that appeared made the rows a little narrower
    assert any(item.toolTip().startswith("n599:") for item in timeline.scene.items(bar.center()))
    edits = []
    timeline.lease_edited.connect(lambda oid, lease: edits.append((oid, lease)))
    _drag(qtbot, timeline, QPointF(bar.right() - 1, bar.center().y()), -100)
    [(object_id, lease)] = edits
    assert object_id == "n599" and lease.duration < 6 * 3600

"""The lease timeline and the periods: a link's bar follows its activity, rows read the link's direction, a
click selects an item, a period's edge is dragged, a right-click makes a link active or idle in a period."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from backend.model import Link, Period, Quantity
from backend.vxdl import read_file
from widgets.timeline import TimelineWidget
from widgets.timeline_periods import Edge, activity_spans, move_edge, period_edges

FIGURE4 = Path(__file__).resolve().parents[2] / "examples" / "figure4.vxdl"
PERIODS = [Period("I", 0, 3600), Period("II", 3600, 7200), Period("III", 10800, 3600)]


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_model(read_file(str(FIGURE4)).model)
    return widget


def test_a_bar_is_cut_where_the_link_is_idle():
    link = read_file(str(FIGURE4)).model.links["A-B"]  # idle in II and III
    spans = activity_spans(link, PERIODS, 0, 14400)
    assert [(s.start, s.end, s.idle) for s in spans] == [(0, 3600, False), (3600, 10800, True),
                                                         (10800, 14400, True)]
    always = Link("x", "a", "b", forward=Quantity.at_least("bandwidth", 1))
    assert [(s.start, s.end, s.idle) for s in activity_spans(always, PERIODS, 0, 14400)] == [(0, 14400, False)]


def test_a_shared_edge_moves_both_periods_and_keeps_each_one_at_least_a_step():
    edges = period_edges(PERIODS)
    assert [(e.t, e.before, e.after) for e in edges] == [(0, None, 0), (3600, 0, 1), (10800, 1, 2), (14400, 2, None)]
    moved = move_edge(PERIODS, edges[1], 5350, 300)
    assert moved[:2] == [Period("I", 0, 5400), Period("II", 5400, 5400)] and moved[2] == PERIODS[2]
    assert move_edge(PERIODS, edges[1], 10800, 300) is None  # II would vanish
    assert move_edge(PERIODS, Edge(14400, 2, None), 18000, 300)[2] == Period("III", 10800, 7200)


def test_link_rows_show_their_direction_and_their_idle_periods(timeline):
    rows = {ident: timeline._rows[i].label for i, ident in enumerate(timeline.rows())}
    assert rows["A-B"] == "A→B" and rows["C-G"] == "C↔G"
    bands = {name: timeline.period_rect(name) for name in ("I", "II", "III")}
    pieces = timeline.activity("C-G")  # idle in I and III, carries traffic in II
    assert [idle for _left, _right, idle in pieces] == [True, False, True]
    active = next((left, right) for left, right, idle in pieces if not idle)
    assert active == pytest.approx((bands["II"].left(), bands["II"].right()), abs=1)
    assert timeline.activity("A") == [(timeline.bar_rect("A").left(), timeline.bar_rect("A").right(), False)]


def test_clicking_a_row_selects_its_item_and_the_canvas_selection_shows_on_the_rows(qtbot, timeline):
    chosen = []
    timeline.selection_requested.connect(chosen.append)
    viewport = timeline.view.viewport()
    for ident, modifier in (("C", Qt.KeyboardModifier.NoModifier), ("C-G", Qt.KeyboardModifier.ControlModifier)):
        bar = timeline.bar_rect(ident)
        point = timeline.view.mapFromScene(QPointF(20, bar.center().y()))  # the row's name
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, point)
    assert chosen == [["C"], ["C", "C-G"]]
    timeline.select_rows(["G", "J-G"])
    assert timeline.selected_rows() == ["G", "J-G"]


def test_dragging_the_edge_between_two_periods_moves_it_once(qtbot, timeline):
    edits = []
    timeline.periods_edited.connect(lambda periods, text: edits.append((periods, text)))
    x = timeline.edge_x(3600)
    viewport = timeline.view.viewport()
    start = timeline.view.mapFromScene(QPointF(x, 10))
    step = timeline.edge_x(5400) - x  # half an hour to the right
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(round(step / 2), 0))
    qtbot.mouseMove(viewport, start + QPoint(round(step), 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(round(step), 0))
    [(periods, text)] = edits
    assert [(p.name, p.offset, p.duration) for p in periods] == [("I", 0, 5400), ("II", 5400, 5400),
                                                                 ("III", 10800, 3600)]
    assert text == "Move the boundary of periods I and II to +1h 30min"


def test_a_link_is_made_active_or_idle_in_a_period_from_its_menu(timeline):
    asked = []
    timeline.link_activity_requested.connect(lambda *args: asked.append(args))
    timeline.period_values_requested.connect(lambda *args: asked.append(("values", *args)))
    menu = timeline.period_menu("C-G", "II")
    active, values = menu.actions()
    assert active.text() == "Active in II" and active.isChecked()
    active.trigger()
    values.trigger()
    menu = timeline.period_menu("C-G", "I")
    assert not menu.actions()[0].isChecked()
    menu.actions()[0].trigger()
    assert asked == [("C-G", "II", False), ("values", "C-G", "II"), ("C-G", "I", True)]

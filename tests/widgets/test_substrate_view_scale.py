"""The substrate view on a data centre: pods drawn as blocks (switches on top, each switch's hosts on a row)
that sum up their hosts, trunks between blocks, a double-click that zooms into a pod, and a recompute that
updates the drawn items instead of drawing them again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from backend.embedding import embed, workloads
from backend.model import Lease
from widgets.substrate_items import DETAIL_ZOOM
from widgets.substrate_view import SubstrateView


@pytest.fixture
def drawn(qtbot):
    sub = workloads.fat_tree(8)
    requests = workloads.dc_requests(0, 4, rate=1.0, max_nodes=12)
    for request in requests:
        request.lease = Lease()
    mapping = embed(sub, requests, "best", colocate=False)
    view = SubstrateView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_substrate(sub)
    view.set_mapping(mapping, requests)
    return view, sub, mapping, requests


def test_a_data_centre_is_drawn_as_pods_that_sum_up_their_hosts(drawn):
    view, sub, mapping, _ = drawn
    assert view.sites() == ["core", *(f"pod{p}" for p in range(8))]
    used = sum(mapping.utilisation["hosts"][h]["cores"]["used"] for h in sub.hosts if h.startswith("p0"))
    total = sum(sub.hosts[h].cores.demand() for h in sub.hosts if h.startswith("p0"))
    lines = view.site_lines("pod0")
    assert lines[:2] == ["pod0", "16 hosts, 8 switches"]
    assert lines[2] == f"cores {used:g}/{total:g} ({round(100 * used / total)}%)"
    assert view.trunk_lines()[("core", "pod3")].startswith("16 links")
    for host in sub.hosts.values():
        assert view.frames[host.site].frame.contains(view.host_box(host.id).sceneBoundingRect())
    row = {round(view.host_box(f"p2e1h{i}").pos().y()) for i in range(4)}
    switches = max(view.host_box(f"p2e{i}").pos().y() for i in range(4))
    assert len(row) == 1 and switches < row.pop()  # an edge switch's hosts on one row, below the switches
    boxes = [view.host_box(h).sceneBoundingRect() for h in sub.hosts]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_the_whole_data_centre_fits_and_a_double_click_zooms_into_a_pod(drawn, qtbot):
    view, *_ = drawn
    assert view.transform().m11() < DETAIL_ZOOM  # all of it in view: hosts are tiles
    frame = view.frames["pod5"].frame
    point = view.mapFromScene(frame.center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert view.transform().m11() >= DETAIL_ZOOM  # boxes with their bars and chips
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(frame.center()) and shown.width() < 1.5 * frame.width() + 100


def test_a_recompute_on_the_same_data_centre_updates_the_drawn_items(drawn):
    view, sub, mapping, requests = drawn
    box = view.host_box("p0e0h0")
    link = view.links[next(iter(sub.links))]
    again = workloads.fat_tree(8)  # a fresh copy, as the preview reads the file again
    fewer = embed(again, requests[:1], "best", colocate=False)
    view.set_substrate(again, refit=False, draw=False)
    view.set_mapping(fewer, requests[:1])
    assert view.host_box("p0e0h0") is box and view.links[next(iter(sub.links))] is link
    placed = {h for r in fewer.requests for h in r.nodes.values()}
    assert all(view.chips_on(h) for h in placed)
    assert not any(view.chips_on(h) for h in sub.hosts if h not in placed)
    assert set(view.virtual_paths()) == {(fewer.requests[0].id, lid) for lid, lp in fewer.requests[0].links.items()
                                         if lp.path}

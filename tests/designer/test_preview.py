"""The embedding preview: Figure 1's VXIs drawn on their hosts, refusals after an edit, the time slider."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from backend.model import Lease, Quantity
from backend.resources import examples_dir
from designer.preview.dock import install_preview

EXAMPLES = examples_dir()
WAIT_MS = 15000


@pytest.fixture
def preview(make_window, qtbot):
    """A main window showing figure1-vxi1.vxdl, with the preview open on Figure 1's substrate and VXI 2."""
    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    dock = install_preview(window)
    action = window.actions_by_name["preview"]
    assert action in next(a.menu() for a in window.menuBar().actions() if a.text() == "&View").actions()
    action.trigger()
    panel = dock.panel
    panel.set_substrate_path(str(EXAMPLES / "figure1-substrate.vxdl"))
    panel.add_extra(str(EXAMPLES / "figure1-vxi2.vxdl"))
    _settle(qtbot, panel)
    yield window, panel
    panel.shutdown()


def _settle(qtbot, panel) -> None:
    """Process events until no embedding is waiting or running and a result is shown."""
    qtbot.waitUntil(lambda: not panel.busy() and panel.result is not None, timeout=WAIT_MS)


def _chips(view) -> set[tuple[str, str, str]]:
    return {(req, comp, host) for host in view.boxes for req, comp in view.chips_on(host)}


def test_components_are_drawn_on_the_hosts_the_embedding_chose(preview):
    _window, panel = preview
    mapping = panel.result.mapping
    assert [r.id for r in mapping.requests] == ["VXI1", "VXI2"]
    assert all(r.accepted for r in mapping.requests)
    # The slider starts at the moment both leases overlap (10:00 to 12:00 UTC).
    assert "10:00 to 12:00" in panel.slider.description()
    expected = {(r.id, comp, host) for r in mapping.requests for comp, host in r.nodes.items()}
    assert _chips(panel.view) == expected
    assert ("VXI2", "workers#2") in panel.view.chips_on(mapping.request("VXI2").nodes["workers#2"])
    # Links carry their load as numbers; a virtual link crossing hosts follows its physical path.
    routed = {(r.id, lid): p for r in mapping.requests for lid, p in r.links.items() if p.path}
    assert set(panel.view.virtual_paths()) == set(routed)
    for (_rid, _lid), placed in routed.items():
        for plink, _direction in placed.path:
            assert "Mbit/s" in " ".join(panel.view.link_lines(plink))
    assert panel.refusals() == []
    assert any(line.startswith("A  VXI1") for line in panel.view.legend_lines())


def test_the_substrate_choices_are_substrates_not_the_recent_vxi(preview):
    _window, panel = preview
    combo = panel.substrate_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert "figure1-substrate.vxdl" in offered and "figure6-substrate.vxdl" in offered
    assert "figure1-vxi1.vxdl" not in offered  # opened, so in the recent files, but a VXI


def test_time_slider_shows_only_what_runs_at_that_moment(preview, qtbot):
    _window, panel = preview
    QTest.keyClick(panel.slider.slider, Qt.Key.Key_Home)
    assert "08:00 to 10:00" in panel.slider.description()
    assert {req for req, _c, _h in _chips(panel.view)} == {"VXI1"}
    assert "VXI2: not running at this time" in " ".join(panel.view.legend_lines())
    QTest.keyClick(panel.slider.slider, Qt.Key.Key_End)
    assert "VXI2 ends" in panel.slider.description()
    assert _chips(panel.view) == set()
    host_lines = panel.view.host_box("P4").text_lines()
    assert "cores 0/8 (0%)" in host_lines


def test_an_edit_that_no_longer_fits_lists_the_refusal_with_its_reason(preview, qtbot):
    window, panel = preview
    window.editor.edit(["n1"], {"cores": Quantity.simple("count", 1000)})
    assert panel.busy()  # recomputing in the background; the window keeps processing events meanwhile
    qtbot.waitUntil(lambda: any(line.startswith("VXI1:") for line in panel.refusals()), timeout=WAIT_MS)
    reason = panel.refusals()[0]
    assert "n1" in reason and "needs 1,000 cores" in reason
    assert panel.refused_title.text() == "Refused requests (1)"
    assert {req for req, _c, _h in _chips(panel.view)} == {"VXI2"}
    assert "VXI1: refused" in panel.view.legend_lines()
    assert [line[:3] for line in panel.placed()] == ["B  "]  # VXI2 keeps its letter; VXI1 is listed apart
    window.undo()
    _settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.refusals() == [], timeout=WAIT_MS)
    assert {req for req, _c, _h in _chips(panel.view)} == {"VXI1", "VXI2"}


def test_a_result_overtaken_by_a_newer_edit_is_never_shown(preview, qtbot):
    window, panel = preview
    shown = []
    panel.shown.connect(lambda: shown.append(panel.result.generation))
    window.editor.edit(["n1"], {"cores": Quantity.simple("count", 1000)})
    panel.recompute_now()  # the refusing state starts computing at once
    window.undo()
    panel.recompute_now()  # arrives while the first runs: that one becomes stale
    _settle(qtbot, panel)
    assert shown and shown[-1] == panel.generation
    assert panel.refusals() == []
    assert all(g == panel.generation for g in shown)


def test_a_substrate_that_cannot_be_read_is_reported_in_words(preview, qtbot, tmp_path):
    _window, panel = preview
    bad = tmp_path / "broken.vxdl"
    bad.write_text("<description><unclosed></description>", encoding="utf-8")
    panel.set_substrate_path(str(bad))
    qtbot.waitUntil(lambda: "broken.vxdl" in panel.status.text() and not panel.busy(), timeout=WAIT_MS)
    assert panel.status.text().startswith("Cannot read")
    assert "Traceback" not in panel.status.text()


def test_the_preview_shortcut_is_not_shared_with_another_action(preview):
    window, _panel = preview
    shortcut = window.actions_by_name["preview"].shortcut()
    assert not shortcut.isEmpty()
    others = [a for a in window.actions_by_name.values() if a is not window.actions_by_name["preview"]]
    assert all(shortcut not in a.shortcuts() for a in others)


def test_an_open_substrate_is_embedded_on_and_its_edits_recompute(make_window, qtbot):
    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-substrate.vxdl"), ask=False)
    dock = install_preview(window)
    panel = dock.panel
    try:
        dock.open()
        assert panel.substrate_combo.currentText().startswith("The open substrate")
        panel.add_extra(str(EXAMPLES / "figure1-vxi1.vxdl"))
        qtbot.waitUntil(lambda: not panel.busy() and panel.result is not None and panel.result.mapping is not None,
                        timeout=WAIT_MS)
        assert any(req == "VXI1" for req, _c, _h in _chips(panel.view))
        # Shrink every host to one core: VXI1's 4-core node cannot fit any more.
        for host in list(window.document.model.hosts):
            window.editor.edit([host], {"cores": Quantity.simple("count", 1)})
        qtbot.waitUntil(lambda: any(line.startswith("VXI1:") for line in panel.refusals()), timeout=WAIT_MS)
        assert "cores" in panel.refusals()[0]
        assert _chips(panel.view) == set()
    finally:
        panel.shutdown()


def test_the_wheel_zooms_the_substrate_view_and_it_stays_zoomed_after_a_recompute(preview, qtbot):
    window, panel = preview
    view = panel.view
    before = view.transform().m11()
    centre = view.viewport().rect().center()
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    wheel = QWheelEvent(QPointF(centre), QPointF(view.viewport().mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    zoomed = view.transform().m11()
    assert zoomed > before
    window.editor.edit(["n2"], {"cores": Quantity.simple("count", 1)})
    qtbot.waitUntil(lambda: not panel.busy(), timeout=WAIT_MS)
    _settle(qtbot, panel)
    assert view.transform().m11() == pytest.approx(zoomed)


def test_the_substrate_view_states_numbers_and_draws_paths_without_saved_positions(qtbot):
    from backend.embedding import Mapping
    from backend.model import Host, PhysicalLink, Substrate
    from widgets.substrate_view import SubstrateView

    gbps = Quantity.simple("bandwidth", 1, "Gbps")
    substrate = Substrate(id="s")
    for name, provisioned in (("h1", False), ("h2", False), ("h3", True)):
        substrate.add_component(Host(name, cores=Quantity.simple("count", 4), provisioned=provisioned))
    substrate.add_link(PhysicalLink("a", "h1", "h2", forward=gbps))
    substrate.add_link(PhysicalLink("b", "h2", "h3", forward=gbps, provisioned=True))
    mapping = Mapping.from_json({"substrate": "s", "requests": [
        {"id": "V", "accepted": True, "nodes": {"x": "h1", "y": "h3"},
         "links": {"xy": {"path": [["a", "forward"], ["b", "forward"]],
                          "bandwidth_bps": {"forward": 4e8, "reverse": 0}}}},
        {"id": "W", "accepted": False, "reason": "node 'z' needs 9 cores"}],
        "utilisation": {"hosts": {"h1": {"cores": {"used": 5, "capacity": 4}}},
                        "links": {"a": {"forward": {"used_bps": 4e8, "capacity_bps": 1e9},
                                        "reverse": {"used_bps": 0, "capacity_bps": 1e9}}}}})
    view = SubstrateView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    view.set_substrate(substrate)
    view.set_mapping(mapping)
    assert view.chips_on("h1") == [("V", "x")] and view.chips_on("h3") == [("V", "y")]
    assert "cores 5/4 (125%)" in view.host_box("h1").text_lines()
    assert view.host_box("h3").title() == "h3 · provisioned"
    assert view.link_lines("a") == ["h1→h2 400/1000 Mbit/s (40%)", "h2→h1 0/1000 Mbit/s (0%)"]
    assert view.link_lines("b") == ["0/1000 Mbit/s (0%) each way"]
    assert view.virtual_paths() == {("V", "xy"): ["h1", "h2", "h3"]}
    assert "W: refused" in view.legend_lines()  # refused: listed after the placed ones, with no letter
    assert view.legend_lines().index("W: refused") == 1 and view.legend_lines()[0].startswith("A  V")
    boxes = [view.host_box(h).sceneBoundingRect() for h in ("h1", "h2", "h3")]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_a_closed_preview_does_no_work_and_is_up_to_date_when_reopened(preview, qtbot):
    window, panel = preview
    tab = panel.parent()
    bar = tab.tabs.tabBar()
    close = bar.tabButton(tab.tabs.indexOf(tab), bar.ButtonPosition.RightSide)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)  # the tab's close button
    assert not tab.is_open() and not bar.isVisible()  # the canvas alone: no tab bar
    generation = panel.generation
    window.editor.edit(["n1"], {"cores": Quantity.simple("count", 1000)})
    assert not panel.busy() and panel.generation == generation
    window.actions_by_name["preview"].trigger()
    qtbot.waitUntil(lambda: any(line.startswith("VXI1:") for line in panel.refusals()), timeout=WAIT_MS)


def test_double_clicking_a_chip_selects_that_component_on_the_canvas(preview, qtbot):
    window, panel = preview
    view = panel.view
    host = panel.result.mapping.request("VXI1").nodes["n3"]
    chip = next(c for c in view.host_box(host).chips if c.component == "n3")
    point = view.mapFromScene(chip.sceneBoundingRect().center())
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: window.scene.selected_ids()[0] == ["n3"], timeout=WAIT_MS)


def test_the_preview_is_a_tab_beside_the_canvas_readable_at_its_default_size(make_window, qtbot, monkeypatch):
    from widgets import substrate_items

    window = make_window()
    window.resize(1280, 800)
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    tab = install_preview(window)
    tabs = window.centralWidget()
    assert tabs.widget(0) is window.view and not tabs.tabBar().isVisible()  # the canvas alone until it opens
    sizes: list[float] = []
    real = substrate_items.small_font
    monkeypatch.setattr(substrate_items, "small_font", lambda size=substrate_items.TEXT_PT, bold=False:
                        sizes.append(size) or real(size, bold))
    window.actions_by_name["preview"].trigger()
    panel = tab.panel
    panel.set_substrate_path(str(EXAMPLES / "figure1-substrate.vxdl"))
    _settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.result.generation == panel.generation and not panel.busy(), timeout=WAIT_MS)
    assert tabs.currentWidget() is tab and tabs.tabBar().isVisible() and tabs.tabText(1) == "Embedding preview"
    assert tab.window() is window and not tab.isWindow()  # in the main window, not a window of its own
    view = panel.view
    view.viewport().grab()  # paint every visible item now
    assert sizes, "the drawing painted no text"
    assert min(sizes) * view.transform().m11() >= 9.0  # every text at 9 pt or more on screen
    assert panel.font().pointSizeF() >= 9.0
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    holding = [h for h in view.boxes if any(c.request == "VXI1" for c in view.host_box(h).chips)]
    assert any(seen.intersects(view.host_box(h).sceneBoundingRect()) for h in holding)  # the open VXI in sight
    legend = panel.legend.lines.text()
    assert "Physical links" in legend and "<i>load</i>" in legend  # one meaning per line kind, said
    assert "Virtual links" in legend and "<i>request</i>" in legend
    assert not view.legend.isVisible()  # said once, beside the drawing, not in it
    qtbot.mouseClick(panel.whole_button, Qt.MouseButton.LeftButton)
    whole = view.mapToScene(view.viewport().rect()).boundingRect()
    assert whole.contains(view.content_rect().adjusted(5, 5, -5, -5))


def test_refused_requests_are_listed_apart_and_draw_nothing(preview, qtbot):
    _window, panel = preview
    panel.add_extra(str(EXAMPLES / "figure4.vxdl"))  # needs more storage than any host has
    qtbot.waitUntil(lambda: any(line.startswith("figure4:") for line in panel.refusals()), timeout=WAIT_MS)
    _settle(qtbot, panel)
    placed = panel.placed()  # which hosts is the algorithm's choice; letters, names and counts are not
    assert [line.split(" on ")[0] for line in placed] == ["A  VXI1: 4 parts", "B  VXI2: 5 parts"]
    assert all(set(line.split(" on ")[1].split(", ")) <= set(panel.view.boxes) for line in placed)
    assert "storage" in panel.refusals()[0] and panel.refused_title.text() == "Refused requests (1)"
    assert not any("figure4" in line for line in panel.placed())
    assert "figure4" not in {req for req, _c, _h in _chips(panel.view)}  # no chip, no letter
    assert not any(req == "figure4" for req, _link in panel.view.virtual_paths())
    assert panel.legend.placed_title.text() == "Placed requests (2)"


def test_a_data_centre_opens_whole_and_a_double_click_on_a_pod_makes_its_hosts_readable(make_window, qtbot,
                                                                                        tmp_path):
    from backend.embedding import workloads
    from backend.vxdl import write_file

    write_file(workloads.fat_tree(8), tmp_path / "dc.vxdl")
    tenants = workloads.dc_requests(0, 3, 1.0, max_nodes=12)
    for i, tenant in enumerate(tenants):
        tenant.lease = Lease()
        write_file(tenant, tmp_path / f"t{i}.vxdl")
    window = make_window()
    window.resize(1280, 800)
    assert window.open_path(str(tmp_path / "t0.vxdl"), ask=False)
    tab = install_preview(window)
    window.actions_by_name["preview"].trigger()
    panel = tab.panel
    panel.set_substrate_path(str(tmp_path / "dc.vxdl"))
    panel.add_extra(str(tmp_path / "t1.vxdl"))
    _settle(qtbot, panel)
    qtbot.waitUntil(lambda: panel.result.generation == panel.generation and not panel.busy(), timeout=WAIT_MS)
    view = panel.view
    assert view.sites() == ["core", *(f"pod{p}" for p in range(8))]

    def whole_in_sight() -> bool:  # every pod in sight, with no scroll bar (nothing more to scroll to)
        whole = view.mapToScene(view.viewport().rect()).boundingRect()
        bars = view.horizontalScrollBar().isVisible() or view.verticalScrollBar().isVisible()
        return not bars and all(whole.contains(view.frames[site].frame) for site in view.sites())

    qtbot.waitUntil(whole_in_sight, timeout=WAIT_MS)  # the window's layout settles after the result shows
    frame = view.frames["pod2"].frame
    aim = frame.topLeft() + (frame.bottomRight() - frame.topLeft()) * 0.3
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      view.mapFromScene(aim))
    assert view.transform().m11() >= view.readable_zoom()  # the hosts' names and bars at 9 pt or more
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert seen.contains(aim) and frame.intersects(seen)
    shown = [h for h in view.boxes if view.site_of.get(h) == "pod2"
             and seen.contains(view.host_box(h).sceneBoundingRect())]
    assert len(shown) >= 2  # whole boxes of the pod clicked, not a corner of another
    panel.shutdown()

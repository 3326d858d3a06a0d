"""Run mode with a VXI whose id holds a '/': its links are plotted and labelled (their record keys were split at
the first '/', so that a VXI 'x/y' had no links to plot)."""

from __future__ import annotations

import pytest

from backend.resources import examples_dir
from backend.vxdl import write_file
from tests.embedding.builders import node, vlink, vxi

EXAMPLES = examples_dir()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path / "state"))


def test_the_links_of_a_vxi_whose_id_holds_a_slash_are_plotted(qtbot, make_window, tmp_path):
    from designer.run.mode import install_run_mode

    write_file(vxi("x/y", [node("a"), node("b")], [vlink("l", "a", "b", 10)]), tmp_path / "xy.vxdl")
    window = make_window()
    assert window.open_path(str(tmp_path / "xy.vxdl"), ask=False)
    controller = install_run_mode(window)
    controller.choose_substrate(EXAMPLES / "figure1-substrate.vxdl")
    try:
        window.actions_by_name["run_deploy"].trigger()
        qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
        assert set(controller.link_series("x/y")) == {"l"}
        assert "link l" in controller.plot_groups("x/y", "links")
        controller.teardown()
        qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    finally:
        controller.shutdown()


def shown(text: str, label_format=None) -> str:
    """What Qt shows of a label's or tooltip's text: rich text when it takes it for rich text."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import Qt as GuiQt
    from PySide6.QtGui import QTextDocumentFragment

    rich = label_format == Qt.TextFormat.RichText or (label_format in (None, Qt.TextFormat.AutoText)
                                                       and GuiQt.mightBeRichText(text))
    return QTextDocumentFragment.fromHtml(text).toPlainText() if rich else text


def test_ids_that_look_like_html_are_shown_as_written(qtbot, make_window, tmp_path):
    from PySide6.QtWidgets import QMenu

    from designer.run.mode import install_run_mode
    from tests.embedding.builders import host, plink, substrate

    big, amp = "<h1>P</h1>", "Q&R"
    write_file(substrate([host(big, site="s1"), host(amp, site="s2")], [plink("p", big, amp, 1000)], sid="lab"),
               tmp_path / "lab.vxdl")
    write_file(vxi("v", [node("<img src=x>", location="s1"), node("a&b", location="s2")],
                   [vlink("l", "<img src=x>", "a&b", 10)]), tmp_path / "v.vxdl")
    window = make_window()
    assert window.open_path(str(tmp_path / "v.vxdl"), ask=False)
    controller = install_run_mode(window)
    controller.choose_substrate(tmp_path / "lab.vxdl")
    ui = controller.ui
    steps = []
    controller.progress.connect(lambda _p: steps.append(shown(ui.panel.status.text(), ui.panel.status.textFormat())))
    try:
        window.actions_by_name["run_deploy"].trigger()
        qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
        assert any("<img src=x>" in step for step in steps), steps  # the step drew an image: "attaching  to..."
        assert f"on {big}" in shown(ui.overlays.marks["<img src=x>"].toolTip())  # a heading, before
        menu = QMenu()
        ui.context_entries.add_to(menu, "component", "a&b")
        assert "Stop a&&b" in [a.text() for a in menu.actions()]  # shown "Stop ab", b underlined, before
        controller.teardown()
        qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    finally:
        controller.shutdown()


def test_ids_that_look_like_html_are_shown_as_written_in_the_inspector_and_the_timeline(qtbot, make_window, tmp_path):
    from PySide6.QtWidgets import QLabel

    from widgets.timeline import TimelineWidget

    write_file(vxi("<h1>V</h1>", [node("<img src=x>"), node("b")], [vlink("l", "<img src=x>", "b", 10)]),
               tmp_path / "v.vxdl")
    window = make_window()
    assert window.open_path(str(tmp_path / "v.vxdl"), ask=False)
    inspector = window.docks.inspector
    window.scene.select_ids(["<img src=x>"])
    qtbot.waitUntil(lambda: "<img src=x>" in inspector.title.text(), timeout=5000)
    assert "<img src=x>" in shown(inspector.title.text(), inspector.title.textFormat())  # an image, before
    timeline = next(w for w in window.findChildren(TimelineWidget))
    header: QLabel = timeline.header
    assert "Lease of <h1>V</h1>" in shown(header.text(), header.textFormat())  # a heading, before

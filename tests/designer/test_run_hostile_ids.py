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

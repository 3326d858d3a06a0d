"""Run mode follows the agent: the lease timeline's now line moves over the period bands, the period over is
dimmed, the countdown names the next change, and the plot marks each period change."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backend.model import Lease, Quantity
from backend.model.timing import Period
from backend.vxdl import read_file, write_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROOT = Path(__file__).resolve().parents[2]
SPEED = 600  # twenty minutes of lease in two seconds


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    folder = tmp_path / "state"
    monkeypatch.setenv("VXI_STATE_DIR", str(folder))
    return folder


def figure4_files(folder: Path) -> tuple[Path, Path]:
    """Figure 4 with periods I, II, III of twenty minutes each, and a substrate that holds its data node."""
    vxi = read_file(EXAMPLES / "figure4.vxdl").model
    vxi.lease = Lease(datetime(2026, 12, 1, 8, tzinfo=timezone.utc), 3600)
    vxi.periods = [Period(name, n * 1200.0, 1200.0) for n, name in enumerate(("I", "II", "III"))]
    substrate = read_file(EXAMPLES / "figure1-substrate.vxdl", "substrate").model
    for host in substrate.hosts.values():
        host.storage = Quantity.simple("size", 8, "TB")
    write_file(vxi, folder / "figure4-periods.vxdl")
    write_file(substrate, folder / "figure4-substrate.vxdl")
    return folder / "figure4-periods.vxdl", folder / "figure4-substrate.vxdl"


def test_the_timeline_follows_the_agent_now_line_periods_and_countdown(qtbot, make_window, tmp_path, state_dir):
    from designer.run.mode import install_run_mode

    vxi_path, substrate_path = figure4_files(tmp_path)
    agent = subprocess.Popen([sys.executable, "-m", "backend.cli", "agent", "--speed", str(SPEED)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "VXI_STATE_DIR": str(state_dir)},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    window = make_window()
    controller = None
    try:
        assert agent.stdout.readline().find("agent started") > 0
        assert window.open_path(str(vxi_path), ask=False)
        controller = install_run_mode(window)
        controller.choose_substrate(substrate_path)
        window.docks.docks["timeline"].show()
        timeline, live = window.docks.timeline, controller.ui.time_view.live
        window.actions_by_name["run_deploy"].trigger()  # Run ▸ Deploy
        qtbot.waitUntil(lambda: controller.deployed() and "running, period I;" in live.label.text(), timeout=20000)
        assert "next: period II begins" in live.label.text() and "clock ×600" in live.label.text()
        first = live.now_x()
        band_one, band_two = timeline.period_rect("I"), timeline.period_rect("II")
        assert band_one.left() - 1 <= first  # in period I (or past it, when this machine is slow)
        qtbot.waitUntil(lambda: "running, period II;" in live.label.text(), timeout=10000)
        qtbot.wait(300)  # a tick or two of the line
        now = live.now_x()
        assert now > first and band_two.left() <= now  # the agent put II in force: the line is past I
        assert "I" in live.dimmed() and ("II" not in live.dimmed() or now > band_two.right())
        assert "next: period III begins" in live.label.text()
        assert "What vxi agent did last:" in live.label.toolTip() and "period II begins" in live.label.toolTip()
        markers = [m.label for m in controller.session.sampler.store.markers()]
        assert "period II begins" in markers
        assert controller.time_info["time"]["links"]["figure4/C-G"]["idle"] is False  # active in II
        if os.environ.get("VXI_SCREENSHOTS"):  # the manual's picture (docs/screenshots/run-time.png)
            from PySide6.QtCore import Qt

            window.resize(1280, 800)
            window.resizeDocks([window.docks.docks["timeline"]], [330], Qt.Orientation.Vertical)
            qtbot.wait(400)
            window.grab().save(os.path.join(os.environ["VXI_SCREENSHOTS"], "run-time.png"))
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(10)
        if controller is not None:
            controller.shutdown()
            session = controller.session
            if session is not None and session.deployer is not None:
                session.teardown(lambda _message: None)


def test_without_an_agent_run_mode_puts_the_periods_in_force_itself(qtbot, make_window, tmp_path, state_dir):
    from backend.deploy import state
    from designer.run.mode import install_run_mode

    vxi_path, substrate_path = figure4_files(tmp_path)
    state.set_clock_speed(SPEED)  # a clock ×600 as an agent would leave it, and no agent
    window = make_window()
    assert window.open_path(str(vxi_path), ask=False)
    controller = install_run_mode(window)
    try:
        controller.choose_substrate(substrate_path)
        live = controller.ui.time_view.live
        window.actions_by_name["run_deploy"].trigger()  # Run ▸ Deploy
        qtbot.waitUntil(lambda: "running, period II;" in live.label.text(), timeout=20000)
        assert "run mode (no agent runs)" in live.label.toolTip()
        record = state.load(controller.record().id)
        assert record.time["links"]["figure4/A-B"]["idle"] and not record.time["links"]["figure4/C-G"]["idle"]
        assert "period II begins" in [m.label for m in controller.session.sampler.store.markers()]
        qtbot.waitUntil(lambda: "ended: its lease is over" in live.label.text(), timeout=20000)
        assert not controller.deployed() and controller.ui.overlays.state_of("B") == "defined"
        assert "ended: its lease is over" in controller.ui.panel.status.text()
        assert state.load(record.id).state == "ended" and state.holds_on("figure1-substrate") == ([], [])
    finally:
        controller.shutdown()
        session = controller.session
        if session is not None and session.deployer is not None:
            session.teardown(lambda _message: None)

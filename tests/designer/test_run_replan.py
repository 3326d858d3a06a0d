"""Run ▸ Replan…: the dialog proposes what `vxi replan --deployment` proposes (same moves, same refusal), draws
the moves on the substrate, keeps the window answering while the backend plans, and applies the moves at the
time chosen: without an agent run mode makes them, and the deployment's components end on the new hosts."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from backend.cli import main
from tests.designer.helpers import right_click

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    folder = tmp_path / "state"
    monkeypatch.setenv("VXI_STATE_DIR", str(folder))
    return folder


def cli_json(capsys, *argv):
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_replan_dialog_proposes_as_the_cli_refuses_in_words_and_applies_at_the_time_chosen(
        qtbot, make_window, capsys, monkeypatch):
    from backend.deploy import reorganise
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    try:
        controller.choose_substrate(EXAMPLES / "figure1-substrate.vxdl")
        window.actions_by_name["run_deploy"].trigger()  # Run ▸ Deploy
        qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=20000)
        record = controller.record()
        host = record.components["n3"].host
        leaving = {k for k, c in record.components.items() if c.host == host}

        view = window.view  # right-click n3 on the canvas: "Replan: P3 leaves…"
        point = view.mapFromScene(window.scene.item_for("n3").sceneBoundingRect().center())
        entries = right_click(qtbot, view, point, f"Replan: {host} leaves…")
        assert entries[f"Replan: {host} leaves…"][0]
        dialog = controller.ui.replan_dialog
        qtbot.waitUntil(lambda: dialog.isVisible() and dialog.deployment_combo.currentData() == record.id,
                        timeout=5000)
        assert dialog.host_radio.isChecked() and dialog.host_combo.currentText() == host
        assert not dialog.apply_button.isEnabled() and "propose moves first" in dialog.apply_button.toolTip()

        # a refusal: VXI1 cannot grow fifty times; the dialog says why, as the command line does
        qtbot.mouseClick(dialog.grow_radio, Qt.MouseButton.LeftButton)
        dialog.factor.setFocus()
        qtbot.keyClick(dialog.factor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.factor, "50")
        assert dialog.factor.value() == 50
        qtbot.mouseClick(dialog.propose_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.proposal is not None, timeout=10000)
        code, cli_plan, _ = cli_json(capsys, "replan", "--deployment", record.id, "--grow", "VXI1=50", "--json")
        assert code == 1 and not cli_plan["feasible"]
        assert "no plan" in dialog.summary.text() and cli_plan["reason"] in dialog.summary.text()
        assert dialog.table.rowCount() == 0 and not dialog.apply_button.isEnabled()
        assert "no plan to apply" in dialog.apply_button.toolTip()
        assert "placement now" in dialog.view_title.text() and ("VXI1", "n3") in dialog.view.chips_on(host)

        # a host leaves: the window answers while the backend plans (planning made slow on purpose here)
        real_plan = reorganise.plan_moves

        def slow_plan(*args, **kwargs):
            time.sleep(3)
            return real_plan(*args, **kwargs)

        monkeypatch.setattr(reorganise, "plan_moves", slow_plan)
        qtbot.mouseClick(dialog.host_radio, Qt.MouseButton.LeftButton)
        dialog.host_combo.setFocus()
        qtbot.keyClicks(dialog.host_combo, host)
        assert dialog.host_combo.currentText() == host
        ticks = []
        ticker = QTimer()
        ticker.timeout.connect(lambda: ticks.append(time.monotonic()))
        ticker.start(50)
        dialog.proposal = None
        qtbot.mouseClick(dialog.propose_button, Qt.MouseButton.LeftButton)
        assert dialog.summary.text() == "Planning…" and not dialog.propose_button.isEnabled()
        # the window's loop turns while the backend plans (a blocked loop would give one late tick at most)
        qtbot.waitUntil(lambda: len(ticks) >= 4 or dialog.proposal is not None, timeout=10000)
        assert dialog.proposal is None and len(ticks) >= 4
        qtbot.mouseClick(dialog.apply_at, Qt.MouseButton.LeftButton)  # the dialog answers clicks meanwhile
        assert dialog.apply_at.isChecked() and dialog.apply_time.isEnabled()
        qtbot.waitUntil(lambda: dialog.proposal is not None, timeout=15000)
        ticker.stop()

        code, cli_plan, err = cli_json(capsys, "replan", "--deployment", record.id, "--remove-host", host, "--json")
        assert code == 0, err
        assert dialog.listed() == cli_plan["moves"] and {m["component"] for m in cli_plan["moves"]} == leaving
        assert f"{len(leaving)} migration" in dialog.summary.text() and "host leaves" in dialog.summary.text()
        assert all(dialog.table.item(r, 5).text().startswith(f"host {host} leaves") for r in range(len(leaving)))
        assert dialog.view.arrow_ends() == {(m["vxi"], m["component"]): (m["from"], m["to"])
                                            for m in cli_plan["moves"]}  # drawn on the substrate

        # applied three seconds from now: nothing moves before, everything after
        from backend.deploy import state

        when = float(math.ceil(state.clock().now())) + 3  # the dialog's moments are whole seconds
        from designer.run.replan import _set_moment

        _set_moment(dialog.apply_time, when)
        assert dialog.table.item(0, 4).text().endswith("UTC")
        assert dialog.apply_button.isEnabled()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "kept" in dialog.result.text(), timeout=10000)
        assert "run mode makes them (no agent runs)" in dialog.result.text()
        qtbot.waitUntil(lambda: "moves to" in controller.ui.overlays.marks["n3"].toolTip(), timeout=5000)
        if state.clock().now() < when - 0.5:
            assert state.load(record.id).components["n3"].host == host  # not yet
        target = {m["component"]: m["to"] for m in cli_plan["moves"]}

        def moved() -> bool:
            _code, listed, _err = cli_json(capsys, "status", "--json")
            (dep,) = listed["deployments"]
            return all(dep["components"][k]["host"] == target[k] for k in leaving)

        qtbot.waitUntil(moved, timeout=15000)  # `vxi status` sees them on their new hosts
        assert state.clock().now() >= when
        qtbot.waitUntil(lambda: f"on {target['n3']}" in controller.ui.overlays.marks["n3"].toolTip(), timeout=5000)
        assert "moves to" not in controller.ui.overlays.marks["n3"].toolTip()
        log = [e["what"] for e in state.load(record.id).time["log"]]
        assert sum("as replanned" in what for what in log) == len(leaving)
    finally:
        controller.shutdown()
        session = controller.session
        if session is not None and session.deployer is not None:
            session.teardown(lambda _message: None)


def test_a_scheduled_deployment_made_by_the_cli_is_replanned_and_its_moves_kept_for_the_agent(
        qtbot, make_window, capsys, tmp_path):
    from datetime import datetime, timedelta, timezone

    from backend.model import Lease
    from backend.vxdl import read_file, write_file
    from designer.run.mode import install_run_mode

    vxi = read_file(EXAMPLES / "figure1-vxi1.vxdl").model
    vxi.lease = Lease(datetime.now(timezone.utc) + timedelta(days=1), 4 * 3600)
    write_file(vxi, tmp_path / "tomorrow.vxdl")
    code, dep, err = cli_json(capsys, "deploy", EXAMPLES / "figure1-substrate.vxdl", tmp_path / "tomorrow.vxdl",
                              "--json")
    assert code == 0 and dep["state"] == "scheduled", err
    window = make_window()
    controller = install_run_mode(window)
    try:
        window.actions_by_name["run_replan"].trigger()  # nothing deployed from the window: the action still works
        dialog = controller.ui.replan_dialog
        qtbot.waitUntil(lambda: dialog.offer() is not None, timeout=5000)
        assert dialog.deployment_combo.currentText().startswith(f"{dep['id']} (scheduled")
        host = dialog.host_combo.currentText()  # the host offered first carries a part of the plan
        assert host in dialog.offer().placed.values()
        qtbot.mouseClick(dialog.propose_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.proposal is not None, timeout=10000)
        code, cli_plan, err = cli_json(capsys, "replan", "--deployment", dep["id"], "--remove-host", host, "--json")
        assert code == 0 and cli_plan["moves"] and dialog.listed() == cli_plan["moves"], err
        assert "made at the lease start" in dialog.table.item(0, 4).text()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "kept" in dialog.result.text(), timeout=10000)
        assert "start `vxi agent` to make them" in dialog.result.text()
        _code, listed, _err = cli_json(capsys, "status", "--json")
        (shown,) = listed["deployments"]
        assert shown["next_change"]["what"].endswith("moves to " + cli_plan["moves"][0]["to"] + " (replanned)")
        kept = [(m["component"], m["to"]) for m in shown["time"]["moves"]]
        assert kept == [(m["component"], m["to"]) for m in cli_plan["moves"]]
        qtbot.waitUntil(lambda: "1 move kept, not made yet" in dialog.lease_label.text(), timeout=5000)
    finally:
        controller.shutdown()


@pytest.mark.root
@pytest.mark.timeout(120)
def test_as_root_the_agent_makes_the_moves_applied_from_the_dialog_on_the_netns_backend(
        qtbot, make_window, capsys, state_dir, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, tc)")
    from backend.deploy.netns import kernel
    from designer.run.mode import install_run_mode

    root = Path(__file__).resolve().parents[2]
    log = tmp_path / "agent.log"
    agent = subprocess.Popen([sys.executable, "-m", "backend.cli", "agent"], cwd=root,
                             env={**os.environ, "PYTHONPATH": str(root), "VXI_STATE_DIR": str(state_dir)},
                             stdout=log.open("w"), stderr=subprocess.STDOUT)
    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    try:
        qtbot.waitUntil(lambda: "agent started" in log.read_text(), timeout=20000)
        controller.choose_substrate(EXAMPLES / "figure1-substrate.vxdl")
        panel = controller.ui.panel
        panel.backend_combo.setCurrentIndex(panel.backend_combo.findData("netns"))
        window.actions_by_name["run_deploy"].trigger()
        qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=30000)
        record = controller.record()
        host = record.components["n3"].host
        window.actions_by_name["run_replan"].trigger()
        dialog = controller.ui.replan_dialog
        qtbot.waitUntil(lambda: dialog.offer() is not None, timeout=5000)
        assert "vxi agent makes the moves" in dialog.lease_label.text()
        dialog.host_combo.setFocus()
        qtbot.keyClicks(dialog.host_combo, host)
        qtbot.mouseClick(dialog.propose_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.proposal is not None, timeout=15000)
        moves = {m["component"]: m["to"] for m in dialog.listed()}
        assert "n3" in moves and host not in moves.values()
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)  # now
        qtbot.waitUntil(lambda: "vxi agent makes them" in dialog.result.text(), timeout=10000)

        def moved() -> bool:
            capsys.readouterr()
            main(["status", "--json"])
            (dep,) = json.loads(capsys.readouterr().out)["deployments"]
            return all(dep["components"][k]["host"] == to for k, to in moves.items())

        qtbot.waitUntil(moved, timeout=30000)  # the agent moved them: `vxi status` (and the kernel) say so
        assert sum("as replanned" in line for line in log.read_text().splitlines()) == len(moves)
        qtbot.waitUntil(lambda: f"on {moves['n3']}" in controller.ui.overlays.marks["n3"].toolTip(), timeout=10000)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(10)
        controller.shutdown()
        session = controller.session
        if session is not None and session.deployer is not None:
            session.deployer.teardown()
            assert not kernel.namespaces(session.deployer.record.prefix)

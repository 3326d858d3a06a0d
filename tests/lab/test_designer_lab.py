"""The designer's run mode on real libvirtd hosts (the shared lab): deploy from the window, a host whose daemon
stops answering (SIGSTOP: its socket stays, nothing answers) marks its components unreachable with the host
named while the window keeps answering keys, the marks turn back when it answers again, and `vxi teardown`
afterwards leaves nothing on any host (root; skipped with the reason when libvirtd or QEMU cannot run). (The
window's own teardown is driven on the test driver, tests/designer/test_run_mode.py.)"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from backend.cli import main
from tests.designer.conftest import dialogs, make_window, settings  # noqa: F401 (the designer's window fixtures)
from tests.designer.test_run_mode import toolbar_button

pytestmark = [pytest.mark.root, pytest.mark.slow]

VXI = Path(__file__).resolve().parents[2] / "examples" / "lab-router.vxdl"  # r1, pc-a at h1, pc-b at h2


def _domains_of(lab, tag: str) -> list[str]:
    found = []
    for host in lab.hosts:
        conn = lab.connect(host.id)
        try:
            found += [d.name() for d in conn.listAllDomains() if tag in d.name()]
        finally:
            conn.close()
    return found


def test_a_silent_host_shows_its_components_unreachable_while_the_window_answers(qtbot, make_window, lab,  # noqa: F811
                                                                                 monkeypatch):
    from designer.run.mode import install_run_mode

    monkeypatch.setenv("VXI_KEEPALIVE", "1,2")
    monkeypatch.setenv("VXI_CALL_TIMEOUT", "3")
    window = make_window()
    assert window.open_path(str(VXI), ask=False)
    controller = install_run_mode(window)
    ui = controller.ui
    controller.choose_substrate(lab.substrate)
    ui.panel.backend_combo.setCurrentIndex(ui.panel.backend_combo.findData("libvirt"))
    ids = list(window.document.model.components)
    qtbot.mouseClick(toolbar_button(window, window.actions_by_name["run_deploy"]), Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: all(ui.overlays.state_of(i) == "running" for i in ids), timeout=240_000)
        qtbot.waitUntil(lambda: not controller.busy(), timeout=30_000)
        record = controller.record()
        silent = record.find("pc-b").host
        others = [i for i in ids if record.find(i).host != silent]
        assert others, "the example puts components on several hosts"
        pid = lab.host(silent).pid
        os.kill(pid, signal.SIGSTOP)
        try:
            window.find_box.setFocus()
            qtbot.keyClicks(window.find_box, "pc-")  # the window answers while a status call hangs on the host
            assert window.find_box.text() == "pc-"
            qtbot.waitUntil(lambda: ui.overlays.state_of("pc-b") == "unreachable", timeout=60_000)
            mark = ui.overlays.marks["pc-b"]
            assert f"host {silent}" in mark.toolTip(), mark.toolTip()
            assert all(ui.overlays.state_of(i) == "running" for i in others)
            qtbot.keyClicks(window.find_box, "b")
            assert window.find_box.text() == "pc-b"
        finally:
            os.kill(pid, signal.SIGCONT)
        qtbot.waitUntil(lambda: ui.overlays.state_of("pc-b") == "running", timeout=90_000)
        assert "unreachable" in ui.overlays.marks["pc-b"].history
    finally:
        controller.shutdown()  # the window's own session ends; the deployment is removed as a user would
        deployed = controller.record()
        code = main(["teardown", deployed.id]) if deployed is not None else None
    assert code == 0
    assert _domains_of(lab, deployed.id) == []

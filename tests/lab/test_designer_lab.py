"""The designer's run mode on real libvirtd hosts (the shared lab): deploy from the window, a host whose daemon
stops answering (SIGSTOP: its socket stays, nothing answers) marks its components unreachable with the host
named while the window keeps answering keys, the marks turn back when it answers again, the plot reads the
host's counters again, and the window's teardown afterwards leaves nothing on any host (root; skipped with the
reason when libvirtd or QEMU cannot run)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from backend.deploy.libvirt import guard
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


def _points(store, component: str) -> int:
    """How many samples the plot holds of a component's interfaces."""
    return sum(len(store.points(k)) for k in store.series_keys() if k.component == component)


def test_a_silent_host_shows_its_components_unreachable_while_the_window_answers(qtbot, make_window, lab,  # noqa: F811
                                                                                 monkeypatch):
    from backend.deploy.libvirt.lifecycle import start_event_loop
    from designer.run.mode import install_run_mode

    start_event_loop()  # libvirt's loop in a thread, as the lab's other tests leave it: keep-alive runs (on this
    # test's qasync loop, which turns only while the test waits, libvirtaio's timers would not)
    monkeypatch.setenv("VXI_KEEPALIVE", "1,2")
    monkeypatch.setenv("VXI_CALL_TIMEOUT", "3")
    answer = guard._open_and_close  # a host slow to answer a probe (a loaded machine): before the fix, a call on a

    def slow_probe(uri: str) -> None:  # connection from before the freeze marked h2 lost again, and the teardown
        import time  # that came while the probe was on its way failed at once ("teardown incomplete: host h2:
        time.sleep(2)  # the connection ... was lost")
        answer(uri)

    monkeypatch.setattr(guard, "_open_and_close", slow_probe)
    monkeypatch.setattr(guard, "_guards", {})  # this test's guards probe slowly
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
        held = controller.session.deployer.connections[silent]  # opened before the freeze
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
            source = controller.session.sampler.source
            qtbot.waitUntil(lambda: silent in source.unreachable, timeout=30_000)  # the plot misses its counters
            qtbot.waitUntil(lambda: guard.connection_closed(held), timeout=30_000)  # closed by keep-alive
        finally:
            os.kill(pid, signal.SIGCONT)
        qtbot.waitUntil(lambda: ui.overlays.state_of("pc-b") == "running", timeout=90_000)
        assert "unreachable" in ui.overlays.marks["pc-b"].history
        store = controller.session.sampler.store
        seen = _points(store, "pc-b")
        qtbot.waitUntil(lambda: _points(store, "pc-b") >= seen + 2, timeout=30_000)  # its counters plotted again
        qtbot.waitUntil(lambda: not controller.busy(), timeout=30_000)
        qtbot.mouseClick(toolbar_button(window, window.actions_by_name["run_teardown"]), Qt.MouseButton.LeftButton)
        assert controller.running_job == "teardown"
        qtbot.waitUntil(lambda: not controller.busy(), timeout=120_000)
        assert "torn down" in ui.panel.status.text(), ui.panel.status.text()
        assert _domains_of(lab, record.id) == []
    finally:
        controller.shutdown()
        session = controller.session
        if session is not None and session.deployer is not None and session.deployer.record.state == "running":
            with contextlib.suppress(Exception):  # what a failed test left (its own failure is the one to see)
                session.teardown(lambda _message: None)

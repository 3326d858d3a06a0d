"""Run mode in the designer: deploy from the window on libvirt's test driver, watch every component turn
running, see failures in the problems dock, move a router, tear down."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt

from backend.resources import examples_dir

EXAMPLES = examples_dir()


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Deployment records go to the test's own folder."""
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def run_window(make_window):
    """A window on Figure 1's VXI1 with run mode installed; its deployment is torn down at the end."""
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    yield window, controller
    controller.shutdown()  # waits for a running job
    session = controller.session
    if session is not None and session.deployer is not None and session.deployer.record.state == "running":
        session.teardown(lambda _message: None)


def toolbar_button(window, action):
    """The toolbar button of an action."""
    from PySide6.QtWidgets import QToolBar

    for bar in window.findChildren(QToolBar):
        widget = bar.widgetForAction(action)
        if widget is not None:
            return widget
    raise AssertionError(f"no toolbar button for {action.text()}")


def test_deploy_from_the_designer_turns_every_item_running(qtbot, run_window):
    window, controller = run_window
    ui = controller.ui
    assert ui.panel.substrate_combo.currentText() == "figure1-substrate.vxdl"  # matches the document
    assert ui.panel.backend_combo.currentData() == "test"
    deploy = window.actions_by_name["run_deploy"]
    assert deploy.isEnabled() and not window.actions_by_name["run_teardown"].isEnabled()
    qtbot.mouseClick(toolbar_button(window, deploy), Qt.MouseButton.LeftButton)
    ids = list(window.document.model.components)

    def all_running():
        return all(ui.overlays.state_of(i) == "running" for i in ids)

    window.find_box.setFocus()
    qtbot.keyClicks(window.find_box, "r1")  # the window answers keys while the deployment runs
    qtbot.waitUntil(all_running, timeout=15000)
    assert window.find_box.text() == "r1"
    qtbot.waitUntil(lambda: not controller.busy(), timeout=5000)
    for ident in ids:
        history = ui.overlays.marks[ident].history
        assert history[0] == "defined" and history[-1] == "running"
        assert "starting" in history, (ident, history)
    assert ui.panel.progress_bar.text() == "4 of 4 running"
    assert "running on the test backend" in ui.panel.status.text()
    assert not deploy.isEnabled() and window.actions_by_name["run_teardown"].isEnabled()
    assert not window.actions_by_name["run_traffic"].isEnabled()  # no traffic on the test driver
    record = controller.record()
    assert {c.id for c in record.components.values()} == set(ids)
    assert "on " + record.find("r1").host in ui.overlays.marks["r1"].toolTip()
    # the test driver has fake counters: in place of empty axes the plot says so, and draws nothing
    plot = ui.panel.plot
    qtbot.waitUntil(lambda: "no real traffic counters" in plot.message(), timeout=5000)
    assert plot.placeholder.isVisibleTo(plot) and not plot.plot.isVisibleTo(plot)
    assert plot.curves() == {}

    qtbot.mouseClick(toolbar_button(window, window.actions_by_name["run_teardown"]), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "torn down" in ui.panel.status.text(), timeout=15000)
    assert all(ui.overlays.state_of(i) == "defined" for i in ids)
    assert deploy.isEnabled()
    assert "no real traffic counters" not in plot.message() and "Torn down" in plot.message()


def choose_unreachable_hosts(controller, folder) -> None:
    """Deploy next on Figure 1's substrate whose every host URI names a missing test-driver file."""
    from backend.vxdl import read_file

    substrate = copy.deepcopy(read_file(EXAMPLES / "figure1-substrate.vxdl", role="substrate").model)
    for host in substrate.hosts.values():
        host.uri = f"test://{folder}/missing/{host.id}.xml"  # every host unreachable
    controller.choose_substrate(model=substrate)
    panel = controller.ui.panel
    panel.backend_combo.setCurrentIndex(panel.backend_combo.findData("libvirt"))


def test_a_deployment_that_fails_marks_the_item_and_lists_the_error(qtbot, run_window, tmp_path):
    window, controller = run_window
    ui = controller.ui
    choose_unreachable_hosts(controller, tmp_path)
    assert controller.backend == "libvirt"
    window.actions_by_name["run_deploy"].trigger()
    problems = window.docks.problems
    qtbot.waitUntil(lambda: any(p.code == "run-deploy" for p in problems.problems()), timeout=15000)
    problem = next(p for p in problems.problems() if p.code == "run-deploy")
    assert "connecting to test://" in problem.message and "rolled back" in problem.message
    assert problem.severity == "error"
    assert "connecting to" in ui.panel.status.text()
    assert window.actions_by_name["run_deploy"].isEnabled()  # the user can fix it and deploy again
    assert not controller.deployed()
    states = {i: ui.overlays.state_of(i) for i in window.document.model.components}
    assert set(states.values()) <= {"defined", "failed"}
    # fixed: back to the generated test hosts; the old error leaves the problems dock
    controller.choose_substrate(EXAMPLES / "figure1-substrate.vxdl")
    ui.panel.backend_combo.setCurrentIndex(ui.panel.backend_combo.findData("test"))
    window.actions_by_name["run_deploy"].trigger()
    assert not any(p.code == "run-deploy" for p in problems.problems())
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
    assert all(ui.overlays.state_of(i) == "running" for i in window.document.model.components)


def test_a_vxi_that_does_not_fit_is_refused_with_its_reason(qtbot, run_window):
    from backend.model import Quantity

    window, controller = run_window
    window.document.model.components["n1"].cores = Quantity.simple("count", 64)  # no host has 64 cores
    window.actions_by_name["run_deploy"].trigger()
    problems = window.docks.problems
    qtbot.waitUntil(lambda: any(p.code == "run-deploy" for p in problems.problems()), timeout=15000)
    problem = next(p for p in problems.problems() if p.code == "run-deploy")
    assert problem.element_id == "VXI1" and "does not fit on figure1-substrate" in problem.message
    assert not controller.deployed()


def test_migrate_a_router_offers_the_hosts_that_fit_and_moves_it(qtbot, run_window):
    window, controller = run_window
    ui = controller.ui
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(controller.deployed, timeout=15000)
    qtbot.waitUntil(lambda: not controller.busy(), timeout=5000)
    source = controller.record().find("r1").host
    window.actions_by_name["run_migrate"].trigger()
    dialog = ui.migration_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.component_combo.currentData() == "r1"  # routers come first
    assert source not in dialog.offered()
    assert f"{source}: it runs there now" in dialog.refused()
    target = dialog.offered()[0]
    row = next(i for i in range(dialog.hosts.count()) if dialog.hosts.item(i).data(Qt.ItemDataRole.UserRole) == target)
    rect = dialog.hosts.visualItemRect(dialog.hosts.item(row))
    qtbot.mouseClick(dialog.hosts.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseClick(dialog.migrate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.last_migration is not None and not controller.busy(), timeout=15000)
    assert controller.record().find("r1").host == target
    assert f"r1 moved from {source} to {target} (cold)" in dialog.log.text()
    assert ui.overlays.state_of("r1") == "running"
    assert f"on {target}" in ui.overlays.marks["r1"].toolTip()


def test_hosts_without_room_are_refused_with_the_reason():
    from backend.deploy.record import ComponentRecord, DeploymentRecord
    from backend.deploy.session import host_choices
    from backend.vxdl import read_file

    substrate = read_file(EXAMPLES / "figure1-substrate.vxdl", role="substrate").model
    vxi = read_file(EXAMPLES / "figure1-vxi1.vxdl").model
    record = DeploymentRecord("abcde", "test")
    for comp in vxi.components.values():
        record.components[comp.id] = ComponentRecord(vxi.id, comp.id, comp.kind, "P3", "running")
    big = copy.deepcopy(vxi)
    big.components["r1"].cores = type(substrate.hosts["P1"].cores).simple("count", 6)
    choices = {c.host: c for c in host_choices(record, substrate, [big], "r1")}
    assert not choices["P3"].fits and choices["P3"].reason == "it runs there now"
    assert not choices["P2"].fits and choices["P2"].reason.startswith("needs 6 cores, only 4 left")
    assert choices["P1"].fits and choices["P4"].fits



def test_a_domain_stopped_behind_the_designers_back_turns_red_at_the_next_status_poll(qtbot, run_window):
    window, controller = run_window
    ui = controller.ui
    assert controller.status_timer.interval() == 5000
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
    assert controller.status_timer.isActive()
    deployer = controller.session.deployer
    r1 = deployer.record.find("r1")
    deployer.connection(r1.host).lookupByName(r1.name).destroy()  # as `virsh destroy` would
    controller.refresh_status()  # what the timer does every 5 s
    qtbot.waitUntil(lambda: ui.overlays.state_of("r1") == "failed", timeout=10000)
    assert ui.overlays.state_of("n1") == "running"
    assert "failed" in ui.overlays.marks["r1"].toolTip()


def test_libvirt_events_show_a_stopped_and_restarted_domain_without_waiting_for_the_poll(qtbot, run_window):
    window, controller = run_window
    ui = controller.ui
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
    controller.status_timer.stop()  # no poll at all: only libvirt's lifecycle events can tell
    deployer = controller.session.deployer
    r1 = deployer.record.find("r1")
    domain = deployer.connection(r1.host).lookupByName(r1.name)
    domain.destroy()  # behind the designer's back, as `virsh destroy` would
    qtbot.waitUntil(lambda: ui.overlays.state_of("r1") == "failed", timeout=10000)  # events only
    assert ui.overlays.state_of("n1") == "running"
    domain.create()  # `virsh start`
    qtbot.waitUntil(lambda: ui.overlays.state_of("r1") == "running", timeout=10000)  # events only


def test_a_host_that_sends_no_events_still_deploys_and_is_polled(qtbot, run_window, monkeypatch):
    from backend.deploy.libvirt import lifecycle

    def refuse(self, *args):
        raise RuntimeError("this driver sends no events")

    monkeypatch.setattr(lifecycle.LifecycleWatch, "__init__", refuse)
    window, controller = run_window
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)
    assert controller.session.watch is None and controller.status_timer.isActive()
    assert not controller.problems

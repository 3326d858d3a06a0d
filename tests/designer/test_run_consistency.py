"""Run mode never contradicts itself: an action is enabled only when it can work and says why not otherwise;
run failures count once with the document's problems (status bar and Problems dock agree) and leave with their
cause; the plot explains itself instead of drawing empty axes; the canvas's context menu stops, starts and
moves a deployed component."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from tests.designer.helpers import right_click
from tests.designer.test_run_mode import EXAMPLES, choose_unreachable_hosts, run_window, state_dir, toolbar_button

__all__ = ["run_window", "state_dir"]  # run mode on Figure 1's VXI1, records in the test's own folder


def _deployed(qtbot, window, controller) -> None:
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)


def test_deploy_is_refused_on_a_substrate_with_the_reason_in_its_tooltip(qtbot, run_window):
    window, controller = run_window
    deploy = window.actions_by_name["run_deploy"]
    assert deploy.isEnabled() and deploy.toolTip().startswith("Deploy the open VXI")
    assert window.open_path(str(EXAMPLES / "figure1-substrate.vxdl"), ask=False)
    assert not deploy.isEnabled()
    assert "the open document is a substrate: open a VXI to deploy it" in deploy.toolTip()
    assert toolbar_button(window, deploy).toolTip() == deploy.toolTip()  # what hovering the button shows
    deploy.trigger()  # F5 on a disabled action does nothing, and says nothing went wrong
    assert not controller.busy() and not controller.problems
    window.new_vxi()
    assert not deploy.isEnabled() and "the open VXI has no components yet" in deploy.toolTip()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    assert deploy.isEnabled()
    controller.choose_substrate(EXAMPLES / "no-such-substrate.vxdl")
    controller.ui.update_actions()
    assert not deploy.isEnabled() and "no-such-substrate.vxdl cannot be found" in deploy.toolTip()
    controller.choose_substrate(EXAMPLES / "figure1-substrate.vxdl")
    controller.ui.update_actions()
    _deployed(qtbot, window, controller)
    assert not deploy.isEnabled() and "tear it down first" in deploy.toolTip()
    teardown = window.actions_by_name["run_teardown"]
    assert teardown.isEnabled()
    traffic = window.actions_by_name["run_traffic"]
    assert not traffic.isEnabled() and "traffic needs the libvirt or netns backend" in traffic.toolTip()


def test_a_vxi_with_errors_is_not_deployed_and_its_errors_are_named(qtbot, run_window):
    from backend.model import Quantity

    window, controller = run_window
    window.editor.edit(["n1"], {"cores": Quantity.simple("count", -2)})  # an edit the validator refuses
    window.wiring.validate_now()
    assert [p.code for p in window.wiring.problems if p.severity == "error"] == ["negative-value"]
    deploy = window.actions_by_name["run_deploy"]
    assert not deploy.isEnabled()
    assert "the open VXI has 1 error: fix it first (see the Problems dock)" in deploy.toolTip()
    window.undo()
    window.wiring.validate_now()
    assert deploy.isEnabled()


def test_a_deploy_error_counts_once_and_leaves_when_another_file_opens(qtbot, run_window, tmp_path):
    window, controller = run_window
    ui = controller.ui
    choose_unreachable_hosts(controller, tmp_path)
    assert window.status_problems.text() == "No problems"
    window.actions_by_name["run_deploy"].trigger()
    problems = window.docks.problems
    qtbot.waitUntil(lambda: any(p.code == "run-deploy" for p in problems.problems()), timeout=15000)
    assert window.status_problems.text() == problems.summary() == "1 error, 0 warnings"  # one count
    assert window.status_problems.text() != "No problems"
    error = next(p for p in problems.problems() if p.code == "run-deploy").message
    assert error in ui.panel.status.text()
    window.wiring.validate_now()  # the next validation (any edit) keeps counting it
    assert window.status_problems.text() == problems.summary() == "1 error, 0 warnings"

    assert window.open_path(str(EXAMPLES / "figure1-vxi2.vxdl"), ask=False)  # its cause is gone
    assert not any(p.code.startswith("run-") for p in problems.problems())
    assert window.status_problems.text() == problems.summary()
    assert error not in ui.panel.status.text() and error not in window.statusBar().currentMessage()
    assert ui.panel.status.text().startswith("Not deployed")


def test_a_new_deployment_takes_the_last_ones_error_away(qtbot, run_window):
    from backend.model import Quantity

    window, controller = run_window
    window.document.model.components["n1"].cores = Quantity.simple("count", 64)  # no host has 64 cores
    window.actions_by_name["run_deploy"].trigger()
    problems = window.docks.problems
    qtbot.waitUntil(lambda: any(p.code == "run-deploy" for p in problems.problems()), timeout=15000)
    assert "1 error" in window.status_problems.text()
    window.document.model.components["n1"].cores = Quantity.simple("count", 1)
    window.actions_by_name["run_deploy"].trigger()
    assert not any(p.code == "run-deploy" for p in problems.problems())  # at once, not when it ends
    assert window.status_problems.text() == problems.summary() == "No problems"
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)


def test_the_plot_explains_itself_instead_of_drawing_empty_axes(qtbot, run_window):
    window, controller = run_window
    plot = controller.ui.panel.plot
    assert plot.placeholder.isVisibleTo(plot) and not plot.plot.isVisibleTo(plot)  # no 0-1 axes
    assert plot.message().startswith("Nothing is deployed")
    _deployed(qtbot, window, controller)
    qtbot.waitUntil(lambda: "no real traffic counters" in plot.message(), timeout=5000)
    assert not plot.plot.isVisibleTo(plot)
    window.actions_by_name["run_teardown"].trigger()
    qtbot.waitUntil(lambda: not controller.busy() and not controller.deployed(), timeout=15000)
    assert "no real traffic counters" not in plot.message()  # gone with the deployment it was about
    assert plot.message().startswith("Torn down") and plot.placeholder.isVisibleTo(plot)


def _right_click(qtbot, window, ident: str | None, choose: str | None = None) -> dict[str, tuple[bool, str]]:
    """Right-click a component (or the canvas when None); returns the menu's entries as
    {text: (enabled, tooltip)} and triggers `choose` when given."""
    view = window.view
    if ident is None:  # a corner of the canvas, away from every item
        point = view.viewport().rect().bottomLeft() + QPoint(5, -5)
    else:
        point = view.mapFromScene(window.scene.item_for(ident).sceneBoundingRect().center())
    return right_click(qtbot, view, point, choose)


def test_the_context_menu_stops_and_starts_a_component_and_moves_it(qtbot, run_window):
    window, controller = run_window
    ui = controller.ui
    assert "Stop r1" not in _right_click(qtbot, window, "r1")  # nothing deployed: nothing to stop
    _deployed(qtbot, window, controller)
    entries = _right_click(qtbot, window, "r1", choose="Stop r1")
    assert entries["Stop r1"][0] and not entries["Start r1"][0] and "is running" in entries["Start r1"][1]
    qtbot.waitUntil(lambda: ui.overlays.state_of("r1") == "stopped" and not controller.busy(), timeout=10000)
    deployer = controller.session.deployer
    r1 = deployer.record.find("r1")
    assert not deployer.connection(r1.host).lookupByName(r1.name).isActive()  # powered off for real
    assert ui.overlays.state_of("n1") == "running"
    assert "stopped" in ui.overlays.marks["r1"].toolTip()
    controller.refresh_status()  # a poll (or the lifecycle event) does not turn a stopped component red
    qtbot.waitUntil(lambda: not controller._status_pending, timeout=5000)
    assert ui.overlays.state_of("r1") == "stopped" and not controller.problems

    entries = _right_click(qtbot, window, "r1", choose="Start r1")
    assert not entries["Stop r1"][0] and "r1 is not running" in entries["Stop r1"][1]
    assert not entries["Migrate r1…"][0] and "start it before moving it" in entries["Migrate r1…"][1]
    qtbot.waitUntil(lambda: ui.overlays.state_of("r1") == "running" and not controller.busy(), timeout=10000)
    assert deployer.connection(r1.host).lookupByName(r1.name).isActive()

    _right_click(qtbot, window, "r1", choose="Migrate r1…")
    dialog = ui.migration_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.component_combo.currentData() == deployer.record.key_of(r1)
    dialog.close()
    on_canvas = _right_click(qtbot, window, None)
    assert on_canvas.get("Teardown", (False, ""))[0]  # the Run menu's own action, enabled


def test_a_group_is_stopped_member_by_member_from_its_entry(qtbot, make_window):
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi2.vxdl"), ask=False)
    controller = install_run_mode(window)
    try:
        _deployed(qtbot, window, controller)
        members = controller.keys_of(controller.ui.vxi_id, "workers")
        assert len(members) > 1
        entries = _right_click(qtbot, window, "workers", choose=f"Stop workers ({len(members)} members)")
        assert not entries["Migrate workers…"][0] and "member by member" in entries["Migrate workers…"][1]
        qtbot.waitUntil(lambda: controller.ui.overlays.state_of("workers") == "stopped" and not controller.busy(),
                        timeout=15000)
        assert all(controller.states[key] == "stopped" for key in members)
    finally:
        controller.shutdown()
        if controller.deployed():
            controller.session.teardown(lambda _m: None)

"""Run mode follows the deploy session's progress events: each step's line in the Run dock, each component's
mark on the canvas going through the states the events give, the failing component marked from its event."""

from __future__ import annotations

from tests.designer.test_run_mode import run_window, state_dir

__all__ = ["run_window", "state_dir"]  # run mode on Figure 1's VXI1, records in the test's own folder


def follow(controller):
    """Every Progress of the deploy job with the Run dock's status line right after it."""
    seen, done = [], []
    ui = controller.ui
    controller.progress.connect(lambda p: seen.append((p, ui.panel.status.text())))  # after the run mode's slot
    controller.job_finished.connect(lambda job, ok, message: done.append(ok) if job == "deploy" else None)
    return seen, done


def states_by_component(seen) -> dict[str, list[str]]:
    """The states each component went through, as the events gave them (repeats dropped)."""
    found: dict[str, list[str]] = {}
    for progress, _ in seen:
        if progress.component is not None:
            states = found.setdefault(progress.component, [])
            if not states or states[-1] != progress.state:
                states.append(progress.state)
    return found


def test_the_dock_and_the_marks_follow_each_progress_event(qtbot, run_window):
    window, controller = run_window
    seen, done = follow(controller)
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    assert done == [True]
    assert seen and all(status == progress.line() for progress, status in seen)
    assert any(p.step.startswith("defining domain") for p, _ in seen)
    marks = controller.ui.overlays.marks
    for key, states in states_by_component(seen).items():
        assert states == ["defined", "starting", "running"]
        assert marks[key].history == states


def test_the_component_whose_step_fails_is_marked_failed_from_its_event(qtbot, run_window, monkeypatch):
    from backend.deploy.libvirt import deployer

    good = deployer.domain_xml

    def broken_for_n3(spec):
        xml = good(spec)
        return xml.replace("<memory", "<memory unit='bogus'") if spec.component == "n3" else xml

    monkeypatch.setattr(deployer, "domain_xml", broken_for_n3)
    window, controller = run_window
    seen, done = follow(controller)
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=15000)
    assert done == [False]
    failed = [p for p, _ in seen if p.state == "failed" and p.component is not None]
    assert [p.component for p in failed] == ["n3"] and "defining domain" in failed[0].step
    overlays = controller.ui.overlays
    assert overlays.state_of("n3") == "failed"
    assert {overlays.state_of(i) for i in ("n1", "n2", "r1")} == {"defined"}
    problem = controller.problems[-1]
    assert problem.element_id == "n3" and "rolled back all" in problem.message
    for key, states in states_by_component(seen).items():
        assert overlays.marks[key].history == states

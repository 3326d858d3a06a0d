"""Run mode with damaged deployment state: a database that is not one, a record of the wrong shape, a stuck
admission lock, a vanished host, a deploy killed half-way. The window says what is wrong in one sentence (no
traceback), keeps answering, lets the user tear down, and keeps what it shows."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from backend.resources import examples_dir

EXAMPLES = examples_dir()


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Deployment records go to the test's own folder."""
    folder = tmp_path / "state"
    monkeypatch.setenv("VXI_STATE_DIR", str(folder))
    return folder


@pytest.fixture
def run_window(make_window, state_dir):
    """A window on Figure 1's VXI1 with run mode installed; whatever it deployed is removed at the end."""
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    yield window, controller
    controller.shutdown()


def run_problems(window) -> list:
    return [p for p in window.docks.problems.problems() if p.code.startswith("run-")]


def deploy(qtbot, window, controller) -> None:
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=15000)


def the_one_problem(window, *words: str) -> None:
    """The run problem listed (one), saying each of `words` in one clear sentence."""
    (problem,) = run_problems(window)
    assert all(word in problem.message for word in words), problem.message
    assert_one_clear_sentence(problem.message)


def deploys_again(qtbot, window, controller) -> None:
    """The window deploys (its cause gone) and tears down again."""
    deploy(qtbot, window, controller)
    tear_down(qtbot, controller)


def tear_down(qtbot, controller) -> None:
    controller.teardown()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)


def ids(window) -> list[str]:
    return list(window.document.model.components)


def assert_one_clear_sentence(text: str) -> None:
    assert "Traceback" not in text and "\n" not in text.strip(), text
    for raw in ("StateError:", "OperationalError", "DatabaseError:", "KeyError:", "TypeError:", "AttributeError:",
                "ValueError:"):
        assert raw not in text, text


def damage_database(state_dir) -> None:
    (state_dir / "garbage").write_bytes(b"this is not a database" * 100)
    (state_dir / "garbage").replace(state_dir / "deployments.db")  # at once: never seen half-written
    for extra in ("deployments.db-wal", "deployments.db-shm"):
        (state_dir / extra).unlink(missing_ok=True)


def test_deploy_on_a_damaged_database_says_so_and_the_window_still_deploys_once_it_is_moved(
        qtbot, run_window, state_dir):
    window, controller = run_window
    state_dir.mkdir(parents=True)
    damage_database(state_dir)
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: bool(run_problems(window)) and not controller.busy(), timeout=15000)
    the_one_problem(window, "deployments.db", "damaged")
    assert window.actions_by_name["run_deploy"].isEnabled()
    assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"defined"}
    (state_dir / "deployments.db").rename(state_dir / "damaged.db")
    deploys_again(qtbot, window, controller)


def test_a_database_damaged_while_deployed_is_said_once_and_teardown_still_works(qtbot, run_window, state_dir):
    window, controller = run_window
    deploy(qtbot, window, controller)
    record = controller.record()
    damage_database(state_dir)
    qtbot.wait(3000)  # six turns of the lease's follow (every 0.5 s), each meeting the damage
    problems = run_problems(window)
    assert len(problems) == 1 and "the deployments database is damaged" in problems[0].message, problems
    assert_one_clear_sentence(problems[0].message)
    assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"running"}  # what it shows stays
    assert window.actions_by_name["run_teardown"].isEnabled()
    window.actions_by_name["run_teardown"].trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    assert controller.ui.panel.status.text().startswith(f"deployment {record.id} torn down")
    assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"defined"}


@pytest.mark.parametrize("damage", [
    "UPDATE deployments SET details = '[1, 2]'",
    "UPDATE deployments SET details = '{\"hosts\": 7}'",
    "UPDATE components SET addresses = 'oops'",
    "UPDATE deployments SET vxis = '{}'",
    "UPDATE deployments SET backend = 'nonesuch'",
    "DELETE FROM deployments",
    "UPDATE holds SET amount = 'lots'",
])
def test_a_record_of_the_wrong_shape_is_said_and_torn_down(qtbot, run_window, state_dir, damage):
    window, controller = run_window
    deploy(qtbot, window, controller)
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute(damage)
    controller.refresh_status()
    qtbot.waitUntil(lambda: not controller._status_pending, timeout=15000)
    controller.follow_time()
    qtbot.wait(200)
    qtbot.waitUntil(lambda: not controller.busy() and not controller._time_pending, timeout=15000)
    for problem in run_problems(window):
        assert_one_clear_sentence(problem.message)
    assert [controller.ui.overlays.state_of(i) for i in ids(window)]
    window.actions_by_name["run_teardown"].trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    text = controller.ui.panel.status.text()
    assert_one_clear_sentence(text)
    for problem in run_problems(window):
        assert_one_clear_sentence(problem.message)
    from backend.cli import main
    assert main(["teardown", "--all"]) in (0, 1)


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from backend.deploy import state
    with state.admission():
        print("held", flush=True)
        time.sleep(float(sys.argv[1]))
""")


def test_a_stuck_admission_lock_keeps_the_window_answering_and_ends_in_a_sentence(
        qtbot, run_window, state_dir, monkeypatch):
    from backend.deploy import state

    window, controller = run_window
    state_dir.mkdir(parents=True)
    monkeypatch.setattr(state, "ADMISSION_WAIT_S", 2.0)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, "60"], stdout=subprocess.PIPE,
                              env={**os.environ}, cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == b"held"
        window.actions_by_name["run_deploy"].trigger()
        window.find_box.setFocus()
        qtbot.keyClicks(window.find_box, "n1")  # the window answers while the deploy waits for the lock
        assert window.find_box.text() == "n1" and controller.busy()
        qtbot.waitUntil(lambda: not controller.busy(), timeout=20000)
        the_one_problem(window, "admission lock", str(holder.pid))
        assert window.actions_by_name["run_deploy"].isEnabled()
    finally:
        holder.kill()
        holder.wait()
    deploys_again(qtbot, window, controller)


def test_a_deploy_interrupted_before_is_cleaned_and_the_window_deploys(qtbot, run_window, state_dir):
    from backend.cli import main

    window, controller = run_window
    assert main(["deploy", str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl"), "--now"]) == 0
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("UPDATE deployments SET state = 'deploying', owner_pid = 999999")
    deploy(qtbot, window, controller)
    for problem in run_problems(window):
        assert_one_clear_sentence(problem.message)
    tear_down(qtbot, controller)
    assert main(["teardown", "--all"]) == 0


def test_a_deployment_torn_down_from_the_command_line_is_not_brought_back_by_the_window(
        qtbot, run_window, state_dir, capsys):
    from backend.cli import main

    window, controller = run_window
    deploy(qtbot, window, controller)
    record = controller.record()
    assert main(["teardown", record.id]) == 0
    for _ in range(3):  # the window follows the lease every 0.5 s, and asks for the states every 5 s
        controller.follow_time()
        qtbot.waitUntil(lambda: not controller._time_pending, timeout=15000)
        controller.refresh_status()
        qtbot.waitUntil(lambda: not controller._status_pending, timeout=15000)
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    assert record.id not in out  # the window stored its record again, as running, holding nothing
    the_one_problem(window, f"deployment {record.id} is no longer in", "another command tore it down")
    assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"defined"}
    assert window.actions_by_name["run_deploy"].isEnabled() and not window.actions_by_name["run_teardown"].isEnabled()
    deploy(qtbot, window, controller)  # deploys again, and the old message goes
    assert not run_problems(window)
    tear_down(qtbot, controller)


def test_closing_the_window_while_a_deploy_waits_for_a_stuck_lock_does_not_wait_for_the_lock(
        qtbot, make_window, state_dir, monkeypatch):
    from backend.deploy import locks, state
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    state_dir.mkdir(parents=True)
    monkeypatch.setattr(state, "ADMISSION_WAIT_S", 120.0)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, "120"], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"held"
        window.actions_by_name["run_deploy"].trigger()
        qtbot.wait(500)
        assert controller.busy()
        controller.shutdown()  # what closing the window does
        assert holder.poll() is None and locks.held(state_dir / "state.lock")  # it returned while still held
    finally:
        holder.kill()
        holder.wait()


def test_a_database_damaged_as_the_deploy_ends_rolls_back_and_the_marks_say_so(
        qtbot, run_window, state_dir, monkeypatch):
    from backend.deploy import state

    window, controller = run_window
    saved = state.save

    def failing_save(record) -> None:
        if record.state == "running":
            raise state.StateError(f"{state.database_path()}: the deployments database is damaged (disk I/O error)")
        saved(record)

    monkeypatch.setattr(state, "save", failing_save)
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    the_one_problem(window, "deployments.db", "rolled back all")
    assert "running" not in {controller.ui.overlays.state_of(i) for i in ids(window)}  # all running, before
    assert window.actions_by_name["run_deploy"].isEnabled()  # greyed before: "deployment ... is up"
    monkeypatch.setattr(state, "save", saved)
    deploys_again(qtbot, window, controller)


def test_a_vanished_host_marks_its_components_unreachable_and_teardown_still_ends(qtbot, run_window, state_dir):
    window, controller = run_window
    deploy(qtbot, window, controller)
    record = controller.record()
    host = record.find("r1").host
    controller.session.deployer.close()
    (state_dir / "deployments" / record.id / f"{host}.xml").unlink()
    controller.refresh_status()
    qtbot.waitUntil(lambda: not controller._status_pending, timeout=15000)
    on_host = [i for i in ids(window) if record.find(i).host == host]
    qtbot.waitUntil(lambda: all(controller.ui.overlays.state_of(i) == "unreachable" for i in on_host), timeout=5000)
    assert f"no host file {state_dir}" in controller.ui.overlays.marks["r1"].toolTip()
    window.actions_by_name["run_teardown"].trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    assert_one_clear_sentence(controller.ui.panel.status.text())
    for problem in run_problems(window):
        assert_one_clear_sentence(problem.message)


HOLD_CLAIM = textwrap.dedent("""
    import sys, time
    from backend.deploy import state
    lock = state.claim(sys.argv[1])
    print("held", flush=True)
    time.sleep(60)
""")


def test_a_teardown_refused_while_another_command_holds_the_deployment_can_be_made_again(
        qtbot, run_window, state_dir):
    window, controller = run_window
    deploy(qtbot, window, controller)
    record = controller.record()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_CLAIM, record.id], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"held"
        window.actions_by_name["run_teardown"].trigger()
        qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
        the_one_problem(window, f"deployment {record.id} is busy: process {holder.pid}")
        assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"running"}  # still shown as it is
    finally:
        holder.kill()
        holder.wait()
    assert window.actions_by_name["run_teardown"].isEnabled()
    window.actions_by_name["run_teardown"].trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    assert controller.ui.panel.status.text().startswith(f"deployment {record.id} torn down")

"""Run mode when the deployments database changes under the window: a record deleted by hand while its objects
still run (torn down from the window by name), a record damaged while shown (said, never stored over), and the
window closing while another process holds a SQLite write."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap

from backend.deploy.backends import orphan
from tests.designer import test_run_damaged as damaged
from tests.designer.test_run_damaged import EXAMPLES, deploy, ids, run_problems, tear_down, the_one_problem

run_window, state_dir = damaged.run_window, damaged.state_dir  # the fixtures of the damaged-state tests


def follow_once(qtbot, controller) -> None:
    """What the window does every 0.5 s: follow the deployment's lease (and store its record)."""
    qtbot.waitUntil(lambda: not controller._time_pending and not controller.busy(), timeout=15000)
    controller.follow_time()
    qtbot.waitUntil(lambda: not controller._time_pending, timeout=15000)


def test_a_record_deleted_by_hand_is_said_missing_and_the_window_tears_it_down_by_name(
        qtbot, run_window, state_dir):
    window, controller = run_window
    deploy(qtbot, window, controller)
    tag = controller.record().id
    with sqlite3.connect(state_dir / "deployments.db") as db:  # by hand: its objects still run
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM deployments WHERE id = ?", (tag,))
    assert orphan(tag) is not None
    follow_once(qtbot, controller)
    the_one_problem(window, f"the record of deployment {tag} is missing from", "deployments.db",
                    "its objects still run")
    assert "another command tore it down" not in run_problems(window)[0].message
    teardown = window.actions_by_name["run_teardown"]
    assert teardown.isEnabled(), teardown.toolTip()
    teardown.trigger()
    qtbot.waitUntil(lambda: not controller.busy(), timeout=15000)
    assert orphan(tag) is None  # nothing of it is found by name any more
    assert f"deployment {tag} torn down" in controller.ui.panel.status.text()
    assert not run_problems(window) and not teardown.isEnabled()
    assert {controller.ui.overlays.state_of(i) for i in ids(window)} == {"defined"}
    deploy(qtbot, window, controller)  # and deploys again
    tear_down(qtbot, controller)


def test_a_record_damaged_while_shown_is_said_and_not_stored_over(qtbot, run_window, state_dir):
    window, controller = run_window
    deploy(qtbot, window, controller)
    tag = controller.record().id
    path = state_dir / "deployments.db"
    with sqlite3.connect(path) as db:
        db.execute("UPDATE deployments SET details = '[]' WHERE id = ?", (tag,))
    for _ in range(2):  # said once, however often it is met
        follow_once(qtbot, controller)
    the_one_problem(window, str(path), f"record of deployment {tag} is damaged", f"vxi teardown {tag}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT details FROM deployments WHERE id = ?", (tag,)).fetchone() == ("[]",)
    assert window.actions_by_name["run_teardown"].isEnabled()
    tear_down(qtbot, controller)
    assert f"deployment {tag} torn down" in controller.ui.panel.status.text()
    assert orphan(tag) is None
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM deployments").fetchone() == (0,)


HOLD_WRITE = textwrap.dedent("""
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
""")


def test_closing_the_window_while_another_process_writes_the_database_does_not_wait_for_it(
        qtbot, make_window, state_dir):
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure1-vxi1.vxdl"), ask=False)
    controller = install_run_mode(window)
    deploy(qtbot, window, controller)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE, str(state_dir / "deployments.db"), "30"],
                              stdout=subprocess.PIPE, env={**os.environ})
    try:
        assert holder.stdout.readline().strip() == b"held"
        qtbot.waitUntil(lambda: controller._time_pending, timeout=15000)  # a follow of the lease waits to store
        qtbot.wait(600)
        controller.shutdown()  # what closing the window does: it returns while the other process still writes
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.wait()
    from backend.cli import main
    assert main(["teardown", "--all"]) == 0

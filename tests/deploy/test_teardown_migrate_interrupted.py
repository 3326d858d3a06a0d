"""`vxi teardown` and `vxi migrate` stopped by Ctrl-C (SIGINT) or SIGTERM: they finish the step under way (the
deployment being removed, a move), stop there and say in one line what stays and what removes it (exit 1, no
traceback); the records, and the capacity they hold, say what runs. Other commands say SIGTERM as Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backend.resources import examples_dir
from tests.deploy.test_deploy_interrupted import HOLD_ADMISSION, HOLD_WRITE, ROOT, opened, vxi, wait_until

EXAMPLES = examples_dir()
SUBSTRATE = str(EXAMPLES / "figure1-substrate.vxdl")


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def deployed(env: dict, *vxis: str) -> list[str]:
    """The ids of one deployment of each VXI (figure1's) on the test backend."""
    return [json.loads(cli(env, "deploy", SUBSTRATE, str(EXAMPLES / f"figure1-{v}.vxdl"), "--now",
                           "--json").stdout)["id"] for v in vxis]


def holder(env: dict, script: str, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"held"
    return proc


def stopped_while_admission_held(env: dict, signum: int, *argv: str) -> tuple[int, str]:
    """The command's exit code and standard error when `signum` came while it waited for the admission lock that
    another process holds (it stops while the other still holds)."""
    lock = holder(env, HOLD_ADMISSION)
    try:
        command = vxi(env, *argv)
        path = Path(env["VXI_STATE_DIR"]) / "state.lock"
        wait_until(lambda: opened(command.pid, path) or command.poll() is not None)
        time.sleep(0.5)
        command.send_signal(signum)
        _, err = command.communicate(timeout=30)
        assert lock.poll() is None
    finally:
        lock.kill()
        lock.wait()
    return command.returncode, err


def rows(state, sql: str) -> list[tuple]:
    with sqlite3.connect(state / "deployments.db") as db:
        return db.execute(sql).fetchall()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_teardown_all_stopped_finishes_the_deployment_under_way_and_names_those_that_stay(tmp_path, signum):
    state = tmp_path / "state"
    env = {**os.environ, "VXI_STATE_DIR": str(state)}
    first, second = deployed(env, "vxi1", "vxi2")
    lock = holder(env, HOLD_WRITE, str(state / "deployments.db"))  # its record's removal waits for this
    try:
        down = vxi(env, "teardown", "--all")
        wait_until(lambda: not (state / "deployments" / first).exists() or down.poll() is not None)
        time.sleep(0.5)
        down.send_signal(signum)
        time.sleep(0.5)
    finally:
        lock.kill()
        lock.wait()
    out, err = down.communicate(timeout=60)
    assert down.returncode == 1, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"vxi teardown: interrupted by {signal.Signals(signum).name}: deployment {first} torn "
                          f"down; deployment {second} stays: `vxi teardown {second}` removes it"), err
    assert rows(state, "SELECT id FROM deployments") == [(second,)]  # the first one wholly gone, record and holds
    assert {d for (d,) in rows(state, "SELECT DISTINCT deployment FROM holds")} == {second}
    status = cli(env, "status")
    assert status.returncode == 0 and second in status.stdout and first not in status.stdout
    assert cli(env, "teardown", "--all").returncode == 0
    assert rows(state, "SELECT count(*) FROM holds") == [(0,)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_migration_stopped_before_it_moves_leaves_the_component_where_it_was(tmp_path, signum):
    state = tmp_path / "state"
    env = {**os.environ, "VXI_STATE_DIR": str(state)}
    (ident,) = deployed(env, "vxi1")
    ((source,),) = rows(state, "SELECT host FROM components WHERE id = 'n1'")
    hosts = json.loads(cli(env, "migrate", "n1", "--json").stdout)["hosts"]
    target = next(h["host"] for h in hosts if h["fits"] and h["host"] != source)
    code, err = stopped_while_admission_held(env, signum, "migrate", "n1", target)  # the check of the destination
    assert code == 1, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.strip() == (f"vxi migrate: interrupted by {signal.Signals(signum).name}: n1 stays on {source} "
                           "(nothing moved)"), err
    assert rows(state, "SELECT host FROM components WHERE id = 'n1'") == [(source,)]
    assert {h for (h,) in rows(state, "SELECT element FROM holds WHERE part LIKE '%\"n1\"%'")} == {source}
    again = cli(env, "migrate", "n1", target)
    assert again.returncode == 0, again.stderr
    assert rows(state, "SELECT host FROM components WHERE id = 'n1'") == [(target,)]
    assert cli(env, "teardown", ident).returncode == 0


def test_sigterm_stops_another_command_as_ctrl_c_does_in_one_line(tmp_path):
    state = tmp_path / "state"
    env = {**os.environ, "VXI_STATE_DIR": str(state)}
    (ident,) = deployed(env, "vxi1")
    assert stopped_while_admission_held(env, signal.SIGTERM, "extend", ident, "60") == (
        130, "vxi extend: interrupted by SIGTERM\n")
    assert cli(env, "teardown", ident).returncode == 0


AGENT_HELPER = textwrap.dedent("""
    import time
    from pyroute2.process import ChildProcess
    from backend.cli import main
    from backend.deploy.agent import Agent

    def turn(self, turns=None):  # as a netns follow opens a namespace's socket, then closes it
        helper = ChildProcess(target=time.sleep, args=[20])
        helper.run()
        time.sleep(0.5)
        began = time.monotonic()
        helper.stop()  # SIGTERM, then it waits for the helper to end
        print("helper ended", helper.exitcode, time.monotonic() - began < 10, flush=True)

    Agent.run = turn
    main(["agent"])
""")


def test_a_helper_forked_by_the_agent_ends_on_sigterm(tmp_path):
    """The agent stops on SIGTERM after its turn: a pyroute2 helper it forks must die of the SIGTERM that ends it, not
    run the agent's handler and go on while the agent waits for it."""
    env = {**os.environ, "VXI_STATE_DIR": str(tmp_path / "state")}
    done = subprocess.run([sys.executable, "-c", AGENT_HELPER], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"helper ended {-signal.SIGTERM} True"], done.stdout

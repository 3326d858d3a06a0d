"""`vxi deploy` stopped by Ctrl-C (SIGINT) or SIGTERM while it waits: for the admission lock another command
holds, or for a SQLite write another process makes. It stops while the other still holds, leaves nothing
deployed and says so in one line (exit 1, no traceback)."""

from __future__ import annotations

import contextlib
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

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = examples_dir()

HOLD_ADMISSION = textwrap.dedent("""
    import time
    from backend.deploy import state
    with state.admission():
        print("held", flush=True)
        time.sleep(30)
""")

HOLD_WRITE = textwrap.dedent("""
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    time.sleep(30)
""")


def vxi(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    """The command, with Ctrl-C as in a terminal (a test run in the background ignores it, and so would its child)."""
    return subprocess.Popen([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)


def opened(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (it is waiting for the lock on it)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(folder / fd) == str(path) for fd in os.listdir(folder))
    except OSError:
        return False


def wait_until(test, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("wait", ["admission", "write"])
def test_a_deploy_stopped_while_it_waits_stops_rolls_back_and_says_so(tmp_path, signum, wait):
    state = tmp_path / "state"
    env = {**os.environ, "VXI_STATE_DIR": str(state)}
    assert subprocess.run([sys.executable, "-m", "backend.cli", "status"], cwd=ROOT, env=env,
                          capture_output=True).returncode == 0  # the database exists
    script, arg = (HOLD_ADMISSION, []) if wait == "admission" else (HOLD_WRITE, [str(state / "deployments.db")])
    holder = subprocess.Popen([sys.executable, "-c", script, *arg], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"held"
        deploy = vxi(env, "deploy", str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl"),
                     "--now")
        if wait == "admission":
            wait_until(lambda: opened(deploy.pid, state / "state.lock"))
        else:  # it holds the admission lock, embeds, and waits to store its reservation
            wait_until(lambda: opened(deploy.pid, state / "state.lock") or deploy.poll() is not None)
        time.sleep(1.0)
        deploy.send_signal(signum)
        out, err = deploy.communicate(timeout=25)
        assert holder.poll() is None  # it stopped while the other still held
    finally:
        holder.kill()
        holder.wait()
    assert deploy.returncode == 1, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"vxi deploy: interrupted by {signal.Signals(signum).name}"), err
    assert "nothing of the deployment is left" in err, err
    status = subprocess.run([sys.executable, "-m", "backend.cli", "status", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    found = json.loads(status.stdout)
    assert found["deployments"] == [] and found["unrecorded"] == [] and found["damaged"] == []
    with sqlite3.connect(state / "deployments.db") as db:
        assert db.execute("SELECT count(*) FROM holds").fetchone() == (0,)


HELPER_ENDED = textwrap.dedent("""
    import os, time
    from pyroute2.process import ChildProcess
    from backend.cli.interrupt import stopped_by_signals
    parent = os.getpid()
    try:
        with stopped_by_signals():  # as while `vxi deploy` runs
            helper = ChildProcess(target=time.sleep, args=[20])  # how pyroute2 opens a namespace's socket
            helper.run()
            time.sleep(0.5)
            helper.stop()  # SIGTERM, then it waits for the helper to end
            print("helper ended", helper.exitcode, flush=True)
    except BaseException as exc:
        if os.getpid() != parent:  # the helper went on with its parent's work
            print("helper went on:", repr(exc), flush=True)
            os._exit(7)
        raise
""")


def test_a_helper_process_forked_during_a_deploy_ends_on_sigterm():
    """pyroute2 forks a helper into a namespace and ends it with SIGTERM: it must die, not run the deploy's rollback
    (and the rest of its caller) while its parent waits for it (a parallel test run hung 300 s in a netns deploy)."""
    done = subprocess.run([sys.executable, "-c", HELPER_ENDED], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"helper ended {-signal.SIGTERM}"], done.stdout


@pytest.mark.root
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_netns_deploy_stopped_while_it_creates_its_namespaces_removes_them_and_says_so(tmp_path, signum):
    from backend.deploy.netns import kernel

    state = tmp_path / "state"
    env = {**os.environ, "VXI_STATE_DIR": str(state)}
    deploy = vxi(env, "deploy", str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl"),
                 "--backend", "netns", "--now")
    prefix = ""

    def creating() -> bool:  # its reservation is stored and its first namespace made (or it ended)
        nonlocal prefix
        with contextlib.suppress(sqlite3.Error), \
                contextlib.closing(sqlite3.connect(f"file:{state / 'deployments.db'}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT id FROM deployments").fetchone()
            prefix = f"vxi{row[0]}-" if row else prefix
        return bool(prefix and kernel.namespaces(prefix)) or deploy.poll() is not None

    try:
        wait_until(creating)
        deploy.send_signal(signum)
        out, err = deploy.communicate(timeout=120)
    finally:
        deploy.kill()
        left = kernel.namespaces(prefix) if prefix else []
        subprocess.run([sys.executable, "-m", "backend.cli", "teardown", "--all"], cwd=ROOT, env=env,
                       capture_output=True, timeout=120)
    assert deploy.returncode == 1, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"vxi deploy: interrupted by {signal.Signals(signum).name}"), err
    assert "nothing of the deployment is left" in err, err
    assert left == []

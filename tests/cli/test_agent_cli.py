"""`vxi agent`: one per state directory, its clock speed kept, its systemd unit; `vxi extend` input."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

from backend.deploy import state
from backend.deploy.agent import Agent


def test_one_agent_at_a_time_and_the_speed_it_sets_stays_in_the_database(vxi):
    lines: list[str] = []
    first = Agent(60, lines.append)
    thread = threading.Thread(target=first.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "agent started" in lines[0] and "clock ×60" in lines[0]
        code, _, err = vxi("agent", "--turns", "1")
        assert code == 1 and "an agent runs already" in err
        code, out, _ = vxi("status", "--json")
        assert '"agent": ' in out and '"speed": 60.0' in out
    finally:
        first.stop()
        thread.join(10)
    assert "agent stopped" in lines[-1]
    before = state.clock()
    code, out, _ = vxi("agent", "--turns", "1")  # no speed given: it goes on on the clock as it is
    assert code == 0 and "clock ×60" in out
    assert state.clock() == before and before.now() > time.time() + 1


def test_bad_speed_and_duration_are_refused_in_one_line(vxi):
    code, _, err = vxi("agent", "--speed", "0")
    assert code == 2 and "--speed must be positive" in err
    code, _, err = vxi("extend", "nothere", "PT1H")
    assert code == 2 and "no deployment 'nothere'" in err


def test_the_systemd_unit_runs_this_agent_on_this_state_directory(vxi, tmp_path, state_dir):
    code, out, _ = vxi("agent", "--unit")
    assert code == 0
    assert "\nExecStart=" in out and out.split("ExecStart=")[1].split("\n")[0].endswith(" agent")
    assert f"Environment=VXI_STATE_DIR={state_dir}" in out and "WantedBy=multi-user.target" in out
    if shutil.which("systemd-analyze"):
        unit = tmp_path / "vxi-agent.service"
        unit.write_text(out)
        result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_the_agent_stops_on_sigterm_whenever_it_comes(tmp_path):
    """The signal handlers set the agent's threading.Event: one that interrupted the main thread while it held that
    Event's lock waited for the lock forever (seen once in a full run: SIGTERM, no "agent stopped", the process
    left behind), and a storm of nudges (SIGUSR1, `vxi deploy`'s) nested handlers into a RecursionError (exit 3,
    then killed by the next nudge). Nudges landing at every point of the loop, then SIGTERM: it stops cleanly."""
    import os
    import signal
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "VXI_STATE_DIR": str(tmp_path / "state")}
    agent = subprocess.Popen([sys.executable, "-m", "backend.cli", "agent"], cwd=root, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "agent started" in agent.stdout.readline()
        for _ in range(4000):
            agent.send_signal(signal.SIGUSR1)
            time.sleep(0.0005)
        agent.send_signal(signal.SIGTERM)
        out, _ = agent.communicate(timeout=60)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait(10)
    assert agent.returncode == 0 and "agent stopped" in out

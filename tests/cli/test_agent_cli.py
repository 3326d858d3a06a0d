"""`vxi agent`: one per state directory, its clock speed kept, its systemd unit; `vxi extend` input."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time

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

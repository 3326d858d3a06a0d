"""The guest's exec agent, run here with the machine's /bin/sh on a pseudo-terminal in place of its
virtio-serial port: it answers the guest agent protocol libvirt speaks, line by line."""

from __future__ import annotations

import base64
import json
import os
import pty
import subprocess
import time
import tty

import pytest

from backend.guest import scripts


@pytest.fixture
def agent(tmp_path):
    master, slave = pty.openpty()
    tty.setraw(slave)
    (tmp_path / "agent.sh").write_text(scripts.AGENT)
    proc = subprocess.Popen(["sh", str(tmp_path / "agent.sh")], env=dict(
        os.environ, VXI_AGENT_DEVICE=os.ttyname(slave), VXI_AGENT_DIR=str(tmp_path / "work")))

    def ask(command: dict) -> dict:
        os.write(master, (json.dumps(command) + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            answer += os.read(master, 65536)
        return json.loads(answer)

    yield ask
    proc.kill()
    proc.wait()
    os.close(master)
    os.close(slave)


def run(ask, script: bytes) -> dict:
    arguments = {"path": "/bin/sh", "arg": ["-s"], "capture-output": True,
                 "input-data": base64.b64encode(script).decode()}
    pid = ask({"execute": "guest-exec", "arguments": arguments})["return"]["pid"]
    for _ in range(200):
        status = ask({"execute": "guest-exec-status", "arguments": {"pid": pid}})["return"]
        if status["exited"]:
            return status
        time.sleep(0.02)
    raise AssertionError("the command never ended")


def test_sync_and_ping_answer_as_libvirt_expects(agent):
    assert agent({"execute": "guest-sync", "arguments": {"id": 1796543548052}}) == {"return": 1796543548052}
    assert agent({"execute": "guest-ping"}) == {"return": {}}
    assert agent({"execute": "guest-shutdown"})["error"]["class"] == "CommandNotFound"


def test_exec_returns_exit_code_and_both_outputs(agent):
    status = run(agent, b"echo 'out \"quoted\"'; echo err >&2; exit 3")
    assert status["exitcode"] == 3
    assert base64.b64decode(status["out-data"]) == b'out "quoted"\n'
    assert base64.b64decode(status["err-data"]) == b"err\n"
    assert agent({"execute": "guest-exec-status", "arguments": {"pid": 1}})["error"]["class"] == "InvalidParameter"


def test_a_command_still_running_is_reported_so_and_a_large_output_comes_whole(agent):
    pid = agent({"execute": "guest-exec", "arguments": {"path": "/bin/sh", "capture-output": True,
                                                        "input-data": base64.b64encode(b"sleep 1").decode()}})
    assert agent({"execute": "guest-exec-status", "arguments": pid["return"]})["return"] == {"exited": False}
    status = run(agent, b"seq 1 20000")
    assert base64.b64decode(status["out-data"]).split() == [str(i).encode() for i in range(1, 20001)]

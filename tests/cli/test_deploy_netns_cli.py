"""`vxi deploy --backend netns`, `vxi exec` (as Mininet's `h1 ping h2`), status and teardown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy import state
from backend.deploy.netns import kernel
from backend.deploy.record import new_tag
from tests.deploy.conftest import EXAMPLES

pytestmark = [pytest.mark.root]


def _deploy_figure6(capfd) -> dict:
    """Deploys Figure 6's VXI a on the netns backend; its JSON record."""
    code = main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl"),
                 "--backend", "netns", "--json"])
    out, err = capfd.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_exec_runs_inside_a_component_and_teardown_removes_every_namespace(capfd):
    record = _deploy_figure6(capfd)
    prefix = f"vxi{record['id']}-"
    try:
        assert main(["exec", "a1", "--", "ip", "-4", "route"]) == 0
        assert "default via 10.0.1.1" in capfd.readouterr().out
        assert main(["exec", "ra", "--", "sysctl", "-n", "net.ipv4.ip_forward"]) == 0
        assert capfd.readouterr().out.strip() == "1"
        script = "import socket,sys; socket.create_connection((sys.argv[1], 9), 2)"
        code = main(["exec", "a1", "--", "python3", "-c", script, "a5"])  # a5 becomes its address
        assert "ConnectionRefusedError" in capfd.readouterr().err  # a5 answered: no timeout, a refusal
        assert code == 1
        assert main(["status", "--json"]) == 0
        dep = next(d for d in json.loads(capfd.readouterr().out)["deployments"] if d["id"] == record["id"])
        assert dep["backend"] == "netns" and dep["components"]["ra"]["state"] == "running"
    finally:
        assert main(["teardown", record["id"]]) == 0
    assert f"deployment {record['id']} torn down" in capfd.readouterr().out
    assert kernel.namespaces(prefix) == []


SLOW_DEPLOY = """
import sys, time
from backend.deploy.netns import deployer
create = deployer.NetnsDeployer._component
def slowly(self, *args, **kwargs):
    create(self, *args, **kwargs)
    print("created", flush=True)
    time.sleep(120)
deployer.NetnsDeployer._component = slowly
from backend.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_deploy_is_cleaned_by_the_next_and_a_damaged_database_never_hides_what_runs(capfd, state_dir):
    files = [str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl")]
    root = Path(__file__).resolve().parents[2]
    killed = subprocess.Popen([sys.executable, "-c", SLOW_DEPLOY, "deploy", *files, "--backend", "netns"],
                              cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, text=True)
    try:
        assert killed.stdout.readline() == "created\n"
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
    (interrupted,) = state.load_all()
    left = kernel.namespaces(interrupted.prefix)
    assert interrupted.state == "interrupted" and len(left) > 3  # fabric, hosts, a first component
    code = main(["deploy", *files, "--backend", "netns", "--json"])
    out, err = capfd.readouterr()
    assert code == 0, err
    prefix = f"vxi{json.loads(out)['id']}-"
    try:
        assert kernel.namespaces(interrupted.prefix) == [] and len(state.load_all()) == 1  # cleaned first
        (state_dir / "deployments.db").write_bytes(b"\0" * 8192)  # the database damaged
        assert main(["status"]) == 1
        out, err = capfd.readouterr()
        assert out == "" and "the deployments database is damaged" in err and "no deployments" not in err
    finally:
        main(["teardown", prefix[3:-1]])  # found by its name
    out, err = capfd.readouterr()
    assert f"deployment {prefix[3:-1]} torn down" in out and "damaged" in err
    assert kernel.namespaces(prefix) == []


def test_components_of_a_vanished_host_are_missing_and_teardown_removes_the_rest(capfd):
    record = _deploy_figure6(capfd)
    prefix = f"vxi{record['id']}-"
    try:
        host = record["components"]["a2"]["host"]
        assert kernel.delete_namespace(record["hosts"][host])  # the host (dom0) vanished: a2 is cut off
        assert main(["status", record["id"], "--json"]) == 0
        components = json.loads(capfd.readouterr().out)["deployments"][0]["components"]
        assert {k for k, c in components.items() if c["state"] == "missing"} == {
            k for k, c in components.items() if c["host"] == host} >= {"a2"}  # a2 was "running" before
    finally:
        assert main(["teardown", record["id"]]) == 0
    assert kernel.namespaces(prefix) == []


def test_status_and_teardown_all_leave_other_state_directories_namespaces(capfd, state_dir):
    other = f"vxi{new_tag()}-fabric"  # a deployment of another state directory (another user, another test)
    kernel.create_namespace(other)
    try:
        ours = _deploy_figure6(capfd)["id"]
        assert main(["status"]) == 0
        assert other[3:].partition("-")[0] not in capfd.readouterr().out  # listed as ours "(no record)" before
        (state_dir / "deployments.db").write_bytes(b"\0" * 8192)
        assert main(["teardown", "--all"]) == 1
        out, err = capfd.readouterr()
        assert f"deployment {ours} torn down" in out and "the deployments database is damaged" in err
        assert kernel.namespaces(f"vxi{ours}-") == []
        assert kernel.namespace_exists(other)  # it was torn down too
        assert f"deployment {other[3:].partition('-')[0]}: objects named after it found, not made from" in out
    finally:
        kernel.delete_namespace(other)

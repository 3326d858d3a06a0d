"""`vxi deploy --backend netns`, `vxi exec` (as Mininet's `h1 ping h2`), status and teardown."""

from __future__ import annotations

import json

import pytest

from backend.cli import main
from backend.deploy.netns import kernel
from tests.deploy.conftest import EXAMPLES

pytestmark = [pytest.mark.root]


def test_exec_runs_inside_a_component_and_teardown_removes_every_namespace(capfd):
    code = main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl"),
                 "--backend", "netns", "--json"])
    out, err = capfd.readouterr()
    assert code == 0, err
    record = json.loads(out)
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

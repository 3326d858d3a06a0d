"""`vxi deploy | status | migrate | teardown | exec` as a user types them (test backend)."""

from __future__ import annotations

import json
import sqlite3

from backend.cli import main
from backend.deploy import state
from tests.deploy.conftest import EXAMPLES


def vxi(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def deploy_figure1(capsys) -> dict:
    code, out, err = vxi(capsys, "deploy", EXAMPLES / "figure1-substrate.vxdl", EXAMPLES / "figure1-vxi1.vxdl",
                         EXAMPLES / "figure1-vxi2.vxdl", "--json")
    assert code == 0, err
    return json.loads(out)


def test_deploy_records_in_the_database_and_status_json_lists_components(capsys, state_dir):
    record = deploy_figure1(capsys)
    assert record["backend"] == "test" and record["state"] == "running"
    with sqlite3.connect(state_dir / "deployments.db") as db:
        assert db.execute("SELECT state FROM deployments WHERE id = ?", (record["id"],)).fetchall() == [("running",)]
    code, out, _ = vxi(capsys, "status", "--json")
    assert code == 0
    (dep,) = json.loads(out)["deployments"]
    assert dep["id"] == record["id"] and dep["backend"] == "test"
    r1 = dep["components"]["r1"]
    assert r1["state"] == "running" and r1["addresses"] == ["10.0.1.1/24", "10.0.2.1/24", "10.0.3.1/24"]
    assert set(dep["components"]) == {"n1", "n2", "r1", "n3", "m1", "workers#0", "workers#1", "workers#2",
                                      "store"}


def test_text_output_names_the_deployment_and_each_component(capsys):
    code, out, _ = vxi(capsys, "deploy", EXAMPLES / "figure6-substrate.vxdl", EXAMPLES / "figure6-vxi-a.vxdl")
    assert code == 0
    assert out.startswith("deployment ") and "(test backend, running)" in out
    assert any(line.split()[:2] == ["ra", "router"] for line in out.splitlines())


def test_migrate_then_teardown_from_later_commands(capsys, state_dir):
    record = deploy_figure1(capsys)
    code, out, _ = vxi(capsys, "migrate", "r1", "P1")
    assert code == 0 and "r1 moved from" in out and "(cold)" in out
    _, out, _ = vxi(capsys, "status", "--json")
    assert json.loads(out)["deployments"][0]["components"]["r1"]["host"] == "P1"
    code, out, _ = vxi(capsys, "teardown")
    assert code == 0 and f"deployment {record['id']} torn down" in out
    _, out, _ = vxi(capsys, "status", "--json")
    assert json.loads(out) == {"deployments": [], "damaged": []}
    assert list((state_dir / "deployments").iterdir()) == []


def test_bad_input_gets_one_line_and_an_exit_code(capsys, tmp_path):
    code, _, err = vxi(capsys, "deploy", tmp_path / "nope.vxdl", EXAMPLES / "figure1-vxi1.vxdl")
    assert code == 2 and err.count("\n") == 1 and "nope.vxdl" in err
    code, _, err = vxi(capsys, "migrate", "ghost", "P1")
    assert code == 2 and "no component 'ghost'" in err
    deploy_figure1(capsys)
    code, _, err = vxi(capsys, "exec", "r1", "--", "true")
    assert code == 2 and "needs the libvirt or netns backend" in err
    code, _, err = vxi(capsys, "migrate", "r1", "P9")
    assert code == 1 and "P9" in err


def test_netns_without_privileges_says_what_it_needs_and_leaves_no_record(capsys, monkeypatch, state_dir):
    from backend.deploy.netns import kernel

    monkeypatch.setattr(kernel, "can_manage", lambda: (False, "the netns backend needs root (run it with sudo)"))
    code, _, err = vxi(capsys, "deploy", EXAMPLES / "figure6-substrate.vxdl", EXAMPLES / "figure6-vxi-a.vxdl",
                       "--backend", "netns")
    assert code == 1 and "needs root" in err and err.count("\n") == 1
    assert state.load_all() == []

"""`vxi traffic` on a real netns deployment: start flows, list them, stop them, bad names refused."""

import json

import pytest

from backend.cli import main
from backend.resources import examples_dir

EXAMPLES = examples_dir()
pytestmark = pytest.mark.root


@pytest.fixture
def deployment(root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path))
    code = main(["deploy", str(EXAMPLES / "figure6-substrate.vxdl"), str(EXAMPLES / "figure6-vxi-a.vxdl"),
                 "--backend", "netns", "--json"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    yield record["id"]
    main(["traffic", "stop", "--deployment", record["id"]])
    main(["teardown", record["id"]])


def test_flows_start_run_and_stop_with_their_figures(deployment, capsys):
    assert main(["traffic", "start", "a1", "a5", "--protocol", "udp", "--rate", "20M"]) == 0
    assert "flow f1: a1 -> a5" in capsys.readouterr().out
    assert main(["traffic", "start", "a2", "a6", "--deployment", deployment]) == 0
    capsys.readouterr()
    assert main(["traffic", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["flows"]
    assert [(f["id"], f["state"]) for f in listed] == [("f1", "running"), ("f2", "running")]
    assert main(["traffic", "stop", "f1", "--json"]) == 0
    stopped = json.loads(capsys.readouterr().out)["flows"][0]
    assert stopped["state"] == "finished"
    assert stopped["result"]["sent_bps"] == pytest.approx(20e6, rel=0.2)
    assert stopped["result"]["interrupted"] is True
    assert main(["traffic", "stop"]) == 0
    out = capsys.readouterr().out
    assert "f2" in out and "TCP" in out and "Mbit/s sent over" in out


def test_unknown_component_is_named(deployment, capsys):
    assert main(["traffic", "start", "a1", "nope"]) == 2
    assert "has no component 'nope'" in capsys.readouterr().err

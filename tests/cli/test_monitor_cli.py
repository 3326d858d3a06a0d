"""`vxi monitor` as a user types it: live rates of a netns deployment carrying a flow; clear refusals."""

import json

import pytest

from backend.cli import main
from backend.resources import examples_dir

EXAMPLES = examples_dir()


def vxi(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def netns_deployment(root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path))
    code, out, err = vxi(capsys, "deploy", EXAMPLES / "figure6-substrate.vxdl", EXAMPLES / "figure6-vxi-a.vxdl",
                         "--backend", "netns", "--json")
    assert code == 0, err
    deployment = json.loads(out)["id"]
    yield deployment
    main(["traffic", "stop", "--deployment", deployment])
    main(["teardown", deployment])


@pytest.mark.root
def test_the_router_carrying_a_flow_shows_its_rate_in_and_out(netns_deployment, capsys):
    assert vxi(capsys, "traffic", "start", "a1", "a5", "--protocol", "udp", "--rate", "20M", "--seconds", "8")[0] == 0
    code, out, err = vxi(capsys, "monitor", "--count", "3", "--interval", "0.5", "--component", "ra", "--json")
    assert code == 0, err
    samples = [json.loads(line) for line in out.splitlines()]
    assert len(samples) == 3 and [s["time_s"] for s in samples] == sorted(s["time_s"] for s in samples)
    last = samples[-1]["rates"]
    assert {r["component"] for r in last} == {"ra"} and {r["host"] for r in last} == {"core1"}
    received = max(r["rx_bps"] for r in last)
    sent = max(r["tx_bps"] for r in last)
    assert received == pytest.approx(20e6, rel=0.25)  # in through one port ...
    assert sent == pytest.approx(20e6, rel=0.25)  # ... out through another
    code, out, _ = vxi(capsys, "monitor", netns_deployment, "--count", "1", "--interval", "0.5")
    header, *lines = out.splitlines()
    assert header.startswith(f"deployment {netns_deployment} (netns backend)")
    assert any(line.split()[2] == "a1" and "Mbit/s" in line for line in lines)  # the sender too, without --component


@pytest.mark.root
def test_an_unknown_component_is_named(netns_deployment, capsys):
    code, _, err = vxi(capsys, "monitor", "--component", "nope", "--count", "1")
    assert code == 2 and "has no component 'nope'" in err


def test_the_test_driver_says_it_has_no_real_counters(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path))
    code, out, err = vxi(capsys, "deploy", EXAMPLES / "figure1-substrate.vxdl", EXAMPLES / "figure1-vxi1.vxdl",
                         "--json")
    assert code == 0, err
    deployment = json.loads(out)["id"]
    try:
        code, out, err = vxi(capsys, "monitor", "--count", "1")
        assert code == 2 and out == ""
        assert err.startswith(f"vxi monitor: deployment {deployment} (test)") and "counters" in err
    finally:
        main(["teardown", deployment])


def test_nothing_running_and_a_bad_interval_are_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path))
    code, _, err = vxi(capsys, "monitor")
    assert code == 2 and "no running deployment" in err
    with pytest.raises(SystemExit):
        main(["monitor", "--interval", "0.01"])
    assert "at least 0.1 s" in capsys.readouterr().err

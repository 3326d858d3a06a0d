"""Short runs of the paper's experiments on real namespaces: fair sharing, latency, a router's move.

The machine is shared and small, so the bounds are wider than the acceptance runs' (see
docs/experiments.md for full-length figures)."""

import json

import pytest

from backend.cli import main
from backend.deploy.netns import kernel
from backend.experiments.lab import leftover_namespaces
from backend.experiments.latency import run_latency
from backend.experiments.migration import run_migration
from backend.experiments.sharing import run_sharing

pytestmark = [pytest.mark.root, pytest.mark.slow]


def test_sharing_gives_each_router_its_fair_part(root):
    before = set(leftover_namespaces())
    result = run_sharing([1, 2], "udp", 100e6, seconds=2.0, small_rounds=1)
    two = result["results"][1]
    assert two["routers"] == 2 and len(two["per_router_bps"]) == 2
    for share in two["share_of_fair"]:
        assert 0.75 < share < 1.25
    assert two["jain"] >= 0.95
    assert result["linux"]["large"]["bps"] > 0.75 * 100e6
    assert result["ratio_to_linux"]["small"] > 0.3
    assert set(leftover_namespaces()) <= before  # this run left none of its own


def test_latency_reports_idle_and_busy_round_trips(root):
    before = set(leftover_namespaces())
    result = run_latency([2], 100e6, probes=30)
    row = result["results"][0]
    assert row["routers"] == 2 and row["idle_ms"] > 0 and row["busy_ms"] > 0
    assert row["busy"]["neighbours_bps"] > 0.5 * 100e6  # the neighbour really was busy
    assert result["linux"]["idle_ms"] > 0
    assert set(leftover_namespaces()) <= before  # this run left none of its own


def test_migration_doubles_the_moved_routers_throughput(root):
    before = set(kernel.namespaces("vxi"))
    result = run_migration(duration=9.0, capacity_bps=100e6)
    assert result["ratio"] > 1.5
    assert result["outage_s"] is not None and result["outage_s"] < 1.0
    assert result["series"] and all(v >= 0 for _, v in result["series"])
    assert [label for _, label in result["markers"]] == ["rb leaves core1", "rb on core2"]
    assert set(kernel.namespaces("vxi")) <= before


def test_cli_prints_json_and_writes_the_plot(root, tmp_path, capsys):
    plot = tmp_path / "sharing.png"
    code = main(["experiment", "sharing", "--routers", "1", "--seconds", "1", "--capacity", "50M",
                 "--small-rounds", "1", "--json", "--plot", str(plot)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["routers"] == 1 and "linux" in data
    assert plot.read_bytes()[:4] == b"\x89PNG"

"""What each experiment prints: the paper's tables in text, from the runs kept in docs/plots."""

import json
from pathlib import Path

import pytest

from backend.experiments import tables

pytestmark = pytest.mark.anywhere  # reads kept runs only

KEPT = Path(__file__).resolve().parents[2] / "docs" / "plots"


def _text(name: str) -> list[str]:
    return tables.text(json.loads((KEPT / f"{name}.json").read_text())).splitlines()


def test_sharing_prints_table_one_and_the_ratio_to_plain_linux():
    lines = _text("sharing-udp")
    assert lines[0].startswith("Sharing one host of 100 Mbit/s (UDP, 1500-byte packets, 5 s per run")
    rows = {line.split()[0]: line.split() for line in lines[2:6]}
    assert rows["2"][1:] == ["50.0", "49.9", "49.9", "99.9", "1.000"]
    assert len(rows["8"]) == 1 + 1 + 8 + 2
    assert "virtual / plain Linux: 1500 B 101%, 64 B 93% (routers attached by macvlan" in "\n".join(lines)


def test_latency_prints_table_two():
    lines = _text("latency")
    assert lines[2].split() == ["1", "0", "0.204/0.180/0.282", "0.360/0.203/1.252"]
    assert "plain Linux: 0.325/0.207/0.344 ms" in lines


def test_migration_prints_the_move_in_numbers():
    lines = _text("migration")
    assert lines[0] == "Moving rb from core1 to core2 at t = 20.0 s (TCP, hosts of 100 Mbit/s, 60 s)"
    assert "after the move:  92.0 Mbit/s  (x2.02; paper: about x2)" in lines[2]
    assert "data-path outage 59.1 ms" in lines[4]

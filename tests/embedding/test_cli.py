"""`vxi embed` and `vxi replan` on real VXDL files: exit codes, JSON, tables, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.cli import main
from backend.resources import examples_dir
from backend.vxdl import write_file
from tests.embedding.builders import line, node, vlink, vxi

EXAMPLES = examples_dir()
SUBSTRATE = str(EXAMPLES / "figure1-substrate.vxdl")
VXI1, VXI2 = str(EXAMPLES / "figure1-vxi1.vxdl"), str(EXAMPLES / "figure1-vxi2.vxdl")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_embed_json_of_the_figure1_example(capsys):
    code, out, _ = run(capsys, "embed", SUBSTRATE, VXI1, VXI2, "--json")
    assert code == 0
    data = json.loads(out)
    assert [r["id"] for r in data["requests"]] == ["VXI1", "VXI2"]
    for request in data["requests"]:
        assert request["accepted"] and request["reason"] is None
        assert request["window"][1] > request["window"][0]
        assert request["source"].endswith(".vxdl")
        for placed in request["links"].values():
            assert all(d in ("forward", "reverse") for _, d in placed["path"])
    assert any("#0" in comp for comp in data["requests"][1]["nodes"])
    assert set(data["utilisation"]) == {"hosts", "links"}


def test_embed_table_and_exit_1_when_a_request_is_refused(tmp_path, capsys):
    sub_file, req_file = tmp_path / "sub.vxdl", tmp_path / "big.vxdl"
    write_file(line(2, cores=4), sub_file)
    write_file(vxi("big", [node("x", 6, location="s0"), node("y", 1, location="s1")], [vlink("l", "x", "y", 10)]),
               req_file)
    code, out, _ = run(capsys, "embed", str(sub_file), str(req_file), "--algorithm", "greedy")
    assert code == 1
    assert "✗ big: refused" in out
    assert "node 'x' needs 6 cores, but no host it may use at location 's0' is that big" in out
    assert "the largest has 4 cores in all" in out
    assert "0 of 1 request accepted" in out


def test_embed_missing_file_is_one_line_exit_2(capsys):
    code, _, err = run(capsys, "embed", SUBSTRATE, "/nonexistent/request.vxdl")
    assert code == 2
    assert err.count("\n") == 1 and "/nonexistent/request.vxdl" in err


def test_embed_refuses_a_substrate_given_as_a_request(capsys):
    code, _, err = run(capsys, "embed", SUBSTRATE, SUBSTRATE)
    assert code == 2 and "not a VXI request" in err


@pytest.fixture
def mapping_file(tmp_path, capsys) -> Path:
    code, out, _ = run(capsys, "embed", SUBSTRATE, VXI1, "--json")
    assert code == 0
    path = tmp_path / "mapping.json"
    path.write_text(out)
    return path


def test_replan_remove_host_prints_the_moves(mapping_file, capsys):
    data = json.loads(mapping_file.read_text())
    busy = data["requests"][0]["nodes"]
    host = next(iter(busy.values()))
    code, out, _ = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--remove-host", host)
    assert code == 0
    assert out.startswith("case III, a host leaves:")
    moved = [c for c, h in busy.items() if h == host]
    for comp in moved:
        assert any(line.split()[:3] == ["VXI1", comp, host] for line in out.splitlines())


def test_replan_add_and_grow_as_json(mapping_file, capsys):
    code, out, _ = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--add", VXI2, "--json")
    assert code == 0
    plan = json.loads(out)
    assert plan["case"] == "II" and plan["feasible"]
    assert [r["id"] for r in plan["mapping"]["requests"]] == ["VXI1", "VXI2"]
    code, out, _ = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--grow", "VXI1=1.5", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["case"] == "I" and plan["migrations"] == len(plan["moves"])


def test_replan_bad_arguments_are_clear(mapping_file, tmp_path, capsys):
    code, _, err = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--grow", "VXI1=lots")
    assert code == 2 and "ID=FACTOR" in err
    code, _, err = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--grow", "nobody=2")
    assert code == 2 and "no running VXI 'nobody'" in err
    junk = tmp_path / "junk.json"
    junk.write_text("{\"hello\": 1}")
    code, _, err = run(capsys, "replan", SUBSTRATE, str(junk), "--remove-host", "P1")
    assert code == 2 and "not a mapping written by vxi embed --json" in err


def test_replan_at_needs_remove_host_and_a_date(mapping_file, capsys):
    code, _, err = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--grow", "VXI1=2", "--at", "2026-12-01T10:00")
    assert code == 2 and "--at goes with --remove-host" in err
    code, _, err = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--remove-host", "P3", "--at", "teatime")
    assert code == 2 and "'teatime'" in err
    code, out, _ = run(capsys, "replan", SUBSTRATE, str(mapping_file), "--remove-host", "P3",
                       "--at", "2026-12-01T10:00:00", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["case"] == "III"
    assert all(m["from"] == "P3" for m in plan["moves"])


def test_embed_table_shows_hosts_and_paths(tmp_path, capsys):
    sub_file, req_file = tmp_path / "sub.vxdl", tmp_path / "pair.vxdl"
    write_file(line(3), sub_file)
    write_file(vxi("pair", [node("x", location="s0"), node("y", location="s2")], [vlink("l", "x", "y", 10)]), req_file)
    code, out, _ = run(capsys, "embed", str(sub_file), str(req_file))
    assert code == 0
    assert "✓ pair: accepted" in out
    assert "link l: h0 →p0→ h1 →p1→ h2 (10 Mbit/s / 10 Mbit/s)" in out
    assert "1 of 1 request accepted" in out

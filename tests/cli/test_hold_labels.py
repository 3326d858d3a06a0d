"""What a component holds on its host is labelled by its VXI and its id apart: ids holding '/' (VXI 'a' with
component 'b/c', VXI 'a/b' with component 'c') once gave both the label 'a/b/c', so moving one moved the other's
hold, and the next deploy was admitted on capacity still in use. Labels of an older database still read."""

from __future__ import annotations

import json
import sqlite3

from backend.deploy import state
from backend.vxdl import write_file
from tests.embedding.builders import host, node, plink, substrate, vlink
from tests.embedding.builders import vxi as make_vxi


def _held_cores(holds) -> list[tuple[tuple[str, str], str]]:
    return sorted((h.part, h.element) for h in holds if h.part and h.dimension == "cores")


def test_a_moved_component_moves_only_its_own_hold(tmp_path, vxi) -> None:
    sub = substrate([host("h0", cores=8), host("h1", cores=8)], [plink("p0", "h0", "h1", 1000)], sid="lab")
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(vxi_of("a", "b/c"), tmp_path / "one.vxdl")
    write_file(vxi_of("a/b", "c"), tmp_path / "two.vxdl")
    code, out, err = vxi("deploy", tmp_path / "lab.vxdl", tmp_path / "one.vxdl", tmp_path / "two.vxdl", "--json")
    assert code == 0, err
    dep = json.loads(out)
    hosts = {(c["vxi"], c["id"]): c["host"] for c in dep["components"].values()}
    target = "h1" if hosts[("a/b", "c")] == "h0" else "h0"
    code, out, err = vxi("migrate", "c", target, "--deployment", dep["id"])
    assert code == 0, err
    hosts[("a/b", "c")] = target
    assert _held_cores(state.holds_on("lab")[0]) == sorted(hosts.items())  # both read as ('a', 'b/c') before


def test_labels_of_an_older_database_still_read(tmp_path, vxi) -> None:
    sub = substrate([host("h0", cores=8)], [], sid="lab")
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(vxi_of("v", "n"), tmp_path / "one.vxdl")
    code, out, err = vxi("deploy", tmp_path / "lab.vxdl", tmp_path / "one.vxdl", "--json")
    assert code == 0, err
    with sqlite3.connect(state.database_path()) as db:  # as the versions before this one wrote it
        db.execute("UPDATE holds SET part = 'v/n' WHERE part IS NOT NULL")
    assert _held_cores(state.holds_on("lab")[0]) == [(("v", "n"), "h0")]
    code, out, err = vxi("migrate", "n", "h0")
    assert code != 3 and "Traceback" not in err


def vxi_of(vid: str, nid: str):
    """A VXI of one node of 4 cores."""
    return make_vxi(vid, [node(nid, cores=4)])


def test_an_imported_record_of_a_vxi_whose_id_holds_a_slash_holds_its_links(tmp_path, vxi, state_dir) -> None:
    sub = substrate([host("h0", site="s0"), host("h1", site="s1")], [plink("p0", "h0", "h1", 1000)], sid="lab")
    write_file(sub, tmp_path / "lab.vxdl")
    pair = make_vxi("x/y", [node("a", location="s0"), node("b", location="s1")], [vlink("l", "a", "b", 400)])
    write_file(pair, tmp_path / "pair.vxdl")
    assert vxi("deploy", tmp_path / "lab.vxdl", tmp_path / "pair.vxdl")[0] == 0
    held = sorted((h.element, h.dimension, h.amount) for h in state.holds_on("lab")[0] if h.kind == "link")
    record = state.load_all()[0]
    (state_dir / "deployments.db").unlink()  # the state as an earlier version left it: one JSON file a record
    (state_dir / "deployments" / f"{record.id}.json").write_text(json.dumps(record.to_json()))
    assert vxi("status")[0] == 0  # imported
    assert held and sorted((h.element, h.dimension, h.amount) for h in state.holds_on("lab")[0]
                           if h.kind == "link") == held  # its link's bandwidth was not held ('x' is not 'x/y')
    assert vxi("teardown", "--all")[0] == 0

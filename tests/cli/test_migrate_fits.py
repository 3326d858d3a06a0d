"""`vxi migrate COMPONENT` lists the hosts that can take a deployed component and why the others cannot;
`vxi migrate COMPONENT HOST` refuses a host that cannot take it, saying why (exit 1), and moves nothing."""

from __future__ import annotations

import json

from backend.vxdl import read_file, write_file
from tests.cli.conftest import EXAMPLES
from tests.embedding.builders import host, node, plink, substrate
from tests.embedding.builders import vxi as make_vxi


def deploy_figure1(vxi) -> dict:
    code, out, err = vxi("deploy", EXAMPLES / "figure1-substrate.vxdl", EXAMPLES / "figure1-vxi1.vxdl",
                         EXAMPLES / "figure1-vxi2.vxdl", "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_listing_says_which_hosts_fit_and_an_unfit_one_is_refused_with_its_reason(vxi):
    record = deploy_figure1(vxi)
    source = record["components"]["r1"]["host"]
    code, out, _ = vxi("migrate", "r1", "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["deployment"] == record["id"] and listing["component"] == "r1" and listing["host"] == source
    hosts = {h["host"]: h for h in listing["hosts"]}
    assert list(hosts) == ["P1", "P2", "P3", "P4", "P5", "P6"]  # every host, in substrate order
    assert hosts[source] == {**hosts[source], "fits": False, "reason": "it runs there now"}
    full = [h for h in hosts.values() if h["reason"].startswith("needs 1 core, only 0 left")]
    assert full, hosts  # Figure 1's two VXIs fill some hosts' cores
    for refused in full:
        code, _, err = vxi("migrate", "r1", refused["host"])
        assert code == 1 and err.strip() == f"vxi migrate: r1 cannot move to {refused['host']}: {refused['reason']}"
    code, out, _ = vxi("migrate", "r1")
    lines = out.splitlines()
    fitting = [h for h in hosts.values() if h["fits"]]
    assert lines[0] == f"r1 (router on {source}, deployment {record['id']}): {len(fitting)} of 6 hosts can take it"
    assert f"  {source}  no    it runs there now" in lines
    assert f"  {fitting[0]['host']}  fits  ({fitting[0]['free']} free)" in lines
    _, out, _ = vxi("status", "--json")
    assert json.loads(out)["deployments"][0]["components"]["r1"]["host"] == source  # nothing moved
    code, out, _ = vxi("migrate", "r1", fitting[0]["host"])
    assert code == 0 and f"r1 moved from {source} to {fitting[0]['host']}" in out


def test_a_host_at_another_site_than_the_anchor_is_refused(vxi):
    record = deploy_figure1(vxi)
    assert record["components"]["n1"]["host"] in ("P1", "P2", "P4")  # n1 is anchored at lyon
    code, _, err = vxi("migrate", "n1", "P3")
    assert code == 1 and "n1 cannot move to P3: n1 is anchored at 'lyon', this host is at 'grenoble'" in err


def test_a_host_without_enough_cores_is_refused(vxi, tmp_path):
    sub = substrate([host("big", cores=8), host("small", cores=2)], [plink("p", "big", "small")])
    request = make_vxi("v", [node("a", cores=3), node("b", cores=1)])
    write_file(sub, tmp_path / "sub.vxdl")
    write_file(request, tmp_path / "v.vxdl")
    code, out, err = vxi("deploy", tmp_path / "sub.vxdl", tmp_path / "v.vxdl", "--json")
    assert code == 0, err
    assert json.loads(out)["components"]["a"]["host"] == "big"
    code, _, err = vxi("migrate", "a", "small")
    assert code == 1 and err.strip() == "vxi migrate: a cannot move to small: needs 3 cores, only 2 left"
    code, _, err = vxi("migrate", "a", "nowhere")
    assert code == 1 and "no host 'nowhere' in substrate sub (its hosts: big, small)" in err


def test_a_host_id_used_as_a_site_name_is_not_read_as_a_location(vxi, tmp_path):
    """Host ids double as site names here (as in the corpus): an anchor naming host '9' matches no host."""
    sub = substrate([host("8", site="8"), host("9", site="8"), host("12", site="12")],
                    [plink("p1", "8", "9"), plink("p2", "9", "12")])
    write_file(sub, tmp_path / "sub.vxdl")
    write_file(make_vxi("v", [node("n", location="12")]), tmp_path / "v.vxdl")
    code, out, err = vxi("deploy", tmp_path / "sub.vxdl", tmp_path / "v.vxdl", "--json")
    assert code == 0, err
    assert json.loads(out)["components"]["n"]["host"] == "12"
    anchored = read_file(tmp_path / "v.vxdl").model
    anchored.components["n"].location = "9"  # the file is edited after deploying: `vxi migrate` reads it again
    write_file(anchored, tmp_path / "v.vxdl")
    code, out, _ = vxi("migrate", "n", "--json")
    assert code == 0
    assert not any(h["fits"] for h in json.loads(out)["hosts"])
    code, _, err = vxi("migrate", "n", "9")
    assert code == 1
    assert "n cannot move to 9: n is anchored at '9', which is no site of this substrate" in err
    assert "host ids double as site names" in err

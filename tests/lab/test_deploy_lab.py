"""`vxi deploy --backend libvirt` on the lab, end to end with real QEMU guests (root; skipped with the reason
when no lab can run here): a VXI of two subnets joined by a router VM, with one subnet across two hosts;
pings between the subnets through the router, a link across hosts carrying its traffic in a VXLAN tunnel,
the router moved live to the other host while a neighbour pings it, counters following it, and a teardown
that leaves nothing on any host. Three guests only: under software emulation each costs a core's while."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.backends import reopen
from backend.deploy.libvirt import real
from backend.deploy.session import DeploySession
from backend.deploy.state import pick_record
from backend.lab import netns

pytestmark = pytest.mark.root

VXI = """<?xml version='1.0' encoding='UTF-8'?>
<description xmlns="http://www.vxdlforum.org/vxdl" xmlns:x="urn:vxi-designer:vxdl-ext:1">
  <virtualInfrastructure>
    <id>two</id>
    <vRouter><id>r1</id><location>h1</location><memory><unit>MB</unit><simple>128</simple></memory>
      <x:ports><x:port>p0</x:port><x:port>p1</x:port></x:ports><x:function>router</x:function></vRouter>
    <vNode><id>pc-a</id><location>h1</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vNode><id>pc-b</id><location>h2</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    {links}
  </virtualInfrastructure>
</description>
"""
LINK = """<vLink><id>{id}</id><source>{a}</source><destination>r1</destination><bandwidth>
      <forward><unit>Mbps</unit><simple>10</simple></forward><reverse><unit>Mbps</unit><simple>10</simple></reverse>
    </bandwidth></vLink>"""


def lab_links(lab, tag: str) -> dict[str, list[str]]:
    """Each lab host's devices named after the deployment."""
    return {h.id: [n for n in netns.links(h.netns) if n.startswith(f"vx{tag}")] for h in lab.hosts}


def lab_domains(lab) -> dict[str, list[str]]:
    """Each lab host's domains."""
    found = {}
    for host in lab.hosts:
        conn = lab.connect(host.id)
        try:
            found[host.id] = sorted(d.name() for d in conn.listAllDomains())
        finally:
            conn.close()
    return found


def exec_in(capfd, component: str, *argv: str) -> tuple[int, str]:
    """`vxi exec COMPONENT -- ARGV` as a user types it: its exit code and what it printed."""
    capfd.readouterr()
    code = main(["exec", component, "--", *argv])
    return code, capfd.readouterr().out


@pytest.fixture(scope="module")
def deployed(lab, tmp_path_factory):
    """The VXI deployed on the lab by `vxi deploy --backend libvirt` (torn down at the end in any case)."""
    folder = tmp_path_factory.mktemp("deploy")
    vxi = folder / "two.vxdl"
    vxi.write_text(VXI.format(links=LINK.format(id="a-r", a="pc-a") + LINK.format(id="b-r", a="pc-b")))
    before = lab_domains(lab)
    started = time.monotonic()
    code = main(["deploy", lab.substrate, str(vxi), "--backend", "libvirt", "--json", "--progress", "plain"])
    seconds = time.monotonic() - started
    assert code == 0
    record = pick_record(None)
    try:
        yield {"record": record, "seconds": seconds, "before": before}
    finally:
        if any(r.id == record.id for r in _records()):
            main(["teardown", record.id])


def _records():
    from backend.deploy.state import load_all

    return load_all()


def test_deploy_boots_every_guest_on_its_host_ready_and_configured(lab, deployed, capfd):
    record = deployed["record"]
    assert {k: c.host for k, c in record.components.items()} == {"r1": "h1", "pc-a": "h1", "pc-b": "h2"}
    assert all(c.state == "running" for c in record.components.values())
    assert set(record.files["ready_seconds"]) == {"r1", "pc-a", "pc-b"}
    assert main(["status", record.id, "--json"]) == 0
    status = json.loads(capfd.readouterr().out)["deployments"][0]
    assert status["components"]["pc-b"]["addresses"] == record.components["pc-b"].addresses
    code, out = exec_in(capfd, "r1", "sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; ip -4 -o addr show")
    assert code == 0 and out.splitlines()[0] == "1"
    for address in record.components["r1"].addresses:
        assert address in out
    code, out = exec_in(capfd, "pc-b", "tc", "qdisc", "show", "dev", "eth0")
    assert "tbf" in out and "10Mbit" in out  # this kernel has no sfq: the guest shapes its egress


def test_subnets_reach_each_other_through_the_router_across_hosts_in_a_tunnel(lab, deployed, capfd):
    record = deployed["record"]
    seg = record.segments["two/b-r"]
    assert seg["hosts"] == ["h1", "h2"]
    tunnel = real.tunnel_name(record.id, seg["index"])
    before = _rx_packets(lab, "h2", tunnel)
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "3", "-W", "5", "pc-b")
    assert code == 0, out
    assert " 0% packet loss" in out
    assert _rx_packets(lab, "h2", tunnel) >= before + 3  # the replies' requests came through the tunnel
    assert tunnel not in lab_links(lab, record.id)["h3"]  # h3 holds nothing of this deployment


def _rx_packets(lab, host_id: str, device: str) -> int:
    done = netns.ip(lab.host(host_id).netns, "-j", "-s", "link", "show", device)
    return json.loads(done.stdout)[0]["stats64"]["rx"]["packets"]


def test_router_moves_live_with_pings_flowing_links_and_counters_follow(lab, deployed, capfd):
    record = deployed["record"]
    session = DeploySession.of_record(pick_record(record.id))
    source = session.deployer.counter_source()
    try:
        first = {(r.component, r.interface): r for r in source.read()}
        assert first[("r1", "eth0")].host == "h1"
        result = session.migrate("r1", "h2")
    finally:
        session.close()
    assert (result.mode, result.source, result.destination) == ("live", "h1", "h2")
    assert result.outage_s is not None and result.outage_s < 10
    moved = pick_record(record.id)
    assert moved.components["r1"].host == "h2"
    assert moved.files["migrations"][-1]["downtime_ms"] is not None
    links = lab_links(lab, record.id)
    b_r = real.bridge_name(record.id, moved.segments["two/b-r"]["index"])
    assert moved.segments["two/b-r"]["hosts"] == ["h2"] and b_r not in links["h1"]  # now local to h2
    assert real.tunnel_name(record.id, moved.segments["two/a-r"]["index"]) in links["h2"]  # a-r crosses now
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "3", "-W", "5", "pc-b")
    assert code == 0 and " 0% packet loss" in out
    deployer = reopen(moved)
    try:
        after = {(r.component, r.interface): r for r in deployer.counter_source().read()}
    finally:
        deployer.close()
    assert after[("r1", "eth0")].host == "h2"  # the same series, read on the new host
    assert after[("r1", "eth0")].identity != first[("r1", "eth0")].identity


def test_teardown_leaves_nothing_on_any_host(lab, deployed, capfd):
    record = deployed["record"]
    assert main(["teardown", record.id]) == 0
    assert lab_domains(lab) == deployed["before"]
    assert lab_links(lab, record.id) == {h.id: [] for h in lab.hosts}
    assert not any(r.id == record.id for r in _records())
    assert not Path(f"/run/netns/vxi{record.id}").exists()

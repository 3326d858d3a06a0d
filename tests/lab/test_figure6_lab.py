"""The paper's Figure 6 on real QEMU guests: both VXIs (18 guests, their two router VMs anchored on site core,
so both on core1) deployed by `vxi deploy --backend libvirt` on a lab made like the Figure 6 substrate (hosts
left, right, core1, core2), each VXI's two subnets reaching each other through its router across hosts (the
same addresses in both VXIs, kept apart), router ra moved live to the free core2 as in the paper, and nothing
left on any host after teardown (root; skipped with the reason when libvirtd or QEMU cannot run)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.state import pick_record
from backend.lab import netns
from backend.vxdl import read_file
from tests.lab.conftest import temporary_lab

pytestmark = [pytest.mark.root, pytest.mark.slow]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def figure6_lab(guest_image):
    """A lab of one daemon per host of the Figure 6 substrate (left, right, core1, core2)."""
    like = read_file(EXAMPLES / "figure6-substrate.vxdl", role="substrate").model
    yield from temporary_lab(0, f"f{os.getpid()}", "vxf-", like=like)


def _run(capfd, *argv: str) -> tuple[int, str]:
    """A command as a user types it: its exit code, and what it printed (standard error after a blank line)."""
    capfd.readouterr()
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out + ("\n" + err if err else "")


def _ping(capfd, deployment: str, source: str, address: str) -> str:
    code, out = _run(capfd, "exec", source, "--deployment", deployment, "--", "ping", "-c", "3", "-W", "5", address)
    assert code == 0 and " 0% packet loss" in out, out
    assert "ttl=63" in out, out  # through one router
    return out


def _left_on(lab, tag: str) -> dict[str, list[str]]:
    """Each lab host's domains and devices named after the deployment."""
    found = {}
    for host in lab.hosts:
        conn = lab.connect(host.id)
        try:
            names = [d.name() for d in conn.listAllDomains() if d.name().startswith(f"vxi{tag}")]
            names += [n.name() for n in conn.listAllNetworks() if tag in n.name()]
        finally:
            conn.close()
        found[host.id] = names + [n for n in netns.links(host.netns) if n.startswith(f"vx{tag}")]
    return found


def test_figure6_boots_routes_moves_a_router_to_the_free_host_and_leaves_nothing(figure6_lab, capfd):
    lab = figure6_lab
    code, out = _run(capfd, "deploy", lab.substrate, str(EXAMPLES / "figure6-vxi-a.vxdl"),
                     str(EXAMPLES / "figure6-vxi-b.vxdl"), "--backend", "libvirt", "--json")
    assert code == 0, out
    tag = json.loads(out.split("\n\n")[0] if out.startswith("{") else "{}").get("id")
    assert tag, out
    try:
        record = pick_record(tag)
        assert len(record.components) == 18
        assert {record.find("ra").host, record.find("rb").host} == {"core1"}  # the two routers share core1
        assert record.find("a1").host == "left" and record.find("a5").host == "right"
        _ping(capfd, tag, "a1", "10.0.5.2")  # left to right through ra, across three hosts
        _ping(capfd, tag, "b1", "10.0.5.2")  # the same addresses in VXI b, through rb
        code, out = _run(capfd, "migrate", "ra", "core2", "--deployment", tag)
        assert code == 0 and "ra moved from core1 to core2 (live" in out, out
        moved = pick_record(tag)
        assert moved.find("ra").host == "core2" and moved.find("rb").host == "core1"
        _ping(capfd, tag, "a1", "10.0.5.2")  # VXI a's subnets meet on core2 now
        _ping(capfd, tag, "b5", "10.0.1.2")
    finally:
        code, out = _run(capfd, "teardown", tag)
    assert code == 0, out
    assert _left_on(lab, tag) == {h.id: [] for h in lab.hosts}

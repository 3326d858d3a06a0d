"""The paper's Figure 7 on real VMs (root, slow; the session lab of three hosts): two router guests share h2's
capacity fairly, one moved live to the free h3 gets about twice its throughput, the other too; the
deployment leaves nothing behind. About 90 s here (4 emulated guests, 30 s of traffic)."""

from __future__ import annotations

import pytest

from backend.experiments.vms import run_vm_migration
from backend.lab import netns

from .test_deploy_lab import lab_domains

pytestmark = [pytest.mark.root, pytest.mark.slow]


def test_a_router_vm_moved_to_a_free_host_doubles_its_throughput(lab):
    before = lab_domains(lab)
    result = run_vm_migration(lab.substrate, duration=30.0, capacity_bps=10e6)
    share = result["host_capacity_bps"] / 2
    assert result["ratio"] > 1.5, result["series"]
    assert 0.6 * share < result["before_bps"] < 1.3 * share  # the fair share of h2 before the move
    assert 0.6 * share < result["other_before_bps"] < 1.3 * share
    assert result["other_after_bps"] > 1.5 * result["other_before_bps"]  # ra has h2 to itself after
    assert (result["from_host"], result["to_host"]) == ("h2", "h3")
    assert result["outage_s"] is not None and result["outage_s"] < 10
    assert [label for _, label in result["markers"]] == ["rb leaves h2", "rb on h3"]
    assert lab_domains(lab) == before
    tag = result["deployment"]
    assert all(not name.startswith(f"vx{tag}") for host in lab.hosts for name in netns.links(host.netns))
    assert all("qdisc htb" not in netns.run(["tc", "-n", host.netns, "qdisc", "show", "dev", "ul0"]).stdout
               for host in lab.hosts)

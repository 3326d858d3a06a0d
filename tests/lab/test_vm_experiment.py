"""The paper's Table II and Figure 7 on real VMs (root, slow; the session lab of three hosts), on one deployment
of two router guests on h2 (src and dst on h1): the latency through ra with its neighbour rb idle then busy,
rb forwarding a flow of its own from a sender namespace outside the VMs, then rb moved live to the free h3
doubles its throughput (ra's too); the deployment and the outside senders leave nothing behind.
About 80 s here under load 10 (4 emulated guests booting in 25 s, 24 s of traffic for the move)."""

from __future__ import annotations

import pytest

from backend.deploy.netns import kernel
from backend.experiments.vm_latency import measure_vm_latency
from backend.experiments.vms import measure_vm_migration, vm_bed
from backend.lab import netns

from .test_deploy_lab import lab_domains

pytestmark = [pytest.mark.root, pytest.mark.slow]

CAPACITY = 10e6


def test_router_vms_latency_then_a_move_to_a_free_host_doubling_the_throughput(lab):
    before = lab_domains(lab)
    with vm_bed(lab.substrate, CAPACITY, lambda _: None) as bed:
        tag = bed.record.id
        latency = measure_vm_latency(bed, [1, 2], probes=20)
        host_ns = bed.deployer.real_host("h2").netns
        namespaces_after, ports_after = set(kernel.namespaces()), set(netns.links(host_ns))
        result = measure_vm_migration(bed, duration=24.0, capacity_bps=CAPACITY)  # the move takes 4-12 s here
    idle, busy = latency["results"]
    assert (latency["measured"], idle["busy_neighbours"], busy["busy_neighbours"]) == ("ra", 0, 1)
    assert idle["idle"]["lost"] <= 2 and busy["busy"]["lost"] <= 2, latency["results"]
    assert 0 < idle["busy_ms"] < 1000 and 0 < busy["busy_ms"] < 1000
    assert busy["neighbours_bps"] > 0.3 * CAPACITY, busy  # rb really forwarded its flow meanwhile
    (flow,) = latency["neighbour_traffic"]["flows"]  # rb's own sender and receiver, outside the VMs
    assert (latency["neighbour_traffic"]["senders"], flow["router"]) == ("outside the VMs", "rb")
    assert flow["sender_netns"].startswith("vxexp") and flow["bridges"][0].startswith(f"vx{tag}b")
    assert not {flow["sender_netns"], flow["receiver_netns"]} & namespaces_after  # removed after the measure...
    assert not set(flow["bridge_ports"]) & ports_after  # ...with their veths on h2's link bridges

    share = result["host_capacity_bps"] / 2
    assert result["ratio"] is not None and result["ratio"] > 1.5, (result["series"], result["flows"])
    assert 0.6 * share < result["before_bps"] < 1.3 * share  # the fair share of h2 before the move
    assert 0.6 * share < result["other_before_bps"] < 1.3 * share
    assert result["other_after_bps"] > 1.5 * result["other_before_bps"]  # ra has h2 to itself after
    assert (result["from_host"], result["to_host"]) == ("h2", "h3")
    assert result["outage_s"] is not None and result["outage_s"] < 10
    assert [label for _, label in result["markers"]] == ["rb leaves h2", "rb on h3"]
    assert lab_domains(lab) == before
    assert all(not name.startswith(f"vx{tag}") for host in lab.hosts for name in netns.links(host.netns))
    assert all("qdisc htb" not in netns.run(["tc", "-n", host.netns, "qdisc", "show", "dev", "ul0"]).stdout
               for host in lab.hosts)

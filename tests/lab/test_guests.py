"""Real guests on the shared lab: booted from the project's image on three libvirtd hosts, joined by
VXLAN across hosts, reached through the exec channel; a router forwards between two subnets (the
Figure 6 shape) and moves live to another host while a ping crosses it."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time

import pytest

from backend.deploy.libvirt.xml import stable_mac
from backend.guest.config import GuestConfig, GuestNic
from backend.guest.nocloud import write_seed
from backend.lab import guests, netns, segments

pytestmark = [pytest.mark.root, pytest.mark.slow]

LEFT, RIGHT, PAIR = 201, 202, 100  # VXLAN ids of the links
LEFT_RATE = 20_000_000


def nic(name: str, index: int, *addresses: str, rate: float = 0) -> GuestNic:
    return GuestNic(stable_mac("lab", name, index), list(addresses), rate)


def join(lab, bridge: str, vni: int, hosts: list[str]) -> None:
    """A link's bridge on each host, and its VXLAN device flooding to the others."""
    for host_id in hosts:
        host = lab.host(host_id)
        segments.ensure_bridge(host.netns, bridge)
        peers = [lab.host(h).address for h in hosts if h != host_id]
        segments.ensure_vxlan(host.netns, bridge, vni, host.address, peers)


@pytest.fixture(scope="module")
def world(lab, guest_image, tmp_path_factory):
    """Five guests booted at once: a (h1) and b (h2) on one link; pc-left (h1), router r (h2) and
    pc-right (h3) on two links. b also carries a NoCloud seed as a second disk."""
    for host_id, bridge in (("h1", "br-pair"), ("h2", "br-pair")):
        segments.ensure_bridge(lab.host(host_id).netns, bridge)
    join(lab, "br-left", LEFT, ["h1", "h2"])
    join(lab, "br-right", RIGHT, ["h2", "h3"])
    configs = {
        "a": ("h1", GuestConfig("a", [nic("a", 0, "10.100.0.1/24")]), ["br-pair"]),
        "b": ("h2", GuestConfig("b", [nic("b", 0, "10.100.0.2/24")]), ["br-pair"]),
        "pc-left": ("h1", GuestConfig("pc-left", [nic("pc-left", 0, "10.1.1.2/24", rate=LEFT_RATE)],
                                      [("default", "10.1.1.1")]), ["br-left"]),
        "r": ("h2", GuestConfig("r", [nic("r", 0, "10.1.1.1/24"), nic("r", 1, "10.1.2.1/24")], forward=True),
              ["br-left", "br-right"]),
        "pc-right": ("h3", GuestConfig("pc-right", [nic("pc-right", 0, "10.1.2.2/24")], [("default", "10.1.2.1")]),
                     ["br-right"]),
    }
    seed = write_seed(tmp_path_factory.mktemp("seed") / "b-seed.iso", configs["b"][1])
    conns = {h.id: lab.connect(h.id) for h in lab.hosts}
    running: dict[str, guests.LabGuest] = {}
    try:
        for name, (host_id, config, bridges) in configs.items():
            extra = {"seed": str(seed)} if name == "b" else {}
            running[name] = guests.start(lab, guest_image, host_id, config, bridges, conns[host_id], **extra)
        waits = [threading.Thread(target=guests.wait_ready, args=(g,)) for g in running.values()]
        for waiter in waits:
            waiter.start()
        for waiter in waits:
            waiter.join()
        not_ready = [n for n, g in running.items() if not g.ready_seconds]
        assert not not_ready, f"guests never answered: {not_ready}"
        yield running
    finally:
        for guest in running.values():
            guests.remove(guest)
        for host in lab.hosts:
            for bridge in ("br-pair", "br-left", "br-right"):
                segments.remove_bridge(host.netns, bridge)
            for vni in (PAIR, LEFT, RIGHT):
                segments.remove_vxlan(host.netns, vni)


def vxlan_packets(lab, host_id: str, vni: int) -> int:
    """Packets a host's VXLAN device of a link has sent and received."""
    done = netns.ip(lab.host(host_id).netns, "-s", "-j", "link", "show", segments.vxlan_name(vni))
    stats = json.loads(done.stdout)[0]["stats64"]
    return stats["rx"]["packets"] + stats["tx"]["packets"]


def test_each_guest_boots_configures_itself_from_its_command_line_and_answers_exec(world):
    router = world["r"].run("hostname; ip -o -4 addr show; cat /proc/sys/net/ipv4/ip_forward; exit 3")
    assert router.exit_code == 3
    lines = router.output.split("\n")
    assert lines[0] == "r" and lines[-2] == "1"
    assert "10.1.1.1/24" in router.output and "10.1.2.1/24" in router.output
    left = world["pc-left"].run("ip route show default")
    assert left.ok and left.output.startswith("default via 10.1.1.1")


def test_two_guests_on_different_hosts_reach_each_other_only_through_the_vxlan(lab, world):
    a = world["a"]
    before = a.run("ping -c 1 -W 2 10.100.0.2")
    assert not before.ok, "the two bridges are on different hosts: no path without a tunnel"
    join(lab, "br-pair", PAIR, ["h1", "h2"])
    a.run("ping -c 1 -W 3 10.100.0.2")  # the address was unresolved a moment ago: resolve it again
    after = a.run("ping -c 3 -W 3 10.100.0.2", timeout=20)
    assert after.ok, after.output
    assert "3 packets received" in after.output
    assert vxlan_packets(lab, "h1", PAIR) >= 6 and vxlan_packets(lab, "h2", PAIR) >= 6


def test_router_guest_forwards_between_two_subnets_across_three_hosts(world):
    hosts = {g.host for g in (world["pc-left"], world["r"], world["pc-right"])}
    assert hosts == {"h1", "h2", "h3"}
    result = world["pc-left"].run("ping -c 3 -W 3 10.1.2.2", timeout=20)
    assert result.ok, result.output
    assert re.findall(r"ttl=(\d+)", result.output) == ["63"] * 3  # one router on the way
    unrouted = world["a"].run("ping -c 1 -W 1 10.1.2.2")
    assert not unrouted.ok  # guests outside the VXI's links do not reach it


def test_shaping_is_applied_where_the_lab_says(lab, world):
    qdiscs = world["pc-left"].run("tc qdisc show dev eth0").output
    xml = world["pc-left"].dom.XMLDesc(0)
    if lab.host_shaping:
        assert "<bandwidth>" in xml and "tbf" not in qdiscs
    else:
        assert "<bandwidth>" not in xml
        assert re.search(r"qdisc tbf \S+ root .*rate 20Mbit", qdiscs), qdiscs


def test_nocloud_seed_is_an_iso_the_guest_kernel_reads_with_its_names(world):
    b = world["b"]
    found = b.run("findfs LABEL=cidata")
    assert found.ok, found.output
    device = found.output.strip()
    mounted = b.run(f"mount -t iso9660 -o ro {device} /mnt && ls /mnt && cat /mnt/meta-data; umount /mnt")
    assert mounted.ok, mounted.output
    assert mounted.output.split()[:3] == ["meta-data", "network-config", "user-data"]
    meta = json.loads(mounted.output.split("\n", 3)[3])
    assert meta["local-hostname"] == "b" and meta["instance-id"].startswith("vxi-")


def test_live_migration_of_the_router_keeps_the_ping_through_it(lab, world):
    left, router = world["pc-left"], world["r"]
    uptime = float(router.run("cut -d' ' -f1 /proc/uptime").output)
    join(lab, "br-left", LEFT, ["h1", "h2", "h3"])  # the destination gets the router's links first
    join(lab, "br-right", RIGHT, ["h2", "h3"])
    interval, count = 0.05, 160
    assert left.run(f"ping -i {interval} -c {count} -W 1 10.1.2.2 > /tmp/flow.log 2>&1 &").ok
    time.sleep(2.0)
    figures = guests.migrate(lab, router, "h3")
    deadline = time.monotonic() + 30
    while "packet loss" not in (log := left.run("cat /tmp/flow.log").output) and time.monotonic() < deadline:
        time.sleep(0.5)
    seqs = sorted(int(s) for s in re.findall(r"seq=(\d+)", log))
    assert router.host == "h3" and router.dom.isActive()
    assert [d.name() for d in lab.connect("h2").listAllDomains()].count("r") == 0
    assert float(router.run("cut -d' ' -f1 /proc/uptime").output) > uptime  # the same guest, moved
    assert seqs and set(range(count - 20, count)) <= set(seqs), log[-400:]  # the flow goes on after the move
    gaps = [b - a - 1 for a, b in itertools.pairwise(seqs)]
    outage = (max(gaps, default=0) + 1) * interval
    print(f"\nmigration: job {figures.seconds:.2f} s (libvirt {figures.job_ms} ms), downtime {figures.downtime_ms} ms, "
          f"ping outage {outage:.2f} s, {count - len(seqs)} of {count} lost")

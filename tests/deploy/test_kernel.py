"""The kernel helpers other parts build on (monitoring, experiments): names, veths, shaping, counters."""

from __future__ import annotations

import os
import time

import pytest

from backend.deploy.netns import kernel
from backend.deploy.record import new_tag


def test_interface_names_never_exceed_the_kernel_limit_and_stay_distinct():
    long_a = kernel.link_name("vxi", "abcde", "router-with-a-long-name", "p7")
    long_b = kernel.link_name("vxi", "abcde", "router-with-a-long-name", "p6")
    assert len(long_a) <= 15 and len(long_b) <= 15 and long_a != long_b
    assert kernel.link_name("c", "3", "e", "0") == "c3e0"


@pytest.mark.root
def test_a_shaped_veth_between_two_namespaces_counts_what_crosses_it():
    a, b = f"vxi{new_tag()}-ka", f"vxi{new_tag()}-kb"
    try:
        kernel.create_namespace(a)
        kernel.create_namespace(b)
        kernel.add_veth(a, "e0", b, "e0")
        for ns, cidr in ((a, "10.9.0.1/30"), (b, "10.9.0.2/30")):
            kernel.add_address(ns, "e0", cidr)
            kernel.set_up(ns, "e0")
        assert kernel.addresses(a) == {"e0": ["10.9.0.1/30"]}
        notice = kernel.shape(a, "e0", 5e6, delay_s=0.002)
        assert kernel.qdiscs(a)["e0"][0] == "htb"
        assert notice is None if kernel.has_netem() else notice == kernel.NETEM_MISSING
        before = kernel.counters(b)["e0"]
        script = ("import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                  "s.sendto(b'x', ('10.9.0.2', 9)); time.sleep(0.3)  # resolve the neighbour first\n"
                  "for _ in range(50): s.sendto(b'x' * 1000, ('10.9.0.2', 9))")
        probe = kernel.run(a, ["python3", "-c", script])
        assert probe.returncode == 0, probe.stderr
        deadline = time.monotonic() + 5  # the shaper may still hold some of them
        while (after := kernel.counters(b)["e0"]).rx_packets - before.rx_packets < 51 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert after.rx_packets - before.rx_packets >= 50 and after.rx_bytes - before.rx_bytes >= 50_000
        kernel.unshape(a, "e0")
        assert "e0" not in kernel.qdiscs(a)
    finally:
        assert kernel.delete_namespace(a) and kernel.delete_namespace(b)
    assert not os.path.exists(f"/run/netns/{a}") and kernel.delete_namespace(a) is False


@pytest.mark.root
def test_deleting_a_namespace_ends_the_processes_left_inside():
    ns = f"vxi{new_tag()}-kp"
    kernel.create_namespace(ns)
    try:
        sleeper = kernel.popen(ns, ["sleep", "60"])
        deadline = time.monotonic() + 10  # `ip netns exec` enters the namespace, then runs sleep
        while sleeper.pid not in kernel.namespace_pids(ns) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sleeper.pid in kernel.namespace_pids(ns)
    finally:
        kernel.delete_namespace(ns)
    assert sleeper.wait(timeout=5) != 0

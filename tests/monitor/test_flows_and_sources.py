"""iperf3 command lines of flows, and the counter source chosen for a deployment record."""

from backend.deploy.netns.counters import probes_of
from backend.deploy.record import ComponentRecord, DeploymentRecord, Interface
from backend.monitor.flows import FOREVER, Flow


def test_udp_flow_at_a_set_rate_for_whole_seconds():
    args = Flow("a", "b", "10.0.5.2", 5201, "udp", 20e6, 6.5, 1472).client_args()
    assert args[args.index("-t") + 1] == "7"  # iperf3 reads whole seconds: never cut a run short
    assert args[args.index("-b") + 1] == "20000000" and "-u" in args
    assert args[args.index("-l") + 1] == "1472"


def test_flow_until_stopped_runs_for_iperf3s_longest_test():
    args = Flow("a", "b", "10.0.5.2", 5201, seconds=0).client_args()
    assert args[args.index("-t") + 1] == str(FOREVER)
    assert "-u" not in args and "-b" not in args


def test_netns_probes_count_every_interface_inside_its_component():
    record = DeploymentRecord("t1", "netns", components={
        "ra": ComponentRecord("vxi-a", "ra", "router", "core1", "running", ["10.0.1.1/24", "10.0.2.1/24"],
                              "vxit1-c-vxi-a-ra", [Interface("e0", "vxi-a/l1", "10.0.1.1/24", "c0e0"),
                                                   Interface("e1", "vxi-a/l2", "10.0.2.1/24", "c0e1")])})
    probes = probes_of(record)
    assert [(p.component, p.ns, p.ifname, p.host, p.peer) for p in probes] == [
        ("ra", "vxit1-c-vxi-a-ra", "e0", "core1", False), ("ra", "vxit1-c-vxi-a-ra", "e1", "core1", False)]

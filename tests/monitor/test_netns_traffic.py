"""Real flows through real namespaces: the sampler sees the shaped rate; traffic errors are plain."""

import pytest

from backend.deploy.netns.counters import NetnsSource
from backend.experiments.lab import Lab, leftover_namespaces
from backend.experiments.measure import probes_for
from backend.experiments.topology import plain_linux, receiver_address
from backend.monitor.flows import Flow, TrafficError, start_flow, stop_flow, wait_flow
from backend.monitor.sampler import Sampler
from backend.monitor.series import TX, SeriesKey

pytestmark = pytest.mark.root


def test_sampler_measures_a_udp_flow_at_a_set_rate(root):
    with Lab() as lab:
        bed = plain_linux(lab, 200e6)
        sampler = Sampler(NetnsSource(probes_for(bed, [1])), interval=0.5)
        flow = start_flow(Flow(bed.senders, bed.receivers, receiver_address(1), 5201, "udp", 40e6, 3.0, 1200))
        sampler.start()
        try:
            result = wait_flow(flow, timeout=20)
        finally:
            sampler.stop()
            stop_flow(flow)
        names = lab.created
    points = sampler.store.points(SeriesKey("vr1", "out", TX))
    steady = [v for _, v in points[1:-1] if v > 1e6]
    assert len(steady) >= 2
    assert all(30e6 < v < 50e6 for v in steady), steady
    assert result.protocol == "udp" and result.received_bps == pytest.approx(40e6, rel=0.15)
    assert not set(names) & set(leftover_namespaces())


def test_flow_to_a_missing_namespace_is_a_clear_error(root):
    flow = Flow("vxexp-nope-snd", "vxexp-nope-rcv", "10.1.2.2", 5201)
    with pytest.raises(TrafficError, match="no network namespace 'vxexp-nope-snd'"):
        start_flow(flow)


def test_flow_without_a_server_reports_iperf_error(root):
    with Lab() as lab:
        bed = plain_linux(lab, 100e6)
        flow = Flow(bed.senders, bed.receivers, "10.1.2.99", 5202, seconds=1)
        start_flow(flow)
        with pytest.raises(TrafficError, match="iperf3"):
            wait_flow(flow, timeout=20)

"""Running flows through a test bed and measuring them with the kernel's counters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from backend.deploy.netns import kernel
from backend.deploy.netns.counters import NetnsSource, Probe
from backend.experiments.topology import Bed, receiver_address
from backend.monitor.flows import Flow, TrafficError, start_flows, stop_flow, wait_flow
from backend.monitor.iperf import IperfResult
from backend.monitor.sampler import Sampler
from backend.monitor.series import TX, SeriesKey

UDP_LARGE, UDP_SMALL = 1472, 36  # payloads that make 1500- and 64-byte IP packets
WARM_UP = 1.0


@dataclass
class FlowRun:
    """What one run of flows measured: per flow bit/s and packets/s on the receivers' NICs over the
    steady window, iperf3's own figures, and the sampled series (time, bit/s) per router."""

    flows: list[int]
    bps: dict[int, float] = field(default_factory=dict)
    pps: dict[int, float] = field(default_factory=dict)
    iperf: dict[int, IperfResult | None] = field(default_factory=dict)
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    window_s: float = 0.0
    errors: list[str] = field(default_factory=list)


def router_label(i: int) -> str:
    """The component name shown for flow i's virtual router."""
    return f"vr{i}"


def probes_for(bed: Bed, flows: list[int]) -> list[Probe]:
    """Counting points: each router's traffic as it reaches its receivers (after the host's shaping)."""
    return [Probe(router_label(i), "out", bed.receivers, bed.receiver_interface(i), bed.router_host.get(i), peer=True)
            for i in flows]


def make_flows(bed: Bed, flows: list[int], protocol: str, seconds: float, length: int = 0, streams: int = 1,
               rate_bps: float = 0.0, port_base: int = 5200) -> list[Flow]:
    """iperf3 flows from each sender to its receiver (flow i through router i)."""
    return [Flow(bed.senders, bed.receivers, receiver_address(i), port_base + i, protocol, rate_bps, seconds,
                 length, streams, name=router_label(i)) for i in flows]


def run_flows(bed: Bed, flows: list[int], protocol: str, seconds: float, length: int = 0, streams: int = 1,
              sample_interval: float = 1.0, rate_bps: float = 0.0) -> FlowRun:
    """Run one flow per router for `seconds` (UDP at `rate_bps`, 0 = as fast as the sender's NIC goes)
    and measure the steady part (after a warm-up)."""
    run = FlowRun(flows)
    started: list[Flow] = []
    sampler = Sampler(NetnsSource(probes_for(bed, flows)), interval=sample_interval)
    finished = False
    window_end = float("inf")
    try:
        started = start_flows(make_flows(bed, flows, protocol, seconds + WARM_UP + 1.5, length, streams,
                                            rate_bps))
        sampler.start()
        time.sleep(WARM_UP)
        first, t0 = kernel.counters(bed.receivers), time.monotonic()
        time.sleep(seconds)
        last, t1 = kernel.counters(bed.receivers), time.monotonic()
        window_end = sampler.now()
        run.window_s = t1 - t0
        for i in flows:
            name = bed.receiver_interface(i)
            run.bps[i] = (last[name].rx_bytes - first[name].rx_bytes) * 8 / run.window_s
            run.pps[i] = (last[name].rx_packets - first[name].rx_packets) / run.window_s
        for flow, i in zip(started, flows, strict=True):
            try:
                run.iperf[i] = wait_flow(flow, timeout=10)
            except TrafficError as exc:
                run.iperf[i] = None
                run.errors.append(str(exc))
        finished = True
    finally:
        sampler.stop()
        if not finished:
            for flow in started:
                stop_flow(flow)
    for i in flows:
        points = sampler.store.points(SeriesKey(router_label(i), "out", TX))
        run.series[router_label(i)] = [(t, v) for t, v in points if t <= window_end + 0.01]
    return run

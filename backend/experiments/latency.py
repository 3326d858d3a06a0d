"""Table II: round-trip time through one virtual router while its neighbours are idle, then busy
forwarding TCP at full rate; plain Linux forwarding is measured in the same run as the reference."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from backend.deploy.netns import kernel
from backend.experiments.lab import Lab
from backend.experiments.measure import make_flows
from backend.experiments.topology import Bed, plain_linux, receiver_address, virtual_routers
from backend.monitor.flows import start_flows, stop_flow

ECHO_PORT = 7007
PROBE_INTERVAL = 0.01

Progress = Callable[[str], None]


def _probe_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backend.experiments.probe", *args]


def _start_echo(bed: Bed) -> subprocess.Popen:
    echo = kernel.popen(bed.receivers, _probe_command("echo", "--port", str(ECHO_PORT), "--seconds", "3600"),
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return echo


def round_trips(bed: Bed, count: int) -> dict:
    """Ping flow 1's receiver from its sender through its router: median, mean, p95 in ms, and loss."""
    done = kernel.run(bed.senders, _probe_command("ping", "--target", receiver_address(1), "--port", str(ECHO_PORT),
                                                  "--count", str(count), "--interval", str(PROBE_INTERVAL)),
                      timeout=count * (PROBE_INTERVAL + 1.0) + 30)
    if done.returncode != 0:
        raise kernel.KernelError(f"latency probe failed: {done.stderr.strip()[-200:]}")
    data = json.loads(done.stdout)
    rtts = sorted(data["rtt_ms"])
    if not rtts:
        return {"median_ms": None, "mean_ms": None, "p95_ms": None, "lost": data["lost"], "samples": []}
    return {"median_ms": statistics.median(rtts), "mean_ms": statistics.fmean(rtts),
            "p95_ms": rtts[min(len(rtts) - 1, int(len(rtts) * 0.95))], "lost": data["lost"],
            "samples": data["rtt_ms"]}


def _busy(bed: Bed, neighbours: list[int], count: int, protocol: str = "tcp") -> dict:
    length = 64 if protocol == "udp" else 0  # the paper's small packets
    flows = start_flows(make_flows(bed, neighbours, protocol, count * PROBE_INTERVAL * 3 + 30, length,
                                   port_base=5400))
    try:
        time.sleep(1.0)
        first, t0 = kernel.counters(bed.receivers), time.monotonic()
        figures = round_trips(bed, count)
        last, t1 = kernel.counters(bed.receivers), time.monotonic()
        figures["neighbours_bps"] = sum(
            last[bed.receiver_interface(i)].rx_bytes - first[bed.receiver_interface(i)].rx_bytes
            for i in neighbours) * 8 / (t1 - t0)
        return figures
    finally:
        for flow in flows:
            stop_flow(flow)


def run_latency(routers: list[int], capacity_bps: float = 100e6, probes: int = 200,
                progress: Progress = lambda _: None, attach: str = "macvlan", protocol: str = "tcp") -> dict:
    """Idle and busy round-trip times through router 1 for each router count (the neighbours forwarding TCP,
    or UDP in 64-byte datagrams), and plain Linux's."""
    with Lab() as lab:
        bed = plain_linux(lab, capacity_bps)
        echo = _start_echo(bed)
        progress("plain Linux, idle")
        linux = round_trips(bed, probes)
        echo.kill()
    results, series = [], {"plain Linux": linux["samples"]}
    with Lab() as lab:
        bed = virtual_routers(lab, max(routers), capacity_bps, attach=attach)
        echo = _start_echo(bed)
        for count in routers:
            progress(f"{count} router{'s' if count > 1 else ''}: neighbours idle")
            idle = round_trips(bed, probes)
            progress(f"{count} router{'s' if count > 1 else ''}: {count - 1} neighbours busy")
            busy = _busy(bed, list(range(2, count + 1)), probes, protocol) if count > 1 else round_trips(bed, probes)
            results.append({"routers": count, "idle_ms": idle["median_ms"], "busy_ms": busy["median_ms"],
                            "idle": _brief(idle), "busy": _brief(busy)})
            series[f"{count} idle"] = idle["samples"]
            series[f"{count} busy"] = busy["samples"]
        echo.kill()
    return {"experiment": "latency", "probes": probes, "host_capacity_bps": capacity_bps, "attach": attach,
            "protocol": protocol,
            "results": results, "linux": {"idle_ms": linux["median_ms"], "idle": _brief(linux)},
            "samples_ms": series}


def _brief(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "samples"}


def plot_spec(result: dict) -> dict:
    """Every measure's round-trip times one after the other, a marker at the start of each."""
    series: dict[str, list[list[float]]] = {}
    markers, offset = [], 0.0
    interval = result.get("interval_s", PROBE_INTERVAL)
    for name, samples in result["samples_ms"].items():
        target = "neighbours busy" if name.endswith("busy") else "neighbours idle"
        target = "plain Linux" if name == "plain Linux" else target
        count = name.split()[0]
        label = f"{count} router{'s' if count != '1' else ''}" if name.endswith("idle") else "busy"
        if result.get("backend") == "libvirt" and name != "plain Linux":  # router VM r1; its neighbours by count
            label = f"{int(count) - 1} {name.split()[1]}"
        markers.append([offset, name if name == "plain Linux" else label])
        series.setdefault(target, []).extend([[offset + i * interval, v * 1e-3] for i, v in enumerate(samples)])
        series[target].append([offset + len(samples) * interval, None])
        offset += max(len(samples), 1) * interval + 0.5
    router = "router VM" if result.get("backend") == "libvirt" else "virtual router"
    busy = "busy"
    if result.get("neighbour_traffic", {}).get("senders"):
        busy = f"each forwarding its own {result.get('protocol', 'tcp').upper()} flow"
    return {"title": f"Round-trip time through one {router} (neighbours idle, then {busy})",
            "units": "s", "label": "round-trip time", "aggregate": False, "series": series, "markers": markers}

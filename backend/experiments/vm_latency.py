"""Table II on router VMs: the round-trip time from src to dst through router VM r1 while 0, 1, 3 or 7 of its
neighbour router VMs on the same lab host forward traffic (TCP, or UDP datagrams of 64 bytes), with plain
Linux and a namespace router (no VM) measured beside it as the reference.

The VXI is made for the largest count asked (src and dst on h1, routers r1..rN on h2, a link from src to each
router and from each router to dst: examples/lab-migration.vxdl's shape with N routers); every router VM runs
through every measure, idle or busy, as the paper's neighbours did. Each busy neighbour forwards a flow of its
own between two namespaces outside the VMs on its two links (backend/experiments/vm_senders.py), so that its
flow is limited by its own CPU, as the paper's neighbours each had their own senders; the measured path (src ->
r1 -> dst, all guests) is untouched. The paper's rise came from the routers competing for the host's CPU: here
every guest (and every lab host) shares this machine's cores."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from backend.experiments.migration import Progress
from backend.experiments.vm_senders import OutsideSenders
from backend.experiments.vms import SOURCE_HOST, VmBed, vm_bed

INTERVAL_S = 0.05  # between two pings of busybox's ping in src
ROUTER_MB = 128  # a guest needs 96 MiB at least; 128 boots every time
SETTLE_S = 20.0  # after the deploy: the guests' last boot work done, the load average less of the boot's
MAX_ROUTERS = 8  # the paper's largest count (7 neighbours); software-emulated guests cost a core's while each


def latency_vxi(routers: int) -> str:
    """The VXDL of src and dst joined by `routers` router VMs r1..rN (a link from src to each, one from each
    to dst)."""
    ports = "<x:ports><x:port>p0</x:port><x:port>p1</x:port></x:ports><x:function>router</x:function>"
    memory = f"<memory><unit>MB</unit><simple>{ROUTER_MB}</simple></memory>"
    lines = ["<?xml version='1.0' encoding='UTF-8'?>",
             '<description xmlns="http://www.vxdlforum.org/vxdl" xmlns:x="urn:vxi-designer:vxdl-ext:1">',
             "  <virtualInfrastructure>", f"    <id>lat{routers}</id>", "    <owner>lab</owner>"]
    lines += [f"    <vRouter><id>r{i}</id>{memory}{ports}</vRouter>" for i in range(1, routers + 1)]
    lines += [f"    <vNode><id>{end}</id><location>h1</location>{memory}</vNode>" for end in ("src", "dst")]
    for i in range(1, routers + 1):
        lines.append(f"    <vLink><id>src-r{i}</id><source>src</source><destination>r{i}</destination></vLink>")
        lines.append(f"    <vLink><id>r{i}-dst</id><source>r{i}</source><destination>dst</destination></vLink>")
    lines += ["  </virtualInfrastructure>", "</description>", ""]
    return "\n".join(lines)


def run_vm_latency(substrate_path: str | Path, routers: list[int], probes: int = 100,
                   capacity_bps: float | None = None, protocol: str = "tcp", reference: bool = True,
                   progress: Progress = lambda _: None) -> dict:
    """Deploy max(`routers`) router VMs on h2 of the lab `substrate_path` and measure Table II (see the module).
    The neighbours forward as fast as their CPU lets them: their own flows stay on h2's bridges, so
    `capacity_bps` (h2's underlay port shaped) bounds only what crosses hosts, the measured path's packets."""
    if not routers or max(routers) > MAX_ROUTERS or min(routers) < 1:
        from backend.experiments.vms import VmExperimentError

        raise VmExperimentError(f"router counts for the VM latency go from 1 to {MAX_ROUTERS}")
    ref = namespace_reference(probes, progress) if reference else None
    folder = Path(tempfile.mkdtemp(prefix="vxi-latency-"))
    try:
        vxi = folder / f"lat{max(routers)}.vxdl"
        vxi.write_text(latency_vxi(max(routers)))
        with vm_bed(substrate_path, capacity_bps, progress, vxi) as bed:
            progress(f"{SETTLE_S:g} s for the guests to settle after their boot")
            time.sleep(SETTLE_S)
            result = measure_vm_latency(bed, routers, probes, protocol, progress)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result["host_capacity_bps"] = capacity_bps
    result["settle_s"] = SETTLE_S
    if ref is not None:
        result["linux"] = ref["linux"]
        result["namespace_router"] = ref["router"]
        result["samples_ms"] = {"plain Linux": ref["samples"], **result["samples_ms"]}
    return result


def measure_vm_latency(bed: VmBed, routers: list[int], probes: int, protocol: str = "tcp",
                       progress: Progress = lambda _: None) -> dict:
    """On a deployed bed: pings through its first router with every neighbour idle, then with the first
    count-1 neighbours forwarding a flow of their own each (senders outside the VMs, vm_senders), for each
    count of `routers`; the load average before and after each measure."""
    names = list(bed.ports)
    measured, neighbours = names[0], names[1:]
    counts = sorted(set(routers))
    if counts[-1] > len(names):
        raise ValueError(f"{counts[-1]} routers asked, the bed has {len(names)}")
    busiest = neighbours[:counts[-1] - 1]
    host_ns = bed.deployer.real_host(SOURCE_HOST).netns
    with OutsideSenders(bed, busiest, host_ns) as senders:
        setup = senders.describe(protocol)
        progress(f"{len(busiest)} outside sender{'s' if len(busiest) != 1 else ''} on {SOURCE_HOST}'s link bridges "
                 f"({', '.join(f.sender_ns for f in senders.flows.values()) or 'none'})")
        progress(f"{probes} pings through {measured}, {len(neighbours)} neighbours idle")
        idle = _loaded(bed, lambda: round_trips(bed, measured, probes))
        results, samples = [], {f"{len(names)} idle": idle["samples"]}
        for count in counts:
            busy_ones = neighbours[:count - 1]
            if not busy_ones:
                busy, flows = idle, []
            else:
                busy, flows = _busy_measure(bed, senders, measured, busy_ones, probes, protocol, progress)
                samples[f"{count} busy"] = busy["samples"]
            results.append({"routers": count, "busy_neighbours": len(busy_ones), "idle_ms": idle["median_ms"],
                            "busy_ms": busy["median_ms"], "idle": _brief(idle), "busy": _brief(busy),
                            "neighbours_bps": sum(f.get("received_bps", 0.0) for f in flows),
                            "offered_bps": sum(f.get("sent_bps", 0.0) for f in flows),
                            "per_neighbour_bps": [f.get("received_bps", 0.0) for f in flows],
                            "senders_cpu_percent": sum(f.get("sender_cpu_percent") or 0.0 for f in flows),
                            "lost_percent": [f["lost_percent"] for f in flows if "lost_percent" in f],
                            "errors": [f["error"] for f in flows if "error" in f]})
    return {"experiment": "latency", "probes": probes, "interval_s": INTERVAL_S, "protocol": protocol,
            "measured": measured, "routers_deployed": len(names), "neighbour_traffic": setup,
            "results": results, "samples_ms": samples, **bed.facts()}


def _busy_measure(bed: VmBed, senders: OutsideSenders, measured: str, busy_ones: list[str], probes: int,
                  protocol: str, progress: Progress) -> tuple[dict, list[dict]]:
    """The pings through `measured` while each of `busy_ones` forwards its own flow; the flows' figures."""
    plural = "s" if len(busy_ones) > 1 else ""
    progress(f"{probes} pings through {measured}, {len(busy_ones)} neighbour{plural} forwarding "
             f"{protocol.upper()}{' (64-byte datagrams)' if protocol == 'udp' else ''} from outside senders")
    seconds = 3 + probes * INTERVAL_S * 2.5 + 3  # the pings stretch under load (their span is in the result)
    for router in busy_ones:
        senders.start(router, seconds, protocol)
    time.sleep(3.0)  # the flows past their start (TCP's ramp)
    busy = _loaded(bed, lambda: round_trips(bed, measured, probes))
    return busy, [senders.result(router, seconds + 60) for router in busy_ones]


def _loaded(bed: VmBed, measure) -> dict:
    """A measure with the machine's load average (1 min) just before and just after it, its span, and how many
    QEMU processes of others (not this bed's guests) ran at its start."""
    before, started, others = os.getloadavg()[0], time.monotonic(), _qemu_count() - len(bed.record.components)
    figures = measure()
    return {**figures, "load": [round(before, 2), round(os.getloadavg()[0], 2)],
            "span_s": round(time.monotonic() - started, 1), "other_qemu": max(others, 0)}


def _qemu_count() -> int:
    """QEMU processes running on this machine (every user's)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/comm"):
        try:
            count += status.read_text().startswith("qemu-system")
        except OSError:
            pass  # ended meanwhile
    return count


def round_trips(bed: VmBed, router: str, probes: int) -> dict:
    """`probes` pings from src to dst's address behind `router`, every 50 ms: mean, median, p95, lost."""
    done = bed.guest("src").run(f"ping -c {probes} -i {INTERVAL_S} -W 2 {bed.to_dst[router][1]}",
                                probes * INTERVAL_S * 4 + 30)
    samples = [float(v) for v in re.findall(r"time=([\d.]+) ms", done.output)]
    if not samples:
        return {"mean_ms": None, "median_ms": None, "p95_ms": None, "lost": probes, "samples": []}
    ranked = sorted(samples)
    return {"mean_ms": statistics.fmean(samples), "median_ms": statistics.median(samples),
            "p95_ms": ranked[min(len(ranked) - 1, int(0.95 * len(ranked)))], "lost": probes - len(samples),
            "samples": samples}


def namespace_reference(probes: int, progress: Progress = lambda _: None) -> dict:
    """The same measure without VMs, in namespaces of this machine (the netns experiment's beds): plain Linux
    forwarding, then one idle namespace router."""
    from backend.experiments.lab import Lab
    from backend.experiments.latency import _brief, _start_echo
    from backend.experiments.latency import round_trips as probe_round_trips
    from backend.experiments.topology import plain_linux, virtual_routers

    found = {}
    for name, build in (("linux", plain_linux), ("router", lambda lab, cap: virtual_routers(lab, 1, cap))):
        progress(f"reference without VMs: {'plain Linux' if name == 'linux' else 'one namespace router'}")
        with Lab() as lab:
            bed = build(lab, 1e9)
            echo = _start_echo(bed)
            try:
                figures = probe_round_trips(bed, probes)
            finally:
                echo.kill()
        found[name] = {"idle_ms": figures["median_ms"], "idle": _brief(figures)}
        if name == "linux":
            found["samples"] = figures["samples"]
    return found


def _brief(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "samples"}

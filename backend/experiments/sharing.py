"""Figure 5 and Table I: N virtual routers share one host's forwarding capacity, fairly.

Every run also measures the paper's reference in the same session: plain Linux forwarding (the
host namespace routes by itself) with 1500-byte and 64-byte packets.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.experiments.lab import Lab
from backend.experiments.measure import UDP_LARGE, UDP_SMALL, FlowRun, run_flows
from backend.experiments.topology import BRIDGE, MACVLAN, Bed, plain_linux, virtual_routers
from backend.monitor.iperf import jain_index

Progress = Callable[[str], None]


def _packet_figures(run: FlowRun, flow: int = 1) -> dict:
    result = run.iperf.get(flow)
    return {"bps": run.bps[flow], "pps": run.pps[flow],
            "loss_percent": result.lost_percent if result and result.lost_percent is not None else None}


def small_packets(beds: dict[str, Bed], seconds: float, rounds: int, progress: Progress) -> dict[str, dict]:
    """64-byte packets through each bed (plain Linux, one virtual router per attachment) in alternating
    rounds (the machine's load changes over time); each bed keeps its median round."""
    runs: dict[str, list[dict]] = {name: [] for name in beds}
    for round_number in range(1, rounds + 1):
        progress(f"64-byte packets, round {round_number} of {rounds}: " + ", ".join(beds))
        for name, bed in beds.items():
            runs[name].append(_packet_figures(run_flows(bed, [1], "udp", seconds, UDP_SMALL)))
    return {name: _median_round(found) for name, found in runs.items()}


def _median_round(runs: list[dict]) -> dict:
    middle = sorted(runs, key=lambda r: r["pps"])[len(runs) // 2]
    return {**middle, "rounds_pps": [r["pps"] for r in runs]}


def run_sharing(routers: list[int], protocol: str = "udp", capacity_bps: float = 100e6, seconds: float = 5.0,
                progress: Progress = lambda _: None, small_rounds: int = 3, attach: str = MACVLAN) -> dict:
    """Per-router and aggregate throughput and Jain's index for each router count, with plain Linux
    forwarding (1500- and 64-byte packets) measured in the same run as the reference."""
    results, series, phases = [], {}, []
    offset = 0.0
    length = UDP_LARGE if protocol == "udp" else 0
    other = BRIDGE if attach == MACVLAN else MACVLAN
    with Lab() as plain_lab, Lab() as lab, Lab() as other_lab:
        plain = plain_linux(plain_lab, capacity_bps, capacity_bps)
        bed = virtual_routers(lab, max(routers), capacity_bps, capacity_bps, attach=attach)
        other_bed = virtual_routers(other_lab, 1, capacity_bps, capacity_bps, attach=other)
        progress("plain Linux, 1500-byte packets")
        linux = {"large": _packet_figures(run_flows(plain, [1], protocol, seconds, length))}
        for count in routers:
            progress(f"{count} virtual router{'s' if count > 1 else ''}, {protocol.upper()} at full rate")
            flows = list(range(1, count + 1))
            # UDP senders offer 1.5 times their fair part (at most their NIC's rate, the host's capacity):
            # the host's scheduler, not the CPU left over by the senders, decides the shares.
            offered = min(capacity_bps, 1.5 * capacity_bps / count) if protocol == "udp" else 0.0
            run = run_flows(bed, flows, protocol, seconds, length, rate_bps=offered)
            per_router = [run.bps[i] for i in flows]
            fair = capacity_bps / count
            results.append({
                "routers": count, "per_router_bps": per_router, "aggregate_bps": sum(per_router),
                "jain": jain_index(per_router), "host_capacity_bps": capacity_bps,
                "share_of_fair": [v / fair for v in per_router],
                "per_router_pps": [run.pps[i] for i in flows],
                "loss_percent": [r.lost_percent if r else None for r in (run.iperf[i] for i in flows)],
                "offered_bps": offered or None, "errors": run.errors,
            })
            phases.append((offset, f"{count} router{'s' if count > 1 else ''}"))
            offset = _add_phase(series, run.series, offset) + 1.0
        small = small_packets({"plain Linux": plain, attach: bed, other: other_bed}, max(2.0, seconds / 2),
                              small_rounds, progress)
    linux["small"], virtual_small = small["plain Linux"], small[attach]
    one = next((r for r in results if r["routers"] == 1), results[0])
    return {
        "experiment": "sharing", "protocol": protocol, "packet_bytes": 1500, "seconds": seconds,
        "host_capacity_bps": capacity_bps, "attach": attach, "results": results, "linux": linux,
        "virtual_small": virtual_small, "small_by_attach": {attach: virtual_small, other: small[other]},
        "ratio_to_linux": {
            "large": one["per_router_bps"][0] / linux["large"]["bps"] if linux["large"]["bps"] else None,
            "small": virtual_small["pps"] / linux["small"]["pps"] if linux["small"]["pps"] else None,
            f"small_{other}": small[other]["pps"] / linux["small"]["pps"] if linux["small"]["pps"] else None,
        },
        "series": {name: [[round(t, 3), v] for t, v in points] for name, points in series.items()},
        "phases": [[round(t, 3), label] for t, label in phases],
    }


def _add_phase(series: dict, phase: dict[str, list[tuple[float, float]]], offset: float) -> float:
    """Append one run's curves (and their sum, tick by tick) after `offset`; returns where they end.
    A gap (None) separates runs, so that lines do not join one run to the next."""
    total: dict[float, float] = {}
    for name, points in phase.items():
        for t, v in points:
            total[t] = total.get(t, 0.0) + v
        series.setdefault(name, []).extend((t + offset, v) for t, v in points)
    series.setdefault("aggregate", []).extend((t + offset, v) for t, v in sorted(total.items()))
    end = offset + max(total or [0.0])
    for points in series.values():
        points.append((end + 0.5, None))
    return end


def plot_spec(result: dict) -> dict:
    """The plot of a sharing run: each router's throughput over the successive phases, and the total."""
    return {"title": f"Sharing one host ({result['host_capacity_bps'] / 1e6:.0f} Mbit/s, "
                     f"{result['protocol'].upper()}): "
                     + ", ".join(str(r["routers"]) for r in result["results"])
                     + (" router VMs" if result.get("backend") == "libvirt" else " virtual routers"),
            "units": "bit/s", "aggregate": False, "markers": result["phases"],
            "series": dict(sorted(result["series"].items(), key=lambda item: item[0] == "aggregate"))}

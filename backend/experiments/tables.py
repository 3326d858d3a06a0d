"""The paper's tables in text, as each experiment prints them (the JSON carries every figure)."""

from __future__ import annotations


def _mbps(bps: float | None) -> str:
    return "-" if bps is None else f"{bps / 1e6:7.1f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def text(result: dict) -> str:
    """The summary of any experiment's result."""
    return {"sharing": sharing, "latency": latency, "migration": migration}[result["experiment"]](result)


def _ms(seconds: float | None) -> str:
    return "not measured" if seconds is None else f"{seconds * 1000:.1f} ms"


def sharing(result: dict) -> str:
    """Table I in the shape of the paper's: per-router throughput, aggregate, fairness."""
    capacity = result["host_capacity_bps"]
    if result.get("backend") == "libvirt":
        return _vm_sharing(result)
    lines = [f"Sharing one host of {capacity / 1e6:.0f} Mbit/s ({result['protocol'].upper()}, 1500-byte packets, "
             f"{result['seconds']:g} s per run; Mbit/s on the receivers' NICs)",
             f"{'routers':>7}  {'fair share':>10}  {'per router':<40} {'aggregate':>9}  {'Jain':>5}"]
    for row in result["results"]:
        values = " ".join(_mbps(v).strip() for v in row["per_router_bps"])
        lines.append(f"{row['routers']:>7}  {_mbps(capacity / row['routers'])}     {values:<40} "
                     f"{_mbps(row['aggregate_bps'])}  {row['jain']:.3f}")
    linux, small = result["linux"], result["virtual_small"]
    ratios = result["ratio_to_linux"]
    large_pps = f", {linux['large']['pps']:,.0f} pps" if result["protocol"] == "udp" else ""
    lines += ["",
              f"plain Linux:     1500 B {_mbps(linux['large']['bps']).strip()} Mbit/s{large_pps};"
              f"  64 B {linux['small']['pps']:,.0f} pps",
              f"virtual router:  1500 B {_mbps(result['results'][0]['per_router_bps'][0]).strip()} Mbit/s;"
              f"  64 B {small['pps']:,.0f} pps",
              f"virtual / plain Linux: 1500 B {_percent(ratios['large'])}, 64 B {_percent(ratios['small'])} "
              f"(routers attached by {result['attach']}; paper: 100% and 31%)"]
    other = next((k for k in ratios if k.startswith("small_")), None)
    if other:
        lines.append(f"  64 B with routers attached by {other[6:]} instead: {_percent(ratios[other])}"
                     " (64 B: median of alternating rounds)")
    return "\n".join(lines)


def _vm_sharing(result: dict) -> str:
    """Table I on router VMs (TCP, iperf3's received figures)."""
    capacity = result["host_capacity_bps"]
    lines = [f"Sharing one lab host of {capacity / 1e6:.0f} Mbit/s between router VMs (TCP, {result['seconds']:g} s "
             f"per run; {result['guests']} guests, domain type {result['domain_type']}; Mbit/s received)",
             f"{'routers':>7}  {'fair share':>10}  {'per router':<24} {'aggregate':>9}  {'Jain':>5}"]
    for row in result["results"]:
        values = " ".join(_mbps(v).strip() for v in row["per_router_bps"])
        lines.append(f"{row['routers']:>7}  {_mbps(capacity / row['routers'])}     {values:<24} "
                     f"{_mbps(row['aggregate_bps'])}  {row['jain']:.3f}")
    return "\n".join(lines)


def latency(result: dict) -> str:
    """Table II: round-trip time through one router, neighbours idle then busy."""
    if result.get("backend") == "libvirt":
        return _vm_latency(result)
    lines = [f"Round-trip time through one virtual router ({result['probes']} UDP probes; mean, median and 95th "
             "percentile in ms)",
             f"{'routers':>7}  {'neighbours':>10}  {'idle mean/median/p95':>22}  {'busy mean/median/p95':>22}"]
    for row in result["results"]:
        lines.append(f"{row['routers']:>7}  {row['routers'] - 1:>10}  {_rtt(row['idle']):>22}  {_rtt(row['busy']):>22}")
    lines += ["", f"plain Linux: {_rtt(result['linux']['idle'])} ms",
              "paper: 0.084 ms plain Linux, 0.15 ms idle, 0.89/1.38/3.85 ms with 1/3/7 busy neighbours"]
    return "\n".join(lines)


def _vm_latency(result: dict) -> str:
    """Table II on router VMs: one row per count of busy neighbours, the references without VMs below."""
    udp = result.get("protocol") == "udp"
    traffic = result.get("neighbour_traffic", {})
    lines = [f"Round-trip time through router VM {result.get('measured', 'r1')} ({result['probes']} pings every "
             f"{result.get('interval_s', 0.05) * 1000:.0f} ms; mean/median/p95 in ms; {result['guests']} guests, "
             f"domain type {result['domain_type']}; neighbours forward "
             f"{'UDP, 64-byte datagrams' if udp else 'TCP'}"
             f"{', each its own flow from senders ' + traffic['senders'] if traffic.get('senders') else ''})",
             f"{'routers':>7}  {'busy neighbours':>15}  {'mean/median/p95':>22}  {'their traffic':>14}  load"]
    for row in result["results"]:
        moved = f"{_mbps(row.get('neighbours_bps')).strip()} Mbit/s" if row.get("busy_neighbours") else "-"
        load = row["busy"].get("load")
        lines.append(f"{row['routers']:>7}  {row.get('busy_neighbours', row['routers'] - 1):>15}  "
                     f"{_rtt(row['busy']):>22}  {moved:>14}  {'/'.join(f'{v:.1f}' for v in load) if load else '-'}")
    if result.get("linux"):
        lines += ["", f"without VMs (namespaces): plain Linux {_rtt(result['linux']['idle'])}, one namespace router "
                  f"{_rtt(result['namespace_router']['idle'])}"]
    lines.append("paper: 0.084 ms plain Linux, 0.15 ms idle, 0.89/1.38/3.85 ms with 1/3/7 busy neighbours")
    return "\n".join(lines)


def _rtt(figures: dict) -> str:
    if figures.get("mean_ms") is None:
        return "no answer"
    return f"{figures['mean_ms']:.3f}/{figures['median_ms']:.3f}/{figures['p95_ms']:.3f}"


def migration(result: dict) -> str:
    """Figure 7 in numbers: the moved router before, during and after its move."""
    lines = [f"Moving {result['moved']} from {result['from_host']} to {result['to_host']} at "
             f"t = {result['move_at_s']:.1f} s ({result['protocol'].upper()}, hosts of "
             f"{result['host_capacity_bps'] / 1e6:.0f} Mbit/s, {result['duration_s']:g} s)",
             f"  before the move: {_mbps(result['before_bps']).strip()} Mbit/s",
             f"  after the move:  {_mbps(result['after_bps']).strip()} Mbit/s  "
             f"(x{result['ratio']:.2f}; paper: about x2)",
             f"  the other router after: {_mbps(result['other_after_bps']).strip()} Mbit/s",
             f"  switch-over took {result['switch_s'] * 1000:.1f} ms; data-path outage "
             f"{_ms(result['outage_s'])} ({result.get('outage_how', 'longest gap of a 1 kHz UDP probe')})",
             f"  traffic dip in the samples: {result['dip_s'] * 1000:.0f} ms below half the rate before"]
    if result.get("backend") == "libvirt":
        lines.append(f"  real VMs ({result['guests']} guests, domain type {result['domain_type']}), deployed in "
                     f"{result['deploy_s']:.0f} s; libvirt's migration job {result['job_ms']} ms, stop-and-copy "
                     f"{result['downtime_ms']} ms")
    return "\n".join(lines)

"""Figures 6 and 7: two VXIs whose routers share a host; one router moves to a free host under load.

The set-up is the project's own Figure 6 (examples/figure6-*.vxdl): each VXI has 8 nodes in two
subnets (4 on host 'left', 4 on host 'right') and a router; both routers start on 'core1', whose
forwarding capacity is shaped; 'core2' is free. It is deployed with the netns Deployer and the router
is moved with the Deployer's migrate (re-attaching its interfaces to the other host). Each VXI carries
4 flows; a 1 kHz UDP probe through the moved router measures the data-path outage.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import time
from collections.abc import Callable

from backend.deploy.netns import kernel
from backend.deploy.netns.counters import NetnsSource, Probe
from backend.deploy.netns.deployer import UPLINK, NetnsDeployer
from backend.embedding.mapping import Mapping, RequestMapping
from backend.experiments.lab import Announcer, fair_shares, sysctl, vni_match
from backend.model import Quantity
from backend.monitor.flows import Flow, TrafficError, start_flows, stop_flow, wait_flow
from backend.monitor.rates import mean_rate
from backend.monitor.sampler import Sampler
from backend.monitor.series import TX
from backend.resources import examples_dir

EXAMPLES = examples_dir()
MOVED, STAYING = "rb", "ra"
SOURCE_HOST, DESTINATION_HOST = "core1", "core2"
PROBE_PORT, PROBE_RATE = 9000, 1000.0

Progress = Callable[[str], None]


def load_figure6(capacity_bps: float):
    """The substrate and both VXIs of Figure 6, the core hosts shaped to `capacity_bps`."""
    from backend.vxdl import read_file

    substrate = read_file(EXAMPLES / "figure6-substrate.vxdl", role="substrate").model
    vxis = [read_file(EXAMPLES / f"figure6-vxi-{name}.vxdl").model for name in ("a", "b")]
    for host in (SOURCE_HOST, DESTINATION_HOST):
        substrate.hosts[host].capacity = Quantity.simple("bandwidth", capacity_bps / 1e6, "Mbps")
    for host in ("left", "right"):  # the subnets' machines are not the bottleneck
        substrate.hosts[host].capacity = Quantity.simple("bandwidth", 4 * capacity_bps / 1e6, "Mbps")
    return substrate, vxis


def figure6_mapping(substrate, vxis) -> Mapping:
    """Nodes on the host their anchor names ('left', 'right'); both routers (anchored at site 'core') on core1."""
    def host_of(component) -> str:
        return component.location if component.location in substrate.hosts else SOURCE_HOST

    requests = [RequestMapping(vxi.id, True, nodes={c.id: host_of(c) for c in vxi.components.values()})
                for vxi in vxis]
    return Mapping(substrate.id, requests)


def _pairs(vxi) -> list[tuple[str, str]]:
    """(sender, receiver) node ids: the i-th node on 'left' sends to the i-th on 'right'."""
    left = [c.id for c in vxi.components.values() if c.location == "left"]
    right = [c.id for c in vxi.components.values() if c.location == "right"]
    return list(zip(left, right, strict=False))


def _probe_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backend.experiments.probe", *args]


def run_migration(duration: float = 60.0, capacity_bps: float = 100e6, protocol: str = "tcp",
                  progress: Progress = lambda _: None) -> dict:
    """Deploy Figure 6, load both VXIs, move router rb at a third of `duration`, measure."""
    substrate, vxis = load_figure6(capacity_bps)
    deployer = NetnsDeployer(substrate, vxis)
    move_at = duration / 3
    flows: list[Flow] = []
    probes: list[subprocess.Popen] = []
    sampler: Sampler | None = None
    try:
        progress("deploying Figure 6 (2 VXIs, 18 namespaces, 4 hosts) on the netns backend")
        record = deployer.deploy(figure6_mapping(substrate, vxis))
        routers = {STAYING: "vxi-a", MOVED: "vxi-b"}
        ns_of = {key: comp.name for key, comp in record.components.items()}
        address = {key: comp.addresses[0].split("/")[0] for key, comp in record.components.items()}
        probe_points = []
        for router, vxi_id in routers.items():
            receivers = {f"{vxi_id}/{link}" for link in
                         (lk.id for v in vxis if v.id == vxi_id for lk in v.links.values()
                          if v.components[lk.source].location == "right"
                          or v.components[lk.destination].location == "right")}
            comp = record.components[router]
            probe_points += [Probe(router, iface.name, comp.name, iface.name, comp.host)
                             for iface in comp.interfaces if iface.segment in receivers]
        _fair_hosts(record, [SOURCE_HOST, DESTINATION_HOST], capacity_bps)
        keep_neighbours(ns_of[MOVED], [iface.name for iface in record.components[MOVED].interfaces])
        source = NetnsSource(probe_points)
        sampler = Sampler(source, interval=1.0)
        for vxi in vxis:
            for n, (sender, receiver) in enumerate(_pairs(vxi)):
                flows.append(Flow(ns_of[sender], ns_of[receiver], address[receiver], 5300 + n, protocol,
                                  capacity_bps if protocol == "udp" else 0.0, duration + 1.0,
                                  1472 if protocol == "udp" else 0, name=f"{vxi.id}:{sender}->{receiver}"))
        b_sender, b_receiver = _pairs(next(v for v in vxis if v.id == routers[MOVED]))[0]
        probes.append(kernel.popen(ns_of[b_receiver], _probe_command(
            "receive", "--port", str(PROBE_PORT), "--seconds", str(duration + 3)), stdout=subprocess.PIPE, text=True))
        time.sleep(0.3)
        progress(f"{len(flows)} {protocol.upper()} flows for {duration:g} s; moving {MOVED} at t = {move_at:.1f} s")
        start_flows(flows)
        sampler.start()
        probes.append(kernel.popen(ns_of[b_sender], _probe_command(
            "send", "--target", address[b_receiver], "--port", str(PROBE_PORT), "--seconds", str(duration + 1),
            "--rate", str(PROBE_RATE)), stdout=subprocess.PIPE, text=True))
        _sleep_until(sampler, move_at - 1.0)
        with sampler.fast(0.1):
            _sleep_until(sampler, move_at)
            sampler.mark("migration-start", f"{MOVED} leaves {SOURCE_HOST}")
            switch_started = sampler.now()
            with Announcer(ns_of[MOVED], _broadcasts(record.components[MOVED].addresses)):
                migration = deployer.migrate(MOVED, DESTINATION_HOST)
            switch_s = sampler.now() - switch_started
            sampler.mark("migration-end", f"{MOVED} on {DESTINATION_HOST}")
            source.move(MOVED, DESTINATION_HOST)
            move_end = sampler.now()
            progress(f"moved in {switch_s * 1000:.0f} ms ({migration.notice})")
            _sleep_until(sampler, move_end + 2.0)
        _sleep_until(sampler, duration)
        sampler.stop()
        results = {}
        for flow in flows:
            try:
                results[flow.name] = wait_flow(flow, timeout=15).to_json()
            except TrafficError as exc:
                results[flow.name] = {"error": str(exc)}
        probe_out = [p.communicate(timeout=15)[0] for p in probes]
        probe = json.loads(probe_out[0] or "{}")
        if probe.get("gap_sent_at") is not None:  # the probes' clock is CLOCK_MONOTONIC, as the sampler's
            probe["gap_at_s"] = probe["gap_sent_at"] - (time.monotonic() - sampler.now())
        return _result(sampler, duration, capacity_bps, protocol, move_at, switch_started, move_end, switch_s,
                       probe, migration.to_json(), results)
    finally:
        if sampler is not None:
            sampler.stop()
        for flow in flows:
            stop_flow(flow)
        for process in probes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
        deployer.teardown()


def _fair_hosts(record, hosts: list[str], capacity_bps: float) -> None:
    """Share each core host's uplink fairly between the VXIs (one htb class per VXI, matched on the VXLAN
    ids of its segments), both ways: the deployer shapes it as one FIFO, which let one VXI starve the other."""
    groups = {}
    for key, segment in record.segments.items():
        groups.setdefault(key.split("/")[0], []).append(vni_match(int(segment["index"])))
    for host in hosts:
        index = record.files["uplinks"][host]["index"]
        fair_shares(record.hosts[host], UPLINK, capacity_bps, list(groups.values()))
        fair_shares(record.files["fabric"], f"u{index}", capacity_bps, list(groups.values()))


def keep_neighbours(ns: str, ifnames: list[str]) -> None:
    """Keep the router's ARP entries while its interfaces lose carrier during the move: by default
    Linux forgets them, and the first new ARP request, sent while detached, is only retried after 1 s."""
    sysctl(ns, *[f"net.ipv4.conf.{name}.arp_evict_nocarrier=0" for name in ("all", "default", *ifnames)])


def _broadcasts(addresses: list[str]) -> list[str]:
    return [str(ipaddress.ip_interface(cidr).network.broadcast_address) for cidr in addresses]


def _sleep_until(sampler: Sampler, t: float) -> None:
    delay = t - sampler.now()
    if delay > 0:
        time.sleep(delay)


def _router_series(sampler: Sampler, router: str) -> list[tuple[float, float]]:
    keys = [k for k in sampler.store.series_keys() if k.component == router and k.direction == TX]
    times, values = sampler.store.total(keys)
    return list(zip(times.tolist(), values.tolist(), strict=True))


def _result(sampler: Sampler, duration: float, capacity_bps: float, protocol: str, move_at: float,
            start: float, end: float, switch_s: float, probe: dict, migration: dict, flows: dict) -> dict:
    moved = _router_series(sampler, MOVED)
    staying = _router_series(sampler, STAYING)
    settle = min(3.0, max(duration - end, 0.0) / 2)  # TCP's ramp after the move
    before = mean_rate(moved, min(3.0, move_at / 2), start)
    after = mean_rate(moved, end + settle, duration)
    low = [t for t, v in moved if start - 1.0 <= t <= end + 5.0 and v < before / 2]
    dip = (max(low) - min(low) + 0.1) if low else 0.0
    return {
        "experiment": "migration", "protocol": protocol, "duration_s": duration, "host_capacity_bps": capacity_bps,
        "moved": MOVED, "from_host": SOURCE_HOST, "to_host": DESTINATION_HOST, "move_at_s": start,
        "move_end_s": end, "switch_s": switch_s,
        "before_bps": before, "after_bps": after, "ratio": after / before if before else None,
        "other_before_bps": mean_rate(staying, min(3.0, move_at / 2), start),
        "other_after_bps": mean_rate(staying, end + settle, duration),
        "outage_s": probe.get("longest_gap_s"), "dip_s": dip,
        "probe": probe, "deployer": migration, "flows": flows,
        "series": [[round(t, 3), v] for t, v in moved],
        "other_series": [[round(t, 3), v] for t, v in staying],
        "markers": [[round(m.time, 3), m.label] for m in sampler.store.markers() if m.kind.startswith("migration")],
    }


def plot_spec(result: dict) -> dict:
    """Figure 7: both routers' throughput, the aggregate, the move marked."""
    return {"title": f"Moving {result['moved']} from {result['from_host']} to {result['to_host']} "
                     f"({result['protocol'].upper()}, hosts of {result['host_capacity_bps'] / 1e6:.0f} Mbit/s)",
            "units": "bit/s", "aggregate": True,
            "series": {f"{result['moved']} (moved)": result["series"], STAYING: result["other_series"]},
            "markers": result["markers"]}

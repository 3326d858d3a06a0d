"""The paper's experiments on real VMs: two router guests share a lab host's capacity fairly (Table I, 1 and 2
routers), the latency through one with its neighbour idle then busy (Table II, one neighbour), and one moves
live to a free host (Figures 6 and 7).

On a lab of 3 hosts (vxi lab up): a sender `src` and a receiver `dst` on h1, routers `ra` and `rb` between
them (examples/lab-migration.vxdl), both placed on h2; deployed by DeploySession (the libvirt deployer, real
QEMU guests) and moved by its migrate (libvirt live migration). The host capacity the routers share is the
egress of h2's and h3's underlay port (the VXLAN packets the routers send towards dst), shaped with htb: one
class per router (matched on the VXLAN ids of its links), equal guaranteed parts, each may borrow the whole,
like a hypervisor serving its guests in turn; the migration stream and everything else pass unshaped. Each
router carries one iperf3 TCP flow from src to dst; throughput is read from libvirt's interface counters of
the routers' NICs towards dst (the series follow rb to h3). The outage is the deployer's own measure (a
neighbour pinging the router every 100 ms)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend.embedding.mapping import Mapping, RequestMapping
from backend.experiments.lab import vni_match
from backend.experiments.migration import Progress, _result, _sleep_until
from backend.monitor.sampler import Sampler
from backend.monitor.series import TX
from backend.resources import example

VXI = example("lab-migration.vxdl")
ENDS_HOST, SOURCE_HOST, DESTINATION_HOST = "h1", "h2", "h3"
STAYING, MOVED = "ra", "rb"
UNDERLAY_PORT = "ul0"  # a lab host's port on the lab's switch (backend/lab/lab.py)
LINE_BPS = 1e9  # what the underlay port passes besides the routers' share (migration, pings)
PORTS = {STAYING: 5201, MOVED: 5202}


class VmExperimentError(RuntimeError):
    """The experiment cannot run on this substrate (not a lab of three hosts h1, h2, h3)."""


def _placed_session(substrate, vxi, backend: str, placement: dict[str, str], progress: Progress,
                    vxi_path: Path = VXI):
    """A DeploySession whose embedding is the experiment's fixed placement (as the netns experiment's)."""
    from backend.deploy.session import DeploySession

    class PlacedSession(DeploySession):
        def embed(self, held=None, holders=None) -> Mapping:
            return Mapping(substrate.id, [RequestMapping(vxi.id, True, nodes=dict(placement))])

    def said(event) -> None:  # the deployment's steps and each guest's readiness, not every small step
        if event.component is None or "ready" in event.step:
            progress(event.line())

    return PlacedSession(substrate, [vxi], backend, files={"vxis": [str(vxi_path)]}, on_progress=said)


def host_fair_shares(ns: str, capacity_bps: float, groups: list[list[list[str]]]) -> None:
    """Shape a lab host's underlay egress: the matched traffic (one htb class per group) shares
    `capacity_bps` fairly; the rest (class 1:99) passes up to LINE_BPS."""
    from backend.lab import netns

    def tc(*args: str) -> None:
        netns.run(["tc", "-n", ns, *args])

    netns.run(["tc", "-n", ns, "qdisc", "del", "dev", UNDERLAY_PORT, "root"], check=False)
    line, cap = f"{int(LINE_BPS)}bit", f"{int(capacity_bps)}bit"
    share = f"{max(int(capacity_bps / max(len(groups), 1)), 8000)}bit"
    tc("qdisc", "add", "dev", UNDERLAY_PORT, "root", "handle", "1:", "htb", "default", "99")
    tc("class", "add", "dev", UNDERLAY_PORT, "parent", "1:", "classid", "1:1", "htb", "rate", line)
    tc("class", "add", "dev", UNDERLAY_PORT, "parent", "1:1", "classid", "1:10", "htb", "rate", cap, "ceil", cap,
       "burst", "32k", "cburst", "32k")
    for index, matches in enumerate(groups, start=1):
        classid = f"1:{0x20 + index:x}"
        tc("class", "add", "dev", UNDERLAY_PORT, "parent", "1:10", "classid", classid, "htb", "rate", share,
           "ceil", cap, "burst", "32k", "cburst", "32k", "quantum", "3028")
        tc("qdisc", "add", "dev", UNDERLAY_PORT, "parent", classid, "pfifo", "limit", "200")
        for match in matches:
            tc("filter", "add", "dev", UNDERLAY_PORT, "parent", "1:", "protocol", "ip", "prio", "1", "u32", *match,
               "flowid", classid)
    tc("class", "add", "dev", UNDERLAY_PORT, "parent", "1:1", "classid", "1:99", "htb", "rate", line)


def _guest(deployer, key: str):
    from backend.guest.channel import GuestChannel

    comp = deployer.record.components[key]
    return GuestChannel(deployer.connection(comp.host).lookupByName(comp.name))


def _check(done, what: str) -> str:
    if not done.ok:
        raise VmExperimentError(f"{what} failed (exit {done.exit_code}): {done.output.strip()[-300:]}")
    return done.output


@dataclass
class VmBed:
    """The experiment's VXI deployed on the lab and the routers' hosts shaped: what a run needs."""

    session: object
    record: object
    keys: dict[str, str]  # component id -> record key
    to_dst: dict[str, tuple[str, str]]  # router -> (its NIC towards dst, dst's address behind it)
    deploy_s: float
    ports: dict[str, int]  # router -> the port of dst's iperf3 server for the flow through it

    @property
    def deployer(self):
        """The session's libvirt deployer."""
        return self.session.deployer

    def guest(self, component: str):
        """The exec channel of a component, where it runs now."""
        return _guest(self.deployer, self.keys[component])

    def start_flow(self, router: str, seconds: float, protocol: str = "tcp") -> None:
        """An iperf3 flow from src to dst through `router`, in the background in src: TCP, or UDP datagrams of
        64 bytes sent as fast as src can (the paper's small packets)."""
        address, port = self.to_dst[router][1], self.ports[router]
        udp = " -u -l 64 -b 0" if protocol == "udp" else ""
        _check(self.guest("src").run(f"iperf3 -c {address} -p {port}{udp} -t {int(seconds)} -J "
                                     f"> /tmp/flow-{router}.json 2>&1 &", 10), f"iperf3 client in src through {router}")

    def flow_result(self, router: str) -> dict:
        """The flow's figures once it ended (iperf3's own: sent, received, retransmissions or datagrams lost)."""
        text = self.guest("src").run(f"f=/tmp/flow-{router}.json; for i in $(seq 20); do grep -q '^}}' $f && break; "
                                     "sleep 1; done; cat $f", 30).output
        try:
            end = json.loads(text)["end"]
            if "sum_received" not in end:  # UDP: one sum, the receiver's loss in it
                return {"sent_bps": end["sum"]["bits_per_second"],
                        "received_bps": end["sum"]["bits_per_second"] * (1 - end["sum"]["lost_percent"] / 100),
                        "lost_percent": end["sum"]["lost_percent"]}
            return {"sent_bps": end["sum_sent"]["bits_per_second"],
                    "received_bps": end["sum_received"]["bits_per_second"],
                    "retransmits": end["sum_sent"].get("retransmits")}
        except (ValueError, KeyError, TypeError):
            return {"error": text.strip()[-300:] or "iperf3 wrote nothing"}

    def series(self, sampler: Sampler, router: str) -> list[tuple[float, float]]:
        """A router's sending rate on its NIC towards dst, wherever it runs."""
        return _series(sampler, self.keys[router], self.to_dst[router][0])

    def facts(self) -> dict:
        """What every VM result carries about the deployment."""
        return {"backend": "libvirt", "deployment": self.record.id, "deploy_s": self.deploy_s,
                "guests": len(self.record.components),
                "domain_type": self.deployer.real_host(SOURCE_HOST).domain_type}


@contextmanager
def vm_bed(substrate_path: str | Path, capacity_bps: float | None, progress: Progress,
           vxi_path: Path = VXI) -> Iterator[VmBed]:
    """Deploy an experiment's VXI (src, dst on h1; its routers, ra and rb by default, on h2) through
    DeploySession, shape h2's and h3's underlay egress fairly between the routers (not when `capacity_bps` is
    None), start dst's iperf3 servers (one per router); everything undone on leaving."""
    from backend.deploy.libvirt import real
    from backend.deploy.session import read_model
    from backend.extras import require_libvirt
    from backend.lab import netns
    from backend.model import Infrastructure, Substrate
    from backend.model.components import Router

    require_libvirt("an experiment on router VMs (--backend libvirt)")
    substrate = read_model(substrate_path, Substrate)
    missing = {ENDS_HOST, SOURCE_HOST, DESTINATION_HOST} - set(substrate.hosts)
    if missing:
        raise VmExperimentError(f"substrate {substrate.id} has no host {', '.join(sorted(missing))}: start a lab "
                                "of 3 hosts (vxi lab up --hosts 3) and pass its substrate")
    vxi = read_model(vxi_path, Infrastructure)
    routers = [cid for cid, comp in vxi.components.items() if isinstance(comp, Router)]
    placement = {"src": ENDS_HOST, "dst": ENDS_HOST, **dict.fromkeys(routers, SOURCE_HOST)}
    session = _placed_session(substrate, vxi, "libvirt", placement, progress, vxi_path)
    session.files["substrate"] = str(Path(substrate_path).resolve())
    shaped: list[str] = []
    progress(f"deploying {vxi.id} ({len(placement)} guests: src, dst on {ENDS_HOST}; {', '.join(routers)} on "
             f"{SOURCE_HOST})")
    started = time.monotonic()
    record = session.deploy()
    try:
        deploy_s = time.monotonic() - started
        progress(f"deployed in {deploy_s:.1f} s")
        keys = {comp.id: key for key, comp in record.components.items()}
        to_dst, groups = {}, []
        for router in routers:
            group = []
            for iface in record.components[keys[router]].interfaces:
                seg = record.segments[iface.segment]
                group.append(vni_match(real.vni(session.deployer.tag, int(seg["index"]))))
                if keys["dst"] in seg["members"]:
                    to_dst[router] = (iface.name, next(
                        i.address.split("/")[0] for i in record.components[keys["dst"]].interfaces
                        if i.segment == iface.segment))
            groups.append(group)
        for host_id in (SOURCE_HOST, DESTINATION_HOST) if capacity_bps else ():
            ns = real.find_host(host_id, substrate.hosts[host_id].uri).netns
            shaped.append(ns)
            host_fair_shares(ns, capacity_bps, groups)
        ports = {router: PORTS.get(router, 5201 + i) for i, router in enumerate(routers)}
        bed = VmBed(session, record, keys, to_dst, deploy_s, ports)
        for router, port in ports.items():
            _check(bed.guest("dst").run(f"iperf3 -s -D -p {port}", 10), f"iperf3 server in dst for {router}")
        time.sleep(0.5)
        yield bed
    finally:
        for ns in shaped:
            netns.run(["tc", "-n", ns, "qdisc", "del", "dev", UNDERLAY_PORT, "root"], check=False)
        progress("tearing down")
        try:
            session.teardown()
        finally:
            session.close()


def run_vm_migration(substrate_path: str | Path, duration: float = 45.0, capacity_bps: float = 10e6,
                     progress: Progress = lambda _: None) -> dict:
    """Deploy the experiment's VXI on the lab `substrate_path`, one TCP flow per router, move rb from h2 to
    h3 at a third of `duration`, measure; the result has the netns experiment's shape (plot_spec, tables)."""
    with vm_bed(substrate_path, capacity_bps, progress) as bed:
        return measure_vm_migration(bed, duration, capacity_bps, progress)


def measure_vm_migration(bed: VmBed, duration: float, capacity_bps: float, progress: Progress = lambda _: None) -> dict:
    """Figure 7 on a deployed bed (ra and rb on h2): one TCP flow per router, rb moved to h3 at a third of
    `duration`; the routers' throughput before and after, the move's figures."""
    move_at = duration / 3
    sampler = Sampler(bed.deployer.counter_source(), interval=1.0)
    try:
        progress(f"2 TCP flows (src -> dst through {STAYING} and {MOVED}) for {duration:g} s, "
                 f"{capacity_bps / 1e6:g} Mbit/s shared per host; moving {MOVED} at t = {move_at:.1f} s")
        for router in PORTS:
            bed.start_flow(router, duration + 2)
        sampler.start()
        _sleep_until(sampler, move_at)
        sampler.mark("migration-start", f"{MOVED} leaves {SOURCE_HOST}")
        switch_started = sampler.now()
        migration = bed.session.migrate(bed.keys[MOVED], DESTINATION_HOST)
        switch_s = sampler.now() - switch_started
        sampler.mark("migration-end", f"{MOVED} on {DESTINATION_HOST}")
        move_end = sampler.now()
        progress(f"moved in {switch_s:.1f} s ({migration.notice})")
        _sleep_until(sampler, duration)
    finally:
        sampler.stop()
    flows = {f"src->dst via {router}": bed.flow_result(router) for router in PORTS}
    result = _result(sampler, duration, capacity_bps, "tcp", move_at, switch_started, move_end, switch_s,
                     {"longest_gap_s": migration.outage_s}, migration.to_json(), flows,
                     moved=bed.series(sampler, MOVED), staying=bed.series(sampler, STAYING),
                     from_host=SOURCE_HOST, to_host=DESTINATION_HOST)
    job = (bed.record.files.get("migrations") or [{}])[-1]
    result.update({**bed.facts(), "job_ms": job.get("job_ms"), "downtime_ms": job.get("downtime_ms"),
                   "outage_how": "longest run of lost pings from a neighbour pinging every 100 ms"})
    return result


def run_vm_sharing(substrate_path: str | Path, routers: list[int], seconds: float = 10.0,
                   capacity_bps: float = 10e6, progress: Progress = lambda _: None) -> dict:
    """Table I on router VMs: 1 then 2 routers of h2 loaded at once (one TCP flow each), per-router and
    aggregate throughput (iperf3's received figures) and Jain's index; the result has the sharing shape."""
    from backend.monitor.iperf import jain_index

    if any(count > len(PORTS) for count in routers):
        raise VmExperimentError(f"the VM experiment has {len(PORTS)} router VMs (software emulation on a small "
                                f"machine): --routers goes up to {len(PORTS)}")
    names = list(PORTS)
    results, phases = [], []
    with vm_bed(substrate_path, capacity_bps, progress) as bed:
        sampler = Sampler(bed.deployer.counter_source(), interval=1.0)
        sampler.start()
        try:
            for count in routers:
                loaded = names[:count]
                progress(f"{count} router VM{'s' if count > 1 else ''} loaded ({', '.join(loaded)}), {seconds:g} s")
                phases.append((round(sampler.now(), 3), f"{count} router{'s' if count > 1 else ''}"))
                for router in loaded:
                    bed.start_flow(router, seconds)
                time.sleep(seconds)
                flows = [bed.flow_result(router) for router in loaded]
                per_router = [f.get("received_bps", 0.0) for f in flows]
                results.append({"routers": count, "per_router_bps": per_router, "aggregate_bps": sum(per_router),
                                "jain": jain_index(per_router), "host_capacity_bps": capacity_bps,
                                "share_of_fair": [v / (capacity_bps / count) for v in per_router],
                                "retransmits": [f.get("retransmits") for f in flows],
                                "errors": [f["error"] for f in flows if "error" in f]})
                time.sleep(1.0)
        finally:
            sampler.stop()
        series = {router: [[round(t, 3), v] for t, v in bed.series(sampler, router)] for router in names}
        return {"experiment": "sharing", "protocol": "tcp", "seconds": seconds, "host_capacity_bps": capacity_bps,
                "results": results, "series": series, "phases": [list(p) for p in phases], **bed.facts()}


def _series(sampler: Sampler, component: str, interface: str) -> list[tuple[float, float]]:
    """A router's sending rate on its NIC towards dst, wherever it runs."""
    keys = [k for k in sampler.store.series_keys()
            if k.component == component and k.interface == interface and k.direction == TX]
    times, values = sampler.store.total(keys)
    return list(zip(times.tolist(), values.tolist(), strict=True))

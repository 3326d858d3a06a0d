"""The netns backend: the mapping as real namespaces, veths, bridges, VXLAN, tc and Linux routing.

Layout (every name starts with vxi<tag>-):
- `vxi<tag>-fabric`: the physical network, one bridge `fab` joining the hosts' uplinks;
- `vxi<tag>-h-<host>`: a physical host (dom0): uplink `upl` shaped to the host's capacity both ways
  and shared fairly between the VXIs (one htb class per VXI, packets classified by VXLAN id),
  and per segment present there a bridge `s<n>` with a VXLAN port `x<n>` (VNI n) over the uplink,
  so each VXI link is its own isolated L2 segment across hosts;
- `vxi<tag>-c-<vxi>-<component>`: a virtual node or router, one veth `e<j>` per segment (its host
  end `c<i>e<j>` on the segment's bridge), each end shaped to the link's bandwidth in its direction.

Isolation: IPv6 is off in every namespace (nothing here uses it), and each segment's bridge is sealed from
its host (a tenant's frames are forwarded between the segment's ports, never passed up to the host's own
stack), so a tenant reaches neither its host nor another VXI, by IPv4, IPv6 or ARP.
"""

from __future__ import annotations

import subprocess
import time

from backend.deploy.base import Deployer, DeployError, Journal, MigrationResult
from backend.deploy.netns import kernel
from backend.deploy.netns.counters import NetnsSource, probes_of
from backend.deploy.plan import Plan, name_clashes, object_name
from backend.deploy.progress import RUNNING, STARTING, STOPPED, Tracker
from backend.deploy.record import TORN_DOWN, Resource

UPLINK, FABRIC_BRIDGE, UNDERLAY_MTU = "upl", "fab", 1600


class NetnsDeployer(Deployer):
    """Deploys on this machine's kernel (root or CAP_NET_ADMIN)."""

    backend = "netns"

    # ----- naming -----
    @property
    def fabric(self) -> str:
        """The namespace of the physical network."""
        return f"{self.record.prefix}fabric"

    def host_ns(self, host_id: str) -> str:
        """The namespace of a physical host."""
        return f"{self.record.prefix}h-{object_name(host_id)}"

    def component_ns(self, vxi: str, component: str) -> str:
        """The namespace of a virtual node or router."""
        return f"{self.record.prefix}c-{object_name(vxi, component)}"

    # ----- deploy -----
    def _prepare(self, plan: Plan) -> None:
        try:
            kernel.require()
        except kernel.KernelError as exc:
            raise DeployError(str(exc), None, "privileges") from exc
        names, ifnames = {}, {}
        for i, (key, pc) in enumerate(plan.components.items()):
            names[key] = self.component_ns(pc.vxi, pc.id)
            for j, _ in enumerate(plan.segments_of(key)):
                ifnames[(key, j)] = (f"e{j}", kernel.link_name("c", str(i), "e", str(j)))
        clash = (name_clashes({f"{pc.vxi}/{pc.id}": names[key] for key, pc in plan.components.items()}, "components")
                 or name_clashes({h: self.host_ns(h) for h in self.substrate.hosts}, "hosts"))
        if clash:
            raise DeployError(clash, None, "names")
        self._describe(plan, names, ifnames)
        for index, host_id in enumerate(self.substrate.hosts):  # every host, so components can move there
            self.record.hosts[host_id] = self.host_ns(host_id)
            capacity = self.substrate.hosts[host_id].capacity
            self.record.files.setdefault("uplinks", {})[host_id] = {
                "index": index + 1, "capacity_bps": float(capacity.demand() or 0) if capacity else 0.0}
        self.record.files["fabric"] = self.fabric

    def _step(self, host: str | None, step: str, action, *args, component: str | None = None):
        self._report(step, host, component)
        try:
            return action(*args)
        except kernel.KernelError as exc:
            where = f"host {host}: " if host else ""
            raise DeployError(f"{where}{step} failed: {exc}", host, step) from exc

    def _namespace(self, name: str, host: str | None, journal: Journal, component: str | None = None) -> None:
        self._step(host, f"creating namespace {name}", kernel.create_namespace, name, component=component)
        journal.done(f"namespace {name}", lambda: kernel.delete_namespace(name))
        self.record.resources.append(Resource("namespace", name, host or ""))
        self._step(host, f"turning IPv6 off in namespace {name}", kernel.disable_ipv6, name, component=component)

    @staticmethod
    def _segment_hosts(plan: Plan) -> list[tuple[str, int]]:
        """(host, segment index) for each segment on each host where one of its members runs."""
        return [(host_id, seg.index) for seg in plan.segments
                for host_id in sorted({plan.components[a.component].host for a in seg.attachments})]

    def _units(self, plan: Plan) -> int:
        return 1 + len(self.record.hosts) + len(self._segment_hosts(plan)) + len(plan.components)

    def _create(self, plan: Plan, journal: Journal) -> None:
        with kernel.batch():
            self._namespace(self.fabric, None, journal)
            self._step(None, "creating the fabric bridge", kernel.add_bridge, self.fabric, FABRIC_BRIDGE)
            self.tracker.advance()
            for host_id in self.record.hosts:
                self._host(host_id, journal)
                self.tracker.advance()
            for host_id, index in self._segment_hosts(plan):
                self._segment_on(host_id, index)
                self.tracker.advance()
            for key in plan.components:
                self._component(plan, key, journal)
                self._running(key)

    def _host(self, host_id: str, journal: Journal) -> None:
        ns = self.record.hosts[host_id]
        up = self.record.files["uplinks"][host_id]
        outer = f"u{up['index']}"
        self._namespace(ns, host_id, journal)
        self._step(host_id, "creating the uplink", kernel.add_veth, ns, UPLINK, self.fabric, outer, UNDERLAY_MTU)
        self._step(host_id, "attaching the uplink", kernel.enslave, self.fabric, outer, FABRIC_BRIDGE)
        self._step(host_id, "bringing the uplink up", kernel.set_up, self.fabric, outer)
        self._step(host_id, "addressing the uplink", kernel.add_address, ns, UPLINK,
                   f"172.30.{up['index'] // 256}.{up['index'] % 256}/16")
        self._step(host_id, "bringing the uplink up", kernel.set_up, ns, UPLINK)
        if up["capacity_bps"]:
            groups: dict[str, list[int]] = {}
            for seg in self.plan.segments:
                groups.setdefault(seg.vxi, []).append(seg.index)
            for where, ifname in ((ns, UPLINK), (self.fabric, outer)):  # out of the host, then into it
                self._step(host_id, "shaping the uplink", kernel.shape_shared, where, ifname, up["capacity_bps"],
                           list(groups.values()))

    def _segment_on(self, host_id: str, index: int, component: str | None = None) -> None:
        """The segment's bridge and VXLAN port on a host (nothing when they are there already)."""
        ns = self.record.hosts[host_id]
        bridge, tunnel = f"s{index}", f"x{index}"
        if kernel.link_exists(ns, bridge):
            return
        group = f"239.1.{index // 256}.{index % 256}"
        for step, action, *args in ((f"creating bridge {bridge}", kernel.add_bridge, ns, bridge),
                                    (f"sealing bridge {bridge} from the host", kernel.seal, ns, bridge),
                                    (f"creating vxlan {tunnel}", kernel.add_vxlan, ns, tunnel, index, UPLINK, group),
                                    (f"attaching {tunnel}", kernel.enslave, ns, tunnel, bridge),
                                    (f"bringing {tunnel} up", kernel.set_up, ns, tunnel)):
            self._step(host_id, step, action, *args, component=component)

    def _component(self, plan: Plan, key: str, journal: Journal) -> None:
        pc = plan.components[key]
        rec = self.record.components[key]
        host, host_ns = pc.host, self.record.hosts[pc.host]

        def run(step: str, action, *args):
            return self._step(host, step, action, *args, component=key)

        self._namespace(rec.name, host, journal, key)
        for (seg, att), iface in zip(plan.segments_of(key), rec.interfaces, strict=True):
            step = f"attaching {pc.id} to link {seg.link}"
            run(step, kernel.add_veth, rec.name, iface.name, host_ns, iface.host_side)
            run(step, kernel.enslave, host_ns, iface.host_side, f"s{seg.index}")
            run(step, kernel.set_up, host_ns, iface.host_side)
            run(f"addressing {pc.id}", kernel.add_address, rec.name, iface.name, att.address)
            run(step, kernel.set_up, rec.name, iface.name)
            for ns, ifname, rate in ((rec.name, iface.name, att.rate_out_bps),
                                     (host_ns, iface.host_side, att.rate_in_bps)):
                if rate:
                    notice = run(f"shaping link {seg.link}", kernel.shape, ns, ifname, rate, seg.latency_s)
                    if notice and notice not in self.record.notices:
                        self.record.notices.append(notice)
        if pc.forwards:
            run(f"turning on forwarding in {pc.id}", kernel.set_forwarding, rec.name, True)
        for destination, gateway in pc.routes:
            run(f"routing {destination} in {pc.id}", kernel.add_route, rec.name, destination, gateway)

    # ----- counters, commands -----
    def counter_source(self) -> NetnsSource:
        """Kernel counters of every interface, read inside each component's namespace."""
        return NetnsSource(probes_of(self.record))

    def exec(self, key: str, argv: list[str]) -> int:
        """Run `argv` in the component's namespace (`ip netns exec`), its output on ours."""
        comp = self.record.components[key]
        if not kernel.namespace_exists(comp.name):
            raise DeployError(f"{key} is not running: its namespace {comp.name} is gone (see vxi status)",
                              comp.host, "exec")
        try:
            return subprocess.run(["ip", "netns", "exec", comp.name, *argv]).returncode
        except FileNotFoundError:
            raise DeployError("the 'ip' command is missing (package iproute2)", None, "exec") from None

    # ----- status, teardown -----
    def status(self):
        """A component is running while its namespace and its host's exist (stopped when it was stopped on
        purpose); with its host's namespace gone it is cut off from every link: missing."""
        hosts_gone = {h for h, ns in self.record.hosts.items() if not kernel.namespace_exists(ns)}
        ports: dict[str, set[str]] = {}  # each host's interfaces, listed once when a component is not where recorded
        moving = self.record.files.get("moving", {})
        for key, comp in self.record.components.items():
            if comp.host in hosts_gone or not kernel.namespace_exists(comp.name):
                comp.state = "missing"
                continue
            if key in moving:
                self._find_moved(comp, hosts_gone, ports)
            if comp.state != STOPPED:
                comp.state = RUNNING
        return self.record

    def _find_moved(self, comp, hosts_gone: set[str], ports: dict[str, set[str]]) -> None:
        """A component whose `vxi migrate` was killed: on the host holding all its host-side interfaces (the record
        and its resources follow); left on its recorded host when they are split (a migrate again ends the move)."""
        if not ports:
            ports.update({h: set(kernel.links(ns)) for h, ns in self.record.hosts.items() if h not in hosts_gone})
        sides = {iface.host_side for iface in comp.interfaces}
        holders = [h for h, names in ports.items() if sides and sides <= names]
        if len(holders) == 1 and holders[0] != comp.host:
            comp.host = holders[0]
            for res in self.record.resources:
                if res.name == comp.name:
                    res.host = comp.host

    def stop(self, key: str) -> None:
        """Unplug a component: the host ends of its interfaces go down (its own settings and routes stay)."""
        self._plug(key, STOPPED, "down", kernel.set_down)

    def start(self, key: str) -> None:
        """Plug a stopped component back in: the host ends of its interfaces come up again."""
        self._plug(key, RUNNING, "up", kernel.set_up)

    def _plug(self, key: str, state: str, word: str, action) -> None:
        comp = self.record.components[key]
        host_ns = self.record.hosts[comp.host]
        if not kernel.namespace_exists(comp.name):
            raise DeployError(f"{key} is gone: its namespace {comp.name} no longer exists (see vxi status)",
                              comp.host, state)
        self.tracker = Tracker(self.on_progress, len(comp.interfaces), RUNNING if state == STOPPED else STARTING)
        for iface in comp.interfaces:
            self._step(comp.host, f"bringing {iface.host_side} {word}", action, host_ns, iface.host_side, component=key)
            self.tracker.advance()
        comp.state = state
        self.tracker.emit(key, state, f"{key} {state}", comp.host, 1.0)

    def teardown(self) -> list[str]:
        """Delete every namespace named with this deployment's prefix (their links and qdiscs go with them)."""
        removed, problems = [], []
        for name in kernel.namespaces(self.record.prefix):
            try:
                if kernel.delete_namespace(name):
                    removed.append(f"namespace {name}")
            except (kernel.KernelError, OSError) as exc:
                problems.append(str(exc))
        if problems:
            raise DeployError(f"teardown incomplete ({len(removed)} removed): " + "; ".join(problems[:3]))
        for comp in self.record.components.values():
            comp.state = "removed"
        self.record.resources, self.record.state = [], TORN_DOWN
        return removed

    # ----- migration -----
    def migrate(self, component: str, host: str) -> MigrationResult:
        """Re-attach a component's host-side interfaces to another host; the outage is the time its
        interfaces were detached (from the first move to the last one up); a gratuitous ARP then
        tells the bridges and VXLAN endpoints where it is now."""
        comp, key = self._moving(component, host)
        source = comp.host
        if host not in self.record.hosts:
            raise DeployError(f"no host '{host}' in deployment {self.tag}", host, "migrate")
        self.tracker = Tracker(self.on_progress, 2 + len(comp.interfaces), RUNNING)
        src_ns, dst_ns = self.record.hosts[source], self.record.hosts[host]
        keep = {f"net.ipv4.conf.{name}.arp_evict_nocarrier": "0" for name in
                ("all", "default", *[i.name for i in comp.interfaces])}
        kernel.set_sysctls(comp.name, keep)  # keep its neighbours while the links lose carrier (Linux >= 5.16)
        with kernel.batch():
            for iface in comp.interfaces:
                self._segment_on(host, self.record.segments[iface.segment]["index"], key)
            self.tracker.advance()
            started = time.monotonic()
            for iface in comp.interfaces:
                index = self.record.segments[iface.segment]["index"]
                if not kernel.link_exists(dst_ns, iface.host_side):  # (moved already by a move that was killed)
                    self._step(source, f"moving {iface.host_side} to {host}", kernel.move_link, src_ns,
                               iface.host_side, dst_ns, component=key)
                self._step(host, f"attaching {iface.host_side}", kernel.enslave, dst_ns, iface.host_side,
                           f"s{index}", component=key)
                self._step(host, f"bringing {iface.host_side} up", kernel.set_up, dst_ns, iface.host_side,
                           component=key)
                self.tracker.advance()
            outage = time.monotonic() - started
            self._step(host, f"announcing {component}", kernel.announce, comp.name,
                       *[i.name for i in comp.interfaces], component=key)
            for iface in comp.interfaces:
                self._reshape(dst_ns, iface)
        comp.host = host
        for res in self.record.resources:
            if res.name == comp.name:
                res.host = host
        result = MigrationResult(component, source, host, "re-attach", outage,
                                 f"{len(comp.interfaces)} interfaces re-attached in {outage * 1000:.1f} ms")
        self.record.history.append(result.to_json())
        self.tracker.emit(key, RUNNING, f"{key} moved from {source} to {host} (re-attach)", host, 1.0)
        return result

    def retune(self, key: str, segment: str, out_bps: float | None, in_bps: float | None,
               latency_s: float | None = None) -> None:
        """Change the shaping of both ends of a component's interface on a segment in place (htb class changed,
        or a drop filter for a direction that carries nothing)."""
        comp = self.record.components[key]
        iface = next(i for i in comp.interfaces if i.segment == segment)
        host_ns = self.record.hosts[comp.host]
        for ns, ifname, rate in ((comp.name, iface.name, out_bps), (host_ns, iface.host_side, in_bps)):
            self._step(comp.host, f"shaping {ifname} of link {segment}", kernel.retune, ns, ifname, rate, latency_s,
                       component=key)
        iface.rate_out_bps, iface.rate_in_bps = out_bps or 0.0, in_bps or 0.0

    def shaping(self, segment: str) -> list[str]:
        """How this link's values are put in force: tc on each end's veth."""
        return ["tc: the htb class 1:10 of each end's veth, changed in place (idle: a BPF drop filter)"]

    def _reshape(self, ns: str, iface) -> None:
        """Shape a moved host-side end again (towards the component, at the link's rate that way)."""
        if iface.rate_in_bps:
            kernel.shape(ns, iface.host_side, iface.rate_in_bps, self.record.segments[iface.segment]["latency_s"])

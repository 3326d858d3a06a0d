"""The libvirt backend: one connection per physical host; components become domains, links networks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from backend.deploy import state
from backend.deploy.base import Deployer, DeployError, Journal
from backend.deploy.libvirt import disks, pools
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.libvirt.counters import DomainTarget, LibvirtSource
from backend.deploy.libvirt.guard import connection_closed
from backend.deploy.libvirt.guests import RealGuests
from backend.deploy.libvirt.migration import Migration
from backend.deploy.libvirt.removal import remove_domain, remove_network
from backend.deploy.libvirt.tuning import LinkTuning
from backend.deploy.libvirt.xml import (
    DomainSpec,
    NicSpec,
    domain_xml,
    network_xml,
    stable_uuid,
)
from backend.deploy.plan import Plan, name_clashes, object_name
from backend.deploy.progress import RUNNING, STARTING, STOPPED, Tracker
from backend.deploy.record import TORN_DOWN, Resource

STATES = {0: "no state", 1: "running", 2: "blocked", 3: "paused", 4: "shutting down", 5: "shut off",
          6: "crashed", 7: "suspended"}


class LibvirtDeployer(RealGuests, LinkTuning, Migration, Deployer):
    """Domains and isolated networks over libvirt; `test_only` runs every host on a generated
    test-driver host file whatever URI the substrate gives. On real libvirtd hosts the domains are guests
    that boot and are configured for real (backend/deploy/libvirt/guests.py)."""

    backend = "libvirt"

    def __init__(self, substrate, vxis, tag: str | None = None, *, test_only: bool = False,
                 folder: Path | None = None):
        super().__init__(substrate, vxis, tag)
        if test_only:
            self.record.backend = "test"
        self.test_only = test_only
        self.folder = folder
        self._no_connections()

    def _no_connections(self) -> None:
        self.connections: dict[str, object] = {}
        self.unreachable: dict[str, str] = {}  # host -> the sentence of the last status that could not ask it
        self._host_locks: dict[str, threading.Lock] = {}  # one per host: its connection opened once
        self._host_locks_made = threading.Lock()

    def _attach(self) -> None:
        self._no_connections()
        self.folder = None
        self.test_only = self.record.backend == "test"
        if self.test_only and not self.record.hosts:  # a record lost or damaged: its host files say where
            folder = state.deployments_dir(create=False) / self.tag
            for path in sorted(folder.glob("*.xml")) if folder.is_dir() else []:
                self.record.hosts[path.stem] = hostfiles.test_uri(path)
                self.record.files.setdefault("generated", {})[path.stem] = str(path)
        if self.record.backend == "libvirt" and not self.record.hosts:  # lost: the labs' hosts holding its names
            from backend.deploy.libvirt.leftovers import hosts_of

            self.record.hosts.update(hosts_of(self.tag))

    # ----- naming -----
    def domain_name(self, vxi: str, component: str) -> str:
        """The domain of a component: vxi<tag>-<vxi>-<component>."""
        return f"{self.record.prefix}{object_name(vxi, component)}"

    def network_name(self, vxi: str, link: str) -> str:
        """The network of a link: vxi<tag>-<vxi>-<link>."""
        return f"{self.record.prefix}{object_name(vxi, link)}"

    def _folder(self) -> Path:
        return self.folder or state.files_dir(self.tag)

    def _uri(self, host_id: str) -> str:
        host = self.substrate.hosts[host_id]
        if host.uri and not self.test_only:
            return host.uri
        path = hostfiles.host_file_path(self._folder(), host_id)
        self.record.files.setdefault("generated", {})[host_id] = str(path)
        return hostfiles.write_host_file(path, host)

    def connection(self, host_id: str, uri: str | None = None):
        """The one connection to a host, opened on first use, and again when the one held was closed (the daemon
        died, or keep-alive gave up on it during a freeze): every user (the jobs, the sampler, the lifecycle
        watch) asks here, so that none keeps calling a connection from before a freeze. `uri`: a host that is
        not the deployment's yet (a migration's candidate). Safe from several threads (one lock per host)."""
        with self._lock_of(host_id):
            held = self.connections.get(host_id)
            if held is not None and connection_closed(held):  # (freed when its last user lets it go: another
                del self.connections[host_id]  # thread may still hold it, which a close() here would break)
            if host_id not in self.connections:
                uri = self.record.hosts.get(host_id) or uri
                if uri is None:
                    raise DeployError(f"host {host_id} is not part of deployment {self.tag}", host_id, "connect")
                self.connections[host_id] = hostfiles.open_connection(uri, host_id)
            return self.connections[host_id]

    def _lock_of(self, host_id: str) -> threading.Lock:
        with self._host_locks_made:
            return self._host_locks.setdefault(host_id, threading.Lock())

    @property
    def real(self) -> bool:
        """True when every host is a real libvirtd (guests boot), False on the test driver."""
        return bool(self.record.hosts) and not any(hostfiles.is_test_uri(u) for u in self.record.hosts.values())

    def counter_source(self) -> LibvirtSource:
        """Interface counters of every domain, one bulk call per host (none are real on the test driver);
        on real hosts a domain is looked for on every host of the deployment, so its series follow it."""
        targets = [DomainTarget(key, comp.host, self._connection_or_none(comp.host), comp.name,
                                [i.name for i in comp.interfaces]) for key, comp in self.record.components.items()]
        hosts, candidates = {}, self._candidate_hosts()
        if self.real:
            for host_id, uri in candidates.items():
                try:
                    hosts[host_id] = self.connection(host_id, uri)
                except DeployError:
                    continue
        return LibvirtSource(targets, hosts, (lambda host_id: self.connection(host_id, candidates.get(host_id)))
                             if self.real else None)

    def _connection_or_none(self, host_id: str):
        """A host's connection; None for a real host that cannot be reached now (its counters are then read
        through the source's hosts, once it answers)."""
        try:
            return self.connection(host_id)
        except DeployError:
            if not self.real:
                raise
            return None

    def _candidate_hosts(self) -> dict[str, str]:
        """The deployment's hosts, and the substrate's other real hosts (where a migration may take a guest)."""
        found = dict(self.record.hosts)
        for host_id, host in (self.substrate.hosts.items() if self.substrate is not None else ()):
            if host.uri and not hostfiles.is_test_uri(host.uri):
                found.setdefault(host_id, host.uri)
        return found

    def lifecycle_watch(self, notify):
        """libvirt's lifecycle events of the deployment's domains (None when a host's driver sends none)."""
        from backend.deploy.libvirt.lifecycle import LifecycleWatch

        try:
            connections = {host: self.connection(host) for host in self.record.hosts}
            return LifecycleWatch(connections, self.record.prefix, notify, self.connection)
        except Exception:  # a host whose driver sends no events: a status poll still follows it
            return None

    def close(self) -> None:
        """Close every connection (on the test driver this ends the in-memory worlds)."""
        for conn in self.connections.values():
            try:
                conn.close()
            except Exception:
                pass
        self.connections = {}

    # ----- deploy -----
    def _prepare(self, plan: Plan) -> None:
        names = {k: self.domain_name(c.vxi, c.id) for k, c in plan.components.items()}
        domains = {f"{c.vxi}/{c.id}": names[k] for k, c in plan.components.items()}
        clash = (name_clashes(domains, "components") or name_clashes(
            {f"{s.vxi}/{s.link}": self.network_name(s.vxi, s.link) for s in plan.segments}, "links"))
        if clash:
            raise DeployError(clash, None, "names")
        self._describe(plan, names, {})
        used = {c.host for c in plan.components.values()}
        for host_id in self.substrate.hosts:
            if host_id in used:
                self.record.hosts[host_id] = self._uri(host_id)
        self.record.outlives_process = not all(hostfiles.is_test_uri(u) for u in self.record.hosts.values())
        self.record.real_counters = not any(hostfiles.is_test_uri(u) for u in self.record.hosts.values())
        if any(seg.latency_s for seg in plan.segments) and not self.real:
            self.record.notices.append("libvirt has no latency setting: link latency is not emulated "
                                       "(the netns backend applies it where the kernel has netem)")
        if self.real:
            self._prepare_real()
        elif any(not hostfiles.is_test_uri(u) for u in self.record.hosts.values()):
            raise DeployError("hosts of one deployment are all real libvirtd daemons or all test-driver hosts, "
                              "not a mix", None, "connect")
        if not self.record.real_counters:
            self.record.notices.append("the test driver's traffic counters are fake (derived from the clock): "
                                       "they are never shown as throughput")

    def _units(self, plan: Plan) -> int:
        return len(plan.components) + sum(len(self._segments_on(plan, h)) for h in self.record.hosts)

    @staticmethod
    def _segments_on(plan: Plan, host_id: str) -> list:
        return [seg for seg in plan.segments if any(plan.components[a.component].host == host_id
                                                    for a in seg.attachments)]

    def _create(self, plan: Plan, journal: Journal) -> None:
        if self.real:
            self._create_real(plan, journal)
            return
        for host_id, uri in self.record.hosts.items():
            self._report(f"connecting to {uri}", host_id)
            conn = self.connection(host_id)
            for seg in self._segments_on(plan, host_id):
                self._define_network(conn, host_id, seg.vxi, seg.link, seg.index, seg.forward_bps,
                                     seg.reverse_bps, journal)
                self.tracker.advance()
            for key, pc in plan.components.items():
                if pc.host == host_id:
                    self._define_domain(conn, host_id, self._spec(plan, key), journal, key)
                    self._running(key)
        self._save_worlds()

    def _spec(self, plan: Plan, key: str) -> DomainSpec:
        pc = plan.components[key]
        nics = [NicSpec(self.network_name(seg.vxi, seg.link), att.rate_out_bps, att.rate_in_bps, att.address,
                        att.port) for seg, att in plan.segments_of(key)]
        return DomainSpec(self.domain_name(pc.vxi, pc.id), stable_uuid(self.tag, self.domain_name(pc.vxi, pc.id)),
                          pc.memory_bytes, pc.vcpus, self.tag, pc.vxi, pc.id, pc.kind, nics, list(pc.routes),
                          "test" if self.record.hosts[pc.host].startswith("test:") else "kvm")

    def _step(self, host_id: str, step: str, action: Callable[[], object], component: str | None = None):
        import libvirt

        self._report(step, host_id, component)
        try:
            return action()
        except libvirt.libvirtError as exc:
            raise DeployError(f"host {host_id}: {step} failed: {exc.get_error_message()}", host_id, step) from exc

    def _define_network(self, conn, host_id: str, vxi: str, link: str, index: int, fwd: float, rev: float,
                        journal: Journal | None, component: str | None = None) -> None:
        name = self.network_name(vxi, link)
        if self.real and not self.real_host(host_id).host_shaping:  # the guests shape: no <bandwidth> on taps
            fwd = rev = 0.0
        xml = network_xml(name, stable_uuid(self.tag, name), f"vx{self.tag}b{index}", fwd, rev)
        net = self._step(host_id, f"defining network {name}", lambda: conn.networkDefineXML(xml), component)
        if journal is not None:
            journal.done(f"network {name} on {host_id}", lambda: remove_network(net))
        self._step(host_id, f"starting network {name}", net.create, component)
        self.record.resources.append(Resource("network", name, host_id))

    def _define_domain(self, conn, host_id: str, spec: DomainSpec, journal: Journal, key: str):
        import libvirt

        xml = domain_xml(spec)
        dom = self._step(host_id, f"defining domain {spec.name}",
                         lambda: conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE), key)
        journal.done(f"domain {spec.name} on {host_id}", lambda: self._remove_named_domain(host_id, spec.name, dom))
        self._step(host_id, f"starting domain {spec.name}", dom.create, key)
        self.record.resources.append(Resource("domain", spec.name, host_id))
        return dom

    def _remove_named_domain(self, host_id: str, name: str, dom) -> None:
        """Remove a domain by name on its host, through a new connection when the one it came from is gone."""
        import libvirt

        if connection_closed(dom.connect()):
            try:
                dom = self.connection(host_id).lookupByName(name)
            except libvirt.libvirtError as exc:
                if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                    return
                raise
        remove_domain(dom)

    def _save_worlds(self) -> None:
        """Write what each generated test host holds back into its file, for later commands."""
        for host_id, path in self.record.files.get("generated", {}).items():
            conn = self.connections.get(host_id)
            if conn is None or not Path(path).exists():
                continue
            objects = [n.XMLDesc(0) for n in conn.listAllNetworks()]
            objects += [d.XMLDesc(0) for d in conn.listAllDomains()]
            hostfiles.rewrite_host_file(Path(path), objects)

    # ----- status, teardown -----
    def status(self):
        """Each component's domain state, asked of its host ('missing' or 'unreachable' otherwise). A real host
        that does not answer within its calls' deadline (a frozen daemon, a dropped network: `guard`) has its
        components 'unreachable' and its sentence in `self.unreachable`; the next status asks it again."""
        lost: dict[str, str] = {}
        hosts: dict[str, list] = {}
        for key, comp in self.record.components.items():
            hosts.setdefault(comp.host, []).append((key, comp))
        for host_id, comps in hosts.items():
            uri = self.record.hosts.get(host_id, "")
            try:
                found = self._states_on(host_id, comps)
            except DeployError as exc:
                lost[host_id] = str(exc)
                found = dict.fromkeys((c.name for _k, c in comps), "unreachable")
            for _key, comp in comps:
                kept = found[comp.name] == "shut off" or hostfiles.is_test_uri(uri)
                comp.state = STOPPED if kept and comp.state == STOPPED else found[comp.name]  # (a test host
                # file reloads its domains running: there the record says what was stopped)
        for comp in self.record.components.values():
            if comp.state == "missing":
                self._found_elsewhere(comp, lost)
        self.unreachable = lost
        return self.record

    def _states_on(self, host_id: str, comps: list) -> dict[str, str]:
        """The state of each of `comps`' (key, component) domains on one host, by domain name (DeployError when
        the host is lost); a running guest of a user's disk has its agent asked again."""
        import libvirt

        conn = self.connection(host_id)
        disks = self.record.files.get("disks", {})
        found = {}
        for key, comp in comps:
            try:
                dom = conn.lookupByName(comp.name)
                found[comp.name] = STATES.get(dom.state()[0], "unknown")
                if key in disks and found[comp.name] == "running":
                    self.record.files.setdefault("agent", {})[key] = _agent_state(dom)
            except libvirt.libvirtError as exc:
                if connection_closed(conn):  # the daemon died, or keep-alive gave up on it
                    raise DeployError(f"host {host_id}: the connection to {self.record.hosts[host_id]} was lost: "
                                      f"{exc.get_error_message()}", host_id, "status") from exc
                found[comp.name] = "missing"
        return found

    def stop(self, key: str) -> None:
        """Destroy (power off) a component's domain; it stays defined, its state 'stopped'."""
        self._power(key, STOPPED, "stopping", lambda dom: dom.destroy() if dom.isActive() else None)

    def start(self, key: str) -> None:
        """Start a stopped component's domain again."""
        self._power(key, RUNNING, "starting", lambda dom: None if dom.isActive() else dom.create())

    def _power(self, key: str, state: str, verb: str, action: Callable[[object], object]) -> None:
        comp = self.record.components[key]
        conn = self.connection(comp.host)
        dom = self._step(comp.host, f"looking up domain {comp.name}", lambda: conn.lookupByName(comp.name), key)
        self.tracker = Tracker(self.on_progress, 1, STARTING if state == RUNNING else RUNNING)
        self._step(comp.host, f"{verb} domain {comp.name}", lambda: action(dom), key)
        comp.state = state
        self._save_worlds()
        self.tracker.emit(key, state, f"{key} {state}", comp.host, 1.0)

    def flush(self) -> None:
        """Write the test driver's worlds back to their host files (after changes made in place)."""
        self._save_worlds()

    def teardown(self) -> list[str]:
        """Destroy and undefine every domain and network whose name has this deployment's prefix (and on real
        hosts the links' bridges and tunnels, the disks' overlays and seeds); a host that cannot be reached is
        named in the DeployError and its part left for a later teardown, the other hosts' removed."""
        removed, problems = [], []
        generated = self.record.files.get("generated", {})
        hosts = [host_id for host_id in self.record.hosts  # a generated test-driver host whose file is gone
                 if not (host_id in generated and not Path(generated[host_id]).is_file())]  # holds nothing
        if self.real and len(hosts) > 1:  # real daemons are independent: each host's part at once
            with ThreadPoolExecutor(max_workers=min(len(hosts), 8), thread_name_prefix="vxi-teardown") as pool:
                parts = list(pool.map(self._teardown_host, hosts))
        else:
            parts = [self._teardown_host(host_id) for host_id in hosts]
        for done, trouble in parts:
            removed += done
            problems += trouble
        self._save_worlds()
        if (self.real or self.record.backend == "libvirt") and not problems:  # (a guest left may still use its disk)
            try:
                removed += [f"disk {name}" for name in disks.remove(self._folder(), self.record.prefix)]
            except OSError as exc:
                problems.append(f"removing overlays and seeds in {self._folder() / disks.DISKS}: {exc}")
        if problems:
            raise DeployError("teardown incomplete: " + "; ".join(problems))
        for comp in self.record.components.values():
            comp.state = "removed"
        self.record.resources, self.record.state = [], TORN_DOWN
        return removed

    def _teardown_host(self, host_id: str) -> tuple[list[str], list[str]]:
        """One host's part of the teardown: what was removed, and the problems met (a host that cannot be
        reached, or stopped answering, is one problem: the record stays for a later teardown)."""
        problems: list[str] = []
        try:
            removed = self._teardown_on(host_id, problems)
        except DeployError as exc:
            return [], [str(exc)]
        if self.real:
            try:
                removed += self._teardown_links(host_id)
            except RuntimeError as exc:
                problems.append(f"host {host_id}: removing link bridges and tunnels: {exc}")
        return removed, problems

    def _teardown_on(self, host_id: str, problems: list[str]) -> list[str]:
        """Destroy and undefine the deployment's domains and networks on one host, and remove its storage pool there
        (a host of another machine: users' disks); what was removed."""
        import libvirt

        removed = []
        conn = self.connection(host_id)
        for dom in conn.listAllDomains():
            if dom.name().startswith(self.record.prefix):
                remove_domain(dom)
                removed.append(f"domain {dom.name()} on {host_id}")
        for net in conn.listAllNetworks():
            if net.name().startswith(self.record.prefix):
                try:
                    remove_network(net)
                    removed.append(f"network {net.name()} on {host_id}")
                except libvirt.libvirtError as exc:
                    problems.append(f"host {host_id}: removing network {net.name()}: {exc}")
        if self.real:
            try:
                removed += [f"{what} on {host_id}" for what in pools.remove_all(conn, self.record.prefix)]
            except libvirt.libvirtError as exc:
                problems.append(f"host {host_id}: removing storage pool {pools.pool_name(self.record.prefix)}: "
                                f"{exc.get_error_message()}")
        return removed

    def exec(self, key: str, argv: list[str]) -> int:
        """Run a command in a real guest through its exec channel; its output on ours; its exit code."""
        if not self.real:
            raise _exec_unavailable(self.record.backend)
        return self._exec_real(key, argv)

def _agent_state(dom) -> str:
    """Whether a guest's agent answers now (a guest of a user's disk may have none)."""
    from backend.guest.channel import ChannelError, GuestChannel

    try:
        GuestChannel(dom).wait_ready(1.0)
    except ChannelError as exc:
        return f"unreachable ({exc})"
    return "answers"


def _exec_unavailable(backend: str) -> DeployError:
    return DeployError(f"the {backend} backend runs no guests: vxi exec needs real libvirtd hosts (vxi lab up) or "
                       "the netns backend", None, "exec")

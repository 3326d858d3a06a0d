"""The blocking half of run mode, run in a worker thread: embed, deploy with per-component states,
status, teardown, migration with plot markers, traffic. No Qt here; progress goes to a `report` callable."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from backend.deploy import Deployer, DeployError, MigrationResult, make_deployer, state
from backend.model import Infrastructure, Substrate

DEFINED, STARTING, RUNNING, FAILED = "defined", "starting", "running", "failed"
Report = Callable[[tuple], None]


class RunError(RuntimeError):
    """A run-mode job that failed, in words; `element` names the component or host it concerns, if any."""

    def __init__(self, message: str, element: str | None = None, states: dict[str, str] | None = None):
        super().__init__(message)
        self.element = element
        self.states = states or {}


def overlay_state(backend_state: str) -> str:
    """A deployment record's component state as one of defined, starting, running, failed."""
    if backend_state == RUNNING:
        return RUNNING
    if backend_state in (DEFINED, "removed", "torn-down"):
        return DEFINED
    if backend_state in (STARTING, "blocked", "paused", "no state"):
        return STARTING
    return FAILED


def _mentions(text: str, comp) -> bool:
    if comp.name and comp.name in text:
        return True
    return re.search(rf"(?<![\w#/.-]){re.escape(comp.id)}(?![\w#/.-])", text) is not None


@dataclass
class Session:
    """One deployment made from the designer: its inputs, deployer, sampler and flows."""

    substrate: Substrate
    vxis: list[Infrastructure]
    backend: str = "test"
    algorithm: str = "best"
    files: dict = field(default_factory=dict)
    deployer: Deployer | None = None
    sampler: object | None = None
    states: dict[str, str] = field(default_factory=dict)
    watch: object | None = None  # libvirt lifecycle events of the deployment's domains

    # ----- deploy -----
    def deploy(self, report: Report) -> dict[str, str]:
        """Embed and deploy; report ('state', key, state) and ('step', text, done, total) along the way."""
        from backend.embedding import embed

        report(("step", f"embedding {', '.join(v.id for v in self.vxis)} on {self.substrate.id}", 0, 0))
        try:
            mapping = embed(self.substrate, self.vxis, self.algorithm)
        except Exception as exc:
            raise RunError(f"cannot embed on {self.substrate.id}: {exc}") from exc
        refused = [r for r in mapping.requests if not r.accepted]
        if refused:
            raise RunError("; ".join(f"{r.id} does not fit on {self.substrate.id}: {r.reason or 'no reason given'}"
                                     for r in refused), refused[0].id)
        deployer = make_deployer(self.backend, self.substrate, self.vxis)
        deployer.record.files.update(self.files)
        deployer.persist = state.save
        self.deployer = deployer
        record = deployer.record

        def on_step(step: str, host: str | None) -> None:
            if not self.states and record.components:
                for key, comp in record.components.items():
                    self._set(report, key, overlay_state(comp.state))
            for key, comp in record.components.items():
                now = RUNNING if comp.state == RUNNING else self.states.get(key, DEFINED)
                if now == DEFINED and _mentions(step, comp):
                    now = STARTING
                self._set(report, key, now)
            done = sum(s == RUNNING for s in self.states.values())
            report(("step", f"{'host ' + host + ': ' if host else ''}{step}", done, len(record.components)))

        deployer.on_step = on_step
        try:
            deployer.deploy(mapping)
        except DeployError as exc:
            culprit = None
            for key, comp in record.components.items():
                starting = self.states.get(key) == STARTING or (exc.step and _mentions(exc.step, comp))
                self._set(report, key, FAILED if starting else DEFINED)
                if starting and culprit is None:
                    culprit = comp.id
            self._close()
            raise RunError(str(exc), culprit or exc.host, dict(self.states)) from exc
        finally:
            deployer.on_step = None
        for key, comp in record.components.items():
            self._set(report, key, overlay_state(comp.state))
        return dict(self.states)

    def _set(self, report: Report, key: str, value: str) -> None:
        if self.states.get(key) != value:
            self.states[key] = value
            report(("state", key, value))

    # ----- while running -----
    def make_sampler(self, interval: float = 1.0):
        """A sampler of the deployment's counters (not started)."""
        from backend.monitor.deployment import source_for
        from backend.monitor.sampler import Sampler

        self.sampler = Sampler(source_for(self.deployer), interval=interval)
        return self.sampler

    def watch_events(self, report: Report) -> bool:
        """Have libvirt say at once when a domain of the deployment starts, stops or crashes (reported as
        ('lifecycle', host, domain, event) from libvirt's event thread); False on netns, which has none."""
        from backend.deploy.libvirt.lifecycle import LifecycleWatch

        record = self.deployer.record
        if record.backend == "netns":
            return False
        try:
            connections = {host: self.deployer.connection(host) for host in record.hosts}
            self.watch = LifecycleWatch(connections, record.prefix, lambda *event: report(("lifecycle", *event)))
        except Exception:  # a host whose driver sends no events: the status poll still follows it
            return False
        return True

    def status(self, report: Report) -> dict[str, str]:
        """Ask the backend for each component's state; report the changes."""
        record = self.deployer.status()
        for key, comp in record.components.items():
            self._set(report, key, overlay_state(comp.state))
        return dict(self.states)

    def migrate(self, component: str, host: str, report: Report) -> MigrationResult:
        """Move a component; the plot gets start and end markers and faster sampling during the move."""
        sampler = self.sampler
        record = self.deployer.record
        comp = record.find(component)
        self.deployer.on_step = lambda step, where: report(("step", f"{'host ' + where + ': ' if where else ''}"
                                                                    f"{step}", 0, 0))
        if sampler is not None:
            sampler.mark("migration-start", f"{comp.id} → {host}")
        try:
            if sampler is not None:
                with sampler.fast():
                    result = self.deployer.migrate(component, host)
            else:
                result = self.deployer.migrate(component, host)
        except DeployError as exc:
            if sampler is not None:
                sampler.mark("migration-end", f"{comp.id} move failed")
            raise RunError(str(exc), comp.id) from exc
        finally:
            self.deployer.on_step = None
        if sampler is not None:
            outage = f", {result.outage_s * 1000:.0f} ms" if result.outage_s is not None else ""
            sampler.mark("migration-end", f"{comp.id} on {host}{outage}")
        if self.deployer.persist is not None:
            self.deployer.persist(record)
        return result

    # ----- traffic (netns) -----
    def start_traffic(self, source: str, destination: str, protocol: str = "tcp", rate_bps: float = 0.0,
                      seconds: float = 0.0) -> str:
        """Start an iperf3 flow between two components (kept by the flow book, as `vxi traffic start`)."""
        from backend.monitor import flowbook
        from backend.monitor.flows import Flow, TrafficError

        record = self.deployer.record
        if record.backend != "netns":
            raise RunError(f"traffic needs the netns backend (this deployment runs on {record.backend})")
        src, dst = record.find(source), record.find(destination)
        if not dst.addresses:
            raise RunError(f"{destination} has no address", destination)
        used = {f.port for f in flowbook.flows(record.id)}
        port = next(p for p in range(5201, 6000) if p not in used)
        flow = Flow(src.name, dst.name, dst.addresses[0].split("/")[0], port, protocol, rate_bps, seconds)
        try:
            booked = flowbook.start(record.id, flow, source, destination)
        except TrafficError as exc:
            raise RunError(str(exc), source) from exc
        return booked.id

    def stop_traffic(self) -> int:
        """Stop every running flow of the deployment; returns how many were stopped."""
        from backend.monitor import flowbook

        if self.deployer is None or self.deployer.record.backend != "netns":
            return 0
        running = [f for f in flowbook.flows(self.deployer.record.id) if flowbook.status(f)["state"] == "running"]
        for booked in running:
            flowbook.stop(booked)
        return len(running)

    # ----- ending -----
    def teardown(self, report: Report) -> int:
        """Stop sampling and flows, remove everything deployed and forget the record; returns objects removed."""
        self.stop_sampler()
        self.stop_watch()
        if self.deployer is None:
            return 0
        self.stop_traffic()
        try:
            removed = self.deployer.teardown()
        except DeployError as exc:
            raise RunError(str(exc)) from exc
        finally:
            self._close()
        for key in list(self.states):
            self._set(report, key, DEFINED)
        state.forget(self.deployer.record.id)
        return len(removed)

    def stop_sampler(self) -> None:
        """Stop the sampler thread (the series stay)."""
        if self.sampler is not None:
            self.sampler.stop()

    def stop_watch(self) -> None:
        """Stop listening to libvirt's lifecycle events."""
        if self.watch is not None:
            self.watch.close()
            self.watch = None

    def _close(self) -> None:
        self.stop_watch()
        close = getattr(self.deployer, "close", None)
        if close is not None:
            close()

"""The blocking half of run mode, run in the worker thread: the backend's deploy session (the one `vxi
deploy` uses: embed, deploy, status, migrate, teardown, each step a `Progress`), plus what only a live
window adds: the sampler with its migration markers, libvirt's lifecycle watch and traffic flows.
No Qt here; messages go to a `report` callable: a Progress, or ('lifecycle', host, domain, event)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from backend.deploy import Deployer, MigrationResult, state
from backend.deploy.backends import able, backend, orphan
from backend.deploy.session import DeploySession, Gone, SessionError, gone_error
from backend.deploy.state import StateError
from backend.embedding.fits import HostFit
from backend.model import Infrastructure, Substrate

Report = Callable[[object], None]


class RunError(RuntimeError):
    """A run-mode job that failed, in words; `element` names the component or host it concerns, if any; `gone`:
    the deployment is no longer in the deployments database (another command tore it down); `by_name`: its
    record went but its objects still run (a teardown by name removes them)."""

    def __init__(self, message: str, element: str | None = None, gone: bool = False, by_name: bool = False):
        super().__init__(message)
        self.element = element
        self.gone = gone
        self.by_name = by_name


@contextlib.contextmanager
def _in_words() -> Iterator[None]:
    try:
        yield
    except SessionError as exc:
        raise RunError(str(exc), exc.element, isinstance(exc, Gone), getattr(exc, "by_name", False)) from exc
    except StateError as exc:  # read outside a session (a damaged database): its sentence, as the CLI says it
        raise RunError(str(exc), gone=isinstance(exc, state.Gone), by_name=getattr(exc, "by_name", False)) from exc


class LiveRun:
    """One deployment made from the designer: the deploy session, its sampler, lifecycle watch and flows."""

    def __init__(self, substrate: Substrate, vxis: list[Infrastructure], backend: str = "test",
                 algorithm: str = "best", files: dict | None = None) -> None:
        self.session = DeploySession(substrate, vxis, backend, algorithm, files)
        self.sampler: object | None = None
        self.watch: object | None = None  # libvirt lifecycle events of the deployment's domains

    @property
    def deployer(self) -> Deployer | None:
        """The backend's deployer (None before deploy)."""
        return self.session.deployer

    @property
    def substrate(self) -> Substrate:
        """The substrate deployed on."""
        return self.session.substrate

    # ----- deploy -----
    def deploy(self, report: Report) -> dict[str, str]:
        """Embed and deploy, each step reported; returns the state of each component."""
        self.session.on_progress = report
        with _in_words():
            self.session.deploy()
        return dict(self.session.states)

    # ----- while running -----
    def make_sampler(self, interval: float = 1.0):
        """A sampler of the deployment's counters (not started)."""
        from backend.monitor.sampler import Sampler

        self.sampler = Sampler(self.deployer.counter_source(), interval=interval)
        return self.sampler

    def watch_events(self, report: Report) -> bool:
        """Have libvirt say at once when a domain of the deployment starts, stops or crashes (reported as
        ('lifecycle', host, domain, event) from libvirt's event thread); False where there are none."""
        self.watch = self.session.watch_lifecycle(lambda *event: report(("lifecycle", *event)))
        return self.watch is not None

    def status(self, report: Report) -> dict[str, str]:
        """Ask the backend for each component's state; the changes are reported."""
        self.session.on_progress = report
        self.session.status()
        if self.watch is not None and hasattr(self.watch, "renew"):  # a host back after a freeze: its events again
            self.watch.renew()
        return dict(self.session.states)

    def follow_time(self) -> dict:
        """Where the deployment is in its lease: when an agent runs it acts and this reads what it did (from the
        deployments database); otherwise this puts in force what the schedule says now, as the agent would.
        Returns {"clock", "state", "time", "agent"}: the deployments' clock, the deployment's state, the time fields of
        `vxi status` (lease, period, next_change, links) with "vxis" (each VXI's window and periods) and
        "log" (what was done, oldest first)."""
        from backend.deploy.time_status import time_json

        record = self.session.record
        with _in_words():
            if state.agent_pid() is None:
                self.session.follow()
                record = self.session.record
            else:
                try:
                    stored = state.load(record.id)
                except KeyError:  # torn down by another command (the agent's lease end is seen before: ended)
                    raise gone_error(record) from None
                record.time, record.state = stored.time, stored.state
                if len(stored.history) != len(record.history):  # the agent moved parts (replanned): its record
                    record.components, record.segments = stored.components, stored.segments  # is the truth
                    record.resources, record.history = stored.resources, stored.history
                for key, comp in stored.components.items():
                    if key in record.components:
                        record.components[key].state = comp.state
        info = time_json(record)
        info["vxis"] = (record.time.get("schedule") or {}).get("vxis", {})
        info["log"] = list(record.time.get("log", []))
        return {"clock": state.clock(), "state": record.state, "time": info, "agent": state.agent_pid()}

    def power(self, component: str, action: str, report: Report) -> str:
        """Stop or start (`action`) one component, each step reported; returns its key."""
        self.session.on_progress = report
        with _in_words():
            return self.session.stop(component) if action == "stop" else self.session.start(component)

    def host_choices(self, component: str) -> list[HostFit]:
        """Every host of the substrate, saying whether `component` can move there now, and why not."""
        with _in_words():
            return self.session.host_choices(component)

    def migrate(self, component: str, host: str, report: Report) -> MigrationResult:
        """Move a component; the plot gets start and end markers and faster sampling during the move."""
        sampler = self.sampler
        comp = self.deployer.record.find(component)
        self.session.on_progress = report
        if sampler is not None:
            sampler.mark("migration-start", f"{comp.id} → {host}")
        try:
            with sampler.fast() if sampler is not None else contextlib.nullcontext(), _in_words():
                result = self.session.migrate(component, host)
        except RunError:
            if sampler is not None:
                sampler.mark("migration-end", f"{comp.id} move failed")
            raise
        if sampler is not None:
            outage = f", {result.outage_s * 1000:.0f} ms" if result.outage_s is not None else ""
            sampler.mark("migration-end", f"{comp.id} on {host}{outage}")
        return result

    # ----- traffic (netns) -----
    def start_traffic(self, source: str, destination: str, protocol: str = "tcp", rate_bps: float = 0.0,
                      seconds: float = 0.0) -> str:
        """Start an iperf3 flow between two components (kept by the flow book, as `vxi traffic start`)."""
        from backend.monitor import flowbook
        from backend.monitor.flows import TrafficError

        record = self.deployer.record
        if not backend(record.backend).traffic:
            raise RunError(f"traffic needs the {' or '.join(able('traffic'))} backend (this deployment runs on "
                           f"{record.backend})")
        try:
            return flowbook.start_between(record, source, destination, protocol, rate_bps, seconds).id
        except (KeyError, TrafficError) as exc:
            raise RunError(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc), source) from exc

    def stop_traffic(self) -> int:
        """Stop every running flow of the deployment; returns how many were stopped."""
        from backend.monitor import flowbook

        if self.deployer is None or not backend(self.deployer.record.backend).traffic:
            return 0
        return len(flowbook.stop_running(self.deployer.record.id))

    # ----- ending -----
    def teardown(self, report: Report) -> int:
        """Stop sampling and flows, remove everything deployed and forget the record; returns objects removed."""
        self.stop_sampler()
        self.stop_watch()
        if self.deployer is None:
            return 0
        self.stop_traffic()
        self.session.on_progress = report
        with _in_words():
            return len(self.session.teardown())

    def teardown_by_name(self, report: Report) -> int:
        """Remove what is left of a deployment whose record went (deleted by hand), found by its name as `vxi
        teardown ID` finds it; returns objects removed (0 when nothing is found any more)."""
        self.stop_sampler()
        self.stop_watch()
        self.stop_traffic()
        with _in_words():
            bare = orphan(self.session.record.id)
            if bare is None:
                return 0
            return len(DeploySession.of_record(bare, report).teardown())

    def stop_sampler(self) -> None:
        """Stop the sampler thread (the series stay)."""
        if self.sampler is not None:
            self.sampler.stop()

    def stop_watch(self) -> None:
        """Stop listening to libvirt's lifecycle events."""
        if self.watch is not None:
            self.watch.close()
            self.watch = None

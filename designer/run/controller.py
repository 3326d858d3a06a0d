"""The run controller: holds the substrate and backend chosen, and runs every blocking job (embed, deploy,
status, migrate, stop, start, traffic, teardown) as an asyncio task on the designer's loop that awaits a
one-thread executor, so the window keeps answering during a deployment. Progress from the worker (and
libvirt's lifecycle events) reach the GUI thread through the loop's call_soon_threadsafe."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from shiboken6 import isValid

from backend.deploy import locks
from backend.deploy.progress import DEFINED, UNREACHABLE, Progress
from backend.deploy.record import TORN_DOWN
from backend.deploy.session import SessionError, read_model
from backend.deploy.state import Gone, StateError
from backend.embedding.fits import HostFit
from backend.model import Infrastructure, Problem, Substrate
from backend.monitor.series import SeriesKey
from backend.resources import examples_dir
from designer.loop import event_loop, start_task
from designer.run import shown
from designer.run.live import LiveRun, RunError

EXAMPLES = examples_dir()
DEFAULT_SUBSTRATE = EXAMPLES / "figure1-substrate.vxdl"
STATUS_MS = 5000
RATES_MS = 500
TIME_MS = 500  # how often the deployment's place in its lease is followed (what the agent did, or done here)


def matching_substrate(document_path: str | None) -> Path:
    """The substrate that goes with a VXI file (figure6-vxi-a.vxdl -> figure6-substrate.vxdl in its folder),
    else the examples' Figure 1 substrate."""
    if document_path:
        path = Path(document_path)
        stem = path.stem.split("-")[0]
        for candidate in sorted(path.parent.glob("*substrate*.vxdl")):
            if candidate.stem.split("-")[0] == stem:
                return candidate
    return DEFAULT_SUBSTRATE


class RunController(QObject):
    """Deploys the open VXI and follows it; the window's overlays, dock and dialogs listen to its signals."""

    states_changed = Signal()  # component states changed (see `states`)
    progress = Signal(object)  # a Progress of the running job (deploy, status, migrate, teardown)
    job_finished = Signal(str, bool, str)  # job name, success, message
    sampler_ready = Signal(object)  # a new Sampler, not started yet
    busy_changed = Signal(bool)
    problems_changed = Signal()  # `problems` (the run-mode failures) changed
    time_changed = Signal(object)  # where the deployment is in its lease: LiveRun.follow_time's dict, or None

    def __init__(self, document_model: Callable[[], Infrastructure | Substrate | None],
                 document_path: Callable[[], str | None] = lambda: None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document_model = document_model
        self.document_path = document_path
        self.substrate_path: str | None = None
        self.substrate_model: Substrate | None = None
        self.backend = "test"
        self.algorithm = "best"
        self.sample_interval = 1.0
        self.extra_paths: list[str] = []  # other VXI files deployed with the open one (sharing the substrate)
        self.session: LiveRun | None = None
        self.states: dict[str, str] = {}  # record key -> state
        self.reasons: dict[str, str] = {}  # record key -> why its host does not answer (unreachable ones)
        self.problems: list[Problem] = []
        self.last_migration = None
        self.running_job: str | None = None
        self.flows: list[str] = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vxi-run")
        self.loop = event_loop()
        self.tasks: set[asyncio.Task] = set()  # running jobs (kept, so none is collected mid-way)
        self.status_timer = QTimer(self)
        self.status_timer.setInterval(STATUS_MS)
        self.status_timer.timeout.connect(self.refresh_status)
        self._status_pending = False
        self._status_again = False  # asked for while a request was on its way (a lifecycle event): ask once more
        self.lease_over = False  # the deployment's lease ended: late reports of its components are stale
        self.time_timer = QTimer(self)
        self.time_timer.setInterval(TIME_MS)
        self.time_timer.timeout.connect(self.follow_time)
        self._time_pending = False
        self.time_info: dict | None = None  # the last follow_time result
        self._logged = 0  # entries of the deployment's time log already marked on the plot
        self.closed = False
        self.gone = False  # the deployment was torn down by another command
        self.orphaned = False  # ... or its record went (deleted by hand) while its objects still run: Teardown by name
        self._closing = threading.Event()  # set on shutdown: a wait for a lock in the worker gives up

    # ----- choices -----
    def choose_substrate(self, path: str | Path | None = None, model: Substrate | None = None) -> None:
        """Deploy on the substrate in this file (or this model)."""
        self.substrate_path = str(Path(path).resolve()) if path else None
        self.substrate_model = model

    def substrate_file(self) -> str:
        """The substrate file in use: the chosen one, else the one matching the document."""
        return self.substrate_path or str(matching_substrate(self.document_path()))

    def deployed(self) -> bool:
        """True while a deployment made here is up."""
        return self.session is not None and self.session.deployer is not None and \
            self.session.deployer.record.state == "running"

    def busy(self) -> bool:
        """True while a job runs."""
        return self.running_job is not None

    def record(self):
        """The deployment record, or None."""
        return self.session.deployer.record if self.session and self.session.deployer else None

    # ----- jobs -----
    def _submit(self, name: str, work: Callable[[], object], done: Callable[[object], None] | None = None,
                quiet: bool = False) -> bool:
        """Run `work` in the worker as a task; a `quiet` job (a status poll) does not make the controller busy."""
        if self.running_job is not None or self.closed:
            return False
        if not quiet:
            self.running_job = name
            self.busy_changed.emit(True)
        start_task(self._job(name, work, done), self.tasks)
        return True

    def run_job(self, name: str, work: Callable[[], object], done: Callable[[object], None] | None = None,
                quiet: bool = False) -> bool:
        """Run more run-mode work (the replan dialog's) in the worker as a job, as the controller's own are:
        busy meanwhile unless `quiet`, a failure (a RunError) reported in words on `job_finished`."""
        return self._submit(name, work, done, quiet)

    async def _job(self, name: str, work: Callable[[], object], done: Callable[[object], None] | None) -> None:
        try:
            result = await self.loop.run_in_executor(self._executor, self._in_worker, work)
        except RunError as exc:
            result = exc
        except StateError as exc:  # the database's own sentence, as LiveRun's jobs say it (listed once, not twice)
            result = RunError(str(exc), gone=isinstance(exc, Gone), by_name=getattr(exc, "by_name", False))
        except Exception as exc:  # every failure becomes a sentence in the problems dock
            result = RunError(f"{type(exc).__name__}: {exc}")
        if not isValid(self):  # the window (and this controller) went away meanwhile
            return
        if name == "status":
            self._status_pending = False
            if self._status_again:  # what changed meanwhile may not be in this answer
                self._status_again = False
                self.loop.call_soon(self.refresh_status)
        if name == "time":
            self._time_pending = False
        if name == self.running_job:
            self.running_job = None
            self.busy_changed.emit(False)
        if isinstance(result, RunError):
            self._failed(name, result)
        elif done is not None:
            done(result)

    def _in_worker(self, work: Callable[[], object]) -> object:
        """Run a job's work in the worker: a wait there for a lock another process keeps ends at shutdown."""
        with locks.ended_by(self._closing):
            return work()

    def _report(self, message: object) -> None:
        """From the worker (or libvirt's event thread): pass a Progress or a lifecycle event to the GUI thread."""
        try:
            self.loop.call_soon_threadsafe(self._deliver, message)
        except RuntimeError:  # the loop is closed: the designer is ending
            pass

    def _deliver(self, message: object) -> None:
        if not isValid(self) or self.closed:
            return
        if isinstance(message, Progress):
            if self.lease_over:  # a report sent before the end arrives after it: the states stay defined
                return
            if message.component is not None:
                self._keep_reason(message)
            if message.component is not None and self.states.get(message.component) != message.state:
                self.states[message.component] = message.state
                self.states_changed.emit()
            self.progress.emit(message)
        elif message[0] == "lifecycle":  # a domain started, stopped or crashed: ask now, not at the next poll
            self.refresh_status()

    def _keep_reason(self, message: Progress) -> None:
        """Remember why a component is unreachable (its host's sentence), for its mark's tooltip."""
        if message.state == UNREACHABLE and ": " in message.step:
            self.reasons[message.component] = message.step.split(": ", 1)[1]
        else:
            self.reasons.pop(message.component, None)

    def _failed(self, job: str, error: RunError) -> None:
        if error.gone and self.session is not None and not self.gone:
            self._gone(error.by_name)
        problem = Problem("error", f"run-{job}", error.element, str(error))
        if problem not in self.problems:  # a poll meeting the same failure every 0.5 s lists it once
            self.problems.append(problem)
            self.problems_changed.emit()
        self.job_finished.emit(job, False, str(error))

    def _gone(self, by_name: bool = False) -> None:
        """The deployment was torn down by another command (or, `by_name`, its record deleted while its objects
        run: Teardown then removes them by name): stop following it (nothing of it is stored again), its marks
        back to defined; the window's last curves stay."""
        self.gone = True
        self.orphaned = by_name
        self.status_timer.stop()
        self.time_timer.stop()
        self.session.stop_sampler()
        self.session.stop_watch()
        if self.record() is not None:
            self.record().state = TORN_DOWN
        self.states = {key: DEFINED for key in self.states}
        self.states_changed.emit()
        self.time_info = None
        self.time_changed.emit(None)

    def clear_problems(self) -> None:
        """Forget the run-mode failures (their cause went: another document, a new deployment)."""
        if self.problems:
            self.problems = []
            self.problems_changed.emit()

    def deploy(self) -> bool:
        """Embed and deploy the open VXI on the chosen substrate and backend (False when it cannot start)."""
        model = self.document_model()
        if self.deployed() or self.busy():
            return False
        if not isinstance(model, Infrastructure):
            self._failed("deploy", RunError("open a VXI to deploy it (the open document is a substrate)"))
            return False
        self.clear_problems()
        if self.session is not None and self.session.sampler is not None:
            self.session.stop_sampler()
        vxi = model.clone()
        substrate_path = None if self.substrate_model is not None else self.substrate_file()
        backend, algorithm = self.backend, self.algorithm
        document = self.document_path()
        extras = list(self.extra_paths)
        self.states = {}
        self.lease_over = self.gone = self.orphaned = False
        self.states_changed.emit()

        def work():
            substrate = self.substrate_model
            if substrate is None:
                substrate = _read(substrate_path, Substrate)
            files = {"substrate": substrate_path} if substrate_path else {}
            files["vxis"] = [p for p in [document, *extras] if p]
            session = LiveRun(substrate, [vxi, *[_read(p, Infrastructure) for p in extras]], backend, algorithm, files)
            self.session = session
            session.deploy(self._report)
            session.make_sampler(self.sample_interval)
            session.watch_events(self._report)
            return session

        return self._submit("deploy", work, self._deployed)

    def _deployed(self, session: LiveRun) -> None:
        record = session.deployer.record
        self.status_timer.start()
        self._logged = 0
        self.time_timer.start()
        self.follow_time()
        self.sampler_ready.emit(session.sampler)
        session.sampler.start()
        hosts = sorted({c.host for c in record.components.values()})
        self.job_finished.emit("deploy", True, f"deployment {record.id} running on the {record.backend} backend: "
                                               f"{len(record.components)} components on {len(hosts)} hosts")

    def refresh_status(self) -> None:
        """Ask the backend for each component's state (in the worker; skipped while another job runs, and
        while a status request is still on its way)."""
        if self._status_pending:
            self._status_again = True
        elif self.deployed() and not self.busy():
            session = self.session
            self._status_pending = self._submit("status", lambda: session.status(self._report), quiet=True)

    def follow_time(self) -> None:
        """Follow the deployment's lease and periods (in the worker; skipped while another job runs)."""
        if self.deployed() and not self.busy() and not self._time_pending:
            session = self.session
            self._time_pending = self._submit("time", session.follow_time, self._time_followed, quiet=True)

    def _time_followed(self, info: dict) -> None:
        self.time_info = info
        sampler = self.session.sampler if self.session is not None else None
        log = info["time"]["log"]
        for entry in log[self._logged:]:
            what = entry["what"]
            if sampler is not None and ("begins" in what or what.startswith("lease")):
                sampler.mark("period", what.split(":")[0])
        if len(log) != self._logged:  # a replanned move may have changed a host
            self.states_changed.emit()
        self._logged = len(log)
        if info["state"] != "running":  # its lease ended: torn down (by the agent, or by run mode)
            self.time_timer.stop()
            self.status_timer.stop()
            self.lease_over = True
            if self.session is not None:
                self.session.stop_sampler()
                self.session.stop_watch()
            self.states = {key: "defined" for key in self.states}
            self.states_changed.emit()
            self.job_finished.emit("time", True, f"deployment {self.record().id} ended: its lease is over")
        self.time_changed.emit(info)

    def teardown(self) -> bool:
        """Remove the deployment (and its flows)."""
        if self.session is None or self.session.deployer is None or self.busy():
            return False
        self.status_timer.stop()
        self.time_timer.stop()
        session = self.session
        self.flows = []
        if self.orphaned:  # its record went: what is left is found by name, as `vxi teardown ID` finds it
            return self._submit("teardown", lambda: session.teardown_by_name(self._report), self._torn_down)
        return self._submit("teardown", lambda: session.teardown(self._report), self._torn_down)

    def _torn_down(self, removed: int) -> None:
        record = self.record()
        if self.orphaned:  # the missing record's message goes with what it left
            self.orphaned = False
            self.clear_problems()
        self.time_info = None
        self.time_changed.emit(None)
        self.job_finished.emit("teardown", True, f"deployment {record.id} torn down: {removed} objects removed")

    def migrate(self, component: str, host: str, on_done: Callable[[object], None] | None = None) -> bool:
        """Move a deployed component (a record key) to another host."""
        if not self.deployed() or self.busy():
            return False
        session = self.session

        def done(result) -> None:
            self.last_migration = result
            self.job_finished.emit("migrate", True, f"{result.component} moved from {result.source} to "
                                                    f"{result.destination} ({result.mode}"
                                   + (f", outage {result.outage_s * 1000:.1f} ms" if result.outage_s is not None
                                      else "") + ")")
            if on_done is not None:
                on_done(result)
            self.states_changed.emit()

        return self._submit("migrate", lambda: session.migrate(component, host, self._report), done)

    def stop_component(self, keys: list[str]) -> bool:
        """Stop deployed components (record keys): each stays deployed, marked stopped."""
        return self._power(keys, "stop")

    def start_component(self, keys: list[str]) -> bool:
        """Start stopped components (record keys) again."""
        return self._power(keys, "start")

    def _power(self, keys: list[str], action: str) -> bool:
        if not self.deployed() or self.busy() or not keys:
            return False
        session = self.session

        def work() -> list[str]:
            return [session.power(key, action, self._report) for key in keys]

        def done(done_keys: list[str]) -> None:
            word = "stopped" if action == "stop" else "started"
            self.job_finished.emit(action, True, f"{', '.join(done_keys)} {word}")

        return self._submit(action, work, done)

    def keys_of(self, vxi_id: str, ident: str) -> list[str]:
        """The record keys of a scene component of a deployed VXI (a group: its members); [] when not deployed."""
        record = self.record()
        if record is None or not self.deployed():
            return []
        return [key for key, comp in record.components.items()
                if comp.vxi == vxi_id and comp.id.split("#", 1)[0] == ident]

    def host_choices(self, component: str) -> list[HostFit]:
        """Hosts offered for moving `component`, with the reason for those that do not fit."""
        return self.session.host_choices(component)

    def start_traffic(self, source: str, destination: str, protocol: str = "tcp", rate_bps: float = 0.0,
                      seconds: float = 0.0) -> bool:
        """Start an iperf3 flow between two deployed components (netns)."""
        if not self.deployed() or self.busy():
            return False
        session = self.session

        def done(flow_id: str) -> None:
            self.flows.append(flow_id)
            rate = f"{rate_bps / 1e6:g} Mbit/s" if rate_bps else "full rate"
            self.job_finished.emit("traffic", True, f"flow {flow_id}: {source} → {destination}, "
                                                    f"{protocol.upper()} at {rate}")

        return self._submit("traffic", lambda: session.start_traffic(source, destination, protocol, rate_bps,
                                                                     seconds), done)

    def stop_traffic(self) -> bool:
        """Stop every flow of the deployment."""
        if self.session is None or self.busy():
            return False
        session = self.session

        def done(count: int) -> None:
            self.flows = []
            self.job_finished.emit("traffic", True, f"{count} flow(s) stopped")

        return self._submit("stop-traffic", session.stop_traffic, done)

    # ----- what the view shows (designer/run/shown.py) -----
    def scene_states(self, vxi_id: str) -> dict[str, tuple[str, str]]:
        """States by scene component id for one VXI (a cloud sums up its members), with the host in words."""
        return shown.scene_states(self.record(), self.states, self.reasons, vxi_id)

    def link_series(self, vxi_id: str) -> dict[str, tuple[str, list[SeriesKey], list[SeriesKey], float, float]]:
        """Per VXI link: (end key, tx series, rx series, capacity out of that end, capacity into it)."""
        return shown.link_series(self.record(), vxi_id)

    def plot_groups(self, vxi_id: str, what: str = "all", busy: set[str] | None = None
                    ) -> dict[str, list[SeriesKey]]:
        """Curves for the plot: 'routers', 'links' (of `vxi_id`; the `busy` ones when given) or 'all', and the
        aggregate."""
        return shown.plot_groups(self.record(), vxi_id, what, busy)

    # ----- ending -----
    def shutdown(self) -> None:
        """Stop sampling and wait for a running job (at close); the deployment itself stays up."""
        self.closed = True
        self._closing.set()  # a job waiting for a lock gives up, so that closing never waits for another process
        self.status_timer.stop()
        self.time_timer.stop()
        if self.session is not None:
            self.session.stop_sampler()
        self._executor.shutdown(wait=True)
        if self.session is not None:
            self.session.stop_watch()


def _read(path: str, kind: type):
    """A model of `kind` from a VXDL file, or RunError in words (unreadable, with errors, of another kind)."""
    try:
        return read_model(path, kind)
    except SessionError as exc:
        raise RunError(str(exc)) from exc

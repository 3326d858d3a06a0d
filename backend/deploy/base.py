"""The one interface every backend implements, and the journal that rolls a failed deployment back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from backend.deploy.counters import CounterSource
from backend.deploy.database import StateError
from backend.deploy.plan import Plan, build_plan
from backend.deploy.progress import DEFINED, FAILED, RUNNING, Listener, Tracker
from backend.deploy.record import FAILED as DEPLOYMENT_FAILED
from backend.deploy.record import RUNNING as DEPLOYMENT_RUNNING
from backend.deploy.record import ComponentRecord, DeploymentRecord, Interface, new_tag
from backend.embedding.mapping import Mapping
from backend.model import Infrastructure, Substrate


class DeployError(RuntimeError):
    """A step that failed: names the host and the step, and says what was rolled back; `left` lists what
    a rollback could not remove (empty when it removed everything)."""

    def __init__(self, message: str, host: str | None = None, step: str | None = None,
                 left: list[str] | None = None):
        super().__init__(message)
        self.host = host
        self.step = step
        self.left = list(left or [])


@dataclass
class MigrationResult:
    """How a component moved: mode is 'live', 'cold' (started on the destination, then destroyed on
    the source) or 're-attach' (netns); `outage_s` is how long it was unreachable, when measured."""

    component: str
    source: str
    destination: str
    mode: str
    outage_s: float | None = None
    notice: str | None = None

    def to_json(self) -> dict:
        """The JSON form printed by `vxi migrate --json` and kept in the record's history."""
        return dict(self.__dict__)


class Journal:
    """Undo actions for what was created so far, run newest first when a later step fails."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], object]]] = []

    def done(self, what: str, undo: Callable[[], object]) -> None:
        """Remember how to remove something just created."""
        self._undo.append((what, undo))

    def rollback(self) -> list[str]:
        """Undo everything, newest first; returns what could not be undone."""
        left = []
        while self._undo:
            what, undo = self._undo.pop()
            try:
                undo()
            except Exception as exc:  # keep rolling back the rest
                left.append(f"{what}: {exc}")
        return left

    def __len__(self) -> int:
        return len(self._undo)


def _not_repeated(left: list[str], exc: BaseException) -> list[str]:
    """What a rollback left, each item's reason shortened when it is the failure's own sentence again (a host
    that stopped answering, said once before the list)."""
    if not isinstance(exc, DeployError) or exc.step != "unreachable":
        return left
    why = getattr(exc, "reason", "")
    return [item.replace(str(exc), "not answering").replace(why, "not answering") if why else item for item in left]


class Deployer(ABC):
    """Turns a mapping into running components on one backend, and manages what it created."""

    backend = "abstract"

    def __init__(self, substrate: Substrate, vxis: list[Infrastructure], tag: str | None = None):
        self.substrate = substrate
        self.vxis = vxis
        self.record = DeploymentRecord(tag or new_tag(), self.backend, substrate.id, [v.id for v in vxis])
        self.plan: Plan | None = None
        self.persist: Callable[[DeploymentRecord], object] | None = None  # called whenever the record changes
        self.on_progress: Listener | None = None  # gets a Progress before each step and at each state change
        self.tracker = Tracker(None)
        self.left: list[str] = []  # what the last rollback could not remove

    @classmethod
    def from_record(cls, record: DeploymentRecord, substrate: Substrate | None = None) -> Deployer:
        """A deployer that manages an existing deployment (for status, teardown, migrate, exec)."""
        deployer = cls.__new__(cls)
        deployer.substrate = substrate
        deployer.vxis = []
        deployer.record = record
        deployer.plan = None
        deployer.persist = None
        deployer.on_progress = None
        deployer.tracker = Tracker(None)
        deployer.left = []
        deployer._attach()
        return deployer

    def _attach(self) -> None:
        """Backend hook when managing a recorded deployment."""
        return None

    @property
    def tag(self) -> str:
        """The deployment's tag (its id); every created name starts with 'vxi' + tag + '-'."""
        return self.record.id

    def deploy(self, mapping: Mapping) -> DeploymentRecord:
        """Create everything the mapping asks for; on failure remove it all and raise DeployError.
        Each step goes to `on_progress` first; every component starts defined and ends running."""
        self.plan = build_plan(self.substrate, self.vxis, mapping)
        self._prepare(self.plan)
        self._persist()
        tracker = self.tracker = Tracker(self.on_progress, self._units(self.plan))
        journal = Journal()
        try:
            for key, comp in self.record.components.items():
                tracker.emit(key, DEFINED, f"{key} defined", comp.host)
            self._create(self.plan, journal)
            self.record.state = DEPLOYMENT_RUNNING
            self._persist()  # a running deployment the state cannot record is rolled back, never left unknown
        except BaseException as exc:  # an interrupt (Ctrl-C) rolls back too
            left = self.left = journal.rollback()
            step = getattr(exc, "step", None)
            host = getattr(exc, "host", None)
            reason = str(exc) if isinstance(exc, DeployError | StateError) else f"{type(exc).__name__}: {exc}"
            message = reason + f" (rolled back {'all' if not left else 'part'} of what was created"
            message += f"; left: {'; '.join(_not_repeated(left, exc))})" if left else ")"
            self.record.state, self.record.error = DEPLOYMENT_FAILED, message
            self._after_rollback()
            try:
                self._persist()
            except StateError:  # the state is what failed: the caller forgets the record (its files at least)
                pass
            self._rolled_back(message)
            if not isinstance(exc, Exception):
                raise
            raise DeployError(message, host, step, left) from exc
        tracker.emit(None, RUNNING, f"deployment {self.tag} running on the {self.record.backend} backend",
                     fraction=1.0)
        return self.record

    def _moving(self, component: str, host: str) -> tuple[ComponentRecord, str]:
        """The component a migration moves and its key (DeployError when it is on `host` already)."""
        comp = self.record.find(component)
        if host == comp.host:
            raise DeployError(f"{component} is already on {host}", host, "migrate")
        if comp.state == "stopped":
            raise DeployError(f"{component} is stopped: start it before moving it", comp.host, "migrate")
        return comp, self.record.key_of(comp)

    def _units(self, plan: Plan) -> int:
        """How many units (objects created) a deployment of this plan counts, for its fraction done."""
        return len(plan.components) + len(plan.segments)

    def _report(self, step: str, host: str | None, component: str | None = None) -> None:
        """A step about to run (for a component, when it concerns one)."""
        self.tracker.step(step, host, component)

    def _running(self, key: str) -> None:
        """A component is up: its record says so, its progress too."""
        comp = self.record.components[key]
        comp.state = RUNNING
        self.tracker.advance()
        self.tracker.emit(key, RUNNING, f"{key} running", comp.host)

    def _rolled_back(self, message: str) -> None:
        """After a rollback: the component being created failed, the others are back to defined."""
        tracker = self.tracker
        for key, last in list(tracker.states.items()):
            host = self.record.components[key].host
            if key == tracker.current:
                tracker.emit(key, FAILED, message, host)
            elif last != DEFINED:
                tracker.emit(key, DEFINED, f"{key} removed by the rollback", host)
        tracker.emit(None, FAILED, message, tracker.host)

    def _persist(self) -> None:
        if self.persist is not None:
            self.persist(self.record)

    def _describe(self, plan: Plan, names: dict[str, str], ifnames: dict[tuple[str, int], tuple[str, str]]
                  ) -> None:
        """Fill the record's components and segments from the plan."""
        for key, pc in plan.components.items():
            interfaces = []
            for j, (seg, att) in enumerate(plan.segments_of(key)):
                inner, outer = ifnames.get((key, j), (f"eth{j}", None))
                interfaces.append(Interface(inner, f"{seg.vxi}/{seg.link}", att.address, outer,
                                            att.rate_out_bps, att.rate_in_bps))
            self.record.components[key] = ComponentRecord(pc.vxi, pc.id, pc.kind, pc.host, "defined",
                                                          list(pc.addresses), names.get(key, ""), interfaces)
        for seg in plan.segments:
            hosts = sorted({plan.components[a.component].host for a in seg.attachments})
            self.record.segments[f"{seg.vxi}/{seg.link}"] = {
                "index": seg.index, "subnet": seg.subnet, "forward_bps": seg.forward_bps,
                "reverse_bps": seg.reverse_bps, "latency_s": seg.latency_s, "hosts": hosts,
                "members": [a.component for a in seg.attachments],
                "paths": {k: [list(step) for step in v] for k, v in seg.paths.items()}}

    def _after_rollback(self) -> None:
        """Backend hook after a rollback (close connections, for instance)."""
        return None

    def close(self) -> None:
        """Release what the deployer holds open (connections); the deployment itself stays."""
        return None

    @abstractmethod
    def _prepare(self, plan: Plan) -> None:
        """Name everything and fill the record (before anything is created, so a crash leaves a trace)."""

    @abstractmethod
    def _create(self, plan: Plan, journal: Journal) -> None:
        """Create everything, recording an undo in the journal after each creation."""

    @abstractmethod
    def status(self) -> DeploymentRecord:
        """The record with each component's current state."""

    @abstractmethod
    def teardown(self) -> list[str]:
        """Remove everything named with this deployment's prefix (idempotent); returns what was removed."""

    @abstractmethod
    def migrate(self, component: str, host: str) -> MigrationResult:
        """Move a component (a router, typically) to another host; its steps go to `on_progress`."""

    @abstractmethod
    def counter_source(self) -> CounterSource:
        """The byte counters of every deployed interface (which says when they are not real traffic)."""

    def lifecycle_watch(self, notify: Callable[[str, str, str], object]) -> object | None:
        """A watch that calls `notify(host, name, event)` when a component starts, stops or crashes behind our
        back, until its `close()`; None when the backend sends no such events."""
        return None

    def stop(self, key: str) -> None:
        """Stop a deployed component, keeping it deployed (its state becomes 'stopped'); DeployError when the
        backend cannot stop its components."""
        raise DeployError(f"the {self.record.backend} backend cannot stop a component", None, "stop")

    def start(self, key: str) -> None:
        """Start a stopped component again (its state becomes 'running'); DeployError when the backend cannot."""
        raise DeployError(f"the {self.record.backend} backend cannot start a component", None, "start")

    def retune(self, key: str, segment: str, out_bps: float | None, in_bps: float | None,
               latency_s: float | None = None) -> None:
        """Change, in place and with traffic flowing, the rates of a running component's interface on a segment
        ("vxi/link"): out of and into the component, each None (not limited) or bit/s, 0 carrying nothing.
        DeployError when the backend cannot."""
        raise DeployError(f"the {self.record.backend} backend cannot change a link's values in place", None, "retune")

    def retune_link(self, segment: str, forward_bps: float, reverse_bps: float) -> list[str]:
        """Change, in place, what shapes a link as a whole (beyond its ends, which `retune` changes) to these rates
        (bit/s, 0: not limited that way; an idle link comes as the least rate); returns how it was done, one
        phrase per mechanism (empty: the backend shapes links at their ends only)."""
        return []

    def shaping(self, segment: str) -> list[str]:
        """How a link's values are put in force on this backend, one phrase per mechanism (`vxi status`)."""
        return []

    def flush(self) -> None:
        """Write out what changes made in place left in memory only (libvirt's test driver: its host files)."""
        return None

    def exec(self, key: str, argv: list[str]) -> int:
        """Run a command inside a deployed component, its output on this process's own; returns its exit code.
        DeployError when the backend cannot run commands in its components."""
        raise DeployError(f"the {self.record.backend} backend cannot run commands inside its components",
                          None, "exec")

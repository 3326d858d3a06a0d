"""Progress of a deployment job (deploy, migrate, teardown, status), component by component: what the
deployers report, what `vxi deploy` prints on a terminal and what the designer draws on its canvas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from backend.deploy.record import TORN_DOWN

DEFINED, STARTING, RUNNING, FAILED = "defined", "starting", "running", "failed"
STOPPED = "stopped"  # stopped on purpose (Deployer.stop), still deployed
UNREACHABLE = "unreachable"  # its host does not answer: its state is unknown until the host answers again
STATES = (DEFINED, STARTING, RUNNING, STOPPED, FAILED, UNREACHABLE)


@dataclass(frozen=True)
class Progress:
    """One step of a job. `component` is a record key (None: the deployment as a whole); `state` is that
    component's (or the deployment's) state, one of STATES; `fraction` is how much of the job is done."""

    component: str | None
    state: str
    step: str
    fraction: float
    host: str | None = None

    def line(self) -> str:
        """The step for people: 'host core1: starting domain vxiab12c-vxi-a-ra'."""
        return f"host {self.host}: {self.step}" if self.host else self.step

    def to_json(self) -> dict:
        """The JSON form `vxi deploy --progress json` prints, one object a line."""
        return asdict(self)


Listener = Callable[[Progress], object]


def state_of(record_state: str) -> str:
    """A component record's state (as a backend reports it) as one of defined, starting, running, stopped,
    failed, unreachable."""
    if record_state in (RUNNING, STOPPED, UNREACHABLE):
        return record_state
    if record_state in (DEFINED, "removed", TORN_DOWN):
        return DEFINED
    if record_state in (STARTING, "blocked", "paused", "no state"):
        return STARTING
    return FAILED


class Tracker:
    """Counts the units of one job and sends each step to a listener with the fraction done so far;
    remembers the last state sent for each component. Steps carry `state` (starting while deploying;
    running while moving a component that keeps running)."""

    def __init__(self, listener: Listener | None, units: int = 1, state: str = STARTING) -> None:
        self.listener = listener
        self.units = max(units, 1)
        self.state = state
        self.done_units = 0
        self.states: dict[str, str] = {}
        self.current: str | None = None  # the component of the last step, if any
        self.host: str | None = None  # the host of the last step, if any

    @property
    def fraction(self) -> float:
        """How much of the job is done, 0 to 1."""
        return min(self.done_units / self.units, 1.0)

    def emit(self, component: str | None, state: str, step: str, host: str | None = None,
             fraction: float | None = None) -> None:
        """Send one Progress (and remember the component's state)."""
        if component is not None:
            self.states[component] = state
        if self.listener is not None:
            self.listener(Progress(component, state, step, self.fraction if fraction is None else fraction, host))

    def step(self, step: str, host: str | None, component: str | None = None) -> None:
        """A step about to run, on a host, for a component (None: for the deployment as a whole)."""
        self.current, self.host = component, host
        self.emit(component, self.state, step, host)

    def advance(self, units: int = 1) -> None:
        """Some units of the job are done."""
        self.done_units += units

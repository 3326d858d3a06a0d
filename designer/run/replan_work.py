"""The blocking half of the replan dialog, run in run mode's worker thread: which deployments can be replanned,
the plan for one (`backend.deploy.reorganise.plan_moves`, what `vxi replan --deployment` calls) and keeping its
moves (`reorganise.apply_plan`, what `--apply` calls). No Qt here, and no planning: the backend plans."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.deploy import state
from backend.deploy.base import DeployError
from backend.deploy.clock import Clock
from backend.deploy.follow import follow, kept_models
from backend.deploy.record import RUNNING, SCHEDULED
from backend.deploy.time_status import time_json
from backend.embedding import EmbeddingError, Mapping
from backend.embedding.replan import Plan
from backend.model import Infrastructure, Substrate
from designer.run.live import LiveRun, RunError


@dataclass
class Offer:
    """A deployment that can be replanned: its hosts, VXIs, lease and where each component is now."""

    id: str
    state: str
    backend: str
    hosts: list[str]
    vxis: list[str]
    lease: list | None
    placed: dict[str, str] = field(default_factory=dict)  # component key -> host
    pending: list[dict] = field(default_factory=list)  # moves kept and not made yet

    def title(self) -> str:
        """One line for the deployment combo."""
        return f"{self.id} ({self.state}, {self.backend} backend: {', '.join(self.vxis)})"


@dataclass
class Offers:
    """What the dialog offers: the deployments, the deployments' clock, whether an agent runs."""

    deployments: list[Offer]
    clock: Clock
    agent: int | None


@dataclass
class Proposal:
    """A plan and what it is drawn on (the deployment's substrate and VXIs as kept when it was admitted)."""

    deployment: str
    plan: Plan
    substrate: Substrate | None
    vxis: list[Infrastructure]
    now: Mapping | None = None  # the placement now (drawn when there is no plan)


@dataclass
class Applied:
    """The moves kept, and what was done at once (run mode's own deployment is followed by run mode)."""

    deployment: str
    moves: list[dict]
    done: list[str]
    agent: int | None


def offers(own: LiveRun | None = None) -> Offers:
    """The scheduled and running deployments of the state directory, run mode's own first."""
    found = []
    own_record = _record_of(own)
    own_id = own_record.id if own_record is not None else None
    for record in state.load_all():
        if record.state not in (SCHEDULED, RUNNING):
            continue
        try:
            substrate, vxis, _ = kept_models(record)
        except (DeployError, KeyError):
            continue  # recorded before deployments kept their models: `vxi replan` refuses it too
        planned = record.time["mapping"].get("requests", [])  # scheduled: where it will be deployed
        placed = {k: c.host for k, c in record.components.items()} or {
            f"{r['id']}/{c}": h for r in planned for c, h in r.get("nodes", {}).items()}
        found.append(Offer(record.id, record.state, record.backend, sorted(substrate.hosts), [v.id for v in vxis],
                           time_json(record)["lease"], placed,
                           [m for m in record.time.get("moves", []) if not m["done"]]))
    found.sort(key=lambda o: o.id != own_id)
    return Offers(found, state.clock(), state.agent_pid())


def propose(deployment: str, remove_host: str | None = None, at: float | None = None,
            grow: tuple[str, float] | None = None) -> Proposal:
    """The replanner's plan for a recorded deployment (RunError when it cannot be asked)."""
    from backend.deploy import reorganise

    try:
        record = state.load(deployment)
        plan = reorganise.plan_moves(record, remove_host, at, grow)
        substrate, vxis, now = kept_models(record)
    except KeyError as exc:
        raise RunError(str(exc.args[0])) from None
    except (ValueError, EmbeddingError, DeployError) as exc:
        raise RunError(str(exc), remove_host) from None
    hosts = {(c.vxi, c.id): c.host for c in record.components.values()}
    for request in now.requests:  # as admitted, each part on the host it runs on now
        request.nodes = {comp: hosts.get((request.id, comp), host) for comp, host in request.nodes.items()}
    return Proposal(deployment, plan, substrate, vxis, now)


def apply(proposal: Proposal, at: float | None, own: LiveRun | None = None) -> Applied:
    """Keep the plan's moves for the agent at `at` (None: now). Without an agent, run mode's own deployment
    makes them as it puts its periods in force (its `follow_time`); another deployment is brought to now once
    (`follow.follow`, the agent's own step) when the moves are due now."""
    from backend.deploy import reorganise

    try:
        record, moves = reorganise.apply_plan(proposal.deployment, proposal.plan, at)
    except (ValueError, state.StateError) as exc:
        raise RunError(str(exc)) from None
    done: list[str] = []
    agent = state.agent_pid()
    own_record = _record_of(own)
    if own_record is not None and own_record.id == record.id:
        own_record.time = record.time  # the moves kept: run mode's next turn makes those due
    elif agent is None and moves and moves[0]["at"] <= state.clock().now():
        follow(record.id, state.clock().now(), lambda _at, text: done.append(text))
    return Applied(record.id, moves, done, agent)


def _record_of(run: LiveRun | None):
    """The record of run mode's deployment (None when it has none)."""
    return run.deployer.record if run is not None and run.deployer is not None else None

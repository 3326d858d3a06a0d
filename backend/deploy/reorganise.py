"""Replanning a deployment over time: a host leaves during its lease (case III) or one of its VXIs grows (case I).
`plan_moves` asks the embedding's replanner (`backend.embedding.replan`) for moves on the deployment's own VXIs
as admitted (leases fixed, so every future period is checked) and placement now, on what the other running and
scheduled deployments leave of the substrate over time (their holds in the ledger, each with its own window);
`schedule_moves` keeps them in the record for the agent, which migrates each component at its time (`follow.enact`)."""

from __future__ import annotations

from backend.deploy import state
from backend.deploy.base import DeployError
from backend.deploy.follow import kept_models
from backend.deploy.record import RUNNING, SCHEDULED, DeploymentRecord
from backend.embedding.replan import Plan, replan


def plan_moves(record: DeploymentRecord, remove_host: str | None = None, at: float | None = None,
               grow: tuple[str, float] | None = None) -> Plan:
    """The replanner's plan for a deployment, counting what the other deployments on its substrate hold over time
    (ValueError saying why it cannot be asked)."""
    if record.state not in (SCHEDULED, RUNNING):
        raise ValueError(f"deployment {record.id} is {record.state}: only a scheduled or running one is replanned")
    try:
        substrate, vxis, mapping = kept_models(record)
    except (DeployError, KeyError) as exc:
        raise ValueError(f"deployment {record.id} keeps no models to replan from ({exc})") from None
    for request in mapping.requests:  # where its parts are now (moves since it was admitted)
        for comp in record.components.values():
            if comp.vxi == request.id and comp.id in request.nodes:
                request.nodes[comp.id] = comp.host
    if remove_host is not None and remove_host not in substrate.hosts:
        raise ValueError(f"no host '{remove_host}' in substrate {substrate.id}")
    held = state.holds_on(record.substrate or substrate.id, exclude=record.id)[0]  # others', over time
    return replan(substrate, vxis, mapping, remove_host=remove_host, at=at, grow=grow, held=held)


def schedule_moves(record: DeploymentRecord, plan: Plan, at: float) -> list[dict]:
    """Keep a feasible plan's migrations in the record, to be made by the agent at `at` (epoch seconds on the
    deployments' clock); returns them. ValueError when the plan is not feasible or moves a part out."""
    if not plan.feasible:
        raise ValueError(f"no plan: {plan.reason}")
    moves = []
    for move in plan.moves:
        if move.target is None:
            raise ValueError(f"the plan leaves {move.vxi}/{move.component} without a host: it cannot be carried out")
        moves.append({"at": at, "vxi": move.vxi, "component": move.component, "from": move.source,
                      "to": move.target, "done": False})
    record.time["moves"] = [m for m in record.time.get("moves", []) if not m["done"]] + moves
    state.save(record)
    return moves


def apply_plan(deployment_id: str, plan: Plan, at: float | None = None) -> tuple[DeploymentRecord, list[dict]]:
    """Keep a plan's moves for a recorded deployment, to be made at `at` (default: now on the deployments'
    clock), under its lock; returns the record as saved and the moves kept. What `vxi replan --apply` and the
    designer's replan dialog do. ValueError when the plan cannot be carried out; state.DeploymentBusy while
    another command holds the deployment."""
    when = state.clock().now() if at is None else at
    lock = state.claim(deployment_id)
    try:
        record = state.load(deployment_id)
        return record, schedule_moves(record, plan, when)
    finally:
        lock.release()

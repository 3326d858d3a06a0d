"""Components a status found elsewhere than their record says: a `vxi migrate` killed while libvirt moved the
guest (a peer-to-peer move goes on in the source's daemon, which ends it alone), or one killed before the move
began. Its record and the capacity it holds follow where the status found the component."""

from __future__ import annotations

from backend.deploy import state
from backend.deploy.record import DeploymentRecord


def follow_moves(record: DeploymentRecord, hosts: dict[str, str]) -> None:
    """After a status: a component now on another host than `hosts` said, or whose move ended without its command
    (`files["moving"]` left while no command holds the deployment), holds its capacity where it was found; the
    record saved when it changed (StateError when the state cannot be written)."""
    moving = record.files.get("moving", {})
    ended = [key for key in moving if key in record.components and not state.busy(record.id)
             and record.components[key].state != "unreachable"]  # (missing: held where its record says, for teardown)
    moved = [key for key, comp in record.components.items() if key in hosts and hosts[key] != comp.host]
    for key in {*ended, *moved}:
        comp = record.components[key]
        state.move_holds(record.id, comp.vxi, comp.id, comp.host)
        moving.pop(key, None)
    if ended or moved:
        if not moving:
            record.files.pop("moving", None)
        state.save(record)

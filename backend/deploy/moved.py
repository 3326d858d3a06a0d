"""Components a status found elsewhere than their record says: a `vxi migrate` killed while libvirt moved the
guest (a peer-to-peer move goes on in the source's daemon, which ends it alone), or one killed before the move
began. Its record and the capacity it holds follow where the status found the component."""

from __future__ import annotations

from backend.deploy import state
from backend.deploy.record import DeploymentRecord


def follow_moves(record: DeploymentRecord, hosts: dict[str, str]) -> None:
    """After a status: a component now on another host than `hosts` said, or whose move ended without its command
    (`files["moving"]` left while no command holds the deployment), holds its capacity where it was found. Only
    that is written, onto the record as stored now: the status's copy may be older than what another command or
    the window's follow saved since (its time log). StateError when the state cannot be written."""
    moved = [key for key, comp in record.components.items() if key in hosts and hosts[key] != comp.host]
    if not (moved or record.files.get("moving")) or state.busy(record.id):
        return  # (a command holding the deployment records its own moves)
    stored = state.load(record.id)
    ended = [key for key in stored.files.get("moving", {}) if key in record.components
             and record.components[key].state != "unreachable"]  # (missing: held where its record says, for teardown)
    followed = [key for key in {*ended, *moved} if key in stored.components]
    for key in followed:
        comp = record.components[key]
        stored.components[key].host = comp.host
        stored.hosts.setdefault(comp.host, record.hosts.get(comp.host, ""))
        stored.resources = [r for r in stored.resources if r.name != comp.name] + \
            [r for r in record.resources if r.name == comp.name]
        state.move_holds(record.id, comp.vxi, comp.id, comp.host)
        forget_move(stored, key)
        forget_move(record, key)
    if followed:
        state.save(stored)


def forget_move(record: DeploymentRecord, key: str) -> None:
    """Forget the mark of a component's move (`files["moving"]`) once how the move ended is known."""
    moving = record.files.get("moving", {})
    moving.pop(key, None)
    if not moving:
        record.files.pop("moving", None)

"""Preparing a scheduled deployment ahead of its lease start, so that it is `running` at the start itself.

Deploying takes real time (about a second for Figure 4 on the test driver, a guest's boot on a real host), so a
deployment made only at its start comes up late, by a minute of lease at ×60. The agent deploys it earlier
instead: `lead_s` estimates how long its preparation takes (the measured durations of earlier preparations and
deploys on the same backend, kept in the deployments database, per object created; a default per backend before
any), with a margin;
`prepare_from` says from when (on the deployments' clock) it may be prepared: not while another deployment holds
one of its hosts before its start (capacity is held for the lease only). While prepared the deployment stays
`scheduled` (`time.prepared.step` "preparing", then "ready") and each of its link ends is held idle (it carries
nothing); at the start the period in force is put on its links in place (`follow.enact`), as at a boundary."""

from __future__ import annotations

import math

from backend.deploy import state
from backend.deploy.record import DeploymentRecord
from backend.deploy.timeline import Schedule
from backend.embedding.mapping import Mapping

MARGIN = 2.0  # times the estimated deploy
SPARE_S = 1.0  # real seconds added to it (the agent's turn, the switch at the start)
DEFAULT_UNIT_S = {"test": 0.1, "netns": 0.5, "libvirt": 5.0}  # real seconds per object, before any measure
KEPT = 5  # measured deploys kept per backend


def units(schedule: Schedule) -> int:
    """How many objects a deployment creates (components and links), what its deploy time is counted by."""
    return max(1, len(schedule.components) + len(schedule.links))


def lead_s(record: DeploymentRecord, schedule: Schedule) -> float:
    """Real seconds before its start a deployment is prepared: the slowest of the last deploys measured on its
    backend (per object), times its objects, times MARGIN, plus SPARE_S."""
    measured = state.deploy_times().get(record.backend) or [DEFAULT_UNIT_S.get(record.backend, 1.0)]
    return MARGIN * max(measured) * units(schedule) + SPARE_S


def note_deploy(record: DeploymentRecord, schedule: Schedule, seconds: float) -> None:
    """Keep how long a deploy took (real seconds), for the next estimates."""
    state.note_deploy_time(record.backend, seconds / units(schedule), KEPT)


def hosts_of(record: DeploymentRecord) -> set[str]:
    """The substrate hosts a scheduled deployment's mapping places parts on."""
    mapping = record.time.get("mapping")
    if not mapping:
        return set()
    return {host for request in Mapping.from_json(mapping).requests for host in request.nodes.values() if host}


def prepare_from(record: DeploymentRecord, schedule: Schedule, speed: float) -> float:
    """The clock time from which a scheduled deployment may be prepared: its start less `lead_s` (on the clock:
    times its speed), later when another deployment holds one of its hosts until a time before its start."""
    start = schedule.lease[0]
    earliest = start - lead_s(record, schedule) * speed
    hosts = hosts_of(record)
    held, _ = state.holds_on(record.substrate, exclude=record.id)
    for hold in held:
        if hold.kind == "host" and hold.element in hosts and earliest < hold.end <= start \
                and hold.start < start and math.isfinite(hold.end):
            earliest = hold.end
    return earliest


"""What `vxi status` shows of a deployment's time (its lease, the period in force, the next change), read from its
record alone: the commands that list deployments and the check of a stored record use it without the machinery
that follows a schedule (`follow`)."""

from __future__ import annotations

from backend.deploy.record import RUNNING, SCHEDULED, DeploymentRecord
from backend.deploy.timeline import Schedule
from backend.model.timing import format_timestamp

PREPARING, READY, FAILED_STEP = "preparing", "ready", "failed"  # time.prepared.step of a scheduled deployment
PREPARED_TEXT = {PREPARING: "being prepared ahead (links held idle)",
                 READY: "prepared ahead (deployed, every link held idle until the start)",
                 FAILED_STEP: "preparing ahead failed (deployed at the start instead)"}


def schedule_of(record: DeploymentRecord) -> Schedule | None:
    """A deployment's schedule (None for one recorded before deployments followed time)."""
    data = record.time.get("schedule")
    return Schedule.from_json(data) if data else None


def time_json(record: DeploymentRecord) -> dict:
    """The time fields `vxi status --json` gives a deployment: lease, period, next_change, links in force."""
    schedule = schedule_of(record)
    if schedule is None:
        return {"lease": None, "period": None, "preparing": None, "periods": {}, "next_change": None, "links": {}}
    applied = record.time.get("applied") or {}
    following = record.state in (SCHEDULED, RUNNING)
    upcoming = schedule.next_change(applied.get("at")) if following else None
    pending = [m for m in record.time.get("moves", []) if not m["done"]] if following else []
    if pending:
        first = min(pending, key=lambda m: m["at"])
        if upcoming is None or first["at"] < upcoming[0]:
            upcoming = (first["at"], f"{first['vxi']}/{first['component']} moves to {first['to']} (replanned)")
    prepared = record.time.get("prepared") if record.state == SCHEDULED else None
    return {"lease": list(schedule.lease), "period": applied.get("period") if record.state == RUNNING else None,
            "preparing": prepared.get("step") if prepared else None,
            "periods": applied.get("periods", {}) if record.state == RUNNING else {},
            "next_change": {"at": upcoming[0], "what": upcoming[1]} if upcoming else None,
            "links": record.time.get("links", {}) if record.state == RUNNING else {}}


def describe_time(record: DeploymentRecord, now: float) -> list[str]:
    """Lines for `vxi status`: the lease, the period in force and the next change."""
    info = time_json(record)
    if info["lease"] is None:
        return []
    start, end = info["lease"]
    line = f"  lease {format_timestamp(start)} to {format_timestamp(end) if end is not None else 'teardown'}"
    if info["period"]:
        line += f", period {info['period']}"
    if info["preparing"]:
        line += f", {PREPARED_TEXT[info['preparing']]}"
    change = info["next_change"]
    if change:
        late = " (due: is `vxi agent` running?)" if change["at"] < now - 1 else ""
        line += f"; next: {change['what']} at {format_timestamp(change['at'])}{late}"
    return [line]

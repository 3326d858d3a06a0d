"""Lengthening a deployment's lease (`vxi extend`): allowed when every host it uses is available until the new
end and the substrate's capacity, counting what the other deployments hold then, takes it that long."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from backend.deploy import state
from backend.deploy.record import RUNNING, SCHEDULED, DeploymentRecord
from backend.deploy.time_status import schedule_of
from backend.embedding.engine import Embedder
from backend.embedding.held import book_held
from backend.embedding.instance import lease_window
from backend.model import Substrate
from backend.model.timing import format_duration, format_timestamp

TOLERANCE = 1e-6


def extend(record: DeploymentRecord, substrate: Substrate | None, seconds: float) -> float:
    """Move the lease end of a deployment `seconds` later, in its record and in what it holds; returns the new
    end. ValueError saying why when it cannot be. The caller holds the deployment's and the admission lock."""
    schedule = schedule_of(record)
    if record.state not in (SCHEDULED, RUNNING):
        raise ValueError(f"deployment {record.id} is {record.state}: only a scheduled or running deployment's lease "
                         "can be extended")
    if schedule is None or schedule.lease[1] is None:
        raise ValueError(f"deployment {record.id} has no lease end: it runs until it is torn down")
    if not seconds > 0:
        raise ValueError(f"an extension must be longer than nothing (not {format_duration(seconds)})")
    if substrate is None:
        raise ValueError(f"the substrate of deployment {record.id} cannot be read again "
                         f"({record.files.get('substrate') or 'no file recorded'}): its hosts' windows are unknown")
    end = schedule.lease[1] + seconds
    planned = record.time.get("mapping", {}).get("requests", [])
    hosts = sorted({c.host for c in record.components.values()} | {h for r in planned for h in r["nodes"].values()})
    for host in hosts:
        if host not in substrate.hosts:
            raise ValueError(f"host {host} is no longer in substrate {substrate.id}")
        closes = lease_window(substrate.hosts[host].availability)[1]
        if closes < end:
            raise ValueError(f"cannot extend deployment {record.id} to {format_timestamp(end)}: host {host} is "
                             f"available only until {format_timestamp(closes)}")
    others, holders = state.holds_on(record.substrate, exclude=record.id)
    own, _ = state.holds_on(record.substrate, only=record.id)
    longer = [replace(h, end=end) if h.end == schedule.lease[1] else h for h in own]
    over = _over_capacity(substrate, others + longer)
    if over:
        who = f" (deployments {', '.join(holders)} hold the rest)" if holders else ""
        raise ValueError(f"cannot extend deployment {record.id} to {format_timestamp(end)}: {'; '.join(over)}{who}")
    record.time["schedule"] = schedule.extended(end).to_json()
    state.hold_until(record.id, end)
    state.save(record)
    return end


def _over_capacity(substrate: Substrate, held: list) -> list[str]:
    """The resources the holds together take beyond their capacity at some moment, in words."""
    embedder = Embedder(substrate, "best")
    book_held(embedder.ledger, held)
    net = embedder.net
    over = embedder.ledger.peak_usage() - net.capacity
    found = []
    for index in np.flatnonzero(over > TOLERANCE * np.maximum(1.0, np.abs(net.capacity))):
        index = int(index)
        if index < net.arc_offset:
            host, dim = net.host_ids[index // 3], ("cores", "memory", "storage")[index % 3]
            found.append(f"host {host} would need more {dim} than it has")
        else:
            arc = index - net.arc_offset
            found.append(f"physical link {net.link_ids[arc // 2]} would carry more than its bandwidth "
                         f"({'reverse' if arc % 2 else 'forward'})")
    return found

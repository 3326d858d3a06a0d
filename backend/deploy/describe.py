"""A deployment record in words, as `vxi deploy` and `vxi status` print it."""

from __future__ import annotations

from backend.deploy import state
from backend.deploy.record import DeploymentRecord
from backend.model import units as U
from backend.model.printable import printable


def describe(record: DeploymentRecord) -> list[str]:
    """Readable lines: the deployment, then one line per component, then notices."""
    hosts = sorted({c.host for c in record.components.values()})
    lines = [f"deployment {record.id} ({record.backend} backend, {record.state}): "
             f"{len(record.vxis)} VXI(s) {', '.join(record.vxis)}, {len(record.components)} components "
             f"on {len(hosts)} hosts, {len(record.segments)} links"]
    width = max((len(k) for k in record.components), default=4)
    for key, comp in record.components.items():
        lines.append(f"  {key:<{width}}  {comp.kind:<7} on {comp.host:<10} {comp.state:<9} "
                     f"{' '.join(comp.addresses) or '-'}")
    for key, disk in record.files.get("disks", {}).items():
        line = f"  {key}: its own disk {disk['source']} (overlay {disk['overlay']}, "
        line += "NoCloud seed)" if disk.get("seed") else "no seed)"
        if key in record.files.get("ready_by", {}):
            line += f"; ready: {record.files['ready_by'][key]}"
        if key in record.files.get("agent", {}):
            line += f"; its agent now: {record.files['agent'][key]}"
        lines.append(line)
    for key, seg in record.segments.items():
        rates = f"{U.human(U.BANDWIDTH, seg['forward_bps'])} / {U.human(U.BANDWIDTH, seg['reverse_bps'])}"
        lines.append(f"  link {key}: {seg['subnet']}, {rates}, hosts {', '.join(seg['hosts'])}")
    if not record.outlives_process:
        lines.append("  note: libvirt's test driver keeps nothing in memory between commands; each host's "
                     "domains and networks are saved in its host file under "
                     f"{state.deployments_dir(create=False) / record.id}")
    lines.extend(f"  notice: {n}" for n in record.notices)
    if record.error:
        lines.append(f"  error: {record.error}")
    return [printable(line) for line in lines]

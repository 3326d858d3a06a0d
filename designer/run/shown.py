"""What run mode's view shows of a deployment's record: its components' states by scene id, its links' series and
the plot's groups of curves (no Qt; the controller passes its record and states)."""

from __future__ import annotations

from backend.deploy.progress import DEFINED, FAILED, RUNNING, STARTING, STOPPED, UNREACHABLE
from backend.deploy.record import DeploymentRecord
from backend.model.timing import format_timestamp
from backend.monitor.series import RX, TX, SeriesKey


def scene_states(record: DeploymentRecord | None, states: dict[str, str], reasons: dict[str, str],
                 vxi_id: str) -> dict[str, tuple[str, str]]:
    """States by scene component id for one VXI (a cloud sums up its members), with the host in words."""
    grouped: dict[str, list[tuple[str, str, str]]] = {}
    if record is None:
        return {}
    for key, comp in record.components.items():
        if comp.vxi == vxi_id and key in states:
            grouped.setdefault(comp.id.split("#", 1)[0], []).append((states[key], comp.host, key))
    out = {}
    for ident, members in grouped.items():
        values = [s for s, _, _ in members]
        hosts = ", ".join(sorted({h for _, h, _ in members}))
        if FAILED in values:
            value = FAILED
        elif UNREACHABLE in values:  # the hosts' sentences, for the mark's tooltip
            value = UNREACHABLE
            hosts += "".join(f"; {why}" for why in sorted({reasons[k] for *_, k in members if k in reasons}))
        elif all(v == RUNNING for v in values):
            value = RUNNING
        elif all(v == STOPPED for v in values):
            value = STOPPED
        elif STARTING in values or RUNNING in values:
            value = STARTING
        else:
            value = DEFINED
        moving = sorted({f"{m['to']} at {format_timestamp(m['at'], '%H:%M:%S UTC')}"
                         for m in record.time.get("moves", []) if not m["done"] and m["vxi"] == vxi_id
                         and m["component"].split("#", 1)[0] == ident})
        out[ident] = (value, f"on {hosts}" + (f"; moves to {', '.join(moving)} (replanned)" if moving else ""))
    return out


Series = tuple[str, list[SeriesKey], list[SeriesKey], float, float]  # end key, tx, rx, capacity out, capacity in


def link_series(record: DeploymentRecord | None, vxi_id: str) -> dict[str, Series]:
    """Per VXI link: (end key, tx series, rx series, capacity out of that end, capacity into it)."""
    out = {}
    if record is None:
        return out
    for seg_key, seg in record.segments.items():
        vxi, link = record.split_key(seg_key)  # a VXI id may hold a "/"
        if vxi != vxi_id:
            continue
        for key in seg["members"]:
            comp = record.components[key]
            iface = next((i for i in comp.interfaces if i.segment == seg_key), None)
            if iface is None:
                continue
            out[link] = (key, [SeriesKey(key, iface.name, TX)], [SeriesKey(key, iface.name, RX)],
                         iface.rate_out_bps or seg["forward_bps"], iface.rate_in_bps or seg["reverse_bps"])
            if "#" not in comp.id:
                break
    return out


def plot_groups(record: DeploymentRecord | None, vxi_id: str, what: str = "all", busy: set[str] | None = None
                ) -> dict[str, list[SeriesKey]]:
    """Curves for the plot: 'routers' (of every deployed VXI), 'links' (of `vxi_id`; only the `busy` ones
    when given) or 'all', plus the aggregate (what the routers forward, or the links carry without router)."""
    if record is None:
        return {}
    routers = {f"router {k}": [SeriesKey(k, i.name, TX) for i in c.interfaces]
               for k, c in record.components.items() if c.kind == "router"}
    links = {f"link {link}": [*tx, *rx] for link, (_, tx, rx, _, _) in link_series(record, vxi_id).items()
             if busy is None or link in busy}
    groups: dict[str, list[SeriesKey]] = {}
    if what in ("routers", "all"):
        groups.update(routers)
    if what in ("links", "all"):
        groups.update(links)
    parts = routers or links
    if len(parts) > 1:  # with one router (or one link) its own curve is the aggregate
        groups["aggregate"] = [k for keys in parts.values() for k in keys]
    return groups

"""Which hosts can take one placed part now, and why not the others, by the embedding's own rules:
demands as `compile_request` counts them, anchors as `Network.anchored_hosts` resolves them (host ids that
double as site names included), availability and CPU frequency as `Embedder.masks` applies them, and
room as `Context.fitting_hosts` checks it, on what the other placed parts hold at that moment.

Deployments hold their parts whatever their leases say, so every placed part counts, at its base demand.

    fits = host_fits(substrate, vxis, {("VXI1", "r1"): "P3", ...}, ("VXI1", "r1"))
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from backend.embedding.context import Context
from backend.embedding.engine import Embedder
from backend.embedding.explain import amount, plain, when
from backend.embedding.held import Hold, book_held
from backend.embedding.instance import DIMS, Request, VLinks, VNode, compile_request
from backend.embedding.ledger import Placement, placement_usage
from backend.model import Infrastructure, Substrate, units

Part = tuple[str, str]  # (VXI id, component id or cloud member id such as "workers#1")


@dataclass(frozen=True)
class HostFit:
    """A host offered for a part: `fits` says whether it can take it now, `reason` why not, `free` what is
    left there in words (cores and memory)."""

    host: str
    fits: bool
    reason: str = ""
    free: str = ""

    def to_json(self) -> dict:
        """The JSON form `vxi migrate COMPONENT --json` lists."""
        return dict(self.__dict__)


def host_fits(substrate: Substrate, vxis: list[Infrastructure], placed: dict[Part, str], moving: Part,
              now: float | None = None, held: Iterable[Hold] = ()) -> list[HostFit]:
    """Every host of the substrate, in its order, saying whether `moving` can go there at time `now` (default:
    this moment), the other placed parts staying where they are and `held` (what other deployments hold on
    this substrate, see `held.py`) held too."""
    now = time.time() if now is None else now
    embedder = Embedder(substrate)
    net = embedder.net
    book_held(embedder.ledger, held)
    target: tuple[Request, int] | None = None
    for n, vxi in enumerate(vxis):
        req = _at(compile_request(vxi), now)
        hosts, keep = [], []
        for i, node in enumerate(req.nodes):
            host = placed.get((vxi.id, node.id))
            if (vxi.id, node.id) == moving:
                target = (req, i)
            hosts.append(net.host_index.get(host, 0))
            keep.append(host in net.host_index and (vxi.id, node.id) != moving)
        booked = replace(req, node_demand=req.node_demand * np.array(keep, dtype=float)[:, None, None])
        embedder.ledger.book(f"{n}:{vxi.id}", placement_usage(net, booked, Placement(hosts, [])))
    if target is None:  # a part whose VXI is not known: no demand, no anchor
        unknown = VNode(moving[1], "node", np.zeros(3), 0.0, None, (now, now + 1.0))
        target = (_at(Request(Infrastructure(moving[0]), None, [], [unknown], VLinks(), np.zeros((1, 1, 3))), now), 0)
    req, i = target
    residual = embedder.ledger.residual(req.segments)
    allowed, arcs = embedder.masks(req, provisioned=True)
    ctx = Context(net, req, residual, allowed, arcs)
    fitting = ctx.fitting_hosts(i)
    left = ctx.host_residual()[0]  # (H, 3)
    current = placed.get(moving)
    return [HostFit(host_id, bool(fitting[h]) and host_id != current,
                    "" if fitting[h] and host_id != current else _why_not(ctx, i, h, current),
                    _free(net, left[h])) for h, host_id in enumerate(net.host_ids)]


def _at(req: Request, now: float) -> Request:
    """A request as it stands at one moment: each part at its base demand, links left out."""
    moment = (now, now + 1.0)
    nodes = [replace(node, window=moment) for node in req.nodes]
    demand = np.array([node.demand for node in req.nodes], dtype=float).reshape(len(nodes), 1, 3)
    return replace(req, window=None, segments=[moment], nodes=nodes, links=VLinks(), node_demand=demand)


def _why_not(ctx: Context, i: int, h: int, current: str | None) -> str:
    """The first rule that keeps part i off host h, in words."""
    net, node = ctx.net, ctx.req.nodes[i]
    host = net.substrate.hosts[net.host_ids[h]]
    if host.id == current:
        return "it runs there now"
    if node.location is not None and not net.anchored_hosts(node.location)[h]:
        return _anchor_reason(ctx, node, host)
    opens, closes = net.host_windows[h]
    if not (opens <= node.window[0] and node.window[1] <= closes):
        return "not available now (outside its availability window" + (
            f": {when(opens)} to {when(closes)})" if np.isfinite(opens) else f": until {when(closes)})")
    if node.frequency > net.host_frequency[h]:
        return (f"needs {units.human(units.FREQUENCY, node.frequency)} per core, this host runs at "
                f"{units.human(units.FREQUENCY, float(net.host_frequency[h]))}")
    need, left = ctx.req.node_demand[i, 0], ctx.host_residual()[0, h]
    for d, dim in enumerate(DIMS):
        if need[d] > left[d] + 1e-6:
            return f"needs {amount(dim, float(need[d]))}, only {plain(dim, max(float(left[d]), 0.0))} left"
    return "the embedding's rules keep it off this host"


def _anchor_reason(ctx: Context, node: VNode, host) -> str:
    net, location = ctx.net, node.location
    hosts = [net.substrate.hosts[h] for h in net.host_ids]
    sites = {h.site for h in hosts if h.site is not None}
    if location in sites:
        where = f"at '{host.site}'" if host.site is not None else "at no location"
        return f"{node.id} is anchored at '{location}', this host is {where}"
    if location in net.host_index and sites & set(net.host_ids):
        return (f"{node.id} is anchored at '{location}', which is no site of this substrate (its host ids double as "
                "site names, so a host id is not read as a location)")
    if location in net.host_index:
        return f"{node.id} is anchored at host '{location}'"
    return f"{node.id} is anchored at '{location}', where no host of this substrate is"


def _free(net, left: np.ndarray) -> str:
    """What is left on a host, cores and memory, in words ('' when neither is declared)."""
    parts = []
    for d, dim in enumerate(DIMS[:2]):
        if np.isfinite(left[d]):
            value = max(float(left[d]), 0.0)
            parts.append(amount(dim, value) if dim == "cores" else f"{plain(dim, value)} {dim}")
    return ", ".join(parts)

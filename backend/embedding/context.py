"""What every algorithm gets: the network, one request, residual capacity and the allowed choices."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backend.embedding.instance import Network, Request, VLink, VLinks
from backend.embedding.ledger import Placement
from backend.embedding.paths import route, usable_arcs
from backend.model.shared import FrozenList


@dataclass
class Context:
    """One request to place. `residual` is (K, R); `allowed` is (n, H): anchors, availability,
    frequency, provisioned phase and pins; `allowed_arcs` is (2L,)."""

    net: Network
    req: Request
    residual: np.ndarray
    allowed: np.ndarray
    allowed_arcs: np.ndarray
    colocate: bool = True
    preferred: dict[int, int] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def host_residual(self, residual: np.ndarray | None = None) -> np.ndarray:
        """(K, H, 3) view of host capacities left."""
        res = self.residual if residual is None else residual
        return res[:, : self.net.arc_offset].reshape(res.shape[0], self.net.n_hosts, 3)

    def arc_residual(self, residual: np.ndarray | None = None) -> np.ndarray:
        """(K, 2L) view of arc capacities left."""
        res = self.residual if residual is None else residual
        return res[:, self.net.arc_offset:]

    def fitting_hosts(self, node: int, residual: np.ndarray | None = None) -> np.ndarray:
        """(H,) hosts allowed for `node` with enough of every resource in every segment."""
        demand = self.req.node_demand[node]  # (K, 3)
        ok = np.all(self.host_residual(residual) + 1e-6 >= demand[:, None, :], axis=(0, 2))
        return ok & self.allowed[node]


def oriented(link: VLink, from_source: bool) -> tuple[np.ndarray, np.ndarray]:
    """(along, back) bandwidth when a path is searched from the link's source (or destination) side."""
    return (link.forward, link.reverse) if from_source else (link.reverse, link.forward)


def link_weight(link: VLink) -> float:
    """Bandwidth a link puts on each hop (both directions, averaged over segments), never zero."""
    return _weight(link.forward, link.reverse)


def _weight(forward: np.ndarray, reverse: np.ndarray) -> float:
    return float(np.mean(forward + reverse)) + 1e-3


def link_weights(links: VLinks) -> list[float]:
    """link_weight of every link, worked out once per kind of link."""
    per_kind = [_weight(f, r) for f, r in zip(links.forwards, links.reverses, strict=True)]
    return [per_kind[k] for k in links.kinds]


def reserve_node(ctx: Context, residual: np.ndarray, node: int, host: int) -> None:
    """Subtract a node's demands from a host."""
    residual[:, 3 * host: 3 * host + 3] -= ctx.req.node_demand[node]


def reserve_path(ctx: Context, residual: np.ndarray, link: VLink, path: list[int]) -> None:
    """Subtract a link's bandwidth along a path oriented from its source's host."""
    off = ctx.net.arc_offset
    for arc in path:
        residual[:, off + arc] -= link.forward
        residual[:, off + (arc ^ 1)] -= link.reverse


def route_all(ctx: Context, hosts: list[int], residual: np.ndarray) -> list[list[int]] | None:
    """Route every link for fixed hosts, heaviest first, fewest hops with enough bandwidth (reserving). Equal
    paths are one read-only list (100,000 links between 40 hosts take a few thousand paths)."""
    links = ctx.req.links
    paths: list[list[int] | None] = [None] * len(links)
    weights = [_weight(f, r) for f, r in zip(links.forwards, links.reverses, strict=True)]  # per kind
    heavier = {w: rank for rank, w in enumerate(sorted(set(weights), reverse=True))}
    ranks = np.asarray([heavier[w] for w in weights], dtype=np.int32)[np.frombuffer(links.kinds, dtype=np.int32)]
    known: dict[tuple[int, ...], list[int]] = {}
    sources, destinations, kinds = links.sources, links.destinations, links.kinds
    forwards, reverses, bounds = links.forwards, links.reverses, links.bounds
    off = ctx.net.arc_offset
    for i in np.argsort(ranks, kind="stable"):  # heaviest first, in request order among equals
        k = kinds[i]
        forward, reverse = forwards[k], reverses[k]
        usable = usable_arcs(ctx.net, ctx.arc_residual(residual), forward, reverse, ctx.allowed_arcs)
        path = route(ctx.net, hosts[sources[i]], hosts[destinations[i]], usable, bounds[k])
        if path is None:
            return None
        for arc in path:  # reserve_path's
            residual[:, off + arc] -= forward
            residual[:, off + (arc ^ 1)] -= reverse
        key = tuple(path)
        paths[i] = known.get(key) or known.setdefault(key, FrozenList(path))
    return paths  # type: ignore[return-value]


def placement_cost(ctx: Context, placement: Placement) -> float:
    """Bandwidth x hops summed over links (the part of the cost that depends on the placement)."""
    return sum(w * len(path) for w, path in zip(link_weights(ctx.req.links), placement.paths, strict=True))


def node_strength(ctx: Context, residual: np.ndarray) -> np.ndarray:
    """(H,) Yu et al.'s ranking: cores left x bandwidth left on the host's arcs (worst segment)."""
    cores = np.min(ctx.host_residual(residual)[:, :, 0], axis=0)
    arcs = np.min(ctx.arc_residual(residual), axis=0)
    arcs = np.where(np.isfinite(arcs), arcs, 0.0)
    adjacent = np.zeros(ctx.net.n_hosts)
    np.add.at(adjacent, ctx.net.tails, arcs * ctx.allowed_arcs)
    cores = np.where(np.isfinite(cores), cores, 1e9)
    return np.maximum(cores, 0.0) * (adjacent + 1e-9)

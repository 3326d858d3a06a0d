"""A placement being built or improved by `best`: a host per virtual node, a path per virtual link, and the
residual capacity with all of them reserved; every change can be undone exactly."""

from __future__ import annotations

import numpy as np

from backend.embedding.context import Context, oriented
from backend.embedding.context import link_weights as weights_of
from backend.embedding.instance import INF
from backend.embedding.ledger import Placement
from backend.embedding.paths import EPS, hop_tree, path_latency, route, topology, tree_path, usable_arcs


class Tree:
    """Fewest-hop distances from the host of a placed virtual node for one of its links (oriented from that
    node): exact ones over the arcs with room for the link (`usable` a mask), or, on a large network, over all
    arcs (kept per host), a lower bound whose paths are tested arc by arc (`usable` a test)."""

    __slots__ = ("dist", "from_node", "link", "root", "usable")

    def __init__(self, link: int, from_node: int, root: int, usable, dist: np.ndarray):
        self.link, self.from_node, self.root, self.usable, self.dist = link, from_node, root, usable, dist


class Partial:
    """Hosts (-1: not placed), paths (None: not routed) and the residual with them reserved."""

    def __init__(self, ctx: Context, weights: list[float], incident: list[list[tuple[int, int]]],
                 exact: bool = True):
        self.ctx, self.weights, self.incident, self.exact = ctx, weights, incident, exact
        self.residual = ctx.residual.copy()
        self.hosts = [-1] * len(ctx.req.nodes)
        self.paths: list[list[int] | None] = [None] * len(ctx.req.links)
        self.load = np.zeros(ctx.net.n_hosts, dtype=np.int64)  # the request's nodes per host
        self.off = ctx.net.arc_offset

    # ----- state -----
    def placement(self) -> Placement:
        """The finished placement (copies)."""
        return Placement(list(self.hosts), [list(p) for p in self.paths])  # type: ignore[arg-type]

    def cost(self) -> float:
        """Bandwidth x hops of the links routed so far."""
        return sum(w * len(p) for w, p in zip(self.weights, self.paths, strict=True) if p is not None)

    def link_cost(self, node: int) -> float:
        """Bandwidth x hops of the routed links at a node."""
        return sum(self.weights[li] * len(self.paths[li]) for li, _ in self.incident[node]
                   if self.paths[li] is not None)

    def fitting(self, node: int) -> np.ndarray:
        """(H,) hosts that may take `node` now (and hold no other part of the request when parts must be apart);
        only the resources the node asks for are compared."""
        demand = self.ctx.req.node_demand[node]  # (K, 3)
        fit = self.ctx.allowed[node].copy()
        for dim in np.flatnonzero(demand.max(axis=0) > 0).tolist():
            left = self.residual[:, dim: self.off: 3]  # (K, H)
            fit &= np.all(left + 1e-6 >= demand[:, dim: dim + 1], axis=0) if left.shape[0] > 1 else \
                left[0] + 1e-6 >= demand[0, dim]
        if not self.ctx.colocate:
            fit &= self.load == 0
        return fit

    def free(self) -> np.ndarray:
        """(2L,) bandwidth left on each arc at the tightest segment (to choose among equal paths)."""
        arc_res = self.ctx.arc_residual(self.residual)
        return arc_res[0] if arc_res.shape[0] == 1 else arc_res.min(axis=0)

    # ----- changes -----
    def put(self, node: int, host: int) -> None:
        """Place a node (reserving its demands)."""
        self.residual[:, 3 * host: 3 * host + 3] -= self.ctx.req.node_demand[node]
        self.hosts[node] = host
        self.load[host] += 1

    def lift(self, node: int) -> int:
        """Remove a node (freeing its demands); returns the host it was on."""
        host = self.hosts[node]
        self.residual[:, 3 * host: 3 * host + 3] += self.ctx.req.node_demand[node]
        self.hosts[node] = -1
        self.load[host] -= 1
        return host

    def lay(self, li: int, path: list[int]) -> None:
        """Route a link (reserving its bandwidth along the path)."""
        if path:
            links = self.ctx.req.links
            arcs = np.asarray(path, dtype=np.int64)
            self.residual[:, self.off + arcs] -= links.forward(li)[:, None]
            self.residual[:, self.off + (arcs ^ 1)] -= links.reverse(li)[:, None]
        self.paths[li] = path

    def unlay(self, li: int) -> list[int]:
        """Remove a link's path (freeing its bandwidth); returns the path."""
        path = self.paths[li]
        if path:
            links = self.ctx.req.links
            arcs = np.asarray(path, dtype=np.int64)
            self.residual[:, self.off + arcs] += links.forward(li)[:, None]
            self.residual[:, self.off + (arcs ^ 1)] += links.reverse(li)[:, None]
        self.paths[li] = None
        return path or []

    # ----- searches -----
    def tree(self, li: int, from_node: int) -> Tree:
        """Distances from `from_node`'s host for link `li` (see Tree)."""
        link = self.ctx.req.links[li]
        along, back = oriented(link, link.source == from_node)
        root = self.hosts[from_node]
        if not self.exact:
            return Tree(li, from_node, root, self._arc_test(along, back), topology(self.ctx.net).hops_from(root))
        usable = usable_arcs(self.ctx.net, self.ctx.arc_residual(self.residual), along, back, self.ctx.allowed_arcs)
        return Tree(li, from_node, root, usable, hop_tree(self.ctx.net, root, usable))

    def _arc_test(self, along: np.ndarray, back: np.ndarray):
        """arc -> True when it may carry `along` now and its partner `back` (read live from the residual)."""
        arc_res = self.ctx.arc_residual(self.residual)
        allowed = self.ctx.allowed_arcs
        if arc_res.shape[0] == 1:
            row, need, need_back = arc_res[0], float(along[0]) - EPS, float(back[0]) - EPS
            return lambda arc: allowed[arc] and row[arc] >= need and row[arc ^ 1] >= need_back
        return lambda arc: bool(allowed[arc] and np.all(arc_res[:, arc] + EPS >= along)
                                and np.all(arc_res[:, arc ^ 1] + EPS >= back))

    def fits_path(self, li: int, path: list[int]) -> bool:
        """True when the link still has room on every arc of the path (and is fast enough)."""
        link = self.ctx.req.links[li]
        if path:
            arc_res = self.ctx.arc_residual(self.residual)
            arcs = np.asarray(path, dtype=np.int64)
            if np.any(arc_res[:, arcs] + EPS < link.forward[:, None]):
                return False
            if np.any(arc_res[:, arcs ^ 1] + EPS < link.reverse[:, None]):
                return False
        return link.latency_bound == INF or path_latency(self.ctx.net, path) <= link.latency_bound + 1e-12

    def path_from_tree(self, tree: Tree, host: int, free: np.ndarray | None) -> list[int] | None:
        """The tree's path between its root and `host`, oriented from the link's source; None if it no longer
        fits (another link of the same step took the room, or the latency bound)."""
        path = tree_path(self.ctx.net, tree.dist, tree.root, host, tree.usable, free)
        if path is None:
            return None
        link = self.ctx.req.links[tree.link]
        if link.source != tree.from_node:
            path = [a ^ 1 for a in reversed(path)]
        if self.exact:  # its mask was made before this step's other links took their room
            return path if self.fits_path(tree.link, path) else None
        if link.latency_bound < INF and path_latency(self.ctx.net, path) > link.latency_bound + 1e-12:
            return None
        return path  # every arc was tested on the live residual

    def fresh_route(self, li: int, free: np.ndarray | None = None) -> list[int] | None:
        """The fewest-hop path with room for link `li` between its nodes' hosts now (within its latency bound)."""
        ctx = self.ctx
        link = ctx.req.links[li]
        usable = usable_arcs(ctx.net, ctx.arc_residual(self.residual), link.forward, link.reverse, ctx.allowed_arcs)
        return route(ctx.net, self.hosts[link.source], self.hosts[link.destination], usable, link.latency_bound,
                     free)

    def attach(self, node: int, host: int, trees: list[Tree]) -> bool:
        """Put `node` on `host` and route its links to placed neighbours (trees' paths first, else fresh
        searches); on failure everything is undone and False returned."""
        self.put(node, host)
        free = self.free() if trees else None
        laid: list[int] = []
        for tree in trees:
            path = self.path_from_tree(tree, host, free)
            if path is None:
                path = self.fresh_route(tree.link, free)
            if path is None:
                for li in laid:
                    self.unlay(li)
                self.lift(node)
                return False
            self.lay(tree.link, path)
            laid.append(tree.link)
        return True

    def detach(self, node: int) -> tuple[int, dict[int, list[int]]]:
        """Remove a node and its routed links; returns (host, {link: path}) to put them back with `restore`."""
        paths = {li: self.unlay(li) for li, _ in self.incident[node] if self.paths[li] is not None}
        return self.lift(node), paths

    def restore(self, node: int, host: int, paths: dict[int, list[int]]) -> None:
        """Undo `detach`."""
        self.put(node, host)
        for li, path in paths.items():
            self.lay(li, path)


def link_weights(ctx: Context) -> list[float]:
    """Bandwidth each link puts on every hop (see context.link_weight)."""
    return weights_of(ctx.req.links)


def incidence(ctx: Context) -> list[list[tuple[int, int]]]:
    """Per virtual node: (link, node at the other end)."""
    incident: list[list[tuple[int, int]]] = [[] for _ in ctx.req.nodes]
    links = ctx.req.links
    for i, (source, destination) in enumerate(zip(links.sources, links.destinations, strict=True)):
        incident[source].append((i, destination))
        incident[destination].append((i, source))
    return incident

"""Path searches on the substrate's arcs: usable arcs for a demand, fewest-hop trees (breadth-first search in
scipy's compiled graph routines over a sparse graph whose structure is built once per network), latency-bounded
routes, and the k shortest simple paths of the published baselines."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, dijkstra

from backend.embedding.instance import INF, Network

EPS = 1e-6
FAR = 255  # a stored hop count meaning unreachable
PLAIN_SEARCH_ARCS = 2048
_AS_HOPS = np.array([*range(FAR), INF], dtype=float)


def usable_arcs(net: Network, arc_residual: np.ndarray, forward: np.ndarray, reverse: np.ndarray,
                allowed: np.ndarray | None = None) -> np.ndarray:
    """(2L,) arcs that can carry `forward` along them and `reverse` back on their partner, in every segment.

    `arc_residual` is (K, 2L); `forward`/`reverse` are (K,)."""
    if arc_residual.shape[1] == 0:
        return np.zeros(0, dtype=bool)
    ok_f = np.all(arc_residual + EPS >= forward[:, None], axis=0)
    ok_r = np.all(arc_residual + EPS >= reverse[:, None], axis=0)
    ok = ok_f & ok_r.reshape(-1, 2)[:, ::-1].reshape(-1)
    if allowed is not None:
        ok &= allowed
    return ok


class Topology:
    """The substrate's arcs sorted by tail once, so that the sparse graph of any subset of arcs is a few array
    operations; hop distances over all arcs are kept per source (the topology does not change)."""

    def __init__(self, net: Network):
        self.net = net
        self.n = net.n_hosts
        tail = np.asarray(net.arc_tail, dtype=np.int64)
        head = np.asarray(net.arc_head, dtype=np.int64)
        self.order = np.argsort(tail, kind="stable")
        self.sorted_head = head[self.order].astype(np.int32)
        self.row_end = np.cumsum(np.bincount(tail, minlength=self.n)) if self.n else np.zeros(0, dtype=np.int64)
        self.pair_arcs: dict[tuple[int, int], list[int]] = {}
        for arc, (u, v) in enumerate(zip(net.arc_tail, net.arc_head, strict=True)):
            self.pair_arcs.setdefault((u, v), []).append(arc)
        self.full = self.graph(None)
        self._hops: dict[int, np.ndarray] = {}
        self._nx = None

    def graph(self, usable: np.ndarray | None, extra_sources: list[int] | None = None) -> csr_matrix:
        """The sparse graph of the usable arcs (all arcs when None); with `extra_sources`, one more node
        (index n) with an arc to each of them, for searches from several hosts at once."""
        kept = np.arange(len(self.order)) if usable is None else np.flatnonzero(usable[self.order])
        indices = self.sorted_head[kept]
        indptr = np.zeros(self.n + 1, dtype=np.int32)
        indptr[1:] = np.searchsorted(kept, self.row_end, side="left")
        size = self.n
        if extra_sources:
            indices = np.concatenate([indices, np.asarray(extra_sources, dtype=np.int32)])
            indptr = np.append(indptr, len(indices)).astype(np.int32)
            size += 1
        return csr_matrix((np.ones(len(indices)), indices, indptr), shape=(size, size))

    def tree(self, source: int, usable: np.ndarray | None) -> np.ndarray:
        """(H,) hop distances from `source` over the usable arcs (all when None), inf when unreachable: a plain
        search on small networks, scipy's compiled one (whose call costs more than it saves there) above."""
        if len(self.order) <= PLAIN_SEARCH_ARCS:
            return _plain_levels(self.net, source, usable)
        graph = self.full if usable is None else self.graph(usable)
        return _levels(graph, source, self.n)

    def hops_from(self, source: int) -> np.ndarray:
        """(H,) hop distances from a host over every arc, bandwidth aside; kept per host as bytes (the topology
        does not change), read back as floats with inf for unreachable hosts."""
        row = self._hops.get(source)
        if row is None:
            dist = self.tree(source, None)
            row = np.where(np.isfinite(dist), np.minimum(dist, FAR - 1), FAR).astype(np.uint8)
            self._hops[source] = row
        return _AS_HOPS[row]

    def nx_graph(self):
        """The substrate as an undirected networkx graph (hosts 0..n-1, links in document order), made once."""
        import networkx as nx  # only the published baselines' link stage needs it

        if self._nx is None:
            graph = nx.Graph()
            graph.add_nodes_from(range(self.n))
            graph.add_edges_from(zip(self.net.arc_tail[::2], self.net.arc_head[::2], strict=True))
            self._nx = graph
        return self._nx


def _plain_levels(net: Network, source: int, usable: np.ndarray | None) -> np.ndarray:
    ok = usable.tolist() if usable is not None else None
    dist = [INF] * net.n_hosts
    dist[source] = 0.0
    frontier, level = [source], 0.0
    adjacency = net.adjacency
    while frontier:
        level += 1.0
        reached = []
        for u in frontier:
            for arc, v in adjacency[u]:
                if dist[v] == INF and (ok is None or ok[arc]):
                    dist[v] = level
                    reached.append(v)
        frontier = reached
    return np.array(dist)


def _levels(graph: csr_matrix, source: int, n: int) -> np.ndarray:
    """Breadth-first search; a level's hosts are contiguous in the visit order and their parents' positions
    never decrease, so each level ends where the parents of the previous level end."""
    order, pred = breadth_first_order(graph, source, directed=True, return_predecessors=True)
    dist = np.full(graph.shape[0], INF)
    position = np.empty(graph.shape[0], dtype=np.int64)
    position[order] = np.arange(len(order))
    parent_at = position[pred[order[1:]]]  # non-decreasing
    start, end, level = 0, 1, 0.0
    while start < len(order):
        dist[order[start:end]] = level
        start, end, level = end, 1 + int(np.searchsorted(parent_at, end, side="left")), level + 1.0
    return dist[:n]


def topology(net: Network) -> Topology:
    """The network's Topology, built on first use and kept with it."""
    topo = net.cache.get("topology")
    if topo is None:
        topo = Topology(net)
        net.cache["topology"] = topo
    return topo


def hop_tree(net: Network, source: int, usable: np.ndarray | None) -> np.ndarray:
    """(H,) fewest hops from `source` over the usable arcs (inf when unreachable)."""
    return topology(net).tree(source, usable)


def tree_path(net: Network, dist: np.ndarray, source: int, target: int, usable,
              free: np.ndarray | None = None) -> list[int] | None:
    """A fewest-hop path (arcs) to `target` in a tree of distances from `source`: walking back from the
    target, each step takes a usable arc from a host one hop nearer, the one with most bandwidth `free`.
    `usable` is a mask of arcs or a test of one arc; None when the walk finds no way."""
    if dist[target] == INF:
        return None
    test = usable.__getitem__ if isinstance(usable, np.ndarray) else usable
    path: list[int] = []
    at = target
    while at != source:
        step = dist[at] - 1.0
        best_arc, best_free, best_host = -1, -INF, -1
        for arc, neighbour in net.adjacency[at]:
            inward = arc ^ 1
            if dist[neighbour] == step and test(inward):
                room = free[inward] if free is not None else 0.0
                if best_arc < 0 or room > best_free:
                    best_arc, best_free, best_host = inward, room, neighbour
        if best_arc < 0:
            return None
        path.append(best_arc)
        at = best_host
    path.reverse()
    return path


def trace(net: Network, parent: list[int] | dict[int, int], source: int, target: int) -> list[int]:
    """Arcs from source to target in a tree given by the arc that reaches each host."""
    path = []
    node = target
    while node != source:
        arc = parent[node]
        path.append(arc)
        node = net.arc_tail[arc]
    path.reverse()
    return path


def path_latency(net: Network, path: list[int]) -> float:
    """Sum of the latencies of a path's arcs."""
    return float(sum(net.arc_latency[a] for a in path))


def route(net: Network, source: int, target: int, usable: np.ndarray, bound: float = INF,
          free: np.ndarray | None = None) -> list[int] | None:
    """Fewest-hop path within the latency bound (the fewest-hop path among those fast enough when the first
    one found is too slow); among equal paths the one with most bandwidth `free`."""
    if source == target:
        return []
    dist = hop_tree(net, source, usable)
    path = tree_path(net, dist, source, target, usable, free)
    if path is None:
        return None
    if bound == INF or path_latency(net, path) <= bound + 1e-12:
        return path
    return fewest_hops_within(net, source, target, usable, bound)


def fewest_hops_within(net: Network, source: int, target: int, usable, bound: float) -> list[int] | None:
    """The path with the fewest hops whose latency is within `bound` (hop-layered Bellman-Ford)."""
    latency = net.arc_latency.tolist()
    usable = usable.tolist() if isinstance(usable, np.ndarray) else usable
    arcs = [a for a in range(net.n_arcs) if usable[a]]
    dist = [INF] * net.n_hosts
    dist[source] = 0.0
    layers: list[list[int]] = []
    for _ in range(1, net.n_hosts):
        nxt = dist[:]
        parent = [-1] * net.n_hosts
        changed = False
        for a in arcs:
            d = dist[net.arc_tail[a]] + latency[a]
            head = net.arc_head[a]
            if d < nxt[head]:
                nxt[head] = d
                parent[head] = a
                changed = True
        layers.append(parent)
        dist = nxt
        if dist[target] <= bound + 1e-12:
            path, node, layer = [], target, len(layers) - 1
            while node != source:
                arc = layers[layer][node]
                if arc >= 0:
                    path.append(arc)
                    node = net.arc_tail[arc]
                layer -= 1
            return path[::-1]
        if not changed:
            break
    return None


def reachable(net: Network, sources: list[int], usable: np.ndarray) -> np.ndarray:
    """(H,) hosts reachable from any of `sources` over the usable arcs (the sources included)."""
    topo = topology(net)
    graph = topo.graph(usable, extra_sources=sources)
    order = breadth_first_order(graph, net.n_hosts, directed=True, return_predecessors=False)
    seen = np.zeros(net.n_hosts + 1, dtype=bool)
    seen[order] = True
    return seen[: net.n_hosts]


def least_latency(net: Network, sources: list[int], usable: np.ndarray) -> np.ndarray:
    """(H,) least total latency from the nearest of `sources` over the usable arcs (inf when unreachable)."""
    if not sources or net.n_arcs == 0:
        out = np.full(net.n_hosts, INF)
        out[sources] = 0.0
        return out
    topo = topology(net)
    kept = np.flatnonzero(usable[topo.order])
    weights = net.arc_latency[topo.order][kept] + 1e-12  # an explicit weight for zero-latency arcs
    indptr = np.zeros(net.n_hosts + 1, dtype=np.int32)
    indptr[1:] = np.searchsorted(kept, topo.row_end, side="left")
    graph = csr_matrix((weights, topo.sorted_head[kept], indptr), shape=(net.n_hosts, net.n_hosts))
    return np.asarray(dijkstra(graph, directed=True, indices=sources, min_only=True))


def widest_bottleneck(net: Network, sources: list[int], arc_free: list[float], allowed: list[bool]) -> list[float]:
    """Largest bottleneck bandwidth from any of `sources` to every host (widest path), over allowed arcs."""
    best = [0.0] * net.n_hosts
    for source in sources:
        best[source] = INF
    heap = [(-INF, source) for source in sources]
    while heap:
        neg, u = heapq.heappop(heap)
        if -neg < best[u]:
            continue
        for arc, v in net.adjacency[u]:
            if allowed[arc]:
                width = min(-neg, arc_free[arc])
                if width > best[v]:
                    best[v] = width
                    heapq.heappush(heap, (-width, v))
    return best


def shortest_simple_paths(net: Network, source: int, target: int, allowed: np.ndarray | None = None
                          ) -> Iterator[list[int]]:
    """Simple paths (as host lists) from source to target by increasing hop count, in the order networkx's
    shortest_simple_paths gives them on the substrate graph (the published baselines' link stage), lazily."""
    import networkx as nx

    graph = topology(net).nx_graph()
    if allowed is not None and not allowed.all():
        allowed_pairs = {(net.arc_tail[a], net.arc_head[a]) for a in np.flatnonzero(allowed).tolist()}
        graph = nx.subgraph_view(graph, filter_edge=lambda u, v: (u, v) in allowed_pairs)
    try:
        yield from nx.shortest_simple_paths(graph, source, target)
    except nx.NetworkXNoPath:
        return


def hops_to_arcs(net: Network, hosts: list[int], usable: np.ndarray) -> list[int] | None:
    """The arcs of a host path, each the first usable arc between its two hosts (None when a step has none)."""
    pairs = topology(net).pair_arcs
    path = []
    for u, v in pairwise(hosts):
        arc = next((a for a in pairs.get((u, v), ()) if usable[a]), None)
        if arc is None:
            return None
        path.append(arc)
    return path

"""Path searches on the substrate's arcs: usable arcs for a demand, shortest trees, latency-bounded routes."""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from backend.embedding.instance import INF, Network

EPS = 1e-6


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


def _as_list(usable) -> list[bool]:
    return usable.tolist() if isinstance(usable, np.ndarray) else usable


def bfs_tree(net: Network, source: int, usable) -> tuple[list[float], list[int]]:
    """Hop distances from `source` over usable arcs and the arc that reaches each host (-1 for none)."""
    usable = _as_list(usable)
    dist = [INF] * net.n_hosts
    parent = [-1] * net.n_hosts
    dist[source] = 0
    queue = deque([source])
    adjacency = net.adjacency
    while queue:
        u = queue.popleft()
        du = dist[u] + 1
        for arc, v in adjacency[u]:
            if dist[v] == INF and usable[arc]:
                dist[v] = du
                parent[v] = arc
                queue.append(v)
    return dist, parent


def latency_tree(net: Network, source: int, usable: list[bool]) -> tuple[list[float], list[int]]:
    """Least total latency from `source` (ties broken by fewer hops) and the arc reaching each host."""
    dist = [INF] * net.n_hosts
    parent = [-1] * net.n_hosts
    dist[source] = 0.0
    heap = [(0.0, source)]
    usable = _as_list(usable)
    latency = net.arc_latency.tolist()
    tiny = 1e-12
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for arc, v in net.adjacency[u]:
            if usable[arc]:
                nd = d + latency[arc] + tiny
                if nd < dist[v]:
                    dist[v] = nd
                    parent[v] = arc
                    heapq.heappush(heap, (nd, v))
    return dist, parent


def trace(net: Network, parent: list[int], source: int, target: int) -> list[int]:
    """Arcs from source to target in a parent tree."""
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


def route(net: Network, source: int, target: int, usable: list[bool], bound: float = INF) -> list[int] | None:
    """Fewest-hop path within the latency bound (least-latency path when the fewest-hop one is too slow)."""
    if source == target:
        return []
    dist, parent = bfs_tree(net, source, usable)
    if dist[target] == INF:
        return None
    path = trace(net, parent, source, target)
    if bound == INF or path_latency(net, path) <= bound + 1e-12:
        return path
    return fewest_hops_within(net, source, target, usable, bound)


def fewest_hops_within(net: Network, source: int, target: int, usable: list[bool], bound: float) -> list[int] | None:
    """The path with the fewest hops whose latency is within `bound` (hop-layered Bellman-Ford)."""
    latency = net.arc_latency.tolist()
    usable = _as_list(usable)
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


def widest_bottleneck(net: Network, sources: list[int], arc_free: list[float], allowed: list[bool]) -> list[float]:
    """Largest bottleneck bandwidth from any of `sources` to every host (widest path), over allowed arcs."""
    best = [0.0] * net.n_hosts
    for source in sources:
        best[source] = INF
    heap = [(-INF, source) for source in sources]
    allowed = _as_list(allowed)
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

"""Path searches on the substrate's arcs: usable arcs for a demand, shortest trees, latency-bounded routes."""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from backend.embedding.instance import INF, Network

EPS = 1e-6


def usable_arcs(net: Network, arc_residual: np.ndarray, forward: np.ndarray, reverse: np.ndarray,
                allowed: np.ndarray | None = None) -> list[bool]:
    """Arcs that can carry `forward` along them and `reverse` back on their partner, in every segment.

    `arc_residual` is (K, 2L); `forward`/`reverse` are (K,)."""
    if arc_residual.shape[1] == 0:
        return []
    ok_f = np.all(arc_residual + EPS >= forward[:, None], axis=0)
    ok_r = np.all(arc_residual + EPS >= reverse[:, None], axis=0)
    partner = ok_r.reshape(-1, 2)[:, ::-1].reshape(-1)
    ok = ok_f & partner
    if allowed is not None:
        ok &= allowed
    return ok.tolist()


def bfs_tree(net: Network, source: int, usable: list[bool]) -> tuple[list[float], list[int]]:
    """Hop distances from `source` over usable arcs and the arc that reaches each host (-1 for none)."""
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
    ldist, lparent = latency_tree(net, source, usable)
    if ldist[target] == INF:
        return None
    path = trace(net, lparent, source, target)
    return path if path_latency(net, path) <= bound + 1e-12 else None


def widest_bottleneck(net: Network, source: int, arc_free: list[float], allowed: list[bool]) -> list[float]:
    """Largest bottleneck bandwidth from source to every host (widest path), over allowed arcs."""
    best = [0.0] * net.n_hosts
    best[source] = INF
    heap = [(-INF, source)]
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

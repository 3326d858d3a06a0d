"""The two stages shared by the published node-ranking baselines, as Virne runs them.

Nodes: the virtual nodes in decreasing rank, each onto the first host of the substrate's ranking (computed
once, before placing) that may take it, has enough left and, when parts must be apart, is not used by the
request yet. Links: each virtual link in the request's order onto the first of the k = 10 shortest simple
paths by hop count (found on the whole substrate, bandwidth aside) whose every hop has enough bandwidth
left (and whose latency is within the link's bound); the request is refused when none of the ten fits.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from backend.embedding.context import Context, reserve_node, reserve_path
from backend.embedding.instance import INF
from backend.embedding.ledger import Placement
from backend.embedding.paths import hops_to_arcs, path_latency, shortest_simple_paths, usable_arcs

K_SHORTEST = 10


def ranked(scores: np.ndarray) -> np.ndarray:
    """Indices by decreasing score; equal scores keep index order (as Python's stable sort does)."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def host_cpu_and_bandwidth(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(H,) cores left per host and (L,) bandwidth left per physical link (its scarcer direction), both at the
    request's tightest segment; an undeclared capacity counts as the largest declared one."""
    cores = np.min(ctx.host_residual()[:, :, 0], axis=0)
    arcs = np.min(ctx.arc_residual(), axis=0)
    links = np.minimum(arcs[0::2], arcs[1::2]) if arcs.size else np.zeros(0)
    return _finite(np.maximum(cores, 0.0)), _finite(np.maximum(links, 0.0))


def request_cpu_and_bandwidth(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(n,) cores asked per virtual node and (m,) bandwidth per virtual link (largest segment and direction)."""
    req = ctx.req
    cores = req.node_demand[:, :, 0].max(axis=1) if len(req.nodes) else np.zeros(0)
    links = req.links
    bandwidth = links.per_link([max(float(f.max(initial=0.0)), float(r.max(initial=0.0)))
                                for f, r in zip(links.forwards, links.reverses, strict=True)])
    return cores, bandwidth


def _finite(values: np.ndarray) -> np.ndarray:
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 1.0
    return np.where(np.isfinite(values), values, top)


def substrate_edges(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(L,) both ends of every physical link."""
    net = ctx.net
    return np.asarray(net.arc_tail[0::2], dtype=np.int64), np.asarray(net.arc_head[0::2], dtype=np.int64)


def request_edges(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(m,) both ends of every virtual link."""
    links = ctx.req.links
    return (np.frombuffer(links.sources, dtype=np.int32).astype(np.int64),
            np.frombuffer(links.destinations, dtype=np.int32).astype(np.int64))


def solve_ranked(ctx: Context, host_scores: np.ndarray, node_scores: np.ndarray) -> Placement | None:
    """Both stages for the given rankings."""
    residual = ctx.residual.copy()
    hosts = match_nodes(ctx, ranked(node_scores), ranked(host_scores), residual)
    if hosts is None:
        return None
    paths = map_links(ctx, hosts, residual)
    return None if paths is None else Placement(hosts, paths)


def match_nodes(ctx: Context, node_order: np.ndarray, host_order: np.ndarray,
                residual: np.ndarray) -> list[int] | None:
    """Each node onto the first host in `host_order` that fits (reserving); None when one fits nowhere."""
    hosts = [-1] * len(ctx.req.nodes)
    taken = np.zeros(ctx.net.n_hosts, dtype=bool)
    for node in node_order.tolist():
        fit = ctx.fitting_hosts(node, residual)
        if not ctx.colocate:
            fit &= ~taken
        in_order = fit[host_order]
        if not in_order.any():
            return None
        host = int(host_order[int(np.argmax(in_order))])
        hosts[node] = host
        taken[host] = True
        reserve_node(ctx, residual, node, host)
    return hosts


def map_links(ctx: Context, hosts: list[int], residual: np.ndarray, k: int = K_SHORTEST) -> list[list[int]] | None:
    """Each link in the request's order onto the first of the k shortest paths that fits (reserving)."""
    paths: list[list[int]] = []
    for link in ctx.req.links:
        source, target = hosts[link.source], hosts[link.destination]
        if source == target:
            paths.append([])
            continue
        usable = usable_arcs(ctx.net, ctx.arc_residual(residual), link.forward, link.reverse, ctx.allowed_arcs)
        chosen = None
        for walk in islice(shortest_simple_paths(ctx.net, source, target, ctx.allowed_arcs), k):
            path = hops_to_arcs(ctx.net, walk, usable)
            if path is not None and (link.latency_bound == INF
                                     or path_latency(ctx.net, path) <= link.latency_bound + 1e-12):
                chosen = path
                break
        if chosen is None:
            return None
        reserve_path(ctx, residual, link, chosen)
        paths.append(chosen)
    return paths

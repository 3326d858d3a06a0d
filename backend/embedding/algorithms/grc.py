"""GRC-Rank (Gong et al. 2014): rank hosts and virtual nodes by global resource capacity, a PageRank-like
vector mixing a node's own CPU with its neighbours' through link bandwidth; map in rank order."""

from __future__ import annotations

import numpy as np

from backend.embedding.context import Context, reserve_node, route_all
from backend.embedding.ledger import Placement

DAMPING = 0.85


def grc_vector(n: int, cpu: np.ndarray, edges: list[tuple[int, int, float]]) -> np.ndarray:
    """r = (1 - d) c + d M r, with c the normalised CPU and M the bandwidth shares (column-normalised)."""
    c = cpu / cpu.sum() if cpu.sum() > 0 else np.full(n, 1.0 / max(n, 1))
    m = np.zeros((n, n))
    for u, v, w in edges:
        m[u, v] += w
        m[v, u] += w
    col = m.sum(axis=0)
    m = np.divide(m, col, out=np.zeros_like(m), where=col > 0)
    r = c.copy()
    for _ in range(100):
        nxt = (1 - DAMPING) * c + DAMPING * (m @ r)
        if np.abs(nxt - r).sum() < 1e-7:
            return nxt
        r = nxt
    return r


def solve(ctx: Context) -> Placement | None:
    """Virtual nodes in decreasing GRC onto the fitting host of highest GRC, then fewest-hop paths."""
    net, req = ctx.net, ctx.req
    residual = ctx.residual.copy()
    cores = np.min(ctx.host_residual(residual)[:, :, 0], axis=0)
    cores = np.where(np.isfinite(cores), np.maximum(cores, 0.0), 1e6)
    arcs = np.min(ctx.arc_residual(residual), axis=0)
    arcs = np.where(np.isfinite(arcs), np.maximum(arcs, 0.0), 1e12) * ctx.allowed_arcs
    sub_edges = [(net.arc_tail[a], net.arc_head[a], float(arcs[a] + arcs[a ^ 1]) / 2)
                 for a in range(0, net.n_arcs, 2)]
    host_rank = grc_vector(net.n_hosts, cores, sub_edges)
    v_edges = [(lk.source, lk.destination, float(np.max(lk.forward + lk.reverse)) / 2) for lk in req.links]
    v_rank = grc_vector(len(req.nodes), req.node_demand[:, :, 0].max(axis=1), v_edges)
    hosts = [-1] * len(req.nodes)
    taken = np.zeros(net.n_hosts, dtype=bool)
    for node in sorted(range(len(req.nodes)), key=lambda i: -v_rank[i]):
        fit = ctx.fitting_hosts(node, residual)
        if not ctx.colocate:
            fit &= ~taken
        if not fit.any():
            return None
        host = int(np.argmax(np.where(fit, host_rank, -1.0)))
        hosts[node] = host
        taken[host] = True
        reserve_node(ctx, residual, node, host)
    paths = route_all(ctx, hosts, residual)
    return None if paths is None else Placement(hosts, paths)

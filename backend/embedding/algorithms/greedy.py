"""Greedy baseline (Yu et al. 2008): heaviest nodes first onto the strongest hosts, then fewest-hop paths."""

from __future__ import annotations

import numpy as np

from backend.embedding.context import Context, node_strength, reserve_node, route_all
from backend.embedding.ledger import Placement


def solve(ctx: Context) -> Placement | None:
    """Two stages: node mapping by cores x adjacent bandwidth left, then link mapping."""
    residual = ctx.residual.copy()
    req = ctx.req
    hosts = [-1] * len(req.nodes)
    taken = np.zeros(ctx.net.n_hosts, dtype=bool)
    cores = req.node_demand[:, :, 0].max(axis=1) if req.node_demand.shape[1] else np.zeros(len(req.nodes))
    order = np.argsort(-cores, kind="stable")  # heaviest first, in request order among equals
    strength = node_strength(ctx, residual)
    for node in order:
        fit = ctx.fitting_hosts(node, residual)
        if not ctx.colocate:
            fit &= ~taken
        if not fit.any():
            return None
        host = int(np.argmax(np.where(fit, strength, -1.0)))
        hosts[node] = host
        taken[host] = True
        reserve_node(ctx, residual, node, host)
        strength[host] = node_strength(ctx, residual)[host]
    paths = route_all(ctx, hosts, residual)
    return None if paths is None else Placement(hosts, paths)

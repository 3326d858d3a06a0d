"""The project's own algorithm: a ranked candidate search with restarts.

Each attempt grows the embedding from one root host: the next virtual node (most bandwidth to the part
already placed) goes to the fitting host where bandwidth x hops to its placed neighbours is least, with
a small preference for hosts that keep the most capacity; its links take the paths of the same
search trees. Attempts start from the strongest hosts; the cheapest complete embedding wins. When
every attempt fails on a small instance, the exact ILP decides.
"""

from __future__ import annotations

import numpy as np

from backend.embedding.context import (
    Context,
    link_weight,
    node_strength,
    oriented,
    placement_cost,
    reserve_node,
    reserve_path,
)
from backend.embedding.instance import INF
from backend.embedding.ledger import Placement
from backend.embedding.paths import bfs_tree, path_latency, route, trace, usable_arcs

CHOICES_PER_NODE = 3
SMALL_NETWORK = 30
ILP_FALLBACK_SIZE = 6000


def _incidence(ctx: Context) -> list[list[tuple[int, int]]]:
    incident: list[list[tuple[int, int]]] = [[] for _ in ctx.req.nodes]
    for i, link in enumerate(ctx.req.links):
        incident[link.source].append((i, link.destination))
        incident[link.destination].append((i, link.source))
    return incident


def _order(ctx: Context, incident, weights: list[float]) -> list[int]:
    """Most constrained and heaviest node first, then the node most bound to those placed."""
    req = ctx.req
    n = len(req.nodes)
    choices = ctx.allowed.sum(axis=1)
    heft = [float(req.node_demand[i, :, 0].max()) + sum(weights[li] for li, _ in incident[i]) for i in range(n)]
    placed: list[int] = []
    bond = [0.0] * n
    remaining = set(range(n))
    while remaining:
        if placed and any(bond[i] > 0 for i in remaining):
            nxt = max(remaining, key=lambda i: (bond[i], -choices[i], heft[i]))
        else:
            nxt = min(remaining, key=lambda i: (choices[i], -heft[i]))
        placed.append(nxt)
        remaining.discard(nxt)
        for li, other in incident[nxt]:
            bond[other] += weights[li]
    return placed


def _path_fits(ctx: Context, arc_res: np.ndarray, link, path: list[int]) -> bool:
    for arc in path:
        if np.any(arc_res[:, arc] + 1e-6 < link.forward) or np.any(arc_res[:, arc ^ 1] + 1e-6 < link.reverse):
            return False
    return True


class _Attempt:
    """One growth of the embedding from a root host."""

    def __init__(self, ctx: Context, incident, weights: list[float], strength: np.ndarray, balance: float):
        self.ctx, self.incident, self.weights = ctx, incident, weights
        top = float(strength.max()) if strength.size and strength.max() > 0 else 1.0
        floor = min(weights) if weights else 1.0
        self.tiebreak = balance * floor * (1.0 - strength / top)
        self.residual = ctx.residual.copy()
        self.hosts = [-1] * len(ctx.req.nodes)
        self.paths: list[list[int] | None] = [None] * len(ctx.req.links)
        self.taken = np.zeros(ctx.net.n_hosts, dtype=bool)

    def run(self, order: list[int], root_host: int) -> Placement | None:
        for position, node in enumerate(order):
            if not self._place(node, root_host if position == 0 else None):
                return None
        return Placement(self.hosts, self.paths)  # type: ignore[arg-type]

    def _place(self, node: int, forced: int | None) -> bool:
        ctx = self.ctx
        fit = ctx.fitting_hosts(node, self.residual)
        if not ctx.colocate:
            fit &= ~self.taken
        trees = []
        if forced is not None:
            candidates = [forced] if fit[forced] else []
        else:
            links = sorted(((li, u) for li, u in self.incident[node] if self.hosts[u] >= 0),
                           key=lambda item: -self.weights[item[0]])
            score = self.tiebreak.copy()
            arc_res = ctx.arc_residual(self.residual)
            for li, u in links:
                link = ctx.req.links[li]
                along, back = oriented(link, link.source == u)
                usable = usable_arcs(ctx.net, arc_res, along, back, ctx.allowed_arcs)
                dist, parent = bfs_tree(ctx.net, self.hosts[u], usable)
                score = score + self.weights[li] * np.asarray(dist)
                trees.append((li, u, usable, parent))
            ranked = np.flatnonzero(fit & np.isfinite(score))
            candidates = ranked[np.argsort(score[ranked], kind="stable")][:CHOICES_PER_NODE].tolist()
            wish = ctx.preferred.get(node)
            if wish is not None and fit[wish] and np.isfinite(score[wish]):
                candidates = [wish, *[c for c in candidates if c != wish]]
        return any(self._try(node, host, trees) for host in candidates)

    def _try(self, node: int, host: int, trees) -> bool:
        ctx = self.ctx
        backup = self.residual.copy()
        reserve_node(ctx, self.residual, node, host)
        arc_res = ctx.arc_residual(self.residual)
        found = []
        for li, u, _usable, parent in trees:
            link = ctx.req.links[li]
            path = trace(ctx.net, parent, self.hosts[u], host)
            if link.source != u:
                path = [a ^ 1 for a in reversed(path)]
            too_slow = link.latency_bound < INF and path_latency(ctx.net, path) > link.latency_bound + 1e-12
            if too_slow or not _path_fits(ctx, arc_res, link, path):
                fresh = usable_arcs(ctx.net, arc_res, link.forward, link.reverse, ctx.allowed_arcs)
                ends = (host, self.hosts[u]) if link.source == node else (self.hosts[u], host)
                path = route(ctx.net, ends[0], ends[1], fresh, link.latency_bound)
                if path is None:
                    self.residual = backup
                    return False
            reserve_path(ctx, self.residual, link, path)
            found.append((li, path))
        self.hosts[node] = host
        self.taken[host] = True
        for li, path in found:
            self.paths[li] = path
        return True


def solve(ctx: Context) -> Placement | None:
    """The cheapest embedding over several root hosts; the ILP for small instances it cannot place."""
    req = ctx.req
    if not req.nodes:
        return Placement([], [])
    weights = [link_weight(link) for link in req.links]
    incident = _incidence(ctx)
    order = _order(ctx, incident, weights)
    strength = node_strength(ctx, ctx.residual)
    balance = float(ctx.options.get("balance", 0.3))
    root = order[0]
    fit = ctx.fitting_hosts(root)
    candidates = np.flatnonzero(fit)
    ranked = candidates[np.argsort(-strength[candidates], kind="stable")].tolist()
    wish = ctx.preferred.get(root)
    if wish is not None and wish in ranked:
        ranked = [wish, *[h for h in ranked if h != wish]]
    restarts = int(ctx.options.get("restarts", 8))
    if ctx.net.n_hosts <= SMALL_NETWORK:
        restarts = max(restarts, len(ranked))
    lower = sum(weights) if not ctx.colocate else 0.0
    patience = int(ctx.options.get("patience", restarts))
    best, best_cost, stale = None, INF, 0
    for host in ranked[:restarts]:
        placement = _Attempt(ctx, incident, weights, strength, balance).run(order, host)
        if placement is None:
            continue
        cost = placement_cost(ctx, placement)
        stale += 1
        if cost < best_cost - 1e-9:
            best, best_cost, stale = placement, cost, 0
        if best_cost <= lower + 1e-6 or (wish is not None and best is not None) or stale >= patience:
            break
    if best is None and ctx.options.get("ilp_fallback", True) and _small(ctx):
        from backend.embedding.algorithms import ilp

        best = ilp.solve(ctx, time_limit=float(ctx.options.get("fallback_time_limit", 5.0)))
        ctx.info["fallback"] = "ilp"
    return best


def _small(ctx: Context) -> bool:
    """Small enough for the exact solver to answer within the time budget of an interactive command."""
    return ctx.net.n_hosts <= SMALL_NETWORK and ctx.net.n_arcs * max(len(ctx.req.links), 1) <= ILP_FALLBACK_SIZE

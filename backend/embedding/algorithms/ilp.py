"""Exact embedding of one request: a multi-commodity-flow integer programme solved by HiGHS
(scipy.optimize.milp), with variables only for allowed host choices and real substrate arcs.

Minimises bandwidth x hops. With a time limit it returns the best embedding found and records the
proven lower bound in ctx.info ("status": optimal | feasible | infeasible | unknown, the last when the time
limit ended before any embedding was found)."""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy.sparse import coo_matrix

from backend.embedding.context import Context, link_weight
from backend.embedding.ledger import Placement
from backend.embedding.paths import trace


class _Rows:
    """Sparse constraint rows collected one by one."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, terms: list[tuple[int, float]], lower: float, upper: float) -> None:
        r = len(self.lower)
        for c, v in terms:
            self.rows.append(r)
            self.cols.append(c)
            self.vals.append(v)
        self.lower.append(lower)
        self.upper.append(upper)

    def constraint(self, n_vars: int):
        """The rows as one sparse constraint of scipy's MILP."""
        from scipy.optimize import LinearConstraint  # 13 MB, loaded only when an exact solve runs

        matrix = coo_matrix((self.vals, (self.rows, self.cols)), shape=(len(self.lower), n_vars)).tocsr()
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))


def solve(ctx: Context, time_limit: float | None = None) -> Placement | None:
    """The optimal (or best found within the time limit) placement, or None when there is none."""
    net, req = ctx.net, ctx.req
    links = list(req.links)  # a small request (combined.py): its links as objects, read in every loop
    limit = float(time_limit if time_limit is not None else ctx.options.get("time_limit", 10.0))
    n, k = len(req.nodes), len(req.segments)
    if n == 0:
        return Placement([], [])
    host_res = ctx.host_residual()
    arc_res = ctx.arc_residual()
    x: dict[tuple[int, int], int] = {}
    for v in range(n):
        for h in np.flatnonzero(ctx.fitting_hosts(v)).tolist():
            x[(v, h)] = len(x)
    if any(not any((v, h) in x for h in range(net.n_hosts)) for v in range(n)):
        ctx.info.update(status="infeasible", bound=None)
        return None
    f: dict[tuple[int, int], int] = {}
    base = len(x)
    for li, link in enumerate(links):
        ok_f = np.all(arc_res + 1e-6 >= link.forward[:, None], axis=0)
        ok_r = np.all(arc_res + 1e-6 >= link.reverse[:, None], axis=0)
        for a in range(net.n_arcs):
            if ok_f[a] and ok_r[a ^ 1] and ctx.allowed_arcs[a]:
                f[(li, a)] = base + len(f)
    n_vars = base + len(f)
    rows = _Rows()
    for v in range(n):
        rows.add([(x[(v, h)], 1.0) for h in range(net.n_hosts) if (v, h) in x], 1.0, 1.0)
    by_host: dict[int, list[int]] = {}
    for (v, h) in x:
        by_host.setdefault(h, []).append(v)
    for h, nodes in by_host.items():
        for s in range(k):
            for d in range(3):
                terms = [(x[(v, h)], float(req.node_demand[v, s, d])) for v in nodes if req.node_demand[v, s, d]]
                if terms and np.isfinite(host_res[s, h, d]):
                    rows.add(terms, -np.inf, float(host_res[s, h, d]) + 1e-6)
        if not ctx.colocate and len(nodes) > 1:
            rows.add([(x[(v, h)], 1.0) for v in nodes], -np.inf, 1.0)
    out_arcs: list[list[int]] = [[] for _ in range(net.n_hosts)]
    in_arcs: list[list[int]] = [[] for _ in range(net.n_hosts)]
    for a in range(net.n_arcs):
        out_arcs[net.arc_tail[a]].append(a)
        in_arcs[net.arc_head[a]].append(a)
    for li, link in enumerate(links):
        for h in range(net.n_hosts):
            terms = [(f[(li, a)], 1.0) for a in out_arcs[h] if (li, a) in f]
            terms += [(f[(li, a)], -1.0) for a in in_arcs[h] if (li, a) in f]
            if (link.source, h) in x:
                terms.append((x[(link.source, h)], -1.0))
            if (link.destination, h) in x:
                terms.append((x[(link.destination, h)], 1.0))
            if terms:
                rows.add(terms, 0.0, 0.0)
        if np.isfinite(link.latency_bound):
            terms = [(f[(li, a)], float(net.arc_latency[a])) for a in range(net.n_arcs) if (li, a) in f]
            if terms:
                rows.add(terms, -np.inf, link.latency_bound + 1e-12)
    for a in range(net.n_arcs):
        for s in range(k):
            if not np.isfinite(arc_res[s, a]):
                continue
            terms = [(f[(li, a)], float(lk.forward[s])) for li, lk in enumerate(links)
                     if (li, a) in f and lk.forward[s]]
            terms += [(f[(li, a ^ 1)], float(lk.reverse[s])) for li, lk in enumerate(links)
                      if (li, a ^ 1) in f and lk.reverse[s]]
            if terms:
                rows.add(terms, -np.inf, float(arc_res[s, a]) + 1e-6)
    cost = np.zeros(n_vars)
    for (li, _a), col in f.items():
        cost[col] = link_weight(links[li])
    from scipy.optimize import Bounds, milp

    result = milp(cost, constraints=[rows.constraint(n_vars)] if rows.lower else None,
                  integrality=np.ones(n_vars), bounds=Bounds(0, 1),
                  options={"time_limit": limit, "disp": False})
    bound = getattr(result, "mip_dual_bound", None)
    bound = float(bound) if bound is not None and np.isfinite(bound) else None
    if result.x is None:
        ctx.info.update(status="infeasible" if result.status == 2 else "unknown",
                        bound=None if result.status == 2 else bound)
        return None
    ctx.info.update(status="optimal" if result.status == 0 else "feasible", objective=float(result.fun),
                    bound=bound)
    chosen = result.x > 0.5
    hosts = [-1] * n
    for (v, h), col in x.items():
        if chosen[col]:
            hosts[v] = h
    paths = []
    for li, link in enumerate(links):
        arcs = {a for (lj, a), col in f.items() if lj == li and chosen[col]}
        path = _extract(net, arcs, hosts[link.source], hosts[link.destination])
        if path is None:
            return None
        paths.append(path)
    return Placement(hosts, paths)


def _extract(net, arcs: set[int], source: int, target: int) -> list[int] | None:
    """A simple path from source to target using only the chosen arcs."""
    if source == target:
        return []
    parent = {source: -1}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for arc, v in net.adjacency[u]:
            if arc in arcs and v not in parent:
                parent[v] = arc
                queue.append(v)
    if target not in parent:
        return None
    return trace(net, parent, source, target)

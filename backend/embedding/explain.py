"""Why a request does not fit, in words a user acts on: which part, which resource, when, how much short."""

from __future__ import annotations

from datetime import datetime, timezone
from itertools import combinations

import numpy as np

from backend.embedding.context import Context
from backend.embedding.instance import DIMS, INF
from backend.embedding.paths import least_latency, reachable, widest_bottleneck
from backend.model import units
from backend.model.words import count_text, plural

KIND_OF_DIM = {"cores": units.COUNT, "memory": units.SIZE, "storage": units.SIZE}
NAMES = {"node": "node", "router": "router", "storage": "storage", "access_point": "access point"}


def when(t: float) -> str:
    """A moment in UTC, readable."""
    if not np.isfinite(t):
        return "any time"
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def during(segment: tuple[float, float]) -> str:
    """' from A to B' for a lease segment, '' when it lasts forever."""
    a, b = segment
    if not np.isfinite(a) and not np.isfinite(b):
        return ""
    return f" from {when(a)}" + (f" to {when(b)}" if np.isfinite(b) else " on")


def amount(dim: str, value: float) -> str:
    """A readable quantity of cores, memory or storage: '1 core', '6 cores', '4 GiB of memory'."""
    if dim == "cores":
        return plural(value, "core")
    return f"{units.human(KIND_OF_DIM[dim], value)} of {dim}"


def plain(dim: str, value: float) -> str:
    """A quantity without the resource's name, where the sentence has named it: '3', '2 GiB', '2,000'."""
    if dim == "cores":
        return count_text(value)
    return units.human(KIND_OF_DIM[dim], value)


def explain(ctx: Context, algorithm: str) -> str:
    """The first reason found, from the most specific (one part alone) to the most general."""
    return (_node_reason(ctx) or _site_reason(ctx) or _link_reason(ctx)
            or _combined_reason(ctx, algorithm))


def proven_refusal(ctx: Context) -> str | None:
    """A reason that proves no placement exists in `ctx`, whatever the algorithm: a part with no host it may use
    or none with room for it alone, or anchored parts too big together for their hosts; None when none holds."""
    return _node_reason(ctx) or _site_reason(ctx)


def _where(ctx: Context, host: int) -> str:
    host_obj = ctx.net.substrate.hosts[ctx.net.host_ids[host]]
    return f"host '{host_obj.id}'" + (f" at location '{host_obj.site}'" if host_obj.site is not None else "")


def _node_reason(ctx: Context) -> str | None:
    return _nowhere_reason(ctx) or _capacity_reason(ctx)


def _nowhere_reason(ctx: Context) -> str | None:
    """A part with no host it may use at all: no hosts, an unknown anchor, availability, CPU frequency."""
    net, req = ctx.net, ctx.req
    if req.nodes and net.n_hosts == 0:
        return f"substrate '{net.substrate.id}' has no hosts"
    for i, node in enumerate(req.nodes):
        if ctx.allowed[i].any():
            continue
        what = f"{NAMES.get(node.kind, node.kind)} '{node.id}'"
        anchored = net.anchored_hosts(node.location) if node.location is not None else np.ones(net.n_hosts, bool)
        if not anchored.any():
            return (f"{what} is anchored at location '{node.location}', but no host of substrate "
                    f"'{net.substrate.id}' is there; change its location or add a host there")
        place = f" at location '{node.location}'" if node.location is not None else ""
        available = anchored & (net.host_open <= node.window[0]) & (node.window[1] <= net.host_close)
        if not available.any():
            return (f"{what} needs a host{place} available{during(node.window) or ' at all times'}, but none is "
                    "(check the hosts' availability windows)")
        if not (available & (net.host_frequency >= node.frequency)).any():
            return (f"{what} needs {units.human(units.FREQUENCY, node.frequency)} per core, but no host{place} "
                    "is that fast")
        return f"{what} may not use any host{place} here (it is pinned elsewhere)"
    return None


def _capacity_reason(ctx: Context) -> str | None:
    net, req = ctx.net, ctx.req
    for i, node in enumerate(req.nodes):
        what = f"{NAMES.get(node.kind, node.kind)} '{node.id}'"
        if ctx.fitting_hosts(i).any():
            continue
        hosts = np.flatnonzero(ctx.allowed[i])
        res = ctx.host_residual()
        demand = req.node_demand[i]
        best = None
        for h in hosts.tolist():
            short = demand - res[:, h, :]
            rel = np.max(np.where(demand > 0, short / np.where(demand > 0, demand, 1.0), -np.inf))
            if best is None or rel < best[0]:
                best = (rel, h)
        h = best[1]
        short = demand - res[:, h, :]
        k, d = np.unravel_index(int(np.argmax(np.where(demand > 0, short / np.where(demand > 0, demand, 1.0),
                                                          -np.inf))), short.shape)
        dim = DIMS[d]
        left = max(float(res[k, h, d]), 0.0)
        place = f" at location '{node.location}'" if node.location is not None else ""
        largest = float(net.host_caps[hosts, d].max())
        if largest < demand[k, d]:
            return (f"{what} needs {amount(dim, float(demand[k, d]))}, but no host it may use{place} is that big: "
                    f"the largest has {amount(dim, largest)} in all")
        return (f"{what} needs {amount(dim, float(demand[k, d]))}{during(req.segments[k])}; the best host "
                f"for it{place} is '{net.host_ids[h]}' with only {amount(dim, left)} left then "
                f"({plain(dim, float(short[k, d]))} missing)")
    return None


def _site_reason(ctx: Context) -> str | None:
    """Anchored parts whose hosts (one site, or two sites sharing hosts) have too little left together."""
    req = ctx.req
    allowed_sets = {i: frozenset(np.flatnonzero(ctx.allowed[i]).tolist()) for i, node in enumerate(req.nodes)
                    if node.location is not None}
    groups = sorted(set(allowed_sets.values()), key=len)
    candidates = groups + [a | b for a, b in combinations(groups, 2) if a & b or len(groups) <= 6]
    res = ctx.host_residual()
    for hosts in candidates:
        members = [i for i, allowed in allowed_sets.items() if allowed <= hosts]
        if len(members) < 2 or not hosts:
            continue
        places = sorted({str(req.nodes[i].location) for i in members})
        parts = ", ".join(req.nodes[i].id for i in members)
        where = "location '" + "', '".join(places) + "'" if len(places) == 1 else \
            "locations '" + "', '".join(places) + "'"
        chosen = sorted(hosts)
        if not ctx.colocate and len(chosen) < len(members):
            there = "usable host is" if len(chosen) == 1 else "usable hosts are"
            return (f"{len(members)} parts are anchored at {where} ({parts}) but only {len(chosen)} {there} there "
                    "and each part needs its own")
        need = req.node_demand[members].sum(axis=0)  # (K, 3)
        have = np.maximum(res[:, chosen, :], 0).sum(axis=1)
        short = need - have
        if np.any(short > 1e-6):
            k, d = np.unravel_index(int(np.argmax(short)), short.shape)
            dim = DIMS[d]
            names = ", ".join(f"'{ctx.net.host_ids[h]}'" for h in chosen)
            their = f"their host {names} has" if len(chosen) == 1 else f"their hosts {names} have"
            return (f"the parts anchored at {where} ({parts}) need {amount(dim, float(need[k, d]))} together"
                    f"{during(req.segments[k])}, but {their} {amount(dim, float(have[k, d]))} left "
                    f"({plain(dim, float(short[k, d]))} missing)")
    return None


def _link_reason(ctx: Context) -> str | None:
    net, req = ctx.net, ctx.req
    arc_res = ctx.arc_residual()
    for link in req.links:
        sources = np.flatnonzero(ctx.allowed[link.source]).tolist()
        targets = np.flatnonzero(ctx.allowed[link.destination]).tolist()
        ends = f"'{req.nodes[link.source].id}' and '{req.nodes[link.destination].id}'"
        if ctx.colocate and not set(sources).isdisjoint(targets):
            continue
        if np.isfinite(link.latency_bound):
            fastest = _fastest_between(net, sources, targets, ctx.allowed_arcs)
            if fastest > link.latency_bound + 1e-12:
                took = "no path at all" if not np.isfinite(fastest) else \
                    f"the fastest path takes {units.human(units.LATENCY, fastest)}"
                return (f"link '{link.id}' between {ends} must stay within "
                        f"{units.human(units.LATENCY, link.latency_bound)}, but {took} between the hosts "
                        "they may use")
        source_set = set(sources)
        outside = [t for t in targets if t not in source_set]
        if not outside:
            continue
        for k, segment in enumerate(req.segments):
            for direction, demand, row in (("forward", link.forward[k], arc_res[k]),
                                           ("reverse", link.reverse[k], arc_res[k].reshape(-1, 2)[:, ::-1].ravel())):
                if demand <= 0:
                    continue
                if reachable(net, sources, (row + 1e-6 >= demand) & ctx.allowed_arcs)[outside].any():
                    continue
                reach = widest_bottleneck(net, sources, row.tolist(), ctx.allowed_arcs.tolist())
                widest = max(reach[t] for t in outside)
                return (f"link '{link.id}' between {ends} needs {units.human(units.BANDWIDTH, demand)} "
                        f"{direction}{during(segment)}, but the widest path between the hosts they may use has "
                        f"{units.human(units.BANDWIDTH, max(widest, 0.0))} left "
                        f"({units.human(units.BANDWIDTH, demand - max(widest, 0.0))} missing)")
    return None


def _fastest_between(net, sources: list[int], targets: list[int], allowed: np.ndarray) -> float:
    """Least latency from a source to a different target. Two distinct hosts differ in some bit of their index,
    so splitting both sets by each bit covers every pair with a few multi-source searches."""
    source_set, target_set = np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64)
    if source_set.size == 0 or target_set.size == 0:
        return INF
    best = INF
    for bit in range(max(1, int(max(source_set.max(), target_set.max())).bit_length())):
        for side in (0, 1):
            chosen = source_set[((source_set >> bit) & 1) == side]
            aimed = target_set[((target_set >> bit) & 1) != side]
            if chosen.size and aimed.size:
                best = min(best, float(least_latency(net, chosen.tolist(), allowed)[aimed].min()))
    return best


def _combined_reason(ctx: Context, algorithm: str) -> str:
    res = ctx.host_residual()
    cap = ctx.net.host_caps
    finite = np.isfinite(cap) & (cap > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        used = 1.0 - np.where(finite, np.maximum(res, 0) / np.where(finite, cap, 1.0), 1.0)
    k, h, d = np.unravel_index(int(np.argmax(used)), used.shape)
    tight = ""
    if used[k, h, d] >= 0.01:
        tight = (f"; the busiest resource is {_where(ctx, int(h))}: {DIMS[d]} "
                 f"{100 * float(used[k, h, d]):.0f}% in use{during(ctx.req.segments[k])}")
    if ctx.info.get("status") == "infeasible":
        return ("every part fits on its own, but no placement of all of them and their links exists "
                f"(proven by the exact solver){tight}")
    if ctx.info.get("status") == "unknown":
        return ("every part fits on its own, but the exact solver found no placement within its time limit "
                f"(raise --time-limit, or try --algorithm best){tight}")
    tip = "" if algorithm == "ilp" else " (try --algorithm ilp for an exact answer)"
    return (f"every part fits on its own, but algorithm '{algorithm}' found no way to place all of them and their "
            f"links together{tight}{tip}")

"""An independent feasibility check of a Mapping against the models themselves.

Written apart from the solvers on purpose: it re-derives demands, cloud members, windows and paths
from the Infrastructure and Substrate objects and sweeps every event point, so a bookkeeping bug in a
solver shows up here as a violation instead of an over-booked host."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise

from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import AccessPoint, Cloud, Infrastructure, Node, Router, Storage, Substrate
from backend.model.quantity import Quantity

TOLERANCE = 1e-6
FOREVER = (-math.inf, math.inf)


def _num(q: Quantity | None, default: float = 0.0) -> float:
    v = q.demand() if q is not None else None
    return default if v is None else float(v)


def _limit(q: Quantity | None) -> float:
    v = q.demand() if q is not None else None
    return math.inf if v is None else float(v)


def _window(lease, default):
    if lease.start is None:
        return default
    t = lease.start.timestamp()
    return (t, t + lease.duration if lease.duration is not None else math.inf)


def _needs(comp) -> tuple[float, float, float, float]:
    """(cores, memory, storage, frequency) a component asks for."""
    if isinstance(comp, Node):
        return _num(comp.cores, 1.0), _num(comp.memory), _num(comp.storage), _num(comp.frequency)
    if isinstance(comp, Router):
        return _num(comp.cores, 1.0), _num(comp.memory), 0.0, 0.0
    if isinstance(comp, Storage):
        return 0.0, 0.0, _num(comp.size), 0.0
    if isinstance(comp, AccessPoint):
        return 0.0, 0.0, 0.0, 0.0
    return 0.0, 0.0, 0.0, 0.0


def _anchor_ok(substrate: Substrate, all_sites: set, location: str, host) -> bool:
    """A location is a site; it may name a host by id only when no host is at such a site and no host id
    is also a site name."""
    if location in all_sites:
        return host.site == location
    if all_sites & set(substrate.hosts):
        return False
    return host.id == location


def _members(vxi: Infrastructure) -> dict[str, list[tuple[str, object, tuple[float, float]]]]:
    """Component id -> [(placed id, the component that gives demands, window)]."""
    outer = _window(vxi.lease, FOREVER)
    out = {}
    for comp in vxi.components.values():
        window = _window(comp.lease, outer)
        if isinstance(comp, Cloud):
            out[comp.id] = [(f"{comp.id}#{i}", comp.template, window) for i in range(comp.cardinality)]
        else:
            out[comp.id] = [(comp.id, comp, window)]
    return out


def _link_demands(vxi: Infrastructure, link) -> list[tuple[tuple[float, float], float, float]]:
    """[(window, forward, reverse)] for a link: its own values outside periods, each period's inside."""
    outer = _window(vxi.lease, FOREVER)
    window = _window(link.lease, outer)
    one_way = link.forward is not None and link.reverse is None

    def bw(conf):
        return _num(conf.forward), (0.0 if one_way and conf.reverse is None else _num(conf.reverse))

    base = bw(link.config_for(None))
    periods = [p for p in vxi.periods if p.name in link.periods]
    if not periods:
        return [(window, *base)]
    if vxi.lease.start is None:  # periods cannot be placed in time: the largest configuration always
        configs = [base] + [bw(link.config_for(p.name)) for p in periods]
        return [(window, max(c[0] for c in configs), max(c[1] for c in configs))]
    start = vxi.lease.start.timestamp()
    cuts = sorted({*window, *(start + p.offset for p in periods), *(start + p.end for p in periods)})
    pieces = []
    for a, b in pairwise(cuts):
        if not (window[0] <= a and b <= window[1]) or a >= b:
            continue
        active = [bw(link.config_for(p.name)) for p in periods if start + p.offset <= a and b <= start + p.end]
        chosen = active or [base]
        pieces.append(((a, b), max(c[0] for c in chosen), max(c[1] for c in chosen)))
    return pieces


def _latency_bound(vxi: Infrastructure, link) -> float:
    values = [link.config_for(None).latency] + [link.config_for(p.name).latency for p in vxi.periods
                                                if p.name in link.periods]
    bounds = [q.bound() for q in values if q is not None and q.bound() is not None]
    return min(bounds) if bounds else math.inf


class InfeasibleMappingError(RuntimeError):
    """The feasibility checker found a violation: a bug in a solver, never returned as a mapping."""

    def __init__(self, violations: list[str]):
        super().__init__("the embedding broke a constraint: " + "; ".join(violations[:5]))
        self.violations = violations


def check(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping,
          distinct_hosts: bool = False) -> list[str]:
    """Every violation of capacity, anchors, availability, paths and latency (empty list when feasible).

    `requests` pairs with `mapping.requests` by position."""
    checker = Checker(substrate, distinct_hosts)
    violations: list[str] = []
    for position, (vxi, result) in enumerate(zip(requests, mapping.requests, strict=True)):
        violations += checker.admit(vxi, result, key=f"#{position}")
    return violations


class Checker:
    """The same check one request at a time: each accepted request is checked on its own and against what
    those admitted before hold, on the resources it uses (a resource whose holds add up within its capacity
    needs no sweep over time). `expire(t)` forgets holds over by t, for a stream of arrivals."""

    def __init__(self, substrate: Substrate, distinct_hosts: bool = False):
        self.substrate = substrate
        self.distinct_hosts = distinct_hosts
        self.sites = {h.site for h in substrate.hosts.values()}
        self.holds: dict[tuple, list[tuple[float, float, float, str]]] = defaultdict(list)
        self.total: dict[tuple, float] = defaultdict(float)
        self.keys_of: dict[str, set[tuple]] = {}
        self.reported: set[tuple] = set()
        self.ends: dict[str, float] = {}
        self.endings: list[tuple[float, str]] = []  # heap of (end of a request's last hold, request)

    def admit(self, vxi: Infrastructure, result: RequestMapping, key: str | None = None) -> list[str]:
        """The violations of one request's mapping (none for a refusal); its holds are kept either way, under
        `key` (the request's id by default), replacing what that key held."""
        if not result.accepted:
            return []
        owner = key or result.id
        self.release(owner)
        new: dict[tuple[float, float, tuple], float] = {}
        bad = _check_request(self.substrate, vxi, result, new, self.distinct_hosts, self.sites)
        touched = self.keys_of.setdefault(owner, set())
        for (start, end, resource), amount in new.items():
            if start < end:
                self.holds[resource].append((start, end, amount, owner))
                self.total[resource] += amount
                touched.add(resource)
        last = max((end for start, end, _ in new if start < end), default=None)
        if last is not None:
            self.ends[owner] = last
            heapq.heappush(self.endings, (last, owner))
        for resource in touched:
            if resource not in self.reported and \
                    self.total[resource] > _capacity(self.substrate, resource) * (1 + 1e-9) + TOLERANCE:
                bad += self._sweep(resource)
        return bad

    def release(self, request_id: str) -> None:
        """Forget what a request holds."""
        self.ends.pop(request_id, None)
        for key in self.keys_of.pop(request_id, ()):
            kept = [h for h in self.holds[key] if h[3] != request_id]
            self.holds[key] = kept
            self.total[key] = sum(h[2] for h in kept)

    def expire(self, before: float) -> None:
        """Forget the requests whose holds all end at or before `before` (no later request overlaps them)."""
        while self.endings and self.endings[0][0] <= before:
            end, request_id = heapq.heappop(self.endings)
            if self.ends.get(request_id) == end:
                del self.ends[request_id]
                self.release(request_id)

    def _sweep(self, key: tuple) -> list[str]:
        """Usage of one resource at every event point, departures before arrivals at the same instant."""
        events = sorted([(start, 1, amount) for start, _, amount, _ in self.holds[key]]
                        + [(end, 0, amount) for _, end, amount, _ in self.holds[key]], key=lambda e: (e[0], e[1]))
        cap = _capacity(self.substrate, key)
        usage = 0.0
        for i, (t, arriving, amount) in enumerate(events):
            usage += amount if arriving else -amount
            last_at_t = i + 1 == len(events) or events[i + 1][0] != t
            if last_at_t and usage > cap * (1 + 1e-9) + TOLERANCE:
                self.reported.add(key)
                when = "always" if t == -math.inf else f"at t={t:.0f}"
                return [f"{key[0]} '{key[1]}' {key[2]}: {usage:g} used of {cap:g} {when}"]
        return []


def _hold(holds: dict, window: tuple[float, float], resource: tuple, amount: float) -> None:
    """Add an amount a request holds on a resource during a window to what it already holds there then (one
    entry per resource and window, not per component or link: 19,000 links over 10 hops were 380,000)."""
    key = (window[0], window[1], resource)
    holds[key] = holds.get(key, 0.0) + amount


def _check_request(substrate: Substrate, vxi: Infrastructure, result: RequestMapping, holds: dict,
                   distinct_hosts: bool, sites: set) -> list[str]:
    """The request's own violations; what it holds goes into `holds`, by (start, end, resource)."""
    bad = []
    name = f"request '{result.id}'"
    members = _members(vxi)
    placed_on: dict[str, str] = {}
    for comp_members in members.values():
        for pid, comp, window in comp_members:
            host_id = result.nodes.get(pid)
            host = substrate.hosts.get(host_id) if host_id is not None else None
            if host is None:
                bad.append(f"{name}: '{pid}' is not on a known host ({host_id!r})")
                continue
            placed_on[pid] = host_id
            owner = vxi.components.get(pid.split("#")[0]) if "#" in pid else None
            location = (owner.location if owner is not None and owner.location else None) or comp.location
            if location is not None and not _anchor_ok(substrate, sites, location, host):
                bad.append(f"{name}: '{pid}' is anchored at '{location}' but sits on '{host_id}' (site {host.site})")
            avail = _window(host.availability, FOREVER)
            if not (avail[0] <= window[0] and window[1] <= avail[1]):
                bad.append(f"{name}: '{pid}' is on '{host_id}' outside the host's availability")
            cores, memory, storage, freq = _needs(comp)
            if freq > _limit(host.frequency) + TOLERANCE:
                bad.append(f"{name}: '{pid}' needs {freq} Hz per core, host '{host_id}' has less")
            for what, value in (("cores", cores), ("memory", memory), ("storage", storage)):
                if value:
                    _hold(holds, window, ("host", host_id, what), value)
    if distinct_hosts and len(set(placed_on.values())) < len(placed_on):
        bad.append(f"{name}: two of its parts share a host")
    if sum(lid in result.links for lid, *_ in _expected_links(vxi, members)) < len(result.links):
        expected = {lid for lid, *_ in _expected_links(vxi, members)}
        bad += [f"{name}: the mapping has a path for unknown link '{lid}'" for lid in result.links
                if lid not in expected]
    for lid, src, dst, demands, bound in _expected_links(vxi, members):
        placed = result.links.get(lid)
        if placed is None:
            bad.append(f"{name}: link '{lid}' has no path")
            continue
        if src not in placed_on or dst not in placed_on:
            continue
        bad += _check_path(substrate, name, lid, placed.path, placed_on[src], placed_on[dst], bound)
        for window, fwd, rev in demands:
            for pl, direction in placed.path:
                other = "reverse" if direction == "forward" else "forward"
                if fwd:
                    _hold(holds, window, ("link", pl, direction), fwd)
                if rev:
                    _hold(holds, window, ("link", pl, other), rev)
    return bad


def _expected_links(vxi: Infrastructure, members) -> Iterator[tuple[str, str, str, list, float]]:
    """(link id, placed source, placed destination, demands, latency bound) of every link the mapping must
    route, cloud members' included, one at a time (a table of 100,000 links took 27 MB)."""
    for comp in vxi.components.values():
        if isinstance(comp, Cloud):
            n = comp.cardinality
            pairs = {"all-to-all": ((i, j) for i in range(n) for j in range(i + 1, n)),
                     "star": ((0, j) for j in range(1, n)), "chain": ((i, i + 1) for i in range(n - 1)),
                     "ring": ((i, (i + 1) % n) for i in range(n)) if n > 2 else ((i, i + 1) for i in range(n - 1))
                     }.get(comp.organisation, ())
            bw = _num(comp.internal_bandwidth)
            window = _window(comp.lease, _window(vxi.lease, FOREVER))
            bound = comp.internal_latency.bound() if comp.internal_latency is not None else None
            for i, j in pairs:
                yield (f"{comp.id}#{i}-{j}", f"{comp.id}#{i}", f"{comp.id}#{j}", [(window, bw, bw)],
                       math.inf if bound is None else bound)
    for link in vxi.links.values():
        if link.source not in members or link.destination not in members:
            continue
        demands, bound = _link_demands(vxi, link), _latency_bound(vxi, link)
        src_members = [m[0] for m in members[link.source]]
        dst_members = [m[0] for m in members[link.destination]]
        src_cloud = isinstance(vxi.components[link.source], Cloud)
        dst_cloud = isinstance(vxi.components[link.destination], Cloud)
        for i, src in enumerate(src_members):
            for j, dst in enumerate(dst_members):
                lid = link.id + (f"#{i}" if src_cloud else "") + (f"#{j}" if dst_cloud else "")
                yield lid, src, dst, demands, bound


def _check_path(substrate: Substrate, name: str, lid: str, path, start: str, end: str, bound: float) -> list[str]:
    at = start
    latency = 0.0
    for pl, direction in path:
        link = substrate.links.get(pl)
        if link is None or direction not in ("forward", "reverse"):
            return [f"{name}: link '{lid}' uses unknown physical link or direction ({pl!r}, {direction!r})"]
        tail, head = (link.source, link.destination) if direction == "forward" else (link.destination, link.source)
        if tail != at:
            return [f"{name}: the path of '{lid}' is broken at '{pl}' (expected to leave '{at}')"]
        at = head
        latency += _num(link.latency)
    if at != end:
        return [f"{name}: the path of '{lid}' ends at '{at}' instead of '{end}'"]
    if latency > bound + 1e-12:
        return [f"{name}: link '{lid}' takes {latency * 1e3:.3f} ms, above its bound of {bound * 1e3:.3f} ms"]
    return []


def _capacity(substrate: Substrate, key: tuple) -> float:
    kind, ident, what = key
    if kind == "host":
        return _limit(getattr(substrate.hosts[ident], what))
    link = substrate.links[ident]
    if link.forward is None:
        return math.inf
    q = link.forward if what == "forward" else (link.reverse or link.forward)
    return _limit(q)


def verify(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping,
           distinct_hosts: bool = False) -> None:
    """Raise InfeasibleMappingError when the independent checker finds any violation."""
    violations = check(substrate, requests, mapping, distinct_hosts)
    if violations:
        raise InfeasibleMappingError(violations)

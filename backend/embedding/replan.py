"""Reorganisation plans for the paper's three cases: (I) a VXI grows, (II) a new VXI does not fit,
(III) a host leaves. A plan is a list of moves (component, from host, to host) and the new mapping.

Local repair first (keep what did not move), then a whole re-embedding of the VXI concerned, then
moving other VXIs out of the way, choosing the plan with the fewest migrations."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from backend.embedding.checker import check
from backend.embedding.engine import Embedder, EmbeddingError
from backend.embedding.held import Hold, book_held
from backend.embedding.instance import compile_request, lease_window
from backend.embedding.mapping import Mapping, RequestMapping
from backend.model import Cloud, Infrastructure, Lease, Link, Node, Router, Storage, Substrate
from backend.model.quantity import Quantity
from backend.model.words import plural

MAX_CANDIDATES = 8
HELD_KEY = "held-by-others"  # the ledger bookings of what other deployments hold


@dataclass
class Move:
    """One migration: a component of a VXI leaves a host for another (None: it is no longer placed)."""

    vxi: str
    component: str
    source: str | None
    target: str | None

    def to_json(self) -> dict:
        """JSON form."""
        return {"vxi": self.vxi, "component": self.component, "from": self.source, "to": self.target}


@dataclass
class Plan:
    """What to do: `strategy` says how (in place, re-route, local repair, ...), `moves` what migrates."""

    case: str
    feasible: bool
    strategy: str
    moves: list[Move] = field(default_factory=list)
    rerouted: list[str] = field(default_factory=list)
    mapping: Mapping | None = None
    reason: str | None = None

    def to_json(self, lazy: bool = False) -> dict:
        """JSON form printed by `vxi replan --json` (`lazy`: see RequestMapping.to_json)."""
        return {"case": self.case, "feasible": self.feasible, "strategy": self.strategy,
                "migrations": len(self.moves), "moves": [m.to_json() for m in self.moves],
                "rerouted_links": self.rerouted, "reason": self.reason,
                "mapping": self.mapping.to_json(lazy) if self.mapping else None}


def replan(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping, *,
           remove_host: str | None = None, add: Infrastructure | None = None,
           grow: tuple[str, float] | None = None, at: float | None = None, algorithm: str = "best",
           colocate: bool = True, held: Iterable[Hold] = (), **options) -> Plan:
    """A plan for exactly one of: removing a host (III), adding a VXI (II), growing a VXI by a factor (I).

    With `at` (epoch seconds) the host leaves at that moment (its reservation ends): what ends before
    stays, what runs past it moves. `held`: capacity others hold over time (other deployments' holds, see
    `held.Hold`), booked before any request so that no move takes it in any period.
    `requests` pairs with `mapping.requests` by position; refused requests are ignored."""
    if sum(x is not None for x in (remove_host, add, grow)) != 1:
        raise EmbeddingError("give exactly one of remove_host, add or grow")
    running = [(r.id, vxi) for vxi, r in zip(requests, mapping.requests, strict=True) if r.accepted]
    old = {r.id: r for r in mapping.requests if r.accepted}
    if len(old) < len(running):  # (edited by hand: `vxi embed` names a VXI given twice 'ID (2)')
        seen: set[str] = set()
        twice = next(key for key, _ in running if key in seen or seen.add(key))
        raise EmbeddingError(f"the mapping places VXI '{twice}' twice")
    planner = _Planner(substrate, running, old, algorithm, colocate, options, list(held))
    planner._embedder(substrate, set())  # a mapping that does not match its requests fails here, clearly
    try:
        if remove_host is not None:
            return planner.remove_host(remove_host, at)
        if add is not None:
            return planner.add(add)
        vxi_id, factor = grow
        return planner.grow(vxi_id, factor)
    except BrokenPlan:
        _check_given(substrate, requests, mapping, colocate)  # the mapping given was broken already: said so
        raise


class BrokenPlan(RuntimeError):
    """A plan that breaks a constraint of the substrate (a fault of the planner, unless the mapping given did)."""


def _check_given(substrate: Substrate, requests: list[Infrastructure], mapping: Mapping, colocate: bool) -> None:
    """EmbeddingError when the mapping given does not hold on the substrate as asked (edited by hand, or made
    without --distinct-hosts): a plan made from it broke a constraint, which is then not a fault of the planner."""
    broken = check(substrate, requests, mapping, not colocate)
    if broken:
        shared = not colocate and any("share a host" in b for b in broken)
        hint = " (was it made without --distinct-hosts?)" if shared else ""
        raise EmbeddingError(f"the mapping given does not hold on substrate '{substrate.id}'{hint}: "
                             + "; ".join(broken[:3]) + (f"; and {len(broken) - 3} more" if len(broken) > 3 else ""))


class _Planner:
    def __init__(self, substrate, running, old, algorithm, colocate, options, held=()):
        self.substrate = substrate
        self.held: list[Hold] = list(held)
        self.running: list[tuple[str, Infrastructure]] = running
        self.old: dict[str, RequestMapping] = old
        self.algorithm, self.colocate, self.options = algorithm, colocate, options

    def _embedder(self, substrate: Substrate, skip: set[str]) -> Embedder:
        emb = Embedder(substrate, self.algorithm, self.colocate, **self.options)
        book_held(emb.ledger, self.held, HELD_KEY)
        for key, vxi in self.running:
            if key not in skip:
                emb.load(vxi, self.old[key])
        return emb

    def _finish(self, case: str, strategy: str, emb: Embedder, substrate: Substrate,
                extra: list[tuple[str, Infrastructure]] = ()) -> Plan:
        order = [k for k, _ in self.running] + [k for k, _ in extra if k not in dict(self.running)]
        models = dict(self.running) | dict(extra)
        mapping = emb.mapping([k for k in order if k in emb.results])
        violations = check(substrate, [models[r.id] for r in mapping.requests], mapping, not self.colocate)
        if violations:
            raise BrokenPlan("reorganisation broke a constraint: " + "; ".join(violations[:3]))
        moves, rerouted = [], []
        for key in order:
            before, after = self.old.get(key), emb.results.get(key)
            if before is None or after is None:
                continue
            for comp, host in before.nodes.items():
                if after.nodes.get(comp) != host:
                    moves.append(Move(key, comp, host, after.nodes.get(comp)))
            rerouted += [f"{key}:{lid}" for lid, lp in after.links.items()
                         if lid in before.links and before.links[lid].path != lp.path]
        return Plan(case, True, strategy, moves, rerouted, mapping)

    def _refuse(self, case: str, reason: str) -> Plan:
        return Plan(case, False, "none", reason=reason)

    # ----- case III -----
    def remove_host(self, host_id: str, at: float | None = None) -> Plan:
        if host_id not in self.substrate.hosts:
            raise EmbeddingError(f"substrate '{self.substrate.id}' has no host '{host_id}'")
        smaller = self.substrate.clone()
        dead_links = {lk.id for lk in self.substrate.links_of(host_id)}
        if at is None:
            for lk in dead_links:
                del smaller.links[lk]
            del smaller.hosts[host_id]
        else:
            smaller.hosts[host_id].availability = _until(smaller.hosts[host_id].availability, at)
        models = dict(self.running)
        touched = []
        keep_on_host: dict[str, set[str]] = {}
        for key, vxi in self.running:
            req = compile_request(vxi)
            if at is not None and max(b for _, b in req.segments) <= at:
                continue
            before = self.old[key]
            keep_on_host[key] = {n.id for n in req.nodes if at is not None and n.window[1] <= at}
            if (host_id in before.nodes.values()
                    or any(pl in dead_links for lp in before.links.values() for pl, _ in lp.path)):
                touched.append(key)
        case = "III"
        if not touched:
            return self._finish(case, "nothing ran there", self._embedder(smaller, set()), smaller)
        emb = self._embedder(smaller, set(touched))
        strategy = "local repair"
        for key in touched:
            before = self.old[key]
            keep = {c: h for c, h in before.nodes.items() if h != host_id or c in keep_on_host[key]}
            result = self._try_stages(emb, key, models[key], keep, before.nodes)
            if result is None and len(touched) == 1:
                plan = self._make_room(key, models[key], smaller, case, skip=set())
                if plan is not None:
                    return plan
            if result is None:
                return self._refuse(case, f"VXI '{key}' cannot be re-embedded without host '{host_id}': "
                                          f"{emb.results[key].reason}")
            if result == "re-embedded" and strategy == "local repair":
                strategy = "re-embedding of the VXIs concerned"
        return self._finish(case, strategy, emb, smaller)

    def _try_stages(self, emb: Embedder, key: str, vxi: Infrastructure, keep: dict[str, str],
                    old_nodes: dict[str, str]) -> str | None:
        """Fewest moves first: pin what still fits, free one more part at a time, then re-embed it all
        preferring the old hosts; provisioned parts only when nothing else works."""
        for provisioned in (False, True):
            outcome = self._fewest_moves(emb, key, vxi, keep, old_nodes, provisioned)
            if outcome:
                return outcome
        return None

    def _fewest_moves(self, emb: Embedder, key: str, vxi: Infrastructure, keep: dict[str, str],
                      old_nodes: dict[str, str], provisioned: bool) -> str | None:
        staying = fitting_alone(emb, vxi, keep)
        if emb.place(vxi, key, pinned=staying, provisioned=provisioned).accepted:
            return "local"
        # Freeing one kept part at a time is a placement of the whole VXI per part: skipped when none can succeed
        # (proven once), which is what made a refusal of 1,000 parts take minutes. The same plans and reasons.
        hopeless = len(staying) > 1 and emb.surely_refused(vxi, key, provisioned)
        for comp in [] if hopeless else list(staying):
            fewer = {c: h for c, h in staying.items() if c != comp}
            if emb.place(vxi, key, pinned=fewer, provisioned=provisioned).accepted:
                return "local"
        if emb.place(vxi, key, preferred=old_nodes, provisioned=provisioned).accepted:
            return "re-embedded"
        return None

    # ----- case II -----
    def add(self, vxi: Infrastructure) -> Plan:
        key = vxi.id
        if key in dict(self.running):
            raise EmbeddingError(f"a VXI named '{key}' is already embedded")
        emb = self._embedder(self.substrate, set())
        first = emb.place(vxi, key)
        if first.accepted:
            return self._finish("II", "fits as it is", emb, self.substrate, [(key, vxi)])
        plan = self._make_room(key, vxi, self.substrate, "II", skip=set())
        return plan or self._refuse("II", f"VXI '{key}' does not fit even after reorganising the running VXIs: "
                                          f"{first.reason}")

    def _make_room(self, key: str, vxi: Infrastructure, substrate: Substrate, case: str,
                   skip: set[str]) -> Plan | None:
        """Move the fewest running VXIs out of the way: single ones first, then growing sets."""
        others = [k for k, _ in self.running if k not in skip and k != key]
        ranked = sorted(others, key=lambda k: -self._overlap(k, vxi))[:MAX_CANDIDATES]
        trials = [[k] for k in ranked] + [ranked[:i] for i in range(2, len(ranked) + 1)]
        best: Plan | None = None
        models = dict(self.running)
        for chosen in trials:
            if best is not None and len(chosen) > 1 and len(best.moves) <= 1:
                break
            emb = self._embedder(substrate, set(chosen) | skip | {key})
            if not emb.place(vxi, key).accepted:
                continue
            if all(self._replace(emb, k, models[k]) for k in chosen):
                plan = self._finish(case, f"reorganised {plural(len(chosen), 'running VXI')}", emb, substrate,
                                    [(key, vxi)])
                if best is None or len(plan.moves) < len(best.moves):
                    best = plan
        return best

    def _replace(self, emb: Embedder, key: str, vxi: Infrastructure) -> bool:
        nodes = self.old[key].nodes
        return (emb.place(vxi, key, pinned=nodes, provisioned=False).accepted
                or emb.place(vxi, key, preferred=nodes).accepted)

    def _overlap(self, key: str, vxi: Infrastructure) -> float:
        """How much a running VXI holds where the new one is anchored (all hosts when it has no anchor)."""
        places = {c.location for c in vxi.components.values() if c.location is not None}
        hosts = {h.id for h in self.substrate.hosts.values() if not places or h.site in places or h.id in places}
        used = self.old[key].nodes.values()
        return sum(1 for h in used if h in hosts) + 1e-3 * len(self.old[key].links)

    # ----- case I -----
    def grow(self, vxi_id: str, factor: float) -> Plan:
        models = dict(self.running)
        if vxi_id not in models:
            raise EmbeddingError(f"no running VXI '{vxi_id}' in the mapping")
        if not factor > 0 or not math.isfinite(factor):
            raise EmbeddingError(f"the growth factor must be a positive number, not {factor}")
        bigger = scaled(models[vxi_id], factor)
        before = self.old[vxi_id]
        emb = self._embedder(self.substrate, {vxi_id})
        self.running = [(k, bigger if k == vxi_id else v) for k, v in self.running]
        for provisioned in (False, True):
            suffix = " using provisioned parts" if provisioned else ""
            try:
                emb.load(bigger, before)
                if check_fits(emb, vxi_id, provisioned):
                    return self._finish("I", "in place" + suffix, emb, self.substrate)
            except EmbeddingError:
                pass
            emb.release(vxi_id)
            if emb.place(bigger, vxi_id, pinned=before.nodes, provisioned=provisioned).accepted:
                return self._finish("I", "re-routed" + suffix, emb, self.substrate)
            outcome = self._fewest_moves(emb, vxi_id, bigger, before.nodes, before.nodes, provisioned)
            if outcome:
                return self._finish("I", "migrated part of the VXI" + suffix, emb, self.substrate)
        plan = self._make_room(vxi_id, bigger, self.substrate, "I", skip=set())
        if plan:
            return plan
        return self._refuse("I", f"VXI '{vxi_id}' cannot grow by {factor:g}: {emb.results[vxi_id].reason}")


def _until(lease: Lease, at: float) -> Lease:
    """A host's availability cut at `at`."""
    start, end = lease_window(lease)
    begin = datetime(1, 1, 2, tzinfo=timezone.utc) if not math.isfinite(start) else lease.start
    return Lease(begin, max(0.0, min(end, at) - begin.timestamp()))


def fitting_alone(emb: Embedder, vxi: Infrastructure, keep: dict[str, str]) -> dict[str, str]:
    """The components of `keep` (component: host) that alone still have room on their host (other VXIs'
    bookings only), in `keep`'s order. The request is compiled and the residual computed once for all."""
    if not keep:
        return {}
    req = compile_request(vxi)
    index = req.node_index()
    residual = emb.ledger.residual(req.segments, exclude=frozenset({vxi.id}))
    hosts = emb.net.host_index
    staying = {}
    for component, host in keep.items():
        if host not in hosts or component not in index:
            continue
        h = hosts[host]
        host_left = residual[:, 3 * h: 3 * h + 3]
        if np.all(host_left + 1e-6 >= req.node_demand[index[component]]):
            staying[component] = host
    return staying


def check_fits(emb: Embedder, key: str, provisioned: bool) -> bool:
    """True when the booking of `key` keeps every resource within capacity (and off provisioned parts)."""
    req, placement = emb.compiled[key], emb.placements[key]
    if not provisioned:
        if any(emb.net.host_provisioned[h] for h in placement.hosts):
            return False
        if any(emb.net.arc_provisioned[a] for path in placement.paths for a in path):
            return False
    residual = emb.ledger.residual(req.segments)
    return bool((residual >= -1e-6).all())


def _scale(q: Quantity | None, factor: float, whole: bool = False) -> Quantity | None:
    if q is None:
        return None
    pick = (lambda v: float(math.ceil(v * factor - 1e-9))) if whole else (lambda v: v * factor)
    return dataclasses.replace(q, value=pick(q.value) if q.value is not None else None,
                               min=pick(q.min) if q.min is not None else None,
                               max=pick(q.max) if q.max is not None else None,
                               values=tuple(pick(v) for v in q.values))


def _scale_component(comp, factor: float) -> None:
    if isinstance(comp, Node):
        comp.cores = _scale(comp.cores, factor, whole=True)
        comp.memory = _scale(comp.memory, factor)
        comp.storage = _scale(comp.storage, factor)
    elif isinstance(comp, Router):
        comp.cores = _scale(comp.cores, factor, whole=True)
        comp.memory = _scale(comp.memory, factor)
    elif isinstance(comp, Storage):
        comp.size = _scale(comp.size, factor)
    elif isinstance(comp, Cloud):
        _scale_component(comp.template, factor)
        comp.internal_bandwidth = _scale(comp.internal_bandwidth, factor)


def scaled(vxi: Infrastructure, factor: float) -> Infrastructure:
    """A copy whose node demands (cores rounded up) and link bandwidths are multiplied by `factor`."""
    out = vxi.clone()
    for comp in out.components.values():
        _scale_component(comp, factor)
    for link in out.links.values():
        _scale_link(link, factor)
    return out


def _scale_link(link: Link, factor: float) -> None:
    link.forward = _scale(link.forward, factor)
    link.reverse = _scale(link.reverse, factor)
    for conf in link.periods.values():
        conf.forward = _scale(conf.forward, factor)
        conf.reverse = _scale(conf.reverse, factor)

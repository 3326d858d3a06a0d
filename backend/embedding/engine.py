"""The embedder: requests one after the other onto the residual substrate, provisioned parts only when
nothing else fits, refusals explained, results turned into a Mapping."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from backend.embedding.algorithms import combined, grc, greedy, nrm
from backend.embedding.context import Context
from backend.embedding.explain import explain, proven_refusal
from backend.embedding.instance import INF, Network, Request, compile_network, compile_request
from backend.embedding.ledger import Ledger, Placement, placement_usage
from backend.embedding.mapping import Mapping, RequestMapping
from backend.embedding.placed import PlacedLinks
from backend.model import Infrastructure, Substrate
from backend.model.shared import FrozenList

ALGORITHMS: dict[str, Callable[[Context], Placement | None]] = {
    "best": combined.best_then_exact,
    "grc": grc.solve,
    "nrm": nrm.solve,
    "greedy": greedy.solve,
    "ilp": combined.exact_then_best,
}


class EmbeddingError(ValueError):
    """Bad input to the embedder (an unknown algorithm, a mapping that names unknown hosts)."""


class Embedder:
    """Holds the substrate, what is booked on it, and places requests one at a time."""

    def __init__(self, substrate: Substrate, algorithm: str = "best", colocate: bool = True, **options):
        if algorithm not in ALGORITHMS:
            raise EmbeddingError(f"unknown algorithm '{algorithm}' (known: {', '.join(ALGORITHMS)})")
        self.substrate = substrate
        self.algorithm = algorithm
        self.colocate = colocate
        self.options = options
        self.net: Network = compile_network(substrate)
        self.ledger = Ledger(self.net)
        self.results: dict[str, RequestMapping] = {}
        self.placements: dict[str, Placement] = {}
        self.compiled: dict[str, Request] = {}

    # ----- choices -----
    def masks(self, req: Request, provisioned: bool) -> tuple[np.ndarray, np.ndarray]:
        """(n, H) allowed hosts per node and (2L,) allowed arcs."""
        net = self.net
        allowed = np.ones((len(req.nodes), net.n_hosts), dtype=bool)
        opens, closes = net.host_open, net.host_close
        usable_for: dict[tuple, np.ndarray] = {}
        for i, node in enumerate(req.nodes):
            key = (node.window, node.frequency)
            if key not in usable_for:
                usable_for[key] = ((opens <= node.window[0]) & (node.window[1] <= closes)
                                   & (node.frequency <= net.host_frequency))
            allowed[i] = usable_for[key]
            if node.location is not None:
                allowed[i] &= net.anchored_hosts(node.location)
        span = (min(a for a, _ in req.segments), max(b for _, b in req.segments))
        usable_host = (opens <= span[0]) & (span[1] <= closes)
        arcs = usable_host[net.tails] & usable_host[net.heads]
        if not provisioned:
            allowed &= ~net.host_provisioned[None, :]
            arcs &= ~net.arc_provisioned
        return allowed, arcs

    # ----- placing -----
    def place(self, vxi: Infrastructure, key: str | None = None, algorithm: str | None = None,
              pinned: dict[str, str] | None = None, preferred: dict[str, str] | None = None,
              provisioned: bool = True) -> RequestMapping:
        """Embed one VXI on what is left (replacing its own earlier booking) and book it when it fits.

        Provisioned hosts and links are tried only when nothing else fits, and never when
        `provisioned` is False. `pinned` fixes components to hosts; `preferred` hosts are tried first."""
        started = time.perf_counter()
        key = key or vxi.id
        algorithm = algorithm or self.algorithm
        if algorithm not in ALGORITHMS:
            raise EmbeddingError(f"unknown algorithm '{algorithm}' (known: {', '.join(ALGORITHMS)})")
        self.release(key)
        req = compile_request(vxi)
        residual = self.ledger.residual(req.segments, exclude=frozenset({key}))
        index = req.node_index() if pinned or preferred else {}
        pin_mask = np.ones((len(req.nodes), self.net.n_hosts), dtype=bool) if pinned else None
        for node_id, host_id in (pinned or {}).items():
            if node_id in index:
                pin_mask[index[node_id]] = False
                if host_id in self.net.host_index:
                    pin_mask[index[node_id], self.net.host_index[host_id]] = True
        wishes = {index[n]: self.net.host_index[h] for n, h in (preferred or {}).items()
                  if n in index and h in self.net.host_index}
        placement, ctx = None, None
        has_provisioned = self._has_provisioned()
        phases = (False, True) if has_provisioned and provisioned else (False,) if has_provisioned else (True,)
        for phase in phases:
            allowed, arcs = self.masks(req, provisioned=phase)
            ctx = Context(self.net, req, residual, allowed if pin_mask is None else allowed & pin_mask, arcs,
                          self.colocate, wishes, dict(self.options))
            placement = ALGORITHMS[algorithm](ctx)
            if placement is not None:
                break
        window = _window(req)
        if placement is None:
            result = RequestMapping(key, False, explain(ctx, algorithm), window=window)
        else:
            self.ledger.book(key, placement_usage(self.net, req, placement))
            result = self._result(key, req, placement, window)
        result.solver = dict(ctx.info) if ctx is not None else {}
        self.results[key] = result  # the compiled request and the placement are not kept (for 100,000 links,
        # 14 MB more while the checker runs); `load` keeps them, for check_fits
        result.seconds = time.perf_counter() - started  # the request compiled, embedded and explained
        return result

    def _has_provisioned(self) -> bool:
        return self.net.cache.setdefault(
            "has_provisioned", bool(self.net.host_provisioned.any() or self.net.arc_provisioned.any()))

    def surely_refused(self, vxi: Infrastructure, key: str | None = None, provisioned: bool = True) -> bool:
        """True when `place(vxi, key, provisioned=provisioned)` refuses whatever is pinned or preferred: the
        explainer proves it (explain.proven_refusal) on what is left with every host the parts may use allowed."""
        req = compile_request(vxi)
        residual = self.ledger.residual(req.segments, exclude=frozenset({key or vxi.id}))
        allowed, arcs = self.masks(req, provisioned=provisioned or not self._has_provisioned())
        ctx = Context(self.net, req, residual, allowed, arcs, self.colocate, {}, dict(self.options))
        return proven_refusal(ctx) is not None

    def load(self, vxi: Infrastructure, result: RequestMapping) -> None:
        """Book an existing accepted mapping as it is (from `vxi embed --json`)."""
        req = compile_request(vxi)
        placement = self.to_placement(req, result)
        self.ledger.book(result.id, placement_usage(self.net, req, placement))
        self.placements[result.id] = placement
        self.compiled[result.id] = req
        self.results[result.id] = result

    def release(self, key: str) -> None:
        """Forget a request and free what it held."""
        self.ledger.release(key)
        for table in (self.placements, self.compiled, self.results):
            table.pop(key, None)

    def expire(self, before: float) -> None:
        """Free what requests that are over by `before` held (their results stay), for a stream of arrivals:
        later requests must start at or after `before`. The utilisation then covers what is still booked."""
        for key in self.ledger.expire(before):
            for table in (self.placements, self.compiled):
                table.pop(key, None)

    def to_placement(self, req: Request, result: RequestMapping) -> Placement:
        """A mapping's host ids and paths as indices (EmbeddingError for unknown hosts or links)."""
        _check_same_parts(req, result)
        hosts = []
        for node in req.nodes:
            host_id = result.nodes.get(node.id)
            if host_id is None:
                raise EmbeddingError(f"the mapping of '{result.id}' does not place '{node.id}' "
                                     "(was the request changed after embedding?)")
            if host_id not in self.net.host_index:
                raise EmbeddingError(f"the mapping of '{result.id}' puts '{node.id}' on unknown host '{host_id}'")
            hosts.append(self.net.host_index[host_id])
        link_index = {lid: i for i, lid in enumerate(self.net.link_ids)}
        paths = []
        for link in req.links:
            placed = result.links.get(link.id)
            if placed is None:
                raise EmbeddingError(f"the mapping of '{result.id}' has no path for link '{link.id}' "
                                     "(was the request changed after embedding?)")
            try:
                path = [2 * link_index[pl] + (d == "reverse") for pl, d in placed.path]
            except KeyError as exc:
                raise EmbeddingError(f"the mapping of '{result.id}' routes '{link.id}' over unknown physical link "
                                     f"{exc}") from None
            at = hosts[link.source]
            for arc in path:
                if self.net.arc_tail[arc] != at:
                    at = -1
                    break
                at = self.net.arc_head[arc]
            if at != hosts[link.destination]:
                raise EmbeddingError(f"the mapping of '{result.id}' gives link '{link.id}' a path that does not join "
                                     f"'{result.nodes[req.nodes[link.source].id]}' to "
                                     f"'{result.nodes[req.nodes[link.destination].id]}'")
            paths.append(path)
        return Placement(hosts, paths)

    def _result(self, key: str, req: Request, placement: Placement, window) -> RequestMapping:
        nodes = {node.id: self.net.host_ids[h] for node, h in zip(req.nodes, placement.hosts, strict=True)}
        links = req.links  # the links' placements as columns (PlacedLinks), not an object each
        rates: dict[tuple[float, float], tuple[float, float]] = {}  # each pair of bandwidths one tuple
        of_kind = []
        for forward, reverse in zip(links.forwards, links.reverses, strict=True):
            pair = (float(forward.max(initial=0.0)), float(reverse.max(initial=0.0)))
            of_kind.append(rates.setdefault(pair, pair))
        steps: dict[tuple[int, ...], list[tuple[str, str]]] = {}  # equal paths one read-only list
        routes = []
        for path in placement.paths:
            arcs = tuple(path)
            route = steps.get(arcs)
            if route is None:
                route = steps[arcs] = FrozenList([self.net.arc_step(a) for a in path])
            routes.append(route)
        # the ids column is the compiled request's own list (neither changes it)
        return RequestMapping(key, True, None, nodes,
                              PlacedLinks.adopt(links.ids, routes, [of_kind[k] for k in links.kinds]), window)

    # ----- results -----
    def mapping(self, order: list[str] | None = None) -> Mapping:
        """Every result so far (in `order` when given) with the peak utilisation of each resource."""
        keys = order if order is not None else list(self.results)
        return Mapping(self.substrate.id, [self.results[k] for k in keys if k in self.results],
                       self.utilisation(), self.algorithm)

    def utilisation(self) -> dict:
        """Peak use and capacity of every host resource and link direction (capacity None = unlimited)."""
        peak = self.ledger.peak_usage()
        cap = self.net.capacity
        fin = lambda v: float(v) if np.isfinite(v) else None  # noqa: E731
        hosts = {h: {dim: {"used": float(peak[3 * i + d]), "capacity": fin(cap[3 * i + d])}
                     for d, dim in enumerate(("cores", "memory", "storage"))}
                 for i, h in enumerate(self.net.host_ids)}
        off = self.net.arc_offset
        links = {lid: {direction: {"used_bps": float(peak[off + 2 * p + r]), "capacity_bps": fin(cap[off + 2 * p + r])}
                       for r, direction in enumerate(("forward", "reverse"))}
                 for p, lid in enumerate(self.net.link_ids)}
        return {"hosts": hosts, "links": links}


def _window(req: Request) -> tuple[float, float] | None:
    if req.window is None:
        return None
    start, end = req.window
    return (start, end if end < INF else None)


def unique_keys(requests: list[Infrastructure]) -> list[str]:
    """VXI ids, made unique with ' (2)', ' (3)' ... when several requests share one."""
    seen: dict[str, int] = {}
    keys = []
    for vxi in requests:
        count = seen.get(vxi.id, 0) + 1
        seen[vxi.id] = count
        keys.append(vxi.id if count == 1 else f"{vxi.id} ({count})")
    return keys



def _check_same_parts(req: Request, result: RequestMapping) -> None:
    """EmbeddingError naming a component or link the mapping places but the request does not have (one it does
    not place is said where it is looked for)."""
    for placed, ids, what in ((result.nodes, [node.id for node in req.nodes], "component"),
                              (result.links, req.links.ids, "link")):
        if len(placed) > len(ids):
            known = set(ids)
            extra = next(key for key in placed if key not in known)
            raise EmbeddingError(f"the mapping of '{result.id}' places {what} '{extra}', which the VXI does not "
                                 "have (was the request changed after embedding?)")

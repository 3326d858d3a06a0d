"""Compiled views for the solvers: the substrate as arrays, a request with clouds expanded and time cut
into segments (each element's demand is constant inside a segment)."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from backend.model import (
    AccessPoint,
    Cloud,
    Component,
    Infrastructure,
    Link,
    Node,
    Router,
    Storage,
    Substrate,
)
from backend.model.quantity import Quantity
from backend.model.timing import Lease

INF = float("inf")
ALWAYS = (-INF, INF)
DIMS = ("cores", "memory", "storage")


def _amount(q: Quantity | None, default: float = 0.0) -> float:
    value = q.demand() if q is not None else None
    return float(default if value is None else value)


def _capacity(q: Quantity | None) -> float:
    """A host's or link's capacity; an undeclared one does not limit."""
    value = q.demand() if q is not None else None
    return INF if value is None else float(value)


def lease_window(lease: Lease, default: tuple[float, float] = ALWAYS) -> tuple[float, float]:
    """[start, end) of a lease in epoch seconds; no start means `default`, no duration means open-ended."""
    if lease.start is None:
        return default
    begin = lease.start.timestamp()
    return (begin, begin + lease.duration) if lease.duration is not None else (begin, INF)


@dataclass
class Network:
    """The substrate as arrays: host capacities (cores, memory, storage) and directed arcs.

    Arc 2p is physical link p crossed forward (source to destination), arc 2p+1 the reverse way.
    A resource vector has 3 entries per host then one per arc.
    """

    substrate: Substrate
    host_ids: list[str]
    host_index: dict[str, int]
    host_caps: np.ndarray
    host_frequency: np.ndarray
    host_provisioned: np.ndarray
    host_windows: list[tuple[float, float]]
    link_ids: list[str]
    arc_tail: list[int]
    arc_head: list[int]
    arc_cap: np.ndarray
    arc_latency: np.ndarray
    arc_provisioned: np.ndarray
    adjacency: list[list[tuple[int, int]]]
    capacity: np.ndarray = field(init=False)
    host_open: np.ndarray = field(init=False)
    host_close: np.ndarray = field(init=False)
    tails: np.ndarray = field(init=False)  # arc_tail and arc_head as arrays
    heads: np.ndarray = field(init=False)
    cache: dict = field(init=False, default_factory=dict, repr=False)  # searches built once (see paths.topology)
    steps: list[tuple[str, str]] = field(init=False, repr=False)  # arc_step of every arc, each tuple made once

    def __post_init__(self) -> None:
        self.capacity = np.concatenate([self.host_caps.reshape(-1), self.arc_cap])
        self.host_open = np.array([w[0] for w in self.host_windows], dtype=float)
        self.host_close = np.array([w[1] for w in self.host_windows], dtype=float)
        self.tails = np.asarray(self.arc_tail, dtype=np.int64)
        self.heads = np.asarray(self.arc_head, dtype=np.int64)
        self.steps = [(lid, direction) for lid in self.link_ids for direction in ("forward", "reverse")]

    @property
    def n_hosts(self) -> int:
        """Number of hosts."""
        return len(self.host_ids)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs (two per physical link)."""
        return len(self.arc_tail)

    @property
    def arc_offset(self) -> int:
        """Index of arc 0 in a resource vector."""
        return 3 * len(self.host_ids)

    def anchored_hosts(self, location: str) -> np.ndarray:
        """(H,) hosts a component anchored at `location` may use: the hosts at that site; failing that, the
        host with that id, unless host ids double as site names (as in the corpus, where '8' is a site)."""
        known = self.cache.setdefault("anchors", {})
        if location not in known:
            hosts = [self.substrate.hosts[h] for h in self.host_ids]
            sites = np.array([h.site == location for h in hosts], dtype=bool)
            site_names = {h.site for h in hosts if h.site is not None}
            if not sites.any() and not site_names & set(self.host_ids):
                sites = np.array([h == location for h in self.host_ids], dtype=bool)
            known[location] = sites
        return known[location]

    def arc_step(self, arc: int) -> tuple[str, str]:
        """(physical link id, 'forward' or 'reverse') of an arc."""
        return self.steps[arc]


def compile_network(substrate: Substrate) -> Network:
    """Arrays of a substrate, hosts and links in document order."""
    host_ids = list(substrate.hosts)
    index = {h: i for i, h in enumerate(host_ids)}
    caps = np.array([[_capacity(h.cores), _capacity(h.memory), _capacity(h.storage)]
                     for h in substrate.hosts.values()], dtype=float).reshape(len(host_ids), 3)
    freq = np.array([_capacity(h.frequency) for h in substrate.hosts.values()], dtype=float)
    links = [lk for lk in substrate.links.values() if lk.source in index and lk.destination in index]
    tail, head, cap, lat, prov = [], [], [], [], []
    adjacency: list[list[tuple[int, int]]] = [[] for _ in host_ids]
    for p, lk in enumerate(links):
        u, v = index[lk.source], index[lk.destination]
        latency = _amount(lk.latency)
        for arc, (a, b, direction) in enumerate(((u, v, "forward"), (v, u, "reverse")), start=2 * p):
            tail.append(a)
            head.append(b)
            cap.append(INF if lk.forward is None else lk.capacity(direction))
            lat.append(latency)
            prov.append(lk.provisioned)
            adjacency[a].append((arc, b))
    return Network(substrate, host_ids, index, caps, freq,
                   np.array([h.provisioned for h in substrate.hosts.values()], dtype=bool),
                   [lease_window(h.availability) for h in substrate.hosts.values()],
                   [lk.id for lk in links], tail, head, np.array(cap, dtype=float), np.array(lat, dtype=float),
                   np.array(prov, dtype=bool), adjacency)


@dataclass(slots=True)
class VNode:
    """A virtual component to place (a cloud member is one): demands, anchor and window."""

    id: str
    kind: str
    demand: np.ndarray  # (3,) cores, memory, storage (read-only: equal demands are one array)
    frequency: float
    location: str | None
    window: tuple[float, float]


@dataclass(slots=True)
class VLink:
    """A virtual link between two VNodes (indices), with bandwidth per segment (none outside its window) and a
    latency bound: one link of `VLinks`, made when asked for (the request holds columns, not an object a link)."""

    id: str
    source: int
    destination: int
    forward: np.ndarray  # (K,) bit/s per segment
    reverse: np.ndarray
    latency_bound: float


class VLinks(Sequence):
    """A request's links as columns: `ids`, `sources` and `destinations` (VNode indices) and `kinds`, a link's row
    among the distinct (forward, reverse, latency bound) triples (`forwards`, `reverses`, `bounds`, each (K,) array
    read-only and shared). 100,000 bare links took 88 bytes each as VLink objects, 20 here; `links[i]` makes the
    VLink, the algorithms' inner loops read the columns."""

    __slots__ = ("bounds", "destinations", "forwards", "ids", "kinds", "reverses", "sources")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.sources, self.destinations, self.kinds = array("i"), array("i"), array("i")
        self.forwards: list[np.ndarray] = []
        self.reverses: list[np.ndarray] = []
        self.bounds: list[float] = []

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> VLink:  # type: ignore[override]
        k = self.kinds[i]
        return VLink(self.ids[i], self.sources[i], self.destinations[i], self.forwards[k], self.reverses[k],
                     self.bounds[k])

    def forward(self, i: int) -> np.ndarray:
        """Link i's forward bandwidth per segment."""
        return self.forwards[self.kinds[i]]

    def reverse(self, i: int) -> np.ndarray:
        """Link i's reverse bandwidth per segment."""
        return self.reverses[self.kinds[i]]

    def per_link(self, per_kind: list[float]) -> np.ndarray:
        """(m,) a value given per kind, for every link."""
        return np.asarray(per_kind, dtype=float)[np.frombuffer(self.kinds, dtype=np.int32)] if self.ids \
            else np.zeros(0)


@dataclass
class Request:
    """A VXI ready for the solvers: K time segments, node demands per segment (n, K, 3), links."""

    vxi: Infrastructure
    window: tuple[float, float] | None
    segments: list[tuple[float, float]]
    nodes: list[VNode]
    links: VLinks
    node_demand: np.ndarray

    @property
    def id(self) -> str:
        """The VXI id."""
        return self.vxi.id

    def node_index(self) -> dict[str, int]:
        """VNode id to index."""
        return {n.id: i for i, n in enumerate(self.nodes)}


def _component_demand(comp: Component) -> tuple[np.ndarray, float]:
    if isinstance(comp, Node):
        d = (_amount(comp.cores, 1.0), _amount(comp.memory), _amount(comp.storage))
        return np.array(d, dtype=float), _amount(comp.frequency)
    if isinstance(comp, Router):
        return np.array((_amount(comp.cores, 1.0), _amount(comp.memory), 0.0), dtype=float), 0.0
    if isinstance(comp, Storage):
        return np.array((0.0, 0.0, _amount(comp.size)), dtype=float), 0.0
    if isinstance(comp, AccessPoint):
        return np.zeros(3), 0.0
    return np.zeros(3), 0.0


def _link_configs(link: Link, vxi: Infrastructure, start: float | None) -> tuple:
    configs = []
    base = link.config_for(None)
    configs.append((None, _amount(base.forward), 0.0 if link.one_way else _amount(base.reverse),
                    _bound(base.latency)))
    for period in vxi.periods:
        if period.name not in link.periods:
            continue
        conf = link.config_for(period.name)
        window = (start + period.offset, start + period.end) if start is not None else ALWAYS
        reverse = 0.0 if conf.reverse is None and link.one_way else _amount(conf.reverse)
        configs.append((window, _amount(conf.forward), reverse, _bound(conf.latency)))
    return tuple(configs)


def _bound(q: Quantity | None) -> float:
    value = q.bound() if q is not None else None
    return INF if value is None else float(value)


def compile_request(vxi: Infrastructure) -> Request:
    """Expand clouds, cut the lease into segments and tabulate demands."""
    vxi_window = lease_window(vxi.lease, ALWAYS)
    start = vxi_window[0] if vxi.lease.start is not None else None
    nodes: list[VNode] = []
    members: dict[str, list[str]] = {}  # a cloud's members (another component is its own)
    clouds: list[tuple[Cloud, tuple[float, float]]] = []
    shared = _SharedArrays()  # equal demands and bandwidth rows one read-only array
    for comp in vxi.components.values():
        window = lease_window(comp.lease, vxi_window)
        if isinstance(comp, Cloud):
            template = comp.template
            demand, freq = _component_demand(template)
            location = comp.location or template.location
            members[comp.id] = comp.member_ids()
            for mid in comp.member_ids():
                nodes.append(VNode(mid, template.kind, shared.one(demand), freq, location, window))
            clouds.append((comp, window))
        else:
            demand, freq = _component_demand(comp)
            nodes.append(VNode(comp.id, comp.kind, shared.one(demand), freq, comp.location, window))
    index = {n.id: i for i, n in enumerate(nodes)}
    links = _Columns(index)  # a link's values and window are its kind: links of equal ones share it
    for comp, window in clouds:
        bw = _amount(comp.internal_bandwidth)
        configs = ((None, bw, bw, _bound(comp.internal_latency)),)
        for i, j in comp.internal_pairs():
            links.add(f"{comp.id}#{i}-{j}", f"{comp.id}#{i}", f"{comp.id}#{j}", configs, window)
    components = vxi.components
    for link in vxi.links.values():
        src, dst = members.get(link.source), members.get(link.destination)
        if src is None and dst is None:  # between two components that are not clouds
            if link.source in components and link.destination in components:
                links.add(link.id, link.source, link.destination, _link_configs(link, vxi, start),
                          lease_window(link.lease, vxi_window))
            continue
        src = src if src is not None else [link.source] if link.source in components else None
        dst = dst if dst is not None else [link.destination] if link.destination in components else None
        if src is None or dst is None:
            continue
        window = lease_window(link.lease, vxi_window)
        configs = _link_configs(link, vxi, start)
        for i, s in enumerate(src):
            for j, d in enumerate(dst):
                suffix = ""
                if len(src) > 1 or link.source != s:
                    suffix += f"#{i}"
                if len(dst) > 1 or link.destination != d:
                    suffix += f"#{j}"
                links.add(link.id + suffix, s, d, configs, window)
    return _segment(vxi, vxi_window if vxi.lease.start is not None else None, nodes, links, shared)


class _Columns:
    """VLinks being compiled: each link's ids and ends, and its kind (its configurations and window)."""

    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.links = VLinks()
        self.kinds: dict[tuple, int] = {}

    def add(self, ident: str, source: str, destination: str, configs: tuple, window: tuple[float, float]) -> None:
        """One link (configs: (period window or None, forward, reverse, latency bound) for each configuration)."""
        key = (configs, window)
        kind = self.kinds.get(key)
        if kind is None:
            kind = self.kinds[key] = len(self.kinds)
        links = self.links
        links.ids.append(ident)
        links.sources.append(self.index[source])
        links.destinations.append(self.index[destination])
        links.kinds.append(kind)


def _segment(vxi: Infrastructure, window, nodes: list[VNode], columns: _Columns, shared: _SharedArrays) -> Request:
    kinds = list(columns.kinds)  # (configs, window) of each kind, in order
    windows = {node.window for node in nodes} | {w for _, w in kinds}
    points = set()
    for w in windows:
        points.update(w)
    for configs, _ in kinds:
        for conf_window, *_ in configs:
            if conf_window is not None:
                points.update(conf_window)
    ordered = sorted(points)
    segments = [(a, b) for a, b in pairwise(ordered) if a < b and any(w[0] <= a and b <= w[1] for w in windows)]
    if not segments:
        segments = [ALWAYS]
    k = len(segments)
    node_demand = np.zeros((len(nodes), k, 3))
    for i, node in enumerate(nodes):
        for s, (a, b) in enumerate(segments):
            if node.window[0] <= a and b <= node.window[1]:
                node_demand[i, s] = node.demand
    links = columns.links
    for configs, link_window in kinds:
        fwd, rev = np.zeros(k), np.zeros(k)
        bound = INF
        for s, (a, b) in enumerate(segments):
            if not (link_window[0] <= a and b <= link_window[1]):
                continue
            periods = configs[1:]
            if periods and periods[0][0] == ALWAYS:
                chosen = configs  # periods without a start date: hold the largest configuration
            else:
                chosen = [c for c in periods if c[0][0] <= a and b <= c[0][1]] or configs[:1]
            fwd[s] = max(c[1] for c in chosen)
            rev[s] = max(c[2] for c in chosen)
            bound = min(bound, min(c[3] for c in chosen))
        links.forwards.append(shared.one(fwd))
        links.reverses.append(shared.one(rev))
        links.bounds.append(bound)
    return Request(vxi, window, segments, nodes, links, node_demand)


class _SharedArrays:
    """Equal demands and bandwidth rows are one read-only array (a request of 100,000 links or 20,000 nodes has
    few distinct ones)."""

    def __init__(self) -> None:
        self.known: dict[bytes, np.ndarray] = {}

    def one(self, values: np.ndarray) -> np.ndarray:
        """The array equal to `values` made before, else `values` itself, now read-only."""
        key = values.tobytes()
        found = self.known.get(key)
        if found is None:
            values.flags.writeable = False
            found = self.known[key] = values
        return found

"""Seeded workloads for the embedding benchmark and tests, built as ordinary models.

- `virne_substrate` / `virne_requests`: Virne's WX100 settings as Virne draws them. The substrate is
  `networkx.waxman_graph(100, 0.5, 0.2)` resampled until connected; Virne passes its `wm_alpha, wm_beta` by
  position, so networkx reads them as beta = 0.5 (the scale of the link probability) and alpha = 0.2 (the
  distance decay): about 500 links. Integer resources are drawn as `numpy.random.randint(low, high + 1)`
  (bounds inclusive): CPU and bandwidth 50-100 on the substrate; 2-10 nodes per request, each pair linked
  with probability 0.5 (resampled until connected), CPU 0-20, bandwidth 0-50. Arrivals: the gaps between
  arrivals are Poisson counts of mean 1 / rate (`numpy.random.poisson`), so arrival times are whole numbers
  and two requests may arrive together; lifetimes are exponential of mean 500.
- `gnm_substrate` / `gnm_requests`: the project's former workload, `gnm_random_graph(100, 500)` and a
  Poisson process (exponential gaps).
- `fat_tree` / `dc_requests`: a k-ary fat-tree data centre (k^3/4 hosts; switches are hosts without cores,
  tagged role=switch; each pod is a site, the core switches site 'core') and tenant requests of 2-50
  components, a random tree plus about half as many extra links.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone

import networkx as nx
import numpy as np

from backend.model import Host, Infrastructure, Lease, Link, Node, PhysicalLink, Quantity, Substrate, Tag

WAXMAN = (0.5, 0.2)  # Virne's wm_alpha, wm_beta, passed to networkx by position (beta, alpha)


def _host(hid: str, cores: int, site: str | None = None) -> Host:
    return Host(hid, cores=Quantity.simple("count", cores), site=site)


def _plink(lid: str, a: str, b: str, mbps: float, ms: float = 1.0) -> PhysicalLink:
    bw = Quantity.simple("bandwidth", mbps, "Mbps")
    return PhysicalLink(lid, a, b, forward=bw, reverse=bw, latency=Quantity.simple("latency", ms, "ms"))


def _request(rid: str, start: float, lifetime: float, cores: list[int], edges: list[tuple[int, int]],
             mbps: list[int]) -> Infrastructure:
    vxi = Infrastructure(id=rid, lease=Lease(datetime.fromtimestamp(start, timezone.utc), lifetime))
    for v, c in enumerate(cores):
        vxi.components[f"v{v}"] = Node(f"v{v}", cores=Quantity.simple("count", c))
    for (u, v), bw in zip(edges, mbps, strict=True):
        q = Quantity.simple("bandwidth", bw, "Mbps")
        vxi.links[f"v{u}-v{v}"] = Link(f"v{u}-v{v}", f"v{u}", f"v{v}", forward=q, reverse=q)
    return vxi


def _connected(make) -> nx.Graph:
    while True:
        graph = make()
        if nx.is_connected(graph):
            return graph


# ----- Virne's WX100 -----
def virne_substrate(seed: int, n: int = 100) -> Substrate:
    """A Waxman substrate drawn as Virne draws WX100's (see the module's notes)."""
    draw = np.random.RandomState(seed)
    shapes = random.Random(seed)
    graph = _connected(lambda: nx.waxman_graph(n, *WAXMAN, seed=shapes))
    sub = Substrate(id=f"wx{n}-{seed}")
    for v, cpu in zip(graph.nodes, draw.randint(50, 101, graph.number_of_nodes()).tolist(), strict=True):
        sub.hosts[f"n{v}"] = _host(f"n{v}", cpu)
    for (u, v), bw in zip(graph.edges, draw.randint(50, 101, graph.number_of_edges()).tolist(), strict=True):
        sub.links[f"e{u}-{v}"] = _plink(f"e{u}-{v}", f"n{u}", f"n{v}", bw)
    return sub


def virne_requests(seed: int, count: int, rate: float, lifetime: float = 500.0, min_nodes: int = 2,
                   max_nodes: int = 10, p: float = 0.5, cpu: tuple[int, int] = (0, 20),
                   bw: tuple[int, int] = (0, 50)) -> list[Infrastructure]:
    """Requests drawn as Virne's simulator draws them (see the module's notes)."""
    draw = np.random.RandomState(seed + 7)
    shapes = random.Random(seed + 7)
    sizes = draw.randint(min_nodes, max_nodes + 1, count).tolist()
    lifetimes = draw.exponential(lifetime, count).tolist()
    arrivals = np.cumsum(draw.poisson(1.0 / rate, count)).astype(float).tolist()
    out = []
    for i in range(count):
        graph = _connected(lambda n=sizes[i]: nx.erdos_renyi_graph(n, p, seed=shapes))
        cores = draw.randint(cpu[0], cpu[1] + 1, graph.number_of_nodes()).tolist()
        mbps = draw.randint(bw[0], bw[1] + 1, graph.number_of_edges()).tolist()
        out.append(_request(f"r{i}", arrivals[i], lifetimes[i], cores, list(graph.edges), mbps))
    return out


# ----- the former gnm workload -----
def gnm_substrate(seed: int, n: int = 100, m: int = 500) -> Substrate:
    """gnm_random_graph(n, m) resampled until connected; CPU and bandwidth uniform integers 50-100."""
    rng = random.Random(seed)
    graph = _connected(lambda: nx.gnm_random_graph(n, m, seed=rng.randrange(2**31)))
    sub = Substrate(id=f"gnm{n}-{seed}")
    for v in graph.nodes:
        sub.hosts[f"n{v}"] = _host(f"n{v}", rng.randint(50, 100))
    for u, v in graph.edges:
        sub.links[f"e{u}-{v}"] = _plink(f"e{u}-{v}", f"n{u}", f"n{v}", rng.randint(50, 100))
    return sub


def gnm_requests(seed: int, count: int, rate: float, lifetime: float = 500.0, min_nodes: int = 2,
                 max_nodes: int = 10, cpu: int = 20, bw: int = 50) -> list[Infrastructure]:
    """A Poisson process (exponential gaps), exponential lifetimes; 2-10 nodes linked with probability 0.5."""
    rng = random.Random(seed + 7)
    t = 0.0
    out = []
    for i in range(count):
        t += rng.expovariate(rate)
        life = rng.expovariate(1.0 / lifetime)
        n = rng.randint(min_nodes, max_nodes)
        graph = _connected(lambda n=n: nx.gnp_random_graph(n, 0.5, seed=rng.randrange(2**31)))
        cores = [rng.randint(0, cpu) for _ in graph.nodes]
        mbps = [rng.randint(0, bw) for _ in graph.edges]
        out.append(_request(f"r{i}", t, life, cores, list(graph.edges), mbps))
    return out


# ----- data centre -----
def fat_tree(k: int, seed: int = 0, cores: tuple[int, int] = (50, 100), mbps: float = 1000.0) -> Substrate:
    """A k-ary fat-tree: (k/2)^2 core switches, k pods of k/2 aggregation and k/2 edge switches, k/2 hosts per
    edge switch (k^3/4 hosts, cores uniform in `cores`), every link `mbps` each way."""
    if k < 2 or k % 2:
        raise ValueError(f"a fat-tree needs an even k of at least 2, not {k}")
    draw = np.random.RandomState(seed)
    half = k // 2
    sub = Substrate(id=f"fat-tree-k{k}")

    def switch(sid: str, site: str) -> None:
        sub.hosts[sid] = Host(sid, cores=Quantity.simple("count", 0), site=site, tags=[Tag("role", "switch")])

    def wire(a: str, b: str) -> None:
        sub.links[f"{a}-{b}"] = _plink(f"{a}-{b}", a, b, mbps, 0.01)

    for c in range(half * half):
        switch(f"c{c}", "core")
    host_cores = iter(draw.randint(cores[0], cores[1] + 1, k * half * half).tolist())
    for pod in range(k):
        site = f"pod{pod}"
        for a in range(half):
            switch(f"p{pod}a{a}", site)
            for c in range(half):
                wire(f"c{a * half + c}", f"p{pod}a{a}")
        for e in range(half):
            switch(f"p{pod}e{e}", site)
            for a in range(half):
                wire(f"p{pod}a{a}", f"p{pod}e{e}")
            for h in range(half):
                hid = f"p{pod}e{e}h{h}"
                sub.hosts[hid] = _host(hid, next(host_cores), site)
                wire(f"p{pod}e{e}", hid)
    return sub


def dc_requests(seed: int, count: int, rate: float, lifetime: float = 500.0, min_nodes: int = 2,
                max_nodes: int = 50, cpu: tuple[int, int] = (1, 20), bw: tuple[int, int] = (0, 50)
                ) -> list[Infrastructure]:
    """Tenant requests: n uniform in [min_nodes, max_nodes], a random tree (each node after the first links to
    an earlier one) plus each other pair with probability 1/n (about n/2 more links), CPU and bandwidth
    uniform integers, a Poisson process of arrivals (exponential gaps) and exponential lifetimes."""
    draw = np.random.RandomState(seed + 11)
    t = 0.0
    out = []
    for i in range(count):
        t += float(draw.exponential(1.0 / rate))
        life = float(draw.exponential(lifetime))
        n = int(draw.randint(min_nodes, max_nodes + 1))
        edges = {(int(draw.randint(0, v)), v) for v in range(1, n)}
        extra = draw.random_sample((n, n)) < 1.0 / n
        edges |= {(u, v) for u in range(n) for v in range(u + 1, n) if extra[u, v]}
        edges_sorted = sorted(edges)
        cores = draw.randint(cpu[0], cpu[1] + 1, n).tolist()
        mbps = draw.randint(bw[0], bw[1] + 1, len(edges_sorted)).tolist()
        out.append(_request(f"r{i}", t, life, cores, edges_sorted, mbps))
    return out

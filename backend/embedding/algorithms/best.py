"""The project's own algorithm: a ranked candidate search from several roots, then local improvement.

Growth: the first virtual node (the most constrained, then the heaviest) goes to one of the strongest
hosts; each next node (the one most bound by bandwidth to those placed) goes to the fitting host where
bandwidth x hops to its placed neighbours is least, hops counted over the arcs with room for each link,
with a slight preference for hosts that keep the most capacity; its links take those fewest-hop paths
(among equal ones, the one with most bandwidth left). The cheapest complete growth is then improved: each
node moves to the host where its links cost least with the others in place, each link takes the fewest hops
left, until nothing improves. On a small network, a branch and bound then goes through every placement
that could beat it. When no growth completes, a backtracking search over the candidates of each node looks
for any embedding. It never calls the exact solver (see `combined` for that).
"""

from __future__ import annotations

import heapq
import random

import numpy as np

from backend.embedding.algorithms.partial import Partial, Tree, incidence, link_weights
from backend.embedding.context import Context, node_strength, oriented
from backend.embedding.instance import INF, Network
from backend.embedding.ledger import Placement
from backend.embedding.paths import hop_tree, topology, usable_arcs

CHOICES_PER_NODE = 3
SMALL_NETWORK = 30
EXACT_ARCS = 4096  # up to this many arcs, exact fewest-hop distances per link; above, hops over all arcs
RESTARTS = 8
PATIENCE = 3
SEARCH_STEPS = {True: 20_000, False: 400}  # attach attempts of a depth-first search, small network or not
IMPROVE_ROUNDS = {True: 8, False: 2}
REROUTE_SHUFFLES = 6


def solve(ctx: Context) -> Placement | None:
    """The cheapest embedding found, or None."""
    if not ctx.req.nodes:
        return Placement([], [])
    search = Search(ctx)
    polish = not ctx.preferred and ctx.options.get("improve", True)
    part = search.grow_from_roots()
    if part is not None and polish:
        search.improve(part)
    found, cost = (part.placement(), part.cost()) if part is not None else search.depth_first(first_only=True)
    if found is not None and polish and search.small:
        better = search.branch_and_bound(cost)
        if better is not None:
            part = search.rebuild(better)
            search.improve(part)
            found = part.placement()
    return found


def min_separation(net: Network) -> int:
    """Fewest hops between two distinct hosts that have cores (1, 2, or at least 3), computed once."""
    if "separation" not in net.cache:
        cores = net.host_caps[:, 0]
        real = (cores > 0).tolist()
        neighbours = [{v for _, v in net.adjacency[u] if real[v] and v != u} for u in range(net.n_hosts)]
        if any(real[u] and neighbours[u] for u in range(net.n_hosts)):
            net.cache["separation"] = 1
        elif any(len(found) >= 2 for found in neighbours):
            net.cache["separation"] = 2
        else:
            net.cache["separation"] = 3
    return net.cache["separation"]


class Search:
    """Everything `best` computes once per request: weights, order, strength, bounds."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.small = ctx.net.n_hosts <= SMALL_NETWORK
        self.exact = ctx.net.n_arcs <= int(ctx.options.get("exact_arcs", EXACT_ARCS))
        self.weights = link_weights(ctx)
        self.incident = incidence(ctx)
        self.order = self._order()
        self.strength = node_strength(ctx, ctx.residual)
        top = float(self.strength.max()) if self.strength.size and self.strength.max() > 0 else 1.0
        floor = min(self.weights) if self.weights else 1.0
        self.tiebreak = float(ctx.options.get("balance", 0.3)) * floor * (1.0 - self.strength / top)
        coreless = bool(len(ctx.req.nodes)) and bool((ctx.req.node_demand[:, :, 0].max(axis=1) <= 0).any())
        # Fewest hops between two parts: 0 when they may share a host, 1 when a part asking no cores may sit
        # on a switch, else the network's own.
        self.separation = 0 if ctx.colocate else 1 if coreless else min_separation(ctx.net)
        self.bounds: dict[tuple[int, int, int], np.ndarray] = {}
        self.lower = sum(self.weights) * self.separation

    # ----- order and candidates -----
    def _order(self) -> list[int]:
        """Most constrained and heaviest node first, then the node most bound to those placed."""
        req = self.ctx.req
        n = len(req.nodes)
        choices = self.ctx.allowed.sum(axis=1)
        heft = [float(req.node_demand[i, :, 0].max()) + sum(self.weights[li] for li, _ in self.incident[i])
                for i in range(n)]
        # Two heaps instead of a scan of every remaining node per step (quadratic: a cloud of 10,000 members
        # took minutes): the loosest by (choices, -heft, i), and the most bound by (-bond, choices, -heft, i),
        # whose entries are pushed again when a bond grows and skipped once stale or placed.
        placed: list[int] = []
        bond = [0.0] * n
        done = [False] * n
        free = [(int(choices[i]), -heft[i], i) for i in range(n)]
        heapq.heapify(free)
        bound: list[tuple[float, int, float, int]] = []
        while len(placed) < n:
            while bound and (done[bound[0][3]] or -bound[0][0] != bond[bound[0][3]]):
                heapq.heappop(bound)
            if bound:
                nxt = heapq.heappop(bound)[3]
            else:
                while done[free[0][2]]:
                    heapq.heappop(free)
                nxt = heapq.heappop(free)[2]
            placed.append(nxt)
            done[nxt] = True
            for li, other in self.incident[nxt]:
                bond[other] += self.weights[li]
                if bond[other] > 0 and not done[other]:
                    heapq.heappush(bound, (-bond[other], int(choices[other]), -heft[other], other))
        return placed

    def roots(self, part: Partial) -> list[int]:
        """Fitting hosts for the first node, the strongest first (the wished one before all)."""
        first = self.order[0]
        candidates = np.flatnonzero(part.fitting(first))
        ranked = candidates[np.argsort(-self.strength[candidates], kind="stable")].tolist()
        wish = self.ctx.preferred.get(first)
        if wish is not None and wish in ranked:
            ranked = [wish, *[h for h in ranked if h != wish]]
        return ranked

    def candidates(self, part: Partial, node: int, limit: int | None) -> tuple[list[int], list[Tree], np.ndarray]:
        """The `limit` best hosts for `node` (all when None), its trees to placed neighbours (heaviest link
        first) and, per host, bandwidth x hops to them (a lower bound of what its links will cost there)."""
        placed = sorted(((li, u) for li, u in self.incident[node] if part.hosts[u] >= 0),
                        key=lambda item: -self.weights[item[0]])
        trees = [part.tree(li, u) for li, u in placed]
        cost = np.zeros(self.ctx.net.n_hosts)
        for tree in trees:
            cost += self.weights[tree.link] * tree.dist
        score = cost + self.tiebreak
        ok = np.flatnonzero(part.fitting(node) & np.isfinite(score))
        if limit is not None and ok.size > 4 * limit:
            ok = ok[np.argpartition(score[ok], limit)[:limit]]
        ranked = ok[np.argsort(score[ok], kind="stable")].tolist()
        if limit is not None:
            ranked = ranked[:limit]
        wish = self.ctx.preferred.get(node)
        if wish is not None and wish in ok.tolist():
            ranked = [wish, *[h for h in ranked if h != wish]]
        return ranked, trees, cost

    # ----- growth -----
    def grow(self, root: int) -> Partial | None:
        """One growth from a root host, or None when a node finds no host its links can reach."""
        part = Partial(self.ctx, self.weights, self.incident, self.exact)
        if not part.fitting(self.order[0])[root]:
            return None
        part.attach(self.order[0], root, [])
        for node in self.order[1:]:
            hosts, trees, _ = self.candidates(part, node, CHOICES_PER_NODE)
            if not any(part.attach(node, host, trees) for host in hosts):
                return None
        return part

    def grow_from_roots(self) -> Partial | None:
        """The cheapest growth over the strongest roots (all of them on a small network), stopping early when
        one reaches the lower bound, follows the wishes, or several in a row bring nothing better."""
        options = self.ctx.options
        roots = self.roots(Partial(self.ctx, self.weights, self.incident, self.exact))
        restarts = int(options.get("restarts", RESTARTS))
        patience = int(options.get("patience", PATIENCE if not self.small else restarts))
        if self.small:
            restarts, patience = max(restarts, len(roots)), max(patience, len(roots))
        best, best_cost, stale = None, INF, 0
        for root in roots[:restarts]:
            part = self.grow(root)
            if part is None:
                continue
            cost = part.cost()
            stale += 1
            if cost < best_cost - 1e-9:
                best, best_cost, stale = part, cost, 0
            if best_cost <= self.lower + 1e-6 or self.ctx.preferred or stale >= patience:
                break
        return best

    def depth_first(self, best_cost: float = INF, first_only: bool = False) -> tuple[Placement | None, float]:
        """Depth-first over each node's candidates (all of them on a small network) within a budget of
        attempts: the first complete embedding (`first_only`), or the cheapest below `best_cost`, cutting every
        branch whose cost so far plus a lower bound of what remains cannot beat it."""
        part = Partial(self.ctx, self.weights, self.incident, self.exact)
        budget = int(self.ctx.options.get("search_steps", SEARCH_STEPS[self.small]))
        limit = None if self.small else 2 * CHOICES_PER_NODE
        rest, _ = self._closing()
        frames: list[tuple[list[int], list[Tree], np.ndarray, int]] = [
            (self.roots(part), [], np.zeros(self.ctx.net.n_hosts), 0)]
        found, steps = None, 0
        while frames:
            hosts, trees, bound, at = frames[-1]
            depth = len(frames) - 1
            node = self.order[depth]
            if part.hosts[node] >= 0:
                part.detach(node)
            if at >= len(hosts) or steps >= budget:
                frames.pop()
                continue
            frames[-1] = (hosts, trees, bound, at + 1)
            host = hosts[at]
            if part.cost() + bound[host] + rest[depth] >= best_cost - 1e-9:
                continue
            steps += 1
            if not part.attach(node, host, trees):
                continue
            if depth + 1 == len(self.order):
                cost = part.cost()
                if cost < best_cost - 1e-9:
                    found, best_cost = part.placement(), cost
                    if first_only:
                        break
                continue
            frames.append((*self.candidates(part, self.order[depth + 1], limit), 0))
        return found, best_cost

    def branch_and_bound(self, best_cost: float) -> Placement | None:
        """On a small network: every placement whose lower bound (each link's fewest hops over the arcs with
        room for it before this request) can beat `best_cost`, the most promising first, each complete one
        routed in a few orders; the cheapest that beats it, or None. Within a budget of steps."""
        part = Partial(self.ctx, self.weights, self.incident, self.exact)
        budget = int(self.ctx.options.get("search_steps", SEARCH_STEPS[True]))
        rest, closing = self._closing()
        frames: list[tuple[list[int], np.ndarray, int]] = [(self.roots(part), np.zeros(self.ctx.net.n_hosts), 0)]
        spent = [0.0]  # bound of the links closed so far, per depth
        found, steps = None, 0
        while frames and steps < budget:
            hosts, bound, at = frames[-1]
            depth = len(frames) - 1
            node = self.order[depth]
            if part.hosts[node] >= 0:
                part.lift(node)
            if at >= len(hosts):
                frames.pop()
                spent.pop()
                continue
            frames[-1] = (hosts, bound, at + 1)
            host = hosts[at]
            floor = spent[depth] + bound[host]
            if floor + rest[depth] >= best_cost - 1e-9:
                continue
            steps += 1
            part.put(node, host)
            if depth + 1 == len(self.order):
                routed = self.route_leaf(part, best_cost)
                if routed is not None:
                    found, best_cost = routed
                continue
            nxt = self.order[depth + 1]
            cost = np.zeros(self.ctx.net.n_hosts)
            for li, other in closing[depth + 1]:
                cost += self.weights[li] * self._bound_tree(li, other, part.hosts[other])
            ok = np.flatnonzero(part.fitting(nxt) & np.isfinite(cost))
            ranked = ok[np.argsort((cost + self.tiebreak)[ok], kind="stable")].tolist()
            frames.append((ranked, cost, 0))
            spent.append(floor)
        while frames:  # leave the partial state clean
            node = self.order[len(frames) - 1]
            if part.hosts[node] >= 0:
                part.lift(node)
            frames.pop()
        return found

    def _closing(self) -> tuple[list[float], list[list[tuple[int, int]]]]:
        """Per position in the order: the least the links closed after it can cost, and the links it closes
        (link, node at the other end)."""
        position = {node: i for i, node in enumerate(self.order)}
        closing: list[list[tuple[int, int]]] = [[] for _ in self.order]
        links = self.ctx.req.links
        for li, (source, destination) in enumerate(zip(links.sources, links.destinations, strict=True)):
            a, b = position[source], position[destination]
            closing[max(a, b)].append((li, source if a < b else destination))
        rest = [0.0] * len(self.order)
        total = 0.0
        for depth in range(len(self.order) - 1, -1, -1):
            rest[depth] = total
            total += sum(self.weights[li] * self.separation for li, _ in closing[depth])
        return rest, closing

    def _bound_tree(self, li: int, from_node: int, host: int) -> np.ndarray:
        """Fewest hops from `host` for link `li` oriented from `from_node`, over the arcs with room for it
        before this request (kept for the request)."""
        key = (li, from_node, host)
        cache = self.bounds
        if key not in cache:
            link = self.ctx.req.links[li]
            along, back = oriented(link, link.source == from_node)
            usable = usable_arcs(self.ctx.net, self.ctx.arc_residual(), along, back, self.ctx.allowed_arcs)
            cache[key] = hop_tree(self.ctx.net, host, usable)
        return cache[key]

    def route_leaf(self, part: Partial, best_cost: float) -> tuple[Placement, float] | None:
        """Route every link of a complete placement, heaviest first and closest hosts first; the cheaper
        routing if it beats `best_cost` (the links are lifted again either way)."""
        links = list(range(len(self.ctx.req.links)))
        topo = topology(self.ctx.net)
        sources, destinations = self.ctx.req.links.sources, self.ctx.req.links.destinations
        ideal = {li: topo.hops_from(part.hosts[sources[li]])[part.hosts[destinations[li]]] for li in links}
        result = None
        for order in (sorted(links, key=lambda li: -self.weights[li]),
                      sorted(links, key=lambda li: (ideal[li], -self.weights[li]))):
            laid = []
            for li in order:
                path = part.fresh_route(li, part.free())
                if path is None:
                    break
                part.lay(li, path)
                laid.append(li)
            if len(laid) == len(links) and part.cost() < best_cost - 1e-9:
                best_cost = part.cost()
                result = (part.placement(), best_cost)
            for li in laid:
                part.unlay(li)
        return result

    def rebuild(self, placement: Placement) -> Partial:
        """A Partial holding a finished placement."""
        part = Partial(self.ctx, self.weights, self.incident, self.exact)
        for node, host in enumerate(placement.hosts):
            part.put(node, host)
        for li, path in enumerate(placement.paths):
            part.lay(li, list(path))
        return part

    # ----- improvement -----
    def improve(self, part: Partial) -> None:
        """Move single nodes and re-route single links while the cost goes down."""
        rounds = int(self.ctx.options.get("improve_rounds", IMPROVE_ROUNDS[self.small]))
        for _ in range(rounds):
            better = False
            for node in sorted(range(len(part.hosts)), key=lambda v: -part.link_cost(v)):
                better |= self.relocate(part, node)
            better |= self.reroute(part)
            if self.small:
                better |= self.reroute_pairs(part) | self.reroute_all(part)
            if not better or part.cost() <= self.lower + 1e-6:
                break

    def relocate(self, part: Partial, node: int) -> bool:
        """Move `node` where its links cost least (its current host included, re-routed); True if it got cheaper."""
        now = part.link_cost(node)
        floor = self.separation * sum(self.weights[li] for li, _ in self.incident[node])
        if now <= floor + 1e-9 or not self.incident[node]:
            return False
        host, paths = part.detach(node)
        hosts, trees, bound = self.candidates(part, node, None if self.small else 2 * CHOICES_PER_NODE)
        best_host, best_cost, best_paths = -1, now - 1e-9, paths
        for candidate in hosts:
            if bound[candidate] >= best_cost:
                continue
            if part.attach(node, candidate, trees):
                cost = part.link_cost(node)
                if cost < best_cost:
                    best_host, best_cost = candidate, cost
                    best_paths = {li: list(part.paths[li]) for li, _ in self.incident[node]}
                part.detach(node)
        part.restore(node, host if best_host < 0 else best_host, best_paths)
        return best_host >= 0

    def reroute(self, part: Partial) -> bool:
        """Each link, heaviest first, onto the fewest hops left with the others in place (only links longer
        than the fewest hops over all arcs can gain)."""
        better = False
        net = self.ctx.net
        topo = topology(net)
        for li in sorted(range(len(part.paths)), key=lambda i: -self.weights[i]):
            links = self.ctx.req.links
            shortest = topo.hops_from(part.hosts[links.sources[li]])[part.hosts[links.destinations[li]]]
            if len(part.paths[li]) <= max(shortest, self.separation):
                continue
            old = part.unlay(li)
            new = part.fresh_route(li, part.free())
            if new is not None and len(new) < len(old):
                part.lay(li, new)
                better = True
            else:
                part.lay(li, old)
        return better

    def reroute_pairs(self, part: Partial) -> bool:
        """For each link longer than it could be, lift it and one other link, route it first and the other
        after, and keep that when the two cost less (a link may be long only because another holds its room)."""
        better = False
        topo = topology(self.ctx.net)
        for li in sorted(range(len(part.paths)), key=lambda i: -self.weights[i]):
            links = self.ctx.req.links
            shortest = topo.hops_from(part.hosts[links.sources[li]])[part.hosts[links.destinations[li]]]
            if len(part.paths[li]) <= max(shortest, self.separation):
                continue
            for other in range(len(part.paths)):
                if other == li or not part.paths[other]:
                    continue
                before = self.weights[li] * len(part.paths[li]) + self.weights[other] * len(part.paths[other])
                old, old_other = part.unlay(li), part.unlay(other)
                new = part.fresh_route(li, part.free())
                if new is not None:
                    part.lay(li, new)
                    new_other = part.fresh_route(other, part.free())
                    if new_other is not None and \
                            self.weights[li] * len(new) + self.weights[other] * len(new_other) < before - 1e-9:
                        part.lay(other, new_other)
                        better = True
                        break
                    part.unlay(li)
                part.lay(li, old)
                part.lay(other, old_other)
        return better

    def reroute_all(self, part: Partial) -> bool:
        """Lift every link and route them again in other orders (links whose hosts are closest first, the
        lightest first, a few shuffles); keep the cheapest when it beats the current routing."""
        links = [li for li in range(len(part.paths)) if part.paths[li]]
        if len(links) < 2:
            return False
        topo = topology(self.ctx.net)
        sources, destinations = self.ctx.req.links.sources, self.ctx.req.links.destinations
        ideal = {li: topo.hops_from(part.hosts[sources[li]])[part.hosts[destinations[li]]] for li in links}
        orders = [sorted(links, key=lambda li: (ideal[li], -self.weights[li])),
                  sorted(links, key=lambda li: self.weights[li])]
        shuffler = random.Random(len(links))
        for _ in range(REROUTE_SHUFFLES):
            orders.append(shuffler.sample(links, len(links)))
        current = {li: part.paths[li] for li in links}
        best_cost, best_paths = sum(self.weights[li] * len(p) for li, p in current.items()), None
        for order in orders:
            for li in links:
                part.unlay(li)
            laid = {}
            for li in order:
                path = part.fresh_route(li, part.free())
                if path is None:
                    break
                part.lay(li, path)
                laid[li] = path
            cost = sum(self.weights[li] * len(p) for li, p in laid.items())
            if len(laid) == len(links) and cost < best_cost - 1e-9:
                best_cost, best_paths = cost, laid
            for li in laid:
                part.unlay(li)
            for li in links:
                part.lay(li, current[li])
        if best_paths is None:
            return False
        for li in links:
            part.unlay(li)
        for li in links:
            part.lay(li, best_paths[li])
        return True

"""The project's own algorithm: a ranked candidate search from several roots, then local improvement.

Growth: the first virtual node (the most constrained, then the heaviest) goes to one of the strongest
hosts; each next node (the one most bound by bandwidth to those placed) goes to the fitting host where
bandwidth x hops to its placed neighbours is least, hops counted over the arcs with room for each link,
with a slight preference for hosts that keep the most capacity; its links take those fewest-hop paths
(among equal ones, the one with most bandwidth left). The cheapest complete growth is then improved: each
node moves to the host where its links cost least with the others in place, each link takes the fewest hops
left, until nothing improves. When no growth completes, a backtracking search over the candidates of each
node looks for any embedding. It never calls the exact solver (see `combined` for that).
"""

from __future__ import annotations

import numpy as np

from backend.embedding.algorithms.partial import Partial, Tree, incidence, link_weights
from backend.embedding.context import Context, node_strength
from backend.embedding.instance import INF, Network
from backend.embedding.ledger import Placement
from backend.embedding.paths import topology

CHOICES_PER_NODE = 3
SMALL_NETWORK = 30
EXACT_ARCS = 4096  # up to this many arcs, exact fewest-hop distances per link; above, hops over all arcs
RESTARTS = 8
PATIENCE = 3
BACKTRACK_STEPS = {True: 20_000, False: 400}  # attach attempts, small network or not
IMPROVE_ROUNDS = {True: 8, False: 2}


def solve(ctx: Context) -> Placement | None:
    """The cheapest embedding found, or None."""
    if not ctx.req.nodes:
        return Placement([], [])
    search = Search(ctx)
    found = search.grow_from_roots()
    if found is None:
        found = search.backtrack()
        ctx.info["backtracked"] = True
    if found is None:
        return None
    if not ctx.preferred and ctx.options.get("improve", True):
        search.improve(found)
    return found.placement()


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
        self.separation = 0 if ctx.colocate else min_separation(ctx.net)
        self.lower = sum(self.weights) * self.separation

    # ----- order and candidates -----
    def _order(self) -> list[int]:
        """Most constrained and heaviest node first, then the node most bound to those placed."""
        req = self.ctx.req
        n = len(req.nodes)
        choices = self.ctx.allowed.sum(axis=1)
        heft = [float(req.node_demand[i, :, 0].max()) + sum(self.weights[li] for li, _ in self.incident[i])
                for i in range(n)]
        placed: list[int] = []
        bond = [0.0] * n
        remaining = set(range(n))
        while remaining:
            if placed and any(bond[i] > 0 for i in remaining):
                nxt = max(remaining, key=lambda i: (bond[i], -choices[i], heft[i], -i))
            else:
                nxt = min(remaining, key=lambda i: (choices[i], -heft[i], i))
            placed.append(nxt)
            remaining.discard(nxt)
            for li, other in self.incident[nxt]:
                bond[other] += self.weights[li]
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

    def backtrack(self) -> Partial | None:
        """Depth-first over each node's candidates (all on a small network) within a budget of attempts."""
        part = Partial(self.ctx, self.weights, self.incident, self.exact)
        budget = int(self.ctx.options.get("backtrack_steps", BACKTRACK_STEPS[self.small]))
        limit = None if self.small else 2 * CHOICES_PER_NODE
        frames: list[tuple[list[int], list[Tree], int]] = [(self.roots(part), [], 0)]
        steps = 0
        while frames:
            hosts, trees, at = frames[-1]
            node = self.order[len(frames) - 1]
            if part.hosts[node] >= 0:
                part.detach(node)
            if at >= len(hosts) or steps >= budget:
                frames.pop()
                continue
            frames[-1] = (hosts, trees, at + 1)
            steps += 1
            if not part.attach(node, hosts[at], trees):
                continue
            if len(frames) == len(self.order):
                return part
            nxt = self.order[len(frames)]
            frames.append((*self.candidates(part, nxt, limit)[:2], 0))
        return None

    # ----- improvement -----
    def improve(self, part: Partial) -> None:
        """Move single nodes and re-route single links while the cost goes down."""
        rounds = int(self.ctx.options.get("improve_rounds", IMPROVE_ROUNDS[self.small]))
        for _ in range(rounds):
            better = False
            for node in sorted(range(len(part.hosts)), key=lambda v: -part.link_cost(v)):
                better |= self.relocate(part, node)
            better |= self.reroute(part)
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
            link = self.ctx.req.links[li]
            shortest = topo.hops_from(part.hosts[link.source])[part.hosts[link.destination]]
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

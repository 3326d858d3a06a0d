"""Capacity that deployments already hold on a substrate, and embedding new VXIs against it.

A `Hold` is an amount of one resource (a host's cores, memory or storage; a physical link's bandwidth one
way) held during [start, end) in epoch seconds (unbounded by default). `holds_of` says what an accepted
mapping holds; `embed_held` places new VXIs on what the holds leave, each refused with its reason when it
no longer fits; `book_held` books holds into an `Embedder`'s ledger (used by `fits.host_fits` too).

    held = holds_of(vxis, mapping)                         # stored by the deployment state
    mapping = embed_held(substrate, [vxi], "best", held=held)

A separate entry point beside `embed()`: it uses the Embedder, the ledger and the checker as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from backend.embedding.checker import InfeasibleMappingError, verify
from backend.embedding.engine import Embedder, unique_keys
from backend.embedding.instance import DIMS, compile_request
from backend.embedding.ledger import Ledger, Segment
from backend.embedding.mapping import Mapping
from backend.model import Infrastructure, Substrate

HOST_DIMENSIONS = DIMS  # cores, memory (bytes), storage (bytes)
LINK_DIMENSIONS = ("forward", "reverse")  # bit/s along a physical link, in the link's direction or against it
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Hold:
    """An amount of one resource held during [start, end): `kind` 'host' or 'link', `element` its id,
    `dimension` cores/memory/storage or forward/reverse; `part` (VXI id, component or member id) for what a
    placed part holds on its host, None for link bandwidth."""

    kind: str
    element: str
    dimension: str
    amount: float
    start: float = -math.inf
    end: float = math.inf
    part: tuple[str, str] | None = None


def holds_of(vxis: list[Infrastructure], mapping: Mapping) -> list[Hold]:
    """What the accepted requests of a mapping hold, each at its peak over the request's lease: per placed
    part its host's cores, memory and storage; per physical link direction the bandwidth of the virtual links
    routed over it."""
    results = {r.id: r for r in mapping.requests if r.accepted}
    held: list[Hold] = []
    for key, vxi in zip(unique_keys(vxis), vxis, strict=True):
        result = results.get(key)
        if result is None:
            continue
        req = compile_request(vxi)
        peaks = req.node_demand.max(axis=1) if req.segments else np.zeros((len(req.nodes), 3))
        for node, peak in zip(req.nodes, peaks, strict=True):
            host = result.nodes.get(node.id)
            if host is None:
                continue
            held.extend(Hold("host", host, dim, float(peak[d]), part=(vxi.id, node.id))
                        for d, dim in enumerate(HOST_DIMENSIONS) if peak[d] > 0)
        on_links: dict[tuple[str, str], float] = {}
        for placed in result.links.values():
            for link_id, direction in placed.path:
                back = "reverse" if direction == "forward" else "forward"
                for way, amount in ((direction, placed.forward_bps), (back, placed.reverse_bps)):
                    if amount > 0:
                        on_links[(link_id, way)] = on_links.get((link_id, way), 0.0) + amount
        held.extend(Hold("link", link_id, way, amount) for (link_id, way), amount in on_links.items())
    return held


def book_held(ledger: Ledger, held: Iterable[Hold], key: str = "held") -> int:
    """Book holds into a ledger as one booking (`key`) per time interval; holds on hosts or links the
    substrate does not have are left out. Returns how many holds were booked."""
    net = ledger.net
    link_index = {lid: p for p, lid in enumerate(net.link_ids)}
    by_interval: dict[tuple[float, float], dict[int, float]] = {}
    count = 0
    for hold in held:
        index = _resource_index(net, link_index, hold)
        if index is None or hold.amount <= 0:
            continue
        amounts = by_interval.setdefault((hold.start, hold.end), {})
        amounts[index] = amounts.get(index, 0.0) + hold.amount
        count += 1
    for n, ((start, end), amounts) in enumerate(sorted(by_interval.items())):
        index = np.array(list(amounts), dtype=np.int64)
        ledger.book(f"{key}#{n}", [Segment(start, end, index, np.array(list(amounts.values()), dtype=float))])
    return count


def _resource_index(net, link_index: dict[str, int], hold: Hold) -> int | None:
    if hold.kind == "host" and hold.element in net.host_index and hold.dimension in HOST_DIMENSIONS:
        return 3 * net.host_index[hold.element] + HOST_DIMENSIONS.index(hold.dimension)
    if hold.kind == "link" and hold.element in link_index and hold.dimension in LINK_DIMENSIONS:
        return net.arc_offset + 2 * link_index[hold.element] + (hold.dimension == "reverse")
    return None


def embed_held(substrate: Substrate, requests: list[Infrastructure], algorithm: str = "best", *,
               held: Iterable[Hold] = (), colocate: bool = True, **options) -> Mapping:
    """Embed requests in order on what `held` leaves of the substrate (each sees the holds and the earlier
    requests), then check them: the checker on the new requests, and no resource held beyond its capacity
    (InfeasibleMappingError otherwise). The mapping's utilisation includes the holds."""
    embedder = Embedder(substrate, algorithm, colocate, **options)
    held = list(held)
    book_held(embedder.ledger, held)
    keys = unique_keys(requests)
    for key, vxi in zip(keys, requests, strict=True):
        embedder.place(vxi, key)
    mapping = embedder.mapping(keys)
    verify(substrate, requests, mapping, distinct_hosts=not colocate)
    over = embedder.ledger.peak_usage() - embedder.net.capacity
    beyond = np.flatnonzero((over > TOLERANCE * np.maximum(1.0, np.abs(embedder.net.capacity)))
                            & (over > _held_alone(embedder.net, held) - embedder.net.capacity))
    if beyond.size:
        raise InfeasibleMappingError([f"{resource_name(embedder.net, int(i))} held beyond its capacity by "
                                      f"{float(over[i]):g}" for i in beyond])
    return mapping


def _held_alone(net, held: Iterable[Hold]) -> np.ndarray:
    """The peak use of each resource by the holds alone: a resource they already hold beyond its capacity (a
    substrate made smaller since) refuses only a request that adds to it."""
    ledger = Ledger(net)
    book_held(ledger, held)
    return ledger.peak_usage()


def resource_name(net, index: int) -> str:
    """A ledger resource in words: 'host P4 cores', 'link l1 reverse' (it was 'resource 6')."""
    if index < net.arc_offset:
        return f"host {net.host_ids[index // 3]} {HOST_DIMENSIONS[index % 3]}"
    link, way = divmod(index - net.arc_offset, 2)
    return f"link {net.link_ids[link]} {LINK_DIMENSIONS[way]}"

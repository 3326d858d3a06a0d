"""What a mapping asks every backend to build: components on hosts, L2 segments, addresses and routes.

Each VXI link becomes one segment (a subnet) holding both ends (every member of a cloud end); a
cloud whose members are interconnected gets one more segment. Subnets are per VXI (10.0.k.0/24
for its k-th segment), so two VXIs reuse the same ranges: they are isolated from each other.
Routers forward; every other component routes through the nearest router it is attached to.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections import deque
from dataclasses import dataclass, field

from backend.embedding.mapping import Mapping
from backend.model import Cloud, Component, Infrastructure, Router, Substrate


class PlanError(ValueError):
    """The mapping does not fit the VXIs (a component without a host, an unknown host)."""


@dataclass
class PlannedComponent:
    """One virtual node, storage, router or cloud member placed on a host."""

    key: str  # unique in the deployment: the component id, or "vxi/id" when two VXIs share an id
    vxi: str
    id: str
    kind: str
    host: str
    memory_bytes: int
    vcpus: int
    addresses: list[str] = field(default_factory=list)  # CIDR, one per attachment, in segment order
    routes: list[tuple[str, str]] = field(default_factory=list)  # (destination CIDR or "default", gateway)
    extensions: list[str] = field(default_factory=list)  # the component's kept extension elements (x:disk)

    @property
    def forwards(self) -> bool:
        """Routers forward packets between their segments."""
        return self.kind == "router"


@dataclass
class Attachment:
    """A component's interface on a segment: its rates out of and into the component."""

    component: str  # PlannedComponent.key
    address: str  # CIDR
    rate_out_bps: float
    rate_in_bps: float
    port: str | None = None


@dataclass
class Segment:
    """A VXI link (or a cloud's internal links) as one isolated L2 segment with its own subnet."""

    index: int  # unique in the deployment, from 1 (a VNI or a bridge number)
    vxi: str
    link: str
    subnet: str
    forward_bps: float
    reverse_bps: float
    latency_s: float | None
    attachments: list[Attachment] = field(default_factory=list)
    paths: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # mapping's physical paths


@dataclass
class Plan:
    """Everything a backend has to create, in creation order."""

    components: dict[str, PlannedComponent]
    segments: list[Segment]

    def component(self, name: str) -> PlannedComponent:
        """A component by key, or by plain id when that is unambiguous."""
        if name in self.components:
            return self.components[name]
        found = [c for c in self.components.values() if c.id == name or f"{c.vxi}/{c.id}" == name]
        if len(found) == 1:
            return found[0]
        raise PlanError(f"no component '{name}'" if not found else f"'{name}' is ambiguous: use VXI/{name}")

    def segments_of(self, key: str) -> list[tuple[Segment, Attachment]]:
        """The segments a component is attached to, with its attachment."""
        return [(s, a) for s in self.segments for a in s.attachments if a.component == key]


def safe_name(text: str) -> str:
    """An id reduced to letters, digits, '-' and '_' (for libvirt and namespace names)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


NAME_PART_MAX = 40  # characters of an id kept in an object's name (namespace, domain, network, host file)


def object_name(*ids: str) -> str:
    """The part of an object's name made from ids (a VXI's and a component's): the ids joined by '-' when each is
    plain (letters, digits, '-', '_') and short; otherwise each id reduced and cut, then '.' and a hash of the
    ids, so that ids that reduce alike ('a.b', 'a-b', 'café', 'cafè') or are long still give distinct names of
    bounded length. No plain name holds a '.', so a hashed name never equals a plain one."""
    if all(safe_name(i) == i and 0 < len(i) <= NAME_PART_MAX for i in ids):
        return "-".join(ids)
    digest = hashlib.sha256("\0".join(ids).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return "-".join(safe_name(i)[:NAME_PART_MAX] for i in ids) + "." + digest


def name_clashes(names: dict[str, str], what: str) -> str | None:
    """A sentence naming two objects given the same name (plain ids that join alike: VXI 'x-y' with component
    'z', VXI 'x' with component 'y-z'), or None when every name is distinct."""
    seen: dict[str, str] = {}
    for key, name in names.items():
        if name in seen:
            return (f"{what} '{seen[name]}' and '{key}' would both be named {name}: rename one of them "
                    "(ids are joined by '-' in names)")
        seen[name] = key
    return None


def _amount(q) -> float:
    value = q.demand() if q is not None else None
    return float(value or 0.0)


def _resources(comp: Component) -> tuple[int, int]:
    memory = getattr(comp, "memory", None)
    cores = getattr(comp, "cores", None)
    mem = int(_amount(memory)) or 256 * 2**20
    return max(mem, 16 * 2**20), max(int(_amount(cores)) or 1, 1)


def build_plan(substrate: Substrate, vxis: list[Infrastructure], mapping: Mapping,
               periods: dict[str, str | None] | None = None) -> Plan:
    """Turn an accepted mapping into the plan every backend builds from; a VXI named in `periods` has its links
    at that period's values (their own values otherwise)."""
    requests = {r.id: r for r in mapping.requests}
    placed: list[PlannedComponent] = []
    members: dict[tuple[str, str], list[PlannedComponent]] = {}
    for vxi in vxis:
        request = requests.get(vxi.id)
        if request is None or not request.accepted:
            why = f": {request.reason}" if request and request.reason else ""
            raise PlanError(f"VXI '{vxi.id}' was not embedded{why}")
        for comp in vxi.components.values():
            if isinstance(comp, Cloud):
                template, ids = comp.template, comp.member_ids()
            else:
                template, ids = comp, [comp.id]
            memory, vcpus = _resources(template)
            kind = "router" if isinstance(template, Router) else template.kind
            group = []
            for cid in ids:
                host = request.nodes.get(cid)
                if host is None:
                    raise PlanError(f"the mapping places no host for '{cid}' of VXI '{vxi.id}'")
                if host not in substrate.hosts:
                    raise PlanError(f"the mapping names host '{host}', which the substrate does not have")
                group.append(PlannedComponent(cid, vxi.id, cid, kind, host, memory, vcpus,
                                              extensions=list(getattr(template, "extensions", []))))
            placed.extend(group)
            members[(vxi.id, comp.id)] = group
    counts: dict[str, int] = {}
    for pc in placed:
        counts[pc.id] = counts.get(pc.id, 0) + 1
    for pc in placed:
        if counts[pc.id] > 1:
            pc.key = f"{pc.vxi}/{pc.id}"
    plan = Plan({pc.key: pc for pc in placed}, [])
    for vxi in vxis:
        _segments_of_vxi(plan, vxi, members, requests[vxi.id], (periods or {}).get(vxi.id))
    for vxi in vxis:
        _routes(plan, vxi.id)
    return plan


def _segments_of_vxi(plan: Plan, vxi: Infrastructure, members: dict, request, period: str | None = None) -> None:
    local = 0

    def new_segment(link_id: str, fwd: float, rev: float, latency: float | None) -> Segment:
        nonlocal local
        local += 1
        net = ipaddress.ip_network(f"10.{local // 256}.{local % 256}.0/24")
        seg = Segment(len(plan.segments) + 1, vxi.id, link_id, str(net), fwd, rev, latency)
        seg.paths = {k: v.path for k, v in request.links.items() if k == link_id or k.startswith(link_id + "#")}
        plan.segments.append(seg)
        return seg

    for link in vxi.links.values():
        if (vxi.id, link.source) not in members or (vxi.id, link.destination) not in members:
            continue
        conf = link.config_for(period)
        fwd, rev = _amount(conf.forward), _amount(conf.reverse)
        latency = conf.latency.bound() if conf.latency is not None else None
        seg = new_segment(link.id, fwd, rev, latency)
        src, dst = members[(vxi.id, link.source)], members[(vxi.id, link.destination)]
        ends = [(pc, fwd * len(dst), rev * len(dst), link.source_port) for pc in src]
        ends += [(pc, rev * len(src), fwd * len(src), link.destination_port) for pc in dst]
        _attach(seg, ends)
    for comp in vxi.components.values():
        if isinstance(comp, Cloud) and comp.organisation != "none" and comp.cardinality > 1:
            bw = _amount(comp.internal_bandwidth)
            latency = comp.internal_latency.bound() if comp.internal_latency is not None else None
            seg = new_segment(f"{comp.id}#internal", bw, bw, latency)
            _attach(seg, [(pc, bw, bw, None) for pc in members[(vxi.id, comp.id)]])


def _attach(seg: Segment, ends: list) -> None:
    net = ipaddress.ip_network(seg.subnet)
    if len(ends) > net.num_addresses - 2:
        raise PlanError(f"link '{seg.link}' of VXI '{seg.vxi}' joins {len(ends)} interfaces: more than its "
                        f"subnet {seg.subnet} holds")
    hosts = net.hosts()
    ordered = sorted(ends, key=lambda e: e[0].kind != "router")  # routers take the first addresses
    for pc, out_bps, in_bps, port in ordered:
        cidr = f"{next(hosts)}/{net.prefixlen}"
        seg.attachments.append(Attachment(pc.key, cidr, out_bps, in_bps, port))
        pc.addresses.append(cidr)


def _routes(plan: Plan, vxi_id: str) -> None:
    """Shortest-path static routes through the VXI's routers (breadth-first over segments); a node
    on several segments also routes the subnets behind each of its routers through that router."""
    segments = [s for s in plan.segments if s.vxi == vxi_id]
    on: dict[str, list[tuple[Segment, Attachment]]] = {}
    for seg in segments:
        for att in seg.attachments:
            on.setdefault(att.component, []).append((seg, att))
    routers = [k for k in on if plan.components[k].forwards]
    for key, own in on.items():
        pc = plan.components[key]
        if pc.forwards:
            direct = {s.subnet for s, _ in own}
            for subnet, gateway in _router_table(key, on, plan).items():
                if subnet not in direct:
                    pc.routes.append((subnet, gateway))
            continue
        default = None
        for seg, _att in own:  # a host's default route: the first router on one of its segments
            default = next((a.address.split("/")[0] for a in seg.attachments if a.component in routers), None)
            if default:
                pc.routes.append(("default", default))
                break
        direct = {s.subnet for s, _ in own}
        for subnet, gateway in _router_table(key, on, plan).items():  # subnets behind its other routers
            if subnet not in direct and gateway != default:
                pc.routes.append((subnet, gateway))


def _router_table(start: str, on: dict, plan: Plan) -> dict[str, str]:
    """Subnet -> next-hop address for one router, by breadth-first search over routers."""
    table: dict[str, str] = {}
    queue = deque([(start, None)])
    seen = {start}
    while queue:
        router, first_hop = queue.popleft()
        for seg, _att in on.get(router, []):
            if first_hop:
                table.setdefault(seg.subnet, first_hop)
            for other in seg.attachments:
                if other.component in seen or not plan.components[other.component].forwards:
                    continue
                seen.add(other.component)
                queue.append((other.component, first_hop or other.address.split("/")[0]))
    return {k: v for k, v in table.items() if v}

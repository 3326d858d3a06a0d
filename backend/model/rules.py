"""Semantic rules that an XSD cannot express: references, ranges, ports, leases."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from backend.model.components import Cloud, Component, Link, Node, Router, Storage
from backend.model.quantity import INTERVAL, SCALE, SIMPLE, Problem, Quantity

MAX_CLOUD_MEMBERS = 10_000  # members of one group (vArray): the designer's palette offers as many
MAX_EXPANDED_COMPONENTS = 20_000  # components of one VXI once every group is counted member by member (two full groups)
MAX_DISTINCT_LEASES = 200  # leases of its own resources: each cuts the VXI's time, and the embedding tabulates
# every member's demand per stretch of time (3,000 leases of 700 kB took 36 s, 20,000 members would take GBs)
MAX_EXPANDED_LINKS = 100_000  # links of one VXI once counted member to member (a group's organisation included)
MAX_POSITION = 1_000_000  # a layout coordinate's size: a design spans tens of thousands; 1e30 hung its drawing

if TYPE_CHECKING:  # the documents call these rules from their validate(); the rules only read them
    from backend.model.infrastructure import Infrastructure
    from backend.model.substrate import Substrate


def _problem(code: str, obj, element: str, message: str, severity: str = "error") -> Problem:
    line, col = (getattr(obj, "origin", None) or (None, None)) if obj is not None else (None, None)
    ident = getattr(obj, "id", None)
    return Problem(severity, code, ident, message, line=line, column=col, element=element)


def check_quantity(q: Quantity | None, what: str, obj, element: str) -> list[Problem]:
    """Negative values, min above max, a zero or negative step."""
    if q is None or _plainly_fine(q):
        return []
    found = []
    if any(v < 0 for v in q.numbers()):
        found.append(_problem("negative-value", obj, element, f"{what} must not be negative ({q.describe()})"))
    if q.shape in (INTERVAL, SCALE) and q.min is not None and q.max is not None and q.min > q.max:
        found.append(_problem("min-above-max", obj, element,
                              f"{what}: the minimum is above the maximum ({q.describe()})"))
    if q.shape == SCALE and (q.step is None or q.step <= 0):
        found.append(_problem("bad-step", obj, element, f"{what}: a scale needs a positive step"))
    return found


def _plainly_fine(q: Quantity) -> bool:
    """The common shapes with nothing to report: a non-negative value, or a non-negative interval in order."""
    if q.shape == SIMPLE:
        return q.value is not None and q.value >= 0
    if q.shape == INTERVAL:
        low, high = q.min, q.max
        return (low is None or low >= 0) and (high is None or high >= 0) and (
            low is None or high is None or low <= high)
    return False


class _QuantityChecks:
    """check_quantity over a whole model, each distinct quantity object judged once (readers share
    equal quantities, so a large VXI has few)."""

    def __init__(self) -> None:
        self.fine: set[int] = set()

    def check(self, q: Quantity | None, what: str, obj, element: str, events: set | None = None) -> list[Problem]:
        """check_quantity, and with `events` the event the quantity refers to."""
        if q is None or id(q) in self.fine:
            return []
        found = check_quantity(q, what, obj, element)
        if events is not None and q.event and q.event not in events:
            found.append(_problem("unknown-event", obj, element, f"{what} refers to unknown event '{q.event}'"))
        if not found and (events is not None or not q.event):  # judged whole: its event too, if it has one
            self.fine.add(id(q))
        return found


_ELEMENTS = {"node": "vNode", "storage": "vStorage", "router": "vRouter", "access_point": "vAccessPoint",
             "cloud": "vArray"}


def _component_element(comp: Component) -> str:
    return _ELEMENTS.get(comp.kind, "component")


def _component_quantities(comp: Component) -> list[tuple[str, Quantity | None]]:
    if isinstance(comp, Node):
        return [("cores", comp.cores), ("frequency", comp.frequency), ("memory", comp.memory),
                ("storage", comp.storage)]
    if isinstance(comp, Storage):
        return [("size", comp.size)]
    if isinstance(comp, Router):
        return [("memory", comp.memory), ("cores", comp.cores)]
    if isinstance(comp, Cloud):
        return [("internal bandwidth", comp.internal_bandwidth), ("internal latency", comp.internal_latency),
                *_component_quantities(comp.template)]
    return []


def _own_lease_problems(obj, element: str) -> list[Problem]:
    """A lease wrong on its own: an end before its start, a window outside years 1 to 9999."""
    wrong = obj.lease.problem()
    if wrong is None:
        return []
    code = "negative-duration" if obj.lease.duration is not None and obj.lease.duration < 0 else "lease-out-of-range"
    return [_problem(code, obj, element, wrong)]


def _lease_problems(vxi: Infrastructure, obj, element: str) -> list[Problem]:
    if obj.lease.start is None and obj.lease.duration is None:  # no lease of its own: the VXI's applies
        return []
    found = _own_lease_problems(obj, element)
    outer, inner = vxi.lease.window(), obj.lease.window()
    if outer and inner and vxi.lease.duration is not None and (inner[0] < outer[0] or inner[1] > outer[1]):
        found.append(_problem("lease-outside", obj, element,
                              "its lease falls outside the infrastructure's lease", "warning"))
    return found


def _link_problems(vxi: Infrastructure, link: Link, checks: _QuantityChecks) -> list[Problem]:
    found = []
    components = vxi.components
    for end, role in ((link.source, "source"), (link.destination, "destination")):
        if end not in components:
            found.append(_problem("dangling-reference", link, "vLink",
                                  f"the link's {role} '{end}' is not a component of this VXI"))
    if link.source == link.destination:
        found.append(_problem("self-link", link, "vLink", "a link must join two different components"))
    if link.source_port is not None or link.destination_port is not None:
        found += _port_problems(vxi, link)
    found += checks.check(link.forward, "forward bandwidth", link, "vLink")
    found += checks.check(link.reverse, "reverse bandwidth", link, "vLink")
    found += checks.check(link.latency, "latency", link, "vLink")
    for name, conf in link.periods.items():
        if name not in {p.name for p in vxi.periods}:
            found.append(_problem("unknown-period", link, "vLink", f"period '{name}' is not defined"))
        for what, q in (("forward bandwidth", conf.forward), ("reverse bandwidth", conf.reverse),
                        ("latency", conf.latency)):
            found += check_quantity(q, f"{what} in period {name}", link, "vLink")
    found += _lease_problems(vxi, link, "vLink")
    return found


def _plainly_fine_link(link: Link, components: dict, fine: set[int]) -> bool:
    """A link between two distinct known components, with no ports, periods or lease of its own, whose
    quantities were already judged fine: nothing _link_problems could report."""
    return (link.source in components and link.destination in components and link.source != link.destination
            and link.source_port is None and link.destination_port is None and not link.periods
            and link.lease.start is None and link.lease.duration is None
            and (link.forward is None or id(link.forward) in fine)
            and (link.reverse is None or id(link.reverse) in fine)
            and (link.latency is None or id(link.latency) in fine))


def _port_problems(vxi: Infrastructure, link: Link) -> list[Problem]:
    found = []
    for end, port in ((link.source, link.source_port), (link.destination, link.destination_port)):
        comp = vxi.components.get(end)
        if port is None or comp is None:
            continue
        if not isinstance(comp, Router):
            found.append(_problem("port-on-non-router", link, "vLink", f"'{end}' is not a router; it has no ports"))
        elif port not in comp.ports:
            found.append(_problem("unknown-port", link, "vLink", f"router '{end}' has no port '{port}'"))
    return found


def _size_problems(vxi: Infrastructure) -> list[Problem]:
    """Clouds over MAX_CLOUD_MEMBERS, and a VXI that expands (clouds member by member) to more than
    MAX_EXPANDED_COMPONENTS components or MAX_EXPANDED_LINKS links: refused here, before an embedding or a
    deployment allocates for each member or each pair of members (a 400-byte group of 3,000 members all to all
    is 4.5 million links)."""
    found = []
    members = {}
    for comp in vxi.components.values():
        members[comp.id] = max(comp.cardinality, 0) if isinstance(comp, Cloud) else 1
        if isinstance(comp, Cloud) and comp.cardinality > MAX_CLOUD_MEMBERS:
            found.append(_problem("too-many-members", comp, _component_element(comp),
                                  f"a group of {comp.cardinality:,} members is over the limit of "
                                  f"{MAX_CLOUD_MEMBERS:,} members per group"))
    if found:
        return found
    expanded = sum(members.values())
    if expanded > MAX_EXPANDED_COMPONENTS:
        return [Problem("error", "too-many-components", vxi.id,
                        f"the VXI expands to {expanded:,} components (groups counted member by member), over "
                        f"the limit of {MAX_EXPANDED_COMPONENTS:,}", element="virtualInfrastructure")]
    links = sum(comp.internal_link_count() for comp in vxi.components.values() if isinstance(comp, Cloud))
    links += sum(members.get(link.source, 1) * members.get(link.destination, 1) for link in vxi.links.values())
    if links > MAX_EXPANDED_LINKS:
        return [Problem("error", "too-many-links", vxi.id,
                        f"the VXI expands to {links:,} links (member to member, the groups' own organisation "
                        f"included), over the limit of {MAX_EXPANDED_LINKS:,}", element="virtualInfrastructure")]
    leases = {(r.lease.start, r.lease.duration) for r in (*vxi.components.values(), *vxi.links.values())
              if not r.lease.is_empty()}
    if len(leases) > MAX_DISTINCT_LEASES:
        return [Problem("error", "too-many-leases", vxi.id,
                        f"its resources have {len(leases):,} different leases, over the limit of "
                        f"{MAX_DISTINCT_LEASES:,} (give resources that start and end together the same lease)",
                        element="virtualInfrastructure")]
    return []


def validate_infrastructure(vxi: Infrastructure) -> list[Problem]:
    """Every semantic problem of a VXI, errors and warnings."""
    found: list[Problem] = _size_problems(vxi)
    found += _own_lease_problems(vxi, "virtualInfrastructure")
    found += _id_problems(vxi)
    events = {e.id for e in vxi.timeline}
    ends = vxi.link_end_counts()
    checks = _QuantityChecks()
    fine = checks.fine
    for comp in vxi.components.values():
        element = _component_element(comp)
        for what, q in _component_quantities(comp):
            if q is not None and id(q) not in fine:
                found += checks.check(q, what, comp, element, events)
        found += _lease_problems(vxi, comp, element)
        if isinstance(comp, Cloud) and comp.cardinality < 1:
            found.append(_problem("bad-cardinality", comp, element, "a group needs at least one member"))
        if isinstance(comp, Router):
            if len(set(comp.ports)) != len(comp.ports):
                found.append(_problem("duplicate-port", comp, element, "two ports have the same name"))
            used = ends.get(comp.id, 0)
            if used > len(comp.ports):
                found.append(_problem("ports-exhausted", comp, element,
                                      f"{used} links end on this router but it has only {len(comp.ports)} ports"))
    for link in vxi.links.values():
        if not _plainly_fine_link(link, vxi.components, fine):
            found += _link_problems(vxi, link, checks)
    found += _duplicate_links(vxi)
    for period in vxi.periods:
        if period.duration <= 0:
            found.append(Problem("error", "bad-period", period.name,
                                 f"period '{period.name}' must last longer than zero", element="period"))
    return found


def _ends(link: Link) -> frozenset:
    return frozenset((link.source, link.destination, link.source_port, link.destination_port))


def _duplicate_links(vxi: Infrastructure) -> list[Problem]:
    """Links that join the same ends as an earlier one. The hashes of every link's ends are sorted first; only
    links whose hash repeats are then compared by their ends (a set kept per link took 27 MB for 100,000)."""
    ordered = sorted(hash(_ends(link)) for link in vxi.links.values())
    repeated = {a for a, b in pairwise(ordered) if a == b}
    del ordered
    found = []
    seen: dict[frozenset, Link] = {}
    for link in vxi.links.values():
        ends = _ends(link)
        if hash(ends) not in repeated:
            continue
        first = seen.setdefault(ends, link)
        if first is not link:
            found.append(_problem("duplicate-link", link, "vLink", f"joins the same ends as link '{first.id}'",
                                  "warning"))
    return found


def _id_problems(design) -> list[Problem]:
    """Ids that are empty once spaces are trimmed (`<id> </id>`): nothing could refer to them."""
    found = []
    for what, items in (("component", getattr(design, "components", None) or getattr(design, "hosts", {})),
                        ("link", design.links)):
        for obj in items.values():
            if not obj.id.strip():
                found.append(_problem("empty-id", obj, "vLink" if what == "link" else "vNode",
                                      f"a {what} needs a non-empty id"))
    return found


def validate_substrate(sub: Substrate) -> list[Problem]:
    """Every semantic problem of a substrate."""
    found: list[Problem] = _id_problems(sub)
    for host in sub.hosts.values():
        for what, q in (("cores", host.cores), ("memory", host.memory), ("storage", host.storage),
                        ("capacity", host.capacity)):
            found += check_quantity(q, what, host, "vNode")
        if host.cores is None:
            found.append(_problem("no-capacity", host, "vNode", "the host declares no cores", "warning"))
    for link in sub.links.values():
        for end, role in ((link.source, "source"), (link.destination, "destination")):
            if end not in sub.hosts:
                found.append(_problem("dangling-reference", link, "vLink",
                                      f"the link's {role} '{end}' is not a host of this substrate"))
        if link.source == link.destination:
            found.append(_problem("self-link", link, "vLink", "a link must join two different hosts"))
        for what, q in (("forward bandwidth", link.forward), ("reverse bandwidth", link.reverse),
                        ("latency", link.latency)):
            found += check_quantity(q, what, link, "vLink")
    return found


def anchor_problems(vxi: Infrastructure, substrate: Substrate) -> list[Problem]:
    """Anchors (locations) that no host of the substrate has. A location names a site; it names a host id
    only when no host is at that site and host ids are not also site names (the embedding's rule)."""
    sites = {h.site for h in substrate.hosts.values() if h.site is not None}
    if not sites & set(substrate.hosts):
        sites |= set(substrate.hosts)
    found = []
    for comp in vxi.components.values():
        if comp.location is not None and comp.location not in sites:
            found.append(_problem("unknown-anchor", comp, _component_element(comp),
                                  f"no host of substrate '{substrate.id}' is at location '{comp.location}'"))
    return found

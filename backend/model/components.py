"""The parts of a VXI: nodes, storage, routers with ports, access points, clouds and links."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from backend.model import units
from backend.model.quantity import Quantity
from backend.model.shared import EMPTY_DICT, EMPTY_LIST, ReadAt, empty_dict, empty_list, port_names
from backend.model.timing import NO_LEASE, Lease

NODE, STORAGE, ROUTER, ACCESS_POINT, CLOUD = "node", "storage", "router", "access_point", "cloud"
KINDS = (NODE, STORAGE, ROUTER, ACCESS_POINT, CLOUD)
FUNCTIONS = ("compute", "storage", "router", "gateway", "sender", "receiver")
CLOUD_ORGANISATIONS = ("none", "all-to-all", "star", "ring", "chain")


@dataclass(slots=True)
class Tag:
    """A free key/value label."""

    key: str
    value: str


@dataclass(slots=True)
class Component(ReadAt):
    """What every VXI resource has: id, anchor, lease, model, exclusivity, tags, function, position.

    `opaque` keeps VXDL elements the model does not interpret (raw XML by element name) and
    `extensions` foreign-namespace elements, so that nothing read is lost on writing.
    """

    id: str
    location: str | None = None
    lease: Lease = NO_LEASE
    model: str | None = None
    exclusivity: bool | None = None
    tags: list[Tag] = field(default_factory=empty_list)
    function: str | None = None
    position: tuple[float, float] | None = None
    opaque: dict[str, list[str]] = field(default_factory=empty_dict)
    extensions: list[str] = field(default_factory=empty_list)
    at_line: int | None = field(default=None, compare=False, repr=False)  # where it was read (see origin)

    kind = "component"


@dataclass(slots=True)
class Node(Component):
    """A virtual compute node (a VM): cores, frequency, memory, storage, image."""

    cores: Quantity | None = None
    frequency: Quantity | None = None
    architecture: str | None = None
    memory: Quantity | None = None
    storage: Quantity | None = None
    image: str | None = None
    region: str | None = None

    kind = NODE


@dataclass(slots=True)
class Storage(Component):
    """A virtual storage resource."""

    type: str | None = None
    image: str | None = None
    region: str | None = None
    size: Quantity | None = None

    kind = STORAGE


@dataclass(slots=True)
class Route:
    """One entry of a virtual router's routing table."""

    source: str
    destination: str
    link_in: str | None = None
    link_out: str | None = None


@dataclass(slots=True)
class ControlPlane:
    """A virtual router's control plane as VXDL 2.0 describes it."""

    layer: str | None = None
    type: str | None = None
    routing_protocol: str | None = None
    table_size: int | None = None
    routes: list[Route] = field(default_factory=empty_list)


@dataclass(slots=True)
class Router(Component):
    """A virtual router with named ports (4 by default); links attach to ports."""

    region: str | None = None
    memory: Quantity | None = None
    cores: Quantity | None = None
    control_plane: ControlPlane | None = None
    ports: list[str] = field(default_factory=lambda: port_names(4))

    kind = ROUTER


@dataclass(slots=True)
class Service:
    """A service of an access point: nat, loadBalancer or masquerade, with its fields in order."""

    kind: str
    fields: list[tuple[str, str]] = field(default_factory=empty_list)


@dataclass(slots=True)
class AccessPoint(Component):
    """An access point to the outside world (NAT, load balancer, masquerade)."""

    region: str | None = None
    services: list[Service] = field(default_factory=empty_list)

    kind = ACCESS_POINT


@dataclass(slots=True)
class Cloud(Component):
    """A group of `cardinality` identical members (VXDL's vArray), made from a template node."""

    cardinality: int = 2
    template: Component = field(default_factory=lambda: Node(id="member"))
    organisation: str = "none"
    internal_bandwidth: Quantity | None = None
    internal_latency: Quantity | None = None

    kind = CLOUD

    def member_ids(self) -> list[str]:
        """Names of the members once expanded: CLOUD#0, CLOUD#1, ..."""
        return [f"{self.id}#{i}" for i in range(self.cardinality)]

    def internal_pairs(self) -> Iterator[tuple[int, int]]:
        """The members (by index) its organisation links: all-to-all, star, chain or ring; none otherwise."""
        n = self.cardinality
        if self.organisation == "all-to-all":
            return ((i, j) for i in range(n) for j in range(i + 1, n))
        if self.organisation == "star":
            return ((0, j) for j in range(1, n))
        if self.organisation == "chain":
            return ((i, i + 1) for i in range(n - 1))
        if self.organisation == "ring" and n > 2:
            return ((i, (i + 1) % n) for i in range(n))
        if self.organisation == "ring":
            return ((i, i + 1) for i in range(n - 1))
        return iter(())

    def internal_link_count(self) -> int:
        """How many links `internal_pairs` gives, counted without making them."""
        n = max(self.cardinality, 0)
        if n < 2:
            return 0
        return {"all-to-all": n * (n - 1) // 2, "star": n - 1, "chain": n - 1,
                "ring": n if n > 2 else n - 1}.get(self.organisation, 0)


@dataclass(slots=True)
class LinkConfig:
    """A link's bandwidth and latency during one named period."""

    forward: Quantity | None = None
    reverse: Quantity | None = None
    latency: Quantity | None = None


@dataclass
class _LinkFields:
    """A link's fields as `dataclasses.fields`, `replace` and `asdict` see them (Link stores them compactly)."""

    id: str
    source: str
    destination: str
    source_port: str | None = None
    destination_port: str | None = None
    forward: Quantity | None = None
    reverse: Quantity | None = None
    latency: Quantity | None = None
    lease: Lease = NO_LEASE
    periods: dict[str, LinkConfig] = field(default_factory=empty_dict)
    opaque: dict[str, list[str]] = field(default_factory=empty_dict)
    extensions: list[str] = field(default_factory=empty_list)
    at_line: int | None = field(default=None, compare=False, repr=False)


class LinkMore:
    """What few links have (ports, a lease, periods, unread elements), one object shared by every link without
    them (NO_MORE, never changed: a link given any of them gets its own)."""

    __slots__ = RARE_LINK_FIELDS = ("source_port", "destination_port", "lease", "periods", "opaque", "extensions")

    def __init__(self, source_port=None, destination_port=None, lease=NO_LEASE, periods=EMPTY_DICT,
                 opaque=EMPTY_DICT, extensions=EMPTY_LIST):
        self.source_port, self.destination_port, self.lease = source_port, destination_port, lease
        self.periods, self.opaque, self.extensions = periods, opaque, extensions

    def values(self) -> tuple:
        return (self.source_port, self.destination_port, self.lease, self.periods, self.opaque, self.extensions)


NO_MORE = LinkMore()


def _rare(name: str) -> property:
    def get(link):
        return getattr(link._more, name)

    def set_(link, value):
        more = link._more
        if more is NO_MORE:
            if value is getattr(NO_MORE, name):
                return
            more = link._more = LinkMore(*NO_MORE.values())
        setattr(more, name, value)

    return property(get, set_, doc=f"The link's {name.replace('_', ' ')} (kept in its LinkMore).")


class Link(ReadAt):
    """A virtual link: forward is source to destination; a one-way link has no reverse bandwidth.

    A dataclass to `dataclasses` (fields, replace, asdict), stored in 8 slots: a bare link of a large document is
    96 bytes, not 136; ports, lease, periods and unread elements are in `_more`, shared while a link has none."""

    __slots__ = ("_more", "at_line", "destination", "forward", "id", "latency", "reverse", "source")
    __dataclass_fields__ = _LinkFields.__dataclass_fields__
    __dataclass_params__ = _LinkFields.__dataclass_params__
    __match_args__ = _LinkFields.__match_args__
    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value, as a dataclass

    source_port = _rare("source_port")
    destination_port = _rare("destination_port")
    lease = _rare("lease")
    periods = _rare("periods")
    opaque = _rare("opaque")
    extensions = _rare("extensions")

    def __init__(self, id: str, source: str, destination: str, source_port: str | None = None,
                 destination_port: str | None = None, forward: Quantity | None = None,
                 reverse: Quantity | None = None, latency: Quantity | None = None, lease: Lease = NO_LEASE,
                 periods: dict[str, LinkConfig] = EMPTY_DICT, opaque: dict[str, list[str]] = EMPTY_DICT,
                 extensions: list[str] = EMPTY_LIST, at_line: int | None = None) -> None:
        self.id, self.source, self.destination = id, source, destination
        self.forward, self.reverse, self.latency, self.at_line = forward, reverse, latency, at_line
        if source_port is None and destination_port is None and lease is NO_LEASE and periods is EMPTY_DICT \
                and opaque is EMPTY_DICT and extensions is EMPTY_LIST:
            self._more = NO_MORE
        else:
            self._more = LinkMore(source_port, destination_port, lease, periods, opaque, extensions)

    def _compared(self) -> tuple:
        return (self.id, self.source, self.destination, self.source_port, self.destination_port, self.forward,
                self.reverse, self.latency, self.lease, self.periods, self.opaque, self.extensions)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._compared() == other._compared()

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in _LINK_SHOWN)
        return f"{type(self).__qualname__}({shown})"

    def __getstate__(self):  # copies and pickles: a copy's containers are its own (as a copy of a shared empty)
        return (self.id, self.source, self.destination, self.forward, self.reverse, self.latency, self.at_line,
                self._more.values())

    def __setstate__(self, state) -> None:
        *main, more = state
        self.id, self.source, self.destination, self.forward, self.reverse, self.latency, self.at_line = main
        self._more = LinkMore(*more)

    kind = "link"

    @property
    def one_way(self) -> bool:
        """True when traffic flows only from source to destination."""
        return self.forward is not None and self.reverse is None

    def config_for(self, period: str | None) -> LinkConfig:
        """Bandwidth and latency in force during `period` (the link's own values outside periods)."""
        base = LinkConfig(self.forward, self.reverse, self.latency)
        if period is None or period not in self.periods:
            return base
        own = self.periods[period]
        return LinkConfig(own.forward or base.forward, own.reverse or base.reverse, own.latency or base.latency)

    def idle_in(self, period: str | None) -> bool:
        """True when the link carries nothing during `period`: its bandwidth there is zero both ways it has."""
        if not period or period not in self.periods:
            return False
        config = self.config_for(period)
        rates = [q.demand() for q in (config.forward, config.reverse) if q is not None]
        return bool(rates) and all(not rate for rate in rates)

    def periods_with_activity(self, period: str, active: bool) -> dict[str, LinkConfig]:
        """The link's per-period values with `period` made active (its own bandwidth again, latency kept) or
        idle (zero bandwidth each way the link has); a copy, the link is unchanged."""
        periods = copy.deepcopy(self.periods)
        config = periods.get(period, LinkConfig())
        if active:
            zero = [name for name in ("forward", "reverse") if _is_zero(getattr(config, name))]
            config = replace(config, **{name: None for name in zero})
        else:
            none = Quantity.simple(units.BANDWIDTH, 0)
            config = replace(config, forward=none, reverse=none if self.reverse is not None else None)
        if config == LinkConfig():
            periods.pop(period, None)
        else:
            periods[period] = config
        return periods


_LINK_SHOWN = tuple(f.name for f in _LinkFields.__dataclass_fields__.values() if f.repr)


def _is_zero(quantity: Quantity | None) -> bool:
    return quantity is not None and quantity.demand() == 0

"""The physical substrate: hosts and physical links, some of them provisioned (on demand)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

from backend.model.events import Change, Observable
from backend.model.quantity import Quantity
from backend.model.timing import Lease


@dataclass
class Host:
    """A physical host: capacities, site, availability, the libvirt URI that manages it.

    `provisioned` marks a host that exists but is allocated only on demand (drawn dashed).
    `capacity` is the hypervisor's forwarding capacity (bit/s) that its virtual routers share.
    """

    id: str
    cores: Quantity | None = None
    frequency: Quantity | None = None
    memory: Quantity | None = None
    storage: Quantity | None = None
    site: str | None = None
    provisioned: bool = False
    availability: Lease = field(default_factory=Lease)
    uri: str | None = None
    capacity: Quantity | None = None
    tags: list = field(default_factory=list)
    position: tuple[float, float] | None = None
    opaque: dict[str, list[str]] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    kind = "host"


@dataclass
class PhysicalLink:
    """A physical link with bandwidth per direction and latency."""

    id: str
    source: str
    destination: str
    forward: Quantity | None = None
    reverse: Quantity | None = None
    latency: Quantity | None = None
    provisioned: bool = False
    opaque: dict[str, list[str]] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)
    origin: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    kind = "physical_link"

    def capacity(self, direction: str) -> float:
        """Bandwidth in bit/s one way ('forward' or 'reverse'); reverse defaults to forward."""
        q = self.forward if direction == "forward" else (self.reverse or self.forward)
        value = q.demand() if q else None
        return float(value or 0.0)


@dataclass
class Substrate(Observable):
    """The physical infrastructure that VXIs are embedded on."""

    id: str = "substrate"
    lease: Lease = field(default_factory=Lease)
    owner: str | None = None
    users: list[str] = field(default_factory=list)
    hosts: dict[str, Host] = field(default_factory=dict)
    links: dict[str, PhysicalLink] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)

    role = "substrate"

    @property
    def components(self) -> dict[str, Host]:
        """Hosts, under the name views use for any document."""
        return self.hosts

    def links_of(self, host_id: str) -> list[PhysicalLink]:
        """Physical links at a host."""
        return [lk for lk in self.links.values() if host_id in (lk.source, lk.destination)]

    def add_component(self, host: Host, index: int | None = None) -> None:
        """Add a host."""
        if host.id in self.hosts or host.id in self.links:
            from backend.model.infrastructure import ModelError

            raise ModelError(f"id '{host.id}' is already used")
        items = list(self.hosts.items())
        items.insert(len(items) if index is None else index, (host.id, host))
        self.hosts = dict(items)
        self.notify(Change("added", "component", host.id))

    def remove_component(self, host_id: str) -> Host:
        """Remove a host (its links first)."""
        host = self.hosts.pop(host_id)
        self.notify(Change("removed", "component", host_id))
        return host

    def index_of(self, host_id: str) -> int:
        """Position of a host in document order."""
        return list(self.hosts).index(host_id)

    def add_link(self, link: PhysicalLink) -> None:
        """Add a physical link between two hosts."""
        from backend.model.infrastructure import ModelError

        if link.id in self.links or link.id in self.hosts:
            raise ModelError(f"id '{link.id}' is already used")
        for end in (link.source, link.destination):
            if end not in self.hosts:
                raise ModelError(f"no host '{end}'")
        self.links[link.id] = link
        self.notify(Change("added", "link", link.id))

    def remove_link(self, link_id: str) -> PhysicalLink:
        """Remove a physical link."""
        link = self.links.pop(link_id)
        self.notify(Change("removed", "link", link_id))
        return link

    def update(self, object_id: str, **values: object) -> dict[str, object]:
        """Set fields of a host or link; returns the previous values."""
        target = self.hosts.get(object_id) or self.links.get(object_id)
        names = {f.name for f in fields(target)}
        old = {}
        for name, value in values.items():
            if name not in names or name == "id":
                from backend.model.infrastructure import ModelError

                raise ModelError(f"'{object_id}' has no editable field '{name}'")
            old[name] = copy.deepcopy(getattr(target, name))
            setattr(target, name, value)
        what = "link" if isinstance(target, PhysicalLink) else "component"
        self.notify(Change("changed", what, object_id, tuple(values)))
        return old

    def new_id(self, prefix: str) -> str:
        """An unused id such as host3."""
        taken = set(self.hosts) | set(self.links)
        i = 1
        while f"{prefix}{i}" in taken:
            i += 1
        return f"{prefix}{i}"

    def clone(self) -> Substrate:
        """A deep copy without listeners."""
        listeners, self._listeners = self._listeners, []
        try:
            return copy.deepcopy(self)
        finally:
            self._listeners = listeners

    def validate(self):
        """Semantic problems of this substrate."""
        from backend.model.rules import validate_substrate

        return validate_substrate(self)

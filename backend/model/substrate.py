"""The physical substrate: hosts and physical links, some of them provisioned (on demand)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.model.design import Design
from backend.model.errors import ModelError
from backend.model.quantity import Problem, Quantity
from backend.model.rules import validate_substrate
from backend.model.shared import ReadAt, empty_dict, empty_list
from backend.model.timing import NO_LEASE, Lease


@dataclass(slots=True)
class Host(ReadAt):
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
    availability: Lease = NO_LEASE
    uri: str | None = None
    capacity: Quantity | None = None
    tags: list = field(default_factory=empty_list)
    position: tuple[float, float] | None = None
    opaque: dict[str, list[str]] = field(default_factory=empty_dict)
    extensions: list[str] = field(default_factory=empty_list)
    at_line: int | None = field(default=None, compare=False, repr=False)  # where it was read (see origin)

    kind = "host"


@dataclass(slots=True)
class PhysicalLink(ReadAt):
    """A physical link with bandwidth per direction and latency."""

    id: str
    source: str
    destination: str
    forward: Quantity | None = None
    reverse: Quantity | None = None
    latency: Quantity | None = None
    provisioned: bool = False
    opaque: dict[str, list[str]] = field(default_factory=empty_dict)
    extensions: list[str] = field(default_factory=empty_list)
    at_line: int | None = field(default=None, compare=False, repr=False)  # where it was read (see origin)

    kind = "physical_link"

    def capacity(self, direction: str) -> float:
        """Bandwidth in bit/s one way ('forward' or 'reverse'); reverse defaults to forward."""
        q = self.forward if direction == "forward" else (self.reverse or self.forward)
        value = q.demand() if q else None
        return float(value or 0.0)


@dataclass
class Substrate(Design):
    """The physical infrastructure that VXIs are embedded on."""

    id: str = "substrate"
    lease: Lease = NO_LEASE
    owner: str | None = None
    users: list[str] = field(default_factory=list)
    description: str | None = None
    hosts: dict[str, Host] = field(default_factory=dict)
    links: dict[str, PhysicalLink] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)

    role = "substrate"
    element = "host"
    id_change_refused = "a host's id cannot be changed"

    @property
    def components(self) -> dict[str, Host]:
        """Hosts, under the name views and the base's edits use for any document."""
        return self.hosts

    @components.setter
    def components(self, hosts: dict[str, Host]) -> None:
        self.hosts = hosts

    def _check_link(self, link: PhysicalLink) -> None:
        """Both ends are hosts of this substrate."""
        for end in (link.source, link.destination):
            if end not in self.hosts:
                raise ModelError(f"no host '{end}'")

    def validate(self) -> list[Problem]:
        """Semantic problems of this substrate (see backend.model.rules)."""
        return validate_substrate(self)

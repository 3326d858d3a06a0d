"""A VXI: its components, links, lease, timeline and periods, with change events."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.model.components import Component, Link, Router
from backend.model.design import Design
from backend.model.errors import ModelError
from backend.model.events import Change
from backend.model.quantity import Problem
from backend.model.rules import validate_infrastructure
from backend.model.timing import NO_LEASE, Lease, Period, TimelineEvent


@dataclass
class Infrastructure(Design):
    """A virtual infrastructure: the single source of truth that views and commands share."""

    id: str = "vxi"
    location: str | None = None
    lease: Lease = NO_LEASE
    owner: str | None = None
    users: list[str] = field(default_factory=list)
    description: str | None = None
    components: dict[str, Component] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)

    role = "request"
    id_change_refused = "use rename() to change an id"

    # ----- queries -----
    def component(self, component_id: str) -> Component:
        """The component with this id (ModelError when there is none)."""
        try:
            return self.components[component_id]
        except KeyError:
            raise ModelError(f"no component '{component_id}'") from None

    def used_ports(self, router_id: str) -> list[str]:
        """Ports of a router taken by links (a link without a port takes the first free one)."""
        used: list[str] = []
        for link in self.links_of(router_id):
            if link.source == router_id and link.source_port:
                used.append(link.source_port)
            if link.destination == router_id and link.destination_port:
                used.append(link.destination_port)
        return used

    def port_count_used(self, router_id: str) -> int:
        """How many link ends sit on this router."""
        return sum((lk.source == router_id) + (lk.destination == router_id) for lk in self.links_of(router_id))

    def link_end_counts(self) -> dict[str, int]:
        """How many link ends sit on each component, in one pass over the links."""
        counts: dict[str, int] = {}
        for link in self.links.values():
            counts[link.source] = counts.get(link.source, 0) + 1
            counts[link.destination] = counts.get(link.destination, 0) + 1
        return counts

    def free_port(self, router_id: str) -> str | None:
        """The first port of a router with no link, or None when all are used."""
        router = self.component(router_id)
        if not isinstance(router, Router):
            return None
        if self.port_count_used(router_id) >= len(router.ports):
            return None
        explicit = self.used_ports(router_id)
        implicit = self.port_count_used(router_id) - len(explicit)
        free = [p for p in router.ports if p not in set(explicit)]
        return free[implicit] if implicit < len(free) else None

    # ----- edits (each notifies) -----
    def _check_link(self, link: Link) -> None:
        """Both ends exist and differ; a router end needs a free port (the one named, if any)."""
        for end, port in ((link.source, link.source_port), (link.destination, link.destination_port)):
            comp = self.component(end)
            if isinstance(comp, Router):
                if self.port_count_used(end) >= len(comp.ports):
                    raise ModelError(f"router '{end}' has all its {len(comp.ports)} ports in use")
                if port is not None and port not in comp.ports:
                    raise ModelError(f"router '{end}' has no port '{port}'")
                if port is not None and port in self.used_ports(end):
                    raise ModelError(f"port '{port}' of router '{end}' is already used")
        if link.source == link.destination:
            raise ModelError("a link needs two different ends")

    def rename(self, old_id: str, new_id: str) -> None:
        """Change a component's id and every reference to it."""
        self._check_unused(new_id)
        if old_id in self.links:
            self.links = {(new_id if k == old_id else k): v for k, v in self.links.items()}
            self.links[new_id].id = new_id
            self.notify(Change("renamed", "link", new_id, (old_id,)))
            return
        comp = self.component(old_id)
        comp.id = new_id
        self.components = {(new_id if k == old_id else k): v for k, v in self.components.items()}
        for link in self.links.values():
            if link.source == old_id:
                link.source = new_id
            if link.destination == old_id:
                link.destination = new_id
        self.notify(Change("renamed", "component", new_id, (old_id,)))

    def period(self, name: str) -> Period | None:
        """The named period, or None."""
        return next((p for p in self.periods if p.name == name), None)

    def validate(self) -> list[Problem]:
        """Semantic problems of this infrastructure (see backend.model.rules)."""
        return validate_infrastructure(self)

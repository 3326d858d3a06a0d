"""A VXI: its components, links, lease, timeline and periods, with change events."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

from backend.model.components import Cloud, Component, Link, Router
from backend.model.events import Change, Observable
from backend.model.timing import Lease, Period, TimelineEvent


class ModelError(ValueError):
    """An edit the model refuses (a duplicate id, a missing component, a full router)."""


@dataclass
class Infrastructure(Observable):
    """A virtual infrastructure: the single source of truth that views and commands share."""

    id: str = "vxi"
    location: str | None = None
    lease: Lease = field(default_factory=Lease)
    owner: str | None = None
    users: list[str] = field(default_factory=list)
    components: dict[str, Component] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)

    role = "request"

    # ----- queries -----
    def component(self, component_id: str) -> Component:
        """The component with this id (ModelError when there is none)."""
        try:
            return self.components[component_id]
        except KeyError:
            raise ModelError(f"no component '{component_id}'") from None

    def links_of(self, component_id: str) -> list[Link]:
        """Links with `component_id` at one end."""
        return [lk for lk in self.links.values() if component_id in (lk.source, lk.destination)]

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

    def new_id(self, prefix: str) -> str:
        """An id not used by any component or link, such as node3."""
        taken = set(self.components) | set(self.links)
        i = 1
        while f"{prefix}{i}" in taken:
            i += 1
        return f"{prefix}{i}"

    def expanded_ids(self) -> list[str]:
        """Component ids with clouds expanded into their members."""
        ids: list[str] = []
        for comp in self.components.values():
            ids.extend(comp.member_ids() if isinstance(comp, Cloud) else [comp.id])
        return ids

    # ----- edits (each notifies) -----
    def add_component(self, component: Component, index: int | None = None) -> None:
        """Add a component; its id must be new."""
        if component.id in self.components or component.id in self.links:
            raise ModelError(f"id '{component.id}' is already used")
        if index is None or index >= len(self.components):
            self.components[component.id] = component
        else:
            items = list(self.components.items())
            items.insert(index, (component.id, component))
            self.components = dict(items)
        self.notify(Change("added", "component", component.id))

    def remove_component(self, component_id: str) -> Component:
        """Remove a component (its links must be removed first)."""
        if self.links_of(component_id):
            raise ModelError(f"'{component_id}' still has links")
        comp = self.components.pop(component_id)
        self.notify(Change("removed", "component", component_id))
        return comp

    def index_of(self, component_id: str) -> int:
        """Position of a component in document order."""
        return list(self.components).index(component_id)

    def add_link(self, link: Link) -> None:
        """Add a link between two existing components, refusing a full router."""
        if link.id in self.links or link.id in self.components:
            raise ModelError(f"id '{link.id}' is already used")
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
        self.links[link.id] = link
        self.notify(Change("added", "link", link.id))

    def remove_link(self, link_id: str) -> Link:
        """Remove a link."""
        link = self.links.pop(link_id)
        self.notify(Change("removed", "link", link_id))
        return link

    def update(self, object_id: str, **values: object) -> dict[str, object]:
        """Set fields of a component or link; returns the previous values (for undo)."""
        target = self.components.get(object_id) or self.links.get(object_id)
        if target is None:
            raise ModelError(f"no component or link '{object_id}'")
        names = {f.name for f in fields(target)}
        old: dict[str, object] = {}
        for name, value in values.items():
            if name not in names:
                raise ModelError(f"'{object_id}' has no field '{name}'")
            if name == "id":
                raise ModelError("use rename() to change an id")
            old[name] = copy.deepcopy(getattr(target, name))
            setattr(target, name, value)
        what = "link" if isinstance(target, Link) else "component"
        self.notify(Change("changed", what, object_id, tuple(values)))
        return old

    def rename(self, old_id: str, new_id: str) -> None:
        """Change a component's id and every reference to it."""
        if new_id in self.components or new_id in self.links:
            raise ModelError(f"id '{new_id}' is already used")
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

    def set_properties(self, **values: object) -> dict[str, object]:
        """Set fields of the infrastructure itself (id, lease, periods, ...); returns old values."""
        old = {}
        for name, value in values.items():
            old[name] = copy.deepcopy(getattr(self, name))
            setattr(self, name, value)
        self.notify(Change("changed", "infrastructure", self.id, tuple(values)))
        return old

    def replace_all(self, other: Infrastructure) -> None:
        """Take every field of `other` (used to open a file into an existing document)."""
        for f in fields(self):
            if not f.name.startswith("_"):
                setattr(self, f.name, getattr(other, f.name))
        self.notify(Change("reset", "infrastructure", self.id))

    def clone(self) -> Infrastructure:
        """A deep copy without listeners."""
        listeners, self._listeners = self._listeners, []
        try:
            return copy.deepcopy(self)
        finally:
            self._listeners = listeners

    def validate(self):
        """Semantic problems of this infrastructure (see backend.model.rules)."""
        from backend.model.rules import validate_infrastructure

        return validate_infrastructure(self)

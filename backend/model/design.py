"""What a VXI and a substrate share: elements and links by id in document order, edits that notify
listeners (so that undo commands and views work on either), new ids and copies."""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import fields
from itertools import chain
from typing import Any, TypeVar

from backend.model.errors import ModelError
from backend.model.events import Change, Observable
from backend.model.quantity import Problem

D = TypeVar("D", bound="Design")


class Design(Observable, ABC):
    """The base of `Infrastructure` and `Substrate`, which are dataclasses declaring `components`
    (elements by id, in document order) and `links`; `element` names an element in messages."""

    components: dict[str, Any]
    links: dict[str, Any]
    element = "component"
    id_change_refused = "an id cannot be changed"

    # ----- queries -----
    def links_of(self, element_id: str) -> list:
        """Links with `element_id` at one end."""
        return [lk for lk in self.links.values() if element_id in (lk.source, lk.destination)]

    def index_of(self, element_id: str) -> int:
        """Position of an element in document order."""
        return list(self.components).index(element_id)

    def new_id(self, prefix: str) -> str:
        """An id used by no element and no link, such as node3."""
        taken = set(self.components) | set(self.links)
        i = 1
        while f"{prefix}{i}" in taken:
            i += 1
        return f"{prefix}{i}"

    def forget_lines(self) -> None:
        """Forget the line each element and link was read at (`origin`), for a command that says nothing more of
        the document's lines once read: an int object each (`vxi embed` of 100,000 links: 3.8 MB less)."""
        for element in chain(self.components.values(), self.links.values()):
            element.at_line = None

    @abstractmethod
    def validate(self) -> list[Problem]:
        """Semantic problems of this document (see backend.model.rules)."""

    # ----- edits (each notifies) -----
    def add_component(self, element: Any, index: int | None = None) -> None:
        """Add an element at `index` in document order (at the end by default); its id must be new."""
        self._check_unused(element.id)
        if index is None or index >= len(self.components):
            self.components[element.id] = element
        else:
            items = list(self.components.items())
            items.insert(index, (element.id, element))
            self.components = dict(items)
        self.notify(Change("added", "component", element.id))

    def remove_component(self, element_id: str) -> Any:
        """Remove an element (its links must be removed first)."""
        if self.links_of(element_id):
            raise ModelError(f"'{element_id}' still has links")
        element = self.components.pop(element_id)
        self.notify(Change("removed", "component", element_id))
        return element

    def add_link(self, link: Any) -> None:
        """Add a link between two existing elements, if the document's rules for links allow it."""
        self._check_unused(link.id)
        self._check_link(link)
        self.links[link.id] = link
        self.notify(Change("added", "link", link.id))

    def remove_link(self, link_id: str) -> Any:
        """Remove a link."""
        link = self.links.pop(link_id)
        self.notify(Change("removed", "link", link_id))
        return link

    def update(self, object_id: str, **values: object) -> dict[str, object]:
        """Set fields of an element or link, all or none; returns the previous values (for undo)."""
        target = self.components.get(object_id) or self.links.get(object_id)
        if target is None:
            raise ModelError(f"no {self.element} or link '{object_id}'")
        names = {f.name for f in fields(target)}
        for name in values:
            if name not in names:
                raise ModelError(f"'{object_id}' has no field '{name}'")
            if name == "id":
                raise ModelError(self.id_change_refused)
        old: dict[str, object] = {}
        for name, value in values.items():
            old[name] = copy.deepcopy(getattr(target, name))
            setattr(target, name, value)
        what = "component" if object_id in self.components else "link"
        self.notify(Change("changed", what, object_id, tuple(values)))
        return old

    def set_properties(self, **values: object) -> dict[str, object]:
        """Set fields of the document itself (id, description, owner, users, lease, periods, ...), all or none;
        returns the previous values (for undo)."""
        for name in values:
            if name in ("components", "links", "hosts") or not hasattr(self, name) or name.startswith("_"):
                raise ModelError(f"the {self.role} document has no field '{name}'")
        old: dict[str, object] = {}
        for name, value in values.items():
            old[name] = copy.deepcopy(getattr(self, name))
            setattr(self, name, value)
        self.notify(Change("changed", "infrastructure", self.id, tuple(values)))
        return old

    def clone(self: D) -> D:
        """A deep copy without listeners."""
        listeners, self._listeners = self._listeners, []
        try:
            return copy.deepcopy(self)
        finally:
            self._listeners = listeners

    # ----- what each kind of document checks -----
    def _check_unused(self, ident: str) -> None:
        if ident in self.components or ident in self.links:
            raise ModelError(f"id '{ident}' is already used")

    def _check_link(self, link: Any) -> None:
        """Refuse a link this document cannot take (ModelError); the base takes any."""

"""Copy, cut and paste of components with the links among them; pasted ids are new. What is copied also
travels as a small VXDL document, so it can be pasted into another designer or a text editor, and VXDL
text copied from elsewhere can be pasted onto the canvas."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from designer.factory import id_prefix
from designer.undo import AddComponent, AddLink, macro
from widgets.words import plural


@dataclass
class Snippet:
    """Copied components and the links whose both ends were copied."""

    components: list = field(default_factory=list)
    links: list = field(default_factory=list)
    pastes: int = 0


def snippet_of(model, component_ids: list[str]) -> Snippet:
    """Deep copies of the components and of the links between them."""
    chosen = set(component_ids)
    comps = [copy.deepcopy(model.components[i]) for i in model.components if i in chosen]
    links = [copy.deepcopy(lk) for lk in model.links.values() if lk.source in chosen and lk.destination in chosen]
    return Snippet(comps, links)


def snippet_to_vxdl(snippet: Snippet, substrate: bool) -> bytes:
    """The snippet as a VXDL document (a substrate's hosts and links, or a VXI's components and links)."""
    from backend.model import Infrastructure, Substrate
    from backend.vxdl import write_bytes

    if substrate:
        model = Substrate(id="clipboard")
        model.hosts = {c.id: copy.deepcopy(c) for c in snippet.components}
    else:
        model = Infrastructure(id="clipboard")
        model.components = {c.id: copy.deepcopy(c) for c in snippet.components}
    model.links = {lk.id: copy.deepcopy(lk) for lk in snippet.links}
    return write_bytes(model)


def snippet_from_vxdl(data: bytes) -> Snippet | None:
    """The components and links of VXDL text (None when it is not VXDL that reads without errors)."""
    from backend.vxdl import VxdlFileError, read_bytes

    try:
        result = read_bytes(data, "clipboard")
    except VxdlFileError:
        return None
    if result.model is None or result.errors:
        return None
    return Snippet(list(result.model.components.values()), list(result.model.links.values()))


def paste_macro(model, snippet: Snippet, offset: float = 40.0, verb: str = "Paste"):
    """One undo step adding the snippet under new ids, shifted; returns (command, new component ids). The step
    is named `verb` and what it adds: "Paste C", "Duplicate 3 components"."""
    snippet.pastes += 1
    shift = offset * snippet.pastes
    taken = set(model.components) | set(model.links)
    renames: dict[str, str] = {}

    def fresh(ident: str) -> str:
        prefix, i = id_prefix(ident), 1
        while f"{prefix}{i}" in taken:
            i += 1
        taken.add(f"{prefix}{i}")
        return f"{prefix}{i}"

    count = len(snippet.components)
    step = macro(f"{verb} {snippet.components[0].id if count == 1 else plural(count, 'component')}")
    new_ids = []
    for comp in snippet.components:
        clone = copy.deepcopy(comp)
        clone.id = renames[comp.id] = fresh(comp.id)
        x, y = comp.position or (0.0, 0.0)
        clone.position = (x + shift, y + shift)
        AddComponent(model, clone, None, step)
        new_ids.append(clone.id)
    for link in snippet.links:
        clone = copy.deepcopy(link)
        clone.id = fresh(link.id)
        clone.source, clone.destination = renames[link.source], renames[link.destination]
        AddLink(model, clone, step)
        new_ids.append(clone.id)
    return step, new_ids

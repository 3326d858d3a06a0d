"""Undo commands: each changes the model only (never scene items), through its public edits."""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from designer.edit_names import describe_document_edit, describe_edit, name_list, plural


class Macro(QUndoCommand):
    """Several commands run as one undo step (kept in Python, in order; undone in reverse)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.commands: list[QUndoCommand] = []

    def redo(self) -> None:
        for command in self.commands:
            command.redo()

    def undo(self) -> None:
        for command in reversed(self.commands):
            command.undo()


class Step(QUndoCommand):
    """A command that joins a Macro when given one as parent."""

    def __init__(self, text: str, parent: Macro | None = None) -> None:
        super().__init__(text)
        if parent is not None:
            parent.commands.append(self)


class AddComponent(Step):
    """Add a component or host."""

    def __init__(self, model, component, index: int | None = None, parent: Macro | None = None) -> None:
        kind = "provisioned host" if getattr(component, "provisioned", False) else component.kind.replace("_", " ")
        super().__init__(f"Add {kind} {component.id}", parent)
        self.model, self.component, self.index = model, copy.deepcopy(component), index

    def redo(self) -> None:
        self.model.add_component(copy.deepcopy(self.component), self.index)

    def undo(self) -> None:
        self.model.remove_component(self.component.id)


class RemoveComponent(Step):
    """Remove a component whose links are already gone; undo puts it back where it was."""

    def __init__(self, model, ident: str, parent: Macro | None = None) -> None:
        super().__init__(f"Delete {ident}", parent)
        self.model, self.ident = model, ident
        self.index = model.index_of(ident)
        self.component = copy.deepcopy(model.components[ident])

    def redo(self) -> None:
        self.model.remove_component(self.ident)

    def undo(self) -> None:
        self.model.add_component(copy.deepcopy(self.component), self.index)


class AddLink(Step):
    """Add a link (or physical link)."""

    def __init__(self, model, link, parent: Macro | None = None) -> None:
        arrow = "→" if getattr(link, "one_way", False) else "↔"
        super().__init__(f"Link {link.source} {arrow} {link.destination}", parent)
        self.model, self.link = model, copy.deepcopy(link)

    def redo(self) -> None:
        self.model.add_link(copy.deepcopy(self.link))

    def undo(self) -> None:
        self.model.remove_link(self.link.id)


class RemoveLink(Step):
    """Remove a link; undo restores it."""

    def __init__(self, model, ident: str, parent: Macro | None = None) -> None:
        link = model.links[ident]
        super().__init__(f"Delete link {link.source}–{link.destination}", parent)
        self.model, self.ident = model, ident
        self.link = copy.deepcopy(model.links[ident])
        self._order: list[str] = []

    def redo(self) -> None:
        self._order = list(self.model.links)
        self.model.remove_link(self.ident)

    def undo(self) -> None:
        self.model.add_link(copy.deepcopy(self.link))
        if self._order and list(self.model.links) != self._order and set(self.model.links) == set(self._order):
            self.model.links = {k: self.model.links[k] for k in self._order}


class Update(Step):
    """Set fields of one component or link."""

    def __init__(self, model, ident: str, values: dict, parent: Macro | None = None, text: str = "") -> None:
        super().__init__(text or describe_edit(model, [ident], values), parent)
        self.model, self.ident, self.values = model, ident, copy.deepcopy(values)
        self.old: dict = {}

    def redo(self) -> None:
        self.old = self.model.update(self.ident, **copy.deepcopy(self.values))

    def undo(self) -> None:
        self.model.update(self.ident, **copy.deepcopy(self.old))


class Rename(Step):
    """Change a component's or link's id (links that refer to it follow)."""

    def __init__(self, model, old: str, new: str, parent: Macro | None = None) -> None:
        super().__init__(f"Rename {old} to {new}", parent)
        self.model, self.old_id, self.new_id = model, old, new

    def redo(self) -> None:
        self.model.rename(self.old_id, self.new_id)

    def undo(self) -> None:
        self.model.rename(self.new_id, self.old_id)


class SetProperties(Step):
    """Set fields of the document itself (id, description, owner, users, lease, periods, ...)."""

    def __init__(self, model, values: dict, parent: Macro | None = None, text: str = "") -> None:
        super().__init__(text or describe_document_edit(model, values), parent)
        self.model, self.values = model, copy.deepcopy(values)
        self.old: dict = {}

    def redo(self) -> None:
        self.old = self.model.set_properties(**copy.deepcopy(self.values))

    def undo(self) -> None:
        self.model.set_properties(**copy.deepcopy(self.old))


class Move(Step):
    """Move components: `moves` maps id to (old position, new position); one step for a whole drag."""

    def __init__(self, model, moves: dict[str, tuple], text: str = "", parent: Macro | None = None) -> None:
        count = len(moves)
        super().__init__(text or (f"Move {next(iter(moves))}" if count == 1 else f"Move {plural(count, 'component')}"),
                         parent)
        self.model, self.moves = model, dict(moves)

    def redo(self) -> None:
        for ident, (_old, new) in self.moves.items():
            self.model.update(ident, position=new)

    def undo(self) -> None:
        for ident, (old, _new) in self.moves.items():
            self.model.update(ident, position=old)


def macro(text: str) -> Macro:
    """An empty command that runs the commands added to it as one step."""
    return Macro(text)


def delete_macro(model, component_ids: list[str], link_ids: list[str]) -> Macro | None:
    """One step that deletes components, the chosen links and every link attached to those components."""
    attached = [lk.id for c in component_ids for lk in model.links_of(c)]
    doomed_links = list(dict.fromkeys([*link_ids, *attached]))
    if not component_ids and not doomed_links:
        return None
    parts = [name_list(component_ids, what="component")] if component_ids else []
    if doomed_links:
        links = [model.links[i] for i in doomed_links]
        parts.append(f"link {links[0].source}–{links[0].destination}" if len(links) == 1 and not component_ids
                     else plural(len(links), "link"))
    step = macro(f"Delete {' and '.join(parts)}")
    for ident in doomed_links:
        RemoveLink(model, ident, step)
    # remove in reverse document order so that each index recorded stays right on undo
    for ident in sorted(component_ids, key=model.index_of, reverse=True):
        RemoveComponent(model, ident, step)
    return step

"""The editor: turns what the user asks for on a document into undo commands (or a refusal in words)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QPointF, Signal
from PySide6.QtGui import QGuiApplication

from backend.model import ModelError, Router
from designer import layout
from designer.clipboard import Snippet, paste_macro, snippet_from_vxdl, snippet_of, snippet_to_vxdl
from designer.edit_names import describe_edit, plural
from designer.factory import kinds_for, new_component, new_link
from designer.undo import AddComponent, AddLink, Move, Rename, SetProperties, Update, delete_macro, macro

MIME_TYPE = "application/x-vxi-designer-vxdl"


class Editor(QObject):
    """Edits one document's model through its undo stack; `message` reports refusals and results."""

    message = Signal(str)

    def __init__(self, document, scene) -> None:
        super().__init__(document)  # lives and dies with its document
        self.document, self.scene = document, scene

    # one clipboard for the application: copy in one document, paste in the next; the system clipboard
    # carries the same as VXDL for other programs (and other designers)
    _clipboard: Snippet | None = None
    _published: bytes = b""  # the VXDL this application put on the system clipboard last
    _received: tuple[bytes, Snippet | None] = (b"", None)  # VXDL read from it last, and its snippet

    @property
    def clipboard(self) -> Snippet | None:
        """What was copied last (in any document of this application)."""
        return Editor._clipboard

    @clipboard.setter
    def clipboard(self, snippet: Snippet | None) -> None:
        Editor._clipboard = snippet

    @property
    def model(self):
        """The model being edited."""
        return self.document.model

    def push(self, command) -> None:
        """Run a command as one undo step."""
        self.document.undo_stack.push(command)

    # ----- placing and linking -----
    def place(self, kind: str, pos: QPointF, options: dict | None = None) -> str | None:
        """Add a component of `kind` at `pos` (snapped); returns its id, or None when refused."""
        if kind not in kinds_for(self.model):
            what = "substrate" if self.model.role == "substrate" else "virtual infrastructure"
            if kind in ("link", "physical_link"):
                self.message.emit("Drag from one item (or a router's port) to another to draw a link")
            else:
                self.message.emit(f"A {what} has no {kind.replace('_', ' ')} components")
            return None
        component = new_component(self.model, kind, **(options or {}))
        snapped = self.scene.snapped(pos)
        component.position = (snapped.x(), snapped.y())
        self.push(AddComponent(self.model, component))
        self.scene.select_ids([component.id])
        return component.id

    def link_refusal(self, source: str, source_port, destination: str, destination_port) -> str | None:
        """Why a link between these ends cannot be added, or None."""
        model = self.model
        if source == destination:
            return "A link needs two different ends"
        for end, port in ((source, source_port), (destination, destination_port)):
            comp = model.components.get(end)
            if comp is None:
                return f"There is no component '{end}'"
            if isinstance(comp, Router):
                if model.port_count_used(end) >= len(comp.ports):
                    return f"Router '{end}' refuses the link: all its {len(comp.ports)} ports are in use"
                if port is not None and port in model.used_ports(end):
                    return f"Port {port} of router '{end}' is already used"
        return None

    def link(self, source: str, source_port, destination: str, destination_port) -> str | None:
        """Add a link (a router end takes the given or the first free port); returns its id or None."""
        refusal = self.link_refusal(source, source_port, destination, destination_port)
        if refusal:
            self.message.emit(refusal)
            return None
        if isinstance(self.model.components[source], Router) and source_port is None:
            source_port = self.model.free_port(source)
        if isinstance(self.model.components[destination], Router) and destination_port is None:
            destination_port = self.model.free_port(destination)
        link = new_link(self.model, source, destination, source_port, destination_port)
        try:
            self.push(AddLink(self.model, link))
        except ModelError as exc:  # the model has the last word
            self.message.emit(str(exc))
            return None
        arrow = "→" if getattr(link, "one_way", False) else "↔"
        self.message.emit(f"Linked {source} {arrow} {destination}")
        return link.id

    # ----- moving -----
    def move(self, moves: dict) -> None:
        """One undo step for a whole drag; old positions come from the model when it has them."""
        steps = {}
        for ident, (old, new) in moves.items():
            known = self.model.components[ident].position
            steps[ident] = (tuple(known) if known is not None else old, new)
        self.push(Move(self.model, steps))

    def positions(self, ids) -> dict[str, tuple[float, float]]:
        """Current positions of components as drawn."""
        return {i: (self.scene.components[i].pos().x(), self.scene.components[i].pos().y()) for i in ids}

    def move_to(self, new: dict, text: str) -> None:
        """Move components to `new` positions as one step (skipping unchanged ones)."""
        old = self.positions(new)
        moves = {i: (old[i], tuple(p)) for i, p in new.items() if tuple(p) != old[i]}
        if moves:
            self.push(Move(self.model, moves, text))

    def align(self, how: str) -> None:
        """Align the selected components."""
        comps, _ = self.scene.selected_ids()
        if len(comps) < 2:
            self.message.emit("Select two or more items to align")
            return
        self.move_to(layout.align(self.positions(comps), how), f"Align {how}")

    def distribute(self, axis: str) -> None:
        """Spread the selected components evenly."""
        comps, _ = self.scene.selected_ids()
        if len(comps) < 3:
            self.message.emit("Select three or more items to distribute")
            return
        self.move_to(layout.distribute(self.positions(comps), axis), f"Distribute {axis}ly")

    def auto_layout(self) -> None:
        """Lay every component out again (networkx), as one step."""
        self.move_to(layout.auto_layout(self.model), "Auto-layout")

    # ----- deleting, clipboard -----
    def delete_selection(self) -> None:
        """Delete the selection and the links attached to it, in one step."""
        comps, links = self.scene.selected_ids()
        step = delete_macro(self.model, comps, links)
        if step is not None:
            self.push(step)

    def copy(self) -> bool:
        """Copy the selected components and the links among them."""
        comps, _ = self.scene.selected_ids()
        if not comps:
            return False
        self.clipboard = self._snippet(comps)
        self._publish(self.clipboard)
        links = len(self.clipboard.links)
        self.message.emit(f"Copied {plural(len(comps), 'component')}"
                          + (f" and {plural(links, 'link')}" if links else ""))
        return True

    def _publish(self, snippet: Snippet) -> None:
        """Put the snippet on the system clipboard as VXDL (our MIME type, and plain text)."""
        data = snippet_to_vxdl(snippet, self.model.role == "substrate")
        mime = QMimeData()
        mime.setData(MIME_TYPE, data)
        mime.setText(data.decode())
        Editor._published = data
        QGuiApplication.clipboard().setMimeData(mime)

    def _received_snippet(self) -> tuple[Snippet | None, bool]:
        """What another program put on the system clipboard, as a snippet (None when it is not VXDL, or
        is what this application copied), and whether it held any text at all."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return None, False
        data = bytes(mime.data(MIME_TYPE)) if mime.hasFormat(MIME_TYPE) else mime.text().encode()
        if not data.strip() or data == Editor._published:
            return None, bool(data.strip())
        if data != Editor._received[0]:  # read once: pasting again shifts further, as for our own copies
            Editor._received = (data, snippet_from_vxdl(data))
        return Editor._received[1], True

    def _snippet(self, comps: list[str]) -> Snippet:
        snippet = snippet_of(self.model, comps)
        drawn = self.positions(comps)
        for comp in snippet.components:
            comp.position = drawn[comp.id]
        return snippet

    def cut(self) -> None:
        """Copy, then delete the selection in one step."""
        if self.copy():
            self.delete_selection()

    def paste(self, snippet: Snippet | None = None, verb: str = "Paste") -> list[str]:
        """Paste (with the links among the pasted items) and select what was pasted; the undo step is named
        `verb` and what was added."""
        if snippet is None:
            received, had_text = self._received_snippet()
            snippet = received or self.clipboard
            if snippet is None and had_text:
                self.message.emit("The clipboard holds no VXDL that reads without errors")
        if snippet is None or not snippet.components:
            return []
        foreign = {c.kind for c in snippet.components} - set(kinds_for(self.model)) - {"provisioned_host"}
        if foreign:
            self.message.emit(f"A {'substrate' if self.model.role == 'substrate' else 'VXI'} cannot hold "
                              f"{', '.join(sorted(foreign))} components")
            return []
        step, ids = paste_macro(self.model, snippet, verb=verb)
        self.push(step)
        self.scene.select_ids(ids)
        return ids

    def duplicate(self) -> list[str]:
        """Paste a copy of the selection next to it, without touching the clipboard."""
        comps, _ = self.scene.selected_ids()
        return self.paste(self._snippet(comps), verb="Duplicate") if comps else []

    # ----- fields -----
    def _check_fields(self, ids: list[str], values: dict) -> None:
        """Refuse unknown fields before anything changes (a half-applied step would corrupt undo)."""
        for ident in ids:
            target = self.model.components.get(ident) or self.model.links.get(ident)
            if target is None:
                raise ModelError(f"there is no component or link '{ident}'")
            for name in values:
                if not hasattr(target, name):
                    raise ModelError(f"'{ident}' has no field '{name}'")

    def edit(self, ids: list[str], values: dict) -> bool:
        """Set fields on every id in one undo step (the inspector's edits); False when refused."""
        values = dict(values)
        new_id = values.pop("id", None)
        model = self.model
        rename = new_id is not None and len(ids) == 1 and new_id != ids[0]
        step = macro(describe_edit(model, ids, {**values, **({"id": new_id} if rename else {})}))
        try:
            self._check_fields(ids, values)
            if values:
                for ident in ids:
                    Update(model, ident, values, step)
            if rename:
                if new_id in model.components or new_id in model.links:
                    raise ModelError(f"id '{new_id}' is already used")
                if not hasattr(model, "rename"):
                    raise ModelError("hosts cannot be renamed here")
                Rename(model, ids[0], new_id, step)
            if not step.commands:
                return False
            self.push(step)
        except ModelError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def edit_document(self, values: dict) -> bool:
        """Set fields of the VXI or substrate itself (id, description, owner, users, lease, ...) as one step."""
        model = self.model
        if "id" in values and not str(values["id"] or "").strip():
            self.message.emit("The id needs at least one character")
            return False
        changed = {k: v for k, v in values.items() if getattr(model, k, object()) != v}
        if not changed:
            return False
        try:
            self.push(SetProperties(model, changed))
        except ModelError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def set_periods(self, change) -> bool:
        """Apply a PeriodsChange (the new periods, renames and removals) as one step: links' values for a
        renamed period follow its new name, those of a removed period go (and come back on undo)."""
        model = self.model
        if not hasattr(model, "periods"):
            self.message.emit("A substrate has no periods")
            return False
        names = [p.name for p in change.periods]
        if len(set(names)) != len(names) or not all(n.strip() for n in names):
            self.message.emit("Each period needs a name of its own")
            return False
        if change.periods == model.periods:
            return False
        step = macro(change.text or "Edit periods")
        SetProperties(model, {"periods": change.periods}, step)
        for link in model.links.values():
            touched = {n for n in link.periods if n in change.renamed or n in change.removed}
            if not touched:
                continue
            periods = {change.renamed.get(n, n): config for n, config in link.periods.items()
                       if n not in change.removed}
            Update(model, link.id, {"periods": periods}, step)
        self.push(step)
        return True

    def set_link_activity(self, link_id: str, period: str, active: bool) -> bool:
        """Make a link active or idle during a period (one step)."""
        link = self.model.links.get(link_id)
        if link is None or not hasattr(link, "periods_with_activity"):
            return False
        if link.idle_in(period) != active:
            return False
        return self.edit([link_id], {"periods": link.periods_with_activity(period, active)})

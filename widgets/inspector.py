"""The inspector: an editable form of every field of the selected components, links, hosts or physical links.

It never edits the model: a valid change emits a signal that the designer turns into an undo command.

Public API:
    InspectorWidget(parent=None)
        set_subjects(model, ids: list[str])   show the fields of these components/links (hosts/physical links
                                              of a substrate); with several ids, only their common fields
        refresh()                             re-read the model after an external change (undo, other views);
                                              after an accepted rename it follows the new id
        subjects() -> list[str]               ids shown now (vanished ids are dropped on refresh)
        editor(key: str) -> QWidget | None    the editor of a field (keys: see inspector_fields.field_specs)
        message() -> str                      the refusal message on show ("" when none)
        signal edit_requested(list ids, dict) field name -> new model value (Quantity, Lease, list[str],
                                              dict[str, LinkConfig], Component, bool, int, str or None);
                                              one signal per change, for all the selected ids. Values are
                                              fresh objects: copy them per id when applying to several.
        signal rename_requested(str old, str new)
Invalid input (text for a number, a negative value, min above max, a used id, a port in use) is refused
on the spot: the field gets a red frame, a message appears under the title, and nothing is emitted.
"""

from __future__ import annotations

import copy
from collections import Counter

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from backend.model import Host, Link, PhysicalLink
from widgets.field_editors import LeaseEdit, format_start
from widgets.inspector_fields import SECTIONS, FieldSpec, field_specs
from widgets.theme import palette_colours


def _describe_lease(lease) -> str:
    if lease is None or lease.is_empty():
        return ""
    start = format_start(lease.start) or "?"
    return f"VXI lease: {start}" if lease.start else "VXI lease"


class InspectorWidget(QWidget):
    """Properties of the selection; emits edit and rename requests, never edits the model itself."""

    edit_requested = Signal(list, dict)
    rename_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = None
        self._ids: list[str] = []
        self._specs: list[FieldSpec] = []
        self._editors: dict[str, QWidget] = {}
        self._structure: tuple = ()
        self._pending_rename: tuple[str, str] = ("", "")
        self.title = QLabel()
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Inspector message")
        self.message_label.hide()
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.message_label)
        layout.addWidget(self.scroll, 1)
        self._rebuild()

    # ----- public -----
    def set_subjects(self, model, ids: list[str]) -> None:
        """Show the fields of `ids` in `model` (an Infrastructure or a Substrate)."""
        self._model = model
        self._ids = [i for i in ids if self._lookup(i) is not None] if model is not None else []
        self._show_message("")
        self.refresh()

    def refresh(self) -> None:
        """Re-read the model: update values in place, or rebuild when the fields changed."""
        if self._model is not None:
            old, new = self._pending_rename
            if old in self._ids and self._lookup(old) is None and self._lookup(new) is not None:
                self._ids = [new if i == old else i for i in self._ids]
            self._ids = [i for i in self._ids if self._lookup(i) is not None]
        objects = self._objects()
        self._specs = self._common_specs(objects)
        structure = (tuple(self._ids), tuple(s.key for s in self._specs), self._choices_key(objects))
        if structure != self._structure:
            self._structure = structure
            self._rebuild()
        self._fill(objects)

    def subjects(self) -> list[str]:
        """The ids shown."""
        return list(self._ids)

    def editor(self, key: str) -> QWidget | None:
        """The editor of field `key` (e.g. "forward", "lease", "ports", "period:I"), None when not shown."""
        return self._editors.get(key)

    def message(self) -> str:
        """The refusal message shown now, or ""."""
        return self.message_label.text().removeprefix("⚠ ")

    # ----- building -----
    def _lookup(self, object_id: str):
        return self._model.components.get(object_id) or self._model.links.get(object_id)

    def _objects(self) -> list:
        return [self._lookup(i) for i in self._ids] if self._model is not None else []

    def _common_specs(self, objects: list) -> list[FieldSpec]:
        if not objects:
            return []
        specs = field_specs(self._model)
        several = len(objects) > 1
        return [s for s in specs if all(s.applies(o) for o in objects) and not (s.single and several)]

    def _choices_key(self, objects: list) -> tuple:
        """What the port choices depend on (a rebuild when a router's ports change)."""
        if len(objects) != 1 or not isinstance(objects[0], Link):
            return ()
        link = objects[0]
        ends = (self._model.components.get(link.source), self._model.components.get(link.destination))
        return tuple(tuple(getattr(end, "ports", ())) for end in ends)

    def _rebuild(self) -> None:
        for editor in self._editors.values():
            editor.blockSignals(True)
        self._editors = {}
        self._last_values: dict[str, list] = {}
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        for section in SECTIONS:
            specs = [s for s in self._specs if s.section == section]
            if not specs:
                continue
            box = QGroupBox(section)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for spec in specs:
                editor = spec.make(self._model, self._objects())
                editor.setObjectName(f"field_{spec.key}")
                editor.committed.connect(lambda value, s=spec: self._committed(s, value))
                editor.refused.connect(lambda text, s=spec: self._show_message(f"{s.label}: {text}"))
                label = QLabel(spec.label)
                label.setBuddy(editor)
                form.addRow(label, editor)
                self._editors[spec.key] = editor
            layout.addWidget(box)
        layout.addStretch(1)
        old = self.scroll.takeWidget()
        self.scroll.setWidget(content)
        if old is not None:
            old.deleteLater()

    def _fill(self, objects: list) -> None:
        self._update_titles(objects)
        inherited = _describe_lease(getattr(self._model, "lease", None))
        focus = self.focusWidget()
        for spec in self._specs:
            editor = self._editors[spec.key]
            values = [copy.deepcopy(spec.get(o)) for o in objects]
            if values == self._last_values.get(spec.key) and focus is not None and editor.isAncestorOf(focus):
                continue  # the user may be typing there; its value did not change
            self._last_values[spec.key] = values
            editor.blockSignals(True)
            if isinstance(editor, LeaseEdit):
                editor.set_values(values, inherited if spec.key == "lease" else "")
            else:
                editor.set_values(values)
            editor.blockSignals(False)

    def _update_titles(self, objects: list) -> None:
        if not objects:
            self.title.setText("Nothing selected")
            self.subtitle.setText("Select a component or a link to see its properties.")
            return
        if len(objects) == 1:
            obj = objects[0]
            kind = obj.kind.replace("_", " ")
            if isinstance(obj, Host) and obj.provisioned:
                kind = "provisioned host"
            self.title.setText(f"{obj.id} ({kind})")
        else:
            kinds = Counter(o.kind.replace("_", " ") for o in objects)
            counts = ", ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in kinds.items())
            self.title.setText(f"{len(objects)} selected: {counts}")
        links = [o for o in objects if isinstance(o, Link | PhysicalLink)]
        if len(objects) == 1 and links:
            link = links[0]
            src = f"{link.source}" + (f" ({link.source_port})" if getattr(link, "source_port", None) else "")
            dst = f"{link.destination}" + (f" ({link.destination_port})"
                                           if getattr(link, "destination_port", None) else "")
            self.subtitle.setText(f"{src} → {dst}")
        elif len(objects) > 1:
            self.subtitle.setText("Common fields; a change applies to all of them.")
        else:
            self.subtitle.setText("")
        self.subtitle.setVisible(bool(self.subtitle.text()))

    # ----- edits -----
    def _committed(self, spec: FieldSpec, edit: object) -> None:
        objects = self._objects()
        if not objects:
            return
        if spec.key == "id":
            self._rename(objects[0].id, edit)
            return
        values = [spec.to_model(o, edit) for o in objects]
        if any(v != values[0] for v in values[1:]):
            self._show_message(f"{spec.label}: this change would differ between the selected items; "
                               "edit them one at a time")
            return
        value = values[0]
        if spec.check is not None:
            for obj in objects:
                problem = spec.check(self._model, obj, value)
                if problem:
                    self._show_message(f"{spec.label}: {problem}")
                    return
        self._show_message("")
        if all(getattr(o, spec.field) == value for o in objects):
            return
        self.edit_requested.emit(list(self._ids), {spec.field: value})

    def _rename(self, old: str, new: str | None) -> None:
        new = (new or "").strip()
        if not new or any(c.isspace() for c in new):
            self._show_message("Id: an id needs at least one character and no spaces")
            return
        if new != old and self._lookup(new) is not None:
            self._show_message(f"Id: '{new}' is already used")
            return
        self._show_message("")
        if new != old:
            self._pending_rename = (old, new)
            self.rename_requested.emit(old, new)

    def _show_message(self, text: str) -> None:
        colour = palette_colours(self.palette())["error"].name()
        self.message_label.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.message_label.setText(f"⚠ {text}" if text else "")
        self.message_label.setVisible(bool(text))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.message():
            self._show_message(self.message())


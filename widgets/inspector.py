"""The inspector: an editable form of every field of the selected components, links, hosts or physical links,
or, with nothing selected, of the VXI (or substrate) itself.

It never edits the model: a valid change emits a signal that the designer turns into an undo command.

Public API:
    InspectorWidget(parent=None)
        set_subjects(model, ids: list[str])   show the fields of these components/links (hosts/physical links
                                              of a substrate); with several ids, only their common fields;
                                              with none, the document's own fields (id, description, owner,
                                              users, lease start, duration and end, a VXI's periods)
        refresh()                             re-read the model after an external change (undo, other views);
                                              after an accepted rename it follows the new id
        subjects() -> list[str]               ids shown now (vanished ids are dropped on refresh); [] for the
                                              document itself
        editor(key: str) -> QWidget | None    the editor of a field (keys: see inspector_fields.field_specs and
                                              document_specs)
        show_period(name)                     scroll to a period's row (a link's, or the document's table)
        message() -> str                      the refusal message on show ("" when none)
        signal edit_requested(list ids, dict) field name -> new model value (Quantity, Lease, list[str],
                                              dict[str, LinkConfig], Component, bool, int, str or None);
                                              one signal per change, for all the selected ids. Values are
                                              fresh objects: copy them per id when applying to several.
        signal rename_requested(str old, str new)
        signal document_edit_requested(dict)  field name -> value of the document itself (id, description,
                                              owner, users, location, lease)
        signal periods_requested(object)      a widgets.periods_edit.PeriodsChange
Invalid input (text for a number, a negative value, min above max, a used id, a port in use) is refused
on the spot: the field gets a red frame, a message appears at the foot of the inspector (the fields do not
move), and nothing is emitted. Esc in a field puts back the value it had.
"""

from __future__ import annotations

import copy
from collections import Counter

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from backend.model import Host, Infrastructure, Link, PhysicalLink
from widgets.field_editors import LeaseEdit, format_start
from widgets.inspector_fields import SECTIONS, FieldSpec, document_specs, field_specs
from widgets.plain import plain_label, plain_tip
from widgets.theme import palette_colours
from widgets.words import plural

MESSAGE_LINES = 2  # the foot of the inspector keeps room for a message this many lines high


def _describe_lease(lease) -> str:
    if lease is None or lease.is_empty():
        return ""
    start = format_start(lease.start) or "?"
    return f"VXI lease: {start}" if lease.start else "VXI lease"


class _Escape(QObject):
    """Esc in a field of an editor puts the editor's shown value back (what was typed is dropped)."""

    def __init__(self, inspector: InspectorWidget) -> None:
        super().__init__(inspector)
        self._inspector = inspector

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            return self._inspector._revert(watched)
        return False


class InspectorWidget(QWidget):
    """Properties of the selection (or of the document); emits edit requests, never edits the model itself."""

    edit_requested = Signal(list, dict)
    rename_requested = Signal(str, str)
    document_edit_requested = Signal(dict)
    periods_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = None
        self._ids: list[str] = []
        self._specs: list[FieldSpec] = []
        self._editors: dict[str, QWidget] = {}
        self._sections: dict[str, QGroupBox] = {}
        self._structure: tuple = ()
        self._pending_rename: tuple[str, str] = ("", "")
        self._escape = _Escape(self)
        self._last_args: dict[str, tuple] = {}
        self.title = plain_label()  # ids are shown as written, never as rich text
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = plain_label()
        self.subtitle.setWordWrap(True)
        self.message_label = plain_label()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Inspector message")
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.message_label.setFixedHeight(QFontMetrics(self.font()).lineSpacing() * MESSAGE_LINES + 6)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.message_label)
        self._rebuild()

    # ----- public -----
    def set_subjects(self, model, ids: list[str]) -> None:
        """Show the fields of `ids` in `model` (an Infrastructure or a Substrate); no ids: the model itself."""
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
        structure = (tuple(self._ids), tuple(s.key for s in self._specs), self._choices_key(objects),
                     type(self._model).__name__)
        if structure != self._structure:
            same = bool(self._structure) and structure[0] == self._structure[0]
            self._structure = structure
            self._rebuild(same)
        self._fill(objects)

    def subjects(self) -> list[str]:
        """The ids shown ([] while the document itself is shown)."""
        return list(self._ids)

    def editor(self, key: str) -> QWidget | None:
        """The editor of field `key` (e.g. "forward", "lease", "ports", "period:I"), None when not shown."""
        return self._editors.get(key)

    def message(self) -> str:
        """The refusal message shown now, or ""."""
        return self.message_label.text().removeprefix("⚠ ")

    def show_period(self, name: str) -> None:
        """Bring a period into view: a link's row for it, or the document's row in the periods table."""
        editor = self._editors.get(f"period:{name}")
        if editor is not None:
            self.scroll.ensureWidgetVisible(editor, 0, 40)
            return
        table = self._editors.get("periods")
        if table is not None:
            table.select(name)
            self.scroll.ensureWidgetVisible(table)

    # ----- building -----
    def _lookup(self, object_id: str):
        return self._model.components.get(object_id) or self._model.links.get(object_id)

    def _document(self) -> bool:
        """True while the document itself is shown."""
        return self._model is not None and not self._ids

    def _objects(self) -> list:
        if self._model is None:
            return []
        return [self._lookup(i) for i in self._ids] if self._ids else [self._model]

    def _common_specs(self, objects: list) -> list[FieldSpec]:
        if not objects:
            return []
        if self._document():
            return document_specs(self._model)
        specs = field_specs(self._model)
        several = len(objects) > 1
        return [s for s in specs if all(s.applies(o) for o in objects) and not (s.single and several)]

    def _choices_key(self, objects: list) -> tuple:
        """What the port choices depend on (a rebuild when a router's ports change)."""
        if len(objects) != 1 or not isinstance(objects[0], Link):
            return ()
        link = objects[0]
        ends = (self._model.components.get(link.source), self._model.components.get(link.destination))
        return (*(tuple(getattr(end, "ports", ())) for end in ends), link.one_way)

    def _rebuild(self, same_subjects: bool = False) -> None:
        """Build the form of the fields shown; the same subjects keep their scroll position."""
        for editor in self._editors.values():
            editor.blockSignals(True)
        self._editors, self._sections, self._last_args = {}, {}, {}
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
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for spec in specs:
                editor = spec.make(self._model, self._objects())
                editor.setObjectName(f"field_{spec.key}")
                editor.committed.connect(lambda value, s=spec: self._committed(s, value))
                editor.refused.connect(lambda text, s=spec: self._show_message(f"{s.label}: {text}"))
                if hasattr(editor, "set_accessible_label"):
                    editor.set_accessible_label(spec.label)
                for child in editor.findChildren(QWidget):
                    if isinstance(child, QLineEdit | QAbstractSpinBox | QComboBox):
                        child.installEventFilter(self._escape)
                if spec.wide:
                    if spec.label != section:
                        title = QLabel(spec.label)
                        bold = title.font()
                        bold.setBold(True)
                        title.setFont(bold)
                        form.addRow(title)
                    form.addRow(editor)
                else:
                    label = QLabel(spec.label)
                    label.setBuddy(editor)
                    form.addRow(label, editor)
                self._editors[spec.key] = editor
            layout.addWidget(box)
            self._sections[section] = box
        layout.addStretch(1)
        scrolled = self.scroll.verticalScrollBar().value()
        current = self.scroll.widget()
        if current is not None and current.isAncestorOf(QApplication.focusWidget()):
            self.scroll.setFocus()  # the field with the focus goes: the focus stays in the inspector, not nowhere
        old = self.scroll.takeWidget()
        self.scroll.setWidget(content)
        if old is not None:
            old.hide()
            old.setParent(self)  # kept inside the window until deleted (a parentless widget would be a window)
            old.deleteLater()
            if same_subjects:
                QTimer.singleShot(0, lambda: self.scroll.verticalScrollBar().setValue(scrolled))

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
            args = (values, inherited if spec.key == "lease" else "") if isinstance(editor, LeaseEdit) else (values,)
            self._last_args[spec.key] = args
            editor.blockSignals(True)
            editor.set_values(*args)
            editor.blockSignals(False)

    def _revert(self, widget: QWidget) -> bool:
        """Esc in `widget`: show its editor's value again; True when it belonged to one."""
        for key, editor in self._editors.items():
            if editor is widget or editor.isAncestorOf(widget):
                editor.blockSignals(True)
                if key in self._last_args:
                    editor.set_values(*self._last_args[key])
                elif hasattr(editor, "revert"):
                    editor.revert()
                editor.blockSignals(False)
                self._show_message("")
                if isinstance(widget, QLineEdit):
                    widget.selectAll()
                return True
        return False

    def _update_titles(self, objects: list) -> None:
        if self._model is None:
            self.title.setText("Nothing to show")
            self.subtitle.setText("Open or start a design.")
            return
        if self._document():
            what = "VXI" if isinstance(self._model, Infrastructure) else "substrate"
            self.title.setText(f"{self._model.id} ({what})")
            self.subtitle.setText(f"The {what} itself (nothing is selected). Select a component or a link to "
                                  "see its own fields.")
            self.subtitle.setVisible(True)
            return
        if len(objects) == 1:
            obj = objects[0]
            kind = obj.kind.replace("_", " ")
            if isinstance(obj, Host) and obj.provisioned:
                kind = "provisioned host"
            self.title.setText(f"{obj.id} ({kind})")
        else:
            kinds = Counter(o.kind.replace("_", " ") for o in objects)
            counts = ", ".join(plural(n, k) for k, n in kinds.items())
            self.title.setText(f"{len(objects)} selected: {counts}")
        links = [o for o in objects if isinstance(o, Link | PhysicalLink)]
        if len(objects) == 1 and links:
            link = links[0]
            src = f"{link.source}" + (f" ({link.source_port})" if getattr(link, "source_port", None) else "")
            dst = f"{link.destination}" + (f" ({link.destination_port})"
                                           if getattr(link, "destination_port", None) else "")
            arrow = "→" if getattr(link, "one_way", False) else "↔"
            self.subtitle.setText(f"{src} {arrow} {dst}")
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
        if self._document():
            self._document_committed(spec, edit)
            return
        if spec.key == "id":
            self._rename(objects[0].id, edit)
            return
        try:
            values = [spec.to_model(o, edit) for o in objects]
        except ValueError as error:
            self._show_message(f"{spec.label}: {error}")
            return
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

    def _document_committed(self, spec: FieldSpec, edit: object) -> None:
        if spec.key == "periods":
            self._show_message("")
            self.periods_requested.emit(edit)
            return
        try:
            value = spec.to_model(self._model, edit)
        except ValueError as error:
            self._show_message(f"{spec.label}: {error}")
            return
        if spec.key == "id" and not (value or "").strip():
            self._show_message("Id: the id needs at least one character")
            return
        self._show_message("")
        if getattr(self._model, spec.field) != value:
            self.document_edit_requested.emit({spec.field: value})

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
        self.message_label.setToolTip(plain_tip(text))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self.message():
            self._show_message(self.message())

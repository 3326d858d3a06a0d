"""Connects the current document, scene, editor and view to the docks, status bar and actions."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from backend.model import Substrate
from designer.actions import tooltip
from widgets.periods_edit import PeriodsChange


class Wiring(QObject):
    """Re-wires the window's parts each time a document is shown; runs live validation."""

    document_shown = Signal()  # a new document is shown (after its scene and editor are wired)
    validated = Signal()  # the problems were counted and listed again

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.problems: list = []  # the document's own problems listed (the first kept)
        self.errors = 0  # how many of its problems are errors, listed or not
        self.problem_sources: list = []  # callables giving more problems to count and list (run mode's failures)
        self.timer = QTimer(window)
        self.timer.setSingleShot(True)
        self.timer.setInterval(120)
        self.timer.timeout.connect(self.validate_now)
        view = window.view
        view.place_requested.connect(lambda kind, pos, opts: window.editor.place(kind, pos, opts))
        view.link_requested.connect(lambda s, sp, d, dp: window.editor.link(s, sp, d, dp))
        view.moved.connect(lambda moves: window.editor.move(moves))
        view.link_checker = lambda s, sp, d, dp: window.editor.link_refusal(s, sp, d, dp)
        view.link_hint.connect(self._link_hint)
        view.inspect_requested.connect(self._inspect)
        docks = window.docks
        docks.palette.kind_activated.connect(self._place_at_centre)
        docks.inspector.edit_requested.connect(lambda ids, values: window.editor.edit(list(ids), dict(values)))
        docks.inspector.rename_requested.connect(self._rename)
        docks.inspector.document_edit_requested.connect(lambda values: window.editor.edit_document(dict(values)))
        docks.inspector.periods_requested.connect(lambda change: window.editor.set_periods(change))
        docks.problems.activated.connect(self._activate_problem)
        timeline = docks.timeline
        timeline.lease_edited.connect(self._lease_edited)
        timeline.period_selected.connect(self._period_selected)
        timeline.periods_edited.connect(
            lambda periods, text: window.editor.set_periods(PeriodsChange(list(periods), text=text)))
        timeline.selection_requested.connect(lambda ids: window.scene.select_ids(list(ids)))
        timeline.link_activity_requested.connect(
            lambda link, period, active: window.editor.set_link_activity(link, period, active))
        timeline.period_values_requested.connect(self._period_values)
        timeline.document_requested.connect(window.show_document_properties)

    def connect_document(self) -> None:
        """Wire the window's current document, scene and editor."""
        w = self.window
        doc, scene, editor = w.document, w.scene, w.editor
        stack = doc.undo_stack
        doc.changed.connect(self.title)
        stack.indexChanged.connect(self.title)
        scene.model_changed.connect(self.timer.start)
        scene.selectionChanged.connect(self.selection_changed)
        editor.message.connect(self.message)
        doc.autosave_failed.connect(self.message)
        w.view.editor = editor
        w.docks.history.setStack(stack)
        acts = w.actions_by_name
        acts["undo"].setEnabled(stack.canUndo())
        acts["redo"].setEnabled(stack.canRedo())
        stack.canUndoChanged.connect(acts["undo"].setEnabled)
        stack.canRedoChanged.connect(acts["redo"].setEnabled)
        stack.undoTextChanged.connect(self.undo_text)
        stack.redoTextChanged.connect(self.redo_text)
        self.undo_text(stack.undoText())
        self.redo_text(stack.redoText())
        docks = w.docks
        substrate = isinstance(doc.model, Substrate)
        docks.palette.set_mode("substrate" if substrate else "vxi")
        docks.timeline.set_model(doc.model)
        docks.minimap.set_view(w.view)
        self.selection_changed()
        self.document_shown.emit()

    def title(self, *_args) -> None:
        """Refresh the window title and counts."""
        self.window.update_title()

    def message(self, text: str) -> None:
        """Show an editor message in the status bar."""
        self.window.statusBar().showMessage(text, 6000)

    def undo_text(self, text: str) -> None:
        """Name the edit that Undo would revert (menu and tooltip; the toolbar keeps its short text)."""
        action = self.window.actions_by_name["undo"]
        action.setText(f"&Undo {text}".strip())
        action.setToolTip(tooltip(action, f"Undo {text}".strip() if text else "Nothing to undo"))

    def redo_text(self, text: str) -> None:
        """Name the edit that Redo would repeat (menu and tooltip)."""
        action = self.window.actions_by_name["redo"]
        action.setText(f"&Redo {text}".strip())
        action.setToolTip(tooltip(action, f"Redo {text}".strip() if text else "Nothing to redo"))

    def _link_hint(self, reason: str) -> None:
        if reason:
            self.window.statusBar().showMessage(reason, 4000)

    def _place_at_centre(self, kind: str) -> None:
        view = self.window.view
        centre = view.mapToScene(view.viewport().rect().center())
        palette = self.window.docks.palette
        self.window.editor.place(kind, centre, {"ports": palette.ports(), "cardinality": palette.cardinality()})

    def selection_changed(self) -> None:
        """Show the selection in the inspector."""
        w = self.window
        if w.scene is None:
            return
        comps, links = w.scene.selected_ids()
        w.docks.inspector.set_subjects(w.document.model, [*comps, *links])
        w.docks.timeline.select_rows([*comps, *links])

    def validate_now(self) -> None:
        """Validate the model; list the problems and badge the items."""
        w = self.window
        own = w.document.problems()
        self.problems, self.errors = own.problems, own.counts["error"]  # the document's (Deploy waits for none)
        found = own.plus([p for source in self.problem_sources for p in source()])
        w.scene.set_problems(found.problems, found.worst)  # every element with a problem badged, kept or not
        docks = w.docks
        docks.problems.set_problems(found.problems, found.counts)
        w.status_problems.setText(docks.problems.summary())  # one count, the dock's
        docks.inspector.refresh()
        w.update_title()
        self.validated.emit()

    def _rename(self, old: str, new: str) -> None:
        self.window.editor.edit([old], {"id": new})
        if self.window.scene.item_for(new) is not None:
            self.window.scene.select_ids([new])

    def _inspect(self, _ident: str) -> None:
        dock = self.window.docks.docks["inspector"]
        dock.show()
        dock.raise_()
        self.window.docks.inspector.setFocus()

    def _activate_problem(self, element_id: str) -> None:
        if element_id and not self.window.view.centre_on_id(element_id):
            self.window.statusBar().showMessage(f"'{element_id}' is not drawn on the canvas", 5000)

    def _lease_edited(self, ident: str, lease) -> None:
        model = self.window.document.model
        host = isinstance(model, Substrate) and ident in model.components
        self.window.editor.edit([ident], {"availability" if host else "lease": lease})

    def _period_values(self, link_id: str, period: str) -> None:
        """Show a link's values in a period in the inspector (asked from the timeline)."""
        self.window.scene.select_ids([link_id])
        self.window.docks.show_dock("inspector")
        self.window.docks.inspector.show_period(period)

    def _period_selected(self, name: str) -> None:
        self.window.scene.set_period(name or None)
        self.window.statusBar().showMessage(f"Links show period {name}" if name else "Links show their own values",
                                            4000)

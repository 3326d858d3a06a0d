"""The main window: the canvas with its docks, menus, status bar; files and the current document."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QCompleter, QLabel, QLineEdit, QMainWindow, QToolButton, QWidget

from backend.model import Infrastructure, Substrate
from backend.model.printable import printable
from designer import actions
from designer.appearance import apply_theme, scene_colours
from designer.docks import Docks
from designer.document import AUTOSAVE_MS, KEPT_PROBLEMS, Document, pending_recoveries, read_design
from designer.edit_names import plural
from designer.editor import Editor
from designer.help import AboutDialog, ShortcutsDialog
from designer.image_export import ExportError, export_image
from designer.manual import ManualWindow
from designer.modal_dialogs import Dialogs
from designer.preview.dock import install_preview
from designer.reading import Steps, run_responsive
from designer.run.mode import install_run_mode
from designer.scene import DesignScene
from designer.view import DesignView
from designer.wiring import Wiring

MAX_RECENT = 8


class MainWindow(QMainWindow):
    """One window editing one document (a VXI or a substrate); `closed` is emitted once it has closed."""

    closed = Signal()

    def __init__(self, dialogs: Dialogs | None = None, settings: QSettings | None = None,
                 recovery_folder: Path | None = None, autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__()
        self.dialogs = dialogs or Dialogs()
        self.settings = settings or QSettings("vxi-designer", "designer")
        self.recovery_folder = recovery_folder
        self.autosave_ms = autosave_ms
        self.theme_mode = "auto"
        self.resize(1280, 800)
        self.view = DesignView()
        self.setCentralWidget(self.view)
        self.docks = Docks(self, self.view)
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Find id (Ctrl+F)")
        self.find_box.setAccessibleName("Find by id")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.setMaximumWidth(150)
        self.find_box.returnPressed.connect(self.find)
        self.status_problems = QToolButton()
        self.status_problems.setAutoRaise(True)
        self.status_problems.setToolTip("Show the problems (Ctrl+Shift+M)")
        self.status_problems.clicked.connect(lambda: self.docks.toggle_dock("problems"))
        self.status_timeline = QToolButton()
        self.status_timeline.setAutoRaise(True)
        self.status_timeline.setText("Lease timeline")
        self.status_timeline.setToolTip("Show the lease timeline and its periods (Ctrl+T)")
        self.status_timeline.clicked.connect(lambda: self.docks.toggle_dock("timeline"))
        self.status_counts, self.status_zoom = QLabel(), QLabel()
        for widget in (self.status_problems, self.status_timeline, self.status_counts, self.status_zoom):
            self.statusBar().addPermanentWidget(widget)
        for button, key in ((self.status_problems, "problems"), (self.status_timeline, "timeline")):
            button.setCheckable(True)
            button.clicked.connect(lambda _on, b=button, k=key: b.setChecked(self.docks.docks[k].isVisible()))
            self.docks.docks[key].visibilityChanged.connect(lambda _v, b=button, k=key: b.setChecked(
                self.docks.docks[k].isVisible()))
        self.dialogs_open: dict[str, QWidget] = {}
        self.document: Document | None = None
        self.opening: Steps | None = None  # the drawing of a file being opened
        self.opens = 0  # files asked to be opened so far (a later one cancels an earlier one)
        self.scene: DesignScene | None = None
        self.editor: Editor | None = None
        self.wiring = Wiring(self)
        self.actions_by_name = actions.build(self)
        self.view.zoom_changed.connect(lambda z: self.status_zoom.setText(f"{z * 100:.0f} %"))
        self.set_document(self._new_document(Infrastructure()))
        self._refresh_recent()
        self.preview = install_preview(self)
        self.run_controller = install_run_mode(self)
        self._help_last()
        self.docks.arrange(self.settings)

    # ----- document -----
    def _new_document(self, model, path: str | None = None, read=None) -> Document:
        return Document(model, path, read, folder=self.recovery_folder, autosave_ms=self.autosave_ms)

    def set_document(self, document: Document, scene: DesignScene | None = None) -> None:
        """Show and edit `document` (the previous one is closed), drawn by `scene` when it is built already."""
        if self.document is not None:
            self.document.close()
            self.document.deleteLater()  # deleted by the event loop, not at a random garbage collection
            self.scene.detach()
            self.scene.deleteLater()
        self.document = document
        self.scene = scene if scene is not None else DesignScene(document.model, scene_colours())
        self.view.setScene(self.scene)
        self.editor = Editor(document, self.scene)
        self.wiring.connect_document()
        self.update_title()
        self.wiring.validate_now()
        QTimer.singleShot(0, self.view.fit_all)

    def update_title(self) -> None:
        """'*name — VXI Designer' while there is unsaved work."""
        doc = self.document
        kind = "substrate" if isinstance(doc.model, Substrate) else "VXI"
        self.setWindowTitle(f"{doc.display_name()}[*] ({kind}) — VXI Designer")
        self.setWindowModified(doc.dirty)
        element = "host" if isinstance(doc.model, Substrate) else "component"
        counts = f"{plural(len(doc.model.components), element)}, {plural(len(doc.model.links), 'link')}"
        self.status_counts.setText(counts)
        properties = self.actions_by_name.get("properties")
        if properties is not None:
            properties.setText(f"{kind[0].upper()}{kind[1:]} &properties…")

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved work; False when the user cancels."""
        if not self.document.dirty:
            return True
        answer = self.dialogs.ask_save_changes(self, self.document.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_vxi(self) -> None:
        """Start an empty VXI."""
        if self.maybe_save():
            self.set_document(self._new_document(Infrastructure()))

    def new_substrate(self) -> None:
        """Start an empty substrate."""
        if self.maybe_save():
            self.set_document(self._new_document(Substrate()))

    def open_dialog(self) -> None:
        """Ask for a file and open it."""
        if not self.maybe_save():
            return
        folder = str(Path(self.document.path).parent) if self.document.path else ""
        path = self.dialogs.open_path(self, folder)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str, ask: bool = True) -> bool:
        """Open a VXDL file; an unreadable one is reported in words and the window stays as it was.

        The file is read and checked on a worker thread, then drawn in slices of the event loop with the
        progress in the status bar: the window keeps painting throughout. Escape, closing the window or
        opening another file cancels it (False), and the window keeps the document it had."""
        if ask and not self.maybe_save():
            return False
        self.opens += 1
        this_open = self.opens
        if self.opening is not None:
            self.opening.cancel()
        try:
            result = run_responsive(self, lambda: read_design(path), f"Reading {printable(path)}…")
            if this_open != self.opens:
                return False  # another file was opened meanwhile
            document = Document.from_read(result, path, folder=self.recovery_folder, autosave_ms=self.autosave_ms)
        except Exception as exc:  # VxdlFileError, OSError, anything: told in words, never a traceback
            self.dialogs.error(self, "Cannot open the file", _named(path, exc))
            self._forget_recent(path)
            return False
        scene = DesignScene(document.model, scene_colours(), build=False)
        self.opening = opening = Steps(self, scene.rebuild_steps(), f"Drawing {printable(path)}…")
        try:
            drawn = opening.run() and this_open == self.opens
        finally:
            opening.deleteLater()
            if self.opening is opening:
                self.opening = None
        if not drawn:
            scene.detach()
            scene.deleteLater()
            document.close()
            document.deleteLater()
            self.statusBar().showMessage(f"Opening {printable(path)} cancelled", 5000)
            return False
        self.set_document(document, scene)
        self._remember_recent(path)
        if document.read.total:
            self.docks.show_dock("problems")
            count = plural(document.read.total, "problem")
            self.statusBar().showMessage(f"{path} opened with {count}", 8000)
        return True

    def save(self) -> bool:
        """Save to the current file (asks for a name the first time)."""
        if not self.document.path:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there (or write plain VXDL 2.0 there, when that type was chosen)."""
        path = self.dialogs.save_path(self, self.document.path or "untitled.vxdl")
        if path and self.dialogs.plain_chosen:
            return self.save_plain(path)
        return self._save_to(path) if path else False

    def save_plain(self, path: str) -> bool:
        """Write plain VXDL 2.0; the document keeps its own file (a plain file loses the extension's data)."""
        from backend.files import FileError
        from backend.vxdl.plain import write_plain_file

        try:
            left_out = write_plain_file(self.document.model, path)
        except FileError as exc:  # names the file and says why, in one line
            self.dialogs.error(self, "Cannot save", str(exc))
            return False
        left = f"; left out: {'; '.join(left_out)}" if left_out else ""
        self.statusBar().showMessage(f"Saved plain VXDL 2.0 to {path}{left}", 15000)
        return True

    def _save_to(self, path: str) -> bool:
        try:
            self.document.save(path)
        except Exception as exc:
            self.dialogs.error(self, "Cannot save", _named(path, exc))
            return False
        self._remember_recent(path)
        self.update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_dialog(self) -> None:
        """Ask for an image file name and export the design."""
        stem = Path(self.document.path).with_suffix(".png") if self.document.path else "design.png"
        path = self.dialogs.save_path(self, str(stem), image=True)
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> bool:
        """Write a PNG or SVG of the design."""
        try:
            export_image(self.scene, path, self.document.display_name())
        except (ExportError, OSError) as exc:
            self.dialogs.error(self, "Cannot export", str(exc))
            return False
        self.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    # ----- recovery -----
    def offer_recovery(self) -> bool:
        """Offer the autosaves a crashed session left, newest first; True when one was restored.

        A declined autosave is deleted; those not yet offered stay for the next start.
        """
        from backend.vxdl import read_file

        for recovery in pending_recoveries(self.recovery_folder):
            what = recovery.original or "an untitled design"
            if not self.dialogs.ask_recover(self, f"{what} (autosaved {recovery.saved_at})"):
                recovery.discard()
                continue
            try:
                result = read_file(recovery.file, max_problems=KEPT_PROBLEMS)
            except Exception as exc:  # a damaged autosave is reported, never raised
                self.dialogs.error(self, "Cannot recover", _named(str(recovery.file), exc))
                recovery.discard()
                continue
            document = self._new_document(result.model, recovery.original, result.kept())
            document.recovered = True
            self.set_document(document)
            recovery.discard()
            return True
        return False

    # ----- recent files -----
    def recent_files(self) -> list[str]:
        """Recently opened or saved files, newest first."""
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", files[:MAX_RECENT])
        self._refresh_recent()

    def _forget_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        self.settings.setValue("recent", [p for p in self.recent_files() if p != path])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_path(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    # ----- small actions -----
    def call_editor(self, name: str):
        """A slot calling editor method `name` on the current editor."""
        return lambda *_: getattr(self.editor, name)()

    def undo(self) -> None:
        """Undo the last edit."""
        self.document.undo_stack.undo()

    def redo(self) -> None:
        """Redo the last undone edit."""
        self.document.undo_stack.redo()

    def select_all(self) -> None:
        """Select every component and link."""
        self.scene.select_ids([*self.scene.components, *self.scene.links])

    def focus_find(self) -> None:
        """Put the cursor in the find box, with the ids to complete."""
        completer = QCompleter(sorted([*self.document.model.components, *self.document.model.links]), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.find_box.setCompleter(completer)
        self.find_box.setFocus()
        self.find_box.selectAll()

    def find(self) -> bool:
        """Centre and select the component or link named in the find box."""
        text = self.find_box.text().strip()
        model = self.document.model
        ident = text if text in model.components or text in model.links else next(
            (i for i in [*model.components, *model.links] if i.lower() == text.lower()), None)
        if ident is None or not self.view.centre_on_id(ident):
            self.statusBar().showMessage(f"No component or link named '{text}'", 5000)
            return False
        self.view.setFocus()
        return True

    def _help_last(self) -> None:
        """Keep the Help menu last in the menu bar (menus added by run mode come before it)."""
        bar = self.menuBar()
        entry = next((a for a in bar.actions() if a.text() == "&Help"), None)
        if entry is not None:
            bar.removeAction(entry)
            bar.addAction(entry)

    def show_document_properties(self) -> None:
        """Show the VXI's (or substrate's) own fields in the inspector: nothing selected, inspector in front."""
        self.scene.select_ids([])
        self.docks.show_dock("inspector")
        field = self.docks.inspector.editor("id")
        if field is not None:
            field.line.setFocus()
            field.line.selectAll()

    def reset_layout(self) -> None:
        """Put the docks back where they start (View ▸ Reset layout)."""
        self.docks.default_layout()
        self.statusBar().showMessage("Docks back in their first places", 4000)

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help ▸ Keyboard shortcuts: the shortcuts of every action, generated from the actions."""
        return self._show_dialog("shortcuts", ShortcutsDialog)

    def show_about(self) -> AboutDialog:
        """Help ▸ About: name, version, licence, the manual."""
        return self._show_dialog("about", AboutDialog)

    def show_manual(self, page: str = "index.md") -> ManualWindow:
        """Help ▸ User manual: the installed manual's pages, opened at `page`."""
        manual = self._show_dialog("manual", ManualWindow)
        manual.show_page(page)
        return manual

    def _show_dialog(self, key: str, make):
        dialog = self.dialogs_open.get(key)
        if dialog is None:
            dialog = self.dialogs_open[key] = make(self)
        dialog.show()
        dialog.raise_()
        return dialog

    def set_tool(self, tool: str) -> None:
        """Select or link tool."""
        self.view.tool = tool
        self.actions_by_name[f"tool_{tool}"].setChecked(True)
        tips = {"link": "Link tool: drag from an item or a router port to another", "select": ""}
        self.statusBar().showMessage(tips[tool], 4000)

    def toggle_snap(self, on: bool) -> None:
        """Turn snapping to the grid on or off."""
        self.scene.snap = on

    def set_theme(self, mode: str) -> None:
        """Light, dark or follow the system; the scene recolours."""
        apply_theme(QApplication.instance(), mode)
        self.theme_mode = mode
        self.scene.set_colours(scene_colours())
        actions.refresh_icons(self)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.docks.size_once()

    def loading(self) -> bool:
        """Whether a file being opened is still being drawn."""
        return self.opening is not None

    def closeEvent(self, event) -> None:
        if self.maybe_save():
            if self.opening is not None:
                self.opening.cancel()
            self.docks.save(self.settings)
            for dialog in self.dialogs_open.values():
                dialog.close()
            self.preview.panel.shutdown()
            self.document.close()
            self.wiring.timer.stop()
            self.view.setScene(None)
            self.scene.detach()
            event.accept()
            self.closed.emit()
        else:
            event.ignore()


def _named(path: str, exc: BaseException) -> str:
    """An error in one line naming the file once (a FileError names it already), control characters escaped."""
    from backend.files import FileError

    return printable(str(exc)) if isinstance(exc, FileError) else f"{printable(path)}: {printable(str(exc))}"

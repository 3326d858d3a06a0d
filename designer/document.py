"""A document: the model, its file, the undo stack, the dirty flag, autosave and crash recovery."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from backend.files import FileError, atomic_write, read_json
from backend.model import Infrastructure, Substrate
from backend.model.printable import printable
from backend.vxdl.kept import DEFAULT_MAX_PROBLEMS, Kept, keep_first
from designer.layout import auto_layout

AUTOSAVE_MS = 30_000
KEPT_PROBLEMS = DEFAULT_MAX_PROBLEMS  # problems a reading or a check keeps for the window (vxi prints as many):
# all of 100,000 took 66 times their file; every one is counted, and every element's worst badged


def recovery_dir() -> Path:
    """Where autosaves go ($VXI_DESIGNER_RECOVERY_DIR, else the user's application data folder)."""
    env = os.environ.get("VXI_DESIGNER_RECOVERY_DIR")
    if env:
        return Path(env)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base or Path.home() / ".local/share") / "vxi-designer" / "recovery"


@dataclass
class Recovery:
    """An autosave left by a session that did not close cleanly."""

    file: Path
    original: str | None
    saved_at: str

    def discard(self) -> None:
        """Delete the autosave and its description (what cannot be deleted, a directory say, is left)."""
        for path in (self.file, self.file.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def pending_recoveries(folder: Path | None = None) -> list[Recovery]:
    """Autosaves waiting to be offered, newest first."""
    folder = folder or recovery_dir()
    found = []
    metas = [meta for meta in _listed(folder) if meta.is_file()]  # (a dangling link, a loop or a directory named
    for meta in sorted(metas, key=_mtime, reverse=True):           # *.json stopped the window from starting)
        data_file = meta.with_suffix(".vxdl")
        if not data_file.exists():
            with contextlib.suppress(OSError):
                meta.unlink(missing_ok=True)
            continue
        try:
            info = read_json(meta)
        except FileError:
            info = {}
        if not isinstance(info, dict):
            info = {}
        original, saved_at = info.get("original"), info.get("saved_at")
        found.append(Recovery(data_file, original if isinstance(original, str) else None,
                              saved_at if isinstance(saved_at, str) else ""))
    return found


def _listed(folder: Path) -> list[Path]:
    """The autosave descriptions in `folder` (none when it cannot be listed: a file, say)."""
    try:
        return list(folder.glob("*.json"))
    except OSError:
        return []


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # gone meanwhile
        return 0.0


def read_design(path: str):
    """Read a VXDL file, its first KEPT_PROBLEMS problems (the model's own included) with every one counted, and
    place what has no position (backend only: may run on a worker thread); the ReadResult, or VxdlFileError when
    no VXI could be read."""
    from backend.vxdl import VxdlFileError, read_file

    result = read_file(path, max_problems=KEPT_PROBLEMS)
    if result.model is None:
        first = result.errors[0].message if result.errors else "nothing could be read"
        raise VxdlFileError(str(path), f"no VXI could be read: {first}")
    fill_positions(result.model)
    return result


def check_model(model: Infrastructure | Substrate) -> Kept:
    """The model's own problems (its rules, after an edit) as a reading keeps them: the first KEPT_PROBLEMS."""
    return keep_first(model.validate(), KEPT_PROBLEMS)


def fill_positions(model) -> None:
    """Give positions to components that have none (a file without layout), as view data."""
    for ident, position in missing_positions(model).items():
        model.components[ident].position = position


def missing_positions(model) -> Mapping[str, tuple[float, float]]:
    """The positions `fill_positions` gives, by id, without giving them (a picture drawn from them keeps none)."""
    if all(c.position is None for c in model.components.values()):
        return auto_layout(model)  # a large one's grid makes each position when asked
    if all(c.position is not None for c in model.components.values()):
        return {}
    return {ident: position for ident, position in auto_layout(model).items()
            if model.components[ident].position is None}


class Document(QObject):
    """Owns the model being edited and everything about its file."""

    changed = Signal()
    autosave_failed = Signal(str)  # why the last autosave could not be written (said once until one succeeds)

    def __init__(self, model: Infrastructure | Substrate | None = None, path: str | None = None,
                 read: Kept | None = None, folder: Path | None = None, autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__()
        self.model = model if model is not None else Infrastructure()
        self.path = path
        self.read = read  # the problems the reading kept and counted (the model's own included), None: not read
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.recovered = False
        self.autosave_problem: str | None = None
        self.folder = folder or recovery_dir()
        self.recovery_file = self.folder / f"{uuid.uuid4().hex}.vxdl"
        self.timer = QTimer(self)
        self.timer.setInterval(autosave_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()

    def _clean_changed(self, _clean: bool) -> None:
        self.changed.emit()

    @classmethod
    def open(cls, path: str, **kwargs) -> Document:
        """Read a VXDL file; its problems are kept to be listed (VxdlFileError when unreadable)."""
        return cls.from_read(read_design(path), path, **kwargs)

    @classmethod
    def from_read(cls, result, path: str | None, **kwargs) -> Document:
        """The document of what `read_design` returned (made on the window's thread)."""
        return cls(result.model, None if path is None else str(path), result.kept(), **kwargs)

    def problems(self) -> Kept:
        """The model's problems now: as read while it is as read (undo at its start), else checked again."""
        if self.read is not None and self.undo_stack.index() == 0:
            return self.read
        return check_model(self.model)

    @property
    def dirty(self) -> bool:
        """True when there is unsaved work."""
        return self.recovered or not self.undo_stack.isClean()

    def display_name(self) -> str:
        """The file name, or 'Untitled'."""
        return Path(self.path).name if self.path else "Untitled"

    def save(self, path: str | None = None) -> None:
        """Write the model atomically to `path` (or the current path); the document becomes clean."""
        from backend.vxdl import write_file

        target = path or self.path
        if not target:
            raise ValueError("the document has no file name yet")
        write_file(self.model, target)
        self.path = str(target)
        self.recovered = False
        self.undo_stack.setClean()
        self.discard_recovery()
        self.changed.emit()

    def autosave(self) -> bool:
        """Write unsaved work to the recovery file; returns True when something was written."""
        if not self.dirty:
            return False
        from backend.vxdl import write_file

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_file(self.model, self.recovery_file)
            meta = {"original": self.path, "saved_at": _now()}
            atomic_write(self.recovery_file.with_suffix(".json"), json.dumps(meta).encode("utf-8"))
        except (OSError, FileError) as exc:  # a full disk, a read-only folder, a file in its place: said, not raised
            reason = str(exc) if isinstance(exc, FileError) else f"{self.folder}: {exc.strerror or exc}"
            if reason != self.autosave_problem:
                self.autosave_problem = reason
                self.autosave_failed.emit(f"Autosave failed: {printable(reason)}")
            return False
        self.autosave_problem = None
        return True

    def discard_recovery(self) -> None:
        """Forget the autosave (after a save or a clean close)."""
        Recovery(self.recovery_file, None, "").discard()

    def close(self) -> None:
        """Stop autosaving and drop the recovery file."""
        self.timer.stop()
        self.undo_stack.blockSignals(True)
        self.discard_recovery()


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")

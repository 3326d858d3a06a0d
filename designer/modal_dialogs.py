"""Every modal question the designer asks, behind one seam that tests replace."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

VXDL_FILTER = "VXDL files (*.vxdl *.xml);;All files (*)"
PLAIN_FILTER = "VXDL 2.0, plain (*.vxdl *.xml)"  # what the original 2.0 schema accepts (backend/vxdl/plain.py)
SAVE_FILTER = f"VXDL files (*.vxdl *.xml);;{PLAIN_FILTER};;All files (*)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"


class Dialogs:
    """Real Qt dialogs; a test passes a subclass that answers without showing anything."""

    plain_chosen = False  # the last save_path chose "VXDL 2.0, plain"

    def open_path(self, parent: QWidget, folder: str = "") -> str | None:
        """A file to open, or None."""
        path, _ = QFileDialog.getOpenFileName(parent, "Open a VXDL file", folder, VXDL_FILTER)
        return path or None

    def save_path(self, parent: QWidget, suggested: str = "", image: bool = False) -> str | None:
        """Where to save (a VXDL file, or an image when `image`), or None."""
        title = "Export the design as an image" if image else "Save the design as"
        path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, IMAGE_FILTER if image else SAVE_FILTER)
        self.plain_chosen = not image and chosen == PLAIN_FILTER
        return path or None

    def ask_save_changes(self, parent: QWidget, name: str) -> str:
        """'save', 'discard' or 'cancel' before closing a document with unsaved work."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(parent, "Unsaved changes", f"Save the changes to {name} before closing?",
                                      buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    def ask_recover(self, parent: QWidget, description: str) -> bool:
        """Whether to restore the work an earlier session left unsaved."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            parent, "Recover unsaved work",
            f"VXI Designer did not close cleanly last time.\nRecover the unsaved work of {description}?",
            buttons.Yes | buttons.No, buttons.Yes)
        return answer == buttons.Yes

    def error(self, parent: QWidget, title: str, message: str) -> None:
        """Tell the user something failed, in words."""
        QMessageBox.warning(parent, title, message)

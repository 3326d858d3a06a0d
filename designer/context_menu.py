"""The canvas's context menus: on the empty canvas, on a component, on a link. Every edit goes through the
document's editor, so each is one undo step; run mode adds its entries through the view's
`context_menu_providers`."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu


def _add(menu: QMenu, name: str, text: str, slot, shortcut: str | None = None, enabled: bool = True) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(f"menu-{name}")
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))  # shown beside the entry; the window's action does the work
    action.setEnabled(enabled)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def build_menu(view, kind: str | None, ident: str | None, scene_pos: QPointF) -> QMenu:
    """The menu for a right click on `kind` ("component", "link" or None for the canvas) at `scene_pos`."""
    menu = QMenu(view)
    editor = view.editor
    scene = view.scene()
    can_edit = editor is not None
    if kind is None:
        _add(menu, "paste", "&Paste", lambda: editor.paste(), "Ctrl+V", can_edit)
        _add(menu, "select_all", "Select &all", lambda: scene.select_ids([*scene.components, *scene.links]),
             "Ctrl+A", bool(scene.components))
        menu.addSeparator()
        _add(menu, "auto_layout", "Auto-&layout", lambda: editor.auto_layout(), "Ctrl+L",
             can_edit and bool(scene.components))
        _add(menu, "fit_all", "&Fit all", view.fit_all, "F")
        return menu
    comps, links = scene.selected_ids()
    count = len(comps) + len(links)
    several = f" {count} items" if count > 1 else ""
    _add(menu, "edit", "&Edit in the inspector", lambda: view.inspect(ident))
    _add(menu, "rename", "&Rename", lambda: view.rename_in_place(ident), "F2", can_edit)
    if kind == "component":
        _add(menu, "duplicate", f"D&uplicate{several}", lambda: editor.duplicate(), "Ctrl+D", can_edit)
    menu.addSeparator()
    _add(menu, "delete", f"&Delete{several}", lambda: editor.delete_selection(), "Delete", can_edit)
    return menu

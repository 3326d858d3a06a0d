"""Menus, toolbar actions and shortcuts of the main window."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

Key = QKeySequence.StandardKey


def _action(window: QMainWindow, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        else:
            action.setShortcut(shortcut)
    action.setCheckable(checkable)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def build(window) -> dict[str, QAction]:
    """Create every action, menu and the toolbar of `window` (a MainWindow); returns the actions by name."""
    a: dict[str, QAction] = {}
    bar = window.menuBar()
    file = bar.addMenu("&File")
    a["new"] = _action(window, "&New VXI", window.new_vxi, Key.New)
    a["new_substrate"] = _action(window, "New &substrate", window.new_substrate)
    a["open"] = _action(window, "&Open…", window.open_dialog, Key.Open)
    window.recent_menu = QMenu("Open &recent", window)
    a["save"] = _action(window, "&Save", window.save, Key.Save)
    a["save_as"] = _action(window, "Save &as…", window.save_as, QKeySequence("Ctrl+Shift+S"))
    a["export"] = _action(window, "&Export image…", window.export_dialog, QKeySequence("Ctrl+E"))
    a["quit"] = _action(window, "&Quit", window.close, Key.Quit)
    for name in ("new", "new_substrate", "open"):
        file.addAction(a[name])
    file.addMenu(window.recent_menu)
    file.addSeparator()
    for name in ("save", "save_as", "export"):
        file.addAction(a[name])
    file.addSeparator()
    file.addAction(a["quit"])

    edit = bar.addMenu("&Edit")
    ed = window.call_editor
    a["undo"] = _action(window, "&Undo", window.undo, Key.Undo)
    a["redo"] = _action(window, "&Redo", window.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    a["cut"] = _action(window, "Cu&t", ed("cut"), Key.Cut)
    a["copy"] = _action(window, "&Copy", ed("copy"), Key.Copy)
    a["paste"] = _action(window, "&Paste", ed("paste"), Key.Paste)
    a["duplicate"] = _action(window, "D&uplicate", ed("duplicate"), QKeySequence("Ctrl+D"))
    a["delete"] = _action(window, "&Delete", ed("delete_selection"),
                          [QKeySequence(Key.Delete), QKeySequence("Backspace")])
    a["select_all"] = _action(window, "Select &all", window.select_all, Key.SelectAll)
    a["find"] = _action(window, "&Find by id…", window.focus_find, Key.Find)
    for name in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete", None, "select_all", "find"):
        edit.addSeparator() if name is None else edit.addAction(a[name])

    view = bar.addMenu("&View")
    a["fit_all"] = _action(window, "&Fit all", lambda: window.view.fit_all(), QKeySequence("F"))
    a["fit_selection"] = _action(window, "Fit &selection", lambda: window.view.fit_selection(),
                                 QKeySequence("Shift+F"))
    a["zoom_in"] = _action(window, "Zoom &in", lambda: window.view.zoom_by(1.25),
                           [QKeySequence(Key.ZoomIn), QKeySequence("Ctrl+=")])
    a["zoom_out"] = _action(window, "Zoom &out", lambda: window.view.zoom_by(0.8),
                            [QKeySequence(Key.ZoomOut), QKeySequence("Ctrl+-")])
    a["zoom_100"] = _action(window, "&Actual size (100 %)", lambda: window.view.zoom_to(1.0), QKeySequence("Ctrl+0"))
    a["link_labels"] = _action(window, "Link &labels", lambda on: window.view.set_link_labels(on), checkable=True)
    a["link_labels"].setChecked(True)
    a["snap"] = _action(window, "Snap to &grid (Alt bypasses)", window.toggle_snap, checkable=True)
    a["snap"].setChecked(True)
    for name in ("fit_all", "fit_selection", "zoom_in", "zoom_out", "zoom_100", None, "link_labels", "snap"):
        view.addSeparator() if name is None else view.addAction(a[name])
    theme = view.addMenu("&Theme")
    group = QActionGroup(window)
    for mode in ("auto", "light", "dark"):
        act = _action(window, {"auto": "Follow the system"}.get(mode, mode.title()),
                      lambda _=False, m=mode: window.set_theme(m), checkable=True)
        act.setChecked(mode == "auto")
        group.addAction(act)
        theme.addAction(act)
        a[f"theme_{mode}"] = act
    view.addSeparator()
    for dock in window.docks.docks.values():
        view.addAction(dock.toggleViewAction())

    arrange = bar.addMenu("&Arrange")
    for how, label in (("left", "Align &left"), ("hcenter", "Align &centre"), ("right", "Align &right"),
                       ("top", "Align &top"), ("vcenter", "Align &middle"), ("bottom", "Align &bottom")):
        a[f"align_{how}"] = _action(window, label, lambda _=False, h=how: window.editor.align(h))
        arrange.addAction(a[f"align_{how}"])
    arrange.addSeparator()
    for axis in ("horizontal", "vertical"):
        a[f"distribute_{axis}"] = _action(window, f"Distribute {axis}ly",
                                          lambda _=False, x=axis: window.editor.distribute(x))
        arrange.addAction(a[f"distribute_{axis}"])
    arrange.addSeparator()
    a["auto_layout"] = _action(window, "Auto-&layout", ed("auto_layout"), QKeySequence("Ctrl+L"))
    arrange.addAction(a["auto_layout"])

    tools = QActionGroup(window)
    a["tool_select"] = _action(window, "Select", lambda: window.set_tool("select"), QKeySequence("S"), True)
    a["tool_link"] = _action(window, "Link", lambda: window.set_tool("link"), QKeySequence("L"), True)
    a["tool_select"].setChecked(True)
    for name in ("tool_select", "tool_link"):
        tools.addAction(a[name])
    a["tool_link"].setToolTip("Draw links: drag from an item or a router port to another (L)")

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("toolbar-main")
    for name in ("new", "open", "save", None, "undo", "redo", None, "tool_select", "tool_link", None,
                 "fit_all", "auto_layout", "export"):
        toolbar.addSeparator() if name is None else toolbar.addAction(a[name])
    toolbar.addSeparator()
    toolbar.addWidget(window.find_box)
    return a

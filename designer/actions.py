"""Menus, toolbar actions and shortcuts of the main window.

The toolbar shows an icon (resources/icons/actions/*.svg, in the theme's colours) and a short fixed text for
each action; what Undo and Redo would do goes to their tooltips and menu entries, so the toolbar never changes
width. Help ▸ Keyboard shortcuts lists the shortcuts of these actions (designer/help.py).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from designer import resources
from designer.appearance import scene_colours

Key = QKeySequence.StandardKey

# action name -> (icon file in resources/icons/actions, fixed text on the toolbar)
TOOLBAR = {
    "new": ("new", "New"), "open": ("open", "Open"), "save": ("save", "Save"), "undo": ("undo", "Undo"),
    "redo": ("redo", "Redo"), "tool_select": ("select", "Select"), "tool_link": ("link", "Link"),
    "fit_all": ("fit", "Fit"), "auto_layout": ("layout", "Layout"), "export": ("export", "Export"),
    "properties": ("properties", "Properties"),
}
ICON_ONLY = ("new", "open", "save", "export", "properties")  # well known by their icons; text in the tooltip
TOOLBAR_ORDER = ("new", "open", "save", None, "undo", "redo", None, "tool_select", "tool_link", None, "fit_all",
                 "auto_layout", "export", None, "properties")
DOCK_SHORTCUTS = {"timeline": "Ctrl+T", "problems": "Ctrl+Shift+M", "inspector": "Ctrl+I"}


def _action(window: QMainWindow, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, list):
            unique = []  # a key given twice (Ctrl+- is also the platform's Zoom out) would be ambiguous: dead
            for key in shortcut:
                if key not in unique:
                    unique.append(key)
            action.setShortcuts(unique)
        else:
            action.setShortcut(shortcut)
    action.setCheckable(checkable)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def tooltip(action: QAction, text: str | None = None) -> str:
    """`text` (or the action's text) with its shortcut: 'Undo Rename C to D (Ctrl+Z)'."""
    words = (text or action.text()).replace("&", "").removesuffix("…")
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    return f"{words} ({keys})" if keys else words


def refresh_icons(window) -> None:
    """Draw the toolbar icons in the colours of the theme in force."""
    colours = scene_colours()
    for name, (icon, _text) in TOOLBAR.items():
        action = window.actions_by_name.get(name)
        if action is not None:
            action.setIcon(resources.icon(f"actions/{icon}", colours))
    app_icon = resources.ICONS / "vxi-designer.svg"
    if app_icon.is_file():
        window.setWindowIcon(QIcon(str(app_icon)))


def build(window) -> dict[str, QAction]:
    """Create every action, menu and the toolbar of `window` (a MainWindow); returns the actions by name."""
    a: dict[str, QAction] = {}
    window.actions_by_name = a
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
    a["rename"] = _action(window, "&Rename", lambda: window.view.rename_selection(), QKeySequence("F2"))
    a["delete"] = _action(window, "&Delete", ed("delete_selection"),
                          [QKeySequence(Key.Delete), QKeySequence("Backspace")])
    a["select_all"] = _action(window, "Select &all", window.select_all, Key.SelectAll)
    a["find"] = _action(window, "&Find by id…", window.focus_find, Key.Find)
    a["properties"] = _action(window, "VXI &properties…", window.show_document_properties,
                              QKeySequence("Alt+Return"))
    for name in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "rename", "delete", None, "select_all",
                 "find",
                 None, "properties"):
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
    for key, dock in window.docks.docks.items():
        act = _action(window, dock.windowTitle(), lambda _=False, k=key: window.docks.toggle_dock(k),
                      DOCK_SHORTCUTS.get(key), checkable=True)
        act.setChecked(not dock.isHidden())
        dock.visibilityChanged.connect(lambda _v, act=act, dock=dock: act.setChecked(dock.isVisible()))
        view.addAction(act)
        a[f"dock_{key}"] = act
    view.addSeparator()
    a["reset_layout"] = _action(window, "&Reset layout", window.reset_layout)
    view.addAction(a["reset_layout"])

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
    a["tool_select"] = _action(window, "Select tool", lambda: window.set_tool("select"), QKeySequence("S"), True)
    a["tool_link"] = _action(window, "Link tool", lambda: window.set_tool("link"), QKeySequence("L"), True)
    a["tool_select"].setChecked(True)
    tools_menu = bar.addMenu("&Tools")
    for name in ("tool_select", "tool_link"):
        tools.addAction(a[name])
        tools_menu.addAction(a[name])
    tips = {"tool_link": "Draw links: drag from an item or a router port to another",
            "tool_select": "Select, move and edit", "properties": "VXI properties: id, owner, lease, periods",
            "new": "New VXI", "open": "Open a VXDL file", "save": "Save",
            "fit_all": "Show the whole design", "auto_layout": "Lay the design out again",
            "export": "Export an image of the design"}

    help_menu = bar.addMenu("&Help")
    a["shortcuts"] = _action(window, "&Keyboard shortcuts", window.show_shortcuts, QKeySequence("F1"))
    a["manual"] = _action(window, "User &manual", lambda: window.show_manual())
    a["about"] = _action(window, "&About VXI Designer", window.show_about)
    help_menu.addAction(a["shortcuts"])
    help_menu.addAction(a["manual"])
    help_menu.addAction(a["about"])

    toolbar = QToolBar("Main", window)
    toolbar.setObjectName("toolbar-main")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.setIconSize(QSize(20, 20))
    window.addToolBar(toolbar)
    for name in TOOLBAR_ORDER:
        if name is None:
            toolbar.addSeparator()
            continue
        action = a[name]
        action.setIconText(TOOLBAR[name][1])
        action.setToolTip(tooltip(action, tips.get(name)))
        toolbar.addAction(action)
        if name in ICON_ONLY:
            toolbar.widgetForAction(action).setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    toolbar.addSeparator()
    toolbar.addWidget(window.find_box)
    window.main_toolbar = toolbar
    refresh_icons(window)
    return a

"""Run mode's entries in the canvas's context menu (a provider of `DesignView.context_menu_providers`):
on a deployed component Stop, Start, Migrate… and Replan: its host leaves…, each enabled only when it can work
(its tooltip says why not); on the canvas Deploy or Teardown, the Run menu's own actions."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from backend.deploy.progress import FAILED, RUNNING, STOPPED, UNREACHABLE
from widgets.plain import plain_tip


class ContextEntries:
    """Adds run entries to a context menu; `run` is the window's RunMode."""

    def __init__(self, run) -> None:
        self.run = run

    def add_to(self, menu: QMenu, kind: str | None, ident: str | None) -> None:
        """The entries for what was right-clicked: a component (`ident`), a link, or the canvas (None)."""
        menu.setToolTipsVisible(True)
        if kind == "component" and ident is not None:
            self._component(menu, ident)
        elif kind is None:
            deployed = self.run.controller.deployed()
            if not menu.isEmpty():
                menu.addSeparator()
            menu.addAction(self.run.actions["teardown" if deployed else "deploy"])

    def _component(self, menu: QMenu, ident: str) -> None:
        run, c = self.run, self.run.controller
        model = run.window.document.model
        keys = c.keys_of(run.vxi_id, ident) if run.vxi_id == getattr(model, "id", None) else []
        if not keys:
            return  # not deployed: run mode has nothing to offer on it
        busy = f"wait until the {c.running_job} job ends" if c.busy() else None
        states = {c.states.get(key) for key in keys}
        group = len(keys) > 1
        what = f"{ident} ({len(keys)} members)" if group else ident
        if not menu.isEmpty():
            menu.addSeparator()
        self._entry(menu, f"Stop {what}", lambda: c.stop_component(keys),
                    busy or (None if RUNNING in states else f"{ident} is not running"))
        self._entry(menu, f"Start {what}", lambda: c.start_component(keys),
                    busy or (None if states & {STOPPED, FAILED} else f"{ident} is {_state_words(states)}"))
        self._entry(menu, f"Migrate {ident}…", lambda: run.open_migration(keys[0]),
                    busy or ("a group moves member by member: Run ▸ Migrate router…" if group else
                             f"{ident} is stopped: start it before moving it" if STOPPED in states else
                             f"the host of {ident} does not answer" if UNREACHABLE in states else None))
        record = c.record()
        host = record.components[keys[0]].host
        self._entry(menu, f"Replan: {host} leaves…", lambda: run.replan_dialog.open_for_host(record.id, host), busy)

    @staticmethod
    def _entry(menu: QMenu, text: str, slot, refusal: str | None) -> QAction:
        action = menu.addAction(text.replace("&", "&&"))  # an id's '&' is shown, not taken as a shortcut
        action.triggered.connect(lambda _=False: slot())
        action.setEnabled(refusal is None)
        if refusal is not None:
            action.setToolTip(plain_tip(f"{text}: {refusal}"))
        return action


def _state_words(states: set) -> str:
    known = sorted(s for s in states if s)
    return " and ".join(known) if known else "not started"

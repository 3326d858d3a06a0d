"""Run mode for the designer's main window: a Run menu and toolbar (Deploy, Teardown, Migrate router…,
Start traffic…, Stop traffic), the Run dock with the live plot, state marks on the components and
throughput labels on the links, failures in the problems dock.

    controller = install_run_mode(main_window)      uses only the window's public attributes
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget

from backend.deploy.backends import able, backend
from backend.deploy.progress import RUNNING, Progress
from backend.model import Infrastructure
from designer.run.controller import RATES_MS, RunController, matching_substrate
from designer.run.dialogs import MigrationDialog, TrafficDialog
from designer.run.dock import SHOW, RunPanel
from designer.run.overlays import Overlays

BUSY_BPS = 100e3  # a link is plotted once it has carried this much
ACTIONS = (("deploy", "&Deploy", "F5"), ("teardown", "&Teardown", "Shift+F5"),
           ("migrate", "&Migrate router…", None), ("traffic", "Start &traffic…", None),
           ("stop_traffic", "Sto&p traffic", None))


class RunMode(QObject):
    """Connects a RunController to a main window: actions, dock, overlays, dialogs, problems."""

    def __init__(self, window, controller: RunController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.overlays = Overlays()
        self.panel = RunPanel(ask_path=self._ask_path)
        self.dock = QDockWidget("Run", window)
        self.dock.setObjectName("dock-run")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        problems = getattr(getattr(window, "docks", None), "docks", {}).get("problems")
        if problems is not None:
            window.splitDockWidget(problems, self.dock, Qt.Orientation.Horizontal)
        self.migration_dialog = MigrationDialog(controller, window)
        self.traffic_dialog = TrafficDialog(controller, window)
        self.actions = self._build_actions()
        self.rates_timer = QTimer(self)
        self.rates_timer.setInterval(RATES_MS)
        self.rates_timer.timeout.connect(self.show_rates)
        self.vxi_id: str | None = None
        self.busy_links: set[str] = set()  # links that carried traffic: the only ones plotted

        c = controller
        c.states_changed.connect(self.show_states)
        c.progress.connect(self._progress)
        c.job_finished.connect(self._finished)
        c.sampler_ready.connect(self._sampler_ready)
        c.busy_changed.connect(lambda _busy: self.update_actions())
        self.panel.substrate_combo.currentIndexChanged.connect(self._substrate_chosen)
        self.panel.backend_combo.currentIndexChanged.connect(
            lambda _i: setattr(c, "backend", self.panel.backend_combo.currentData()))
        self.panel.show_combo.currentIndexChanged.connect(lambda _i: self._set_groups())
        self.panel.extras_changed.connect(lambda paths: setattr(c, "extra_paths", list(paths)))
        self.panel.set_extras([])
        window.windowTitleChanged.connect(lambda _t: self._document_changed())
        wiring = getattr(window, "wiring", None)
        if wiring is not None:
            wiring.timer.timeout.connect(self.show_problems)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(controller.shutdown)
        self._document_path = None
        self._document_changed()
        self.update_actions()

    # ----- actions -----
    def _build_actions(self) -> dict[str, QAction]:
        w, c = self.window, self.controller
        slots = {"deploy": self.deploy, "teardown": c.teardown, "migrate": self.open_migration,
                 "traffic": self.open_traffic, "stop_traffic": c.stop_traffic}
        menu = w.menuBar().addMenu("&Run")
        toolbar = w.addToolBar("Run")
        toolbar.setObjectName("toolbar-run")
        taken = {a.shortcut().toString() for a in w.findChildren(QAction)}
        made = {}
        for name, text, shortcut in ACTIONS:
            action = QAction(text, w)
            if shortcut and shortcut not in taken:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _=False, slot=slots[name]: slot())
            w.addAction(action)
            menu.addAction(action)
            toolbar.addAction(action)
            made[name] = action
            if isinstance(getattr(w, "actions_by_name", None), dict):
                w.actions_by_name[f"run_{name}"] = action
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        return made

    def update_actions(self) -> None:
        """Enable what makes sense now; say why traffic is not offered on this backend."""
        c = self.controller
        busy, up = c.busy(), c.deployed()
        record = c.record()
        flows = up and record is not None and backend(record.backend).traffic
        self.actions["deploy"].setEnabled(not busy and not up)
        self.actions["teardown"].setEnabled(not busy and c.session is not None and up)
        self.actions["migrate"].setEnabled(not busy and up)
        self.actions["traffic"].setEnabled(not busy and flows)
        self.actions["stop_traffic"].setEnabled(not busy and flows)
        tip = "" if flows or not up else (f"traffic needs the {' or '.join(able('traffic'))} backend "
                                          "(run the designer as root)")
        for name in ("traffic", "stop_traffic"):
            self.actions[name].setToolTip(tip or self.actions[name].text().replace("&", ""))
        self.panel.substrate_combo.setEnabled(not busy and not up)
        self.panel.backend_combo.setEnabled(not busy and not up)
        for widget in (self.panel.browse_button, self.panel.add_button):
            widget.setEnabled(not busy and not up)
        self.panel.clear_button.setEnabled(not busy and not up and bool(self.panel.extra_paths))

    def deploy(self) -> None:
        """Deploy the open VXI."""
        model = self.window.document.model
        self.vxi_id = model.id if isinstance(model, Infrastructure) else None
        self.dock.show()
        self.dock.raise_()
        self.window.resizeDocks([self.dock], [380], Qt.Orientation.Vertical)
        self.busy_links = set()
        self.panel.plot.store = None
        self.panel.plot.set_status("")
        had_problems = bool(self.controller.problems)
        if self.controller.deploy():
            if had_problems and hasattr(self.window, "wiring"):  # the last run's errors leave the problems dock
                self.window.wiring.validate_now()
            self.panel.set_status(f"Deploying {self.vxi_id} on {self.controller.substrate_file()} "
                                  f"({self.controller.backend})…")
            self.show_states()
        self.update_actions()

    def open_migration(self) -> None:
        """Open the migration dialog (non-modal)."""
        self.migration_dialog.open()

    def open_traffic(self) -> None:
        """Open the traffic dialog (non-modal)."""
        self.traffic_dialog.open()

    # ----- following the controller -----
    def show_states(self) -> None:
        """Mark each component of the open VXI with its run state."""
        scene = self.window.scene
        if scene is None or self.vxi_id is None or self.window.document.model.id != self.vxi_id:
            return
        self.overlays.show_states(scene, self.controller.scene_states(self.vxi_id))
        record = self.controller.record()
        if record is not None:
            states = self.controller.states
            self.panel.set_progress(sum(s == RUNNING for s in states.values()), len(record.components))

    def show_rates(self) -> None:
        """Label each link with its current throughput (the latest sample of one of its ends)."""
        session, scene = self.controller.session, self.window.scene
        if session is None or session.sampler is None or scene is None or self.vxi_id is None:
            return
        store = session.sampler.store
        rates = {}
        for link, (_key, tx, rx, cap_out, cap_in) in self.controller.link_series(self.vxi_id).items():
            out, into = (_latest(store, tx), _latest(store, rx))
            if out is None and into is None:
                continue
            out, into = out or 0.0, into or 0.0
            share_out = out / cap_out if cap_out else 0.0
            share_in = into / cap_in if cap_in else 0.0
            if max(out, into) >= BUSY_BPS and link not in self.busy_links:
                self.busy_links.add(link)
                self._set_groups()
            if link in self.busy_links:  # idle links get no chip (they would crowd the canvas)
                rates[link] = (out, cap_out) if share_out >= share_in else (into, cap_in)
        if self.controller.deployed():
            self.overlays.show_rates(scene, rates)

    def _progress(self, progress: Progress) -> None:
        self.panel.set_status(progress.line())
        states = self.controller.states
        if states:
            self.panel.set_progress(sum(s == RUNNING for s in states.values()), len(states))

    def _finished(self, job: str, ok: bool, message: str) -> None:
        self.update_actions()
        if job == "status" and ok:
            return
        self.panel.set_status(message, error=not ok)
        self.window.statusBar().showMessage(message, 8000)
        if not ok:
            self.show_problems()
            problems = getattr(getattr(self.window, "docks", None), "docks", {}).get("problems")
            if problems is not None:
                problems.show()
                problems.raise_()
        if job == "teardown" and ok:
            self.rates_timer.stop()
            self.overlays.show_rates(self.window.scene, {})
        if job == "deploy" and ok:
            self.rates_timer.start()
        self.show_states()

    def _sampler_ready(self, sampler) -> None:
        self.panel.plot.attach(sampler)
        self._set_groups()

    def _set_groups(self) -> None:
        if self.vxi_id is not None:
            what = SHOW[self.panel.show_combo.currentText()]
            self.panel.plot.set_groups(self.controller.plot_groups(self.vxi_id, what, self.busy_links))

    def show_problems(self) -> None:
        """The window's validation problems plus the run-mode failures, in the problems dock and as badges."""
        c, w = self.controller, self.window
        if not c.problems:
            return
        found = [*getattr(w.wiring, "problems", []), *c.problems]
        w.docks.problems.set_problems(found)
        w.scene.set_problems(found)

    # ----- choices -----
    def _substrate_chosen(self, _index: int) -> None:
        path = self.panel.substrate_combo.currentData()
        if path:
            self.controller.choose_substrate(path)

    def _document_changed(self) -> None:
        document = getattr(self.window, "document", None)
        path = document.path if document is not None else None
        if path != self._document_path:
            self._document_path = path
            if not self.controller.deployed():
                self.panel.refresh_substrates(str(matching_substrate(path).resolve()))
        if self.vxi_id is not None:
            self.show_states()

    def _ask_path(self, suggested: str, title: str, save: bool) -> str | None:
        dialogs = getattr(self.window, "dialogs", None)
        if save and dialogs is not None:
            return dialogs.save_path(self.window, suggested, image=suggested.endswith(".png"))
        return RunPanel._ask_path(self.panel, suggested, title, save)


def _latest(store, keys) -> float | None:
    values = []
    for key in keys:
        _times, series = store.arrays(key)
        if len(series):
            values.append(float(series[-1]))
    return sum(values) if values else None


def install_run_mode(window) -> RunController:
    """Add run mode to a designer main window (once: a second call returns the same controller); returns
    its controller, also kept as `window.run_controller` (its `ui` is the RunMode)."""
    existing = getattr(window, "run_controller", None)
    if isinstance(existing, RunController):
        return existing
    from backend.deploy.libvirt.lifecycle import start_event_loop

    start_event_loop()  # before any connection opens, so that remote hosts' events reach us too
    controller = RunController(lambda: window.document.model if window.document else None,
                               lambda: window.document.path if window.document else None, window)
    controller.ui = RunMode(window, controller)
    window.run_controller = controller
    return controller

"""Run mode for the designer's main window: a Run menu and toolbar (Deploy, Teardown, Migrate router…,
Start traffic…, Stop traffic), the Run dock with the live plot, state marks on the components and
throughput labels on the links, run entries in the canvas's context menu, failures in the problems dock.

An action is enabled only when it can work; otherwise its tooltip says why. Run failures are counted with
the document's problems (one count, in the status bar and the Problems dock) and leave when their cause
does (another document, a new deployment).

    controller = install_run_mode(main_window)      uses only the window's public attributes
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QScrollArea

from backend.deploy.backends import able, backend
from backend.deploy.progress import RUNNING, Progress
from backend.model import Infrastructure, Substrate
from designer.run.controller import RATES_MS, RunController, matching_substrate
from designer.run.dialogs import MigrationDialog, TrafficDialog
from designer.run.dock import IDLE, IDLE_PLOT, SHOW, RunPanel
from designer.run.menu import ContextEntries
from designer.run.overlays import Overlays
from designer.run.replan import ReplanDialog
from designer.run.time_view import TimeView
from widgets.plain import plain_tip

BUSY_BPS = 100e3  # a link is plotted once it has carried this much
ACTIONS = (("deploy", "&Deploy", "F5", "Deploy the open VXI on the substrate and backend chosen in the Run dock"),
           ("teardown", "&Teardown", "Shift+F5", "Remove everything the deployment created"),
           ("migrate", "&Migrate router…", None, "Move a deployed component to another host"),
           ("traffic", "Start &traffic…", None, "Start an iperf3 flow between two deployed components"),
           ("stop_traffic", "Sto&p traffic", None, "Stop every flow of the deployment"),
           ("replan", "&Replan…", None, "Propose moves for a scheduled or running deployment when a host leaves or "
                                         "a VXI grows, and apply them now or at a chosen time"))
DEPLOYING_PLOT = "Deploying: the throughput is drawn here once the deployment runs."
WAITING_PLOT = "Deployed: waiting for the first samples of the traffic counters."
TORN_DOWN_PLOT = "Torn down: nothing is deployed. Run ▸ Deploy (F5) deploys again."


class RunMode(QObject):
    """Connects a RunController to a main window: actions, dock, overlays, dialogs, problems, context menu."""

    def __init__(self, window, controller: RunController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.overlays = Overlays()
        self.panel = RunPanel(ask_path=self._ask_path)
        self.dock = QDockWidget("Run", window)
        self.dock.setObjectName("dock-run")
        scroll = QScrollArea()  # a short dock scrolls rather than making the window's bottom area tall
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.panel)
        self.dock.setWidget(scroll)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        problems = getattr(getattr(window, "docks", None), "docks", {}).get("problems")
        if problems is not None:
            window.splitDockWidget(problems, self.dock, Qt.Orientation.Horizontal)
        self.migration_dialog = MigrationDialog(controller, window)
        self.traffic_dialog = TrafficDialog(controller, window)
        self.replan_dialog = ReplanDialog(controller, window)
        self.actions = self._build_actions()
        self.rates_timer = QTimer(self)
        self.rates_timer.setInterval(RATES_MS)
        self.rates_timer.timeout.connect(self.show_rates)
        self.vxi_id: str | None = None
        self.busy_links: set[str] = set()  # links that carried traffic: the only ones plotted
        self.shown_message = ""  # the last run message put in the status bar
        self.context_entries = ContextEntries(self)
        self.time_view = TimeView(window, controller)

        c = controller
        c.states_changed.connect(self.show_states)
        c.progress.connect(self._progress)
        c.job_finished.connect(self._finished)
        c.sampler_ready.connect(self._sampler_ready)
        c.busy_changed.connect(lambda _busy: self.update_actions())
        c.problems_changed.connect(self._problems_changed)
        self.panel.substrate_combo.currentIndexChanged.connect(self._substrate_chosen)
        self._first_usable_backend()
        self.panel.backend_combo.currentIndexChanged.connect(self._backend_chosen)
        self.panel.show_combo.currentIndexChanged.connect(lambda _i: self._set_groups())
        self.panel.extras_changed.connect(lambda paths: setattr(c, "extra_paths", list(paths)))
        self.panel.set_extras([])
        window.windowTitleChanged.connect(lambda _t: self._document_changed())
        wiring = getattr(window, "wiring", None)
        if wiring is not None:
            wiring.problem_sources.append(lambda: list(c.problems))
            wiring.validated.connect(self.update_actions)
            wiring.document_shown.connect(self._document_changed)
        providers = getattr(window.view, "context_menu_providers", None)
        if providers is not None:
            providers.append(self.context_entries.add_to)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(controller.shutdown)
        if hasattr(window, "closed"):
            window.closed.connect(controller.shutdown)
        self._document = None
        self._document_path = None
        self._document_changed()

    # ----- actions -----
    def _build_actions(self) -> dict[str, QAction]:
        w, c = self.window, self.controller
        slots = {"deploy": self.deploy, "teardown": c.teardown, "migrate": self.open_migration,
                 "traffic": self.open_traffic, "stop_traffic": c.stop_traffic, "replan": self.replan_dialog.open}
        menu = w.menuBar().addMenu("&Run")
        menu.setToolTipsVisible(True)
        toolbar = w.addToolBar("Run")
        toolbar.setObjectName("toolbar-run")
        taken = {a.shortcut().toString() for a in w.findChildren(QAction)}
        made = {}
        for name, text, shortcut, _tip in ACTIONS:
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

    def refusals(self) -> dict[str, str | None]:
        """Why each run action cannot be used now (None for those that can)."""
        c = self.controller
        busy = f"wait until the {c.running_job} job ends" if c.busy() else None
        record = c.record() if c.deployed() else None
        nothing = None if record is not None else "nothing is deployed (Run ▸ Deploy first)"
        traffic = None
        if record is not None and not backend(record.backend).traffic:
            traffic = (f"traffic needs the {' or '.join(able('traffic'))} backend (netns: run the designer as root); "
                       f"this deployment runs on the {record.backend} backend")
        left = None if c.orphaned else nothing  # a deployment whose record went: Teardown removes it by name
        return {"deploy": busy or self.deploy_refusal(), "teardown": busy or left, "migrate": busy or nothing,
                "traffic": busy or nothing or traffic, "stop_traffic": busy or nothing or traffic,
                "replan": busy}  # the dialog also replans deployments made elsewhere (`vxi deploy`)

    def deploy_refusal(self) -> str | None:
        """Why Deploy cannot work now (None when it can), busy aside."""
        c = self.controller
        if c.deployed():
            return f"deployment {c.record().id} is up: tear it down first (Run ▸ Teardown)"
        document = getattr(self.window, "document", None)
        model = document.model if document is not None else None
        if isinstance(model, Substrate):
            return "the open document is a substrate: open a VXI to deploy it (the substrate to deploy on is " \
                   "chosen in the Run dock)"
        if not isinstance(model, Infrastructure):
            return "open a VXI to deploy it"
        if not model.components:
            return "the open VXI has no components yet"
        errors = getattr(getattr(self.window, "wiring", None), "errors", 0)
        if errors:
            return f"the open VXI has {errors:,} error{'s' if errors != 1 else ''}: fix " \
                   f"{'them' if errors != 1 else 'it'} first (see the Problems dock)"
        if c.substrate_model is None:
            path = c.substrate_path or self.panel.substrate_combo.currentData()
            if not path:
                return "choose a substrate in the Run dock (Substrate ▸ Browse…)"
            if not Path(path).is_file():
                return f"the substrate file {path} cannot be found: choose another in the Run dock"
        return backend(c.backend).unavailable()

    def update_actions(self) -> None:
        """Enable what can work now; the tooltip of the others says why not."""
        c = self.controller
        for name, reason in self.refusals().items():
            action = self.actions[name]
            action.setEnabled(reason is None)
            tip = next(t for n, _x, _s, t in ACTIONS if n == name)
            action.setToolTip(plain_tip(tip if reason is None else f"{action.text().replace('&', '')}: {reason}"))
            action.setStatusTip(action.toolTip())
        locked = c.busy() or c.deployed()
        why = "" if not locked else ("locked while a job runs" if c.busy() else "locked while the deployment is up")
        for widget in (self.panel.substrate_combo, self.panel.backend_combo, self.panel.browse_button,
                       self.panel.add_button):
            widget.setEnabled(not locked)
            widget.setToolTip(why)
        self.panel.clear_button.setEnabled(not locked and bool(self.panel.extra_paths))

    def deploy(self) -> None:
        """Deploy the open VXI (or say in the Run dock why it cannot be)."""
        refusal = self.refusals()["deploy"]
        if refusal is not None:
            self.panel.set_status(f"Cannot deploy: {refusal}", error=True)
            return
        model = self.window.document.model
        self.vxi_id = model.id
        self.dock.show()
        self.dock.raise_()
        self.window.resizeDocks([self.dock], [380], Qt.Orientation.Vertical)
        self.busy_links = set()
        self.panel.plot.clear()
        self.panel.plot.set_placeholder(DEPLOYING_PLOT)
        self._clear_message()
        if self.controller.deploy():
            self.panel.set_status(f"Deploying {self.vxi_id} on {self.controller.substrate_file()} "
                                  f"({self.controller.backend})…")
            self.show_states()
        self.update_actions()

    def open_migration(self, key: str | None = None) -> None:
        """Open the migration dialog (non-modal), on one component when given."""
        self.migration_dialog.open_for(key)

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
        self._show_message(message)
        if not ok:
            problems = getattr(getattr(self.window, "docks", None), "docks", {}).get("problems")
            if problems is not None:
                problems.show()
                problems.raise_()
        if (job == "teardown" and ok) or self.controller.gone:  # torn down here, or by another command
            self.rates_timer.stop()
            self.overlays.show_rates(self.window.scene, {})
            self.panel.plot.detach()  # its message (no real counters) goes with the deployment
            self.panel.plot.set_placeholder(TORN_DOWN_PLOT)
        if job == "deploy":
            if ok:
                self.rates_timer.start()
            else:
                self.panel.plot.set_placeholder(IDLE_PLOT)
        self.show_states()

    def _sampler_ready(self, sampler) -> None:
        self.panel.plot.attach(sampler)
        self.panel.plot.set_placeholder(WAITING_PLOT)
        self._set_groups()

    def _set_groups(self) -> None:
        if self.vxi_id is not None:
            what = SHOW[self.panel.show_combo.currentText()]
            self.panel.plot.set_groups(self.controller.plot_groups(self.vxi_id, what, self.busy_links))

    def _problems_changed(self) -> None:
        """The run failures changed: count and list them again with the document's problems."""
        wiring = getattr(self.window, "wiring", None)
        if wiring is not None:
            wiring.validate_now()  # then update_actions, on `validated`
        else:
            self.update_actions()

    def _show_message(self, message: str) -> None:
        self.shown_message = message
        self.window.statusBar().showMessage(message, 8000)

    def _clear_message(self) -> None:
        """Take the last run message off the status bar (if it is still there)."""
        if self.shown_message and self.window.statusBar().currentMessage() == self.shown_message:
            self.window.statusBar().clearMessage()
        self.shown_message = ""

    # ----- choices -----
    def _substrate_chosen(self, _index: int) -> None:
        path = self.panel.substrate_combo.currentData()
        if path:
            self.controller.choose_substrate(path)
        self.update_actions()

    def _first_usable_backend(self) -> None:
        """When the default backend cannot be used here (libvirt-python not installed), the first that can."""
        combo = self.panel.backend_combo
        usable = [i for i in range(combo.count()) if combo.model().item(i).isEnabled()]
        if usable and combo.currentIndex() not in usable:
            combo.setCurrentIndex(usable[0])
            self.controller.backend = combo.currentData()

    def _backend_chosen(self, _index: int) -> None:
        self.controller.backend = self.panel.backend_combo.currentData()
        self.update_actions()

    def _document_changed(self) -> None:
        """Another document (or another path for it): its run messages go, its substrate is offered."""
        document = getattr(self.window, "document", None)
        c = self.controller
        if document is not self._document:
            self._document = document
            c.clear_problems()  # the last run's failures concerned the other document
            self._clear_message()
            if not (c.deployed() or c.busy()):
                self.panel.set_status(IDLE)
        path = document.path if document is not None else None
        if path != self._document_path:
            self._document_path = path
            if not c.deployed():
                self.panel.refresh_substrates(str(matching_substrate(path).resolve()))
        if self.vxi_id is not None:
            self.show_states()
        self.update_actions()

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
    from backend.extras import libvirt_missing
    from designer.loop import event_loop

    if libvirt_missing() is None:  # libvirt-python is an optional extra: without it the libvirt backends are greyed
        from backend.deploy.libvirt.lifecycle import run_events_on

        run_events_on(event_loop())  # before any connection opens, so that remote hosts' events reach us too
    controller = RunController(lambda: window.document.model if window.document else None,
                               lambda: window.document.path if window.document else None, window)
    controller.ui = RunMode(window, controller)
    window.run_controller = controller
    return controller

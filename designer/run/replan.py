"""Run ▸ Replan…: a non-modal dialog for replanning a scheduled or running deployment over time. Choose what
changes (a host leaves, now or at a time on the deployments' clock; or a VXI grows by a factor), see the moves
the replanner proposes (component, from, to, when, why) or its refusal with the reason, drawn on the substrate,
and apply them now or at a chosen time: the agent makes them, or run mode when no agent runs.

The planning is the backend's (`designer/run/replan_work.py` calls what `vxi replan --deployment` calls); every
call runs in run mode's worker as a job, so the window answers meanwhile."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt, QTimer, QTimeZone
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from backend.model.timing import format_timestamp
from backend.model.words import plural
from designer.run import replan_work
from designer.run.replan_view import MovesView
from widgets.plain import plain_label
from widgets.theme import palette_colours

COLUMNS = ("VXI", "Component", "From", "To", "When", "Why")
CASE_TITLES = {"I": "A VXI grows (case I)", "II": "A new VXI (case II)", "III": "A host leaves (case III)"}
HOST_LEAVES_IN_S = 600.0  # the leaving time offered first: ten minutes from now on the deployments' clock
JOBS = ("replan-list", "replan", "replan-apply")
REFRESH_TICKS = 5  # the deployments listed again every five seconds while the dialog is open


def _edit_time() -> QDateTimeEdit:
    edit = QDateTimeEdit()
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss 'UTC'")
    edit.setCalendarPopup(True)
    return edit


def _set_moment(edit: QDateTimeEdit, moment: float) -> None:
    edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(round(moment)), QTimeZone.utc()))


def _moment(edit: QDateTimeEdit) -> float:
    return float(edit.dateTime().toSecsSinceEpoch())


class ReplanDialog(QDialog):
    """Propose moves for a deployment when a host leaves or a VXI grows; apply them now or later."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Replan a deployment")
        self.setModal(False)
        self.resize(1280, 720)
        self.offers: replan_work.Offers | None = None
        self.proposal: replan_work.Proposal | None = None
        self.asked: tuple | None = None  # the choices the proposal answers
        self.working: set[str] = set()  # the jobs of this dialog running
        self.wanted: tuple[str, str] | None = None  # (deployment, host) to choose once the list arrives
        self._build()
        controller.job_finished.connect(self._job_failed)
        controller.busy_changed.connect(lambda _busy: self._update_buttons())
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._tick)
        self._ticks = 0

    # ----- building -----
    def _build(self) -> None:
        self.deployment_combo = QComboBox()
        self.lease_label = plain_label()
        self.lease_label.setWordWrap(True)
        self.host_radio = QRadioButton("A host leaves:")
        self.grow_radio = QRadioButton("A VXI grows:")
        self.host_radio.setChecked(True)
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.host_radio)
        self.kind.addButton(self.grow_radio)
        self.host_combo = QComboBox()
        self.host_at_check = QCheckBox("at")
        self.host_at_check.setToolTip("Unchecked: the host is gone now, for the rest of the lease. Checked: its "
                                      "reservation ends at this time on the deployments' clock.")
        self.host_at = _edit_time()
        self.vxi_combo = QComboBox()
        self.factor = QDoubleSpinBox()
        self.factor.setRange(1.01, 100.0)
        self.factor.setSingleStep(0.25)
        self.factor.setValue(1.5)
        self.factor.setPrefix("× ")
        self.propose_button = QPushButton("Propose moves")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.hide()  # shown while the worker plans or applies
        self.summary = plain_label("Choose what changes, then Propose moves.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.apply_now = QRadioButton("now")
        self.apply_at = QRadioButton("at")
        self.apply_now.setChecked(True)
        self.when = QButtonGroup(self)
        self.when.addButton(self.apply_now)
        self.when.addButton(self.apply_at)
        self.apply_time = _edit_time()
        self.apply_button = QPushButton("Apply")
        self.result = plain_label()
        self.result.setWordWrap(True)
        self.view_title = QLabel("The substrate: the proposed moves are drawn here")
        self.view = MovesView()
        self.view.setMinimumWidth(420)

        change = QGroupBox("What changes")
        grid = QGridLayout(change)
        grid.addWidget(self.host_radio, 0, 0)
        grid.addWidget(self.host_combo, 0, 1)
        grid.addWidget(self.host_at_check, 0, 2)
        grid.addWidget(self.host_at, 0, 3)
        grid.addWidget(self.grow_radio, 1, 0)
        grid.addWidget(self.vxi_combo, 1, 1)
        grid.addWidget(QLabel("by"), 1, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.factor, 1, 3)
        grid.setColumnStretch(1, 1)
        propose = QHBoxLayout()
        propose.addWidget(self.propose_button)
        propose.addWidget(self.progress, 1)
        propose.addStretch(0)
        apply = QGroupBox("Apply the moves")
        row = QHBoxLayout(apply)
        row.addWidget(self.apply_now)
        row.addWidget(self.apply_at)
        row.addWidget(self.apply_time)
        row.addStretch(1)
        row.addWidget(self.apply_button)
        top = QHBoxLayout()
        top.addWidget(QLabel("Deployment:"))
        top.addWidget(self.deployment_combo, 1)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.lease_label)
        column.addWidget(change)
        column.addLayout(propose)
        column.addWidget(self.summary)
        column.addWidget(self.table, 1)
        column.addWidget(apply)
        column.addWidget(self.result)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        right = QWidget()
        drawing = QVBoxLayout(right)
        drawing.setContentsMargins(0, 0, 0, 0)
        drawing.addWidget(self.view_title)
        drawing.addWidget(self.view, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, 660])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self.deployment_combo.currentIndexChanged.connect(lambda _i: self._deployment_chosen())
        for signal in (self.host_radio.toggled, self.host_at_check.toggled, self.host_combo.currentIndexChanged,
                       self.vxi_combo.currentIndexChanged, self.factor.valueChanged, self.host_at.dateTimeChanged):
            signal.connect(lambda *_a: self._choices_changed())
        for signal in (self.apply_now.toggled, self.apply_time.dateTimeChanged):
            signal.connect(lambda *_a: self._show_when())
        self.propose_button.clicked.connect(self.propose)
        self.apply_button.clicked.connect(self.apply)

    # ----- opening -----
    def open(self) -> None:
        """Show the dialog and list the deployments that can be replanned (in the worker)."""
        super().open()
        self.refresh()

    def open_for_host(self, deployment: str, host: str) -> None:
        """Open on one deployment with "a host leaves" and this host chosen (from the canvas's context menu)."""
        self.wanted = (deployment, host)
        self.open()

    def refresh(self) -> None:
        """List the scheduled and running deployments again (run mode's own first)."""
        session = self.controller.session
        self._run("replan-list", lambda: replan_work.offers(session), self._offered, quiet=True)

    def _offered(self, offers: replan_work.Offers) -> None:
        previous = self.deployment_combo.currentData()
        self.offers = offers
        self.deployment_combo.blockSignals(True)
        self.deployment_combo.clear()
        for offer in offers.deployments:
            self.deployment_combo.addItem(offer.title(), offer.id)
        index = self.deployment_combo.findData(previous)
        self.deployment_combo.setCurrentIndex(max(index, 0))
        self.deployment_combo.blockSignals(False)
        if not offers.deployments:
            self.summary.setText("No deployment is scheduled or running: deploy one first (Run ▸ Deploy, or "
                                 "`vxi deploy`).")
        wanted, self.wanted = self.wanted, None
        if wanted is not None and self.deployment_combo.findData(wanted[0]) >= 0:
            self.deployment_combo.blockSignals(True)
            self.deployment_combo.setCurrentIndex(self.deployment_combo.findData(wanted[0]))
            self.deployment_combo.blockSignals(False)
            self._deployment_chosen(keep=wanted[0] == previous)
            self.host_radio.setChecked(True)
            self.host_combo.setCurrentText(wanted[1])
        else:
            self._deployment_chosen(keep=index >= 0)
        self.clock_timer.start()

    def offer(self) -> replan_work.Offer | None:
        """The deployment chosen."""
        ident = self.deployment_combo.currentData()
        return next((o for o in self.offers.deployments if o.id == ident), None) if self.offers else None

    def _deployment_chosen(self, keep: bool = False) -> None:
        offer = self.offer()
        if not keep:
            for combo, items in ((self.host_combo, offer.hosts if offer else []),
                                 (self.vxi_combo, offer.vxis if offer else [])):
                combo.blockSignals(True)
                combo.clear()
                combo.addItems(items)
                combo.blockSignals(False)
            if offer is not None:  # the host offered first: one that carries a component
                used = [h for h in offer.hosts if h in offer.placed.values()]
                if used:
                    self.host_combo.setCurrentText(used[0])
            now = self.offers.clock.now() if self.offers else 0.0
            _set_moment(self.host_at, now + HOST_LEAVES_IN_S)
            _set_moment(self.apply_time, now + HOST_LEAVES_IN_S / 2)
        self._show_clock()
        self._choices_changed()

    def _tick(self) -> None:
        """Each second the clock; every few seconds the deployments again (a move made, a deployment ended)."""
        self._ticks += 1
        if self._ticks % REFRESH_TICKS == 0 and not self.working and not self.controller.busy():
            self.refresh()
        self._show_clock()

    def _show_clock(self) -> None:
        offer = self.offer()
        if offer is None or self.offers is None:
            self.lease_label.setText("")
            return
        clock = self.offers.clock
        lease = "no lease" if not offer.lease else (
            f"lease {format_timestamp(offer.lease[0], '%Y-%m-%d %H:%M:%S')} to "
            + (format_timestamp(offer.lease[1], '%H:%M:%S UTC') if offer.lease[1] else "until torn down"))
        speed = "" if clock.speed == 1 else f" (clock ×{clock.speed:g})"
        who = "vxi agent makes the moves" if self.offers.agent else (
            "no agent runs: run mode makes the moves" if self._own(offer) else
            "no agent runs: moves due now are made at once, later ones wait for `vxi agent`")
        pending = f"; {plural(len(offer.pending), 'move')} kept, not made yet" if offer.pending else ""
        self.lease_label.setText(f"{lease}; now {format_timestamp(clock.now(), '%H:%M:%S UTC')} on the "
                                 f"deployments' clock{speed}; {who}{pending}")

    def _own(self, offer) -> bool:
        record = self.controller.record()
        return record is not None and record.id == offer.id

    # ----- choices -----
    def choices(self) -> tuple:
        """(deployment, host leaving or None, when it leaves or None, (VXI, factor) or None)."""
        offer = self.offer()
        ident = offer.id if offer else None
        if self.host_radio.isChecked():
            at = _moment(self.host_at) if self.host_at_check.isChecked() else None
            return ident, self.host_combo.currentText() or None, at, None
        return ident, None, None, (self.vxi_combo.currentText(), round(self.factor.value(), 4))

    def _choices_changed(self) -> None:
        leaving = self.host_radio.isChecked()
        self.host_combo.setEnabled(leaving)
        self.host_at_check.setEnabled(leaving)
        self.host_at.setEnabled(leaving and self.host_at_check.isChecked())
        self.vxi_combo.setEnabled(not leaving)
        self.factor.setEnabled(not leaving)
        self._update_buttons()

    def _why(self, move) -> str:
        _ident, host, at, grow = self.asked
        strategy = self.proposal.plan.strategy
        if host is not None:
            when = f" at {format_timestamp(at, '%H:%M:%S UTC')}" if at is not None else ""
            return f"host {host} leaves{when} ({strategy})"
        vxi, factor = grow
        if move.vxi == vxi:
            return f"{vxi} grows ×{factor:g} ({strategy})"
        return f"makes room for {vxi} growing ×{factor:g} ({strategy})"

    def _when(self) -> str:
        offer = self.offer()
        clock_now = self.offers.clock.now() if self.offers else 0.0
        moment = clock_now if self.apply_now.isChecked() else _moment(self.apply_time)
        text = "now" if self.apply_now.isChecked() else format_timestamp(moment, "%H:%M:%S UTC")
        _ident, host, at, _grow = self.asked or (None, None, None, None)
        if offer is not None and offer.state == "scheduled" and offer.lease and moment < offer.lease[0]:
            text += f" (made at the lease start, {format_timestamp(offer.lease[0], '%H:%M UTC')})"
        elif host is not None and at is not None and moment >= at:
            text += f" (after {host} leaves)"
        return text

    # ----- proposing -----
    def propose(self) -> bool:
        """Ask the replanner (in the worker) for the moves the choices need."""
        ident, host, at, grow = asked = self.choices()
        if ident is None:
            return False
        self.summary.setText("Planning…")
        self.summary.setStyleSheet("")
        self.result.setText("")
        started = self._run("replan", lambda: replan_work.propose(ident, host, at, grow),
                            lambda proposal: self._proposed(proposal, asked))
        return started

    def _proposed(self, proposal: replan_work.Proposal, asked: tuple) -> None:
        self.proposal, self.asked = proposal, asked
        plan = proposal.plan
        _ident, host, at, _grow = asked
        title = CASE_TITLES.get(plan.case, f"case {plan.case}")
        if plan.feasible:
            self.summary.setStyleSheet("")
            self.summary.setText(f"{title}: {plan.strategy}; {plural(len(plan.moves), 'migration')}, "
                                 f"{plural(len(plan.rerouted), 'link')} re-routed.")
        else:
            self._say_error()
            self.summary.setText(f"{title}: no plan. {plan.reason}")
        self._fill_table()
        leaving = None
        if host is not None:
            leaving = (host, f"leaves at {format_timestamp(at, '%H:%M UTC')}" if at is not None else "leaves")
        self.view.show_plan(proposal.substrate, proposal.vxis, plan, leaving, proposal.now)
        self.view_title.setText("The proposed placement: an arrow from each moving part's host to its new place"
                                if plan.feasible else "The placement now (the replanner found no plan)")
        self._update_buttons()

    def _fill_table(self) -> None:
        moves = self.proposal.plan.moves if self.proposal and self.proposal.plan.feasible else []
        self.table.setRowCount(len(moves))
        for row, move in enumerate(moves):
            cells = (move.vxi, move.component, move.source or "-", move.target or "-", self._when(), self._why(move))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)

    def _show_when(self) -> None:
        self.apply_time.setEnabled(self.apply_at.isChecked())
        for row in range(self.table.rowCount()):
            self.table.item(row, 4).setText(self._when())

    def listed(self) -> list[dict]:
        """The moves listed, as `vxi replan --json` writes them (vxi, component, from, to)."""
        rows = []
        for row in range(self.table.rowCount()):
            vxi, comp, source, target = (self.table.item(row, c).text() for c in range(4))
            rows.append({"vxi": vxi, "component": comp, "from": None if source == "-" else source,
                         "to": None if target == "-" else target})
        return rows

    # ----- applying -----
    def apply_refusal(self) -> str | None:
        """Why Apply cannot be used now (None when it can)."""
        if self.working - {"replan-list"} or self.controller.busy():
            job = self.controller.running_job or next(iter(self.working))
            return f"wait until the {job} job ends"
        if self.proposal is None:
            return "propose moves first"
        if self.asked != self.choices():
            return "the choices changed: propose moves again"
        if not self.proposal.plan.feasible:
            return "there is no plan to apply"
        if not self.proposal.plan.moves:
            return "the plan moves nothing"
        return None

    def apply(self) -> bool:
        """Keep the proposed moves for the agent (or run mode) at the time chosen."""
        if self.apply_refusal() is not None:
            return False
        proposal, own = self.proposal, self.controller.session
        at = None if self.apply_now.isChecked() else _moment(self.apply_time)
        started = self._run("replan-apply", lambda: replan_work.apply(proposal, at, own), self._applied)
        return started

    def _applied(self, applied: replan_work.Applied) -> None:
        self.proposal = None
        moves = applied.moves
        when = format_timestamp(moves[0]["at"], "%H:%M:%S UTC") if moves else ""
        record = self.controller.record()
        own = record is not None and record.id == applied.deployment
        if applied.agent:
            who = "vxi agent makes them"
        elif own:
            who = "run mode makes them (no agent runs)"
            self.controller.follow_time()
        elif applied.done:
            who = "made now: " + "; ".join(applied.done)
        else:
            who = "start `vxi agent` to make them"
        if own:  # the canvas marks say where each part moves, and when
            self.controller.states_changed.emit()
        self.result.setText(f"{plural(len(moves), 'move')} of deployment {applied.deployment} kept, at {when}: "
                            f"{who}.")
        self._update_buttons()
        self.refresh()

    # ----- jobs -----
    def _run(self, name: str, work, done, quiet: bool = False) -> bool:
        def finish(result) -> None:
            self._ended(name)
            done(result)
            self._update_buttons()

        started = self.controller.run_job(name, work, finish, quiet=quiet)
        if started:
            self.working.add(name)
            self.progress.setRange(0, 0)
            self.progress.setVisible(bool(self.working - {"replan-list"}))
        elif not quiet:
            job = self.controller.running_job or "another"
            self.summary.setText(f"Wait until the {job} job ends, then try again.")
        self._update_buttons()
        return started

    def _job_failed(self, job: str, ok: bool, message: str) -> None:
        if job not in JOBS or ok:
            return
        self._ended(job)
        self._say_error()
        self.summary.setText(message)
        self._update_buttons()

    def _ended(self, job: str) -> None:
        self.working.discard(job)
        self.progress.setVisible(bool(self.working - {"replan-list"}))

    def _update_buttons(self) -> None:
        busy = bool(self.working - {"replan-list"}) or self.controller.busy()
        self.propose_button.setEnabled(not busy and self.offer() is not None)
        refusal = self.apply_refusal()
        self.apply_button.setEnabled(refusal is None)
        self.apply_button.setToolTip("Keep these moves: the agent makes them at the time chosen" if refusal is None
                                     else f"Apply: {refusal}")

    def _say_error(self) -> None:
        colour = palette_colours(self.palette())["error"].name()
        self.summary.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def hideEvent(self, event) -> None:
        self.clock_timer.stop()
        super().hideEvent(event)

"""Run-mode dialogs, both non-modal (opened with open(), never exec()): moving a router to another host
(hosts that fit are offered, the others greyed with their reason; progress shown through the move) and
starting a traffic flow between two deployed components."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from widgets.plain import plain_label, plain_tip


class MigrationDialog(QDialog):
    """Choose a router, choose a host, watch the move."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Migrate a router")
        self.setModal(False)
        self.resize(520, 420)
        self.component_combo = QComboBox()
        self.hosts = QListWidget()
        self.hosts.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.log = plain_label("Choose a router and a host that fits.")
        self.log.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.migrate_button = self.buttons.addButton("Migrate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        form = QFormLayout()
        form.addRow("Component:", self.component_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Destination host:"))
        layout.addWidget(self.hosts, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.log)
        layout.addWidget(self.buttons)
        self.component_combo.currentIndexChanged.connect(self._list_hosts)
        self.hosts.currentItemChanged.connect(self._update_button)
        self.migrate_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close)
        controller.progress.connect(self._progress)
        controller.job_finished.connect(self._finished)
        self.moving = False

    def refresh(self) -> None:
        """List the deployed routers first, then the other components."""
        record = self.controller.record()
        self.component_combo.blockSignals(True)
        self.component_combo.clear()
        if record is not None:
            keys = sorted(record.components, key=lambda k: (record.components[k].kind != "router", k))
            for key in keys:
                comp = record.components[key]
                self.component_combo.addItem(f"{key} ({comp.kind} on {comp.host})", key)
        self.component_combo.blockSignals(False)
        self._list_hosts()

    def open(self) -> None:
        self.refresh()
        super().open()

    def open_for(self, key: str | None = None) -> None:
        """Open on one deployed component (a record key), or on the first router when None."""
        self.refresh()
        index = self.component_combo.findData(key) if key is not None else -1
        if index >= 0:
            self.component_combo.setCurrentIndex(index)
        super().open()

    def _list_hosts(self) -> None:
        self.hosts.clear()
        key = self.component_combo.currentData()
        if key is None:
            self._update_button()
            return
        for choice in self.controller.host_choices(key):
            text = choice.host + (f"  ({choice.free} free)" if choice.fits and choice.free else "")
            item = QListWidgetItem(text if choice.fits else f"{choice.host}: {choice.reason}")
            item.setData(Qt.ItemDataRole.UserRole, choice.host)
            item.setToolTip(plain_tip(choice.reason or f"{choice.host} can take {key}"))
            if not choice.fits:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.hosts.addItem(item)
        first = next((i for i in range(self.hosts.count())
                      if self.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled), None)
        if first is not None:
            self.hosts.setCurrentRow(first)
        self._update_button()

    def offered(self) -> list[str]:
        """Hosts that can be chosen."""
        return [self.hosts.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.hosts.count())
                if self.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]

    def refused(self) -> list[str]:
        """Lines of the hosts that cannot be chosen, each with its reason."""
        return [self.hosts.item(i).text() for i in range(self.hosts.count())
                if not self.hosts.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]

    def _update_button(self, *_args) -> None:
        item = self.hosts.currentItem()
        ok = item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)
        self.migrate_button.setEnabled(ok and not self.moving and self.controller.deployed())

    def start(self) -> None:
        """Move the chosen component to the chosen host."""
        key, item = self.component_combo.currentData(), self.hosts.currentItem()
        if key is None or item is None:
            return
        host = item.data(Qt.ItemDataRole.UserRole)
        if self.controller.migrate(key, host):
            self.moving = True
            self.progress_bar.setRange(0, 0)
            self.log.setText(f"Moving {key} to {host}…")
            self._update_button()

    def _progress(self, progress) -> None:
        if self.moving:
            self.log.setText(progress.line())

    def _finished(self, job: str, ok: bool, message: str) -> None:
        if job != "migrate" or not self.moving:
            return
        self.moving = False
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if ok else 0)
        notice = getattr(self.controller.last_migration, "notice", "") if ok else ""
        self.log.setText(message + (f"\n{notice}" if notice else ""))
        self.refresh()


class TrafficDialog(QDialog):
    """Start an iperf3 flow: from, to, protocol, rate (0 = full), duration (0 = until stopped)."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Start traffic")
        self.setModal(False)
        self.source = QComboBox()
        self.destination = QComboBox()
        self.protocol = QComboBox()
        self.protocol.addItems(["tcp", "udp"])
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 100000)
        self.rate.setDecimals(1)
        self.rate.setSuffix(" Mbit/s")
        self.rate.setSpecialValueText("full rate")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0, 86400)
        self.seconds.setDecimals(0)
        self.seconds.setSuffix(" s")
        self.seconds.setSpecialValueText("until stopped")
        form = QFormLayout(self)
        form.addRow("From:", self.source)
        form.addRow("To:", self.destination)
        form.addRow("Protocol:", self.protocol)
        form.addRow("Rate:", self.rate)
        form.addRow("Duration:", self.seconds)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        form.addRow(buttons)
        self.start_button.clicked.connect(self.start)
        buttons.rejected.connect(self.reject)

    def open(self) -> None:
        record = self.controller.record()
        for combo in (self.source, self.destination):
            combo.clear()
            for key, comp in (record.components.items() if record else []):
                if comp.kind != "router" and comp.addresses:
                    combo.addItem(key, key)
        if self.destination.count() > 1:
            self.destination.setCurrentIndex(self.destination.count() - 1)
        super().open()

    def start(self) -> None:
        """Start the flow and close."""
        if self.controller.start_traffic(self.source.currentData(), self.destination.currentData(),
                                         self.protocol.currentText(), self.rate.value() * 1e6,
                                         self.seconds.value()):
            self.accept()

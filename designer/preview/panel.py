"""The embedding preview's panel: the open VXI (and extra VXI files) embedded on a chosen substrate, drawn
on it, recomputed 300 ms after each edit in a worker thread (its result comes back as a queued Qt signal, so
this works under qasync and under a plain Qt loop alike); a stale result is dropped."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend.embedding import ALGORITHMS
from backend.embedding.utilisation import busiest
from backend.model import Infrastructure, Substrate
from backend.resources import examples_dir
from designer.preview.job import PreviewInput, PreviewResult, compute
from widgets.substrate_view import SubstrateView
from widgets.theme import palette_colours
from widgets.time_slider import TimeSlider

EXAMPLES = examples_dir()
DEBOUNCE_MS = 300
OPEN_DOCUMENT = "<open document>"


class _Relay(QObject):
    """Carries a result from the worker thread to the GUI thread (a queued signal)."""

    done = Signal(object)


def _run(job: PreviewInput, relay: _Relay) -> None:
    """In the worker thread: compute, then hand the result to the GUI thread (dropped if the panel is gone)."""
    result = compute(job)
    try:
        relay.done.emit(result)
    except RuntimeError:  # the panel, and its relay, were deleted meanwhile
        pass


class PreviewPanel(QWidget):
    """Substrate, algorithm and extra VXIs to choose; the embedding drawn; refusals listed with their reason.

    Double-clicking a chip of the open document's VXI emits component_activated(component id)."""

    shown = Signal()
    component_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None, recent: Callable[[], list[str]] | None = None,
                 ask_path: Callable[[str], str | None] | None = None) -> None:
        super().__init__(parent)
        self.recent = recent or (lambda: [])
        self.ask_path = ask_path or self._ask_path
        self.model: Infrastructure | Substrate | None = None
        self.result: PreviewResult | None = None
        self.generation = 0
        self.running = False
        self.pending = False
        self.extra_paths: list[str] = []
        self.closed = False
        self.stale = False  # something changed while the preview was hidden
        self.chosen = False  # the user moved the time slider: keep that moment across recomputes
        self.source: Callable[[], Infrastructure | Substrate | None] | None = None
        self._build()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.recompute_now)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview")
        self.relay = _Relay(self)  # owned by the panel, so it is never deleted from the worker thread
        self.relay.done.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self.refresh_substrates()

    def _build(self) -> None:
        self.substrate_combo = QComboBox()
        self.substrate_combo.setMinimumContentsLength(16)
        self.substrate_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.browse_button = QPushButton("Browse…")
        self.algorithm_combo = QComboBox()
        self.algorithm_combo.addItems(list(ALGORITHMS))
        if "best" in ALGORITHMS:
            self.algorithm_combo.setCurrentText("best")
        self.extras_list = QListWidget()
        self.extras_list.setMaximumHeight(80)
        self.add_button = QPushButton("Add VXI…")
        self.remove_button = QPushButton("Remove")
        self.status = QLabel("Choose a substrate")
        self.status.setWordWrap(True)
        self.slider = TimeSlider()
        self.view = SubstrateView()
        self.refused_title = QLabel("Refused requests")
        self.refused_list = QListWidget()
        self.refused_list.setWordWrap(True)

        substrate_row = QHBoxLayout()
        substrate_row.addWidget(self.substrate_combo, 1)
        substrate_row.addWidget(self.browse_button)
        extras_buttons = QHBoxLayout()
        extras_buttons.addWidget(self.add_button)
        extras_buttons.addWidget(self.remove_button)
        side = QWidget()
        side.setMaximumWidth(320)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        for label, part in (("Substrate", substrate_row), ("Algorithm", self.algorithm_combo),
                            ("Also embed these VXIs", self.extras_list), (None, extras_buttons),
                            (None, self.status), ("", None), (None, self.refused_title), (None, self.refused_list)):
            if label is not None:
                column.addWidget(QLabel(label))
            if isinstance(part, QWidget):
                column.addWidget(part, 1 if part is self.refused_list else 0)
            elif part is not None:
                column.addLayout(part)
        main = QVBoxLayout()
        main.addWidget(self.slider)
        main.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(side)
        layout.addLayout(main, 1)

        self.substrate_combo.currentIndexChanged.connect(lambda _i: self.schedule())
        self.algorithm_combo.currentIndexChanged.connect(lambda _i: self.schedule())
        self.browse_button.clicked.connect(self._browse)
        self.add_button.clicked.connect(self._add_clicked)
        self.remove_button.clicked.connect(self._remove_clicked)
        self.slider.moment_changed.connect(self._moment_chosen)
        self.view.chip_activated.connect(self._chip_activated)

    # ----- what to embed -----
    def follow(self, model: Infrastructure | Substrate | None, recompute: bool = True) -> None:
        """Embed this document's model and recompute after each of its changes."""
        if model is self.model:
            return
        if self.model is not None:
            self.model.unsubscribe(self._model_changed)
        self.model = model
        if model is not None:
            model.subscribe(self._model_changed)
        self.refresh_substrates()
        if recompute:
            self.schedule()

    def _model_changed(self, _change) -> None:
        self.schedule()

    def refresh_substrates(self) -> None:
        """Offer the open substrate document, the examples' substrates and recent files."""
        current = self.substrate_combo.currentData()
        self.substrate_combo.blockSignals(True)
        self.substrate_combo.clear()
        if isinstance(self.model, Substrate):
            self.substrate_combo.addItem(f"The open substrate ({self.model.id})", OPEN_DOCUMENT)
        seen: set[str] = set()
        for path in [*sorted(EXAMPLES.glob("*substrate*.vxdl")), *map(Path, self.recent())]:
            key = str(Path(path).resolve())
            if key not in seen and looks_like_substrate(Path(key)):
                seen.add(key)
                self.substrate_combo.addItem(Path(key).name, key)
        if isinstance(current, str) and current != OPEN_DOCUMENT and current not in seen and Path(current).exists():
            self.substrate_combo.addItem(Path(current).name, current)
        index = 0 if isinstance(self.model, Substrate) else max(0, self.substrate_combo.findData(current))
        self.substrate_combo.setCurrentIndex(index)
        self.substrate_combo.blockSignals(False)

    def set_substrate_path(self, path: str) -> None:
        """Embed on the substrate in this file."""
        key = str(Path(path).resolve())
        index = self.substrate_combo.findData(key)
        if index < 0:
            self.substrate_combo.addItem(Path(key).name, key)
            index = self.substrate_combo.count() - 1
        self.substrate_combo.setCurrentIndex(index)
        self.schedule()

    def add_extra(self, path: str) -> None:
        """Also embed the VXI in this file (after the open document's)."""
        key = str(Path(path).resolve())
        if key not in self.extra_paths:
            self.extra_paths.append(key)
            item = QListWidgetItem(Path(key).name)
            item.setToolTip(key)
            self.extras_list.addItem(item)
            self.schedule()

    def remove_extra(self, index: int) -> None:
        """Stop embedding the index-th extra VXI."""
        if 0 <= index < len(self.extra_paths):
            del self.extra_paths[index]
            self.extras_list.takeItem(index)
            self.schedule()

    def _ask_path(self, title: str) -> str | None:
        folder = str(EXAMPLES) if EXAMPLES.exists() else ""
        path, _ = QFileDialog.getOpenFileName(self, title, folder, "VXDL files (*.vxdl *.xml);;All files (*)")
        return path or None

    def _browse(self) -> None:
        path = self.ask_path("Choose a substrate")
        if path:
            self.set_substrate_path(path)

    def _add_clicked(self) -> None:
        path = self.ask_path("Add a VXI to embed")
        if path:
            self.add_extra(path)

    def _remove_clicked(self) -> None:
        self.remove_extra(self.extras_list.currentRow())

    # ----- computing -----
    def busy(self) -> bool:
        """True while an embedding is waiting or running."""
        return self.running or self.pending or self.timer.isActive()

    def schedule(self) -> None:
        """Recompute DEBOUNCE_MS after the last call (once shown again, while hidden)."""
        if not self.isVisible():
            self.stale = True
            return
        self.timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.stale:
            self.stale = False
            self.schedule()

    def recompute_now(self) -> None:
        """Start an embedding in the worker thread (or after the running one, whose result is then stale)."""
        self.timer.stop()
        if self.closed:
            return
        if self.running:
            self.pending = True
            return
        if self.source is not None:
            self.follow(self.source(), recompute=False)
        job = self._job()
        if job is None:
            return
        self.running = True
        self._set_status("Embedding…")
        self.executor.submit(_run, job, self.relay)

    def _job(self) -> PreviewInput | None:
        self.generation += 1
        data = self.substrate_combo.currentData()
        if data is None:
            self._set_status("Choose a substrate file (Browse…)")
            return None
        model = self.model
        return PreviewInput(
            self.generation, self.algorithm_combo.currentText(),
            substrate_path=None if data == OPEN_DOCUMENT else data,
            substrate=model.clone() if data == OPEN_DOCUMENT and isinstance(model, Substrate) else None,
            document_vxi=model.clone() if isinstance(model, Infrastructure) else None,
            extra_paths=list(self.extra_paths))

    def _finished(self, result: PreviewResult) -> None:
        self.running = False
        if self.pending or result.generation != self.generation:
            self.pending = False
            self.recompute_now()
            return
        self._show(result)

    # ----- showing -----
    def _show(self, result: PreviewResult) -> None:
        previous = self.result
        self.result = result
        if result.substrate is not None:
            same = previous is not None and previous.substrate is not None and \
                previous.substrate.id == result.substrate.id
            self.view.set_substrate(result.substrate, refit=not same, draw=bool(result.error))
        if result.error:
            self._set_status(result.error, error=True)
            self.slider.set_moments([], [])
            self._list_refusals([])
            self.shown.emit()
            return
        mapping = result.mapping
        accepted = sum(r.accepted for r in mapping.requests)
        self._set_status(f"{accepted} of {len(mapping.requests)} requests embedded with {mapping.algorithm} "
                         f"in {result.seconds:.2f} s")
        keep = None
        if self.chosen and previous is not None and previous.moments and \
                0 <= self.slider.current() < len(previous.moments):
            keep = previous.moments[self.slider.current()].start
        starts = [m.start for m in result.moments]
        current = starts.index(keep) if keep in starts else busiest(result.mapping, result.moments)
        self.slider.set_moments([m.describe() for m in result.moments], _marks(result.moments), current)
        self._list_refusals(result.refused)
        self._draw()
        self.shown.emit()

    def _chip_activated(self, request: str, component: str) -> None:
        """A chip of the open document's VXI names one of its components (a group member names its group)."""
        result = self.result
        if result is None or result.mapping is None or not isinstance(self.model, Infrastructure):
            return
        first = result.mapping.requests[0] if result.mapping.requests else None
        if first is not None and first.id == request and result.requests and result.requests[0].id == self.model.id:
            self.component_activated.emit(component.split("#", 1)[0])

    def _moment_chosen(self, _index: int) -> None:
        self.chosen = True
        self._draw()

    def _draw(self) -> None:
        result = self.result
        if result is None or result.mapping is None or not result.moments:
            return
        i = min(self.slider.current(), len(result.moments) - 1)
        self.view.set_mapping(result.mapping, result.requests, result.moments[i].start, result.utilisation[i])

    def _list_refusals(self, refused: list[tuple[str, str]]) -> None:
        self.refused_list.clear()
        self.refused_title.setText(f"Refused requests ({len(refused)})")
        for vxi_id, reason in refused:
            item = QListWidgetItem(f"{vxi_id}: {reason}")
            item.setToolTip(reason)
            self.refused_list.addItem(item)
        if not refused and self.result is not None and not self.result.error:
            item = QListWidgetItem("Every request fits.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.refused_list.addItem(item)

    def refusals(self) -> list[str]:
        """The refusal lines shown."""
        return [self.refused_list.item(i).text() for i in range(self.refused_list.count())
                if self.refused_list.item(i).flags() != Qt.ItemFlag.NoItemFlags]

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        colour = palette_colours(self.palette())["error"].name() if error else ""
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    def shutdown(self) -> None:
        """Stop listening and wait for a running embedding (at close)."""
        self.closed = True
        self.timer.stop()
        if self.model is not None:
            self.model.unsubscribe(self._model_changed)
            self.model = None
        self.executor.shutdown(wait=True)


def looks_like_substrate(path: Path) -> bool:
    """True for a .vxdl file named or declared (x:role) as a substrate; cheap enough for the recent files."""
    if path.suffix != ".vxdl" or not path.is_file():
        return False
    if "substrate" in path.name.lower():
        return True
    try:
        with path.open("rb") as handle:
            return b"role>substrate</" in handle.read(4 << 20)
    except OSError:
        return False


def _marks(moments) -> list[str]:
    """Short labels: the time of day, with the date when the moments span several days."""
    starts = [m.start for m in moments if m.start is not None]
    if not starts:
        return ["always"]
    days = {datetime.fromtimestamp(t, timezone.utc).date() for t in starts}
    fmt = "%H:%M" if len(days) == 1 else "%d %b %H:%M"
    return [datetime.fromtimestamp(m.start, timezone.utc).strftime(fmt) if m.start is not None else "always"
            for m in moments]

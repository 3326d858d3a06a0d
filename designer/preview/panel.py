"""The embedding preview's panel: the open VXI (and extra VXI files) embedded on a chosen substrate, drawn
on it, recomputed 300 ms after each edit by an asyncio task on the designer's loop awaiting a worker thread;
a stale result is dropped. The legend and the placed and refused requests are listed beside the drawing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from backend.embedding import ALGORITHMS
from backend.embedding.utilisation import busiest
from backend.model import Infrastructure, Substrate
from backend.resources import examples_dir
from designer.loop import event_loop, start_task
from designer.preview.job import PreviewInput, PreviewResult, compute
from designer.preview.legend import PreviewLegend
from designer.preview.view import PreviewView
from widgets.substrate_view import is_active
from widgets.theme import palette_colours
from widgets.time_slider import TimeSlider

EXAMPLES = examples_dir()
DEBOUNCE_MS = 300
OPEN_DOCUMENT = "<open document>"


class PreviewPanel(QWidget):
    """Substrate, algorithm and extra VXIs to choose; the embedding drawn; the legend, the placed requests and
    the refused ones with their reason beside it.

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
        self.tasks: set[asyncio.Task] = set()  # the embedding under way (kept until it ends)
        self.refresh_substrates()

    def _build(self) -> None:
        self.substrate_combo = QComboBox()
        self.substrate_combo.setMinimumContentsLength(16)
        self.substrate_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.substrate_combo.setAccessibleName("Substrate")
        self.browse_button = QPushButton("Browse…")
        self.algorithm_combo = QComboBox()
        self.algorithm_combo.addItems(list(ALGORITHMS))
        self.algorithm_combo.setAccessibleName("Algorithm")
        if "best" in ALGORITHMS:
            self.algorithm_combo.setCurrentText("best")
        self.extras_list = QListWidget()
        self.extras_list.setMaximumHeight(72)
        self.extras_list.setAccessibleName("Also embed these VXIs")
        self.add_button = QPushButton("Add VXI…")
        self.remove_button = QPushButton("Remove")
        self.status = QLabel("Choose a substrate")
        self.status.setWordWrap(True)
        self.whole_button = QPushButton("Whole substrate")
        self.whole_button.setToolTip("Zoom out until the whole substrate shows (the drawing opens at a zoom where "
                                     "its text reads at 9 pt; scroll to zoom, drag to pan)")
        self.slider = TimeSlider()
        self.view = PreviewView()
        self.legend = PreviewLegend()
        self.refused_title, self.refused_list = self.legend.refused_title, self.legend.refused_list

        choices = QHBoxLayout()
        for label, widget, stretch in (("Substrate:", self.substrate_combo, 1), (None, self.browse_button, 0),
                                       ("Algorithm:", self.algorithm_combo, 0), (None, self.whole_button, 0)):
            if label:
                choices.addSpacing(8)
                choices.addWidget(QLabel(label))
            choices.addWidget(widget, stretch)
        choices.addStretch(1)
        extras_buttons = QHBoxLayout()
        extras_buttons.addWidget(self.add_button)
        extras_buttons.addWidget(self.remove_button)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(6, 0, 6, 0)
        column.addWidget(self.legend, 1)
        extras_title = QLabel("Also embed these VXIs (after the open one):")
        extras_title.setWordWrap(True)
        column.addWidget(extras_title)
        column.addWidget(self.extras_list)
        column.addLayout(extras_buttons)
        scroll = QScrollArea()  # the column scrolls rather than squeezing its text in a short window
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(side)
        scroll.setMinimumWidth(230)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([770, 230])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(choices)
        layout.addWidget(self.slider)
        layout.addWidget(self.status)
        layout.addWidget(self.splitter, 1)

        self.substrate_combo.currentIndexChanged.connect(lambda _i: self.schedule())
        self.algorithm_combo.currentIndexChanged.connect(lambda _i: self.schedule())
        self.browse_button.clicked.connect(self._browse)
        self.whole_button.clicked.connect(self.view.show_whole)
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
        """Start an embedding as a task awaiting the worker thread (or after the running one, whose result is
        then stale)."""
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
        start_task(self._embed(job), self.tasks)

    async def _embed(self, job: PreviewInput) -> None:
        result = await event_loop().run_in_executor(self.executor, compute, job)
        if isValid(self) and not self.closed:  # the panel may have gone meanwhile
            self._finished(result)

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
            self.legend.set_requests([], [], known=False)
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
        at_time = result.moments[i].start
        self.view.set_mapping(result.mapping, result.requests, at_time, result.utilisation[i])
        placed = []
        for index, request in enumerate(result.mapping.requests):
            if request.accepted:
                hosts = sorted(set(request.nodes.values()))
                where = (f"{len(request.nodes)} parts on {', '.join(hosts)}" if is_active(request, at_time)
                         else "not running at this time")
                placed.append((index, request.id, where))
        self.legend.set_requests(placed, result.refused)

    def refusals(self) -> list[str]:
        """The refusal lines shown."""
        return self.legend.refusal_lines()

    def placed(self) -> list[str]:
        """The placed requests shown, with their letter: 'A  VXI1: 4 parts on P2, P3, P4'."""
        return self.legend.placed_lines()

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

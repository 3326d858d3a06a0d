"""The Run dock: substrate and backend choices, deployment progress, the legend of states and link
utilisation, and the live throughput plot (per router, per link, aggregate) with CSV and PNG export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from backend.deploy.backends import BACKENDS
from backend.files import FileError
from backend.model.printable import printable
from designer.preview.panel import looks_like_substrate
from designer.run.controller import EXAMPLES
from designer.run.overlays import SYMBOLS, UTILISATION_STEPS, state_colour, utilisation_colour
from widgets.plain import plain_label, plain_tip
from widgets.theme import is_dark, palette_colours
from widgets.throughput_plot import ThroughputPlot

SHOW = {"Routers and links": "all", "Routers": "routers", "Links": "links"}
IDLE = "Not deployed. Choose a substrate and a backend, then Run ▸ Deploy."
IDLE_PLOT = "Nothing is deployed, so there is nothing to plot: Run ▸ Deploy (F5) starts the VXI, and its " \
            "throughput is drawn here while it runs."


class RunPanel(QWidget):
    """What the Run dock holds; the controller drives it through its signals."""

    extras_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None,
                 ask_path: Callable[[str, str, bool], str | None] | None = None) -> None:
        super().__init__(parent)
        self.ask_path = ask_path or self._ask_path
        self.substrate_combo = QComboBox()
        self.substrate_combo.setMinimumContentsLength(18)
        self.substrate_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.browse_button = QPushButton("Browse…")
        self.backend_combo = QComboBox()
        for choice in BACKENDS.values():  # every backend; those this process cannot use greyed, with the reason
            self.backend_combo.addItem(choice.title, choice.name)
            reason = choice.unavailable()
            item = self.backend_combo.model().item(self.backend_combo.count() - 1)
            item.setToolTip(plain_tip(f"not available: {reason}" if reason else choice.help))
            item.setEnabled(reason is None)
        self.extras_label = plain_label("only the open VXI")
        self.extras_label.setMinimumWidth(60)
        self.add_button = QPushButton("Add VXI…")
        self.add_button.setToolTip("Deploy another VXI file with the open one (they share the substrate)")
        self.clear_button = QPushButton("Clear")
        self.extra_paths: list[str] = []
        self.show_combo = QComboBox()
        self.show_combo.addItems(list(SHOW))
        self.csv_button = QPushButton("Export CSV…")
        self.png_button = QPushButton("Export PNG…")
        self.status = plain_label(IDLE)  # steps and failures name ids
        self.status.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFixedWidth(170)
        self.progress_bar.setFormat("%v of %m running")
        self.progress_bar.setValue(0)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.plot = ThroughputPlot(self, theme="light", refresh_ms=500, window_s=120.0,
                                   title="Throughput", show_aggregate=False)
        self.plot.setMinimumHeight(90)
        self.plot.set_placeholder(IDLE_PLOT)

        choices = QGridLayout()  # two rows, so that the dock never widens the window
        choices.addWidget(QLabel("Substrate:"), 0, 0)
        choices.addWidget(self.substrate_combo, 0, 1)
        choices.addWidget(self.browse_button, 0, 2)
        choices.addWidget(QLabel("Backend:"), 0, 3)
        choices.addWidget(self.backend_combo, 0, 4)
        choices.addWidget(QLabel("Also deploy:"), 1, 0)
        choices.addWidget(self.extras_label, 1, 1)
        choices.addWidget(self.add_button, 1, 2)
        choices.addWidget(self.clear_button, 1, 3)
        choices.setColumnStretch(1, 1)
        state_row = QHBoxLayout()
        state_row.addWidget(self.progress_bar)
        state_row.addWidget(self.status, 1)
        plot_row = QHBoxLayout()
        plot_row.addWidget(self.legend, 1)
        plot_row.addWidget(QLabel("Show:"))
        plot_row.addWidget(self.show_combo)
        plot_row.addWidget(self.csv_button)
        plot_row.addWidget(self.png_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(choices)
        layout.addLayout(state_row)
        layout.addLayout(plot_row)
        layout.addWidget(self.plot, 1)
        self.browse_button.clicked.connect(self._browse)
        self.add_button.clicked.connect(self._add_clicked)
        self.clear_button.clicked.connect(lambda: self.set_extras([]))
        self.csv_button.clicked.connect(lambda: self._export("throughput.csv", False))
        self.png_button.clicked.connect(lambda: self._export("throughput.png", True))
        self.refresh_substrates()
        self.apply_theme()

    # ----- substrate -----
    def refresh_substrates(self, preferred: str | None = None) -> None:
        """Offer the examples' substrates (and `preferred`), selecting `preferred` when given."""
        current = preferred or self.substrate_combo.currentData()
        self.substrate_combo.blockSignals(True)
        self.substrate_combo.clear()
        paths = [str(p.resolve()) for p in sorted(EXAMPLES.glob("*substrate*.vxdl")) if looks_like_substrate(p)]
        if current and current not in paths:
            paths.append(current)
        for path in paths:
            self.substrate_combo.addItem(Path(path).name, path)
            self.substrate_combo.setItemData(self.substrate_combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
        if current:
            self.substrate_combo.setCurrentIndex(max(0, self.substrate_combo.findData(current)))
        self.substrate_combo.blockSignals(False)
        self.substrate_combo.currentIndexChanged.emit(self.substrate_combo.currentIndex())

    def _ask_path(self, suggested: str, title: str, save: bool) -> str | None:
        if save:
            path, _ = QFileDialog.getSaveFileName(self, title, suggested)
        else:
            path, _ = QFileDialog.getOpenFileName(self, title, str(EXAMPLES), "VXDL files (*.vxdl *.xml)")
        return path or None

    def _browse(self) -> None:
        path = self.ask_path("", "Choose the substrate to deploy on", False)
        if path:
            self.refresh_substrates(str(Path(path).resolve()))

    def _add_clicked(self) -> None:
        path = self.ask_path("", "Also deploy this VXI", False)
        if path:
            self.set_extras([*self.extra_paths, str(Path(path).resolve())])

    def set_extras(self, paths: list[str]) -> None:
        """The other VXI files to deploy with the open one."""
        self.extra_paths = list(dict.fromkeys(paths))
        names = [Path(p).name for p in self.extra_paths]
        self.extras_label.setText(", ".join(names) if names else "only the open VXI")
        self.extras_label.setToolTip("\n".join(self.extra_paths))
        self.clear_button.setEnabled(bool(names))
        self.extras_changed.emit(list(self.extra_paths))

    def _export(self, suggested: str, image: bool) -> None:
        path = self.ask_path(suggested, "Export the plot as PNG" if image else "Export the series as CSV", True)
        if not path:
            return
        try:
            self.plot.export_png(path) if image else self.plot.export_csv(path)
        except (OSError, FileError) as exc:  # FileError names the file already
            told = printable(exc) if isinstance(exc, FileError) else f"{printable(path)}: {printable(exc)}"
            self.set_status(f"Cannot export {told}", error=True)
            return
        self.set_status(f"Exported {path}")

    # ----- showing -----
    def set_status(self, text: str, error: bool = False) -> None:
        """One line of news; errors in the theme's error colour."""
        self.status.setText(text)
        colour = palette_colours(self.palette())["error"].name() if error else ""
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    def set_progress(self, done: int, total: int) -> None:
        """How many components run out of all."""
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(min(done, max(total, 1)))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.apply_theme()

    def apply_theme(self) -> None:
        """Legend and plot colours from the current palette."""
        colours = palette_colours(self.palette())
        self.plot.set_theme("dark" if is_dark(self.palette()) else "light")
        states = "  ".join(_swatch(state_colour(colours, s), f"{SYMBOLS[s]} {s}") for s in SYMBOLS)
        lows = [0.0, 0.5, 0.8]
        links = "  ".join(_swatch(utilisation_colour(colours, low), f"■ {label}")
                          for low, (_, label) in zip(lows, UTILISATION_STEPS, strict=True))
        self.legend.setText(f"<b>State:</b> {states} &nbsp;&nbsp; <b>Link use</b> (a chip on each link that "
                            f"carries traffic): {links}")


def _swatch(colour: QColor, text: str) -> str:
    return f"<span style='color:{colour.name()}'>{text}</span>"

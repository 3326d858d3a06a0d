"""A live throughput plot (pyqtgraph): a curve per router or link, the aggregate, migration markers.

Samples arrive from a sampler thread through a queued signal; the curves are redrawn on a timer,
never per sample, so the window keeps answering. While nothing is plotted, a sentence says why in place
of empty axes. Exports the curves to CSV and the plot to PNG.
Run as `python -m widgets.throughput_plot SPEC.json OUT.png` to render a plot without a window.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QGraphicsGridLayout, QLabel, QStackedLayout, QVBoxLayout, QWidget

from backend.files import FileWriteError, atomic_write
from backend.monitor.series import TX, Marker, SeriesKey, SeriesStore
from backend.monitor.updates import MarkerEvent, SamplesEvent, StatusEvent

THEMES = {
    "dark": {"background": "#1e1f22", "foreground": "#e6e6e6", "aggregate": "#ffffff", "marker": "#ff9f43",
             "grid": 0.25,
             "palette": ["#4cc3ff", "#ffb000", "#3ddc97", "#ff6b6b", "#d59cff", "#f5e663", "#9ad0ff", "#c8c8c8"]},
    "light": {"background": "#ffffff", "foreground": "#1a1a1a", "aggregate": "#000000", "marker": "#c2410c",
              "grid": 0.2,
              "palette": ["#0060a8", "#c77800", "#00875a", "#c0392b", "#8e44ad", "#7a6a00", "#2f7fc1", "#555555"]},
}
AGGREGATE = "aggregate"
NOTHING_YET = "Nothing to plot yet."


class _Relay(QObject):
    """Carries sampler events from any thread to the widget's thread."""

    event = Signal(object)


class ThroughputPlot(QWidget):
    """Throughput per router or link (bit/s) against time (s), with the aggregate and markers."""

    redrawn = Signal()

    def __init__(self, parent: QWidget | None = None, *, theme: str = "dark", refresh_ms: int = 500,
                 window_s: float = 0.0, title: str = "", units: str = "bit/s", show_aggregate: bool = True,
                 label: str = ""):
        super().__init__(parent)
        self.store: SeriesStore | None = None
        self.window_s = window_s
        self.units = units
        self.show_aggregate = show_aggregate
        self.samples_received = 0
        self.sampler = None
        self.placeholder_text = NOTHING_YET
        self._message = ""  # why nothing is plotted (no real counters), from the sampler
        self._groups: dict[str, list[SeriesKey]] | None = None
        self._fixed: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._markers: list[Marker] = []
        self._marker_items: list[pg.InfiniteLine] = []
        self._markers_height = 0.0  # the drawing's height their labels were spaced for
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._dirty = False
        self._relay = _Relay()
        self._relay.event.connect(self._on_event, Qt.ConnectionType.QueuedConnection)

        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # curve names hold ids
        self.status.setWordWrap(True)
        self.status.hide()
        self.plot = pg.PlotWidget(self)
        self.plot.setTitle(title)
        self.plot.setLabel("bottom", "time", units="s")
        self.plot.setLabel("left", label or ("throughput" if units == "bit/s" else "value"), units=units)
        self.plot.getAxis("left").enableAutoSIPrefix(True)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        _own_context_menus(self.plot.getPlotItem(), self)
        self.follow = True
        self.plot.getViewBox().sigRangeChangedManually.connect(self._stop_following)
        self.placeholder = QLabel(self)
        self.placeholder.setTextFormat(Qt.TextFormat.PlainText)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setAccessibleName("Why nothing is plotted")
        self.stack = QStackedLayout()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(self.stack, 1)
        self.theme = ""
        self.set_theme(theme)

        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    # ----- feeding -----
    def attach(self, sampler) -> None:
        """Show the series of a `backend.monitor.Sampler` (its events may come from any thread)."""
        self.clear()
        self.sampler = sampler
        self.store = sampler.store
        for marker in sampler.store.markers():
            self._markers.append(marker)
        sampler.subscribe(self.post_event)
        self._dirty = True

    def detach(self) -> None:
        """Stop listening to the sampler (the curves drawn so far stay, and so does their export)."""
        if self.sampler is not None:
            self.sampler.unsubscribe(self.post_event)
            self.sampler = None
        self.set_status("")

    def clear(self) -> None:
        """Forget the sampler, the series and the markers: nothing is plotted."""
        self.detach()
        self.store, self._groups, self._markers = None, None, []
        self._dirty = True
        self.redraw()

    def set_placeholder(self, text: str) -> None:
        """What the plot says while it has no curve and no message of its own."""
        self.placeholder_text = text
        self._show_placeholder()

    def message(self) -> str:
        """The sentence shown about the plot (why nothing is plotted, a sampling error), '' when none."""
        if self.stack.currentWidget() is self.placeholder:
            return self.placeholder.text()
        return self.status.text() if not self.status.isHidden() else ""

    def post_event(self, event: object) -> None:
        """Take a sampler event from any thread."""
        self._relay.event.emit(event)

    def _on_event(self, event: object) -> None:
        if isinstance(event, SamplesEvent):
            self.samples_received += len(event.points)
            self._dirty = True
        elif isinstance(event, MarkerEvent):
            self.add_marker(event.marker)
        elif isinstance(event, StatusEvent):
            self.set_status(event.message if not event.real else "")

    def set_groups(self, groups: dict[str, list[SeriesKey]] | None) -> None:
        """Curves as named sums of series (a router: its interfaces; a link: one end); None = per component."""
        self._groups = groups
        self._dirty = True

    def set_points(self, name: str, points: list[tuple[float, float]]) -> None:
        """Show a fixed curve (an experiment's result) next to the live ones."""
        array = np.asarray([(t, np.nan if v is None else v) for t, v in points], dtype=float).reshape(-1, 2)
        self._fixed[name] = (array[:, 0], array[:, 1])
        self._dirty = True

    def add_marker(self, marker: Marker) -> None:
        """Draw a vertical line with a label (migration start, end)."""
        if marker not in self._markers:
            self._markers.append(marker)
        self._dirty = True

    def set_status(self, message: str) -> None:
        """Say why nothing is plotted (no real counters) or what went wrong; '' removes the message."""
        self._message = message
        self._show_placeholder()

    def _show_placeholder(self, empty: bool | None = None) -> None:
        """The curves, or instead of empty axes the message (or the placeholder text)."""
        if empty is None:
            empty = not self._curves
        self.placeholder.setText(self._message or self.placeholder_text)
        self.stack.setCurrentWidget(self.placeholder if empty else self.plot)
        self.status.setText(self._message)
        self.status.setVisible(bool(self._message) and not empty)

    # ----- looks -----
    def set_theme(self, name: str) -> None:
        """Apply the 'dark' or 'light' colours."""
        if name not in THEMES:
            raise ValueError(f"unknown theme '{name}' (dark or light)")
        self.theme = name
        colours = THEMES[name]
        self.plot.setBackground(colours["background"])
        for axis in ("left", "bottom"):
            item = self.plot.getAxis(axis)
            item.setPen(pg.mkPen(colours["foreground"]))
            item.setTextPen(pg.mkPen(colours["foreground"]))
        self.plot.showGrid(x=True, y=True, alpha=colours["grid"])
        self.plot.getPlotItem().titleLabel.setText(self.plot.getPlotItem().titleLabel.text,
                                                   color=colours["foreground"])
        self.legend.setLabelTextColor(colours["foreground"])
        self.status.setStyleSheet(f"color: {colours['marker']}; padding: 4px;")
        self.placeholder.setStyleSheet(f"color: {colours['foreground']}; background: {colours['background']};"
                                       " padding: 24px;")
        for item in self._curves.values():
            self.plot.removeItem(item)
        self.legend.clear()
        self._curves.clear()
        self._dirty = True
        self.redraw()

    def _pen(self, name: str, index: int) -> pg.QtGui.QPen:
        colours = THEMES[self.theme]
        if name == AGGREGATE:
            return pg.mkPen(colours["aggregate"], width=2.5, style=Qt.PenStyle.DashLine)
        return pg.mkPen(colours["palette"][index % len(colours["palette"])], width=2)

    # ----- drawing -----
    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every curve as (times, values), the aggregate last."""
        result: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.store is not None:
            groups = self._groups if self._groups is not None else self._default_groups()
            for name, keys in groups.items():
                times, values = self.store.total(keys)
                if len(times):
                    result[name] = (times, values)
        result.update(self._fixed)
        if self.show_aggregate and len(result) > 1 and AGGREGATE not in result:
            result[AGGREGATE] = _sum_curves(list(result.values()))
        return result

    def _default_groups(self) -> dict[str, list[SeriesKey]]:
        groups: dict[str, list[SeriesKey]] = {}
        for key in self.store.series_keys() if self.store else []:
            if key.direction == TX:
                groups.setdefault(key.component, []).append(key)
        return groups

    def redraw(self) -> None:
        """Redraw the curves and markers when something changed (called by the timer)."""
        self._fit_legend()  # the plot's height changes with the panel around it, not only with this widget
        if self._marker_items and self.plot.getViewBox().height() != self._markers_height:
            self._draw_markers()  # their labels are spaced by the drawing's height
        if not self._dirty:
            return
        self._dirty = False
        top = 0.0
        curves = self.curves()
        for name in [n for n in self._curves if n not in curves]:  # a curve no longer asked for
            self.plot.removeItem(self._curves.pop(name))
        for index, (name, (times, values)) in enumerate(curves.items()):
            if self.window_s and len(times):
                keep = times >= times[-1] - self.window_s
                times, values = times[keep], values[keep]
            item = self._curves.get(name)
            if item is None:
                item = self._curves[name] = self.plot.plot([], [], name=name, pen=self._pen(name, index))
            item.setData(times, values, connect="finite")
            top = max(top, float(np.nanmax(values)) if np.isfinite(values).any() else 0.0)
        if self.follow:
            self.plot.getViewBox().enableAutoRange(x=True)
            self.plot.setYRange(0.0, top * 1.08 if top > 0 else 1.0, padding=0)
        self._fit_legend()
        self._draw_markers()
        self._show_placeholder(empty=not curves)
        self.redrawn.emit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_legend()
        self._draw_markers()

    def _fit_legend(self) -> None:
        """As many legend columns as it takes for every entry to fit the plot's height (none cut off)."""
        entries = len(self.legend.items)
        if not entries:
            return
        row = QFontMetrics(self.font()).height() + 10  # an entry's height in pyqtgraph's legend, spacing included
        drawing = self.plot.getViewBox().height()
        if drawing < 2 * row:  # not laid out yet: the widget less its title and time axis
            drawing = self.plot.height() - 72
        room = max(1, int((drawing - 14) // row))
        columns = max(1, math.ceil(entries / room))
        if self.legend.columnCount != columns:
            _lay_out_legend(self.legend, columns)

    def _stop_following(self, *_: object) -> None:
        self.follow = False

    def _draw_markers(self) -> None:
        for item in self._marker_items:
            self.plot.removeItem(item)
        colour = THEMES[self.theme]["marker"]
        self._marker_items = []
        # successive labels one text line lower each (three levels), so close markers never write over each other
        height = self.plot.getViewBox().height()  # 0 until laid out (a plot rendered straight to a file)
        self._markers_height = height
        step = (QFontMetrics(self.font()).height() + 10) / height if height >= 20 else 0.07  # a label and its margin
        for index, marker in enumerate(sorted(self._markers, key=lambda m: m.time)):
            pen = pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DotLine)
            line = pg.InfiniteLine(marker.time, angle=90, pen=pen, label=marker.label,
                                   labelOpts={"color": colour, "position": 0.97 - step * (index % 3),
                                              "anchors": [(0, 0), (1, 0)]})  # text on the side with room
            self.plot.addItem(line)
            self._marker_items.append(line)

    def markers(self) -> list[Marker]:
        """Markers shown, in time order."""
        return sorted(self._markers, key=lambda m: m.time)

    # ----- export -----
    def export_csv(self, path: str | Path) -> None:
        """Write time_s and one column per curve (bit/s); a marker is a '# marker' line at the end. Written
        atomically (backend.files.atomic_write): FileWriteError says why not."""
        curves = self.curves()
        times = sorted({float(t) for ts, _ in curves.values() for t in ts})
        columns = {name: dict(zip(ts.tolist(), vs.tolist(), strict=True)) for name, (ts, vs) in curves.items()}
        handle = io.StringIO(newline="")
        writer = csv.writer(handle)
        writer.writerow(["time_s", *[f"{name} ({self.units})" for name in curves]])
        for t in times:
            writer.writerow([f"{t:.3f}", *[_cell(columns[name].get(t)) for name in curves]])
        for marker in self.markers():
            writer.writerow([f"# marker {marker.time:.3f}", marker.kind, marker.label])
        atomic_write(path, handle.getvalue().encode())

    def export_png(self, path: str | Path, width: int = 1200) -> None:
        """Write the plot as a PNG image `width` pixels wide, atomically (FileWriteError says why not)."""
        self._dirty = True
        self.redraw()
        exporter = ImageExporter(self.plot.getPlotItem())
        exporter.parameters()["width"] = width
        image = exporter.export(toBytes=True)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise FileWriteError(str(path), "the plot could not be encoded as PNG")
        buffer.close()
        atomic_write(path, bytes(data))


def _own_context_menus(plot_item: pg.PlotItem, owner: QWidget) -> None:
    """pyqtgraph makes a plot's context menus (and the widget of its options) without a parent: give them one,
    so that they are deleted with the plot rather than living on for the rest of the process."""
    ctrl_widget = plot_item.ctrl.maxTracesCheck.window() if getattr(plot_item, "ctrl", None) else None
    for widget in (plot_item.ctrlMenu, plot_item.getViewBox().menu, ctrl_widget):
        if widget is not None and widget.parent() is None:
            widget.setParent(owner, widget.windowFlags())


def _cell(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.6g}"


def _sum_curves(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    times = np.unique(np.concatenate([t for t, _ in curves])) if curves else np.zeros(0)
    spans = [(t[0], t[-1]) for t, _ in curves if len(t)]
    start, end = max(s for s, _ in spans), min(e for _, e in spans)
    if start <= end:  # only where every curve has points, so the total does not step at the edges
        times = times[(times >= start) & (times <= end)]
    total = np.zeros(len(times))
    for t, v in curves:
        if len(t):
            total += np.interp(times, t, np.nan_to_num(v), left=0.0, right=0.0)
    return times, total


def render_spec(spec: dict, out: str | Path, theme: str = "light", width: int = 1200) -> None:
    """Render a plot spec {title, units, series: {name: [[t, v], ...]}, markers: [[t, label], ...]} to PNG."""
    app = QApplication.instance() or QApplication([])
    plot = ThroughputPlot(theme=theme, title=spec.get("title", ""), units=spec.get("units", "bit/s"),
                          show_aggregate=bool(spec.get("aggregate", False)), label=spec.get("label", ""))
    plot.resize(width, int(width * 0.5))
    for name, points in spec.get("series", {}).items():
        plot.set_points(name, [tuple(p) for p in points])
    for time, label in spec.get("markers", []):
        plot.add_marker(Marker(float(time), "marker", str(label)))
    plot.show()
    app.processEvents()
    plot.export_png(out, width)
    plot.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m widgets.throughput_plot SPEC.json OUT.png [dark|light]`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("usage: python -m widgets.throughput_plot SPEC.json OUT.png [dark|light]", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text())
    render_spec(spec, args[1], args[2] if len(args) == 3 else "light")
    return 0


def _lay_out_legend(legend: pg.LegendItem, columns: int) -> None:
    """Place a legend's entries on `columns` columns, row by row, in a fresh grid (pyqtgraph's own
    setColumnCount keeps the emptied grid's column count and leaves every entry on one row)."""
    old = legend.layout
    grid = QGraphicsGridLayout()
    grid.setVerticalSpacing(old.verticalSpacing())
    grid.setHorizontalSpacing(old.horizontalSpacing())
    for index in reversed(range(old.count())):
        old.removeAt(index)
    for index, (sample, label) in enumerate(legend.items):
        row, column = divmod(index, columns)
        grid.addItem(sample, row, 2 * column)
        grid.addItem(label, row, 2 * column + 1)
    legend.setLayout(grid)
    legend.layout = grid
    legend.columnCount = columns
    legend.rowCount = math.ceil(len(legend.items) / columns)
    legend.updateSize()


if __name__ == "__main__":
    sys.exit(main())

"""The live throughput plot: points arrive from a sampler thread, the window keeps answering,
markers, themes readable, CSV and PNG export, and nothing plotted without real counters."""

import csv
import os
import stat
import struct

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import libvirt
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from backend.deploy.counters import CounterReading
from backend.deploy.libvirt.counters import DomainTarget, LibvirtSource
from backend.files import FileWriteError
from backend.monitor.sampler import Sampler
from backend.resources import examples_dir
from widgets.throughput_plot import AGGREGATE, THEMES, ThroughputPlot


class GrowingSource:
    """Two routers whose counters grow by 1.25 MB and 2.5 MB per read."""

    real_counters = True
    reason = ""

    def __init__(self):
        self.reads = 0

    def read(self):
        self.reads += 1
        return [CounterReading("vr1", "eth1", 0, self.reads * 1_250_000, "h1"),
                CounterReading("vr2", "eth1", 0, self.reads * 2_500_000, "h1")]

    def close(self):
        pass


@pytest.fixture
def window(qtbot):
    host = QWidget()
    layout = QVBoxLayout(host)
    plot = ThroughputPlot(refresh_ms=50)
    entry = QLineEdit()
    layout.addWidget(plot)
    layout.addWidget(entry)
    qtbot.addWidget(host)
    host.resize(800, 500)
    host.show()
    return host, plot, entry


def test_points_arrive_while_the_window_keeps_answering(qtbot, window):
    _, plot, entry = window
    sampler = Sampler(GrowingSource(), interval=0.02)
    plot.attach(sampler)
    sampler.start()
    try:
        for letter in "vxi":
            qtbot.keyClicks(entry, letter)
            qtbot.waitUntil(lambda: plot.samples_received >= 4, timeout=10000)
        qtbot.waitUntil(lambda: len(plot.curves().get("vr2", ([], []))[0]) >= 5, timeout=10000)
    finally:
        sampler.stop()
    assert entry.text() == "vxi"
    curves = plot.curves()
    assert set(curves) == {"vr1", "vr2", AGGREGATE}
    assert curves["vr1"][1][-1] > 0 and curves["vr2"][1][-1] > curves["vr1"][1][-1]
    qtbot.waitUntil(lambda: len(plot._curves["vr2"].getData()[0]) >= 5, timeout=5000)


def test_migration_markers_are_drawn(qtbot, window):
    _, plot, _ = window
    sampler = Sampler(GrowingSource(), interval=60)
    plot.attach(sampler)
    sampler.sample_once()
    sampler.mark("migration-start", "migration start")
    sampler.mark("migration-end", "migration end")
    qtbot.waitUntil(lambda: len(plot.markers()) == 2, timeout=5000)
    qtbot.waitUntil(lambda: len(plot._marker_items) == 2, timeout=5000)
    assert [m.label for m in plot.markers()] == ["migration start", "migration end"]


class ManyLinks:
    """Seven interfaces whose counters grow at different rates (a router's links, as in run mode)."""

    real_counters = True
    reason = ""

    def __init__(self):
        self.reads = 0

    def read(self):
        self.reads += 1
        return [CounterReading(f"link{i}", "eth1", 0, self.reads * 100_000 * (i + 1), "h1", time=float(self.reads))
                for i in range(7)]  # a reading a second

    def close(self):
        pass


def test_a_short_plot_shows_every_legend_entry_and_close_markers_apart(qtbot):
    plot = ThroughputPlot(refresh_ms=50)
    qtbot.addWidget(plot)
    plot.resize(1270, 170)  # the run dock's plot on a 1280x800 window
    plot.show()
    sampler = Sampler(ManyLinks(), interval=0.5)
    plot.attach(sampler)
    for _ in range(4):
        sampler.sample_once()
    sampler.mark("migration-start", "ra -> core2")
    sampler.mark("migration-end", "ra on core2, 336 ms")  # a moment later: the two lines nearly touch
    qtbot.waitUntil(lambda: len(plot._marker_items) == 2 and len(plot.legend.items) >= 7, timeout=5000)
    plot.grab()  # laid out: the next refresh spaces the labels by the drawing's height
    qtbot.waitUntil(lambda: plot._markers_height == plot.plot.getViewBox().height(), timeout=5000)
    plot.grab()
    box = plot.plot.getViewBox().sceneBoundingRect()
    for _sample, label in plot.legend.items:  # every entry inside the drawing, none cut off at its foot
        assert box.adjusted(-2, -2, 2, 2).contains(label.sceneBoundingRect()), label.text
    first, second = (item.label.sceneBoundingRect() for item in plot._marker_items)
    assert not first.intersects(second)


def contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = []
        for c in QColor(colour).getRgbF()[:3]:
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, bl = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_themes_are_readable(qtbot, window, theme):
    _, plot, _ = window
    plot.set_theme(theme)
    colours = THEMES[theme]
    assert plot.plot.backgroundBrush().color().name() == colours["background"]
    assert contrast(colours["foreground"], colours["background"]) >= 7
    assert contrast(colours["aggregate"], colours["background"]) >= 7
    for colour in colours["palette"]:
        assert contrast(colour, colours["background"]) >= 3, colour


def test_export_csv_and_png(qtbot, window, tmp_path):
    _, plot, _ = window
    plot.set_points("vr1", [(0.0, 1e8), (1.0, 1.2e8)])
    plot.set_points("vr2", [(0.0, 5e7), (1.0, 5e7)])
    plot.redraw()
    plot.export_csv(tmp_path / "series.csv")
    with open(tmp_path / "series.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time_s", "vr1 (bit/s)", "vr2 (bit/s)", "aggregate (bit/s)"]
    assert rows[2] == ["1.000", "1.2e+08", "5e+07", "1.7e+08"]
    plot.export_png(tmp_path / "plot.png", width=640)
    data = (tmp_path / "plot.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">I", data[16:20])[0] == 640


def test_test_driver_plots_nothing_and_says_why(qtbot, window):
    _, plot, _ = window
    conn = libvirt.open("test:///default")
    try:
        source = LibvirtSource([DomainTarget("node1", "host1", conn, conn.listAllDomains()[0].name())])
        sampler = Sampler(source, interval=0.01)
        plot.attach(sampler)
        assert plot.placeholder.isVisible() and not plot.plot.isVisible()  # a sentence, not empty 0-1 axes
        assert plot.message() == "Nothing to plot yet."
        sampler.start()
        qtbot.waitUntil(lambda: "test driver" in plot.message(), timeout=5000)
        sampler.stop()
    finally:
        conn.close()
    assert plot.placeholder.isVisible() and "test driver" in plot.placeholder.text()  # in place of the axes
    assert plot.curves() == {} and not plot.plot.isVisible()
    plot.detach()  # the deployment went: so does what was said about its counters
    assert "test driver" not in plot.message()


def test_a_message_with_curves_shows_above_them(qtbot, window):
    _, plot, _ = window
    plot.set_status("sampling error: the namespace is gone")
    assert plot.placeholder.isVisible() and plot.message().startswith("sampling error")
    plot.set_points("router r1", [(0.0, 1e6), (1.0, 2e6)])
    plot.redraw()
    assert plot.plot.isVisible() and not plot.placeholder.isVisible()
    assert plot.status.isVisible() and plot.message().startswith("sampling error")


def test_user_zoom_stops_following_new_points(qtbot, window):
    _, plot, _ = window
    plot.set_points("vr1", [(0.0, 1e8), (10.0, 1e8)])
    plot.redraw()
    assert plot.follow
    viewport = plot.plot.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    wheel = QWheelEvent(centre, viewport.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)
    assert plot.follow is False
    shown = plot.plot.getViewBox().viewRange()[1]
    plot.set_points("vr1", [(0.0, 1e8), (10.0, 9e8)])
    plot.redraw()
    assert plot.plot.getViewBox().viewRange()[1] == shown


@pytest.mark.root
def test_live_plot_of_a_deployment_with_traffic_keeps_the_window_answering(qtbot, window):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, tc)")
    from backend.deploy.netns.deployer import NetnsDeployer
    from backend.experiments.migration import figure6_mapping
    from backend.monitor.flows import Flow, start_flow, stop_flow
    from backend.vxdl import read_file

    examples = examples_dir()
    substrate = read_file(examples / "figure6-substrate.vxdl", role="substrate").model
    vxi = read_file(examples / "figure6-vxi-a.vxdl").model
    deployer = NetnsDeployer(substrate, [vxi])
    _, plot, entry = window
    try:
        record = deployer.deploy(figure6_mapping(substrate, [vxi]))
        sampler = Sampler(deployer.counter_source(), interval=0.25)
        plot.attach(sampler)
        a1, a5 = record.find("a1"), record.find("a5")
        flow = start_flow(Flow(a1.name, a5.name, a5.addresses[0].split("/")[0], 5211, "udp", 30e6, 8.0, 1200))
        sampler.start()
        try:
            def forwarding():
                _, values = plot.curves().get("ra", ([], []))
                return len([v for v in values if v > 20e6]) >= 3

            for letter in "flow":
                qtbot.keyClicks(entry, letter)
                qtbot.wait(50)
            qtbot.waitUntil(forwarding, timeout=20000)
            qtbot.keyClicks(entry, "!")
        finally:
            sampler.stop()
            stop_flow(flow)
    finally:
        deployer.teardown()
    assert entry.text() == "flow!"
    qtbot.waitUntil(lambda: len(plot._curves["ra"].getData()[0]) >= 3, timeout=5000)
    _, drawn = plot._curves["ra"].getData()
    assert 20e6 < sorted(drawn)[len(drawn) // 2] < 40e6  # the router forwards the 30 Mbit/s flow once


def test_exports_are_atomic_follow_symlinks_and_refuse_special_files(qtbot, window, tmp_path):
    _, plot, _ = window
    plot.set_points("a1", [(0.0, 1e6), (1.0, 2e6)])
    target = tmp_path / "real.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    (tmp_path / "link.csv").symlink_to(target)
    plot.export_csv(tmp_path / "link.csv")
    assert (tmp_path / "link.csv").is_symlink() and target.read_text().startswith("time_s")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    plot.export_png(tmp_path / "plot.png", width=320)
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(FileWriteError, match="is a directory"):
        plot.export_png(tmp_path / "dir.png")
    with pytest.raises(FileWriteError, match="character device"):
        (tmp_path / "null.csv").symlink_to("/dev/null")
        plot.export_csv(tmp_path / "null.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.png", "link.csv", "null.csv", "plot.png", "real.csv"]

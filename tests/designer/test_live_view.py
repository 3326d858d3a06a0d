"""The live view of run mode on the netns backend (root): a deployment with traffic from the designer,
the plot receiving points while the window answers, link labels with throughput, a migration marked."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from backend.resources import examples_dir

EXAMPLES = examples_dir()
pytestmark = [pytest.mark.root, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """Deployment records and flows go to the test's own folder."""
    monkeypatch.setenv("VXI_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def netns_window(make_window):
    """Figure 6's VXI a open, run mode on the netns backend; everything deployed is removed at the end."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces, tc)")
    from designer.run.mode import install_run_mode

    window = make_window()
    assert window.open_path(str(EXAMPLES / "figure6-vxi-a.vxdl"), ask=False)
    controller = install_run_mode(window)
    controller.sample_interval = 0.25
    panel = controller.ui.panel
    panel.backend_combo.setCurrentIndex(panel.backend_combo.findData("netns"))
    try:
        yield window, controller
    finally:
        controller.shutdown()  # waits for a running job, stops the sampler
        session = controller.session
        if session is not None and session.deployer is not None:
            session.stop_traffic()
            session.deployer.teardown()
            from backend.deploy.netns import kernel

            assert not kernel.namespaces(session.deployer.record.prefix)


def test_a_deployment_with_traffic_feeds_the_plot_while_the_window_answers(qtbot, netns_window, tmp_path):
    window, controller = netns_window
    ui = controller.ui
    assert ui.panel.substrate_combo.currentText() == "figure6-substrate.vxdl"
    ui.panel.set_extras([str(EXAMPLES / "figure6-vxi-b.vxdl")])  # the second VXI shares the substrate
    window.actions_by_name["run_deploy"].trigger()
    qtbot.waitUntil(lambda: controller.deployed() and not controller.busy(), timeout=30000)
    assert all(ui.overlays.state_of(i) == "running" for i in window.document.model.components)
    assert window.actions_by_name["run_traffic"].isEnabled()

    window.actions_by_name["run_traffic"].trigger()
    dialog = ui.traffic_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    dialog.source.setCurrentIndex(dialog.source.findData("a1"))
    dialog.destination.setCurrentIndex(dialog.destination.findData("a5"))
    dialog.protocol.setCurrentText("udp")
    dialog.rate.setValue(30.0)
    dialog.seconds.setValue(60)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(controller.flows), timeout=15000)

    plot = ui.panel.plot

    def router_forwards():
        """ra forwards the flow, and the link it came in on is plotted (it joins the plot once the rates timer,
        every 500 ms, has seen it busy: samples can come faster than that)."""
        curves = plot.curves()
        _, values = curves.get("router ra", ([], []))
        return len([v for v in values if v > 20e6]) >= 3 and "link a1-r" in curves

    window.find_box.setFocus()
    for letter in "ra":
        qtbot.keyClicks(window.find_box, letter)
        qtbot.wait(100)
    qtbot.waitUntil(router_forwards, timeout=30000)
    qtbot.keyClicks(window.find_box, "!")
    assert window.find_box.text() == "ra!"  # keys typed during sampling all arrived
    assert plot.samples_received > 0
    curves = plot.curves()
    assert {"router ra", "router rb", "aggregate", "link a1-r"} <= set(curves)
    assert "link a2-r" not in curves  # idle links are not plotted
    _, forwarded = plot.curves()["router ra"]
    assert max(forwarded) < 45e6  # a 30 Mbit/s flow, counted once

    label = ui.overlays.rates["a1-r"]
    qtbot.waitUntil(lambda: label.isVisible() and label.bps > 20e6, timeout=10000)
    assert "Mbit/s" in label.text and "%" in label.text  # 30 of 100 Mbit/s
    assert 0.2 < label.fraction < 0.45

    source = controller.record().find("ra").host
    window.actions_by_name["run_migrate"].trigger()
    migration = ui.migration_dialog
    assert migration.component_combo.currentData() == "ra"
    target = migration.offered()[0]
    assert target != source
    migration.hosts.setCurrentRow(next(i for i in range(migration.hosts.count())
                                       if migration.hosts.item(i).text().startswith(target)))
    migration.migrate_button.click()
    qtbot.waitUntil(lambda: controller.last_migration is not None and not controller.busy(), timeout=30000)
    assert controller.record().find("ra").host == target
    assert "re-attach" in migration.log.text()
    kinds = [m.kind for m in plot.markers()]
    assert kinds[:2] == ["migration-start", "migration-end"]
    count = plot.samples_received
    qtbot.waitUntil(lambda: plot.samples_received > count, timeout=10000)  # points keep coming after the move

    csv_path, png_path = tmp_path / "series.csv", tmp_path / "plot.png"
    plot.export_csv(csv_path)
    plot.export_png(png_path)
    header = csv_path.read_text().splitlines()[0]
    assert "router ra (bit/s)" in header and "aggregate (bit/s)" in header
    assert "# marker" in csv_path.read_text()
    assert png_path.stat().st_size > 5000

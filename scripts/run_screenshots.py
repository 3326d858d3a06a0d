"""Screenshots of run mode for the manual: `python scripts/run_screenshots.py [--test-driver] [OUTDIR]`.

On the netns backend (as root, under `flock /tmp/vxi-fulltest.lock`): Figure 6's VXI a deployed, a 30 Mbit/s
flow through router ra, ra moved to another host part-way; writes run-light.png, run-dark.png (the window)
and run-plot.png (the plot). Also (and only, without root or with --test-driver) the test driver on
Figure 1's VXI1, whose plot says it has no real counters: run-testdriver-light.png (run-light.png and
run-dark.png when it is the only backend)."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from qtwait import close_run_window, scratch_folder, spin  # the scripts folder is on the path

ROOT = Path(__file__).resolve().parents[1]



def take(out: Path, mode: str, netns: bool, name: str = "run") -> list[Path]:
    """Deploy, load, migrate and grab the window in one theme; everything is torn down after."""
    from PySide6.QtCore import QSettings

    from designer.app import make_application
    from designer.main_window import MainWindow
    from designer.run.mode import install_run_mode

    app = make_application([], theme="light")
    settings = QSettings(str(scratch_folder() / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(recovery_folder=scratch_folder(), settings=settings)  # the first-start layout
    window.set_theme(mode)
    window.resize(1280, 800)
    window.show()
    window.open_path(str(ROOT / "examples" / ("figure6-vxi-a.vxdl" if netns else "figure1-vxi1.vxdl")), ask=False)
    controller = install_run_mode(window)
    controller.sample_interval = 0.5
    ui = controller.ui
    written = []
    try:
        if netns:
            ui.panel.backend_combo.setCurrentIndex(ui.panel.backend_combo.findData("netns"))
            ui.panel.set_extras([str(ROOT / "examples" / "figure6-vxi-b.vxdl")])
        ui.deploy()
        spin(app, 60, lambda: controller.deployed() and not controller.busy())
        if netns:
            controller.start_traffic("a1", "a5", "udp", 30e6, 0)
            spin(app, 20, lambda: not controller.busy())
            controller.start_traffic("a2", "a6", "udp", 55e6, 0)
            spin(app, 20, lambda: not controller.busy())
            controller.start_traffic("b1", "b5", "udp", 85e6, 0)
            spin(app, 20, lambda: not controller.busy())
            spin(app, 6)
            record = controller.record()
            target = next(c.host for c in controller.host_choices("ra") if c.fits)
            source = record.find("ra").host
            dialog = ui.migration_dialog
            ui.open_migration()
            dialog.hosts.setCurrentRow(next(i for i in range(dialog.hosts.count())
                                            if dialog.hosts.item(i).text().startswith(target)))
            dialog.migrate_button.click()
            spin(app, 30, lambda: not controller.busy())
            spin(app, 6)
            if mode == "light":
                written.append(out / "run-migrate.png")
                dialog.grab().save(str(written[-1]))
            dialog.close()
            print(f"ra moved from {source} to {target}", file=sys.stderr)
        window.scene.select_ids([])
        window.view.fit_all()
        spin(app, 1.5)
        window.view.finish_drawing()  # labels and tiles are made a slice at a time: all of them, now
        path = out / f"{name}-{mode}.png"
        window.grab().save(str(path))
        written.append(path)
        if netns and mode == "light":
            plot_path = out / "run-plot.png"
            ui.dock.setFloating(True)  # a plot of readable proportions (the docked one is wide and short)
            ui.dock.resize(1100, 560)
            spin(app, 1.0)
            ui.panel.plot.export_png(plot_path)
            ui.dock.setFloating(False)
            written.append(plot_path)
    finally:
        close_run_window(window, controller)
    return written


def main() -> None:
    """Write the run-mode screenshots into docs/screenshots (or the folder given)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if "VXI_STATE_DIR" not in os.environ:
        os.environ["VXI_STATE_DIR"] = folder = tempfile.mkdtemp(prefix="vxi-run-shots-")
        atexit.register(shutil.rmtree, folder, True)  # nothing left in /tmp
    parser = argparse.ArgumentParser(description="Screenshots of run mode for the manual.")
    parser.add_argument("outdir", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--test-driver", action="store_true", help="only the test driver, even as root")
    args = parser.parse_args()
    out = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    netns = os.geteuid() == 0 and not args.test_driver
    shots = [path for mode in ("light", "dark") for path in take(out, mode, netns)]
    if netns:  # and the test driver, which has no real counters
        shots += take(out, "light", False, "run-testdriver")
    for path in shots:
        print(path)


if __name__ == "__main__":
    main()

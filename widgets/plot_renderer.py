"""The experiments' plot renderer that the widgets offer to the `vxi` command (entry point
`vxi.plot_renderers`: `pyqtgraph`): it draws a plot spec with `ThroughputPlot` in a child process, so
that the caller never loads Qt and a Qt failure cannot take the caller (and its figures) down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def render(spec: dict, out: Path, theme: str = "light", timeout: float = 120.0) -> None:
    """Write `spec` as a PNG at `out` (offscreen unless a platform is set); RuntimeError says why not."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
        spec_path = handle.name
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    try:
        done = subprocess.run([sys.executable, "-m", "widgets.throughput_plot", spec_path, str(out), theme],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError("rendering the plot took too long") from None
    finally:
        os.unlink(spec_path)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"the plot renderer exited with {done.returncode}")

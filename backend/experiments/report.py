"""Writing an experiment's plot: the plot spec goes to the Qt widget in a separate process, so the
backend never imports Qt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def render_plot(spec: dict, out: str | Path, theme: str = "light", timeout: float = 120.0) -> str | None:
    """Render `spec` ({title, units, series, markers}) to a PNG; returns an error message or None."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
        spec_path = handle.name
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    try:
        done = subprocess.run([sys.executable, "-m", "widgets.throughput_plot", spec_path, str(out), theme],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return "rendering the plot took too long"
    finally:
        os.unlink(spec_path)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else f"plot renderer exited with {done.returncode}"
    return None


"""Draw the manual's experiment plots (docs/plots/*.png) again from the runs kept beside them (*.json).

    .venv/bin/python scripts/experiment_plots.py [--out DIR]

The figures come from `vxi experiment ... --json` (root, minutes per run); drawing them needs neither
root nor a new run. The backend gives each plot's data (`backend.experiments.plots.plot_spec`); the
designer's widgets draw it (`widgets.plot_renderer`), as `vxi experiment` does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backend.experiments.plots import plot_spec, write_plot
from widgets.plot_renderer import render

ROOT = Path(__file__).resolve().parents[1]
PLOTS = ROOT / "docs" / "plots"
# (kept run, picture, theme)
FIGURES = [("sharing-udp.json", "sharing-udp.png", "light"), ("sharing-tcp.json", "sharing-tcp.png", "light"),
           ("latency.json", "latency.png", "light"), ("migration.json", "migration.png", "light"),
           ("migration.json", "migration-dark.png", "dark"), ("migration-vm.json", "migration-vm.png", "light"),
           ("sharing-vm.json", "sharing-vm.png", "light"), ("latency-vm.json", "latency-vm.png", "light"),
           ("latency-vm-udp.json", "latency-vm-udp.png", "light")]


def main(argv: list[str] | None = None) -> int:
    """Draw every figure into --out (default docs/plots); 1 when one could not be drawn."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PLOTS, help="folder for the PNGs (default docs/plots)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for run, picture, theme in FIGURES:
        result = json.loads((PLOTS / run).read_text())
        error = write_plot(plot_spec(result), args.out / picture, theme, render)
        print(f"{args.out / picture}: {error or 'written'}")
        failed += error is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

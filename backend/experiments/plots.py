"""An experiment's plot: the experiment gives the data (a plot spec), the caller gives the renderer.

The backend draws nothing and imports no Qt. A renderer is any callable `render(spec, out, theme)` that
writes a PNG or raises. Installed packages offer renderers under the entry-point group
`vxi.plot_renderers` (the designer's widgets offer `pyqtgraph`), which `installed_renderer()` finds for
a caller such as `vxi experiment`; without one, the figures are still printed and the plot is not.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol

from backend.experiments import latency, migration, sharing

RENDERERS = "vxi.plot_renderers"
NO_RENDERER = ("no plot renderer is installed (the designer's widgets offer one: install vxi-designer with "
               "its Qt widgets); the figures above are complete")


class PlotRenderer(Protocol):
    """Draws a plot spec {title, units, label, aggregate, series: {name: [[t, v], ...]}, markers: [[t, label],
    ...]} as a PNG at `out`, in the `light` or `dark` theme; raises when it cannot."""

    def __call__(self, spec: dict, out: Path, theme: str) -> None: ...


SPECS: dict[str, Callable[[dict], dict]] = {"sharing": sharing.plot_spec, "latency": latency.plot_spec,
                                            "migration": migration.plot_spec}


def plot_spec(result: dict) -> dict:
    """The plot spec of any experiment's result (as `vxi experiment --json` prints it)."""
    return SPECS[result["experiment"]](result)


class _Unloadable:
    """A renderer that is installed but cannot load: says why when asked to draw."""

    def __init__(self, name: str, error: Exception):
        self.reason = f"the plot renderer '{name}' cannot load: {error}"

    def __call__(self, spec: dict, out: Path, theme: str) -> None:
        raise RuntimeError(self.reason)


def installed_renderer(name: str | None = None) -> PlotRenderer | None:
    """The installed renderer called `name` (the first by name if None), or None when there is none."""
    found = sorted(entry_points(group=RENDERERS), key=lambda ep: ep.name)
    chosen = next((ep for ep in found if name is None or ep.name == name), None)
    if chosen is None:
        return None
    try:
        return chosen.load()
    except Exception as exc:  # a broken installation must not lose the experiment's figures
        return _Unloadable(chosen.name, exc)


def write_plot(spec: dict, out: str | Path, theme: str, renderer: PlotRenderer | None) -> str | None:
    """Draw `spec` to the PNG `out` with `renderer`; returns why it could not, or None once written."""
    if renderer is None:
        return NO_RENDERER
    try:
        renderer(spec, Path(out), theme)
    except Exception as exc:  # the run's figures are printed all the same; the message says what failed
        return str(exc) or type(exc).__name__
    return None

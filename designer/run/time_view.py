"""Run mode's view of time: the lease timeline becomes a live view of the deployment (the now line, periods
over dimmed, a countdown to the next change), fed by the controller's `time_changed` (what the agent did, or
what run mode did itself without one) and moved by a timer between two updates."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from backend.model.timing import format_timestamp
from widgets.timeline_live import TimelineLive

TICK_MS = 200


class TimeView(QObject):
    """Shows where the deployment made in run mode is in its lease, on the window's timeline."""

    def __init__(self, window, controller) -> None:
        super().__init__(window)
        self.controller = controller
        timeline = getattr(getattr(window, "docks", None), "timeline", None)
        self.live = TimelineLive(timeline) if timeline is not None else None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        controller.time_changed.connect(self.show)

    def show(self, info: dict | None) -> None:
        """Follow a deployment's time (None: nothing deployed)."""
        if self.live is None:
            return
        model = self.controller.document_model()
        vxis = info["time"]["vxis"] if info else {}
        own = vxis.get(getattr(model, "id", None)) or next(iter(vxis.values()), None)
        if info is None or own is None:
            self.live.clear()
            self.timer.stop()
            return
        change = info["time"]["next_change"]
        phase = info["state"] if info["state"] in ("scheduled", "ended") else "running"
        self.live.follow(own["window"][0], info["clock"], own["periods"], phase, info["time"]["period"], change,
                         f"deployment {self.controller.record().id}")
        done = [f"{format_timestamp(e['at'], '%H:%M:%S')}  {e['what']}" for e in info["time"]["log"][-12:]]
        agent = "vxi agent" if info.get("agent") else "run mode (no agent runs)"
        self.live.label.setToolTip(f"What {agent} did last:\n" + "\n".join(done) if done else "")
        if phase == "ended":
            self.timer.stop()
        else:
            self.timer.start()

    def _tick(self) -> None:
        self.live.tick()

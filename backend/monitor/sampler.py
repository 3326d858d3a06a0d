"""A sampler thread: reads a counter source every interval, keeps rates in a store, tells listeners."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from backend.deploy.counters import CounterSource
from backend.monitor.rates import CounterTracker
from backend.monitor.series import RX, TX, Marker, SeriesKey, SeriesStore
from backend.monitor.updates import Event, MarkerEvent, SamplesEvent, StatusEvent

DEFAULT_INTERVAL = 1.0
FAST_INTERVAL = 0.1

Listener = Callable[[Event], None]


class Sampler:
    """Samples `source` off the calling thread, 1 s apart by default and faster inside `fast()`.

    Listeners are called from the sampler thread: a GUI hands events to its own thread (a queued Qt
    signal, `loop.call_soon_threadsafe`). A source without real counters gets a status event and
    no points at all.
    """

    def __init__(self, source: CounterSource, store: SeriesStore | None = None,
                 interval: float = DEFAULT_INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.source = source
        self.store = store or SeriesStore()
        self.interval = interval
        self._clock = clock
        self._origin = clock()
        self._trackers: dict[SeriesKey, CounterTracker] = {}
        self._listeners: list[Listener] = []
        self._fast: list[float] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    # ----- listeners and time -----
    def subscribe(self, listener: Listener) -> None:
        """Call `listener(event)` for every future event (from the sampler thread)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling `listener`."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def now(self) -> float:
        """Seconds since the sampler was made (the time axis of every series)."""
        return self._clock() - self._origin

    def _emit(self, event: Event) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ----- sampling -----
    def sample_once(self) -> SamplesEvent | None:
        """Read the source once, store the rates and tell listeners; None without real counters."""
        if not self.source.real_counters:
            return None
        readings = self.source.read()
        now = self.now()
        shortest = 0.5 * self.current_interval()
        points: dict[SeriesKey, float] = {}
        for reading in readings:
            at = now if reading.time is None else reading.time - self._origin
            if self.store.note_host(reading.component, at, reading.host) and reading.host:
                self.mark("host-change", f"{reading.component} on {reading.host}", at)
            for direction, value in ((TX, reading.tx_bytes), (RX, reading.rx_bytes)):
                key = SeriesKey(reading.component, reading.interface, direction)
                rate = self._tracker(key).update(at, value, (reading.host, reading.identity), shortest)
                if rate is not None:
                    self.store.add(key, at, rate.bps)
                    points[key] = rate.bps
        event = SamplesEvent(now, points)
        self._emit(event)
        return event

    def _tracker(self, key: SeriesKey) -> CounterTracker:
        tracker = self._trackers.get(key)
        if tracker is None:
            tracker = self._trackers[key] = CounterTracker()
        return tracker

    def mark(self, kind: str, label: str, at: float | None = None) -> Marker:
        """Record a marker (migration start or end) now or at `at`, and tell listeners."""
        marker = Marker(self.now() if at is None else at, kind, label)
        self.store.mark(marker)
        self._emit(MarkerEvent(marker))
        return marker

    @contextlib.contextmanager
    def fast(self, interval: float = FAST_INTERVAL) -> Iterator[None]:
        """Sample every `interval` seconds inside the block (during a migration)."""
        self._fast.append(interval)
        self._wake.set()
        try:
            yield
        finally:
            self._fast.remove(interval)

    def current_interval(self) -> float:
        """The interval in force now."""
        return min([self.interval, *self._fast])

    # ----- the thread -----
    def start(self) -> None:
        """Start sampling in a daemon thread (a status event first when counters are not real)."""
        if not self.source.real_counters:
            self._emit(StatusEvent(False, self.source.reason or "this backend has no real traffic counters"))
            return
        self._emit(StatusEvent(True, "sampling"))
        self._thread = threading.Thread(target=self._run, name="vxi-sampler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # A source may keep per-thread resources for the sampler's life (open netlink sockets).
        with getattr(self.source, "thread_context", contextlib.nullcontext)():
            self._loop()

    def _loop(self) -> None:
        next_due = self._clock()
        while not self._stop.is_set():
            try:
                self.sample_once()
            except Exception as exc:  # a vanished namespace must not kill the sampler
                message = f"{type(exc).__name__}: {exc}"
                if not self.errors or self.errors[-1] != message:
                    self.errors.append(message)
                    self._emit(StatusEvent(True, f"sampling error: {message}"))
            next_due += self.current_interval()
            delay = next_due - self._clock()
            if delay < 0:
                next_due, delay = self._clock(), 0.0
            self._wake.clear()
            if self._wake.wait(delay):
                next_due = self._clock()

    def stop(self) -> None:
        """Stop the thread and wait for it; the store keeps its series."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


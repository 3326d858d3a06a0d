"""Rates from counters: steady traffic, counter wrap, counter reset, a series that changes host."""

import pytest

from backend.deploy.counters import CounterReading
from backend.monitor.rates import WRAP_32, CounterTracker, mean_rate
from backend.monitor.sampler import Sampler
from backend.monitor.series import RX, TX, RingBuffer, SeriesKey, SeriesStore
from backend.monitor.updates import MarkerEvent, SamplesEvent

pytestmark = pytest.mark.anywhere  # counters and series in memory


class StaticSource:
    """A source that replays prepared readings, one list per read (for tools that already have counters)."""

    real_counters = True
    reason = ""

    def __init__(self, batches: list[list[CounterReading]]):
        self._batches = list(batches)

    def read(self) -> list[CounterReading]:
        """The next prepared batch (the last one again when exhausted)."""
        if len(self._batches) > 1:
            return self._batches.pop(0)
        return self._batches[0] if self._batches else []

    def close(self) -> None:
        """Nothing to release."""


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_steady_counter_gives_bits_per_second():
    tracker = CounterTracker()
    assert tracker.update(0.0, 1_000) is None
    rate = tracker.update(2.0, 1_000 + 25_000_000)
    assert rate.bps == pytest.approx(100e6)
    assert (rate.start, rate.end) == (0.0, 2.0)


def test_32_bit_counter_wrap_is_counted_as_traffic():
    tracker = CounterTracker(width=32)
    tracker.update(0.0, WRAP_32 - 1_000_000)
    rate = tracker.update(1.0, 500_000)
    assert rate.bps == pytest.approx(1_500_000 * 8)
    assert tracker.wraps == 1 and tracker.resets == 0


def test_counter_reset_gives_no_rate_rather_than_a_negative_one():
    tracker = CounterTracker()
    tracker.update(0.0, 9_000_000)
    assert tracker.update(1.0, 10_000) is None
    assert tracker.resets == 1
    after = tracker.update(2.0, 10_000 + 125_000)
    assert after.bps == pytest.approx(1e6)


def test_implausible_32_bit_wrap_is_a_reset():
    tracker = CounterTracker(width=32, max_bps=1e9)
    tracker.update(0.0, 1_000_000)
    assert tracker.update(1.0, 10) is None  # a wrap would mean 34 Gbit/s
    assert tracker.resets == 1


def test_new_identity_restarts_the_counter():
    tracker = CounterTracker()
    tracker.update(0.0, 5_000, identity="hostA")
    assert tracker.update(1.0, 6_000_000, identity="hostB") is None
    assert tracker.update(2.0, 6_125_000, identity="hostB").bps == pytest.approx(1e6)


def test_ring_buffer_keeps_the_newest_points_in_order():
    ring = RingBuffer(3)
    for i in range(5):
        ring.append(float(i), float(i * 10))
    assert ring.points() == [(2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]
    assert len(ring) == 3


def reading(host, tx, rx=0, component="vr1", interface="eth1"):
    return CounterReading(component, interface, rx, tx, host, identity=(host, interface))


def test_series_that_changes_host_goes_on_under_the_same_key():
    mb = 125_000  # bytes in one second at 1 Mbit/s
    batches = [[reading("hostA", 0)], [reading("hostA", 100 * mb)], [reading("hostA", 200 * mb)],
               [reading("hostB", 3 * mb)], [reading("hostB", 203 * mb)], [reading("hostB", 403 * mb)]]
    clock = Clock()
    sampler = Sampler(StaticSource(batches), clock=clock)
    events = []
    sampler.subscribe(events.append)
    for _ in batches:
        sampler.sample_once()
        clock.now += 1.0
    points = sampler.store.points(SeriesKey("vr1", "eth1", TX))
    assert [round(v / 1e6) for _, v in points] == [100, 100, 200, 200]
    assert all(v >= 0 for _, v in points)
    assert [h for _, h in sampler.store.hosts["vr1"]] == ["hostA", "hostB"]
    markers = [e.marker for e in events if isinstance(e, MarkerEvent)]
    assert [m.kind for m in markers] == ["host-change"] and "hostB" in markers[0].label
    assert sampler.store.markers() == markers


def test_samples_event_lists_both_directions():
    clock = Clock()
    sampler = Sampler(StaticSource([[reading("h", 0, 0)], [reading("h", 250_000, 125_000)]]), clock=clock)
    sampler.sample_once()
    clock.now += 1.0
    event = sampler.sample_once()
    assert isinstance(event, SamplesEvent)
    assert event.points[SeriesKey("vr1", "eth1", TX)] == pytest.approx(2e6)
    assert event.points[SeriesKey("vr1", "eth1", RX)] == pytest.approx(1e6)


def test_store_total_adds_series_of_the_same_ticks():
    store = SeriesStore()
    a, b = SeriesKey("vr1", "eth0"), SeriesKey("vr2", "eth0")
    for t in (1.0, 2.0):
        store.add(a, t, 10.0)
        store.add(b, t, 5.0)
    times, total = store.total([a, b])
    assert times.tolist() == [1.0, 2.0] and total.tolist() == [15.0, 15.0]


def test_mean_rate_weighs_each_point_by_its_interval():
    points = [(0.0, 0.0), (1.0, 100.0), (2.0, 100.0), (2.05, 1000.0), (3.0, 100.0)]
    mean = mean_rate(points, 0.0, 3.0)
    assert mean == pytest.approx((100 + 100 + 0.05 * 1000 + 0.95 * 100) / 3)
    assert mean_rate(points, 5.0, 6.0) == 0.0


def test_a_reading_too_soon_after_the_last_is_folded_into_the_next():
    tracker = CounterTracker()
    tracker.update(0.0, 0)
    assert tracker.update(0.02, 400_000, min_elapsed=0.05) is None  # would read as 160 Mbit/s
    rate = tracker.update(1.0, 1_250_000, min_elapsed=0.05)
    assert rate.start == 0.0 and rate.bps == pytest.approx(10e6)

"""Monitoring a running deployment: counter sources, rates, ring buffers, the sampler, traffic flows."""

from backend.monitor.rates import CounterTracker, Rate
from backend.monitor.sampler import Sampler
from backend.monitor.series import Marker, RingBuffer, SeriesKey, SeriesStore
from backend.monitor.sources import CounterReading, CounterSource
from backend.monitor.updates import MarkerEvent, SamplesEvent, StatusEvent

__all__ = ["CounterReading", "CounterSource", "CounterTracker", "Marker", "MarkerEvent", "Rate", "RingBuffer",
           "Sampler", "SamplesEvent", "SeriesKey", "SeriesStore", "StatusEvent"]

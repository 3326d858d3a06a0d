"""Monitoring a running deployment: rates from the counters its backend gives (`Deployer.counter_source()`),
ring buffers, the sampler, traffic flows."""

from backend.monitor.rates import CounterTracker, Rate
from backend.monitor.sampler import Sampler
from backend.monitor.series import Marker, RingBuffer, SeriesKey, SeriesStore
from backend.monitor.updates import MarkerEvent, SamplesEvent, StatusEvent

__all__ = ["CounterTracker", "Marker", "MarkerEvent", "Rate", "RingBuffer",
           "Sampler", "SamplesEvent", "SeriesKey", "SeriesStore", "StatusEvent"]

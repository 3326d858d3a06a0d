"""The sampler thread, its fast mode, and a backend without real counters (the libvirt test driver)."""

import threading

import libvirt
import pytest

from backend.deploy.counters import CounterReading
from backend.deploy.libvirt.counters import DomainTarget, LibvirtSource
from backend.monitor.sampler import Sampler
from backend.monitor.updates import SamplesEvent, StatusEvent


class CountingSource:
    """A source whose counter grows by 1 MB at every read, noting which thread read it."""

    real_counters = True
    reason = ""

    def __init__(self):
        self.value = 0
        self.threads = set()

    def read(self):
        self.threads.add(threading.current_thread().name)
        self.value += 1_000_000
        return [CounterReading("vr1", "eth0", 0, self.value, "h1")]

    def close(self):
        pass


def wait_for(condition, timeout=10.0):
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not condition() and not done.wait(0.01):
            pass
    finally:
        deadline.cancel()
    return condition()


def test_sampler_reads_off_the_calling_thread_and_fills_the_store():
    source = CountingSource()
    events = []
    with Sampler(source, interval=0.05) as sampler:
        sampler.subscribe(events.append)
        assert wait_for(lambda: len(sampler.store.series_keys()) == 2
                        and len(sampler.store.points(sampler.store.series_keys()[1])) >= 3)
    assert threading.current_thread().name not in source.threads
    assert any(isinstance(e, SamplesEvent) and e.points for e in events)
    values = [v for _, v in sampler.store.points(sampler.store.series_keys()[1])]
    assert all(v > 0 for v in values)


def test_fast_mode_samples_more_often_inside_the_block():
    sampler = Sampler(CountingSource(), interval=30.0)
    sampler.start()
    try:
        assert sampler.current_interval() == 30.0
        with sampler.fast(0.02):
            assert sampler.current_interval() == 0.02
            assert wait_for(lambda: sampler.source.value >= 5_000_000)
        assert sampler.current_interval() == 30.0
    finally:
        sampler.stop()


@pytest.fixture
def test_driver():
    conn = libvirt.open("test:///default")
    yield conn
    conn.close()


def test_test_driver_counters_are_not_plotted(test_driver):
    domain = test_driver.listAllDomains()[0]
    source = LibvirtSource([DomainTarget("node1", "host1", test_driver, domain.name())])
    assert source.real_counters is False
    assert "test driver" in source.reason
    events = []
    sampler = Sampler(source, interval=0.01)
    sampler.subscribe(events.append)
    sampler.start()
    assert sampler.sample_once() is None
    sampler.stop()
    assert [e for e in events if isinstance(e, StatusEvent)] == [StatusEvent(False, source.reason)]
    assert sampler.store.series_keys() == []

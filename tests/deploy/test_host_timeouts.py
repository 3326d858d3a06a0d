"""A real host that does not answer never holds a command up: its call is given up after the time allowed, with
one sentence naming the host, and what it returns later is handed back to be closed (no lab needed)."""

from __future__ import annotations

import sys
import threading

import pytest

from backend.deploy.base import DeployError
from backend.deploy.libvirt import hosts


def test_a_call_that_does_not_return_in_time_is_given_up_with_the_host_named():
    release, closed = threading.Event(), []
    with pytest.raises(DeployError) as failed:
        hosts.within(0.2, lambda: release.wait(5) and "late connection", "h2", "no answer from qemu+ssh://n2/system",
                     closed.append)
    assert str(failed.value) == ("host h2: no answer from qemu+ssh://n2/system within 0.2 s (its libvirtd is stopped "
                                 "or the network to it is down)")
    assert failed.value.host == "h2"
    release.set()
    for _ in range(50):
        if closed:
            break
        threading.Event().wait(0.05)
    assert closed == ["late connection"]  # the answer that came too late is closed, not kept


def test_a_call_in_time_gives_its_result_or_its_error():
    assert hosts.within(5, lambda: 42, "h1", "x") == 42
    with pytest.raises(ValueError, match="refused"):
        hosts.within(5, lambda: (_ for _ in ()).throw(ValueError("refused")), "h1", "x")


@pytest.mark.parametrize("value, expected", [("1,2", (1, 2)), ("0", (0, 0)), ("7", (7, 3)), ("x", (5, 3))])
def test_keepalive_setting(monkeypatch, value, expected):
    monkeypatch.setenv("VXI_KEEPALIVE", value)
    assert hosts.keepalive() == expected


def test_libvirt_events_wait_for_the_qt_application_in_a_process_that_loaded_qt(monkeypatch):
    import types

    class App:
        current = None

        @classmethod
        def instance(cls):
            return cls.current

    monkeypatch.setitem(sys.modules, "PySide6.QtCore", types.SimpleNamespace(QCoreApplication=App))
    assert not hosts._qt_allows_events()  # Qt loaded, no application yet: not before it
    App.current = object()
    assert hosts._qt_allows_events()
    monkeypatch.delitem(sys.modules, "PySide6.QtCore")
    assert hosts._qt_allows_events()  # the command line

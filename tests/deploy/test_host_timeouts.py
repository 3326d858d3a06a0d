"""A real host that does not answer never holds a command up: its call is given up after the time allowed, with
one sentence naming the host, and what it returns later is handed back to be closed (no lab needed)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from backend.deploy.base import DeployError
from backend.deploy.libvirt import hosts


def test_a_call_that_does_not_return_in_time_is_given_up_with_the_host_named():
    from backend.deploy.libvirt.guard import HostGuard

    release, closed = threading.Event(), []
    with pytest.raises(DeployError) as failed:
        HostGuard("qemu+ssh://n2/system").run("h2", lambda: release.wait(5) and "late connection", 0.2, closed.append)
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
    from backend.deploy.libvirt.guard import HostGuard

    assert HostGuard("x").run("h1", lambda: 42, 5) == 42
    with pytest.raises(ValueError, match="refused"):
        HostGuard("x").run("h1", lambda: (_ for _ in ()).throw(ValueError("refused")), 5)


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


def test_a_host_that_stopped_answering_fails_every_later_call_at_once_until_the_hung_call_returns():
    from backend.deploy.libvirt.guard import HostGuard, HostUnreachable

    guard, release = HostGuard("qemu+ssh://n2/system"), threading.Event()
    with pytest.raises(HostUnreachable) as first:
        guard.run("h2", lambda: release.wait(10), 0.2)
    sentence = ("host h2: no answer from qemu+ssh://n2/system within 0.2 s (its libvirtd is stopped or the network "
                "to it is down)")
    assert str(first.value) == sentence and guard.unreachable
    started, threads = time.monotonic(), threading.active_count()
    with pytest.raises(HostUnreachable) as later:
        guard.run("h2", lambda: 1 / 0, 5)  # not even tried: no thread more waits on a silent host
    assert str(later.value) == sentence and time.monotonic() - started < 0.1
    assert threading.active_count() == threads
    release.set()  # the host answers again: the call that hung returns
    until_reachable(guard)
    assert guard.run("h2", lambda: "answer", 5) == "answer"


def test_a_guarded_connection_hands_out_guarded_domains_and_takes_them_back_as_arguments():
    import libvirt

    from backend.deploy.libvirt.guard import Guarded, HostGuard, raw

    conn = Guarded(libvirt.open("test:///default"), "h1", HostGuard("test:///default"))
    try:
        (dom,) = conn.listAllDomains()
        assert isinstance(dom, Guarded) and dom.name() == "test" and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
        ((stats_dom, values),) = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_STATE)
        assert isinstance(stats_dom, Guarded) and values["state.state"] == libvirt.VIR_DOMAIN_RUNNING
        assert isinstance(raw(dom), libvirt.virDomain)
    finally:
        conn.close()


def test_a_hung_call_that_ends_in_an_error_keeps_the_host_unreachable_until_a_probe_is_answered():
    from backend.deploy.libvirt.guard import HostGuard, HostUnreachable

    release, answer = threading.Event(), threading.Event()
    guard = HostGuard("qemu+ssh://n2/system", probe=lambda: answer.wait(10))

    def hang_then_fail():
        release.wait(10)
        raise RuntimeError("the connection was closed (keep-alive)")

    with pytest.raises(HostUnreachable):
        guard.run("h2", hang_then_fail, 0.2)
    release.set()  # keep-alive closed the connection: the host is still silent
    time.sleep(0.2)
    with pytest.raises(HostUnreachable):
        guard.run("h2", lambda: "not tried", 5)
    answer.set()  # the probe's connection opened: it answers again
    until_reachable(guard)
    assert guard.run("h2", lambda: "answer", 5) == "answer"


def test_a_connection_closed_under_a_call_makes_the_host_unreachable_until_a_probe_is_answered():
    from backend.deploy.libvirt.guard import HostGuard, HostUnreachable

    answer = threading.Event()
    guard = HostGuard("qemu+ssh://n2/system", probe=lambda: answer.wait(10))
    guard.lost("the connection to qemu+ssh://n2/system was lost (keepalive timeout)")  # keep-alive gave up
    with pytest.raises(HostUnreachable) as failed:
        guard.run("h2", lambda: "not tried", 5)
    assert str(failed.value) == "host h2: the connection to qemu+ssh://n2/system was lost (keepalive timeout)"
    answer.set()
    until_reachable(guard)
    assert guard.run("h2", lambda: "answer", 5) == "answer"


def until_reachable(guard, seconds: float = 2.0) -> None:
    """Wait until a guard lets calls through again (its hung call or its probe returned)."""
    deadline = time.monotonic() + seconds
    while guard.unreachable and time.monotonic() < deadline:
        time.sleep(0.02)

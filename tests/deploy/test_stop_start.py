"""Stopping and starting one deployed component (the designer's context menu, through the deploy session):
a libvirt domain powered off and on again, a namespace unplugged and plugged back in, and a backend that
cannot says so."""

from __future__ import annotations

import pytest

from backend.deploy import state
from backend.deploy.base import Deployer, DeployError
from backend.deploy.netns import kernel
from backend.deploy.progress import RUNNING, STOPPED, Progress
from backend.deploy.session import DeploySession, SessionError
from tests.deploy.conftest import EXAMPLES, load

FIGURE1 = [EXAMPLES / "figure1-substrate.vxdl", EXAMPLES / "figure1-vxi1.vxdl"]


@pytest.fixture
def test_driver():
    """Figure 1's VXI1 deployed on libvirt's test driver; torn down at the end."""
    events: list[Progress] = []
    session = DeploySession.from_files(FIGURE1[0], FIGURE1[1:], "test", on_progress=events.append)
    session.deploy()
    yield session, events
    session.teardown()


def _domain(session, component: str):
    comp = session.record.find(component)
    return session.deployer.connection(comp.host).lookupByName(comp.name)


def test_a_stopped_domain_is_powered_off_stays_defined_and_starts_again(test_driver):
    session, events = test_driver
    events.clear()
    key = session.stop("r1")
    assert not _domain(session, "r1").isActive()
    assert session.record.components[key].state == STOPPED
    assert session.states[key] == STOPPED and events[-1].state == STOPPED and events[-1].component == key
    assert state.load(session.record.id).components[key].state == STOPPED  # saved for `vxi status`
    session.status()  # a powered-off domain that was stopped on purpose is not a failure
    assert session.record.components[key].state == STOPPED and session.states[key] == STOPPED
    assert _domain(session, "n1").isActive()  # the others run on
    with pytest.raises(DeployError, match="r1 is stopped: start it before moving it"):
        session.deployer.migrate(key, next(h for h in session.substrate.hosts if h != session.record.find("r1").host))
    session.start("r1")
    assert _domain(session, "r1").isActive()
    assert session.states[key] == RUNNING and events[-1].state == RUNNING
    session.status()
    assert session.record.components[key].state == RUNNING


def test_a_domain_destroyed_behind_our_back_is_still_a_failure(test_driver):
    session, _events = test_driver
    _domain(session, "r1").destroy()  # `virsh destroy`, not a stop from the designer
    session.status()
    assert session.states[session.record.key_of(session.record.find("r1"))] == "failed"


def test_an_unknown_component_and_a_backend_that_cannot_stop_are_told_in_words(test_driver):
    session, _events = test_driver
    with pytest.raises(SessionError, match="nothing"):
        session.stop("nothing")

    class Plain(Deployer):  # a backend that implements only what every backend must
        backend = "plain"
        _prepare = _create = status = teardown = migrate = counter_source = lambda *a: None

    plain = Plain.from_record(session.record)
    with pytest.raises(DeployError, match="the test backend cannot stop a component"):
        plain.stop("VXI1/r1")
    with pytest.raises(DeployError, match="cannot start a component"):
        plain.start("VXI1/r1")


@pytest.mark.root
def test_a_stopped_namespace_is_unplugged_and_plugged_back_in(root):
    substrate, vxis = load("figure6")
    session = DeploySession(substrate, vxis[:1], "netns")
    session.deploy()
    try:
        record = session.record
        a1, a5 = record.find("a1"), record.find("a5")
        target = a5.addresses[0].split("/")[0]

        def reaches() -> bool:
            return kernel.run(a1.name, ["ping", "-c", "1", "-W", "1", target]).returncode == 0

        assert reaches()
        key = session.stop("a5")
        host_ns = record.hosts[a5.host]
        assert all("UP" not in _flags(host_ns, i.host_side) for i in a5.interfaces)
        assert kernel.namespace_exists(a5.name) and not reaches()
        session.status()
        assert session.states[key] == STOPPED
        session.start("a5")
        assert all("UP" in _flags(host_ns, i.host_side) for i in a5.interfaces)
        assert any(reaches() for _ in range(5))  # its own routes and addresses stayed
        session.status()
        assert session.states[key] == RUNNING
    finally:
        session.teardown()
        assert not kernel.namespaces(session.deployer.record.prefix)


def _flags(ns: str, ifname: str) -> list[str]:
    out = kernel.run(ns, ["ip", "-o", "link", "show", ifname]).stdout
    return out.split("<", 1)[1].split(">", 1)[0].split(",")


def test_a_move_that_meets_a_record_deleted_by_hand_says_its_objects_still_run(capsys):
    """A migrate whose record was deleted by hand (its objects running) said 'another command tore it down', so the
    window greyed its Teardown; it is said missing, to be torn down by name, as the window's follow says it."""
    import sqlite3

    from backend.cli import main
    from backend.deploy.session import Gone

    session = DeploySession.from_files(FIGURE1[0], FIGURE1[1:], "test")
    session.deploy()
    tag = session.record.id
    with sqlite3.connect(state.database_path()) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM deployments WHERE id = ?", (tag,))
    target = next(h for h in session.substrate.hosts if h != session.record.find("r1").host)
    with pytest.raises(Gone) as gone:
        session.migrate("r1", target)
    assert gone.value.by_name and f"the record of deployment {tag} is missing from" in str(gone.value)
    assert "another command tore it down" not in str(gone.value)
    session.close()
    assert main(["teardown", tag]) == 0, capsys.readouterr().err  # found by name
    assert f"deployment {tag} torn down" in capsys.readouterr().out

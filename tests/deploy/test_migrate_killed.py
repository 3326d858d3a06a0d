"""A `vxi migrate` killed while libvirt moves the guest (peer to peer: the source's daemon finishes the move
alone): the destination is recorded before the move, so that status and teardown look there, and status says
the guest where it runs, its record and held capacity following it. On the test driver (in one process)."""

from __future__ import annotations

import libvirt

from backend.cli import main
from backend.deploy import state
from backend.deploy.libvirt.deployer import LibvirtDeployer
from backend.deploy.session import DeploySession
from tests.deploy.conftest import EXAMPLES

FILES = [EXAMPLES / f"{name}.vxdl" for name in ("figure6-substrate", "figure6-vxi-a", "figure6-vxi-b")]


def held_on(record, component) -> set[str]:
    """The hosts on which a component holds capacity."""
    held, _holders = state.holds_on(record.substrate, only=record.id)
    return {h.element for h in held if h.kind == "host" and h.part == (component.vxi, component.id)}


def test_a_move_to_a_host_new_to_the_deployment_is_recorded_before_it_starts(capsys, monkeypatch):
    assert main(["deploy", *map(str, FILES), "--backend", "test"]) == 0
    record = state.pick_record(None)
    assert "core2" not in record.hosts
    during = {}
    move = LibvirtDeployer._cold_move

    def killed_here(self, *args):  # what a command started now (teardown, status) reads while the move runs
        during.update(state.load(record.id).hosts)
        return move(self, *args)

    monkeypatch.setattr(LibvirtDeployer, "_cold_move", killed_here)
    assert main(["migrate", "ra", "core2"]) == 0
    assert "core2" in during


def test_a_guest_found_on_another_of_its_hosts_is_said_there_its_record_and_holds_following():
    session = DeploySession.from_files(FILES[0], FILES[1:], "test")
    try:
        record = session.deploy()
        ra = record.find("ra")
        source = ra.host  # the move libvirt finished after its command was killed: ra on another of its hosts
        destination = next(h for h in record.hosts if h != source)
        conns = session.deployer.connections
        dom = conns[source].lookupByName(ra.name)
        conns[destination].defineXML(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)).create()
        dom.destroy()
        dom.undefine()
        shown = session.status().find("ra")
        assert (shown.host, shown.state) == (destination, "running")
        assert state.load(record.id).find("ra").host == destination
        assert held_on(record, ra) == {destination}
    finally:
        session.teardown()


def test_a_move_whose_command_died_before_the_guest_left_gives_its_capacity_back_to_its_host():
    session = DeploySession.from_files(FILES[0], FILES[1:], "test")
    try:
        record = session.deploy()
        ra = record.find("ra")
        source, destination = ra.host, "core2"
        state.move_holds(record.id, ra.vxi, ra.id, destination)  # reserved, then `vxi migrate` killed before the
        record.files["moving"] = {record.key_of(ra): destination}  # job started: ra still runs on its source
        state.save(record)
        assert held_on(record, ra) == {destination}
        assert session.status().find("ra").host == source
        assert held_on(record, ra) == {source}
        assert "moving" not in state.load(record.id).files
    finally:
        session.teardown()

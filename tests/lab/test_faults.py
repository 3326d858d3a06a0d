"""Faults a user meets on real libvirtd hosts, injected on the session lab (root; real QEMU guests): a host whose
daemon is not there, a guest that never becomes ready, a tunnel the host cannot make. Each deploy fails with
one line naming the host, and leaves nothing: no domain, bridge or tunnel on any host, no record kept. (A daemon
killed mid-deploy, a migration refused or cut by its destination, a daemon that stops answering: in
test_deploy_lab.py, on its deployment.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.libvirt import real
from backend.deploy.session import DeploySession, SessionError
from backend.deploy.state import load_all
from backend.lab import netns

from .test_deploy_lab import lab_domains

pytestmark = [pytest.mark.root, pytest.mark.slow]

ACROSS = """<?xml version='1.0' encoding='UTF-8'?>
<description xmlns="http://www.vxdlforum.org/vxdl">
  <virtualInfrastructure><id>across</id>
    <vNode><id>n1</id><location>h1</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vNode><id>n2</id><location>h2</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
    <vLink><id>l1</id><source>n1</source><destination>n2</destination></vLink>
  </virtualInfrastructure>
</description>
"""


@pytest.fixture
def across(tmp_path) -> Path:
    """Two guests, n1 on h1 and n2 on h2, joined by a link (a bridge on each host and a tunnel)."""
    path = tmp_path / "across.vxdl"
    path.write_text(ACROSS)
    return path


def machine(lab) -> dict:
    """What the lab holds: each host's domains and network devices, and the deployments recorded."""
    return {"domains": lab_domains(lab), "devices": {h.id: sorted(netns.links(h.netns)) for h in lab.hosts},
            "records": sorted(r.id for r in load_all())}


def one_line(capfd) -> str:
    err = capfd.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_a_host_whose_daemon_is_not_there_is_refused_before_anything_is_created(lab, across, tmp_path, capfd):
    socket = lab.host("h2").socket
    text = Path(lab.substrate).read_text()
    assert socket in text
    substrate = tmp_path / "substrate.vxdl"  # h2's daemon not started: its socket is missing
    substrate.write_text(text.replace(socket, str(tmp_path / "h2-not-started" / "libvirt-sock")))
    before = machine(lab)
    capfd.readouterr()
    assert main(["deploy", str(substrate), str(across), "--backend", "libvirt"]) == 1
    err = one_line(capfd)
    assert "host h2: connecting to qemu+unix" in err and "No such file or directory" in err, err
    assert "teardown" not in err  # nothing was left for a teardown to finish
    assert machine(lab) == before


def test_a_guest_that_never_becomes_ready_rolls_back_everything(lab, across, capfd, monkeypatch):
    monkeypatch.setenv("VXI_READY_TIMEOUT", "0.5")  # no guest answers its agent half a second after its start
    before = machine(lab)
    capfd.readouterr()
    assert main(["deploy", lab.substrate, str(across), "--backend", "libvirt"]) == 1
    err = one_line(capfd)
    assert re.search(r"host h[12]: n[12] did not become ready: .*did not answer within 0.5 s", err), err
    assert "teardown" not in err
    assert machine(lab) == before


def test_a_tunnel_the_host_cannot_make_rolls_back_the_links_already_made(lab, across):
    host = lab.host("h2")
    squatter: list[str] = []

    def squat_the_tunnel(progress) -> None:  # another VXLAN device takes the VNI just before h2 makes its tunnel
        found = re.search(r"bridge vx(\w+)b(\d+), tunnel to", progress.step)
        if progress.host == "h2" and found and not squatter:
            vni = real.vni(session.deployer.tag, int(found.group(2)))
            netns.ip(host.netns, "link", "add", "vxsquat", "type", "vxlan", "id", str(vni), "local", host.address,
                     "dstport", "4789")
            squatter.append("vxsquat")

    before = machine(lab)
    session = DeploySession.from_files(lab.substrate, [across], "libvirt", on_progress=squat_the_tunnel)
    try:
        with pytest.raises(SessionError) as failed:
            session.deploy()
        message = str(failed.value)
        assert squatter and "\n" not in message and message.startswith("host h2: link across/l1"), message
        assert "VNI" in message and "already" in message and "teardown" not in message, message
        after = machine(lab)
        after["devices"]["h2"].remove("vxsquat")  # the squatter stays: it was not the deployment's
        assert after == before  # h1's bridge and tunnel, made first, were removed too
    finally:
        session.close()
        if squatter:
            netns.ip(host.netns, "link", "delete", "vxsquat", check=False)

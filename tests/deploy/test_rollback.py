"""Fault injection on the libvirt test driver: a host that fails part-way leaves nothing anywhere."""

from __future__ import annotations

import copy

import pytest

from backend.deploy.base import DeployError
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.libvirt.deployer import LibvirtDeployer
from backend.deploy.libvirt.xml import stable_uuid
from tests.deploy.conftest import embedded


def hosts_with_files(substrate, folder, mapping):
    """Give every used host its own test:/// host file (as a user would write in the substrate)."""
    substrate = copy.deepcopy(substrate)
    used = [h for h in substrate.hosts if any(h in r.nodes.values() for r in mapping.requests)]
    for host_id in used:
        path = folder / f"{host_id}.xml"
        substrate.hosts[host_id].uri = hostfiles.write_host_file(path, substrate.hosts[host_id])
    return substrate, used


def everything(deployer):
    return {h: sorted(d.name() for d in c.listAllDomains()) + sorted(n.name() for n in c.listAllNetworks())
            for h, c in deployer.connections.items()}


def test_an_unreachable_host_part_way_rolls_back_the_hosts_already_done(tmp_path):
    substrate, vxis, mapping = embedded("figure1")
    substrate, used = hosts_with_files(substrate, tmp_path, mapping)
    last = used[-1]
    substrate.hosts[last].uri = f"test://{tmp_path}/missing/{last}.xml"
    deployer = LibvirtDeployer(substrate, vxis, tag="fault1")
    try:
        with pytest.raises(DeployError) as caught:
            deployer.deploy(mapping)
        assert caught.value.host == last and caught.value.step == "connect"
        assert f"host {last}" in str(caught.value) and "rolled back all" in str(caught.value)
        assert set(deployer.connections) == set(used) - {last}  # the others had been built
        assert all(objects == [] for objects in everything(deployer).values())
        assert deployer.record.state == "failed"
    finally:
        deployer.close()


def test_a_define_the_host_rejects_part_way_names_host_and_step_and_removes_only_ours(tmp_path):
    substrate, vxis, mapping = embedded("figure1")
    substrate, used = hosts_with_files(substrate, tmp_path, mapping)
    tag = "fault2"
    victim = mapping.request("VXI1").nodes["n3"]
    deployer = LibvirtDeployer(substrate, vxis, tag=tag)
    name = deployer.domain_name("VXI1", "n3")
    squatter = (f"<domain type='test'><name>{name}</name><uuid>{stable_uuid('other', name)}</uuid>"
                "<memory>65536</memory><os><type>hvm</type></os></domain>")  # same name, another UUID
    hostfiles.write_host_file(tmp_path / f"{victim}.xml", substrate.hosts[victim], [squatter])
    try:
        with pytest.raises(DeployError) as caught:
            deployer.deploy(mapping)
        assert caught.value.host == victim
        assert caught.value.step == f"defining domain {name}"
        assert "already exists" in str(caught.value)
        left = everything(deployer)
        assert left.pop(victim) == [name]  # the domain that was there before is untouched
        assert all(objects == [] for objects in left.values())
    finally:
        deployer.close()


def test_an_interrupt_part_way_rolls_back_too_and_still_interrupts():
    substrate, vxis, mapping = embedded("figure6")
    deployer = LibvirtDeployer(substrate, vxis, test_only=True)
    seen = []

    def interrupt_at_the_20th_step(progress):
        seen.append(progress.step)
        if len(seen) == 20:
            raise KeyboardInterrupt

    deployer.on_progress = interrupt_at_the_20th_step
    try:
        with pytest.raises(KeyboardInterrupt):
            deployer.deploy(mapping)
        assert deployer.record.state == "failed" and "KeyboardInterrupt" in deployer.record.error
        assert deployer.connections and all(objects == [] for objects in everything(deployer).values())
    finally:
        deployer.close()

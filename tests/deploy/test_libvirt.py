"""The libvirt backend on the test driver: one host file per physical host, domains and networks."""

from __future__ import annotations

import libvirt
import pytest
from lxml import etree

from backend.deploy.libvirt.deployer import LibvirtDeployer
from backend.deploy.libvirt.xml import METADATA_NS
from tests.deploy.conftest import embedded


def world(deployer: LibvirtDeployer) -> dict[str, tuple[set[str], set[str]]]:
    """host -> (domain names, network names) as each host's connection sees them."""
    return {h: ({d.name() for d in c.listAllDomains()}, {n.name() for n in c.listAllNetworks()})
            for h, c in deployer.connections.items()}


@pytest.fixture
def deployed(request):
    substrate, vxis, mapping = embedded(request.param)
    deployer = LibvirtDeployer(substrate, vxis, test_only=True)
    record = deployer.deploy(mapping)
    yield deployer, record, mapping
    deployer.close()


@pytest.mark.parametrize("deployed", ["figure1", "figure4", "figure6"], indirect=True)
def test_each_component_is_a_running_domain_on_its_host_and_each_link_a_network(deployed):
    deployer, record, mapping = deployed
    seen = world(deployer)
    assert set(seen) == set(record.hosts) and len(seen) >= 2
    for request in mapping.requests:
        for comp_id, host in request.nodes.items():
            comp = record.find(comp_id) if comp_id in record.components else record.find(f"{request.id}/{comp_id}")
            assert comp.host == host
            assert comp.name in seen[host][0]
            assert deployer.connections[host].lookupByName(comp.name).state()[0] == libvirt.VIR_DOMAIN_RUNNING
    for key, seg in record.segments.items():
        vxi, _, link = key.partition("/")
        for host in seg["hosts"]:
            assert deployer.network_name(vxi, link) in seen[host][1]


@pytest.mark.parametrize("deployed", ["figure1"], indirect=True)
def test_domains_carry_uuid_size_metadata_and_bandwidth_in_kilobytes_per_second(deployed):
    deployer, record, _ = deployed
    n1 = record.find("n1")  # 8 GiB, 4 cores, link l1 to r1 at 500 Mbit/s both ways
    dom = deployer.connections[n1.host].lookupByName(n1.name)
    root = etree.fromstring(dom.XMLDesc(0).encode())
    assert len(root.findtext("uuid")) == 36
    assert root.findtext("memory") == str(8 * 2**20) and root.findtext("vcpu") == "4"
    meta = root.find(f"metadata/{{{METADATA_NS}}}component")
    assert (meta.get("vxi"), meta.get("id"), meta.get("kind")) == ("VXI1", "n1", "node")
    bw = root.find("devices/interface/bandwidth")
    assert bw.find("inbound").get("average") == bw.find("outbound").get("average") == "62500"
    net = deployer.connections[n1.host].networkLookupByName(deployer.network_name("VXI1", "l1"))
    net_bw = etree.fromstring(net.XMLDesc(0).encode()).find("portgroup[@default='yes']/bandwidth")  # its QoS
    assert net_bw.find("outbound").get("average") == "62500"
    assert net.isActive() and etree.fromstring(net.XMLDesc(0).encode()).find("forward") is None


@pytest.mark.parametrize("deployed", ["figure1"], indirect=True)
def test_a_router_domain_holds_its_forwarding_configuration(deployed):
    deployer, record, _ = deployed
    r1 = record.find("r1")
    root = etree.fromstring(deployer.connections[r1.host].lookupByName(r1.name).XMLDesc(0).encode())
    meta = root.find(f"metadata/{{{METADATA_NS}}}component")
    assert meta.find(f"{{{METADATA_NS}}}forwarding").get("ipv4") == "on"
    addresses = [i.get("address") for i in meta.findall(f"{{{METADATA_NS}}}interface")]
    assert addresses == ["10.0.1.1/24", "10.0.2.1/24", "10.0.3.1/24"]
    n1 = etree.fromstring(deployer.connections[record.find("n1").host].lookupByName(
        record.find("n1").name).XMLDesc(0).encode()).find(f"metadata/{{{METADATA_NS}}}component")
    assert [(r.get("destination"), r.get("via")) for r in n1.findall(f"{{{METADATA_NS}}}route")] == [
        ("default", "10.0.1.1")]


@pytest.mark.parametrize("deployed", ["figure1", "figure4", "figure6"], indirect=True)
def test_teardown_leaves_every_host_empty_and_can_run_twice(deployed):
    deployer, record, _ = deployed
    removed = deployer.teardown()
    assert len(removed) == len(record.components) + sum(len(s["hosts"]) for s in record.segments.values())
    assert all(doms == set() and nets == set() for doms, nets in world(deployer).values())
    assert deployer.teardown() == []


@pytest.mark.parametrize("deployed", ["figure6"], indirect=True)
def test_migrating_a_router_on_the_test_driver_is_a_cold_move_that_says_so(deployed):
    deployer, record, _ = deployed
    ra = record.find("ra")
    source = ra.host
    result = deployer.migrate("ra", "core2")
    assert result.mode == "cold" and "cannot migrate" in result.notice
    seen = world(deployer)
    assert ra.name in seen["core2"][0] and ra.name not in seen[source][0]
    assert {deployer.network_name("vxi-a", f"a{i}-r") for i in range(1, 9)} <= seen["core2"][1]
    assert deployer.status().find("ra").state == "running" and record.find("ra").host == "core2"


@pytest.mark.parametrize("deployed", ["figure1"], indirect=True)
def test_a_later_process_sees_the_deployment_through_the_saved_host_files(deployed):
    deployer, record, _ = deployed
    later = LibvirtDeployer.from_record(record)
    try:
        states = {k: c.state for k, c in later.status().components.items()}
        assert set(states.values()) == {"running"}
        later.teardown()
    finally:
        later.close()
    again = LibvirtDeployer.from_record(record)
    try:
        assert {c.state for c in again.status().components.values()} == {"missing"}
    finally:
        again.close()


def test_a_caller_can_follow_the_steps_as_they_happen():
    substrate, vxis, mapping = embedded("figure6")
    deployer = LibvirtDeployer(substrate, vxis, test_only=True)
    steps = []
    deployer.on_progress = lambda progress: steps.append((progress.host, progress.step))
    try:
        deployer.deploy(mapping)
    finally:
        deployer.close()
    ra = deployer.domain_name("vxi-a", "ra")
    assert ("core1", f"defining domain {ra}") in steps and ("core1", f"starting domain {ra}") in steps
    assert steps.index(("core1", f"defining domain {ra}")) < steps.index(("core1", f"starting domain {ra}"))


@pytest.mark.parametrize("deployed", ["figure1", "figure4", "figure6"], indirect=True)
def test_every_interface_has_the_bandwidth_of_its_link_in_each_direction(deployed):
    deployer, record, _ = deployed
    checked = 0
    for comp in record.components.values():
        root = etree.fromstring(deployer.connections[comp.host].lookupByName(comp.name).XMLDesc(0).encode())
        nics = root.findall("devices/interface")
        assert [n.find("source").get("network") for n in nics] == [
            deployer.network_name(*i.segment.split("/", 1)) for i in comp.interfaces]
        for nic, iface in zip(nics, comp.interfaces, strict=True):
            for direction, bps in (("inbound", iface.rate_in_bps), ("outbound", iface.rate_out_bps)):
                element = nic.find(f"bandwidth/{direction}")
                if bps:
                    assert int(element.get("average")) == round(bps / 8000)  # kilobytes per second
                    checked += 1
                else:
                    assert element is None  # a one-way link's reverse is not limited
    assert checked >= len(record.components)

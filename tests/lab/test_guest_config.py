"""The guest's kernel command line and its NoCloud equivalent: what a guest is told, checked before boot."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from backend.deploy.libvirt.xml import EXEC_CHANNEL
from backend.guest import config as C
from backend.guest import iso9660, nocloud, scripts

ROUTER = C.GuestConfig("r1", [C.GuestNic("52:54:00:aa:00:01", ["10.1.1.1/24"], 10e6, 0.005),
                              C.GuestNic("52:54:00:aa:00:02", ["10.1.2.1/24", "10.1.3.1/24"])],
                       [("10.9.0.0/16", "10.1.2.254"), ("default", "10.1.1.254")], forward=True)


def test_kernel_command_line_is_compact_and_reads_back_the_same():
    line = C.kernel_cmdline(ROUTER)
    assert line.startswith("console=ttyS0")
    assert ("vxi.nic=52:54:00:aa:00:01,10.1.1.1/24,10000000,5000 vxi.nic=52:54:00:aa:00:02,10.1.2.1/24+10.1.3.1/24 "
            "vxi.route=10.9.0.0/16,10.1.2.254 vxi.route=default,10.1.1.254 vxi.forward=1") in line
    assert C.parse_kernel_args(line) == ROUTER


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: setattr(c, "name", "bad name"), "guest name"),
    (lambda c: setattr(c.nics[0], "mac", "52:54:00:AA:00:01"), "MAC"),
    (lambda c: c.nics[0].addresses.append("10.1.1.7"), "prefix length"),
    (lambda c: c.routes.append(("10.0.0.0/8", "gateway")), "gateway"),
    (lambda c: c.routes.append(("ten", "10.1.1.9")), "destination"),
])
def test_a_configuration_a_guest_cannot_use_is_refused_with_what_is_wrong(change, message):
    cfg = C.parse_kernel_args(C.kernel_args(ROUTER))
    change(cfg)
    with pytest.raises(C.GuestConfigError, match=message):
        C.kernel_cmdline(cfg)


def test_too_many_nics_for_a_kernel_command_line_are_refused():
    many = C.GuestConfig("big", [C.GuestNic(f"52:54:00:00:{i // 256:02x}:{i % 256:02x}", [f"10.{i}.0.1/24"])
                                 for i in range(60)])
    with pytest.raises(C.GuestConfigError, match="more than the 2047"):
        C.kernel_cmdline(many)


def test_agent_listens_on_the_channel_the_domain_xml_declares():
    assert f"name=${{1:-{EXEC_CHANNEL}}}" in scripts.AGENT and EXEC_CHANNEL == "org.qemu.guest_agent.0"


def test_nocloud_seed_carries_the_same_configuration():
    files = nocloud.seed_files(ROUTER)
    network = json.loads(files["network-config"])
    first, second = network["ethernets"]["vxi0"], network["ethernets"]["vxi1"]
    assert first["match"]["macaddress"] == "52:54:00:aa:00:01" and first["addresses"] == ["10.1.1.1/24"]
    assert first["routes"] == [{"to": "0.0.0.0/0", "via": "10.1.1.254"}]
    assert second["routes"] == [{"to": "10.9.0.0/16", "via": "10.1.2.254"}]
    user = files["user-data"].decode()
    assert user.startswith("#cloud-config\n")
    cloud = json.loads(user.split("\n", 1)[1])
    written = {f["path"]: f["content"] for f in cloud["write_files"]}
    assert written["/etc/vxi/cmdline"].strip() == C.kernel_args(ROUTER)
    assert written[nocloud.AGENT_PATH] == scripts.AGENT
    meta = json.loads(files["meta-data"])
    assert meta["local-hostname"] == "r1"
    other = C.parse_kernel_args(C.kernel_args(ROUTER))
    other.forward = False
    assert json.loads(nocloud.seed_files(other)["meta-data"])["instance-id"] != meta["instance-id"]


def test_users_own_user_data_is_added_as_a_second_mime_part():
    user = nocloud.seed_files(ROUTER, b"#!/bin/sh\necho hello\n")["user-data"].decode()
    assert user.startswith("Content-Type: multipart/mixed")
    assert "Content-Type: text/cloud-config" in user and "Content-Type: text/x-shellscript" in user
    assert "echo hello" in user


def test_disk_extension_element_reads_and_writes():
    el = etree.fromstring(f'<x:disk xmlns:x="{nocloud.EXT_NS}" source="/srv/deb.qcow2" userData="/srv/u"/>')
    disk = nocloud.UserDisk.from_element(el)
    assert disk == nocloud.UserDisk("/srv/deb.qcow2", "qcow2", True, "/srv/u")
    assert nocloud.UserDisk.from_element(disk.to_element()) == disk

    class Component:
        extensions = [etree.tostring(disk.to_element()).decode()]

    assert nocloud.user_disk_of(Component()) == disk
    vmdk = etree.fromstring(f'<x:disk xmlns:x="{nocloud.EXT_NS}" source="a" format="vmdk"/>')
    with pytest.raises(nocloud.UserDiskError, match="format 'vmdk'"):
        nocloud.UserDisk.from_element(vmdk)


def test_iso_is_reproducible_and_labelled_for_cloud_init():
    files = nocloud.seed_files(ROUTER)
    image = iso9660.build("cidata", files)
    assert image == iso9660.build("cidata", files)
    assert len(image) % iso9660.SECTOR == 0
    pvd = image[16 * 2048:17 * 2048]
    assert pvd[1:6] == b"CD001" and pvd[40:46] == b"cidata"
    joliet = image[17 * 2048:18 * 2048]
    assert joliet[0] == 2 and joliet[88:91] == b"%/E" and joliet[40:52].decode("utf-16-be") == "cidata"
    for content in files.values():
        assert content in image


def test_disk_element_is_valid_vxdl_kept_on_the_component_and_written_back(tmp_path):
    from pathlib import Path

    from backend.vxdl import read_bytes, write_bytes

    source = (Path(__file__).resolve().parents[2] / "examples" / "figure6-vxi-a.vxdl").read_text()
    disk = '<x:disk source="/srv/images/debian-12-genericcloud-amd64.qcow2" userData="/srv/extra"/>'
    with_disk = source.replace("<x:function>compute</x:function>", disk + "<x:function>compute</x:function>", 1)
    result = read_bytes(with_disk.encode(), "with-disk.vxdl")
    assert not [p for p in result.problems if p.severity == "error"], result.problems
    assert nocloud.user_disk_of(result.model.components["a1"]) == \
        nocloud.UserDisk("/srv/images/debian-12-genericcloud-amd64.qcow2", user_data="/srv/extra")
    again = read_bytes(write_bytes(result.model), "again.vxdl")
    assert nocloud.user_disk_of(again.model.components["a1"]).source.endswith("amd64.qcow2")
    bad = read_bytes(with_disk.replace('userData="/srv/extra"', 'format="vmdk"').encode(), "bad.vxdl")
    assert [p for p in bad.problems if p.severity == "error" and "vmdk" in p.message]

"""A component with its own disk image (<x:disk>): the guest boots a copy-on-write overlay of the user's image
(never the image itself) with a NoCloud seed carrying its configuration; a missing image is refused naming the
component and the host; teardown removes overlays and seeds (on a host of another machine, volumes made through
libvirt: tests/lab/test_remote_disk.py). Quick: no guest boots here (the boot of a real cloud image is
tests/lab/test_cloud_image.py, opt-in)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from lxml import etree

from backend.deploy.libvirt import disks, real
from backend.deploy.libvirt.real import RealHost
from backend.deploy.libvirt.xml import domain_xml
from backend.deploy.plan import Attachment, Plan, PlannedComponent, Segment
from backend.guest.nocloud import UserDisk

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img missing (Debian qemu-utils)")

HOST = RealHost("h1", "qemu+unix:///system?socket=/tmp/none/libvirt-sock", "vxlab-x-h1", "10.254.0.1", "qemu",
                False, "no sfq")


def plan_with(disk: UserDisk | None) -> Plan:
    extensions = [etree.tostring(disk.to_element()).decode()] if disk else []
    pc = PlannedComponent("pc-a", "two", "pc-a", "node", "h1", 512 * 2**20, 1, ["10.0.1.2/24"],
                          [("default", "10.0.1.1")], extensions)
    seg = Segment(1, "two", "a-r", "10.0.1.0/24", 10e6, 10e6, None, [Attachment("pc-a", "10.0.1.2/24", 10e6, 10e6)])
    return Plan({"pc-a": pc}, [seg])


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "images" / "debian.qcow2"
    path.parent.mkdir()
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
    return path


def spec_of(plan: Plan, folder, host: RealHost = HOST):
    return real.guest_spec(plan, "pc-a", "t1234", "vxit1234-two-pc-a", lambda v, lk: f"vxit1234-{v}-{lk}", host,
                           None, folder)


def test_a_user_disk_boots_an_overlay_of_the_image_with_a_seed_of_its_configuration(tmp_path, image):
    before = hashlib.sha256(image.read_bytes()).hexdigest()
    folder = tmp_path / "deployment"
    spec = spec_of(plan_with(UserDisk(str(image))), folder)
    dom = etree.fromstring(domain_xml(spec).encode())
    assert dom.find("os/kernel") is None and dom.find("os/boot").get("dev") == "hd"
    vda, vdb = dom.findall("devices/disk")
    assert (vda.find("target").get("dev"), vda.find("target").get("bus")) == ("vda", "virtio")
    assert vda.find("source").get("file") == str(folder / "disks" / "vxit1234-two-pc-a.qcow2")
    assert vda.find("driver").get("type") == "qcow2" and vda.find("readonly") is None
    assert vdb.find("source").get("file").endswith(".seed.iso") and vdb.find("readonly") is not None
    info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", vda.find("source").get("file")],
                                     capture_output=True, text=True, check=True).stdout)
    assert info["format"] == "qcow2" and info["backing-filename"] == str(image)
    assert info["backing-filename-format"] == "qcow2"
    seed = (folder / "disks" / "vxit1234-two-pc-a.seed.iso").read_bytes()
    assert b"cidata" in seed[16 * 2048:17 * 2048]
    mac = dom.find("devices/interface/mac").get("address")
    network = json.loads(seed[seed.index(b'{\n "version": 2'):].split(b"\n}\n")[0] + b"\n}")
    nic = network["ethernets"]["vxi0"]
    assert nic["match"]["macaddress"] == mac and nic["addresses"] == ["10.0.1.2/24"]
    assert nic["routes"] == [{"to": "0.0.0.0/0", "via": "10.0.1.1"}]
    assert b"vxi.nic=" + mac.encode() + b",10.0.1.2/24,10000000" in seed  # shaped by the guest (tbf) here
    assert hashlib.sha256(image.read_bytes()).hexdigest() == before  # the user's image is never written
    assert disks.remove(folder, "vxit1234-") == ["vxit1234-two-pc-a.qcow2", "vxit1234-two-pc-a.seed.iso"]
    assert not (folder / "disks").exists()


def test_without_cloud_init_the_guest_gets_no_seed(tmp_path, image):
    spec = spec_of(plan_with(UserDisk(str(image), cloud_init=False)), tmp_path)
    assert spec.boot.seed is None
    assert len(etree.fromstring(domain_xml(spec).encode()).findall("devices/disk")) == 1


def test_a_missing_image_is_refused_naming_the_component_and_the_host(tmp_path, image):
    with pytest.raises(disks.DiskError, match=r"pc-a: disk image /srv/none.qcow2 is missing on host h1"):
        spec_of(plan_with(UserDisk("/srv/none.qcow2")), tmp_path)
    remote = RealHost("far", "qemu+ssh://root@node1/system", None, None, "kvm", True, "")
    with pytest.raises(disks.DiskError, match=r"pc-a: its disk on host far is made through the host's connection"):
        spec_of(plan_with(UserDisk(str(image))), tmp_path, remote)
    assert not (tmp_path / "disks").exists() or not any((tmp_path / "disks").iterdir())


def test_how_cloud_init_ended_is_said_with_its_detail():
    from backend.deploy.libvirt.guests import cloud_init_state

    assert cloud_init_state("status: done\ntime: x\ndetail:\nDataSourceNoCloud [seed=/dev/vdb]\n") == "done"
    failed = "status: error\ntime: x\ndetail:\n('scripts_user', RuntimeError('Runparts: 1 failures'))\n"
    assert cloud_init_state(failed) == "error: ('scripts_user', RuntimeError('Runparts: 1 failures'))"
    assert cloud_init_state("status: no cloud-init") == "no cloud-init"


def test_a_move_to_a_host_with_other_paths_gives_the_destination_its_own_paths(tmp_path, image):
    import libvirt

    from backend.deploy.libvirt.moves import _destination_xml

    xml = domain_xml(spec_of(plan_with(UserDisk(str(image))), tmp_path))
    overlay, seed = (el.get("file") for el in etree.fromstring(xml.encode()).iterfind("devices/disk/source"))

    conn = libvirt.open("test:///default")  # a domain of that XML on libvirt's test driver
    try:
        dom = conn.defineXML(xml.replace("type=\"qemu\"", "type=\"test\"", 1).replace("type='qemu'", "type='test'", 1))
        assert _destination_xml(dom, {overlay: overlay, seed: seed}) == {}  # the same paths: no XML given
        moved = {overlay: "/srv/pool/a.qcow2", seed: "/srv/pool/a.seed.iso"}
        given = etree.fromstring(_destination_xml(dom, moved)[libvirt.VIR_MIGRATE_PARAM_DEST_XML].encode())
    finally:
        conn.close()
    assert [el.get("file") for el in given.iterfind("devices/disk/source")] == list(moved.values())
    assert given.find("devices/interface/mac").get("address") == etree.fromstring(xml.encode()).find(
        "devices/interface/mac").get("address")  # nothing else changed

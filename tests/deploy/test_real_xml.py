"""Domain XML for real guests (QEMU or KVM): valid for libvirt's own schema, booting the project's image
or a user's disk with its seed, virtio NICs with fixed MACs, shaping by <bandwidth> only where the host
can, a serial console and the exec channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from backend.deploy.libvirt.xml import (
    EXEC_CHANNEL,
    MIN_GUEST_BYTES,
    DomainSpec,
    GuestBoot,
    NicSpec,
    domain_xml,
    stable_mac,
    stable_uuid,
)

SCHEMA = Path("/usr/share/libvirt/schemas/domain.rng")


@pytest.fixture(scope="module")
def schema():
    if not SCHEMA.exists():
        pytest.skip(f"libvirt's schemas are not installed ({SCHEMA})")
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def router(boot: GuestBoot, host_shaping: bool, domain_type: str = "qemu") -> DomainSpec:
    nics = [NicSpec("vxi1-a-l1", 10e6, 20e6, "10.1.1.1/24", "p0", stable_mac("t", "r", 0), "br-l1", host_shaping),
            NicSpec("vxi1-a-l2", 10e6, 20e6, "10.1.2.1/24", "p1", stable_mac("t", "r", 1), "br-l2", host_shaping)]
    return DomainSpec("vxi1-a-r", stable_uuid("t", "vxi1-a-r"), 64 * 2**20, 1, "t", "a", "r", "router", nics,
                      [("10.2.0.0/16", "10.1.2.254")], domain_type, boot, "/var/log/libvirt/qemu/vxi1-a-r.log")


KERNEL = GuestBoot(kernel="/cache/vmlinuz", initrd="/cache/initrd.img", cmdline="console=ttyS0 vxi.name=r")
DISK = GuestBoot(disk="/srv/deb.qcow2", seed="/srv/r-seed.iso")


@pytest.mark.parametrize("boot", [KERNEL, DISK], ids=["image", "disk"])
@pytest.mark.parametrize("shaping", [True, False], ids=["host-shaping", "guest-shaping"])
def test_real_guest_xml_is_valid_for_libvirt(schema, boot, shaping):
    root = etree.fromstring(domain_xml(router(boot, shaping)).encode())
    assert schema.validate(root), schema.error_log
    assert root.get("type") == "qemu"
    assert int(root.findtext("memory")) * 1024 == MIN_GUEST_BYTES  # 64 MiB asked, 128 MiB given
    assert root.find("features/acpi") is not None
    nics = root.findall("devices/interface")
    assert [n.get("type") for n in nics] == ["bridge", "bridge"]
    assert [n.find("model").get("type") for n in nics] == ["virtio", "virtio"]
    assert [n.find("mac").get("address") for n in nics] == [stable_mac("t", "r", 0), stable_mac("t", "r", 1)]
    assert all(n.find("target") is None for n in nics)  # libvirt names the taps (a migration needs two at once)
    assert (nics[0].find("bandwidth") is not None) == shaping
    channel = root.find("devices/channel")
    assert channel.get("type") == "unix" and channel.find("target").get("name") == EXEC_CHANNEL
    assert root.find("devices/serial/log").get("file").endswith("vxi1-a-r.log")


def test_image_boot_is_direct_and_disk_boot_carries_its_seed(schema):
    image = etree.fromstring(domain_xml(router(KERNEL, False, "kvm")).encode())
    assert image.get("type") == "kvm"
    assert image.findtext("os/kernel") == "/cache/vmlinuz" and image.findtext("os/cmdline") == KERNEL.cmdline
    assert image.find("devices/disk") is None
    disk = etree.fromstring(domain_xml(router(DISK, False)).encode())
    assert disk.find("os/kernel") is None and disk.find("os/boot").get("dev") == "hd"
    disks = disk.findall("devices/disk")
    assert [d.find("source").get("file") for d in disks] == ["/srv/deb.qcow2", "/srv/r-seed.iso"]
    assert disks[1].find("readonly") is not None


def test_a_real_guest_without_a_way_to_boot_is_refused():
    with pytest.raises(ValueError, match="needs a way to boot"):
        domain_xml(router(None, False))
    with pytest.raises(ValueError, match="not both"):
        domain_xml(router(GuestBoot(kernel="/k", initrd="/i", disk="/d"), False))


def test_test_driver_domains_are_unchanged():
    spec = router(None, True, "test")
    root = etree.fromstring(domain_xml(spec).encode())
    assert root.find("os/kernel") is None and root.find("devices/channel") is None
    assert [n.get("type") for n in root.findall("devices/interface")] == ["network", "network"]
    assert root.find("devices/interface/bandwidth/inbound").get("average") == "2500"

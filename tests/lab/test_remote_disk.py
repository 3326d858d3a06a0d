"""A component's own disk (<x:disk>) on hosts of another machine (a lab reached over ssh, VXI_LAB_AS_REMOTE=1):
everything made through the host's libvirt connection: the deployment's storage pool on the host, the guest's
qcow2 overlay volume over the image as the host has it, its seed uploaded through a stream; the guest boots from
the overlay (a tiny disk: syslinux, the distribution's kernel, the project's initramfs), moves live to the other
host with its overlay copied (incremental storage migration); a guest of the project's image on a host that
lacks the image gets it uploaded into the same pool, where it boots and where it moves; `teardown --all` with
the domains gone and the record lost finds the pools by name and their mark of this state directory, and leaves
no volume or pool; an image missing on the host is refused
in one line naming the component and the host, at deploy and for a move (root; skipped with the reason when
sshd, libvirtd or QEMU are missing)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from lxml import etree

from backend.cli import main
from backend.deploy.libvirt import guard, pools
from backend.deploy.state import pick_record, state_dir
from backend.guest.image import ImageError, find_kernel
from backend.lab import netns
from tests.lab.test_faults import ACROSS

pytestmark = [pytest.mark.root, pytest.mark.slow]

MARK = "vxi.bootdisk=syslinux"  # on the tiny disk's kernel command line only
VXI = """<?xml version='1.0' encoding='UTF-8'?>
<description xmlns="http://www.vxdlforum.org/vxdl" xmlns:x="urn:vxi-designer:vxdl-ext:1">
  <virtualInfrastructure>
    <id>own</id>
    <vNode>
      <id>pc-d</id>
      <memory><unit>MB</unit><simple>128</simple></memory>
      <x:disk source="{image}"/>
    </vNode>
  </virtualInfrastructure>
</description>
"""


def tiny_disk(folder: Path, initrd: Path) -> Path:
    """A bootable qcow2 disk: an MBR, one FAT partition with syslinux, the distribution's kernel (vmlinuz) and
    the project's initramfs (its init starts the exec agent)."""
    missing = [t for t in ("syslinux", "mcopy", "mkfs.vfat", "sfdisk", "qemu-img") if shutil.which(t) is None]
    mbr = Path("/usr/lib/syslinux/mbr/mbr.bin")
    if missing or not mbr.is_file():
        pytest.skip(f"a bootable disk needs {', '.join(missing) or mbr} (syslinux, mtools, dosfstools, fdisk)")
    try:
        kernel, _version = find_kernel()
    except ImageError as exc:
        pytest.skip(str(exc))
    boot, raw, image = folder / "boot.img", folder / "disk.img", folder / "tiny.qcow2"
    size_mb = 8 + (kernel.stat().st_size + initrd.stat().st_size) // 2**20
    subprocess.run(["mkfs.vfat", "-C", "-n", "VXIBOOT", str(boot), str(size_mb * 1024)], check=True,
                   capture_output=True)
    subprocess.run(["syslinux", "--install", str(boot)], check=True)
    cfg = folder / "syslinux.cfg"
    cfg.write_text("SERIAL 0 115200\nDEFAULT linux\nTIMEOUT 1\nLABEL linux\n  KERNEL /vmlinuz\n  INITRD /initrd\n"
                   f"  APPEND console=ttyS0,115200 panic=-1 quiet vxi.name=pc-d {MARK}\n")
    for src, dst in ((kernel, "vmlinuz"), (initrd, "initrd"), (cfg, "syslinux.cfg")):
        subprocess.run(["mcopy", "-i", str(boot), str(src), f"::/{dst}"], check=True)
    with raw.open("wb") as out:
        out.truncate((size_mb + 2) * 2**20)
    subprocess.run(["sfdisk", "-q", str(raw)], input=f"label: dos\nstart=2048, size={size_mb * 2048}, type=c, "
                   "bootable\n", text=True, check=True)
    subprocess.run(["dd", f"if={mbr}", f"of={raw}", "bs=440", "count=1", "conv=notrunc", "status=none"], check=True)
    subprocess.run(["dd", f"if={boot}", f"of={raw}", "bs=1M", "seek=1", "conv=notrunc", "status=none"], check=True)
    subprocess.run(["qemu-img", "convert", "-O", "qcow2", str(raw), str(image)], check=True)
    boot.unlink()
    raw.unlink()
    return image


def _run(capfd, *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def _storage(lab, prefix: str) -> dict[str, dict[str, str]]:
    """Per host, the pools whose names start with `prefix`: each volume's path and backing store path, read
    through the host's libvirt."""
    found = {}
    for host in lab.hosts:
        conn = lab.connect(host.id)
        try:
            for pool in conn.listAllStoragePools(0):
                if pool.name().startswith(prefix):
                    pool.refresh(0)
                    found[f"{host.id}/{pool.name()}"] = {
                        vol.name(): etree.fromstring(vol.XMLDesc(0).encode()).findtext("backingStore/path") or ""
                        for vol in pool.listAllVolumes(0)}
        finally:
            conn.close()
    return found


def _image_the_hosts_lack(guest_image, monkeypatch, request) -> None:
    """The guest image at a path of this machine that no host has (each host has its own /var/cache/libvirt):
    a deploy uploads it into the deployment's pool on each host."""
    cache = Path(tempfile.mkdtemp(prefix="vxi-test-guest-", dir="/var/cache/libvirt"))
    request.addfinalizer(lambda: shutil.rmtree(cache, ignore_errors=True))
    shutil.copytree(guest_image.directory, cache / guest_image.directory.name)
    monkeypatch.setenv("VXI_GUEST_CACHE", str(cache))


def test_a_user_disk_on_hosts_of_another_machine_is_made_moved_and_removed_through_libvirt(
        ssh_lab, guest_image, tmp_path, capfd, monkeypatch, request):
    lab = ssh_lab  # (the session's, shared with test_ssh_lab.py)
    monkeypatch.setenv("VXI_LAB_AS_REMOTE", "1")
    monkeypatch.setenv("VXI_READY_TIMEOUT", "120")
    built = tiny_disk(tmp_path, guest_image.initrd)
    image = "/var/cache/libvirt/vxi-tiny.qcow2"  # a path of each host's own (its mount namespace), none of ours
    copies = {h.id: Path(h.directory) / "cache" / "vxi-tiny.qcow2" for h in lab.hosts}
    for copy in copies.values():
        shutil.copyfile(built, copy)
    assert not Path(image).exists()
    before = _storage(lab, "vxi")

    missing = tmp_path / "missing.vxdl"  # pc-d's overlay and seed are made on h1 (and it starts), then pc-e fails
    missing.write_text(VXI.format(image=image).replace("<vNode>", "<vNode><location>h1</location>").replace(
        "</vNode>", "</vNode><vNode><id>pc-e</id><location>h1</location><memory><unit>MB</unit><simple>128</simple>"
        "</memory><x:disk source='/srv/vxi-none/debian.qcow2'/></vNode>", 1))
    code, out, err = _run(capfd, "deploy", lab.substrate, str(missing), "--backend", "libvirt")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0 and len(lines) == 1, err
    assert "pc-e: disk image /srv/vxi-none/debian.qcow2 on host h1: it is missing or cannot be read there" in lines[0]
    assert "rolled back all of what was created" in lines[0], lines
    assert _storage(lab, "vxi") == before  # nothing left: no pool, no volume, no transient pool over /srv/vxi-none

    _image_the_hosts_lack(guest_image, monkeypatch, request)
    kernel, initrd = (f"guest-{guest_image.key[:16]}-{p.name}" for p in (guest_image.kernel, guest_image.initrd))
    vxi = tmp_path / "own.vxdl"  # pc-d boots its own disk, pc-i the project's image
    vxi.write_text(VXI.format(image=image).replace("</vNode>", "</vNode><vNode><id>pc-i</id><memory><unit>MB</unit>"
                                                   "<simple>128</simple></memory></vNode>"))
    code, out, err = _run(capfd, "deploy", lab.substrate, str(vxi), "--backend", "libvirt", "--json")
    assert code == 0, err
    record = pick_record(json.loads(out)["id"])
    prefix, name, pool = record.prefix, record.components["pc-d"].name, f"{record.prefix}disks"
    disk_volumes = {f"{name}.qcow2": image, f"{name}.seed.iso": ""}
    image_volumes = {kernel: "", initrd: ""}
    owner = pools.owner_name()

    def expected(disk_on: str, image_on: str, *emptied: str) -> dict:
        found = {f"{h}/{pool}": {owner: ""} for h in (*emptied, disk_on, image_on)}  # each marked as ours
        found[f"{disk_on}/{pool}"].update(disk_volumes)
        found[f"{image_on}/{pool}"].update(image_volumes)
        return found

    try:
        host, image_host = record.components["pc-d"].host, record.components["pc-i"].host
        disk = record.files["disks"]["pc-d"]
        assert disk["pool"] == pool
        assert disk["overlay"] == f"/var/lib/libvirt/images/vxi-{record.id}/{name}.qcow2", disk
        assert _storage(lab, prefix) == expected(host, image_host)
        assert record.files["ready_by"]["pc-d"].startswith("the project's agent answers"), record.files["ready_by"]
        assert record.files["images"][image_host]["how"].startswith(f"uploaded into storage pool {pool}")
        code, out, err = _run(capfd, "exec", "pc-d", "--deployment", record.id, "--", "cat", "/proc/cmdline")
        assert code == 0 and MARK in out, out + err  # booted by syslinux from the overlay, not by libvirt

        other = "h1" if host == "h2" else "h2"
        code, out, err = _run(capfd, "migrate", "pc-d", other, "--deployment", record.id, "--json")
        assert code == 0, err
        moved = json.loads(out)
        assert moved["mode"] == "live"
        assert _storage(lab, prefix) == expected(other, image_host, host)
        code, out, err = _run(capfd, "exec", "pc-d", "--deployment", record.id, "--", "cat", "/proc/cmdline")
        assert code == 0 and MARK in out, out + err
        stamp = copies[other].stat().st_mtime_ns

        copies[host].unlink()  # the image gone from the host pc-d left: it cannot come back
        code, out, err = _run(capfd, "migrate", "pc-d", host, "--deployment", record.id)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code != 0 and len(lines) == 1, err
        assert f"pc-d: its disk cannot follow it to host {host}: disk image {image}: it is missing or cannot be " \
               "read there" in lines[0], lines
        assert _storage(lab, prefix) == expected(other, image_host, host)  # nothing of it made there
        code, out, err = _run(capfd, "exec", "pc-d", "--deployment", record.id, "--", "true")
        assert code == 0 and pick_record(record.id).components["pc-d"].host == other, out + err

        image_other = "h1" if image_host == "h2" else "h2"
        code, out, err = _run(capfd, "migrate", "pc-i", image_other, "--deployment", record.id, "--json")
        assert code == 0, err
        moved_image = json.loads(out)
        assert moved_image["mode"] == "live"
        assert _storage(lab, prefix)[f"{image_other}/{pool}"].items() >= image_volumes.items()  # uploaded there too
        code, out, err = _run(capfd, "exec", "pc-i", "--deployment", record.id, "--", "true")
        assert code == 0, out + err
        with capfd.disabled():
            print(f"\nremote disk: pc-d ready {record.files['ready_seconds']['pc-d']} s; {moved['notice']}\n"
                  f"guest image: {pick_record(record.id).files['images']}; pc-i: {moved_image['notice']}")
    finally:
        for h in lab.hosts:  # the domains gone, the record lost: only the pools are left, marked as ours
            conn = lab.connect(h.id)
            try:
                for dom in conn.listAllDomains():
                    if dom.name().startswith(prefix):
                        dom.destroy()
                        dom.undefine()
            finally:
                conn.close()
        with sqlite3.connect(state_dir() / "deployments.db") as db:
            db.execute("DELETE FROM deployments WHERE id = ?", (record.id,))
        code, out, err = _run(capfd, "teardown", "--all", "--json")
    assert code == 0, err
    assert record.id in [d["deployment"] for d in json.loads(out)["deployments"]], out
    assert _storage(lab, prefix) == {}
    assert copies[other].stat().st_mtime_ns == stamp  # the user's image is never written


class _FreezesHalfway:
    """A file read for an upload that calls `freeze` once half of its `size` bytes were read (the host then stops
    answering in the middle of the stream: its later sends get no answer)."""

    def __init__(self, source, size: int, freeze):
        self.source, self.half, self.freeze, self.read_bytes = source, size // 2, freeze, 0

    def read(self, count: int) -> bytes:
        if self.read_bytes >= self.half and self.freeze is not None:
            self.freeze()
            self.freeze = None
        piece = self.source.read(count)
        self.read_bytes += len(piece)
        return piece


def test_a_host_that_freezes_in_the_middle_of_the_image_upload_fails_the_deploy_in_one_line(
        ssh_lab, guest_image, tmp_path, capfd, monkeypatch, request):
    """h2's libvirtd stops answering (SIGSTOP) half-way through the upload of the guest image: the deploy fails
    within the calls' deadline with one line naming h2, h1's part (its guest, pool, image, tunnel) is rolled back,
    the ssh calls to h2 are not even tried (the host is known silent), and once h2 answers again `vxi teardown`
    removes what was left there."""
    lab = ssh_lab
    monkeypatch.setenv("VXI_LAB_AS_REMOTE", "1")
    monkeypatch.setenv("VXI_CALL_TIMEOUT", "3")
    monkeypatch.setattr(guard, "_guards", {})  # (this test's own: its host's guard sees the freeze)
    _image_the_hosts_lack(guest_image, monkeypatch, request)
    across = tmp_path / "across.vxdl"
    across.write_text(ACROSS)
    h2 = lab.host("h2")
    frozen = []
    upload = pools.upload_from

    def freezing_upload(conn, pool, name, size, source, mode="0600"):
        if f"@{h2.address}/" in conn.getURI() and not frozen:
            source = _FreezesHalfway(source, size, lambda: frozen.append(os.kill(h2.pid, signal.SIGSTOP)))
        return upload(conn, pool, name, size, source, mode)

    monkeypatch.setattr(pools, "upload_from", freezing_upload)
    before = _storage(lab, "vxi")
    started = time.monotonic()
    try:
        code, out, err = _run(capfd, "deploy", lab.substrate, str(across), "--backend", "libvirt")
    finally:
        os.kill(h2.pid, signal.SIGCONT)
    with capfd.disabled():
        print(f"\nfrozen mid-upload: deploy failed {time.monotonic() - started:.1f} s after its start: {err.strip()}")
    lines = [line for line in err.splitlines() if line.strip()]
    assert frozen and code == 1 and len(lines) == 1, err
    assert lines[0].startswith(f"vxi deploy: host h2: no answer from {h2.uri} within 3 s"), lines
    assert "rolled back part of what was created; left: " in lines[0] and "vxi teardown" in lines[0], lines
    assert lines[0].count("no answer") == 1 and "over ssh to " in lines[0], lines  # ssh not tried: said once
    tag = re.search(r"vxi teardown (\w+)", lines[0]).group(1)
    assert not [n for n in netns.links(lab.host("h1").netns) if n.startswith(f"vx{tag}")]  # nothing left on h1
    assert not [k for k in _storage(lab, f"vxi{tag}") if k.startswith("h1/")]
    conn = lab.connect("h1")
    try:
        assert not [d.name() for d in conn.listAllDomains() if d.name().startswith(f"vxi{tag}-")]
    finally:
        conn.close()
    monkeypatch.setattr(pools, "upload_from", upload)
    code, out, err = _run(capfd, "teardown", tag)  # h2 answers again: the rest goes
    assert code == 0, err
    assert _storage(lab, "vxi") == before
    assert all(not [n for n in netns.links(h.netns) if n.startswith(f"vx{tag}")] for h in lab.hosts)

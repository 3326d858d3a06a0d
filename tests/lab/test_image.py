"""The guest image: built by one command into the cache, the same bytes for the same inputs, rebuilt only
when an input changes."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from backend.cli import main
from backend.guest import cpio, image, scripts


@pytest.fixture
def inputs():
    try:
        return image.collect_inputs()
    except image.ImageError as exc:
        pytest.skip(str(exc))


def test_image_build_is_reproducible_and_cached(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VXI_GUEST_CACHE", str(tmp_path / "one"))
    assert main(["image", "build"]) == 0
    first = capsys.readouterr().out
    assert "(built)" in first and "guests run with" in first
    assert "(cached)" not in first
    assert main(["image", "build"]) == 0
    assert "(cached)" in capsys.readouterr().out
    built = image.image_for(inputs.key(), inputs.version)
    monkeypatch.setenv("VXI_GUEST_CACHE", str(tmp_path / "two"))
    again, fresh = image.build()
    assert fresh and again.directory != built.directory
    for one, two in ((built.kernel, again.kernel), (built.initrd, again.initrd)):
        assert hashlib.sha256(one.read_bytes()).digest() == hashlib.sha256(two.read_bytes()).digest()


def test_initramfs_holds_the_init_the_tools_and_the_modules(inputs, tmp_path, monkeypatch):
    monkeypatch.setenv("VXI_GUEST_CACHE", str(tmp_path))
    built, _ = image.build()
    raw = gzip.decompress(built.initrd.read_bytes())
    names = set()
    at = 0
    while True:  # walk the newc headers: magic, 13 hex fields, name, data, each padded to 4 bytes
        assert raw[at:at + 6] == b"070701"
        size, name_size = int(raw[at + 54:at + 62], 16), int(raw[at + 94:at + 102], 16)
        name = raw[at + 110:at + 110 + name_size - 1].decode()
        if name == cpio.TRAILER:
            break
        names.add(name)
        at += -(-(110 + name_size) // 4) * 4
        at += -(-size // 4) * 4
    assert {"init", "dev/console", "etc/vxi/modules"} <= names
    assert any(n.endswith("sbin/ip") for n in names) and any(n.endswith("sbin/tc") for n in names)
    assert any(n.endswith("/virtio_net.ko") for n in names) and any(n.endswith("/sch_tbf.ko") for n in names)
    assert scripts.AGENT.encode() in raw and scripts.INIT.encode() in raw


def test_a_changed_input_gives_another_key(inputs, monkeypatch):
    key = inputs.key()
    monkeypatch.setattr(scripts, "AGENT", scripts.AGENT + "# changed\n")
    assert inputs.key() != key


def test_prune_keeps_only_the_current_image(inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VXI_GUEST_CACHE", str(tmp_path))
    old = tmp_path / "0123456789abcdef"
    old.mkdir()
    (old / "image.json").write_text("{}")
    assert main(["image", "build", "--prune"]) == 0
    assert f"removed {old}" in capsys.readouterr().out
    assert not old.exists() and image.ensure().kernel.exists()

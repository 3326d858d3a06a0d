"""`vxi lab up|status|down` through the command line, on a lab of its own: the substrate it writes, what
status says, and that down leaves nothing (no daemon, QEMU, namespace, bridge, tunnel or directory)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.libvirt.xml import stable_mac
from backend.guest.config import GuestConfig, GuestNic
from backend.lab import guests, lab, netns, segments
from backend.vxdl import read_file

pytestmark = [pytest.mark.root, pytest.mark.slow]


def root_links() -> set[str]:
    done = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True, check=True)
    return {line.split(":")[1].strip().split("@")[0] for line in done.stdout.splitlines()}


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_lab_up_writes_a_substrate_with_uris_and_down_leaves_nothing(guest_image, capsys, monkeypatch):
    root = Path(tempfile.mkdtemp(prefix="vxd-", dir="/tmp"))
    monkeypatch.setenv("VXI_LAB_DIR", str(root))
    name = f"d{os.getpid()}"
    before = root_links()
    try:
        assert main(["lab", "up", "--hosts", "2", "--name", name]) == 0
        out, err = capsys.readouterr()
        substrate_path = out.strip()
        assert f"lab {name}: 2 hosts up" in err and ("software emulation" in err or "KVM" in err)
        substrate = read_file(substrate_path, "substrate").model
        started = lab.load(name)
        assert {h: s.uri for h, s in substrate.hosts.items()} == {h.id: h.uri for h in started.hosts}
        assert all(h.uri.startswith("qemu+unix:///system?socket=") for h in started.hosts)
        found, host = lab.host_for_uri(started.hosts[1].uri)
        assert (found.name, host.id, host.netns) == (name, "h2", f"vxlab-{name}-h2")
        assert lab.host_for_uri("qemu:///system") is None
        assert main(["lab", "up", "--hosts", "2", "--name", name]) == 1
        assert "already up" in capsys.readouterr().err

        assert main(["lab", "status", "--name", name]) == 0
        status = capsys.readouterr().out
        assert status.count("running") == 2 and "no guests" in status

        for host in started.hosts:  # a lab daemon holds nothing of the process that started it
            fds = [os.readlink(f) for f in Path(f"/proc/{host.pid}/fd").iterdir()]
            assert not [f for f in fds if "vxi-fulltest.lock" in f]
        for host in started.hosts:
            segments.ensure_bridge(host.netns, "br-x")
            peer = [h.address for h in started.hosts if h is not host]
            segments.ensure_vxlan(host.netns, "br-x", 7, host.address, peer)
        config = GuestConfig("x", [GuestNic(stable_mac("lab", "x", 0), ["10.7.0.1/24"])])
        guest = guests.start(started, guest_image, "h1", config, ["br-x"])
        guests.wait_ready(guest)
        assert main(["lab", "status", "--name", name]) == 0
        assert "(x)" in capsys.readouterr().out
        pids = [h.pid for h in started.hosts] + [p for h in started.hosts for p in netns.pids(h.netns)]
        assert len(pids) >= 3  # two daemons and a QEMU at least
    finally:
        assert main(["lab", "down", "--name", name]) == 0
    said = capsys.readouterr().out
    assert "guest x on h1" in said and f"lab {name}: down, nothing left" in said
    assert not [p for p in pids if alive(p)]
    assert not netns.names(f"vxlab-{name}")
    assert not (root / name).exists() and not (lab.REGISTRY / name).exists()
    assert root_links() <= before
    assert main(["lab", "status", "--name", name]) == 1
    assert main(["lab", "down", "--name", name]) == 1
    root.rmdir()


def test_lab_like_a_substrate_keeps_its_hosts_sites_and_links(guest_image, capsys, monkeypatch):
    root = Path(tempfile.mkdtemp(prefix="vxd-", dir="/tmp"))
    monkeypatch.setenv("VXI_LAB_DIR", str(root))
    name = f"l{os.getpid()}"
    example = Path(__file__).resolve().parents[2] / "examples" / "figure6-substrate.vxdl"
    original = read_file(example, "substrate").model
    try:
        assert main(["lab", "up", "--like", str(example), "--name", name]) == 0
        substrate = read_file(capsys.readouterr().out.strip(), "substrate").model
        assert list(substrate.hosts) == ["left", "right", "core1", "core2"]
        assert {h.id: h.site for h in substrate.hosts.values()} == {h.id: h.site for h in original.hosts.values()}
        assert set(substrate.links) == set(original.links) and substrate.hosts["core2"].provisioned
        assert all(h.uri and h.uri.startswith("qemu+unix://") for h in substrate.hosts.values())
        assert main(["lab", "status", "--name", name]) == 0
        assert capsys.readouterr().out.count("running") == 4
    finally:
        assert main(["lab", "down", "--name", name]) == 0
    assert not netns.names(f"vxlab-{name}")
    root.rmdir()


def test_a_lab_that_fails_to_start_is_rolled_back(guest_image, monkeypatch):
    from backend.lab import daemon
    from backend.lab.netns import LabCommandError, LabError

    root = Path(tempfile.mkdtemp(prefix="vxd-", dir="/tmp"))
    name = f"f{os.getpid()}"
    real_start = daemon.start

    def second_fails(host, lab_name, timeout=30.0):
        if host.index == 2:
            raise LabCommandError(f"host {host.id}: libvirtd did not start (injected)")
        return real_start(host, lab_name, timeout)

    monkeypatch.setattr(daemon, "start", second_fails)
    with pytest.raises(LabError, match="injected"):
        lab.up(2, name, root)
    assert not netns.names(f"vxlab-{name}") and not (root / name).exists()
    assert not (lab.REGISTRY / name).exists()
    with pytest.raises(LabError, match="letters, digits"):
        lab.up(1, "bad name", root)
    root.rmdir()

"""The libvirt backend on hosts reached over ssh (`vxi lab up --ssh`), as hosts on other machines are: a lab of
two hosts, each with its own OpenSSH server in its namespaces, deployed to, pinged through, a router moved
live between them (the source's daemon opening the destination's qemu+ssh:// URI itself), a host whose sshd
is stopped reported in one line naming it, and nothing left after teardown and `lab down` (root; skipped
with the reason when sshd, libvirtd or QEMU are missing)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.libvirt import leftovers, real, remote
from backend.deploy.session import DeploySession
from backend.deploy.state import pick_record
from backend.lab import netns, sshd
from backend.vxdl import read_file

pytestmark = [pytest.mark.root, pytest.mark.slow]

VXI = Path(__file__).resolve().parents[2] / "examples" / "lab-router.vxdl"  # r1, pc-a at h1, pc-b at h2


def _run(capfd, *argv: str) -> tuple[int, str, str]:
    capfd.readouterr()
    code = main(list(argv))
    out, err = capfd.readouterr()
    return code, out, err


def _domains(lab) -> list[str]:
    found = []
    for host in lab.hosts:
        conn = lab.connect(host.id)
        try:
            found += [d.name() for d in conn.listAllDomains()]
        finally:
            conn.close()
    return found


def _network_drops_under_an_open_session(deployment: str, host, monkeypatch) -> None:
    """A session that stays open (the designer, `vxi monitor`) while the network to a host drops: the host's
    components are `unreachable` with one sentence naming it within seconds, `running` once it is back."""
    monkeypatch.setenv("VXI_KEEPALIVE", "1,2")
    monkeypatch.setenv("VXI_CONNECT_TIMEOUT", "5")
    monkeypatch.setenv("VXI_CALL_TIMEOUT", "5")
    session = DeploySession.of_record(pick_record(deployment))
    try:
        assert session.status().components["pc-b"].state == "running"
        netns.ip(host.netns, "link", "set", "ul0", "down")  # its only way out: the underlay
        try:
            states = {k: c.state for k, c in session.status().components.items()}
            lost = session.deployer.unreachable
        finally:
            netns.ip(host.netns, "link", "set", "ul0", "up")
        assert states["pc-b"] == "unreachable" and states["pc-a"] == "running", states
        assert list(lost) == ["h2"] and lost["h2"].startswith("host h2: "), lost
        # running again once the host answers: a call in flight on the ssh connection waits for TCP to send again
        # what was lost (its retransmission backs off: seconds), given up after VXI_CALL_TIMEOUT, and later calls
        # fail at once until it returns; the first statuses may still say unreachable
        deadline = time.monotonic() + 40
        while session.status().components["pc-b"].state != "running":
            assert time.monotonic() < deadline, "pc-b still unreachable 40 s after its network came back"
            time.sleep(0.5)
    finally:
        session.close()


def _link_devices(lab, tag: str) -> dict[str, list[str]]:
    """Each lab host's devices of a deployment (`vx<tag>...`), as `ip -d -o link` shows them."""
    found = {}
    for host in lab.hosts:
        shown = netns.ip(host.netns, "-d", "-o", "link", "show").stdout.splitlines()
        found[host.id] = sorted(line.split(":", 1)[1].strip() for line in shown if f": vx{tag}" in line)
    return found


def _device_names(lab, tag: str) -> dict[str, list[str]]:
    return {host: [line.split(":")[0] for line in lines] for host, lines in _link_devices(lab, tag).items()}


def _tunnel(lab, tag: str, host_id: str, index: int) -> str:
    """The one-line `ip -d link` of a link's tunnel on a host ('' when there is none)."""
    return next((line for line in _link_devices(lab, tag)[host_id] if line.startswith(f"vx{tag}v{index}:")), "")


def test_a_link_across_hosts_of_other_machines_is_a_tunnel_made_over_ssh(ssh_lab, capfd, monkeypatch, tmp_path):
    """VXI_LAB_AS_REMOTE=1: the lab's hosts handled as hosts of other machines (no namespace entered): each link is
    a libvirt network per host, and a link across hosts a VXLAN device vxi makes over ssh with the URI's
    credentials, enslaved to the network's bridge; it carries the ping, follows the router's live move, and is
    gone after teardown. A move the destination refuses leaves the router and the tunnels as they were, said in
    one line; a key the host does not accept fails in one line."""
    lab = ssh_lab
    monkeypatch.setenv("VXI_LAB_AS_REMOTE", "1")
    sent = []  # every command vxi sent over ssh (they run for real: this only notes where and what)
    run = remote.run
    monkeypatch.setattr(remote, "run", lambda target, script, what, *a, **kw: sent.append((target.host, what)) or run(
        target, script, what, *a, **kw))
    before = {h.id: set(netns.links(h.netns)) for h in lab.hosts}
    monkeypatch.setenv("VXI_READY_TIMEOUT", "0.5")  # no guest is ready that soon: everything made is rolled back
    code, out, err = _run(capfd, "deploy", lab.substrate, str(VXI), "--backend", "libvirt")
    assert code == 1 and "did not become ready" in err and "rolled back" in err, err
    assert any(what.startswith("tunnel ") for _host, what in sent) and _domains(lab) == []
    assert {h.id: set(netns.links(h.netns)) for h in lab.hosts} == before  # tunnels removed over ssh, bridges too
    monkeypatch.delenv("VXI_READY_TIMEOUT")
    code, out, err = _run(capfd, "deploy", lab.substrate, str(VXI), "--backend", "libvirt", "--json")
    assert code == 0, err
    record = pick_record(json.loads(out)["id"])
    tag = record.id
    try:
        assert {r.kind for r in record.resources} == {"domain", "network", "tunnel"}, record.resources
        first = record.components["r1"].host
        crossing = next(s for s in record.segments.values() if len(s["hosts"]) == 2)
        for host in lab.hosts:  # made through the host's sshd (no namespace entered)
            assert (host.address, f"tunnel vx{tag}v{crossing['index']} (VNI {real.vni(tag, crossing['index'])})") \
                in sent, sent
            peer = next(h for h in lab.hosts if h is not host)
            line = _tunnel(lab, tag, host.id, crossing["index"])
            assert f"master vx{tag}b{crossing['index']} " in line and f"vxlan id {real.vni(tag, crossing['index'])}" \
                in line and "dstport 4789" in line, line
            fdb = netns.bridge_cmd(host.netns, "fdb", "show", "dev", f"vx{tag}v{crossing['index']}").stdout
            assert f"00:00:00:00:00:00 dst {peer.address} " in fdb, fdb
        code, out, err = _run(capfd, "exec", "pc-a", "--deployment", tag, "--", "ping", "-c", "3", "-W", "5", "pc-b")
        assert code == 0 and " 0% packet loss" in out and "ttl=63" in out, out + err

        second = "h2" if first == "h1" else "h1"
        devices, name = _device_names(lab, tag), record.components["r1"].name
        squatter = lab.connect(second)  # the destination refuses: a domain of that name is there already
        dom = squatter.defineXML(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
                                 "<os><type arch='x86_64'>hvm</type></os></domain>")
        try:
            code, out, err = _run(capfd, "migrate", "r1", second, "--deployment", tag)
        finally:
            dom.undefine()
            squatter.close()
        assert code == 1 and err.count("\n") == 1 and "live migration of" in err and second in err, err
        assert f"({second} already has another domain named {name}, not this deployment's" in err, err
        assert pick_record(tag).components["r1"].host == first  # it stays, running, its tunnels as they were
        assert sorted(_domains(lab)) == sorted(c.name for c in record.components.values())
        assert _device_names(lab, tag) == devices
        code, out, err = _run(capfd, "migrate", "r1", second, "--deployment", tag, "--json")
        assert code == 0 and json.loads(out)["mode"] == "live", out + err
        record = pick_record(tag)
        moved = next(s for s in record.segments.values() if len(s["hosts"]) == 2)
        assert moved["index"] != crossing["index"]  # the other link crosses now: its tunnel ends made, the old gone
        assert all(_tunnel(lab, tag, h.id, moved["index"]) and not _tunnel(lab, tag, h.id, crossing["index"])
                   for h in lab.hosts), _link_devices(lab, tag)
        left = [line.split(":")[0] for line in _link_devices(lab, tag)[first]]  # the old link's network went too
        assert f"vx{tag}b{crossing['index']}" not in left and f"vx{tag}b{moved['index']}" in left, left
        code, out, err = _run(capfd, "exec", "pc-a", "--deployment", tag, "--", "ping", "-c", "3", "-W", "5", "pc-b")
        assert code == 0 and " 0% packet loss" in out and "ttl=63" in out, out + err

        # found by name over ssh on a host no lab on this machine knows by that URI (a lost record's leftovers)
        assert f"vx{tag}v{moved['index']}" in leftovers._link_devices(lab.host("h2").uri + "&no_tty=1")

        stranger = tmp_path / "id_ed25519"  # a key no host accepts: one line naming where and why
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
        h1 = lab.host("h1")
        refused = real.RealHost("h1", h1.uri.replace(sshd.keyfile(lab.directory), str(stranger)), None, h1.address,
                                "qemu", False, "", True)
        with pytest.raises(real.RealHostError) as failed:
            real.remove_all(refused, tag)
        assert str(failed.value).startswith(f"listing devices over ssh to root@{h1.address}: ")
        assert "Permission denied (publickey)" in str(failed.value) and "\n" not in str(failed.value)
    finally:
        code, out, err = _run(capfd, "teardown", tag)
    assert code == 0, err
    assert _link_devices(lab, tag) == {h.id: [] for h in lab.hosts}
    assert [d for d in _domains(lab) if d.startswith(f"vxi{tag}-")] == []


def test_a_vxi_deployed_pinged_moved_and_removed_over_ssh(ssh_lab, capfd, monkeypatch):
    lab = ssh_lab
    assert all(h.uri.startswith(f"qemu+ssh://root@{h.address}/system?keyfile=") for h in lab.hosts)
    substrate = read_file(lab.substrate, "substrate").model
    assert {h.uri for h in substrate.hosts.values()} == {h.uri for h in lab.hosts}
    code, out, err = _run(capfd, "deploy", lab.substrate, str(VXI), "--backend", "libvirt", "--json")
    assert code == 0, err
    record = pick_record(json.loads(out)["id"])
    assert set(record.hosts.values()) == {h.uri for h in lab.hosts}  # every call goes over ssh
    try:
        code, out, err = _run(capfd, "exec", "pc-a", "--deployment", record.id, "--", "ping", "-c", "3", "-W", "5",
                              "pc-b")
        assert code == 0 and " 0% packet loss" in out and "ttl=63" in out, out + err

        source = record.components["r1"].host
        destination = "h2" if source == "h1" else "h1"
        code, out, err = _run(capfd, "migrate", "r1", destination, "--deployment", record.id, "--json")
        assert code == 0, err
        assert json.loads(out)["mode"] == "live"
        # peer to peer: the source's libvirtd logged in to the destination's sshd from the source's own address
        log = (sshd.host_dir(lab.host(destination).directory) / "sshd.log").read_text()
        assert f"Accepted publickey for root from {lab.host(source).address} " in log, log
        code, out, err = _run(capfd, "exec", "pc-a", "--deployment", record.id, "--", "ping", "-c", "2", "-W", "5",
                              "pc-b")
        assert code == 0 and " 0% packet loss" in out, out + err

        code, out, err = _run(capfd, "status", record.id, "--json")
        status = json.loads(out)["deployments"][0]
        assert code == 0 and status["unreachable"] == {}
        assert {k: c["state"] for k, c in status["components"].items()} == dict.fromkeys(("r1", "pc-a", "pc-b"),
                                                                                           "running")
        assert status["components"]["r1"]["host"] == destination

        h2 = lab.host("h2")
        _network_drops_under_an_open_session(record.id, h2, monkeypatch)
        assert sshd.stop(h2.directory)  # h2 is still up, but nothing answers on its port 22 any more
        try:
            code, out, err = _run(capfd, "status", record.id)
            lines = [line for line in err.splitlines() if line]
            assert len(lines) == 1 and lines[0].startswith(f"vxi status: host h2: connecting to {h2.uri} failed: ")
            assert "Connection refused" in lines[0], lines
            assert "pc-b  node    on h2         unreachable" in out, out
            assert "pc-a  node    on h1         running" in out, out
            code, out, err = _run(capfd, "lab", "status", "--name", lab.name)
            assert code == 1 and "sshd STOPPED" in out and out.count("sshd STOPPED") == 1, out  # h2's only
        finally:
            sshd.start(h2.directory, h2.id, h2.pid)
        known = sshd.client_dir(lab.directory) / "known_hosts"
        kept = known.read_text()
        known.write_text("".join(line + "\n" for line in kept.splitlines() if not line.startswith(f"{h2.address} ")))
        try:  # h2 answers again, with a host key nobody vouched for
            code, out, err = _run(capfd, "status", record.id)
            assert err.startswith("vxi status: host h2: connecting to ") and err.count("\n") == 1, err
            assert "requested strict checking. Host key verification failed." in err, err  # ssh's lines joined
        finally:
            known.write_text(kept)
        code, out, err = _run(capfd, "status", record.id)
        assert code == 0 and err == "" and "unreachable" not in out, out + err
    finally:
        code, out, err = _run(capfd, "teardown", record.id)
    assert code == 0, err
    assert _domains(lab) == []
    assert all([n for n in netns.links(h.netns) if n.startswith(f"vx{record.id}")] == [] for h in lab.hosts)
    # (the lab's own removal, both sshd included, is checked when the session's ssh_lab ends: conftest.py)

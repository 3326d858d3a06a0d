"""`vxi deploy --backend libvirt` on the lab, end to end with real QEMU guests (root; skipped with the reason
when no lab can run here): a VXI of two subnets joined by a router VM, their PCs anchored on two
hosts (so that a link crosses hosts wherever the router goes); pings between the subnets through the router,
a link across hosts carrying its traffic in a VXLAN tunnel, the router moved live to another host while a
neighbour pings it, the links' bridges and tunnels following it, counters too, and a teardown that leaves
nothing on any host. Three guests only: under software emulation each costs a core's while."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy.backends import reopen
from backend.deploy.libvirt import real
from backend.deploy.session import DeploySession, SessionError
from backend.deploy.state import pick_record
from backend.lab import netns

pytestmark = [pytest.mark.root, pytest.mark.slow]

VXI = Path(__file__).resolve().parents[2] / "examples" / "lab-router.vxdl"  # r1, pc-a at h1, pc-b at h2


def lab_links(lab, tag: str) -> dict[str, list[str]]:
    """Each lab host's devices named after the deployment."""
    return {h.id: [n for n in netns.links(h.netns) if n.startswith(f"vx{tag}")] for h in lab.hosts}


def lab_domains(lab, skip: str | None = None) -> dict[str, list[str]]:
    """Each lab host's domains (but `skip`'s)."""
    found = {}
    for host in (h for h in lab.hosts if h.id != skip):
        conn = lab.connect(host.id)
        try:
            found[host.id] = sorted(d.name() for d in conn.listAllDomains())
        finally:
            conn.close()
    return found


def exec_in(capfd, component: str, *argv: str) -> tuple[int, str]:
    """`vxi exec COMPONENT -- ARGV` as a user types it: its exit code and what it printed."""
    capfd.readouterr()
    code = main(["exec", component, "--", *argv])
    return code, capfd.readouterr().out


@pytest.fixture(scope="module")
def deployed(lab):
    """The VXI deployed on the lab by `vxi deploy --backend libvirt` (torn down at the end in any case)."""
    before = lab_domains(lab)
    started = time.monotonic()
    code = main(["deploy", lab.substrate, str(VXI), "--backend", "libvirt", "--json", "--progress", "text"])
    seconds = time.monotonic() - started
    assert code == 0
    record = pick_record(None)
    try:
        yield {"record": record, "seconds": seconds, "before": before}
    finally:
        if any(r.id == record.id for r in _records()):
            main(["teardown", record.id])


def _records():
    from backend.deploy.state import load_all

    return load_all()


def expected_devices(record) -> dict[str, set[str]]:
    """The bridges and tunnels each host must hold: a bridge where a link has an end, a tunnel where it
    has ends on several hosts."""
    found: dict[str, set[str]] = {"h1": set(), "h2": set(), "h3": set()}
    for seg in record.segments.values():
        hosts = sorted({record.components[m].host for m in seg["members"]})
        assert seg["hosts"] == hosts
        for host_id in hosts:
            found[host_id].add(real.bridge_name(record.id, seg["index"]))
            if len(hosts) > 1:
                found[host_id].add(real.tunnel_name(record.id, seg["index"]))
    return found


def test_deploy_boots_every_guest_on_its_host_ready_and_configured(lab, deployed, capfd):
    record = deployed["record"]
    assert (record.components["pc-a"].host, record.components["pc-b"].host) == ("h1", "h2")
    assert all(c.state == "running" for c in record.components.values())
    assert set(record.files["ready_seconds"]) == {"r1", "pc-a", "pc-b"}
    assert {h: set(v) for h, v in lab_links(lab, record.id).items()} == expected_devices(record)
    assert main(["status", record.id, "--json"]) == 0
    status = json.loads(capfd.readouterr().out)["deployments"][0]
    assert status["components"]["pc-b"]["addresses"] == record.components["pc-b"].addresses
    code, out = exec_in(capfd, "r1", "sh", "-c", "cat /proc/sys/net/ipv4/ip_forward; ip -4 -o addr show")
    assert code == 0 and out.splitlines()[0] == "1"
    for address in record.components["r1"].addresses:
        assert address in out
    code, out = exec_in(capfd, "pc-b", "tc", "qdisc", "show", "dev", "eth0")
    if record.files["shaping"]["h2"] == "guest":  # this kernel has no sfq: the guest shapes its egress
        assert "tbf" in out and "10Mbit" in out, out
    code, out = exec_in(capfd, "pc-a", "tc", "qdisc", "show", "dev", "eth0")
    assert "netem" in out and "delay 5ms" in out, out  # link a-r's latency, added by the guest


def test_a_period_reshapes_a_guest_link_in_place_and_idle_carries_nothing(lab, deployed, capfd):
    from backend.deploy.backends import backend

    record = deployed["record"]
    seg = record.components["pc-b"].interfaces[0].segment
    deployer = backend("libvirt").deployer().from_record(record)
    guest = record.files["shaping"]["h2"] == "guest"
    try:
        for rate, seen in ((5e6, "5Mbit"), (0.0, "loss 100%"), (10e6, "10Mbit")):  # period values in turn
            deployer.retune("pc-b", seg, rate, rate, record.segments[seg]["latency_s"])
            code, out = exec_in(capfd, "pc-b", "tc", "qdisc", "show", "dev", "eth0")
            if guest:
                assert seen in out, out
            code, out = exec_in(capfd, "pc-b", "ping", "-c", "2", "-W", "2", "pc-a")
            assert (code == 0) == (rate > 0), out  # idle: nothing carried; a rate again: carried
        assert any(("inside the guests" if guest else "virDomainSetInterfaceParameters") in way
                   for way in deployer.shaping(seg))
    finally:
        deployer.close()


def test_subnets_reach_each_other_through_the_router_across_hosts_in_a_tunnel(lab, deployed, capfd):
    record = deployed["record"]
    crossing = [seg for seg in record.segments.values() if len(seg["hosts"]) > 1]
    assert crossing  # pc-a and pc-b are on two hosts: one link at least crosses
    seg = crossing[0]
    tunnel = real.tunnel_name(record.id, seg["index"])
    before = _rx_packets(lab, seg["hosts"][0], tunnel)
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "3", "-W", "5", "pc-b")
    assert code == 0, out
    assert " 0% packet loss" in out and "ttl=63" in out  # through one router
    assert _rx_packets(lab, seg["hosts"][0], tunnel) >= before + 3


def _rx_packets(lab, host_id: str, device: str) -> int:
    done = netns.ip(lab.host(host_id).netns, "-j", "-s", "link", "show", device)
    return json.loads(done.stdout)[0]["stats64"]["rx"]["packets"]


def test_router_moves_live_with_a_flow_and_pings_running_links_and_counters_follow(lab, deployed, capfd):
    record = pick_record(deployed["record"].id)
    source_host = record.components["r1"].host
    destination = "h2" if source_host == "h1" else "h1"
    capfd.readouterr()  # a TCP flow between the subnets, through the router, across the move
    assert main(["traffic", "start", "pc-a", "pc-b", "--seconds", "14", "--deployment", record.id, "--json"]) == 0
    flow_id = json.loads(capfd.readouterr().out)["id"]
    session = DeploySession.of_record(record)
    counters = session.deployer.counter_source()
    try:
        first = {(r.component, r.interface): r for r in counters.read()}
        assert first[("r1", "eth0")].host == source_host
        result = session.migrate("r1", destination)
    finally:
        session.close()
    assert (result.mode, result.source, result.destination) == ("live", source_host, destination)
    assert result.outage_s is not None and result.outage_s < 10, result.notice
    moved = pick_record(record.id)
    assert moved.components["r1"].host == destination
    assert moved.files["migrations"][-1]["downtime_ms"] is not None
    assert {h: set(v) for h, v in lab_links(lab, record.id).items()} == expected_devices(moved)
    deployer = reopen(moved)
    try:
        after = {(r.component, r.interface): r for r in deployer.counter_source().read()}
        time.sleep(2.0)
        later = {(r.component, r.interface): r for r in deployer.counter_source().read()}
    finally:
        deployer.close()
    assert after[("r1", "eth0")].host == destination  # the same series, read on the new host
    assert after[("r1", "eth0")].identity != first[("r1", "eth0")].identity
    carried = sum(later[("r1", i)].rx_bytes - after[("r1", i)].rx_bytes for i in ("eth0", "eth1"))
    assert carried > 250_000, carried  # the flow goes on through the router on its new host (10 Mbit/s links)
    flow = _finished_flow(capfd, record.id, flow_id)
    assert flow["state"] == "finished" and flow["error"] is None, flow
    assert flow["result"]["received_bps"] > 1e6, flow["result"]  # no stall of the stream across the move
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "3", "-W", "5", "pc-b")
    assert code == 0 and " 0% packet loss" in out, out


def _finished_flow(capfd, deployment: str, flow_id, seconds: float = 60) -> dict:
    """The flow as `vxi traffic list --json` shows it once it has finished (or when `seconds` are over)."""
    deadline = time.monotonic() + seconds
    while True:
        capfd.readouterr()
        assert main(["traffic", "list", "--deployment", deployment, "--json"]) == 0
        flow = next(f for f in json.loads(capfd.readouterr().out)["flows"] if f["id"] == flow_id)
        if flow["state"] != "running" or time.monotonic() > deadline:
            return flow
        time.sleep(1)


def test_a_migration_the_destination_refuses_leaves_the_router_where_it_was_and_working(lab, deployed, capfd):
    record = pick_record(deployed["record"].id)
    source_host = record.components["r1"].host
    destination = next(h for h in ("h3", "h1", "h2") if h != source_host)
    name = record.components["r1"].name
    squatter = lab.connect(destination)  # the destination already has a domain of that name
    dom = squatter.defineXML(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory>"
                             "<os><type arch='x86_64'>hvm</type></os></domain>")
    try:
        assert main(["migrate", "r1", destination]) == 1
        err = capfd.readouterr().err
        assert err.count("\n") == 1 and "live migration of" in err and destination in err, err
        assert f"({destination} already has another domain named {name}," in err, err
    finally:
        dom.undefine()
        squatter.close()
    kept = pick_record(record.id)
    assert kept.components["r1"].host == source_host and kept.state == "running"
    assert {h: set(v) for h, v in lab_links(lab, record.id).items()} == expected_devices(kept)
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "2", "-W", "5", "pc-b")
    assert code == 0, out


def test_traffic_runs_iperf3_inside_the_guests_with_the_netns_output(lab, deployed, capfd):
    record = deployed["record"]
    capfd.readouterr()
    assert main(["traffic", "start", "pc-a", "pc-b", "--seconds", "3", "--deployment", record.id, "--json"]) == 0
    started = json.loads(capfd.readouterr().out)
    assert (started["state"], started["where"], started["address"]) == \
        ("running", "guest", record.components["pc-b"].addresses[0].split("/")[0])
    flow = _finished_flow(capfd, record.id, started["id"])
    assert flow["state"] == "finished" and flow["error"] is None, flow
    assert 1e6 < flow["result"]["received_bps"] < 12e6, flow["result"]  # links shaped to 10 Mbit/s
    assert main(["traffic", "list", "--deployment", record.id]) == 0
    assert f"{started['id']}  finished  pc-a -> pc-b  TCP" in capfd.readouterr().out


def test_a_destination_daemon_killed_during_the_move_leaves_the_router_on_its_source(lab, deployed, capfd):
    from backend.lab import daemon

    record = pick_record(deployed["record"].id)
    source_host = record.components["r1"].host
    destination = next(h for h in ("h3", "h1", "h2") if h != source_host)
    host = lab.host(destination)
    source = lab.connect(source_host)
    source.lookupByName(record.components["r1"].name).migrateSetMaxSpeed(2)  # MiB/s: a job of several seconds
    killed = []

    def kill_while_copying(progress) -> None:
        if "% of its memory copied" in progress.step and not killed:
            killed.append(host.pid)
            daemon.stop_pid(host.pid, 3)

    session = DeploySession.of_record(record, on_progress=kill_while_copying)
    try:
        with pytest.raises(SessionError) as failed:
            session.migrate("r1", destination)
    finally:
        session.close()
        daemon.start(host, lab.name)  # back, as after a crash: what it finds of the job is its to clean
        lab.save()
    message = str(failed.value)
    assert killed and "\n" not in message and f"live migration of {record.components['r1'].name} to {destination}" \
        in message, message
    kept = pick_record(record.id)
    assert kept.components["r1"].host == source_host and kept.state == "running"
    dom = source.lookupByName(record.components["r1"].name)
    assert dom.isActive()
    dom.migrateSetMaxSpeed(8796093022207)  # libvirt's default: no limit
    source.close()
    assert {h: set(v) for h, v in lab_links(lab, record.id).items()} == expected_devices(kept)
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "2", "-W", "5", "pc-b")
    assert code == 0, out
    assert not [d for d in lab_domains(lab)[destination] if d.startswith(record.prefix)]


@pytest.mark.parametrize("side", ["destination", "source"])
def test_a_host_that_stops_answering_during_the_move_leaves_the_router_on_its_source(lab, deployed, capfd, side,
                                                                                     short_deadlines):
    import libvirt

    record = pick_record(deployed["record"].id)
    source_host = record.components["r1"].host
    destination = next(h for h in ("h3", "h1", "h2") if h != source_host)
    silent = destination if side == "destination" else source_host
    name = record.components["r1"].name
    source = lab.connect(source_host)
    dom = source.lookupByName(name)
    dom.migrateSetMaxSpeed(2)  # MiB/s: a job of several seconds
    froze: list[float] = []

    def freeze_while_copying(progress) -> None:
        if "% of its memory copied" in progress.step and not froze:
            froze.append(time.monotonic())
            os.kill(lab.host(silent).pid, signal.SIGSTOP)

    session = DeploySession.of_record(record, on_progress=freeze_while_copying)
    try:
        with frozen(lab, silent):
            os.kill(lab.host(silent).pid, signal.SIGCONT)  # (frozen by the progress callback)
            with pytest.raises(SessionError) as failed:
                session.migrate("r1", destination)
            given_up_s = time.monotonic() - froze[0]
            kept = pick_record(record.id)
    finally:
        session.close()
    message = str(failed.value)
    assert "\n" not in message and message.startswith(f"host {silent}: live migration of {name} to {destination}"), \
        message
    assert "no answer from" in message and ("stays on" in message), message
    assert given_up_s < 15, given_up_s
    deadline = time.monotonic() + 60  # continued, the hosts end the cancelled job
    while dom.jobInfo()[0] != libvirt.VIR_DOMAIN_JOB_NONE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kept.components["r1"].host == source_host and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
    dom.migrateSetMaxSpeed(8796093022207)  # libvirt's default: no limit
    source.close()
    assert {h: set(v) for h, v in lab_links(lab, record.id).items()} == expected_devices(kept)
    assert not [d for d in lab_domains(lab)[destination] if d.startswith(record.prefix)]
    code, out = exec_in(capfd, "pc-a", "ping", "-c", "2", "-W", "5", "pc-b")
    assert code == 0, out


@contextmanager
def frozen(lab, host_id: str):
    """A host's libvirtd stopped (SIGSTOP: its socket stays, nothing answers, as behind a network that swallows
    packets), and always continued afterwards; then until its guard lets calls through again."""
    from backend.deploy.libvirt.guard import is_unreachable

    host = lab.host(host_id)
    os.kill(host.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(host.pid, signal.SIGCONT)
    deadline = time.monotonic() + 30
    while is_unreachable(host.uri) and time.monotonic() < deadline:  # the calls that hung return
        time.sleep(0.1)


@pytest.fixture
def short_deadlines(monkeypatch):
    """A host that does not answer for 3 s is unreachable (opening a connection, or any call on one)."""
    monkeypatch.setenv("VXI_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("VXI_CALL_TIMEOUT", "3")


def test_a_daemon_that_stops_answering_is_reported_unreachable_then_found_again(lab, deployed, capfd,
                                                                                 short_deadlines):
    record = pick_record(deployed["record"].id)
    silent = record.components["pc-b"].host
    session = DeploySession.of_record(record)
    try:
        assert session.status().components["pc-b"].state == "running"  # its connection open
        capfd.readouterr()
        froze = threading.Timer(1.0, os.kill, (lab.host(silent).pid, signal.SIGSTOP))
        with frozen(lab, silent):  # (stopped at once, then again by the timer: SIGCONT undoes both)
            os.kill(lab.host(silent).pid, signal.SIGCONT)
            froze.start()  # the host stops answering while a command runs in its guest
            try:
                started = time.monotonic()
                exec_code = main(["exec", "pc-b", "--", "sleep", "4"])
                exec_s = time.monotonic() - started
            finally:
                froze.cancel()
                froze.join()
            exec_err = capfd.readouterr().err
            started = time.monotonic()
            states = {k: c.state for k, c in session.status().components.items()}
            status_s = time.monotonic() - started
            code = main(["status", record.id, "--json"])  # a new command
            out, err = capfd.readouterr()
        assert exec_code == 1 and exec_err.count("\n") == 1 and f"host {silent}: no answer from" in exec_err, \
            exec_err
        assert exec_s < 30 and status_s < 10, (exec_s, status_s)  # (an agent's call: 3 s + its own 10 s)
        assert states["pc-b"] == "unreachable" and states["pc-a"] == "running", states
        assert code == 0 and err.count("\n") == 1 and f"host {silent}: no answer from" in err, err
        shown = json.loads(out)["deployments"][0]
        assert shown["components"]["pc-b"]["state"] == "unreachable"
        assert f"host {silent}" in shown["unreachable"][silent]
        assert session.status().components["pc-b"].state == "running"  # it answers again
    finally:
        session.close()
    assert main(["status", record.id]) == 0
    code, out = exec_in(capfd, "pc-b", "ping", "-c", "1", "-W", "5", "pc-a")
    assert code == 0, out


def test_teardown_with_a_silent_host_removes_the_rest_then_finishes_and_leaves_nothing(lab, deployed, capfd,
                                                                                       short_deadlines):
    record = deployed["record"]
    silent = pick_record(record.id).components["pc-b"].host
    capfd.readouterr()
    with frozen(lab, silent):
        started = time.monotonic()
        code = main(["teardown", record.id])
        seconds = time.monotonic() - started
        err = capfd.readouterr().err
        others = lab_domains(lab, skip=silent)
    assert code == 1 and err.count("\n") == 1 and f"host {silent}: no answer from" in err, err
    assert seconds < 20, seconds
    assert any(r.id == record.id for r in _records())  # kept, for a teardown that finishes the job
    assert others == {h: d for h, d in deployed["before"].items() if h != silent}  # the others' part removed
    assert all(not v for h, v in lab_links(lab, record.id).items() if h != silent)
    assert main(["teardown", record.id]) == 0
    assert lab_domains(lab) == deployed["before"]
    assert lab_links(lab, record.id) == {h.id: [] for h in lab.hosts}
    assert not any(r.id == record.id for r in _records())


LONE = """<?xml version='1.0' encoding='UTF-8'?>
<description xmlns="http://www.vxdlforum.org/vxdl">
  <virtualInfrastructure><id>lone</id>
    <vNode><id>n1</id><location>h2</location><memory><unit>MB</unit><simple>128</simple></memory></vNode>
  </virtualInfrastructure>
</description>
"""


def test_a_host_whose_daemon_dies_mid_deploy_gives_a_sentence_and_teardown_finishes_the_job(lab, tmp_path):
    from backend.deploy.progress import STARTING
    from backend.deploy.session import SessionError
    from backend.lab import daemon

    vxi = tmp_path / "lone.vxdl"
    vxi.write_text(LONE)
    host = lab.host("h2")
    killed = []

    def kill_when_booting(progress):
        if progress.component == "n1" and progress.state == STARTING and "booting" in progress.step and not killed:
            killed.append(host.pid)
            daemon.stop_pid(host.pid, 10)  # libvirtd only: its QEMU goes on, as after a daemon crash

    session = DeploySession.from_files(lab.substrate, [vxi], "libvirt", on_progress=kill_when_booting)
    try:
        with pytest.raises(SessionError) as failed:
            session.deploy()
    finally:
        daemon.start(host, lab.name)  # the daemon comes back and re-attaches the guest left running
        lab.save()
    message = str(failed.value)
    assert killed and "\n" not in message and "host h2" in message and "vxi teardown" in message, message
    tag = session.record.id
    kept = pick_record(tag)
    assert kept.state == "failed" and kept.error
    assert main(["teardown", tag]) == 0
    assert lab_links(lab, tag) == {h.id: [] for h in lab.hosts}
    assert not [d for d in lab_domains(lab)["h2"] if d.startswith(f"vxi{tag}-")]


def test_a_lost_record_is_found_by_name_on_the_lab_or_a_substrate_and_torn_down(lab, tmp_path, capfd, monkeypatch):
    import sqlite3

    from backend.deploy.libvirt import leftovers
    from backend.deploy.state import state_dir

    vxi = tmp_path / "lone.vxdl"
    vxi.write_text(LONE.replace("<location>h2</location>", "<location>h3</location>").replace(
        "</vNode>", "</vNode><vNode><id>n2</id><location>h3</location><memory><unit>MB</unit><simple>128</simple>"
        "</memory></vNode><vLink><id>l</id><source>n1</source><destination>n2</destination></vLink>"))
    before = lab_domains(lab)
    capfd.readouterr()
    assert main(["deploy", lab.substrate, str(vxi), "--backend", "libvirt", "--json"]) == 0
    tag = json.loads(capfd.readouterr().out)["id"]
    assert lab_links(lab, tag)["h3"] and lab_domains(lab) != before
    with sqlite3.connect(state_dir() / "deployments.db") as db:  # the record lost
        db.execute("DELETE FROM deployments WHERE id = ?", (tag,))
    main(["status"])
    unrecorded = f"deployment {tag} (no record): objects named after it found on the libvirt backend"
    assert unrecorded in capfd.readouterr().out
    monkeypatch.setattr(leftovers, "lab_hosts", dict)  # as if its hosts were outside a lab: only a substrate knows them
    monkeypatch.setattr(leftovers, "_substrate_hosts", {})
    main(["status"])
    assert unrecorded not in capfd.readouterr().out
    main(["status", "--substrate", lab.substrate])
    assert unrecorded in capfd.readouterr().out
    assert main(["teardown", "--all", "--json", "--substrate", lab.substrate]) == 0  # (the module's others are gone)
    done = json.loads(capfd.readouterr().out)["deployments"]
    assert [(d["deployment"], d["backend"]) for d in done if d["deployment"] == tag] == [(tag, "libvirt")]
    assert lab_domains(lab) == before and lab_links(lab, tag) == {h.id: [] for h in lab.hosts}
    assert main(["teardown", tag]) == 2  # nothing is found by its name any more

"""Deployments in time: the schedule of Figure 4's periods, scheduled deployments, the agent on a sped-up clock
(killed and restarted on the way), `vxi extend`, the values in force on the test driver's interfaces."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy import state
from backend.deploy.follow import follow
from backend.deploy.time_status import time_json
from backend.deploy.timeline import LeaseError, Schedule, effective_vxis
from backend.embedding import embed
from backend.model import Lease
from backend.model.timing import Period
from backend.vxdl import write_file
from tests.deploy.conftest import load

ROOT = Path(__file__).resolve().parents[2]
SPEED = 600  # 20 minutes of lease in two seconds


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def figure4_from(start: float, period_s: float = 1200.0):
    """(substrate, Figure 4) with its lease starting at `start` and periods I, II, III of `period_s` each."""
    substrate, (vxi,) = load("figure4")
    vxi.lease = Lease(datetime.fromtimestamp(start, timezone.utc), 3 * period_s)
    vxi.periods = [Period(name, n * period_s, period_s) for n, name in enumerate(("I", "II", "III"))]
    return substrate, vxi


def files(tmp_path, start: float) -> tuple[Path, Path]:
    substrate, vxi = figure4_from(start)
    write_file(substrate, tmp_path / "sub.vxdl")
    write_file(vxi, tmp_path / "f4.vxdl")
    return tmp_path / "sub.vxdl", tmp_path / "f4.vxdl"


# ----- the schedule -----
def test_figure4_schedule_idles_each_link_outside_its_periods_and_names_every_change():
    now = time.time()
    substrate, vxi = figure4_from(now)
    (eff,) = effective_vxis([vxi], now)
    schedule = Schedule.build(substrate, [eff], embed(substrate, [eff]))
    assert [what for _, what in schedule.changes()] == ["lease starts, period I begins", "period II begins",
                                                        "period III begins", "lease ends"]
    two = schedule.at(now + 1500)
    assert (two.phase, two.period) == ("running", "II")
    assert two.links["figure4/A-B"]["idle"] and two.links["figure4/C-H"]["idle"]
    assert two.links["figure4/C-G"] == {**two.links["figure4/C-G"], "idle": False, "forward_bps": 100e6,
                                        "reverse_bps": 100e6}
    assert two.links["figure4/A-B"]["ends"] == {"A": [0.0, None], "B": [None, 0.0]}  # one-way: its reverse unshaped
    three = schedule.at(now + 2500)
    assert three.links["figure4/C-H"]["forward_bps"] == 200e6 and three.links["figure4/C-G"]["idle"]
    assert schedule.at(now - 1).phase == "scheduled" and schedule.at(now + 3601).phase == "ended"
    at, what = schedule.next_change(now + 1500)
    assert what == "period III begins" and at == pytest.approx(now + 2400, abs=1e-3)


def test_a_lease_over_already_is_refused_unless_now_which_keeps_its_length_and_offsets():
    now = time.time()
    _, vxi = figure4_from(now - 86400)
    with pytest.raises(LeaseError, match="ended .*--now"):
        effective_vxis([vxi], now)
    (moved,) = effective_vxis([vxi], now, at_once=True)
    assert abs(moved.lease.start.timestamp() - now) < 1e-3 and moved.lease.duration == 3600
    assert vxi.lease.start.timestamp() < now - 3600  # the VXI itself is unchanged


# ----- from the command line -----
def test_a_future_lease_is_scheduled_holding_its_capacity_for_the_lease_only(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() + 7200)
    code, out, err = cli(capsys, "deploy", substrate, vxi)
    assert code == 0, err
    assert "scheduled" in out and "no `vxi agent` runs" in out
    code, out, _ = cli(capsys, "status", "--json")
    listed = json.loads(out)
    (dep,) = listed["deployments"]
    assert dep["state"] == "scheduled" and dep["components"] == {} and dep["period"] is None
    assert dep["next_change"]["what"] == "lease starts, period I begins"
    assert dep["next_change"]["at"] == pytest.approx(dep["lease"][0]) and dep["lease"][1] - dep["lease"][0] == 3600
    held, holders = state.holds_on("figure1-substrate")
    assert holders == [dep["id"]] and {(h.start, h.end) for h in held} == {tuple(dep["lease"])}
    code, _, err = cli(capsys, "deploy", substrate, vxi, "--now")  # now, before the first: both fit in time
    assert code == 0, err
    code, out, _ = cli(capsys, "teardown", dep["id"])  # a scheduled deployment is cancelled: its hold goes
    assert code == 0 and state.holds_on("figure1-substrate")[1] != [dep["id"]]
    assert dep["id"] not in [r.id for r in state.load_all()]


def test_extend_lengthens_a_lease_or_says_why_not(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() + 7200)
    assert cli(capsys, "deploy", substrate, vxi)[0] == 0
    (record,) = state.load_all()
    end = record.time["schedule"]["lease"][1]
    code, out, err = cli(capsys, "extend", record.id, "PT30M")
    assert code == 0 and "now ends" in out, err
    assert state.load(record.id).time["schedule"]["lease"][1] == end + 1800
    assert {h.end for h in state.holds_on("figure1-substrate")[0]} == {end + 1800}
    code, _, err = cli(capsys, "extend", record.id, "soon")
    assert code == 2 and "not a duration" in err
    sub, _ = figure4_from(0)
    for host in sub.hosts.values():  # every host closes an hour after the lease's new end
        host.availability = Lease(datetime.fromtimestamp(time.time(), timezone.utc), 7200 + 3600 + 1800 + 3600)
    write_file(sub, substrate)
    code, _, err = cli(capsys, "extend", record.id, "PT2H")
    assert code == 1 and "is available only until" in err
    assert state.load(record.id).time["schedule"]["lease"][1] == end + 1800  # unchanged


# ----- the agent -----
def agent(state_dir: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "backend.cli", "agent", "--speed", str(SPEED)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "VXI_STATE_DIR": str(state_dir)},
                            stdout=log.open("a"), stderr=subprocess.STDOUT)


def watch(until, timeout: float = 15.0) -> list[tuple[float, str, str | None]]:
    """(clock time, state, period) of the one deployment each time it changes, until `until(state, period)`."""
    seen: list[tuple[float, str, str | None]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.02)
        (record,) = state.load_all()
        info = time_json(record)
        now = state.clock().now()
        if record.state == "deploying" or (record.state == "running" and info["period"] is None):
            continue  # on the way from one to the next
        if not seen or seen[-1][1:] != (record.state, info["period"]):
            seen.append((now, record.state, info["period"]))
        if until(record.state, info["period"]):
            return seen
    raise AssertionError(f"timed out; seen {seen}")


def test_the_agent_follows_scheduled_periods_and_catches_up_after_being_killed(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() + 120 + 4 * SPEED)  # four real seconds once the agent runs
    assert cli(capsys, "deploy", substrate, vxi)[0] == 0
    (record,) = state.load_all()
    start = record.time["schedule"]["lease"][0]
    log = tmp_path / "agent.log"
    first = agent(state_dir, log)
    try:
        seen = watch(lambda s, p: p == "II")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert [s[1:] for s in seen] == [("scheduled", None), ("running", "I"), ("running", "II")]
    running_at = seen[1][0]  # when `vxi status` first said running, on the deployments' clock
    assert start <= running_at < start + SPEED, (running_at - start, log.read_text())  # within a second at ×600
    record = state.load(record.id)
    acted = {entry["what"].partition(" (")[0]: entry["at"] for entry in record.time["log"]}
    assert acted["prepared ahead: deployed"] < start  # everything made before the start, its links held idle
    tolerance = 0.5 * SPEED  # half a second of real time
    for what, expected in (("lease started: running", start), ("period II begins", start + 1200)):
        assert -1 < acted[what] - expected < tolerance, (what, acted[what] - expected)
    assert record.time["links"]["figure4/A-B"]["idle"] and not record.time["links"]["figure4/C-G"]["idle"]
    clock = state.clock()
    assert clock.speed == SPEED  # kept in the database: it runs on without the agent
    while clock.now() < start + 2400 + 60:  # into period III, no agent running: nothing changes
        time.sleep(0.05)
    assert time_json(state.load(record.id))["period"] == "II"
    second = agent(state_dir, log)
    try:
        seen = watch(lambda s, p: s == "ended")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(10) == 0
    assert [s[1] for s in seen][-1] == "ended"
    assert state.holds_on("figure1-substrate") == ([], [])
    text = log.read_text()
    assert text.count("agent started") == 2 and "agent stopped" in text
    # (period III too, unless the agent came back after the lease's end)
    for line in ("prepared ahead: deployed (11 components), every link held idle until the start",
                 "lease started: running (11 components, prepared ahead in", "period II begins",
                 "link figure4/A-B: idle", "lease ended: torn down"):
        assert f"deployment {record.id}: {line}" in text, text
    code, out, _ = cli(capsys, "status", "--json")
    (dep,) = json.loads(out)["deployments"]
    assert (dep["state"], dep["period"], dep["next_change"], dep["links"]) == ("ended", None, None, {})
    assert not list((state_dir / "deployments" / record.id).glob("*.xml")) or all(
        "vxi" + record.id not in p.read_text() for p in (state_dir / "deployments" / record.id).glob("*.xml"))


def test_a_deployment_is_prepared_ahead_scheduled_with_its_links_idle_then_switched_on_at_its_start(
        tmp_path, capsys, state_dir):
    start = time.time() + 3  # within the lead: prepared at once
    substrate, vxi = files(tmp_path, start)
    assert cli(capsys, "deploy", substrate, vxi)[0] == 0
    (record,) = state.load_all()
    start = record.time["schedule"]["lease"][0]
    held = state.holds_on("figure1-substrate")
    assert follow(record.id, start - 2)
    code, out, _ = cli(capsys, "status", "--json")
    (dep,) = json.loads(out)["deployments"]
    assert (dep["state"], dep["preparing"], dep["period"], dep["links"]) == ("scheduled", "ready", None, {})
    assert len(dep["components"]) == 11 and state.holds_on("figure1-substrate") == held  # nothing more held
    prepared = state.load(record.id)
    assert set(map(tuple, prepared.time["ends"].values())) == {(0.0, 0.0)}  # every end held idle
    assert "prepared ahead" in cli(capsys, "status")[1]
    assert state.deploy_times()["test"]  # its duration kept for the next estimates
    assert follow(record.id, start)
    running = state.load(record.id)
    assert (running.state, time_json(running)["period"]) == ("running", "I")
    assert running.time["links"]["figure4/B-C"]["forward_bps"] == 300e6 and running.time["links"]["figure4/C-G"]["idle"]
    assert [e["what"] for e in running.time["log"]][:2] == [
        "prepared ahead: deployed (11 components), every link held idle until the start",
        f"lease started: running (11 components, prepared ahead in {running.time['prepared']['prepare_s']:.2f} s)"]


def test_a_preparation_cut_short_is_cleaned_and_made_again(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() + 3)
    assert cli(capsys, "deploy", substrate, vxi)[0] == 0
    (record,) = state.load_all()
    start = record.time["schedule"]["lease"][0]
    assert follow(record.id, start - 2)
    record = state.load(record.id)
    record.time["prepared"]["step"] = "preparing"  # as an agent killed while deploying it leaves it
    state.save(record)
    assert follow(record.id, start - 1)
    record = state.load(record.id)
    assert record.state == "scheduled" and not record.components and "prepared" not in record.time
    assert record.time["log"][-1]["what"] == "its preparation was interrupted: 30 objects removed"
    assert follow(record.id, start - 0.5) and state.load(record.id).time["prepared"]["step"] == "ready"


def test_following_late_catches_up_in_one_step_and_a_stopped_part_waits_for_its_lease(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() - 86400)
    code, out, err = cli(capsys, "deploy", substrate, vxi, "--now", "--json")
    assert code == 0, err
    dep = json.loads(out)
    start = dep["lease"][0]
    assert follow(dep["id"], start + 2500)  # no agent during II: straight into III
    record = state.load(dep["id"])
    assert time_json(record)["period"] == "III"
    links = record.time["links"]
    assert links["figure4/H-F"]["forward_bps"] == 600e6
    assert links["figure4/C-G"]["idle"] and links["figure4/A-B"]["idle"]
    assert [e["what"] for e in record.time["log"]][-1].startswith("link figure4/")
    assert "period III begins" in [e["what"] for e in record.time["log"]]
    assert "period II begins" not in [e["what"] for e in record.time["log"]]
    assert follow(dep["id"], start + 2600)  # nothing changes: nothing done
    assert state.load(dep["id"]).time["log"] == record.time["log"]
    assert follow(dep["id"], start + 3600)
    ended = state.load(dep["id"])
    assert ended.state == "ended" and all(c.state == "removed" for c in ended.components.values())
    assert state.holds_on("figure1-substrate") == ([], [])
    code, out, err = cli(capsys, "teardown", dep["id"])  # an ended deployment's record is forgotten
    assert code == 0 and state.load_all() == []


def test_now_deploys_in_period_one_with_its_values_on_the_test_driver_interfaces(tmp_path, capsys, state_dir):
    substrate, vxi = files(tmp_path, time.time() - 86400)
    code, out, err = cli(capsys, "deploy", substrate, vxi, "--now", "--json")
    assert code == 0, err
    dep = json.loads(out)
    assert (dep["state"], dep["period"]) == ("running", "I")
    assert dep["links"]["figure4/C-G"]["idle"] and dep["links"]["figure4/B-C"]["forward_bps"] == 300e6
    host_file = next((state_dir / "deployments" / dep["id"]).glob("*.xml"))
    c_host = dep["components"]["C"]["host"]
    xml = (state_dir / "deployments" / dep["id"] / f"{c_host}.xml").read_text()
    from lxml import etree

    root = etree.fromstring(xml.encode())
    dom = next(d for d in root.iter("domain") if d.findtext("name", "").endswith("-figure4-C"))
    rates = {i.find("source").get("network").rsplit("-figure4-", 1)[1]:
             {b.tag: b.get("average") for b in i.iterfind("bandwidth/*")} for i in dom.iterfind("devices/interface")}
    assert rates["C-G"] == {"inbound": "1", "outbound": "1"}  # idle: the least libvirt sets
    assert rates["B-C"] == {"inbound": "37500"}  # 300 Mbit/s towards C, in kB/s
    assert host_file.exists()
    assert any("virNetworkUpdate" in way for way in dep["links"]["figure4/C-G"]["shaped_by"])
    assert any("virDomainSetInterfaceParameters" in way for way in dep["links"]["figure4/C-G"]["shaped_by"])

    def network_qos(link: str) -> dict[str, str]:  # the link network's QoS now, in its host's file
        text = (state_dir / "deployments" / dep["id"] / f"{c_host}.xml").read_text()
        net = next(n for n in etree.fromstring(text.encode()).iter("network")
                   if n.findtext("name", "").endswith(f"-figure4-{link}"))
        return {b.tag: b.get("average") for b in net.iterfind("portgroup[@default='yes']/bandwidth/*")}

    assert network_qos("C-G") == {"inbound": "1", "outbound": "1"}  # period I: idle
    assert follow(dep["id"], dep["lease"][0] + 1500)
    assert network_qos("C-G") == {"inbound": "12500", "outbound": "12500"}  # period II: 100 Mbit/s each way
    assert network_qos("B-C") == {"outbound": "1"}  # idle, the way it has
    assert follow(dep["id"], dep["lease"][0] + 2500)
    assert network_qos("C-G") == {"inbound": "1", "outbound": "1"}  # period III: idle again


def test_a_component_with_its_own_lease_runs_only_during_it(tmp_path, capsys, state_dir):
    substrate, vxi = figure4_from(time.time() - 86400)
    vxi.components["F"].lease = Lease(datetime.fromtimestamp(vxi.lease.start.timestamp() + 1800, timezone.utc), 1200)
    write_file(substrate, tmp_path / "sub.vxdl")
    write_file(vxi, tmp_path / "f4.vxdl")
    code, out, err = cli(capsys, "deploy", tmp_path / "sub.vxdl", tmp_path / "f4.vxdl", "--now", "--json")
    assert code == 0, err
    dep = json.loads(out)
    start = dep["lease"][0]
    assert dep["components"]["F"]["state"] == "stopped" and dep["components"]["H"]["state"] == "running"
    assert dep["next_change"]["what"] == "period II begins"
    record = state.load(dep["id"])
    assert (start + 1800, "component F starts") in [(round(a - start) + start, w)
                                                   for a, w in Schedule.from_json(record.time["schedule"]).changes()]
    for at, expected in ((1900, "running"), (3100, "stopped")):
        assert follow(dep["id"], start + at)
        assert state.load(dep["id"]).components["F"].state == expected
    log = [e["what"] for e in state.load(dep["id"]).time["log"]]
    assert log.count("F stopped: outside its lease") == 2 and "F started: its lease begins" in log


def test_replan_a_deployment_when_a_host_leaves_and_the_agent_moves_at_the_chosen_time(capsys, state_dir):
    from tests.deploy.conftest import EXAMPLES

    code, out, err = cli(capsys, "deploy", EXAMPLES / "figure1-substrate.vxdl", EXAMPLES / "figure1-vxi1.vxdl",
                         EXAMPLES / "figure1-vxi2.vxdl", "--now", "--json")
    assert code == 0, err
    dep = json.loads(out)
    assert dep["components"]["m1"]["state"] == "stopped"  # VXI2 starts two hours after VXI1
    host = dep["components"]["n3"]["host"]
    leaving = [k for k, c in dep["components"].items() if c["host"] == host]
    when = dep["lease"][0] + 600
    code, out, err = cli(capsys, "replan", "--deployment", dep["id"], "--remove-host", host, "--apply", "--move-at",
                         datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["feasible"] and {m["component"] for m in plan["moves"]} == {c.split("/")[-1] for c in leaving}
    assert all(m["to"] != host for m in plan["scheduled"])
    code, out, _ = cli(capsys, "status", "--json")
    (listed,) = json.loads(out)["deployments"]
    assert listed["next_change"]["what"].endswith("(replanned)") and listed["next_change"]["at"] == pytest.approx(
        when, abs=1)
    assert follow(dep["id"], when - 60)  # not yet
    assert state.load(dep["id"]).components["n3"].host == host
    assert follow(dep["id"], when + 1)
    record = state.load(dep["id"])
    assert all(record.components[k].host != host for k in leaving)
    assert [e["what"] for e in record.time["log"] if "as replanned" in e["what"]]
    held, _ = state.holds_on("figure1-substrate")
    assert not [h for h in held if h.kind == "host" and h.element == host]
    assert record.components["m1"].state == "stopped"  # still outside its lease: not started by the move
    code, _, err = cli(capsys, "replan", "--deployment", dep["id"], "--add", EXAMPLES / "figure1-vxi1.vxdl")
    assert code == 2 and "vxi deploy" in err
    n1 = record.components["n1"].host  # anchored at lyon: a move kept for P6 (rennes) is checked when due
    record.time["moves"].append({"at": when + 2, "vxi": "VXI1", "component": "n1", "from": n1, "to": "P6",
                                 "done": False})
    state.save(record)
    assert follow(dep["id"], when + 3)
    record = state.load(dep["id"])
    assert record.components["n1"].host == n1
    assert any(e["what"].startswith("replanned move of n1 to P6 not made: n1 is anchored at 'lyon'")
               for e in record.time["log"])


def test_replan_counts_what_another_deployment_holds_later_on_the_same_substrate(tmp_path, capsys, state_dir):
    from backend.deploy.follow import kept_models
    from backend.deploy.reorganise import plan_moves
    from backend.embedding import replan
    from tests.embedding.builders import T0, host, node, plink, substrate, vxi

    now = state.clock().now()
    sub = substrate([host(f"P{i}", cores=4, site="lyon") for i in (1, 2, 3)],
                    [plink("P1-P2", "P1", "P2"), plink("P2-P3", "P2", "P3"), plink("P1-P3", "P1", "P3")], "trio")
    write_file(sub, tmp_path / "trio.vxdl")
    mine = vxi("mine", [node("a", cores=3, location="lyon")], start=T0, hours=4)
    write_file(mine, tmp_path / "mine.vxdl")
    code, out, err = cli(capsys, "deploy", tmp_path / "trio.vxdl", tmp_path / "mine.vxdl", "--now", "--json")
    assert code == 0, err
    dep = json.loads(out)
    gone = dep["components"]["a"]["host"]
    record = state.load(dep["id"])
    naive = replan(*kept_models(record), remove_host=gone)  # on its own VXIs only
    (target,) = {m.target for m in naive.moves}
    later = datetime.fromtimestamp(now + 3600, timezone.utc)  # another deployment, scheduled in an hour, on target
    write_file(vxi("later", [node("b", cores=3, location=target)], start=later, hours=1), tmp_path / "later.vxdl")
    code, out, err = cli(capsys, "deploy", tmp_path / "trio.vxdl", tmp_path / "later.vxdl", "--json")
    assert code == 0, err
    other = json.loads(out)
    assert (other["state"], other["components"]["b"]["host"] if other["components"] else target) == ("scheduled",
                                                                                                      target)
    assert replan(*kept_models(record), remove_host=gone).moves[0].target == target  # the naive plan collides
    plan = plan_moves(record, remove_host=gone)
    assert plan.feasible and [(m.component, m.source) for m in plan.moves] == [("a", gone)]
    assert plan.moves[0].target not in (gone, target)  # the host left free in every period
    code, out, err = cli(capsys, "replan", "--deployment", dep["id"], "--remove-host", gone, "--json")
    assert code == 0, err
    assert {m["to"] for m in json.loads(out)["moves"]} == {plan.moves[0].target}

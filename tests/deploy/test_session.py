"""The one deploy session behind `vxi deploy` and the designer's run mode: the same progress events for both,
and one failure policy (a rollback that removed everything leaves no record; one that left objects keeps
the record with its error, so that `vxi teardown` can finish)."""

from __future__ import annotations

import copy
import json

import pytest

from backend.cli import main
from backend.deploy import state
from backend.deploy.libvirt import deployer as libvirt_deployer
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.progress import DEFINED, FAILED, RUNNING, STARTING, Progress
from backend.vxdl import read_file, write_file
from tests.deploy.conftest import EXAMPLES

FIGURE6 = [EXAMPLES / "figure6-substrate.vxdl", EXAMPLES / "figure6-vxi-a.vxdl", EXAMPLES / "figure6-vxi-b.vxdl"]


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def normalised(events: list[dict], tag: str) -> list[dict]:
    """Events with the deployment's own id written <tag> (it is random)."""
    return [{k: v.replace(tag, "<tag>") if isinstance(v, str) else v for k, v in e.items()} for e in events]


def deploy_from_the_designer(qtbot, substrate, vxi_path, extras, backend="test"):
    """Deploy as run mode does (its controller, its worker thread); returns (controller, Progress events)."""
    from designer.run.controller import RunController

    vxi = read_file(vxi_path).model
    controller = RunController(lambda: vxi, lambda: str(vxi_path))
    if isinstance(substrate, str | type(vxi_path)):
        controller.choose_substrate(substrate)
    else:
        controller.choose_substrate(model=substrate)
    controller.extra_paths = [str(p) for p in extras]
    controller.backend = backend
    events: list[Progress] = []
    finished = []
    controller.progress.connect(events.append)
    controller.job_finished.connect(lambda job, ok, message: finished.append((job, ok, message, len(events))))
    assert controller.deploy()
    qtbot.waitUntil(lambda: any(job == "deploy" for job, *_ in finished), timeout=20000)
    controller.status_timer.stop()
    return controller, events[:finished[0][3]], finished[0]


def test_the_cli_and_the_designer_get_the_same_progress_on_figure6(qtbot, capsys):
    code, out, err = cli(capsys, "deploy", *FIGURE6, "--progress", "json", "--json")
    assert code == 0, err
    record = json.loads(out)
    from_cli = normalised([json.loads(line) for line in err.splitlines()], record["id"])
    cli(capsys, "teardown", record["id"])

    controller, events, (_, ok, message, _) = deploy_from_the_designer(qtbot, str(FIGURE6[0]), FIGURE6[1], FIGURE6[2:])
    try:
        assert ok, message
        tag = controller.record().id
        from_designer = normalised([e.to_json() for e in events], tag)
    finally:
        assert controller.teardown()
        qtbot.waitUntil(lambda: not controller.busy(), timeout=10000)
        controller.shutdown()

    assert from_cli == from_designer
    keys = set(record["components"])
    assert from_cli[0]["component"] is None and from_cli[0]["step"].startswith("embedding vxi-a, vxi-b")
    assert from_cli[-1] == {"component": None, "state": RUNNING, "fraction": 1.0, "host": None,
                            "step": "deployment <tag> running on the test backend"}
    fractions = [e["fraction"] for e in from_cli]
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] == 1.0
    for key in keys:  # each component: defined, then starting (its domain's steps), then running, on its host
        mine = [e for e in from_cli if e["component"] == key]
        states = [e["state"] for e in mine]
        assert states[0] == DEFINED and states[-1] == RUNNING and set(states[1:-1]) == {STARTING}, (key, states)
        assert {e["host"] for e in mine} == {record["components"][key]["host"]}
        assert any(e["step"] == f"defining domain vxi<tag>-{record['components'][key]['vxi']}-{key}" for e in mine)


def unreachable_last_host(tmp_path):
    """Figure 1's substrate in a file where every host has a test host file but the last one used."""
    substrate = copy.deepcopy(read_file(EXAMPLES / "figure1-substrate.vxdl", role="substrate").model)
    for host in substrate.hosts.values():
        host.uri = hostfiles.write_host_file(tmp_path / "hosts" / f"{host.id}.xml", host)
    substrate.hosts["P6"].uri = f"test://{tmp_path}/missing/P6.xml"  # VXI2 uses P6, after P2, P3 and P4
    path = tmp_path / "lab-substrate.vxdl"
    write_file(substrate, path)
    return substrate, path


def records_on_disk(state_dir) -> list[str]:
    folder = state_dir / "deployments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_rollback_that_removed_everything_leaves_no_record_from_the_cli_or_the_designer(
        qtbot, capsys, tmp_path, state_dir):
    substrate, path = unreachable_last_host(tmp_path)
    vxis = [EXAMPLES / "figure1-vxi1.vxdl", EXAMPLES / "figure1-vxi2.vxdl"]
    code, _, err = cli(capsys, "deploy", path, *vxis, "--backend", "libvirt", "--now")
    assert code == 1 and err.count("\n") == 1
    assert "host P6: connecting to test://" in err and "(rolled back all of what was created)" in err
    assert records_on_disk(state_dir) == []

    controller, events, (_, ok, message, _) = deploy_from_the_designer(qtbot, substrate, vxis[0], vxis[1:],
                                                                       "libvirt")
    controller.shutdown()
    assert not ok and "host P6: connecting to test://" in message and "rolled back all" in message
    assert controller.problems[-1].element_id == "P6"  # no component was being created: the host is named
    assert records_on_disk(state_dir) == []
    last = events[-1]
    assert last.component is None and last.state == FAILED and last.host == "P6"
    # the components already running went back to defined, none failed
    finals = {}
    for event in events:
        if event.component is not None:
            finals[event.component] = event.state
    assert set(finals.values()) == {DEFINED} and RUNNING in {e.state for e in events}


def test_a_rollback_that_left_objects_keeps_the_record_until_teardown_finishes(
        qtbot, capsys, tmp_path, state_dir, monkeypatch):
    substrate, path = unreachable_last_host(tmp_path)
    vxis = [EXAMPLES / "figure1-vxi1.vxdl", EXAMPLES / "figure1-vxi2.vxdl"]

    def refuse(_net):
        raise RuntimeError("the host refuses to remove it")

    kept_remove = libvirt_deployer.remove_network
    monkeypatch.setattr(libvirt_deployer, "remove_network", refuse)  # every network stays behind
    code, _, err = cli(capsys, "deploy", path, *vxis, "--backend", "libvirt", "--now")
    assert code == 1 and "rolled back part of what was created; left: network vxi" in err
    (kept,) = state.load_all()
    assert kept.state == "failed" and "left: network" in kept.error
    assert f"`vxi teardown {kept.id}` removes the rest" in err

    controller, _events, (_, ok, message, _) = deploy_from_the_designer(qtbot, substrate, vxis[0], vxis[1:],
                                                                        "libvirt")
    controller.shutdown()
    assert not ok and "left: network" in message
    designer_record = controller.record()
    assert f"`vxi teardown {designer_record.id}`" in message
    assert {r.id for r in state.load_all()} == {kept.id, designer_record.id}
    assert state.load(designer_record.id).state == "failed"

    code, _, err = cli(capsys, "teardown", kept.id)  # P6 still does not answer: the record stays
    assert code == 1 and "teardown incomplete: host P6" in err and state.load(kept.id).state == "failed"
    monkeypatch.setattr(libvirt_deployer, "remove_network", kept_remove)  # the hosts let go, P6 answers again:
    hostfiles.write_host_file(tmp_path / "missing" / "P6.xml", substrate.hosts["P6"])  # teardown finishes
    for record_id in (kept.id, designer_record.id):
        code, out, err = cli(capsys, "teardown", record_id)
        assert code == 0 and f"deployment {record_id} torn down" in out, err
    assert records_on_disk(state_dir) == []


@pytest.mark.root
def test_namespaces_a_netns_rollback_could_not_remove_stay_recorded_until_teardown(capsys, monkeypatch,
                                                                                  state_dir):
    from backend.deploy.netns import kernel

    real_delete, real_route = kernel.delete_namespace, kernel.add_route

    def fail_routing(ns, destination, gateway):
        raise kernel.KernelError("routing refused (injected)")

    def keep_hosts(name):
        if "-h-" in name:
            raise kernel.KernelError("busy (injected)")
        return real_delete(name)

    monkeypatch.setattr(kernel, "add_route", fail_routing)
    monkeypatch.setattr(kernel, "delete_namespace", keep_hosts)
    code, _, err = cli(capsys, "deploy", *FIGURE6[:2], "--backend", "netns")
    monkeypatch.setattr(kernel, "add_route", real_route)
    monkeypatch.setattr(kernel, "delete_namespace", real_delete)
    (kept,) = state.load_all()
    try:
        assert code == 1 and "routing refused (injected)" in err and "left: namespace" in err
        left = kernel.namespaces(kept.prefix)
        assert left and all("-h-" in name for name in left)  # the host namespaces, nothing else
        assert kept.state == "failed"
    finally:
        code, out, err = cli(capsys, "teardown", kept.id)
    assert code == 0 and f"deployment {kept.id} torn down" in out, err
    assert kernel.namespaces(kept.prefix) == [] and records_on_disk(state_dir) == []

"""The deployments database as the commands use it (test backend): several deploys at once serialise and share
the substrate, a killed deploy is interrupted and cleaned, damaged state is reported and teardown still finds
what runs by its name, records of earlier versions are imported once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.cli import main
from backend.deploy import reading, state
from backend.vxdl import write_file
from tests.embedding.builders import host, node, plink, substrate, vlink, vxi

ROOT = Path(__file__).resolve().parents[2]
PAIR_MBPS, LINK_MBPS = 40, 100  # two pairs fit on the physical link, a third does not


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    """A substrate of two hosts joined by a 100 Mbit/s link, and a VXI of two nodes joined at 40 Mbit/s."""
    sub = substrate([host("h0", cores=8, site="s0"), host("h1", cores=8, site="s1")],
                    [plink("p0", "h0", "h1", LINK_MBPS)], sid="lab")
    pair = vxi("pair", [node("x", location="s0"), node("y", location="s1")], [vlink("l", "x", "y", PAIR_MBPS)])
    write_file(sub, tmp_path / "lab.vxdl")
    write_file(pair, tmp_path / "pair.vxdl")
    return tmp_path / "lab.vxdl", tmp_path / "pair.vxdl"


def vxi_process(*argv, script: str | None = None, **popen) -> subprocess.Popen:
    """`vxi ARGS` in a process of its own (the test's state directory passed on)."""
    code = script or "import sys; from backend.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *map(str, argv)], cwd=ROOT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **popen)


def deployed_ids(capsys) -> list[str]:
    code, out, err = cli(capsys, "status", "--json")
    assert code == 0, err
    return [d["id"] for d in json.loads(out)["deployments"]]


def test_deploys_started_at_once_are_admitted_one_at_a_time_until_the_substrate_is_full(files, capsys, state_dir):
    processes = [vxi_process("deploy", *files, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(5)]
    results = [(p.wait(timeout=240), *p.communicate()) for p in processes]
    accepted = [out for code, out, _ in results if code == 0]
    refused = [err for code, _, err in results if code != 0]
    assert len(accepted) == 2 and len(refused) == 3, results
    for err in refused:
        assert err.count("\n") == 1 and "pair does not fit on lab" in err and "already hold part of it" in err, err
        assert "needs 40 Mbit/s forward" in err and "20 Mbit/s left" in err
    with sqlite3.connect(state_dir / "deployments.db") as db:
        held = db.execute("SELECT SUM(amount) FROM holds WHERE element = 'p0' AND dimension = 'forward'").fetchone()
    assert held == (2 * PAIR_MBPS * 1e6,) and len(deployed_ids(capsys)) == 2


def test_the_same_vxi_again_and_again_is_refused_once_full_and_fits_again_after_a_teardown(files, capsys):
    first = [cli(capsys, "deploy", *files)[0] for _ in range(2)]
    code, _, err = cli(capsys, "deploy", *files)
    assert first == [0, 0] and code == 1
    ids = deployed_ids(capsys)
    assert f"(deployments {', '.join(ids)} already hold part of it)" in err
    assert cli(capsys, "teardown", ids[1])[0] == 0
    assert cli(capsys, "deploy", *files)[0] == 0


def test_migrate_counts_what_the_other_deployments_hold_on_each_host(files, tmp_path, capsys):
    lab, _pair = files
    write_file(vxi("big", [node("b", cores=7, location="s1")]), tmp_path / "big.vxdl")  # leaves h1 one core
    write_file(vxi("mover", [node("m", cores=2)]), tmp_path / "mover.vxdl")
    assert cli(capsys, "deploy", lab, tmp_path / "big.vxdl")[0] == 0
    assert cli(capsys, "deploy", lab, tmp_path / "mover.vxdl")[0] == 0
    mine = deployed_ids(capsys)[-1]
    code, out, err = cli(capsys, "migrate", "m", "--deployment", mine, "--json")
    assert code == 0, err
    hosts = {h["host"]: h for h in json.loads(out)["hosts"]}
    assert hosts["h1"] == {"host": "h1", "fits": False, "reason": "needs 2 cores, only 1 left",
                           "free": "1 core, 15 GiB memory"}, err
    code, _, err = cli(capsys, "migrate", "m", "h1", "--deployment", mine)
    assert code == 1 and "m cannot move to h1: needs 2 cores, only 1 left" in err


SLOW_DEPLOY = """
import sys, time
from backend.deploy.libvirt import deployer
create = deployer.LibvirtDeployer._define_domain
def slowly(self, *args, **kwargs):
    created = create(self, *args, **kwargs)
    print("created", flush=True)
    time.sleep(120)
    return created
deployer.LibvirtDeployer._define_domain = slowly
from backend.cli import main
sys.exit(main(sys.argv[1:]))
"""


def killed_mid_deploy(files) -> str:
    """Start a deploy, kill it (-9) once it has created its first domain; the id it was deploying."""
    process = vxi_process("deploy", *files, script=SLOW_DEPLOY, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout.readline() == "created\n", process.stderr.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    (record,) = [r for r in state.load_all() if r.state == "interrupted"]
    return record.id


def test_a_deploy_killed_midway_is_interrupted_then_cleaned_by_the_next_deploy_or_a_teardown(files, capsys):
    lab, pair = files
    write_file(vxi("pair", [node("x", location="s0"), node("y", location="s1")],
                   [vlink("l", "x", "y", 60)]), pair)  # one at a time fits now
    killed = killed_mid_deploy(files)
    code, out, _ = cli(capsys, "status", "--json")
    (shown,) = json.loads(out)["deployments"]
    assert code == 0 and shown["id"] == killed and shown["state"] == "interrupted"
    assert "ended before it finished" in shown["error"] and f"vxi teardown {killed}" in shown["error"]
    code, out, err = cli(capsys, "deploy", lab, pair, "--progress", "text")  # cleans it, then fits
    assert code == 0, err
    assert f"cleaning interrupted deployment {killed}" in err and f"interrupted deployment {killed} cleaned" in err
    assert killed not in deployed_ids(capsys)
    assert cli(capsys, "teardown")[0] == 0
    killed = killed_mid_deploy(files)
    code, out, _ = cli(capsys, "teardown", killed)
    assert code == 0 and f"deployment {killed} torn down" in out and deployed_ids(capsys) == []


def test_a_damaged_database_is_reported_and_teardown_still_finds_what_runs_by_its_name(files, capsys, state_dir):
    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    assert (state_dir / "deployments" / ident).is_dir()  # its test-driver host files
    database = state_dir / "deployments.db"
    for damage in (b"", b"garbage " * 100, database.read_bytes()[:4096]):  # emptied, overwritten, truncated
        database.write_bytes(damage)
        for path in state_dir.glob("deployments.db-*"):
            path.unlink()
        code, out, err = cli(capsys, "status")
        assert code == 1 and out == "" and err.count("\n") == 1, (damage[:20], out, err)
        assert f"{database}: the deployments database is damaged" in err
        code, _, err = cli(capsys, "teardown")
        assert code == 1 and "name a deployment, or use --all" in err
    code, out, err = cli(capsys, "teardown", "--all")
    assert code == 1 and f"deployment {ident} torn down" in out and str(database) in err
    assert not (state_dir / "deployments" / ident).exists()
    code, out, _ = cli(capsys, "teardown", "--all")  # nothing of it found any more (other tests' may run)
    assert ident not in out and "torn down" not in out, out


def test_a_damaged_record_is_reported_with_the_others_and_torn_down_by_its_name(files, capsys, state_dir):
    for _ in range(2):
        assert cli(capsys, "deploy", *files)[0] == 0
    good, bad = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("UPDATE deployments SET details = '{\"hosts\": ' WHERE id = ?", (bad,))
    code, out, err = cli(capsys, "status")
    assert code == 1 and f"deployment {good} (test backend, running)" in out
    assert f"deployment {bad} (damaged)" in out
    assert f"the record of deployment {bad} is damaged" in err and str(state_dir / "deployments.db") in err
    code, out, err = cli(capsys, "teardown", bad)
    assert code == 0 and f"deployment {bad} torn down: 4 objects removed" in out, err  # 2 domains, 2 networks
    assert deployed_ids(capsys) == [good] and not (state_dir / "deployments" / bad).exists()


WRONG_SHAPES = {  # a stored value of the wrong shape, each an exit 3 (AttributeError, TypeError, ValueError) before
    "hosts": "UPDATE deployments SET details = json_set(details, '$.hosts', 5) WHERE id = ?",
    "time": "UPDATE deployments SET details = json_set(details, '$.time', 'x') WHERE id = ?",
    "backend": "UPDATE deployments SET backend = 'evil' WHERE id = ?",
    "component": "UPDATE components SET addresses = '[1, {}]' WHERE deployment = ?",
}


@pytest.mark.parametrize("field", WRONG_SHAPES)
def test_a_record_of_the_wrong_shape_is_reported_as_damaged_and_torn_down_by_its_name(field, files, capsys,
                                                                                    state_dir):
    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute(WRONG_SHAPES[field], (ident,))
    for command in (["status"], ["status", "--json"]):
        code, out, err = cli(capsys, *command)
        assert code == 1 and err.count("\n") == 1, err
        assert f"{state_dir / 'deployments.db'}: the record of deployment {ident} is damaged" in err
    code, out, err = cli(capsys, "teardown", "--all")
    assert code == 0 and f"deployment {ident} torn down: 4 objects removed" in out, err  # by its name
    assert not (state_dir / "deployments" / ident).exists()


def test_damaged_held_capacity_refuses_a_deploy_in_one_line_until_its_deployment_is_torn_down(files, capsys,
                                                                                               state_dir):
    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("UPDATE holds SET amount = 'abc'")  # an exit 3 (ValueError) before
    code, out, err = cli(capsys, "deploy", *files)
    assert code == 1 and err.count("\n") == 1 and f"the capacity deployment {ident} holds is damaged" in err
    assert str(state_dir / "deployments.db") in err and deployed_ids(capsys) == [ident]
    assert cli(capsys, "teardown", ident)[0] == 0
    assert cli(capsys, "deploy", *files)[0] == 0


def test_a_record_over_the_size_limit_is_reported_without_being_read(files, capsys, state_dir, monkeypatch):
    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:  # 100 MB of notices: 670 MB and 100,000 lines
        db.execute("UPDATE deployments SET details = json_set(details, '$.notices', json_array(?))", ("x" * 50_000,))
    monkeypatch.setattr(reading, "MAX_BYTES", 40_000)  # where records are read
    code, out, err = cli(capsys, "status")
    assert code == 1 and len(out) < 300 and f"the record of deployment {ident} is damaged: record is " in err
    assert "over the 39.1 KiB limit" in err
    code, out, err = cli(capsys, "teardown", "--all")
    assert code == 0 and f"deployment {ident} torn down" in out, err


def test_a_stuck_admission_lock_is_waited_for_then_reported(files, capsys, state_dir, monkeypatch):
    import fcntl

    monkeypatch.setattr(state, "ADMISSION_WAIT_S", 1.0)
    monkeypatch.setattr(state, "ADMISSION_NOTE_S", 0.3)
    state_dir.mkdir(parents=True)
    fd = os.open(state_dir / "state.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # a deploy stopped while it held the lock (it waited forever)
        os.write(fd, b"4242\n")
        started = time.monotonic()
        code, out, err = cli(capsys, "deploy", *files)
        assert code == 1 and time.monotonic() - started < 10
        assert "waiting for process 4242, which holds the deployments' admission lock" in err
        assert "admission lock stayed held by process 4242 for 1 s" in err
    finally:
        os.close(fd)
    assert cli(capsys, "deploy", *files)[0] == 0


def test_a_database_that_refuses_a_removal_makes_teardown_fail_not_succeed(files, capsys, state_dir):
    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:  # an altered schema: said "torn down", kept it all
        db.execute("CREATE TRIGGER keep BEFORE DELETE ON deployments BEGIN SELECT RAISE(IGNORE); END")
    code, out, err = cli(capsys, "teardown", ident)
    assert code == 1 and f"deployment {ident} stays after its removal" in err and str(state_dir) in err
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("DROP TRIGGER keep")
    assert cli(capsys, "teardown", ident)[0] == 0 and deployed_ids(capsys) == []


def test_teardown_finishes_when_a_test_driver_host_file_was_deleted(files, capsys, state_dir):
    for _ in range(2):
        assert cli(capsys, "deploy", *files)[0] == 0
    for folder in (state_dir / "deployments").iterdir():
        (folder / "h0.xml").unlink()
    first, _second = deployed_ids(capsys)
    code, out, err = cli(capsys, "teardown", first)
    assert code == 0 and f"deployment {first} torn down: 2 objects removed" in out, err  # those on h1
    code, out, err = cli(capsys, "teardown", "--all")
    assert code == 0 and "torn down" in out and deployed_ids(capsys) == []


def test_records_of_an_earlier_version_are_imported_once_and_damaged_ones_reported_without_reading_devices(
        files, capsys, state_dir):
    lab, pair = files
    assert cli(capsys, "deploy", lab, pair)[0] == 0
    record = state.load_all()[0]
    (state_dir / "deployments.db").unlink()  # the state as an earlier version left it: one JSON file a record
    folder = state_dir / "deployments"
    (folder / f"{record.id}.json").write_text(json.dumps(record.to_json()))
    (folder / "trunc.json").write_text('{"id": "trunc", "backend": "te')
    (folder / "zeros.json").symlink_to("/dev/zero")
    started = time.monotonic()
    code, out, err = cli(capsys, "status")
    assert time.monotonic() - started < 30 and code == 1
    assert f"deployment {record.id} (test backend, running)" in out and f"imported from {record.id}.json" in out
    assert f"{folder / 'trunc.json.damaged'}: the record of deployment trunc (from an earlier version) is " \
           "damaged" in err
    assert f"{folder / 'zeros.json.damaged'}: the record of deployment zeros" in err and "not a regular file" in err
    assert sorted(p.name for p in folder.glob("*.json*")) == sorted([f"{record.id}.json.imported",
                                                                    "trunc.json.damaged", "zeros.json.damaged"])
    assert cli(capsys, "deploy", lab, pair)[0] == 0  # it holds its share: a second pair fits, a third does not
    assert cli(capsys, "deploy", lab, pair)[0] == 1
    code, out, err = cli(capsys, "teardown", "--all")
    assert code == 0 and out.count("torn down") == 4, err
    code, out, err = cli(capsys, "status")  # other helpers' netns deployments may be listed as "(no record)"
    assert code == 0 and err == "" and all("(no record)" in line for line in out.splitlines()
                                           if line and not line.startswith("no deployments (recorded in"))
    assert list(folder.iterdir()) == []


def test_a_database_that_is_a_device_or_a_fifo_is_refused_at_once(capsys, state_dir):
    state_dir.mkdir(parents=True)
    database = state_dir / "deployments.db"
    database.symlink_to("/dev/zero")
    code, _, err = cli(capsys, "status")
    assert code == 1 and f"{database}: not a regular file" in err
    database.unlink()
    os.mkfifo(database)
    code, _, err = cli(capsys, "teardown", "--all")
    assert code == 1 and f"{database}: not a regular file" in err


def test_the_agent_names_a_damaged_record_once_and_goes_on(files, capsys, state_dir):
    from backend.deploy.agent import Agent

    assert cli(capsys, "deploy", *files)[0] == 0
    (ident,) = deployed_ids(capsys)
    with sqlite3.connect(state_dir / "deployments.db") as db:
        db.execute("UPDATE deployments SET backend = 'evil' WHERE id = ?", (ident,))
    lines = []
    agent = Agent(print_line=lines.append)
    agent.run(turns=2)  # it skipped the record without a word
    said = [line for line in lines if "is not followed" in line]
    assert len(said) == 1 and f"deployment {ident} is not followed" in said[0] and "damaged" in said[0]

"""The deployments state as an adversary leaves it (bench/adversary_red5.py): values nested past Python's
recursion limit, a FIFO for the deployments' folder, a state directory whose path has a space, a log file on a
full disk. Each is one line and exit 0 or 1, never exit 3, a traceback or a deployment that cannot be made."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3

import pytest

from tests.cli.conftest import EXAMPLES

SUBSTRATE, VXI1, VXI2 = (str(EXAMPLES / f) for f in ("figure1-substrate.vxdl", "figure1-vxi1.vxdl",
                                                      "figure1-vxi2.vxdl"))
DEEP = "printf('%.5000c', '[') || printf('%.5000c', ']')"  # JSON nested 5,000 deep: json.loads recurses


def deployed(vxi, state_dir) -> sqlite3.Connection:
    code, _out, err = vxi("deploy", SUBSTRATE, VXI1, "--now", "--backend", "test")
    assert code == 0, err
    return sqlite3.connect(state_dir / "deployments.db", isolation_level=None)


@pytest.mark.parametrize("sql", [f"UPDATE deployments SET details = {DEEP}",
                                 f"UPDATE components SET addresses = {DEEP}"])
def test_a_record_nested_past_the_recursion_limit_is_a_damaged_record(vxi, state_dir, sql):
    deployed(vxi, state_dir).execute(sql)
    code, out, err = vxi("status")
    assert code == 1 and "is damaged" in err and "deployments.db" in err, (out, err)  # it was exit 3
    assert "Traceback" not in err and "internal error" not in err
    code, _out, err = vxi("teardown", "--all")
    assert code == 0, err
    assert not list((state_dir / "deployments").rglob("*.xml"))  # found by its name, removed


def test_a_clock_nested_past_the_recursion_limit_is_reported_naming_the_database(vxi, state_dir):
    deployed(vxi, state_dir).execute(f"INSERT OR REPLACE INTO meta VALUES ('clock', {DEEP})")
    code, out, err = vxi("status")
    assert code == 1 and "deployments.db: the deployments' clock is damaged" in err, (out, err)
    assert "internal error" not in err


def test_a_hold_label_nested_past_the_recursion_limit_does_not_stop_a_deploy(vxi, state_dir):
    deployed(vxi, state_dir).execute(f"UPDATE holds SET part = {DEEP} WHERE part IS NOT NULL")
    code, out, err = vxi("deploy", SUBSTRATE, VXI2, "--now", "--backend", "test")
    assert code in (0, 1) and "internal error" not in err, (out, err)


def test_a_fifo_for_the_deployments_folder_is_named_not_an_internal_error(vxi, state_dir):
    deployed(vxi, state_dir)
    folder = state_dir / "deployments"
    for path in folder.rglob("*"):
        if path.is_file():
            path.unlink()
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir()
    folder.rmdir()
    os.mkfifo(folder)
    code, out, err = vxi("status")
    assert code in (0, 1) and "internal error" not in err, (out, err)
    code, out, err = vxi("deploy", SUBSTRATE, VXI2, "--now", "--backend", "test")
    assert code == 1 and err.count("\n") == 1 and f"{folder}: cannot make the deployments' folder" in err, err
    code, out, err = vxi("teardown", "--all")
    assert "internal error" not in err, err


def test_a_state_directory_with_a_space_in_its_path_deploys_on_the_test_backend(vxi, tmp_path, monkeypatch):
    state = tmp_path / "my state"
    monkeypatch.setenv("VXI_STATE_DIR", str(state))
    code, out, err = vxi("deploy", SUBSTRATE, VXI1, "--now", "--backend", "test")
    assert code == 0, err  # libvirt refused the unescaped test:/// URI: "Unable to parse URI"
    code, out, err = vxi("status")
    assert code == 0 and "running" in out, err
    code, out, err = vxi("teardown", "--all")
    assert code == 0, err
    assert not list((state / "deployments").rglob("*.xml"))


class FullDisk:
    """A log file on a full disk: every flush fails with ENOSPC."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self) -> None:
        self.flush()


def test_a_log_file_that_cannot_be_written_is_said_once_in_one_line(state_dir, capsys):
    from backend.cli import logs

    assert logs.setup("deploy") is not None
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._LogFile))
    handler.stream = FullDisk()
    try:
        for n in range(3):
            logging.getLogger("vxi").info("step %d", n)
        err = capsys.readouterr().err
    finally:
        logs.setup("status")  # the handlers of this test removed
    assert "Logging error" not in err and "Traceback" not in err, err  # logging printed one per line
    assert err.count("cannot write the log file") == 1 and "No space left on device" in err, err


def test_held_capacity_beyond_any_substrate_is_a_damaged_hold_naming_its_deployment(vxi, state_dir):
    deployed(vxi, state_dir).execute("UPDATE holds SET amount = 1e308")  # summed, it overflowed to inf and NaN
    ident = deployed_id(state_dir)
    code, out, err = vxi("deploy", SUBSTRATE, VXI2, "--now", "--backend", "test")
    assert code == 1 and err.count("\n") == 1, err  # numpy's overflow warnings came first
    assert f"the capacity deployment {ident} holds is damaged" in err and f"vxi teardown {ident}" in err, err


def test_hosts_held_beyond_a_shrunken_capacity_refuse_only_what_would_add_to_them(vxi, state_dir):
    """Deployments holding more of a host than the substrate now says it has (it was edited) do not refuse a
    VXI that fits elsewhere ('the embedding broke a constraint: resource 6 held beyond its capacity')."""
    deployed(vxi, state_dir).execute("UPDATE holds SET amount = 1000 WHERE dimension = 'cores'")
    code, out, err = vxi("deploy", SUBSTRATE, VXI2, "--now", "--backend", "test")
    assert code == 0, err
    assert "resource " not in err


def deployed_id(state_dir) -> str:
    conn = sqlite3.connect(state_dir / "deployments.db")
    try:
        return conn.execute("SELECT id FROM deployments").fetchone()[0]
    finally:
        conn.close()


def test_a_full_disk_is_said_and_a_teardown_once_space_is_freed_removes_everything(vxi, tmp_path, monkeypatch, root):
    """On a full disk the state lock failed writing its holder's pid (an OSError out of every command), then SQLite
    said only 'disk I/O error'; now the lock does without the pid and the message says what to do."""
    import subprocess

    from tests.cli.test_safe_writers import fill

    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], check=True)
    try:
        monkeypatch.setenv("VXI_STATE_DIR", str(folder / "state"))
        code, _out, err = vxi("deploy", SUBSTRATE, VXI1, "--now", "--backend", "test")
        assert code == 0, err
        fill(folder)
        for argv in (["status"], ["teardown", "--all"]):
            code, _out, err = vxi(*argv)
            assert code == 1 and "Traceback" not in err, err
            assert "no space left on the device" in err and len(err.strip().splitlines()) <= 2, err
        (folder / "fill").unlink()
        code, out, err = vxi("teardown", "--all")
        assert code == 0 and "torn down" in out, err
        code, out, err = vxi("status")
        assert code == 0 and "no deployments" in out, err
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_read_only_disk_still_shows_its_deployments_and_refuses_changes_in_one_line(tmp_path, root):
    """On a read-only disk `vxi status` said 'cannot use the deployments database' (SQLite's WAL writes its -shm
    file even to read): now it reads the database as it stands, and changes are refused naming the file. Each
    command in a process of its own, as a user runs them (a file left open would keep the disk from turning
    read-only)."""
    import subprocess
    import sys

    folder = tmp_path / "ro"
    folder.mkdir()
    env = {**os.environ, "VXI_STATE_DIR": str(folder / "state")}

    def vxi(*argv: str) -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-m", "backend.cli", *argv], env=env, capture_output=True, text=True,
                              timeout=120)
        return done.returncode, done.stdout, done.stderr

    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        code, _out, err = vxi("deploy", SUBSTRATE, VXI1, "--now", "--backend", "test")
        assert code == 0, err
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        code, out, err = vxi("status")
        assert code == 0 and "running" in out and "VXI1" in out, err  # it said "cannot use the database"
        for argv in (["teardown", "--all"], ["deploy", SUBSTRATE, VXI1, "--now", "--backend", "test"]):
            code, _out, err = vxi(*argv)
            said = [line for line in err.splitlines() if "WARNING" not in line]
            assert code == 1 and "Traceback" not in err and len(said) == 1 and "Read-only" in said[0], err
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
        code, out, err = vxi("teardown", "--all")
        assert code == 0 and "torn down" in out, err
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)

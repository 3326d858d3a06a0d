"""What the adversary benches share: running `vxi` in a child process on a state directory, judging its result
against the promises (exit 0, 1 or 2, never 3, never a traceback, never a hang, one line on standard error),
tallying each group's cases held and failed, and reading the state database without writing it."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120
RESULTS: dict[str, list[int]] = {}  # group -> [held, failed]
OPTIONS = {"verbose": False, "env": {}}  # env: added to every command's environment (e.g. VXI_LAB_DIR)


def env_for(state: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "VXI_STATE_DIR": str(state), "VXI_LOCK_WAIT_S": "60", **OPTIONS["env"], **extra}


def start(state: Path, *argv: str, user: str | None = None, **extra: str) -> subprocess.Popen:
    """`vxi ARGV` started on a state directory (as `user` when given), its outputs piped."""
    cmd = [sys.executable, "-m", "backend.cli", *argv]
    if user:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *cmd]
    return subprocess.Popen(cmd, cwd=ROOT, env=env_for(state, **extra), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def finish(proc: subprocess.Popen, timeout: float = TIMEOUT) -> tuple[int | str, str, str]:
    """Its exit code ("hang" when it outlived `timeout`, then killed), standard output and error."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return "hang", out, err
    return proc.returncode, out, err


def run(state: Path, *argv: str, timeout: float = TIMEOUT, **kw) -> tuple[int | str, str, str]:
    return finish(start(state, *argv, **kw), timeout)


def problems(result: tuple[int | str, str, str], allowed=(0, 1, 2)) -> list[str]:
    """What breaks the promises in one command's result."""
    code, _out, err = result
    found = []
    if code == "hang":
        found.append("hang")
    elif code not in allowed:
        said = err.strip().splitlines()[-1][:160] if err.strip() else "nothing said"
        found.append(f"exit {code} ({said})")
    if "Traceback" in err:
        found.append("traceback: " + err.strip().splitlines()[-1][:160])
    elif code not in (0, "hang") and len([ln for ln in err.splitlines() if ln.strip()]) > 3:
        found.append(f"{len(err.splitlines())} lines on stderr")
    if "database is locked" in err:
        found.append("database is locked")
    return found


def record(group: str, name: str, found: list[str]) -> None:
    held_failed = RESULTS.setdefault(group, [0, 0])
    if found:
        held_failed[1] += 1
        print(f"FAILED {group}/{name}: {'; '.join(found)}", flush=True)
    else:
        held_failed[0] += 1
        if OPTIONS["verbose"]:
            print(f"held   {group}/{name}", flush=True)


def options(kills: int, seed: int) -> argparse.Namespace:
    """The benches' options: --only GROUP, --kills N, --seed S, -v (each case held printed too)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--kills", type=int, default=kills)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    OPTIONS["verbose"] = args.v
    return args


def summary() -> None:
    """Each group's counts, then the total."""
    total = [0, 0]
    for group, (held, failed) in RESULTS.items():
        print(f"{group:14} held {held:4}  failed {failed:4}")
        total[0] += held
        total[1] += failed
    print(f"{'total':14} held {total[0]:4}  failed {total[1]:4}")


def db_rows(state: Path, sql: str) -> list[tuple] | str:
    """The rows of a query on a state directory's database, read-only ("unreadable: ..." when it cannot)."""
    try:
        conn = sqlite3.connect(f"file:{state / 'deployments.db'}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"


def records_left(state: Path) -> list[str]:
    """Deployments or held capacity a state directory still has after `teardown --all`."""
    found = []
    rows = db_rows(state, "SELECT id, state FROM deployments")
    if isinstance(rows, str) or rows:
        found.append(f"records left: {rows}")
    holds = db_rows(state, "SELECT count(*) FROM holds")
    if isinstance(holds, str) or holds[0][0]:
        found.append(f"holds left: {holds}")
    return found

"""An adversary's pass over issue 12's deployment state and backends, with cases the tests did not have.

Groups: `kill` (kill -9 of `vxi deploy` at random moments, test and netns backends, then status, teardown --all
and a new deploy), `concurrent` (deploys, teardowns, status and migrate at once on one substrate), `files` (the
database and its -wal/-shm damaged, replaced or unreadable; the state directory unwritable or full), `records`
(hostile values edited in with sqlite3), `isolation` (as root: IPv4/IPv6 from a tenant namespace towards its
host and another tenant with an overlapping plan). Each case checks: exit 0, 1 or 2 (never 3, never a
traceback, never a hang), one line on standard error for a failure, nothing left after `teardown --all`, and
capacity never held twice.

Prints each case that failed and the counts held/failed per group; asserts nothing.

Usage: python bench/adversary_red5.py [--only GROUP] [--kills N] [--seed S] [-v]
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from adversary_cli import ROOT, db_rows, finish, options, problems, record, records_left, run, start, summary

EXAMPLES = ROOT / "examples"
SUBSTRATE = str(EXAMPLES / "figure1-substrate.vxdl")
REQUESTS = [str(EXAMPLES / "figure1-vxi1.vxdl"), str(EXAMPLES / "figure1-vxi2.vxdl")]


def netns_left(tag: str = "") -> list[str]:
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    return [n for n in names if n.startswith("vxi") and tag in n]


def leftovers(state: Path, backend: str) -> list[str]:
    """What a clean state directory must not have after `teardown --all`."""
    found = records_left(state)
    folder = state / "deployments"
    if folder.is_dir() and any(folder.rglob("*.xml")):
        found.append(f"host files left: {[str(p) for p in folder.rglob('*.xml')][:3]}")
    if backend == "netns" and figure1_namespaces():
        found.append(f"namespaces left: {figure1_namespaces()}")
    return found


def figure1_namespaces() -> list[str]:
    """The namespaces of figure1 deployments (vxi<tag>-h-P1, vxi<tag>-c-VXI1-n1): the bench's own; other
    people's tests on this kernel deploy figure6 (hosts left, right, core1, core2)."""
    import re

    return [n for n in netns_left() if re.search(r"-h-P\d$|-c-VXI[12]-", n)]


# ----- kill -9 at random moments -----
def kill_cases(n: int, backend: str, rng: random.Random) -> None:
    base = Path(tempfile.mkdtemp(prefix="red5-kill-"))
    # how long an undisturbed deploy takes, to spread the kills over it
    state = base / "probe"
    began = time.monotonic()
    res = run(state, "deploy", SUBSTRATE, REQUESTS[0], "--now", "--backend", backend)
    took = time.monotonic() - began
    run(state, "teardown", "--all")
    if res[0] != 0:
        record(f"kill-{backend}", "probe", [f"deploy failed: {res[2].strip()[:200]}"])
        return
    for i in range(n):
        state = base / f"s{i}"
        run(state, "status")
        delay = rng.uniform(0.0, took * 1.1)
        proc = start(state, "deploy", SUBSTRATE, REQUESTS[0], "--now", "--backend", backend)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = []
        status = run(state, "status")
        found += [f"status: {p}" for p in problems(status)]
        if rng.random() < 0.5:  # a new deploy first: it must clean the interrupted one and fit
            again = run(state, "deploy", SUBSTRATE, REQUESTS[0], "--now", "--backend", backend)
            found += [f"deploy after kill: {p}" for p in problems(again, allowed=(0,))]
            if again[0] not in (0,):
                found.append("deploy after kill: " + again[2].strip()[:200])
        if rng.random() < 0.4:  # a teardown killed too, at a random moment
            killed = start(state, "teardown", "--all")
            time.sleep(rng.uniform(0.0, took * 0.8))
            killed.send_signal(signal.SIGKILL)
            killed.wait()
        down = run(state, "teardown", "--all")
        found += [f"teardown: {p}" for p in problems(down, allowed=(0,))]
        if down[0] != 0:
            found.append("teardown: " + down[2].strip()[:200])
        found += leftovers(state, backend)
        after = run(state, "status")
        found += [f"status after: {p}" for p in problems(after, allowed=(0,))]
        record(f"kill-{backend}", f"{i} at {delay:.2f}s", found)
    shutil.rmtree(base, ignore_errors=True)


# ----- concurrent commands -----
def capacity_ok(state: Path) -> list[str]:
    """Each host's held cores never over its capacity (figure1's hosts: read from the substrate)."""
    rows = db_rows(state, "SELECT element, sum(amount) FROM holds WHERE kind = 'host' AND dimension = 'cores' "
                          "GROUP BY element")
    if isinstance(rows, str):
        return [rows]
    caps = _host_cores()
    return [f"{host} holds {amount} cores of {caps.get(host)}" for host, amount in rows
            if caps.get(host) is not None and amount > caps[host] + 1e-9]


def _host_cores() -> dict[str, float]:
    import re

    text = Path(SUBSTRATE).read_text()
    return {m.group(1): float(m.group(2)) for m in re.finditer(
        r"<vNode>\s*<id>([^<]+)</id>.*?<cores>\s*<simple>([^<]+)</simple>", text, re.S)}


def concurrent_cases(rounds: int, rng: random.Random) -> None:
    base = Path(tempfile.mkdtemp(prefix="red5-conc-"))
    for i in range(rounds):
        state = base / f"s{i}"
        run(state, "status")
        procs = []
        for _ in range(rng.randint(2, 4)):
            kind = rng.choice(["deploy", "deploy", "deploy", "status", "teardown", "migrate"])
            if kind == "deploy":
                argv = ["deploy", SUBSTRATE, rng.choice(REQUESTS), "--now", "--backend", "test"]
            elif kind == "teardown":
                argv = ["teardown", "--all"]
            elif kind == "migrate":
                argv = ["migrate", "n1", rng.choice(["P1", "P2", "P5"])]
            else:
                argv = ["status"]
            procs.append((kind, start(state, *argv)))
        found = []
        for kind, proc in procs:
            res = finish(proc)
            found += [f"{kind}: {p}" for p in problems(res)]
        try:
            found += capacity_ok(state)
        except Exception as exc:  # the bench's own reading of the substrate
            found.append(f"bench: {exc!r}")
        down = run(state, "teardown", "--all")
        found += [f"teardown: {p}" for p in problems(down, allowed=(0,))]
        found += leftovers(state, "test")
        record("concurrent", f"round {i} ({', '.join(k for k, _ in procs)})", found)
    shutil.rmtree(base, ignore_errors=True)


# ----- the database's files -----
def deployed_state(base: Path, name: str) -> Path:
    state = base / (name if "space" in name else name.replace(" ", "_").replace("/", "_"))
    res = run(state, "deploy", SUBSTRATE, REQUESTS[0], "--now", "--backend", "test")
    if res[0] != 0:
        raise SetupFailed(f"deploy: {res[0]}: {res[2].strip()[:200]}")
    return state


class SetupFailed(Exception):
    """The deploy a case starts from failed: the case fails."""


def file_cases() -> None:
    base = Path(tempfile.mkdtemp(prefix="red5-files-"))
    os.chmod(base, 0o755)
    db = "deployments.db"

    def damage(name: str, act, commands=(("status",), ("teardown", "--all"),
                                       ("deploy", SUBSTRATE, REQUESTS[1], "--now", "--backend", "test")),
               user: str | None = None, names_file: bool = True) -> None:
        try:
            state = deployed_state(base, name)
        except SetupFailed as exc:
            record("files", name, [str(exc)])
            return
        try:
            act(state)
        except OSError as exc:
            record("files", name, [f"bench could not set up: {exc}"])
            return
        found = []
        for argv in commands:
            res = run(state, *argv, user=user)
            found += [f"{argv[0]}: {p}" for p in problems(res)]
            if res[0] not in (0, "hang") and names_file and str(state) not in res[2]:
                found.append(f"{argv[0]}: the file is not named: {res[2].strip()[:160]}")
        record("files", name, found)

    def wal(state: Path) -> Path:
        return state / f"{db}-wal"

    def keep_wal(state: Path) -> None:
        """Leave a WAL with content: a reader holding the database open while a write happens."""
        conn = sqlite3.connect(state / db)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE meta SET value = value WHERE key = 'schema'")
        conn.commit()
        os.system(f"cp {state / db}-wal {state}/.wal.keep; cp {state / db}-shm {state}/.shm.keep")
        conn.close()
        shutil.copy(state / ".wal.keep", wal(state))
        shutil.copy(state / ".shm.keep", state / f"{db}-shm")

    def zero(path: Path) -> None:
        size = path.stat().st_size if path.exists() else 32768
        path.write_bytes(b"\0" * size)

    def garbage(path: Path) -> None:
        size = path.stat().st_size if path.exists() else 32768
        path.write_bytes(bytes(random.Random(5).randrange(256) for _ in range(size)))

    damage("state dir path with a space", lambda s: None)
    damage("wal zeroed", lambda s: (keep_wal(s), zero(wal(s))))
    damage("wal garbage", lambda s: (keep_wal(s), garbage(wal(s))))
    damage("wal truncated to 100", lambda s: (keep_wal(s), os.truncate(wal(s), 100)))
    damage("shm zeroed", lambda s: (keep_wal(s), zero(s / f"{db}-shm")))
    damage("shm garbage", lambda s: (keep_wal(s), garbage(s / f"{db}-shm")))
    damage("wal a directory", lambda s: os.mkdir(wal(s)))
    damage("wal a FIFO", lambda s: os.mkfifo(wal(s)))
    damage("wal a symlink to /dev/zero", lambda s: os.symlink("/dev/zero", wal(s)))
    damage("shm a symlink to nothing", lambda s: os.symlink(s / "nothing", s / f"{db}-shm"))
    damage("shm a FIFO", lambda s: os.mkfifo(s / f"{db}-shm"))
    damage("db a directory", lambda s: ((s / db).unlink(), os.mkdir(s / db)))
    damage("db truncated to 0", lambda s: os.truncate(s / db, 0))
    damage("db truncated to 4096", lambda s: os.truncate(s / db, 4096))
    damage("db header only", lambda s: os.truncate(s / db, 100))
    damage("db zeroed", lambda s: zero(s / db))
    damage("db page 2 garbage", lambda s: _overwrite(s / db, 4096, 4096))
    damage("locks dir a file", lambda s: (shutil.rmtree(s / "locks"), (s / "locks").write_text("x")))
    damage("state.lock a directory", lambda s: ((s / "state.lock").unlink(missing_ok=True),
                                                os.mkdir(s / "state.lock")))
    damage("state.lock a FIFO", lambda s: ((s / "state.lock").unlink(missing_ok=True), os.mkfifo(s / "state.lock")))
    damage("state.lock symlink to /dev/zero", lambda s: ((s / "state.lock").unlink(missing_ok=True),
                                                         os.symlink("/dev/zero", s / "state.lock")))
    damage("deployments dir a FIFO", lambda s: (shutil.rmtree(s / "deployments", ignore_errors=True),
                                                os.mkfifo(s / "deployments")))
    # another user: `nobody` runs the commands on a root-owned state directory
    damage("owned by root, run as nobody", lambda s: _chmod_tree(s, 0o755, 0o644), user="nobody")
    damage("db read-only to nobody", lambda s: (_chown_tree(s, "nobody"), os.chown(s / db, 0, 0),
                                                os.chmod(s / db, 0o644)), user="nobody")
    damage("wal owned by root, run as nobody", lambda s: (keep_wal(s), _chown_tree(s, "nobody"),
                                                          os.chown(wal(s), 0, 0), os.chmod(wal(s), 0o644)),
           user="nobody")
    damage("state dir 0500 to nobody", lambda s: (_chown_tree(s, "nobody"), os.chmod(s, 0o500)), user="nobody")
    damage("future schema", lambda s: _sql(s, "PRAGMA user_version = 2"))
    damage("schema without holds table", lambda s: _sql(s, "DROP TABLE holds"))
    damage("holds with an extra NOT NULL column", lambda s: _sql(
        s, "ALTER TABLE holds ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'"))
    damage("components table renamed", lambda s: _sql(s, "ALTER TABLE components RENAME TO c2"))
    damage("deployments without lease_end column", lambda s: _sql(
        s, "ALTER TABLE deployments DROP COLUMN lease_end"))
    damage("a trigger that aborts deletes", lambda s: _sql(
        s, "CREATE TRIGGER nodel BEFORE DELETE ON deployments BEGIN SELECT RAISE(ABORT, 'no'); END"))
    damage("a view named holds", lambda s: _sql(s, "DROP TABLE holds; CREATE VIEW holds AS SELECT 1 AS x"))
    damage("journal mode delete", lambda s: _sql(s, "PRAGMA journal_mode = DELETE"))
    full_disk_cases(base)
    shutil.rmtree(base, ignore_errors=True)


def _sql(state: Path, script: str) -> None:
    conn = sqlite3.connect(state / "deployments.db", isolation_level=None)
    try:
        conn.executescript(script)
    finally:
        conn.close()


def _overwrite(path: Path, offset: int, size: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(bytes(random.Random(7).randrange(256) for _ in range(size)))


def _chmod_tree(state: Path, dirs: int, files: int) -> None:
    for p in [state, *state.rglob("*")]:
        os.chmod(p, dirs if p.is_dir() else files)


def _chown_tree(state: Path, user: str) -> None:
    import pwd

    info = pwd.getpwnam(user)
    for p in [state, *state.rglob("*")]:
        os.chown(p, info.pw_uid, info.pw_gid, follow_symlinks=False)


def full_disk_cases(base: Path) -> None:
    """The state directory on a tiny tmpfs, filled: deploy, status, teardown."""
    if os.geteuid() != 0:
        return
    mnt = base / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "red5tiny", str(mnt)]).returncode:
        record("files", "full disk", ["bench could not mount a tmpfs"])
        return
    try:
        for n, fill_after in enumerate((False, True)):
            state = mnt / f"s{n}"
            found = []
            if fill_after:
                res = run(state, "deploy", SUBSTRATE, REQUESTS[0], "--now", "--backend", "test")
                found += [f"first deploy: {p}" for p in problems(res)]
            subprocess.run(["dd", "if=/dev/zero", f"of={mnt}/fill{n}", "bs=4k"], capture_output=True)
            for argv in (("deploy", SUBSTRATE, REQUESTS[1], "--now", "--backend", "test"), ("status",),
                         ("teardown", "--all")):
                res = run(state, *argv)
                found += [f"{argv[0]}: {p}" for p in problems(res)]
            (mnt / f"fill{n}").unlink()
            res = run(state, "teardown", "--all")
            found += [f"teardown after room: {p}" for p in problems(res, allowed=(0,))]
            found += leftovers(state, "test")
            record("files", f"full disk ({'after a deploy' if fill_after else 'empty'})", found)
        try:
            state = deployed_state(mnt, "ro")
        except SetupFailed as exc:
            record("files", "read-only file system", [str(exc)])
            return
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        found = []
        for argv in (("status",), ("teardown", "--all"), ("deploy", SUBSTRATE, REQUESTS[1], "--now",
                                                          "--backend", "test")):
            res = run(state, *argv)
            found += [f"{argv[0]}: {p}" for p in problems(res)]
            if argv[0] == "status" and res[0] != 0:
                found.append("status on a read-only disk: " + res[2].strip()[:160])
        subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=True)
        record("files", "read-only file system", found)
    finally:
        subprocess.run(["umount", str(mnt)])


# ----- hostile records -----
def renamed(new_id: str) -> str:
    """SQL giving the deployment another id (an SQL expression), its components and holds following."""
    return (f"PRAGMA foreign_keys=OFF; UPDATE deployments SET id = {new_id}; "
            f"UPDATE components SET deployment = {new_id}; UPDATE holds SET deployment = {new_id}")


def record_cases() -> None:
    base = Path(tempfile.mkdtemp(prefix="red5-rec-"))
    cases = {
        "owner_pid of a live process, state deploying": "UPDATE deployments SET state = 'deploying', owner_pid = 1",
        "owner_pid negative": "UPDATE deployments SET owner_pid = -5",
        "owner_pid huge": "UPDATE deployments SET owner_pid = 99999999999999999",
        "owner_pid text": "UPDATE deployments SET owner_pid = 'x'",
        "state damaged": "UPDATE deployments SET state = 'damaged'",
        "id with a slash": renamed("'../../etc/x'"),
        "id empty": renamed("''"),
        "id with newline": renamed("'d1' || char(10) || 'FAKE torn down'"),
        "id 10000 chars": renamed("printf('%.10000c', 'd')"),
        "backend unknown": "UPDATE deployments SET backend = 'libvirt2'",
        "backend netns (test objects)": "UPDATE deployments SET backend = 'netns'",
        "substrate other": "UPDATE deployments SET substrate = 'other'",
        "created garbage": "UPDATE deployments SET created = 'yesterday'",
        "created blob": "UPDATE deployments SET created = x'00ff'",
        "vxis not a list": "UPDATE deployments SET vxis = '{\"a\": 1}'",
        "vxis a huge number": "UPDATE deployments SET vxis = '1e999'",
        "details nested deeply": "UPDATE deployments SET details = printf('%.5000c', '[') || printf('%.5000c', ']')",
        "details NaN": "UPDATE deployments SET details = json_set(details, '$.time', json('{\"speed\": 1}'))",
        "lease_end in the past": "UPDATE deployments SET lease_start = 0, lease_end = 1",
        "lease_end 1e300": "UPDATE deployments SET lease_end = 1e300",
        "hold amount huge": "UPDATE holds SET amount = 1e308",
        "hold held_until before held_from": "UPDATE holds SET held_from = 100, held_until = 1",
        "hold held_from 1e300": "UPDATE holds SET held_from = 1e300",
        "hold element unknown": "UPDATE holds SET element = 'nowhere'",
        "hold of no deployment": "PRAGMA foreign_keys=OFF; UPDATE holds SET deployment = 'ghost'",
        "hold part garbage": "UPDATE holds SET part = '[1,2,3]'",
        "hold amount text": "UPDATE holds SET amount = 'lots'",
        "component of no deployment": "PRAGMA foreign_keys=OFF; UPDATE components SET deployment = 'ghost'",
        "component addresses garbage": "UPDATE components SET addresses = 'not json'",
        "component interfaces wrong keys": "UPDATE components SET interfaces = '[{\"x\": 1}]'",
        "component position text": "UPDATE components SET position = 'p'",
        "hold part nested deeply": "UPDATE holds SET part = printf('%.5000c', '[') || printf('%.5000c', ']')",
        "addresses nested deeply": "UPDATE components SET addresses = printf('%.5000c', '[') || printf('%.5000c', ']')",
        "meta clock nested deeply": "INSERT OR REPLACE INTO meta VALUES ('clock', printf('%.5000c', '[') || "
                                    "printf('%.5000c', ']'))",
        "meta deploy_times nested deeply": "INSERT OR REPLACE INTO meta VALUES ('deploy_times', printf('%.5000c', "
                                           "'[') || printf('%.5000c', ']'))",
        "meta clock garbage": "INSERT OR REPLACE INTO meta VALUES ('clock', '{\"speed\": \"fast\"}')",
        "meta clock NaN": "INSERT OR REPLACE INTO meta VALUES ('clock', '{\"speed\": NaN, \"origin\": 0}')",
        "meta clock huge speed": "INSERT OR REPLACE INTO meta VALUES ('clock', '{\"speed\": 1e308, \"origin\": 0}')",
        "meta deploy_times garbage": "INSERT OR REPLACE INTO meta VALUES ('deploy_times', '[[[')",
        "meta deploy_times negative": "INSERT OR REPLACE INTO meta VALUES ('deploy_times', '{\"test\": [-1, 1e308]}')",
        "two deployments one id case": "INSERT INTO deployments SELECT 'D1', backend, substrate, state, created, "
                                       "lease_start, lease_end, owner_pid, error, vxis, details FROM deployments",
    }
    for name, sql in cases.items():
        try:
            state = deployed_state(base, name)
        except SetupFailed as exc:
            record("records", name, [str(exc)])
            continue
        try:
            _sql(state, sql)
        except sqlite3.Error as exc:
            record("records", name, [f"bench: {exc}"])
            continue
        found = []
        for argv in (("status",), ("status", "--json"), ("deploy", SUBSTRATE, REQUESTS[1], "--now", "--backend",
                                                         "test"), ("teardown", "--all"), ("status",)):
            res = run(state, *argv)
            found += [f"{' '.join(argv[:2])}: {p}" for p in problems(res)]
        leftover_files = [str(p) for p in (state / "deployments").rglob("*.xml")] if (state / "deployments").is_dir() \
            else []
        if leftover_files:
            found.append(f"host files left: {leftover_files[:2]}")
        outside = list(Path(base).parent.glob("etc/x*"))
        if outside:
            found.append(f"wrote outside the state dir: {outside}")
        record("records", name, found)
    shutil.rmtree(base, ignore_errors=True)


# ----- isolation (root): a tenant that turns IPv6 back on and tries every way out -----
def _in(ns: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True, timeout=30)


def _replies(ns: str, *argv: str) -> list[str]:
    out = _in(ns, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", *argv).stdout
    return [line for line in out.splitlines() if "bytes from" in line]


def _own_link_local(ns: str) -> str:
    out = _in(ns, "ip", "-6", "-o", "addr", "show", "dev", "e0").stdout
    return next((w.split("/")[0] for w in out.split() if w.startswith("fe80")), "")


def isolation_cases() -> None:
    if os.geteuid() != 0:
        return
    state = Path(tempfile.mkdtemp(prefix="red5-iso-"))
    files = [str(EXAMPLES / f) for f in ("figure6-substrate.vxdl", "figure6-vxi-a.vxdl", "figure6-vxi-b.vxdl")]
    res = run(state, "deploy", *files, "--now", "--backend", "netns")
    tag = ""
    if res[0] != 0:
        record("isolation", "deploy", problems(res) or [res[2].strip()[:200]])
        return
    try:
        tag = db_rows(state, "SELECT id FROM deployments")[0][0]
        names = netns_left(f"vxi{tag}-")
        a1 = next(n for n in names if n.endswith("-c-vxi-a-a1"))
        b1 = next(n for n in names if n.endswith("-c-vxi-b-b1"))
        host = next(n for n in names if n.endswith("-h-left"))
        for ns in (a1, b1):  # both tenants hostile: IPv6 back on in their namespaces
            _in(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.e0.disable_ipv6=0")
        time.sleep(3)
        own, other = _own_link_local(a1), _own_link_local(b1)
        cases = {
            "ipv6 all nodes": lambda: [r for r in _replies(a1, "-6", "ff02::1%e0") if own not in r],
            "ipv6 all routers (solicitation)": lambda: _replies(a1, "-6", "ff02::2%e0"),
            "ipv6 other tenant's link-local": lambda: _replies(a1, "-6", f"{other}%e0") if other else ["no address"],
            "ipv4 limited broadcast": lambda: _replies(a1, "-b", "255.255.255.255"),
            "ipv4 all-hosts multicast": lambda: _replies(a1, "224.0.0.1"),
            "ipv4 subnet broadcast": lambda: [r for r in _replies(a1, "-b", "10.0.1.255") if "10.0.1.1" not in r],
        }
        uplink = _in(host, "ip", "-4", "-o", "addr", "show", "dev", "upl").stdout.split()
        address = next((w.split("/")[0] for w in uplink if w.count(".") == 3), "")
        _in(a1, "ip", "route", "add", "172.30.0.0/16", "via", "10.0.1.1")
        cases["host uplink via the VXI's router"] = lambda: _replies(a1, address)
        cases["host uplink by ARP on the segment"] = lambda: (
            _in(a1, "ip", "route", "replace", "172.30.0.0/16", "dev", "e0"), _replies(a1, address),
            [ln for ln in _in(a1, "ip", "neigh", "show", address).stdout.splitlines() if "lladdr" in ln])[2]
        for name, probe in cases.items():
            found = probe()
            record("isolation", name, [f"answered: {found[:2]}"] if found else [])
    finally:
        down = run(state, "teardown", "--all")
        left = netns_left(f"vxi{tag}-") if tag else []
        record("isolation", "teardown", problems(down, allowed=(0,)) + ([f"namespaces left: {left}"] if left else []))
        shutil.rmtree(state, ignore_errors=True)


def main() -> None:
    args = options(kills=20, seed=5)
    rng = random.Random(args.seed)
    groups = {
        "kill-test": lambda: kill_cases(args.kills, "test", rng),
        "kill-netns": lambda: kill_cases(args.kills, "netns", rng) if os.geteuid() == 0 else None,
        "concurrent": lambda: concurrent_cases(args.kills, rng),
        "files": file_cases,
        "records": record_cases,
        "isolation": isolation_cases,
    }
    for name, group in groups.items():
        if not args.only or args.only in name:
            group()
    summary()


if __name__ == "__main__":
    main()

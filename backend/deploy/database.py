"""The deployments database: one SQLite file (WAL, one transaction per change) holding every deployment, its
components and the substrate capacity it holds. `state.py` is the way in; this module knows the tables.

Schema (version 1; `PRAGMA user_version`):
- `deployments`: id, backend, substrate (its id), state, created, lease_start/lease_end (epoch s; NULL: at
  once / until torn down), owner_pid (the process deploying it), error, vxis (JSON list), details (JSON: files,
  hosts, segments, resources, notices, history and flags of the record);
- `components`: one row per deployed component (deployment, key, vxi, id, kind, host, state, name, addresses
  and interfaces as JSON, position);
- `holds`: capacity a deployment holds on its substrate: kind (host/link), element (host or physical link id),
  dimension (cores, memory, storage, forward, reverse), amount, held_from/held_until (epoch s, NULL: unbounded),
  part (for what a component holds on its host: the JSON list `["VXI", "component"]`, so that ids holding '/'
  stay apart; "VXI/component", split at its first '/', in a database of an earlier version);
- `meta`: key/value notes (the schema's name; `clock`: the deployments' clock as JSON, see `clock.py`; `deploy_times`:
  the real seconds per object of the last deploys per backend, see `prepare.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from backend.deploy import locks
from backend.deploy.record import STATES, ComponentRecord, DeploymentRecord, Interface, Resource

if TYPE_CHECKING:  # the embedding engine (numpy, scipy) is not loaded by commands that only read VXDL
    from backend.embedding.held import Hold

SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 60.0
BUSY_SLICE_MS = 100  # a wait for the write lock goes in slices this long: an interrupt, or a closing window, ends it

_STATE_LIST = ", ".join(f"'{s}'" for s in (*STATES, "damaged"))
SCHEMA = f"""
CREATE TABLE deployments (
    id          TEXT PRIMARY KEY,
    backend     TEXT NOT NULL,
    substrate   TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL CHECK (state IN ({_STATE_LIST})),
    created     TEXT NOT NULL,
    lease_start REAL,
    lease_end   REAL,
    owner_pid   INTEGER,
    error       TEXT,
    vxis        TEXT NOT NULL DEFAULT '[]',
    details     TEXT NOT NULL DEFAULT '{{}}'
);
CREATE TABLE components (
    deployment  TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    vxi         TEXT NOT NULL,
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    host        TEXT NOT NULL,
    state       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    addresses   TEXT NOT NULL DEFAULT '[]',
    interfaces  TEXT NOT NULL DEFAULT '[]',
    position    INTEGER NOT NULL,
    PRIMARY KEY (deployment, key)
);
CREATE TABLE holds (
    deployment  TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    substrate   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('host', 'link')),
    element     TEXT NOT NULL,
    dimension   TEXT NOT NULL CHECK (dimension IN ('cores', 'memory', 'storage', 'forward', 'reverse')),
    amount      REAL NOT NULL CHECK (amount >= 0),
    held_from   REAL,
    held_until  REAL,
    part        TEXT
);
CREATE INDEX holds_of_substrate ON holds (substrate);
CREATE INDEX holds_of_deployment ON holds (deployment);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', 'vxi-designer deployments');
PRAGMA user_version = {SCHEMA_VERSION};
"""

DEPLOYMENT_COLUMNS = ("id, backend, substrate, state, created, lease_start, lease_end, owner_pid, error, vxis, "
                      "details")  # in the order `read_record` takes them
_DETAILS = ("files", "hosts", "segments", "resources", "notices", "history", "outlives_process", "real_counters",
            "time")


def part_label(part: tuple[str, str]) -> str:
    """The `holds.part` label of what a component holds: its VXI and its id as a JSON list, never ambiguous."""
    return json.dumps(list(part), ensure_ascii=False)


def legacy_part_label(part: tuple[str, str]) -> str:
    """The label an earlier version stored ("VXI/component"), still matched in its databases."""
    return "/".join(part)


def part_of(label: str) -> tuple[str, str]:
    """A `holds.part` label as (VXI, component); an earlier version's "VXI/component" split at its first '/'."""
    if label.startswith("["):
        with contextlib.suppress(ValueError, RecursionError):
            value = json.loads(label)
            if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
                return value[0], value[1]
    vxi, _, comp = label.partition("/")
    return vxi, comp


class StateError(RuntimeError):
    """The deployments database (or one record in it) cannot be used: the message names the file."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message)
        self.path = path


_checked: set[str] = set()  # databases found sound by this process (checked once)


class Database:
    """One connection to the deployments database; `read()` and `write()` are its transactions."""

    def __init__(self, path: Path):
        self.path = path
        _require_regular(path)
        if not path.exists():
            raise StateError(f"{path}: no deployments database", path)
        self.read_only = False  # opened as it stands: its directory cannot be written (a read-only disk)
        try:
            self._connect(path, timeout=BUSY_TIMEOUT_S)
        except StateError:
            if not self._unwritable():
                raise
            self._open_as_it_stands()

    def _connect(self, target: Path | str, **options) -> None:
        """Connect to the database and check it; the connection is closed again when it cannot be used."""
        try:
            self.conn = sqlite3.connect(target, isolation_level=None, **options)
        except sqlite3.Error as exc:
            raise self.failure(exc) from None
        try:
            self._prepare()
        except BaseException:
            self.conn.close()
            raise

    def _unwritable(self) -> bool:
        """Whether the database's directory cannot be written (SQLite's WAL then cannot open it as usual)."""
        return not os.access(self.path.parent, os.W_OK)

    def _open_as_it_stands(self) -> None:
        """Open the database read-only and unchanging (SQLite's `immutable`): a read-only disk is read, never
        written; refused when its write-ahead log holds changes that only a writable directory can merge."""
        wal = self.path.with_name(self.path.name + "-wal")
        with contextlib.suppress(OSError):
            if wal.stat().st_size > 0:
                raise StateError(f"{self.path}: cannot use the deployments database: its directory is read-only and "
                                 f"its latest changes are still in {wal.name}", self.path)
        self.read_only = True
        self._connect(f"{self.path.absolute().as_uri()}?immutable=1", uri=True)

    def damaged(self, exc: BaseException) -> StateError:
        """The error naming this database as damaged, with what to do."""
        return StateError(f"{self.path}: the deployments database is damaged ({exc}); move it away to start "
                          "afresh (`vxi teardown --all` still removes this state directory's deployments, found by "
                          "name)", self.path)

    def _prepare(self) -> None:
        with self._sql():
            self.conn.execute("PRAGMA foreign_keys = ON")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StateError(f"{self.path}: the deployments database was written by a newer version of VXI "
                                 f"Designer (schema {version}, this one reads {SCHEMA_VERSION})", self.path)
            if version == 0:
                raise self.damaged(sqlite3.DatabaseError("it holds no deployments: empty or truncated"))
            if str(self.path) not in _checked:
                problems = [row[0] for row in self.conn.execute("PRAGMA quick_check")]
                if problems != ["ok"]:
                    raise self.damaged(sqlite3.DatabaseError("; ".join(problems[:3])))
                if not self._tables_present():
                    raise self.damaged(sqlite3.DatabaseError("its tables are missing"))
        _checked.add(str(self.path))

    @staticmethod
    def create(path: Path) -> None:
        """Write a new, empty database at `path` (built aside, then renamed into place: a reader never sees
        half a database)."""
        if os.path.islink(path):  # to nothing, or a loop: what it named may hold deployments (a disk not mounted)
            raise StateError(f"{path}: a symbolic link to a missing file or a loop, so not a deployments database "
                             "(nothing was created in its place; move it away)", path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.executescript(f"BEGIN; {SCHEMA} COMMIT;")
                conn.execute("PRAGMA journal_mode = WAL")
            finally:
                conn.close()
            os.replace(tmp, path)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{path}: cannot create the deployments database: {exc}", path) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def _tables_present(self) -> bool:
        names = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {"deployments", "components", "holds", "meta"} <= names

    @contextlib.contextmanager
    def _sql(self) -> Iterator[None]:
        """SQLite's own errors as a StateError naming the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise self.failure(exc) from None

    def failure(self, exc: sqlite3.Error) -> StateError:
        """An SQLite error in words: busy, no access, a full disk, or damage."""
        kind = (getattr(exc, "sqlite_errorname", "") or "").partition("_")[2].split("_")[0]
        if kind in ("BUSY", "LOCKED"):
            return StateError(f"{self.path}: the deployments database stayed locked by another command for "
                              f"{BUSY_TIMEOUT_S:.0f} s", self.path)
        if self.read_only and kind in ("READONLY", "CANTOPEN", "PERM", "IOERR"):
            return StateError(f"{self.path}: the deployments database is on a read-only disk or directory: "
                              "deployments can be listed, not changed", self.path)
        if kind in ("READONLY", "CANTOPEN", "PERM", "AUTH", "FULL", "IOERR"):
            full = " (no space left on the device: free some, then run the command again)" \
                if kind == "IOERR" and _no_space_left(self.path) else ""
            return StateError(f"{self.path}: cannot use the deployments database: {exc}{full}", self.path)
        return self.damaged(exc)

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot to read from."""
        with self._sql():
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One change, all or nothing: the database's write lock is held from its start."""
        with self._sql():
            self._begin_writing()
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _begin_writing(self) -> None:
        """Take the write lock, waiting for another process's change at most BUSY_TIMEOUT_S, in short slices: a
        signal (Ctrl-C, SIGTERM) is handled between two, and the event of `locks.ended_by` ends the wait."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        self.conn.execute(f"PRAGMA busy_timeout = {BUSY_SLICE_MS}")
        try:
            while True:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if not _busy(exc) or time.monotonic() >= deadline:
                        raise
                ends = locks.ending()
                if ends is not None and ends.is_set():
                    raise StateError(f"{self.path}: stopped waiting for the deployments database, which another "
                                     "command is writing (closing)", self.path)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def _busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite said the database is locked by another connection (Python 3.10 gives no error name)."""
    name = getattr(exc, "sqlite_errorname", None)
    if name is not None:
        return name in ("SQLITE_BUSY", "SQLITE_LOCKED")
    return str(exc).startswith(("database is locked", "database table is locked"))


def _require_regular(path: Path) -> None:
    """The database (and its WAL files) must be regular files, or absent: never a device, FIFO or directory."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = os.stat(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise StateError(f"{candidate}: cannot open the deployments database: {exc.strerror}", path) from None
        if not stat.S_ISREG(info.st_mode):
            raise StateError(f"{candidate}: not a regular file, so not a deployments database (move it away)", path)


# ----- records as rows -----
def write_record(conn: sqlite3.Connection, record: DeploymentRecord, owner_pid: int | None = None) -> None:
    """Insert or replace a deployment's row and its components (its holds stay as they are)."""
    data = record.to_json()
    details = json.dumps({k: data[k] for k in _DETAILS})
    lease = (record.time.get("schedule") or {}).get("lease") or [None, None]
    conn.execute(
        "INSERT INTO deployments (id, backend, substrate, state, created, lease_start, lease_end, owner_pid, error, "
        "vxis, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "backend = excluded.backend, substrate = excluded.substrate, state = excluded.state, "
        "lease_start = excluded.lease_start, lease_end = excluded.lease_end, error = excluded.error, "
        "vxis = excluded.vxis, details = excluded.details, owner_pid = COALESCE(excluded.owner_pid, owner_pid)",
        (record.id, record.backend, record.substrate, record.state, record.created, lease[0], lease[1], owner_pid,
         record.error, json.dumps(record.vxis), details))
    conn.execute("DELETE FROM components WHERE deployment = ?", (record.id,))
    conn.executemany(
        "INSERT INTO components (deployment, key, vxi, id, kind, host, state, name, addresses, interfaces, position) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(record.id, key, c.vxi, c.id, c.kind, c.host, c.state, c.name, json.dumps(c.addresses),
          json.dumps([asdict(i) for i in c.interfaces]), n) for n, (key, c) in enumerate(record.components.items())])


def insert_holds(conn: sqlite3.Connection, deployment_id: str, substrate: str, holds: Iterable[Hold]) -> None:
    """Store the capacity a deployment holds (unbounded moments as NULL)."""
    def bound(value: float) -> float | None:
        return None if value in (float("inf"), float("-inf")) else value

    conn.executemany("INSERT INTO holds (deployment, substrate, kind, element, dimension, amount, held_from, "
                     "held_until, part) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(deployment_id, substrate, h.kind, h.element, h.dimension, h.amount, bound(h.start),
                       bound(h.end), part_label(h.part) if h.part else None) for h in holds])


def read_record(conn: sqlite3.Connection, row: sqlite3.Row | tuple) -> DeploymentRecord:
    """A deployment's record from its row and its components' rows (ValueError, TypeError or KeyError when
    a stored value is damaged)."""
    (ident, backend, substrate, state, created, _start, _end, _owner, error, vxis, details) = row
    extra = json.loads(details)
    if not isinstance(extra, dict):
        raise ValueError("its details are not a JSON object")
    record = DeploymentRecord(ident, backend, substrate, list(json.loads(vxis)), created=created, state=state,
                              error=error, **{k: v for k, v in extra.items() if k in _DETAILS and k != "resources"})
    record.resources = [Resource(**r) for r in extra.get("resources", [])]
    for key, vxi, cid, kind, host, cstate, name, addresses, interfaces in conn.execute(
            "SELECT key, vxi, id, kind, host, state, name, addresses, interfaces FROM components "
            "WHERE deployment = ? ORDER BY position", (ident,)):
        record.components[key] = ComponentRecord(vxi, cid, kind, host, cstate, list(json.loads(addresses)), name,
                                                 [Interface(**i) for i in json.loads(interfaces)])
    record.check()
    _check_time(record)
    return record


def _check_time(record: DeploymentRecord) -> None:
    """ValueError when the record's time fields (schedule, periods, moves) do not read: as `vxi status` and the
    agent read them."""
    from backend.deploy.time_status import describe_time, time_json

    try:
        time_json(record)
        describe_time(record, 0.0)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError, OverflowError) as exc:
        raise ValueError(f"its time fields do not read ({type(exc).__name__}: {exc})") from None


def _no_space_left(path: Path) -> bool:
    """True when the file system holding `path` has no block left (SQLite says a full disk met while it grows its
    shared-memory file as a 'disk I/O error')."""
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False

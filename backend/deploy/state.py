"""Deployment state: the deployments database under the state directory ($VXI_STATE_DIR, else
$XDG_STATE_HOME/vxi-designer, else ~/.local/state/vxi-designer), the locks that serialise the commands using it,
the capacity deployments hold, and finding a deployment or a component.

Every change is one SQLite transaction (`database.py`). Deploying takes the admission lock while it embeds
against what the other deployments hold and reserves its own share, so concurrent deploys are admitted one at a
time; a command working on a deployment holds that deployment's lock, so a deploy killed with -9 is seen as
interrupted (its lock is free while its record still says deploying)."""

from __future__ import annotations

import contextlib
import glob
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from backend.deploy import legacy, locks
from backend.deploy.clock import REAL, Clock
from backend.deploy.database import (
    Database,
    StateError,
    insert_holds,
    legacy_part_label,
    part_label,
    part_of,
    write_record,
)
from backend.deploy.reading import Damaged, Survey, damage, read_all
from backend.deploy.record import DEPLOYING, HOLDING, INTERRUPTED, INTERRUPTED_WHY, RUNNING, DeploymentRecord, valid_id
from backend.embedding.held import Hold

__all__ = ["Damaged", "Gone", "StateError", "Survey", "admission", "agent_lock", "agent_pid", "claim", "clock",
           "database", "database_path", "deployments_dir", "exists", "files_dir", "forget", "gone", "hold_until",
           "holds_on", "load", "load_all", "locate", "move_holds", "pick_record", "release", "reserve", "save",
           "save_states", "set_clock_speed", "state_dir", "survey"]


# ----- where -----
def state_dir() -> Path:
    """The directory of the deployments database and the deployments' own files."""
    if os.environ.get("VXI_STATE_DIR"):
        return Path(os.environ["VXI_STATE_DIR"])
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "vxi-designer"


def database_path() -> Path:
    """The deployments database."""
    return state_dir() / "deployments.db"


def deployments_dir(create: bool = True) -> Path:
    """Where each deployment's own files live (one sub-directory per deployment id; created on demand, and
    StateError naming it when it cannot be: a file or FIFO in its place)."""
    path = state_dir() / "deployments"
    if create:
        _make_dir(path)
    return path


def files_dir(deployment_id: str) -> Path:
    """A deployment's own directory (libvirt test-driver host files live there)."""
    path = deployments_dir() / _checked_id(deployment_id)
    _make_dir(path)
    return path


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(f"{path}: cannot make the deployments' folder: {exc.strerror or exc}", path) from None


def _checked_id(deployment_id: str) -> str:
    if not valid_id(deployment_id):
        raise StateError(f"{deployment_id!r} is not a deployment id (letters, digits, '-' and '_')")
    return deployment_id


def _lock_path(deployment_id: str) -> Path:
    return state_dir() / "locks" / f"{_checked_id(deployment_id)}.lock"


def has_lock_file(deployment_id: str) -> bool:
    """Whether this state directory made the deployment: its lock file stays from its deploy to its teardown."""
    return valid_id(deployment_id) and _lock_path(deployment_id).is_file()


# ----- locks -----
_admission = threading.local()
ADMISSION_WAIT_S = float(os.environ.get("VXI_LOCK_WAIT_S", "300"))  # longest wait for the admission lock
ADMISSION_NOTE_S = 10.0  # a wait this long is said on standard error (others' admissions take seconds)


@contextlib.contextmanager
def admission() -> Iterator[None]:
    """Hold the state's admission lock (waiting for it): one command at a time embeds against what the others
    hold and reserves its share. Re-entrant within a thread."""
    depth = getattr(_admission, "depth", 0)
    if depth:
        _admission.depth = depth + 1
        try:
            yield
        finally:
            _admission.depth -= 1
        return
    path = state_dir() / "state.lock"

    def waiting(pid: int | None) -> None:
        logging.getLogger("vxi").warning("waiting for %s, which holds the deployments' admission lock %s (at most "
                                         "%.0f s)", f"process {pid}" if pid else "another process", path,
                                         ADMISSION_WAIT_S)

    try:
        lock = locks.Lock(path, wait_s=ADMISSION_WAIT_S, waiting=waiting, note_after_s=ADMISSION_NOTE_S)
    except OSError as exc:
        raise StateError(f"{path}: cannot take the state's lock: {exc.strerror or exc}", path) from None
    except locks.GaveUp as exc:
        who = f"process {exc.pid}" if exc.pid else "another process"
        raise StateError(f"{path}: stopped waiting for the deployments' admission lock, held by {who} (closing)",
                         path) from None
    except locks.Busy as exc:
        who = f"process {exc.pid}" if exc.pid else "another process"
        raise StateError(f"{path}: the deployments' admission lock stayed held by {who} for {ADMISSION_WAIT_S:.0f} "
                         "s (a deploy, migration or agent that is stuck or stopped?)", path) from None
    _admission.depth = 1
    try:
        yield
    finally:
        _admission.depth = 0
        lock.release()


class DeploymentBusy(StateError):
    """Another command works on this deployment now."""


def claim(deployment_id: str) -> locks.Lock:
    """This deployment's lock, held until released (DeploymentBusy naming the process holding it otherwise)."""
    path = _lock_path(deployment_id)
    try:
        return locks.Lock(path, blocking=False)
    except OSError as exc:
        raise StateError(f"{path}: cannot take the deployment's lock: {exc.strerror or exc}", path) from None
    except locks.Busy as exc:
        who = f"process {exc.pid}" if exc.pid else "another process"
        raise DeploymentBusy(f"deployment {deployment_id} is busy: {who} is deploying, migrating or tearing it down "
                             "(try again when it has finished)") from None


def busy(deployment_id: str) -> bool:
    """Whether a command holds the deployment now (deploying, migrating or tearing it down)."""
    return valid_id(deployment_id) and locks.held(_lock_path(deployment_id))


# ----- the database -----
def database() -> Database:
    """The deployments database, created (and records of earlier versions imported) on first use; StateError
    naming the file when it cannot be used."""
    path = database_path()
    if path.exists() and not legacy.files(state_dir()):
        return Database(path)
    with admission():
        if not path.exists():
            Database.create(path)
        db = Database(path)
        try:
            legacy.import_all(db, legacy.files(state_dir()))
        except BaseException:
            db.close()
            raise
        return db


@contextlib.contextmanager
def _open() -> Iterator[Database]:
    db = database()
    try:
        yield db
    finally:
        db.close()


def survey() -> Survey:
    """Every deployment, oldest first; one whose deploy was killed is marked interrupted (in the database
    too). StateError when the database itself is damaged."""
    with _open() as db:
        found = read_all(db)
        dead = [r.id for r in found.records if r.state == DEPLOYING and not locks.held(_lock_path(r.id))]
        if dead:
            with db.write() as conn:
                for ident in dead:
                    if locks.held(_lock_path(ident)):
                        continue
                    row = conn.execute("SELECT owner_pid FROM deployments WHERE id = ? AND state = ?",
                                       (ident, DEPLOYING)).fetchone()
                    if row is not None:
                        conn.execute("UPDATE deployments SET state = ?, error = ? WHERE id = ?",
                                     (INTERRUPTED, INTERRUPTED_WHY.format(pid=row[0] or "?", id=ident), ident))
            found = read_all(db)
        return found


def load(deployment_id: str) -> DeploymentRecord:
    """The record of one deployment (KeyError when there is none, StateError when it is damaged)."""
    found = survey()
    for record in found.records:
        if record.id == deployment_id:
            return record
    for damaged in found.damaged:
        if damaged.id == deployment_id:
            raise StateError(damaged.reason)
    raise KeyError(f"no deployment '{deployment_id}' in {database_path()}")


def load_all() -> list[DeploymentRecord]:
    """Every readable record, oldest first (`survey()` also lists the damaged ones)."""
    return survey().records


class Gone(StateError):
    """The deployment is no longer in the database: another command tore it down (or its row was deleted);
    `deployment` says which; `by_name`: its objects still run (its record was deleted by hand), found by name."""

    def __init__(self, message: str, path: Path | None = None, deployment: str = "", by_name: bool = False):
        super().__init__(message, path)
        self.deployment = deployment
        self.by_name = by_name


def save(record: DeploymentRecord) -> None:
    """Store a record still in the database: its row and its components, in one transaction (its holds stay).
    Gone when its row went meanwhile: a deployment torn down by another command is never brought back."""
    with _open() as db, db.write() as conn:
        if conn.execute("SELECT 1 FROM deployments WHERE id = ?", (record.id,)).fetchone() is None:
            raise gone(record.id)
        why = damage(conn, record.id)
        if why is not None:  # damaged meanwhile (by hand, or a bad disk): said, never covered by what this holds
            raise StateError(f"{db.path}: the record of deployment {record.id} is damaged ({why}); it is not "
                             f"stored again: `vxi teardown {record.id}` removes the deployment, found by its name",
                             db.path)
        write_record(conn, record)


def gone(deployment_id: str) -> Gone:
    """The error saying that a deployment is no longer in the database."""
    return Gone(f"deployment {deployment_id} is no longer in {database_path()}: another command tore it down "
                "(what may be left of it, found by name, goes with `vxi teardown --all`)", database_path(),
                deployment_id)


def missing(deployment_id: str, backend_name: str) -> Gone:
    """The error saying that a deployment's record went from the database while its objects still run."""
    return Gone(f"the record of deployment {deployment_id} is missing from {database_path()} (deleted by hand?), "
                f"but its objects still run on the {backend_name} backend: Teardown (or `vxi teardown "
                f"{deployment_id}`) removes them, found by their name", database_path(), deployment_id, True)


def exists(deployment_id: str) -> bool:
    """Whether the deployment is still in the database."""
    with _open() as db, db.read() as conn:
        return conn.execute("SELECT 1 FROM deployments WHERE id = ?", (deployment_id,)).fetchone() is not None


def save_states(deployment_id: str, states: dict[str, str]) -> None:
    """Store the state of some components (record key -> state), nothing else of the record."""
    with _open() as db, db.write() as conn:
        conn.executemany("UPDATE components SET state = ? WHERE deployment = ? AND key = ?",
                         [(value, deployment_id, key) for key, value in states.items()])


def reserve(record: DeploymentRecord, holds: Iterable[Hold]) -> None:
    """Store a new deployment with the capacity it holds, in one transaction; the caller holds its lock and
    the admission lock."""
    with _open() as db, db.write() as conn:
        if conn.execute("SELECT 1 FROM deployments WHERE id = ?", (record.id,)).fetchone():
            raise StateError(f"{db.path}: a deployment '{record.id}' is recorded already")
        write_record(conn, record, owner_pid=os.getpid())
        insert_holds(conn, record.id, record.substrate, holds)


def release(deployment_id: str) -> None:
    """Free the capacity a deployment holds (a failed deployment holds none)."""
    with _open() as db, db.write() as conn:
        conn.execute("DELETE FROM holds WHERE deployment = ?", (deployment_id,))


def holds_on(substrate: str, exclude: str | None = None, only: str | None = None) -> tuple[list[Hold], list[str]]:
    """What the deployments on a substrate (by id) hold now, the deployment `exclude` left out (or only the
    deployment `only`), and the ids of the deployments holding it."""
    held, holders = [], []
    with _open() as db, db.read() as conn:
        rows = conn.execute(
            "SELECT h.kind, h.element, h.dimension, h.amount, h.held_from, h.held_until, h.part, h.deployment "
            "FROM holds h JOIN deployments d ON d.id = h.deployment WHERE h.substrate = ? AND d.id IS NOT ? "
            f"AND (? IS NULL OR d.id = ?) AND d.state IN ({', '.join('?' * len(HOLDING))}) ORDER BY d.created, d.rowid",
            (substrate, exclude, only, only, *HOLDING)).fetchall()
    for kind, element, dimension, amount, start, end, part, owner in rows:
        try:
            held.append(Hold(kind, str(element), dimension, _number(amount, 0.0), _number(start, float("-inf")),
                             _number(end, float("inf")), part_of(str(part)) if part else None))
        except (TypeError, ValueError) as exc:
            raise StateError(f"{database_path()}: the capacity deployment {owner} holds is damaged ({exc}); "
                             f"`vxi teardown {owner}` frees it", database_path()) from None
        if owner not in holders:
            holders.append(owner)
    return held, holders


def _number(value, missing: float) -> float:
    """A stored amount or moment as a number (`missing` for NULL); ValueError when it is text or not finite
    where a number is due."""
    if value is None:
        return missing
    if isinstance(value, str | bytes) or value != value:
        raise ValueError(f"{value!r} is not a number")
    if missing == 0.0 and not 0 <= value <= MAX_HELD:  # an amount: summed with others, 1e308 overflowed
        raise ValueError(f"{value!r} is beyond any capacity")
    return float(value)


MAX_HELD = 1e18  # more than any host or link has (cores, bytes, bit/s): a larger held amount is damage


def move_holds(deployment_id: str, vxi: str, component: str, host: str) -> None:
    """A component moved: what it holds is now held on `host`."""
    with _open() as db, db.write() as conn:
        conn.execute("UPDATE holds SET element = ? WHERE deployment = ? AND part IN (?, ?) AND kind = 'host'",
                     (host, deployment_id, part_label((vxi, component)), legacy_part_label((vxi, component))))


def hold_until(deployment_id: str, end: float | None) -> None:
    """What a deployment holds, it holds until `end` (None: until torn down)."""
    with _open() as db, db.write() as conn:
        conn.execute("UPDATE holds SET held_until = ? WHERE deployment = ?", (end, deployment_id))


# ----- the clock, the agent -----
def clock() -> Clock:
    """The deployments' clock (real time until an agent sets a speed); StateError when it is damaged."""
    with _open() as db, db.read() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    return _stored_clock(row)


def _stored_clock(row: tuple | None) -> Clock:
    """The clock stored in the meta row (REAL without one); StateError naming the database when it is damaged."""
    if row is None:
        return REAL
    try:
        return Clock.from_json(json.loads(row[0]))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise StateError(f"{database_path()}: the deployments' clock is damaged ({type(exc).__name__}: {exc})",
                         database_path()) from None


def set_clock_speed(speed: float) -> Clock:
    """Run the clock at `speed` from now on (kept as it is when it runs at that speed already; the time it reads
    goes on without a jump otherwise)."""
    with _open() as db, db.write() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
        current = _stored_clock(row)
        if current.speed == speed:
            return current
        new = current.at_speed(speed)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('clock', ?)", (json.dumps(new.to_json()),))
        return new


def deploy_times() -> dict[str, list[float]]:
    """The real seconds per object of the last deploys measured, per backend (meta row `deploy_times`)."""
    with _open() as db, db.read() as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'deploy_times'").fetchone()
    try:
        data = json.loads(row[0]) if row else {}
        return {str(k): [float(x) for x in v] for k, v in data.items()}
    except (ValueError, TypeError, AttributeError, RecursionError):
        return {}  # a damaged note: estimates start again from the defaults


def note_deploy_time(backend_name: str, seconds_per_object: float, kept: int) -> None:
    """Add a measured deploy (real seconds per object) to its backend's last `kept`."""
    times = deploy_times()
    times[backend_name] = [*times.get(backend_name, []), round(seconds_per_object, 4)][-kept:]
    with _open() as db, db.write() as conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('deploy_times', ?)", (json.dumps(times),))


def _agent_path() -> Path:
    return state_dir() / "locks" / "agent.lock"


def agent_lock() -> locks.Lock:
    """The agent's lock: one agent per state directory (DeploymentBusy naming the one running otherwise)."""
    try:
        return locks.Lock(_agent_path(), blocking=False)
    except OSError as exc:
        raise StateError(f"{_agent_path()}: cannot take the agent's lock: {exc.strerror or exc}") from None
    except locks.Busy as exc:
        raise DeploymentBusy(f"an agent runs already (process {exc.pid or '?'}): one agent follows every "
                             "deployment") from None


def agent_pid() -> int | None:
    """The process id of the agent running now, or None."""
    path = _agent_path()
    return (locks.holder(path) or -1) if locks.held(path) else None


def nudge_agent() -> None:
    """Wake the agent running on this state directory (SIGUSR1), if any, so that it looks at once."""
    import signal

    pid = agent_pid()
    if not pid or pid <= 0 or pid == os.getpid():
        return
    with contextlib.suppress(OSError, ValueError, StopIteration):  # only a process that catches it (`vxi agent`)
        status = Path(f"/proc/{pid}/status").read_text()
        caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
        if caught & (1 << (signal.SIGUSR1 - 1)):
            os.kill(pid, signal.SIGUSR1)


def forget(deployment_id: str) -> None:
    """Remove a deployment (its components and holds with it) and its own files. With a damaged database only
    the files go (every command reading the database goes on reporting its damage)."""
    folder = deployments_dir(create=False) / _checked_id(deployment_id)
    if folder.is_dir() and not folder.is_symlink():
        shutil.rmtree(folder)
    for leftover in deployments_dir(create=False).glob(f"{glob.escape(deployment_id)}.json.*"):
        leftover.unlink(missing_ok=True)
    try:
        db = database()
    except StateError:
        return
    try:  # a database that opens but refuses the change (an altered schema) is reported: the record stays
        with db.write() as conn:
            conn.execute("DELETE FROM deployments WHERE id = ?", (deployment_id,))
            if conn.execute("SELECT 1 FROM deployments WHERE id = ?", (deployment_id,)).fetchone():
                raise db.damaged(sqlite3.DatabaseError(f"deployment {deployment_id} stays after its removal"))
    finally:
        db.close()


# ----- finding -----
def pick_record(deployment: str | None, hint: str = "start one with `vxi deploy`") -> DeploymentRecord:
    """The named deployment, else the most recent running one (KeyError with a message otherwise)."""
    if deployment:
        return load(deployment)
    running = [r for r in load_all() if r.state == RUNNING]
    if not running:
        raise KeyError(f"no running deployment ({hint})")
    return running[-1]


def locate(component: str, deployment: str | None = None) -> tuple[DeploymentRecord, str]:
    """The deployment holding a component, and the component's key (KeyError with a clear message)."""
    records = [load(deployment)] if deployment else [r for r in load_all() if r.state in (RUNNING, DEPLOYING)]
    hits = []
    for record in records:
        try:
            comp = record.find(component)
        except KeyError as exc:
            if "several VXIs" in str(exc):
                raise
            continue
        hits.append((record, record.key_of(comp)))
    if not hits:
        where = f"deployment {deployment}" if deployment else "any deployment"
        raise KeyError(f"no component '{component}' in {where}")
    if len(hits) > 1:
        ids = ", ".join(r.id for r, _ in hits)
        raise KeyError(f"'{component}' is in several deployments ({ids}): choose one with --deployment")
    return hits[0]

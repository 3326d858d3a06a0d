"""Reading deployment records out of the deployments database: those that read, and those that do not (over the
size limit, not a deployment id, marked damaged, or failing to read), each with why, naming the file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from backend.deploy.database import DEPLOYMENT_COLUMNS, Database, read_record
from backend.deploy.record import DeploymentRecord, valid_id
from backend.files import MAX_BYTES, over_limit


@dataclass
class Damaged:
    """A deployment whose record cannot be read: its id and why, naming the file."""

    id: str
    reason: str

    def to_json(self) -> dict:
        """The form `vxi status --json` lists under "damaged"."""
        return {"id": self.id, "state": "damaged", "error": self.reason}


@dataclass
class Survey:
    """Every deployment: the records read, and those whose record is damaged."""

    records: list[DeploymentRecord] = field(default_factory=list)
    damaged: list[Damaged] = field(default_factory=list)


RECORD_SIZE = ("SELECT d.id, coalesce(length(CAST(d.details AS BLOB)), 0) + coalesce(length(CAST(d.vxis AS BLOB)), 0)"
               " + coalesce(length(CAST(d.error AS BLOB)), 0) + coalesce((SELECT sum(length(CAST(c.addresses AS BLOB))"
               " + length(CAST(c.interfaces AS BLOB)) + length(CAST(c.key AS BLOB)) + length(CAST(c.id AS BLOB))"
               " + length(CAST(c.name AS BLOB))) FROM components c WHERE c.deployment = d.id), 0) FROM deployments d")


def read_all(db: Database) -> Survey:
    """Every deployment in the database, oldest first: the records that read, and the damaged ones with why."""
    found = Survey()
    with db.read() as conn:
        sizes = dict(conn.execute(RECORD_SIZE).fetchall())  # a record over the size limit is never read whole
        for row in conn.execute(f"SELECT {DEPLOYMENT_COLUMNS.replace('details', 'NULL').replace('vxis', 'NULL')} "
                                "FROM deployments ORDER BY created, rowid").fetchall():
            ident = str(row[0])
            if sizes.get(row[0], 0) > MAX_BYTES:
                why = over_limit(ident, sizes[row[0]], MAX_BYTES, "record is").reason
                found.damaged.append(Damaged(ident, f"{db.path}: the record of deployment {ident} is damaged: {why}"))
                continue
            row = conn.execute(f"SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id IS ?", (row[0],)).fetchone()
            if not valid_id(ident):
                found.damaged.append(Damaged(ident, f"{db.path}: {ident!r} is not a deployment id"))
                continue
            if row[3] == "damaged":
                found.damaged.append(Damaged(ident, str(row[8] or "its record is damaged")))
                continue
            try:
                found.records.append(read_record(conn, row))
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                found.damaged.append(Damaged(ident, f"{db.path}: the record of deployment {ident} is damaged "
                                                    f"({type(exc).__name__}: {exc})"))
    return found


def damage(conn: sqlite3.Connection, deployment_id: str) -> str | None:
    """Why the stored record of a deployment does not read (None when it reads)."""
    for ident, size in conn.execute(RECORD_SIZE + " WHERE d.id = ?", (deployment_id,)):
        if size > MAX_BYTES:
            return over_limit(ident, size, MAX_BYTES, "record is").reason
    row = conn.execute(f"SELECT {DEPLOYMENT_COLUMNS} FROM deployments WHERE id = ?", (deployment_id,)).fetchone()
    if row[3] == "damaged":
        return str(row[8] or "marked damaged")
    try:
        read_record(conn, row)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        return str(exc) or type(exc).__name__
    return None

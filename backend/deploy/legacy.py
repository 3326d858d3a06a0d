"""Records of the versions before the deployments database (one JSON file a deployment, under
state/deployments/<id>.json), imported once into the database: `state.database()` calls `import_all`."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from backend.deploy.database import Database, StateError, insert_holds, write_record
from backend.deploy.record import (
    DEPLOYING,
    HOLDING,
    INTERRUPTED,
    INTERRUPTED_WHY,
    DeploymentRecord,
    recorded_vxis,
    valid_id,
)
from backend.embedding.held import Hold
from backend.files import FileReadError, read_json


def files(state_dir: Path) -> list[Path]:
    """JSON records left by a version before the database (state/deployments/<id>.json)."""
    folder = state_dir / "deployments"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if valid_id(p.stem))


def import_all(db: Database, paths: list[Path]) -> None:
    """Import each earlier version's record once: it is renamed <id>.json.imported afterwards, or
    <id>.json.damaged when it cannot be read (then listed as a damaged deployment, found again by its name)."""
    for path in paths:
        try:
            _import_one(db, path)
        except OSError as exc:
            raise StateError(f"{path}: cannot import this record of an earlier version: {exc.strerror or exc}",
                             path) from None


def _import_one(db: Database, path: Path) -> None:
    ident = path.stem
    try:
        data = read_json(path)  # the one safe way in: a regular file within the size limit
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        record = DeploymentRecord.from_json(data)
        record.check()
        if not valid_id(record.id):
            raise ValueError(f"{record.id!r} is not a deployment id")
    except (FileReadError, OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        kept = path.with_name(path.name + ".damaged")
        os.replace(path, kept)
        why = exc.reason if isinstance(exc, FileReadError) else exc
        reason = f"{kept}: the record of deployment {ident} (from an earlier version) is damaged ({why})"
        with db.write() as conn:
            conn.execute("INSERT OR IGNORE INTO deployments (id, backend, state, created, error) "
                         "VALUES (?, '', 'damaged', ?, ?)", (ident, _now(), reason))
        return
    if record.state == DEPLOYING:
        record.state, record.error = INTERRUPTED, INTERRUPTED_WHY.format(pid="?", id=record.id)
    record.notices.append(f"imported from {path.name}, a record of an earlier version")
    holds = _legacy_holds(record) if record.state in HOLDING else []
    with db.write() as conn:
        if not conn.execute("SELECT 1 FROM deployments WHERE id = ?", (record.id,)).fetchone():
            write_record(conn, record)
            insert_holds(conn, record.id, record.substrate, holds)
    os.replace(path, path.with_name(path.name + ".imported"))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _legacy_holds(record: DeploymentRecord) -> list[Hold]:
    """What an imported deployment holds, from its placement and its VXI files (when they still read)."""
    from backend.embedding.held import holds_of
    from backend.embedding.mapping import LinkPlacement, Mapping, RequestMapping

    vxis = recorded_vxis(record)
    mapping = Mapping(record.substrate)
    for vxi in vxis:
        nodes = {c.id: c.host for c in record.components.values() if c.vxi == vxi.id}
        links = {}
        for key, seg in record.segments.items():
            if record.split_key(key)[0] == vxi.id:
                for link_id, path in seg.get("paths", {}).items():
                    links[link_id] = LinkPlacement([tuple(step) for step in path], seg.get("forward_bps", 0.0),
                                                   seg.get("reverse_bps", 0.0))
        mapping.requests.append(RequestMapping(vxi.id, True, None, nodes, links))
    try:
        held = holds_of(vxis, mapping)
    except (ValueError, KeyError, TypeError):  # a VXI file edited since: its placement no longer matches
        vxis, held = [], []
    if len(vxis) < len(record.vxis):
        record.notices.append("some of its VXI files no longer read: the capacity their components hold is "
                              "not counted")
    return held

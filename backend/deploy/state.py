"""Deployment records on disk ($VXI_STATE_DIR, else $XDG_STATE_HOME/vxi-designer, else ~/.local/state), and
finding a deployment or a component among them."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from backend.deploy.record import DEPLOYING, RUNNING, DeploymentRecord


def state_dir() -> Path:
    """The directory that holds deployment records (created on demand)."""
    if os.environ.get("VXI_STATE_DIR"):
        base = Path(os.environ["VXI_STATE_DIR"])
    else:
        xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        base = Path(xdg) / "vxi-designer"
    return base


def deployments_dir() -> Path:
    """Where each deployment's record and files live: one sub-directory per deployment id."""
    path = state_dir() / "deployments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def files_dir(deployment_id: str) -> Path:
    """A deployment's own directory (libvirt test-driver host files live there)."""
    path = deployments_dir() / deployment_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(record: DeploymentRecord) -> Path:
    """Write a record atomically."""
    folder = deployments_dir()
    target = folder / f"{record.id}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{record.id}.", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(record.to_json(), out, indent=2)
    os.replace(tmp, target)
    return target


def load(deployment_id: str) -> DeploymentRecord:
    """The record of one deployment (KeyError when there is none)."""
    path = deployments_dir() / f"{deployment_id}.json"
    if not path.exists():
        raise KeyError(f"no deployment '{deployment_id}' in {deployments_dir()}")
    return DeploymentRecord.from_json(json.loads(path.read_text()))


def load_all() -> list[DeploymentRecord]:
    """Every stored record, oldest first (unreadable files are skipped)."""
    found = []
    for path in deployments_dir().glob("*.json"):
        try:
            found.append(DeploymentRecord.from_json(json.loads(path.read_text())))
        except (ValueError, TypeError, KeyError):
            continue
    return sorted(found, key=lambda r: (r.created, r.id))


def forget(deployment_id: str) -> None:
    """Remove a record and the deployment's own files."""
    (deployments_dir() / f"{deployment_id}.json").unlink(missing_ok=True)
    folder = deployments_dir() / deployment_id
    if folder.is_dir():
        for item in sorted(folder.rglob("*"), reverse=True):
            item.rmdir() if item.is_dir() else item.unlink()
        folder.rmdir()


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

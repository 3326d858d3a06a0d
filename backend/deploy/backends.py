"""The backends by name: a deployer for a new deployment, or one that manages a recorded deployment."""

from __future__ import annotations

from pathlib import Path

from backend.deploy.base import Deployer
from backend.deploy.record import DeploymentRecord
from backend.model import Infrastructure, Substrate

BACKENDS = ("test", "netns", "libvirt")


def make_deployer(backend: str, substrate: Substrate, vxis: list[Infrastructure],
                  tag: str | None = None) -> Deployer:
    """A deployer for a backend name: test (libvirt's test driver, one host file per host),
    libvirt (the URIs of the substrate) or netns (this machine's kernel)."""
    if backend == "netns":
        from backend.deploy.netns.deployer import NetnsDeployer

        return NetnsDeployer(substrate, vxis, tag)
    if backend in ("test", "libvirt"):
        from backend.deploy.libvirt.deployer import LibvirtDeployer

        return LibvirtDeployer(substrate, vxis, tag, test_only=backend == "test")
    raise ValueError(f"unknown backend '{backend}' (known: {', '.join(BACKENDS)})")


def _recorded(path: str | None, kind: type):
    """A model of `kind` read again from a deployment's file (None when it is gone or no longer reads as one)."""
    from backend.vxdl import read_file

    if not path or not Path(path).exists():
        return None
    try:
        found = read_file(path, "substrate" if kind is Substrate else None).model
    except Exception:
        return None
    return found if isinstance(found, kind) else None


def recorded_substrate(record: DeploymentRecord) -> Substrate | None:
    """The substrate a deployment was made on, read again from its file (None when it cannot be)."""
    return _recorded(record.files.get("substrate"), Substrate)


def recorded_vxis(record: DeploymentRecord) -> list[Infrastructure]:
    """The VXIs a deployment was made from, read again from their files (those that still read)."""
    found = [_recorded(path, Infrastructure) for path in record.files.get("vxis", [])]
    return [v for v in found if v is not None]


def reopen(record: DeploymentRecord, substrate: Substrate | None = None) -> Deployer:
    """A deployer managing a recorded deployment (its substrate re-read when not given and its file still exists)."""
    if substrate is None:
        substrate = recorded_substrate(record)
    if record.backend == "netns":
        from backend.deploy.netns.deployer import NetnsDeployer

        return NetnsDeployer.from_record(record, substrate)
    from backend.deploy.libvirt.deployer import LibvirtDeployer

    return LibvirtDeployer.from_record(record, substrate)

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


def recorded_models(record: DeploymentRecord) -> tuple[Substrate | None, list[Infrastructure]]:
    """The substrate and VXIs a deployment was made from, read again from its files (None and fewer VXIs
    when a file is gone or no longer reads as one)."""
    from backend.vxdl import read_file

    def model(path: str | None, role: str | None, kind: type):
        if not path or not Path(path).exists():
            return None
        try:
            found = read_file(path, role).model
        except Exception:
            return None
        return found if isinstance(found, kind) else None

    vxis = [model(path, None, Infrastructure) for path in record.files.get("vxis", [])]
    return model(record.files.get("substrate"), "substrate", Substrate), [v for v in vxis if v is not None]


def reopen(record: DeploymentRecord, substrate: Substrate | None = None) -> Deployer:
    """A deployer managing a recorded deployment (its substrate re-read when not given and its file still exists)."""
    if substrate is None:
        substrate, _ = recorded_models(record)
    if record.backend == "netns":
        from backend.deploy.netns.deployer import NetnsDeployer

        return NetnsDeployer.from_record(record, substrate)
    from backend.deploy.libvirt.deployer import LibvirtDeployer

    return LibvirtDeployer.from_record(record, substrate)

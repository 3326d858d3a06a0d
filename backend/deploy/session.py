"""What the command line and the designer share: pick a backend, reopen a recorded deployment,
find a component across deployments, and describe a record for people."""

from __future__ import annotations

from pathlib import Path

from backend.deploy import state
from backend.deploy.base import Deployer
from backend.deploy.record import DeploymentRecord
from backend.model import Infrastructure, Substrate
from backend.model import units as U

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


def _recorded_substrate(record: DeploymentRecord) -> Substrate | None:
    path = record.files.get("substrate")
    if not path or not Path(path).exists():
        return None
    try:
        from backend.vxdl import read_file

        model = read_file(path, "substrate").model
    except Exception:
        return None
    return model if isinstance(model, Substrate) else None


def pick_record(deployment: str | None, hint: str = "start one with `vxi deploy`") -> DeploymentRecord:
    """The named deployment, else the most recent running one (KeyError with a message otherwise)."""
    if deployment:
        return state.load(deployment)
    running = [r for r in state.load_all() if r.state == "running"]
    if not running:
        raise KeyError(f"no running deployment ({hint})")
    return running[-1]


def reopen(record: DeploymentRecord) -> Deployer:
    """A deployer managing a recorded deployment (its substrate re-read when its file still exists)."""
    if record.backend == "netns":
        from backend.deploy.netns.deployer import NetnsDeployer

        return NetnsDeployer.from_record(record, _recorded_substrate(record))
    from backend.deploy.libvirt.deployer import LibvirtDeployer

    return LibvirtDeployer.from_record(record, _recorded_substrate(record))


def locate(component: str, deployment: str | None = None) -> tuple[DeploymentRecord, str]:
    """The deployment holding a component, and the component's key (KeyError with a clear message)."""
    records = [state.load(deployment)] if deployment else [
        r for r in state.load_all() if r.state in ("running", "deploying")]
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


def describe(record: DeploymentRecord) -> list[str]:
    """Readable lines: the deployment, then one line per component, then notices."""
    hosts = sorted({c.host for c in record.components.values()})
    lines = [f"deployment {record.id} ({record.backend} backend, {record.state}): "
             f"{len(record.vxis)} VXI(s) {', '.join(record.vxis)}, {len(record.components)} components "
             f"on {len(hosts)} hosts, {len(record.segments)} links"]
    width = max((len(k) for k in record.components), default=4)
    for key, comp in record.components.items():
        lines.append(f"  {key:<{width}}  {comp.kind:<7} on {comp.host:<10} {comp.state:<9} "
                     f"{' '.join(comp.addresses) or '-'}")
    for key, seg in record.segments.items():
        rates = f"{U.human(U.BANDWIDTH, seg['forward_bps'])} / {U.human(U.BANDWIDTH, seg['reverse_bps'])}"
        lines.append(f"  link {key}: {seg['subnet']}, {rates}, hosts {', '.join(seg['hosts'])}")
    if not record.outlives_process:
        lines.append("  note: libvirt's test driver keeps nothing in memory between commands; each host's "
                     "domains and networks are saved in its host file under "
                     f"{state.deployments_dir() / record.id}")
    lines.extend(f"  notice: {n}" for n in record.notices)
    if record.error:
        lines.append(f"  error: {record.error}")
    return lines

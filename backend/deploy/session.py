"""One deployment from its inputs to its end, the same for `vxi deploy` and the designer's run mode:
embed → refusals → deployer → record → deploy, then status, migrate (to a host that can take the
component) and teardown, every step reported as a `Progress` to one listener.

    session = DeploySession(substrate, [vxi], "test", on_progress=print)
    record = session.deploy()                  # SessionError after a rollback
    session.migrate("r1", "P1"); session.status(); session.teardown()

One failure policy: a deployment whose rollback removed everything is forgotten (no record stays on disk);
one whose rollback left objects keeps its record (state failed, the error naming what was left), so that
`vxi teardown ID` can finish the job.
"""

from __future__ import annotations

from pathlib import Path

from backend.deploy import state
from backend.deploy.backends import able, backend, make_deployer, recorded_substrate, recorded_vxis, reopen
from backend.deploy.base import Deployer, DeployError, MigrationResult
from backend.deploy.plan import PlanError
from backend.deploy.progress import DEFINED, STARTING, Listener, Progress, state_of
from backend.deploy.record import DeploymentRecord
from backend.embedding import InfeasibleMappingError, Mapping, embed
from backend.embedding.fits import HostFit, host_fits
from backend.model import Infrastructure, Substrate


class SessionError(RuntimeError):
    """A deployment job that could not be done, in one sentence: `code` 1 (it does not fit, a step failed)
    or 2 (bad input); `element` names the VXI, component or host it concerns, when there is one."""

    def __init__(self, message: str, code: int = 1, element: str | None = None):
        super().__init__(message)
        self.code = code
        self.element = element


def read_model(path: str | Path, kind: type) -> Infrastructure | Substrate:
    """A substrate or a VXI (`kind`) from a VXDL file; SessionError code 2 when it cannot be read or is of the
    other kind, code 1 when it has errors."""
    from backend.vxdl import VxdlFileError, read_file

    try:
        result = read_file(path, "substrate" if kind is Substrate else None)
    except (VxdlFileError, OSError) as exc:
        raise SessionError(str(exc), 2) from None
    errors = result.errors
    if result.model is None or errors:
        first = errors[0].format() if errors else "no model could be read"
        raise SessionError(f"{path}: {len(errors)} error(s), first: {first} (run vxi validate)", 1)
    if not isinstance(result.model, kind):
        raise SessionError(f"{path}: not {'a substrate' if kind is Substrate else 'a VXI'}", 2)
    return result.model


def host_choices(record: DeploymentRecord, substrate: Substrate, vxis: list[Infrastructure], component: str,
                 now: float | None = None) -> list[HostFit]:
    """Every host of the substrate, saying whether a deployed component (key or id) can move there now."""
    moving = record.find(component)
    placed = {(c.vxi, c.id): c.host for c in record.components.values()}
    return host_fits(substrate, vxis, placed, (moving.vxi, moving.id), now)


class DeploySession:
    """A deployment made (or reopened) here: its inputs, its deployer, the last state of each component."""

    def __init__(self, substrate: Substrate | None, vxis: list[Infrastructure] | None, backend: str = "test",
                 algorithm: str = "best", files: dict | None = None, on_progress: Listener | None = None):
        self.substrate = substrate
        self._vxis: list[Infrastructure] | None = list(vxis) if vxis is not None else None
        self.backend = backend
        self.algorithm = algorithm
        self.files = dict(files or {})
        self.on_progress = on_progress
        self.deployer: Deployer | None = None
        self.states: dict[str, str] = {}  # record key -> defined, starting, running or failed

    @classmethod
    def from_files(cls, substrate_path: str | Path, vxi_paths: list[str | Path], backend: str = "test",
                   algorithm: str = "best", on_progress: Listener | None = None) -> DeploySession:
        """A session on models read from files (SessionError naming the file otherwise)."""
        substrate = read_model(substrate_path, Substrate)
        vxis = [read_model(path, Infrastructure) for path in vxi_paths]
        files = {"substrate": str(Path(substrate_path).resolve()), "vxis": [str(Path(p).resolve()) for p in vxi_paths]}
        return cls(substrate, vxis, backend, algorithm, files, on_progress)

    @classmethod
    def of_record(cls, record: DeploymentRecord, on_progress: Listener | None = None) -> DeploySession:
        """A session managing a recorded deployment (its substrate read again from its file; its VXIs too,
        when they are first needed)."""
        substrate = recorded_substrate(record)
        session = cls(substrate, None, record.backend, record.files.get("algorithm", "best"), record.files,
                      on_progress)
        session.deployer = reopen(record, substrate)
        session.states = {key: state_of(comp.state) for key, comp in record.components.items()}
        return session

    @property
    def vxis(self) -> list[Infrastructure]:
        """The VXIs deployed (read again from their files for a reopened deployment)."""
        if self._vxis is None:
            self._vxis = recorded_vxis(self.record)
        return self._vxis

    @property
    def record(self) -> DeploymentRecord | None:
        """The deployment's record (None before deploy)."""
        return self.deployer.record if self.deployer is not None else None

    # ----- deploy -----
    def embed(self) -> Mapping:
        """The mapping of every VXI (SessionError when one is refused, with its reason)."""
        where = self.substrate.id
        self._emit(Progress(None, STARTING, f"embedding {', '.join(v.id for v in self.vxis)} on {where}", 0.0))
        try:
            mapping = embed(self.substrate, self.vxis, self.algorithm)
        except InfeasibleMappingError as exc:
            raise SessionError(f"cannot embed on {where}: {exc}", 1) from None
        except ValueError as exc:
            raise SessionError(f"cannot embed on {where}: {exc}", 2) from None
        refused = [r for r in mapping.requests if not r.accepted]
        if refused:
            raise SessionError("; ".join(f"{r.id} does not fit on {where}: {r.reason or 'no reason given'}"
                                         for r in refused), 1, refused[0].id)
        return mapping

    def deploy(self) -> DeploymentRecord:
        """Embed, then deploy with the record kept on disk; on failure apply the failure policy and raise
        SessionError (an interrupt is raised again as it is, after the rollback)."""
        mapping = self.embed()
        try:
            deployer = make_deployer(self.backend, self.substrate, self.vxis)
        except ValueError as exc:
            raise SessionError(str(exc), 2) from None
        deployer.record.files.update(self.files)
        deployer.record.files["algorithm"] = mapping.algorithm or self.algorithm
        deployer.persist = state.save
        deployer.on_progress = self._emit
        self.deployer = deployer
        try:
            deployer.deploy(mapping)
        except BaseException as exc:
            kept = self._after_failure()
            if not isinstance(exc, DeployError | PlanError):
                raise
            note = f"; its record stays until `vxi teardown {deployer.tag}` removes the rest" if kept else ""
            raise SessionError(f"{exc}{note}", 1, self._culprit(exc)) from exc
        return deployer.record

    def _after_failure(self) -> bool:
        """The failure policy; True when the record is kept."""
        deployer = self.deployer
        self.close()
        if deployer.left:
            return True
        state.forget(deployer.tag)
        return False

    def _culprit(self, exc: BaseException) -> str | None:
        """The component being created when the deployment failed, else the host."""
        key = self.deployer.tracker.current
        if key is not None and key in self.deployer.record.components:
            return self.deployer.record.components[key].id
        return getattr(exc, "host", None)

    # ----- while it runs -----
    def status(self) -> DeploymentRecord:
        """Ask the backend for each component's state; each change goes to the listener."""
        record = self.deployer.status()
        for key, comp in record.components.items():
            self._set(key, state_of(comp.state), f"{key} {comp.state}", comp.host)
        return record

    def host_choices(self, component: str) -> list[HostFit]:
        """Every host of the substrate, saying whether `component` can move there now, and why not."""
        if self.substrate is None:
            raise SessionError(f"the substrate of deployment {self.record.id} cannot be read again "
                               f"({self.files.get('substrate') or 'no file recorded'}): its hosts are unknown", 2)
        try:
            return host_choices(self.record, self.substrate, self.vxis, component)
        except KeyError as exc:
            raise SessionError(str(exc.args[0]), 2) from None

    def migrate(self, component: str, host: str) -> MigrationResult:
        """Move a component to a host that can take it (SessionError saying why another cannot); the record
        is saved afterwards."""
        record = self.record
        try:
            comp = record.find(component)
        except KeyError as exc:
            raise SessionError(str(exc.args[0]), 2) from None
        key = record.key_of(comp)
        if self.substrate is not None:
            if host not in self.substrate.hosts:
                raise SessionError(f"no host '{host}' in substrate {self.substrate.id} (its hosts: "
                                   f"{', '.join(self.substrate.hosts)})", 1, host)
            choice = next(c for c in self.host_choices(key) if c.host == host)
            if not choice.fits:
                raise SessionError(f"{key} cannot move to {host}: {choice.reason}", 1, comp.id)
        self.deployer.on_progress = self._emit
        try:
            result = self.deployer.migrate(key, host)
        except DeployError as exc:
            raise SessionError(str(exc), 1, comp.id) from exc
        state.save(record)
        return result

    def stop(self, component: str) -> str:
        """Stop a deployed component, which stays deployed (a domain powered off, a namespace unplugged);
        returns its key. SessionError when the backend cannot."""
        return self._power(component, "stop")

    def start(self, component: str) -> str:
        """Start a stopped component again; returns its key."""
        return self._power(component, "start")

    def _power(self, component: str, action: str) -> str:
        record = self.record
        try:
            comp = record.find(component)
        except KeyError as exc:
            raise SessionError(str(exc.args[0]), 2) from None
        key = record.key_of(comp)
        self.deployer.on_progress = self._emit
        try:
            getattr(self.deployer, action)(key)
        except DeployError as exc:
            raise SessionError(str(exc), 1, comp.id) from exc
        state.save(record)
        return key

    def watch_lifecycle(self, notify) -> object | None:
        """The backend's lifecycle events of the deployment's components: `notify(host, name, event)` from the
        backend's event thread, until `close()` of the watch returned; None where there are none."""
        return self.deployer.lifecycle_watch(notify)

    def exec(self, component: str, argv: list[str]) -> int:
        """Run a command inside a component, the ids of its VXI's components in `argv` replaced by their
        addresses (so `ping pc-b` works); its output on ours; returns its exit code."""
        record = self.record
        if not backend(record.backend).exec:
            raise SessionError(f"deployment {record.id} runs on the {record.backend} backend: vxi exec needs the "
                               f"{' or '.join(able('exec'))} backend", 2)
        comp = record.find(component)
        peers = {c.id: c.addresses[0].split("/")[0] for c in record.components.values()
                 if c.vxi == comp.vxi and c.addresses}
        try:
            return self.deployer.exec(record.key_of(comp), [peers.get(word, word) for word in argv])
        except DeployError as exc:
            raise SessionError(str(exc), 1, comp.id) from exc

    # ----- ending -----
    def teardown(self) -> list[str]:
        """Remove everything the deployment created and forget its record; returns what was removed.
        When something stays, the record is kept and SessionError says what."""
        deployer = self.deployer
        try:
            removed = deployer.teardown()
        except DeployError as exc:
            state.save(deployer.record)
            raise SessionError(f"deployment {deployer.tag}: {exc}", 1) from None
        finally:
            self.close()
        state.forget(deployer.tag)
        for key, comp in deployer.record.components.items():
            self._set(key, DEFINED, f"{key} removed", comp.host)
        return removed

    def close(self) -> None:
        """Close the deployer's connections (the deployment itself stays up)."""
        if self.deployer is not None:
            self.deployer.close()

    # ----- progress -----
    def _emit(self, progress: Progress) -> None:
        if progress.component is not None:
            self.states[progress.component] = progress.state
        if self.on_progress is not None:
            self.on_progress(progress)

    def _set(self, key: str, value: str, step: str, host: str | None) -> None:
        if self.states.get(key) != value:
            self._emit(Progress(key, value, step, 1.0, host))

"""One deployment from its inputs to its end, the same for `vxi deploy` and the designer's run mode:
embed → refusals → deployer → record → deploy, then status, migrate (to a host that can take the
component) and teardown, every step reported as a `Progress` to one listener.

    session = DeploySession(substrate, [vxi], "test", on_progress=print)
    record = session.deploy()                  # SessionError after a rollback
    session.migrate("r1", "P1"); session.status(); session.teardown()

Deployments share their substrate: a new one is embedded on what the deployments already recorded on it
hold (`state.holds_on`), under the state's admission lock, and reserves its own share before anything is
created. One failure policy: a deployment whose rollback removed everything is forgotten (no record stays);
one whose rollback left objects keeps its record (state failed, the error naming what was left, no capacity
held), so that `vxi teardown ID` can finish the job. A deploy that was killed leaves an interrupted record,
which `vxi teardown ID` or the next deploy cleans.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from backend.deploy import locks, state
from backend.deploy.backends import able, backend, make_deployer, reopen
from backend.deploy.base import Deployer, DeployError, MigrationResult
from backend.deploy.follow import bounded, enact, keep_models
from backend.deploy.moved import follow_moves, forget_move
from backend.deploy.plan import PlanError
from backend.deploy.progress import DEFINED, STARTING, Listener, Progress, state_of
from backend.deploy.record import (
    DEPLOYING,
    FAILED,
    INTERRUPTED,
    SCHEDULED,
    DeploymentRecord,
    recorded_substrate,
    recorded_vxis,
)
from backend.deploy.timeline import LeaseError, Schedule, effective_vxis
from backend.embedding import InfeasibleMappingError, Mapping
from backend.embedding.fits import HostFit, host_fits
from backend.embedding.held import Hold, embed_held, holds_of
from backend.extras import MissingExtra
from backend.model import Infrastructure, Substrate
from backend.model.timing import format_timestamp

EARLY_S = 1e-3  # a lease starting less than this after the deploy counts as started (rounding of dates)


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
                 now: float | None = None, held: list[Hold] | None = None) -> list[HostFit]:
    """Every host of the substrate, saying whether a deployed component (key or id) can move there now, with
    what the other deployments on the substrate hold (read from the state when `held` is None)."""
    moving = record.find(component)
    placed = {(c.vxi, c.id): c.host for c in record.components.values()}
    if held is None:
        held = state.holds_on(record.substrate or substrate.id, exclude=record.id)[0]
    return host_fits(substrate, vxis, placed, (moving.vxi, moving.id), now, held)


class Gone(SessionError):
    """The deployment is no longer in the deployments database: another command tore it down; `by_name`: its
    objects still run (its record was deleted by hand), so a teardown by name removes them."""

    by_name = False


def gone_error(record: DeploymentRecord) -> state.Gone:
    """Why a deployment is no longer in the database: torn down by another command, or its record deleted while
    its backend still finds its objects by name."""
    chosen = backend(record.backend)
    if chosen.leftovers is not None and chosen.unavailable() is None and record.id in chosen.leftovers():
        return state.missing(record.id, record.backend)
    return state.gone(record.id)


@contextlib.contextmanager
def _state_errors(record: DeploymentRecord | None = None) -> Iterator[None]:
    """The deployment state's errors (a damaged database, a busy deployment) as a SessionError, code 1 (Gone
    when the deployment was torn down by another command, or, as `gone_error` finds for `record`, its record was
    deleted while its objects run)."""
    try:
        yield
    except state.StateError as exc:
        if record is not None and isinstance(exc, state.Gone) and not getattr(exc, "by_name", False):
            exc = gone_error(record)
        error = (Gone if isinstance(exc, state.Gone) else SessionError)(str(exc), 1)
        error.by_name = getattr(exc, "by_name", False)
        raise error from None


class DeploySession:
    """A deployment made (or reopened) here: its inputs, its deployer, the last state of each component."""

    def __init__(self, substrate: Substrate | None, vxis: list[Infrastructure] | None, backend: str = "test",
                 algorithm: str = "best", files: dict | None = None, on_progress: Listener | None = None,
                 at_once: bool = True):
        self.substrate = substrate
        self.at_once = at_once  # start now whatever the leases say (their offsets kept); False: follow them
        self._vxis: list[Infrastructure] | None = list(vxis) if vxis is not None else None
        self.backend = backend
        self.algorithm = algorithm
        self.files = dict(files or {})
        self.on_progress = on_progress
        self.deployer: Deployer | None = None
        self.states: dict[str, str] = {}  # record key -> defined, starting, running or failed

    @classmethod
    def from_files(cls, substrate_path: str | Path, vxi_paths: list[str | Path], backend: str = "test",
                   algorithm: str = "best", on_progress: Listener | None = None,
                   at_once: bool = True) -> DeploySession:
        """A session on models read from files (SessionError naming the file otherwise)."""
        substrate = read_model(substrate_path, Substrate)
        vxis = [read_model(path, Infrastructure) for path in vxi_paths]
        files = {"substrate": str(Path(substrate_path).resolve()), "vxis": [str(Path(p).resolve()) for p in vxi_paths]}
        return cls(substrate, vxis, backend, algorithm, files, on_progress, at_once)

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
    def embed(self, held: list[Hold] | None = None, holders: list[str] | None = None) -> Mapping:
        """The mapping of every VXI on what the deployments recorded on the substrate leave (read from the
        state when `held` is None); SessionError when one is refused, with its reason."""
        where = self.substrate.id
        if held is None:
            with _state_errors():
                held, holders = state.holds_on(where)
        self._emit(Progress(None, STARTING, f"embedding {', '.join(v.id for v in self.vxis)} on {where}", 0.0))
        try:
            mapping = embed_held(self.substrate, self.vxis, self.algorithm, held=held)
        except InfeasibleMappingError as exc:
            raise SessionError(f"cannot embed on {where}: {exc}", 1) from None
        except ValueError as exc:
            raise SessionError(f"cannot embed on {where}: {exc}", 2) from None
        refused = [r for r in mapping.requests if not r.accepted]
        if refused:
            shared = (f" (deployment{'s' if len(holders) > 1 else ''} {', '.join(holders)} already "
                      f"hold{'' if len(holders) > 1 else 's'} part of it)") if holders else ""
            raise SessionError("; ".join(f"{r.id} does not fit on {where}{shared}: {r.reason or 'no reason given'}"
                                         for r in refused), 1, refused[0].id)
        return mapping

    def deploy(self, now: float | None = None) -> DeploymentRecord:
        """Clean interrupted deployments, fix the leases (from `now` on the deployments' clock), embed on what the
        others hold, reserve for the lease; then, when the lease has started, deploy with the record kept in the
        state and put in force what its periods say now; otherwise leave it scheduled (the agent starts it).
        On failure apply the failure policy and raise SessionError (an interrupt is raised again as it is,
        after the rollback)."""
        try:  # a backend unknown or missing its optional library fails at once, before anything is read or held
            backend(self.backend).require()
        except (ValueError, MissingExtra) as exc:
            raise SessionError(str(exc), 2) from None
        with _state_errors():
            self._clean_interrupted()
            now = state.clock().now() if now is None else now
        try:
            self._vxis = effective_vxis(self.vxis, now, self.at_once)
        except LeaseError as exc:
            raise SessionError(str(exc), 1) from None
        lock = None
        try:
            with _state_errors(), state.admission():
                held, holders = state.holds_on(self.substrate.id)
                mapping = self.embed(held, holders)
                try:
                    deployer = make_deployer(self.backend, self.substrate, self.vxis)
                except ValueError as exc:
                    raise SessionError(str(exc), 2) from None
                deployer.record.files.update(self.files)
                deployer.record.files["algorithm"] = mapping.algorithm or self.algorithm
                schedule = Schedule.build(self.substrate, self.vxis, mapping)
                deployer.record.time = {"schedule": schedule.to_json(), "at_once": self.at_once}
                lock = state.claim(deployer.tag)
                try:
                    keep_models(deployer.record, self.substrate, self.vxis, mapping)  # to start later, or replan
                    if now < schedule.lease[0] - EARLY_S:
                        deployer.record.state = SCHEDULED
                        deployer.record.time["by_agent"] = True
                    state.reserve(deployer.record, bounded(holds_of(self.vxis, mapping), schedule.lease))
                    self.deployer = deployer  # from here an interruption's cleanup finds what it reserved
                except BaseException:
                    lock.release(remove=True)
                    raise
            if deployer.record.state == SCHEDULED:
                lock.release()
                state.nudge_agent()  # so that it sees it now, and prepares it ahead of its start
                self._emit(Progress(None, DEFINED, f"deployment {deployer.tag} scheduled: its lease starts "
                                    f"{format_timestamp(schedule.lease[0])}", 1.0))
                return deployer.record
            deployer.persist = state.save
            deployer.on_progress = self._emit
            try:
                deployer.deploy(mapping)
            except BaseException as exc:
                kept = self._after_failure()
                lock.release(remove=not kept)
                if not isinstance(exc, DeployError | PlanError):
                    raise
                note = f"; its record stays until `vxi teardown {deployer.tag}` removes the rest" if kept else ""
                raise SessionError(f"{exc}{note}", 1, self._culprit(exc)) from exc
            try:
                enact(deployer, max(now, schedule.lease[0]))
                with _state_errors():
                    state.save(deployer.record)
            except DeployError as exc:  # what its periods say now could not be put in force: removed as a whole
                with contextlib.suppress(DeployError):
                    deployer.teardown()
                self.close()
                with _state_errors():
                    state.forget(deployer.tag)
                lock.release(remove=True)
                raise SessionError(f"{exc} (the deployment was removed)", 1) from exc
            lock.release()
            return deployer.record
        finally:  # a signal between two steps (`vxi deploy`) leaves it held otherwise: its cleanup was refused
            if lock is not None:
                lock.release()

    def follow(self, now: float | None = None) -> list[str]:
        """Put in force what the deployment's schedule says at `now` (the deployments' clock by default), as the
        agent does; returns what was done (nothing while another command holds the deployment)."""
        done: list[str] = []
        with _state_errors():
            now = state.clock().now() if now is None else now
            try:
                lock = state.claim(self.record.id)
            except state.DeploymentBusy:
                return done
        missing = False
        try:
            with _state_errors():
                try:
                    if not state.exists(self.record.id):
                        raise state.gone(self.record.id)
                    self.deployer = enact(self.deployer, now, lambda _at, text: done.append(text))
                    state.save(self.deployer.record)
                except state.Gone:  # torn down by another command, or its record deleted (before or while it
                    missing = True  # enacted): nothing to enact or store; said as `gone_error` finds it
                    self.close()
                    raise gone_error(self.record) from None
        except DeployError as exc:
            raise SessionError(str(exc), 1) from exc
        finally:
            lock.release(remove=missing)
        return done

    def extend(self, seconds: float) -> DeploymentRecord:
        """Lengthen the lease by `seconds` when the substrate allows it (SessionError saying why not)."""
        from backend.deploy.extend import extend

        with _state_errors():
            lock = state.claim(self.record.id)
        try:
            with _state_errors(), state.admission():
                extend(self.record, self.substrate, seconds)
        except ValueError as exc:
            raise SessionError(str(exc), 1) from None
        finally:
            lock.release()
        return self.record

    def _clean_interrupted(self) -> None:
        """Tear down the deployments whose deploy was killed (those this process can reach), each a Progress."""
        for record in state.load_all():
            if record.state != INTERRUPTED or backend(record.backend).unavailable() is not None:
                continue
            if record.time.get("by_agent"):  # a scheduled start the agent was making: the agent starts it again
                continue
            self._emit(Progress(None, STARTING, f"cleaning interrupted deployment {record.id}", 0.0))
            try:
                removed = DeploySession.of_record(record).teardown()
            except SessionError as exc:
                self._emit(Progress(None, STARTING, f"interrupted deployment {record.id} stays: {exc}", 0.0))
                continue
            self._emit(Progress(None, STARTING, f"interrupted deployment {record.id} cleaned: {len(removed)} "
                                "objects removed", 0.0))

    def _after_failure(self) -> bool:
        """The failure policy; True when the record is kept (holding no capacity: its components are gone)."""
        deployer = self.deployer
        self.close()
        with _state_errors():
            if deployer.left:
                state.release(deployer.tag)
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
        """Ask the backend for each component's state, and keep it in the state; each change goes to the
        listener."""
        before = {key: comp.state for key, comp in self.record.components.items()}
        hosts = {key: comp.host for key, comp in self.record.components.items()}
        record = self.deployer.status()
        changed = {key: comp.state for key, comp in record.components.items() if before.get(key) != comp.state}
        if changed:
            with _state_errors():
                state.save_states(record.id, changed)
        with _state_errors():
            follow_moves(record, hosts)  # (a `vxi migrate` killed while libvirt moved the guest)
        lost = getattr(self.deployer, "unreachable", {})  # a host that did not answer: its sentence in the step
        for key, comp in record.components.items():
            why = f": {lost[comp.host]}" if comp.state == "unreachable" and comp.host in lost else ""
            self._set(key, state_of(comp.state), f"{key} {comp.state}{why}", comp.host)
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
        """Move a component to a host that can take it, counting what the other deployments hold there
        (SessionError saying why another cannot); the record and the capacity it holds are saved afterwards."""
        record = self.record
        comp, key = self._component(component)
        with _state_errors(record):
            lock = state.claim(record.id)
        try:
            with _state_errors(record), state.admission():  # no deploy is admitted on the host while it is checked
                if self.substrate is not None:
                    if host not in self.substrate.hosts:
                        raise SessionError(f"no host '{host}' in substrate {self.substrate.id} (its hosts: "
                                           f"{', '.join(self.substrate.hosts)})", 1, host)
                    choice = next(c for c in self.host_choices(key) if c.host == host)
                    if not choice.fits:
                        raise SessionError(f"{key} cannot move to {host}: {choice.reason}", 1, comp.id)
                record.files.setdefault("moving", {})[key] = host
                state.save(record)  # the move's mark first: the status after a killed command finds where it is
                state.move_holds(record.id, comp.vxi, comp.id, host)  # reserved before the move
            self.deployer.on_progress = self._emit
            self.deployer.persist = state.save  # (a destination new to the deployment is recorded before the move)
            with locks.ended_by(None):  # the move begins: it is recorded whatever closes meanwhile
                try:
                    with _state_errors(record):
                        result = self.deployer.migrate(key, host)
                except DeployError as exc:
                    forget_move(record, key)
                    with _state_errors(record):
                        state.move_holds(record.id, comp.vxi, comp.id, comp.host)
                        state.save(record)  # (its hosts: a destination new to it keeps what a failed move left there)
                    raise SessionError(str(exc), 1, comp.id) from exc
                forget_move(record, key)
                ends = record.time.get("ends")
                if ends:  # its ends were shaped again at their last rates: the next follow puts the period back
                    for iface in comp.interfaces:
                        ends[f"{key}|{iface.segment}"] = None
                with _state_errors(record):
                    state.save(record)
        finally:
            lock.release()
        return result

    def stop(self, component: str) -> str:
        """Stop a deployed component, which stays deployed (a domain powered off, a namespace unplugged);
        returns its key. SessionError when the backend cannot."""
        return self._power(component, "stop")

    def start(self, component: str) -> str:
        """Start a stopped component again; returns its key."""
        return self._power(component, "start")

    def _component(self, component: str):
        """The deployed component named by id or key, and its key (SessionError, exit 2, when there is none)."""
        try:
            comp = self.record.find(component)
        except KeyError as exc:
            raise SessionError(str(exc.args[0]), 2) from None
        return comp, self.record.key_of(comp)

    def _power(self, component: str, action: str) -> str:
        record = self.record
        comp, key = self._component(component)
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
        comp, key = self._component(component)
        peers = {c.id: c.addresses[0].split("/")[0] for c in record.components.values()
                 if c.vxi == comp.vxi and c.addresses}
        try:
            return self.deployer.exec(key, [peers.get(word, word) for word in argv])
        except DeployError as exc:
            raise SessionError(str(exc), 1, comp.id) from exc

    # ----- ending -----
    def teardown(self) -> list[str]:
        """Remove everything the deployment created and forget its record (and the capacity it holds); returns
        what was removed. When something stays, the record is kept and SessionError says what."""
        deployer = self.deployer
        try:
            with _state_errors():
                lock = state.claim(deployer.tag)
        except SessionError:
            self.close()
            raise
        try:
            try:
                removed = deployer.teardown()
            except DeployError as exc:
                if deployer.record.state == DEPLOYING:  # a bare record (found by name): kept as failed
                    deployer.record.state, deployer.record.error = FAILED, str(exc)
                with contextlib.suppress(state.StateError):
                    state.save(deployer.record)
                raise SessionError(f"deployment {deployer.tag}: {exc}", 1) from None
            finally:
                self.close()
            with _state_errors(), locks.ended_by(None):  # its objects are gone: its record goes whatever closes
                state.forget(deployer.tag)
        finally:
            lock.release(remove=True)
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

"""Following a deployment's schedule on its data plane: at its lease start it is deployed, at each period
boundary every link end takes the period's rates in place (`Deployer.retune`), a component outside its own
lease is stopped, and at the lease end everything is torn down and its capacity returned (state `ended`).

`enact(deployer, now)` brings one deployment (its deployer's record) to what its schedule has in force at
`now`, from whatever was applied before (so a late call catches up in one step), and returns what it did;
the caller holds the deployment's lock. `follow(id, now)` is the agent's way in (lock, record, enact, save);
the deploy session calls `enact` itself right after deploying (what `vxi status` shows of it: `time_status`).
What was done is kept in the record's `time`: "ends" (rates in force per "key|vxi/link"), "links" (values in
force per link), "applied" (when and which periods), "parked" (components the schedule stopped) and "log"."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from backend.deploy import prepare, state
from backend.deploy.backends import backend as backend_named
from backend.deploy.backends import make_deployer
from backend.deploy.base import Deployer, DeployError
from backend.deploy.plan import PlanError
from backend.deploy.record import ENDED, FAILED, INTERRUPTED, RUNNING, SCHEDULED, DeploymentRecord
from backend.deploy.time_status import FAILED_STEP, PREPARING, READY, schedule_of
from backend.deploy.timeline import ENDED as PHASE_ENDED
from backend.deploy.timeline import SCHEDULED as PHASE_SCHEDULED
from backend.deploy.timeline import Schedule, describe_values
from backend.embedding.held import Hold
from backend.embedding.mapping import Mapping
from backend.model import Infrastructure, Substrate

LOG_KEPT = 200  # actions kept in a record's log
IDLE_BPS = 8000.0  # an idle link's rate where a backend cannot set none (libvirt: 1 kB/s)
Log = Callable[[float, str], object]


def bounded(holds: list[Hold], lease: list) -> list[Hold]:
    """Holds limited to a lease [start, end or None]."""
    from dataclasses import replace

    end = math.inf if lease[1] is None else lease[1]
    return [replace(h, start=lease[0], end=end) for h in holds]


# ----- the models a scheduled deployment starts from -----
def keep_models(record: DeploymentRecord, substrate: Substrate, vxis: list[Infrastructure], mapping: Mapping) -> None:
    """Keep what a deployment needs to start later: its substrate and VXIs (as admitted, leases fixed) in its
    folder, its mapping in the record."""
    from backend.vxdl import write_file

    folder = state.files_dir(record.id) / "models"
    folder.mkdir(exist_ok=True)
    write_file(substrate, folder / "substrate.vxdl")
    paths = []
    for n, vxi in enumerate(vxis):
        write_file(vxi, folder / f"vxi-{n}.vxdl")
        paths.append(str(folder / f"vxi-{n}.vxdl"))
    record.time["models"] = {"substrate": str(folder / "substrate.vxdl"), "vxis": paths}
    record.time["mapping"] = mapping.to_json()


def kept_models(record: DeploymentRecord) -> tuple[Substrate, list[Infrastructure], Mapping]:
    """The models `keep_models` kept (DeployError naming the file when one no longer reads)."""
    from backend.vxdl import read_file

    models = record.time.get("models") or {}

    def read(path: str, role: str | None):
        result = read_file(path, role) if Path(path).is_file() else None
        if result is None or result.model is None or result.errors:
            raise DeployError(f"deployment {record.id}: {path}, kept when it was scheduled, no longer reads")
        return result.model

    substrate = read(models.get("substrate", ""), "substrate")
    vxis = [read(p, None) for p in models.get("vxis", [])]
    return substrate, vxis, Mapping.from_json(record.time["mapping"])


# ----- enacting -----
def enact(deployer: Deployer, now: float, log: Log | None = None, prepare_from: float | None = None) -> Deployer:
    """Bring a deployment to what its schedule has in force at `now` (deploy, retune, stop or start parts, end);
    each action goes to `log(now, text)` and to the record's log. With `prepare_from` (clock time) a scheduled
    deployment is deployed from then on, its links held idle, and only switched on at its start (`prepare.py`).
    Returns the deployer now managing it (a scheduled deployment gets a new one when it is deployed). The caller
    holds the deployment's lock and saves."""
    record = deployer.record
    schedule = schedule_of(record)
    if schedule is None or record.state not in (SCHEDULED, RUNNING):
        return deployer
    moment = schedule.at(now)

    def done(text: str) -> None:
        entries = record.time.setdefault("log", [])
        entries.append({"at": now, "what": text})
        del entries[:-LOG_KEPT]
        if log is not None:
            log(now, f"deployment {record.id}: {text}")

    if record.state == SCHEDULED:
        step = (record.time.get("prepared") or {}).get("step")
        if step == PREPARING:  # the agent was killed while preparing it: clean, prepare again
            removed = deployer.teardown()
            _unprepared(record)
            done(f"its preparation was interrupted: {len(removed)} objects removed")
            step = None
        if moment.phase == PHASE_SCHEDULED:
            if step is None and prepare_from is not None and now >= prepare_from:
                deployer = _prepare_early(deployer, schedule, now, done)
            return deployer
        if moment.phase == PHASE_ENDED:
            if step == READY:
                deployer.teardown()
            _finish(deployer, "its lease passed before it could start (no agent ran during it)")
            done("lease over before it started: nothing was deployed; its capacity is free again")
            return deployer
        if step == READY:
            record.state = RUNNING
            took = record.time["prepared"].get("prepare_s")
            done(f"lease started: running ({len(record.components)} components, prepared ahead"
                 + (f" in {took:.2f} s" if took is not None else "") + ")")
        else:
            deployer = _start(deployer, now)
            record = deployer.record
            if record.state != RUNNING:
                done(f"deploying at the lease start failed: {record.error}")
                return deployer
            done(f"lease started: deployed ({len(record.components)} components)")
    if moment.phase == PHASE_ENDED:
        removed = deployer.teardown()
        _finish(deployer, None)
        done(f"lease ended: torn down ({len(removed)} objects removed); its capacity is free again")
        return deployer
    _migrate_due(deployer, now, done)
    _apply(deployer, schedule, moment, done)
    record.time["applied"] = {"at": now, "periods": moment.periods, "period": moment.period}
    return deployer


def _apply(deployer: Deployer, schedule: Schedule, moment, done: Callable[[str], None]) -> None:
    """Set every link end and component to what `moment` has in force, acting only where it differs."""
    record = deployer.record
    before = record.time.get("applied", {}).get("periods")
    if before != moment.periods:
        names = [f"period {p}" + (f" of {v}" if len(moment.periods) > 1 else "")
                 for v, p in moment.periods.items() if p and (before or {}).get(v) != p]
        if names:
            done(", ".join(names) + " begins")
    parked = record.time.setdefault("parked", [])
    for key, up in moment.up.items():
        comp = record.components.get(key)
        if comp is None:
            continue
        if not up and comp.state == RUNNING:
            deployer.stop(key)
            parked.append(key)
            done(f"{key} stopped: outside its lease")
        elif up and key in parked:
            deployer.start(key)
            parked.remove(key)
            done(f"{key} started: its lease begins")
    ends = record.time.setdefault("ends", {})
    for seg, values in moment.links.items():
        base = schedule.links[seg]["values"][""]["ends"]
        changed = False
        for key, rates in values["ends"].items():
            ident = f"{key}|{seg}"
            comp = record.components.get(key)
            if comp is None or ends.get(ident, base[key]) == rates:
                continue
            deployer.retune(key, seg, rates[0], rates[1], values["latency_s"])
            ends[ident] = list(rates)
            changed = True
        if changed:
            deployer.retune_link(seg, *link_rates(values, schedule.links[seg]["values"][""]))
            done(f"link {seg}: {describe_values(values)}")
    deployer.flush()
    record.time["links"] = {seg: {**{k: v for k, v in values.items() if k != "ends"},
                                  "shaped_by": deployer.shaping(seg)}
                            for seg, values in moment.links.items()}


def link_rates(values: dict, own: dict) -> tuple[float, float]:
    """A link's rates as a whole (forward, reverse; 0: not limited that way) for `retune_link`: an idle link gets
    the least rate (8 kbit/s) each way it has."""
    if values["idle"]:
        return (IDLE_BPS if own["forward_bps"] else 0.0), (IDLE_BPS if own["reverse_bps"] else 0.0)
    return values["forward_bps"] or 0.0, values["reverse_bps"] or 0.0


def _migrate_due(deployer: Deployer, now: float, done: Callable[[str], None]) -> None:
    """Make the migrations a replan scheduled for now or earlier (`reorganise.schedule_moves`), holds first."""
    record = deployer.record
    for move in record.time.get("moves", []):
        if move["done"] or move["at"] > now:
            continue
        move["done"] = True
        try:
            comp = record.find(f"{move['vxi']}/{move['component']}")
        except KeyError:
            done(f"replanned move of {move['vxi']}/{move['component']} dropped: no such component")
            continue
        key = record.key_of(comp)
        if comp.host == move["to"]:
            continue
        refusal = _refusal(record, comp, move["to"], now)
        if refusal:
            done(f"replanned move of {key} to {move['to']} not made: {refusal}")
            continue
        source = comp.host
        state.move_holds(record.id, comp.vxi, comp.id, move["to"])
        try:
            result = deployer.migrate(key, move["to"])
        except DeployError as exc:
            state.move_holds(record.id, comp.vxi, comp.id, source)
            done(f"replanned move of {key} to {move['to']} failed: {exc}")
            continue
        ends = record.time.setdefault("ends", {})
        for iface in comp.interfaces:  # shaped again at their last rates by the move: the period goes back on
            ends[f"{key}|{iface.segment}"] = None
        done(f"{key} moved from {result.source} to {result.destination} ({result.mode}), as replanned")


def _refusal(record: DeploymentRecord, comp, host: str, now: float) -> str | None:
    """Why a component cannot move to a host now, counting what the other deployments hold (None: it can)."""
    from backend.embedding.fits import host_fits

    try:
        substrate, vxis, _ = kept_models(record)
    except DeployError as exc:
        return str(exc)
    placed = {(c.vxi, c.id): c.host for c in record.components.values()}
    held = state.holds_on(record.substrate or substrate.id, exclude=record.id)[0]
    fit = next((f for f in host_fits(substrate, vxis, placed, (comp.vxi, comp.id), now, held) if f.host == host),
               None)
    if fit is None:
        return f"no host '{host}' in substrate {substrate.id}"
    return None if fit.fits else fit.reason


def _prepare_early(deployer: Deployer, schedule: Schedule, now: float, done: Callable[[str], None]) -> Deployer:
    """Deploy a scheduled deployment before its start: it stays `scheduled` (also in the database while being
    deployed) and every link end is held idle until the start. A failure leaves it scheduled, to be deployed at
    the start as before."""
    record = deployer.record
    record.time["prepared"] = {"step": PREPARING, "at": now}
    state.save(record)
    began = time.monotonic()
    fresh = _start(deployer, now, keep_scheduled=True)
    if fresh.record.state != RUNNING:
        error = fresh.record.error
        record.state, record.error = SCHEDULED, None
        record.time["prepared"] = {"step": FAILED_STEP, "at": now, "error": error}
        done(f"preparing ahead failed ({error}): it is deployed at its start instead")
        return deployer
    record = fresh.record
    record.state = SCHEDULED
    ends = record.time.setdefault("ends", {})
    for seg, entry in schedule.links.items():
        own = entry["values"][""]
        for key in own["ends"]:
            if key in record.components:
                fresh.retune(key, seg, 0.0, 0.0, own["latency_s"])
                ends[f"{key}|{seg}"] = [0.0, 0.0]
        fresh.retune_link(seg, *link_rates({**own, "idle": True}, own))
    fresh.flush()
    took = time.monotonic() - began  # deploy and hold: about what the switch at the start takes again
    prepare.note_deploy(record, schedule, took)
    record.time["prepared"] = {"step": READY, "at": now, "deploy_s": record.time.pop("deploy_s", None),
                               "prepare_s": round(took, 3)}
    done(f"prepared ahead: deployed ({len(record.components)} components), every link held idle until the start")
    return fresh


def _unprepared(record: DeploymentRecord) -> None:
    """A scheduled deployment back to nothing deployed (after its teardown)."""
    record.state, record.error, record.components, record.resources = SCHEDULED, None, {}, []
    for key in ("ends", "links", "applied", "parked", "prepared"):
        record.time.pop(key, None)


def _start(deployer: Deployer, now: float, keep_scheduled: bool = False) -> Deployer:
    """Deploy a scheduled deployment from the models kept for it (the record keeps its id, files and time);
    `keep_scheduled`: the database goes on saying `scheduled` while it is deployed (prepared ahead)."""
    record = deployer.record
    try:
        substrate, vxis, mapping = kept_models(record)
        fresh = make_deployer(record.backend, substrate, vxis, tag=record.id)
    except (DeployError, ValueError) as exc:
        record.state, record.error = FAILED, str(exc)
        if not keep_scheduled:
            state.release(record.id)
        return deployer
    fresh.record.files, fresh.record.time, fresh.record.created = record.files, record.time, record.created
    fresh.record.notices = list(record.notices)
    fresh.persist = _saved_as_scheduled if keep_scheduled else state.save
    fresh.on_progress = deployer.on_progress
    began = time.monotonic()
    try:
        fresh.deploy(mapping)
    except (DeployError, PlanError):
        if not keep_scheduled:
            state.release(record.id)  # a failed deployment holds nothing; its record says why
        return fresh
    took = time.monotonic() - began
    schedule = schedule_of(fresh.record)
    if schedule is not None and not keep_scheduled:  # a preparation notes its whole time itself
        prepare.note_deploy(fresh.record, schedule, took)
    fresh.record.time["deploy_s"] = round(took, 3)
    return fresh


def _saved_as_scheduled(record: DeploymentRecord) -> None:
    """Save a record being prepared ahead: what it has created so far, its state still `scheduled`."""
    from dataclasses import replace

    state.save(replace(record, state=SCHEDULED, error=None))


def _finish(deployer: Deployer, error: str | None) -> None:
    record = deployer.record
    record.state, record.error = ENDED, error
    record.time.pop("links", None)
    state.release(record.id)


# ----- the agent's way in -----
def follow(deployment_id: str, now: float, log: Log | None = None, speed: float | None = 1.0) -> bool:
    """Bring one recorded deployment to `now` under its lock; False when another command holds it (try later).
    A scheduled one is prepared ahead of its start (`prepare.prepare_from` at the clock's `speed`; None: not)."""
    try:
        lock = state.claim(deployment_id)
    except state.DeploymentBusy:
        return False
    deployer = None
    try:
        record = state.load(deployment_id)
        if record.state not in (SCHEDULED, RUNNING) or schedule_of(record) is None:
            return True
        due = any(not m["done"] and m["at"] <= now for m in record.time.get("moves", []))
        deployer = _managing(record, with_substrate=due)  # a move may need the substrate's hosts
        schedule = schedule_of(record)
        ahead = None
        if speed is not None and record.state == SCHEDULED and not record.time.get("prepared"):
            ahead = prepare.prepare_from(record, schedule, speed)
        deployer = enact(deployer, now, log, ahead)
        state.save(deployer.record)
    except DeployError as exc:
        if log is not None:
            log(now, f"deployment {deployment_id}: {exc} (tried again)")
    finally:
        if deployer is not None:
            deployer.close()
        lock.release()
    return True


def restart_interrupted(deployment_id: str, now: float, log: Log | None = None) -> None:
    """A scheduled deployment whose start was interrupted (the agent killed while deploying it): what it created
    is removed and it is scheduled again, so that the next `follow` deploys it."""
    try:
        lock = state.claim(deployment_id)
    except state.DeploymentBusy:
        return
    try:
        record = state.load(deployment_id)
        if record.state != INTERRUPTED:
            return
        deployer = _managing(record)
        try:
            removed = deployer.teardown()
        finally:
            deployer.close()
        record.state, record.error, record.components, record.resources = SCHEDULED, None, {}, []
        for key in ("ends", "links", "applied", "parked", "prepared"):
            record.time.pop(key, None)
        record.time.setdefault("log", []).append({"at": now, "what": "its start was interrupted: cleaned, "
                                                                     "starting again"})
        state.save(record)
        if log is not None:
            log(now, f"deployment {deployment_id}: its start was interrupted: {len(removed)} objects removed, "
                     "starting it again")
    except DeployError as exc:
        if log is not None:
            log(now, f"deployment {deployment_id}: cleaning its interrupted start failed: {exc}")
    finally:
        lock.release()


def _managing(record: DeploymentRecord, with_substrate: bool = False) -> Deployer:
    """A deployer managing a recorded deployment, without its substrate unless asked (following and tearing down
    need none; a start reads the one kept), so that no file is read on every turn."""
    substrate = None
    if with_substrate and record.time.get("models"):
        try:
            substrate = kept_models(record)[0]
        except DeployError:
            substrate = None
    return backend_named(record.backend).deployer().from_record(record, substrate)

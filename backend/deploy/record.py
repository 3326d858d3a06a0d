"""A deployment record: what was created where, kept in the deployments database (`state.py`) so that a
later command finds it."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from backend.model import Infrastructure, Substrate

DEPLOYING, RUNNING, FAILED, TORN_DOWN = "deploying", "running", "failed", "torn-down"
INTERRUPTED = "interrupted"  # its deploy ended (killed) before it finished: `vxi teardown` or a new deploy cleans it
INTERRUPTED_WHY = ("its deploy (process {pid}) ended before it finished: what it created may still run; "
                   "`vxi teardown {id}` or the next `vxi deploy` removes it")  # an interrupted deployment's error
SCHEDULED, ENDED = "scheduled", "ended"  # a deployment waiting for its lease, one whose lease is over (leases in time)
STATES = (SCHEDULED, DEPLOYING, RUNNING, FAILED, INTERRUPTED, ENDED, TORN_DOWN)
HOLDING = (SCHEDULED, DEPLOYING, RUNNING, INTERRUPTED)  # states in which a deployment holds substrate capacity
KNOWN_BACKENDS: set[str] = set()  # the registry's names (`backends.BACKENDS` keeps it so); empty: not checked


_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def valid_id(text: str) -> bool:
    """Whether a text can be a deployment id (letters, digits, '-' and '_': safe in names and paths)."""
    return bool(_ID.match(text))


def new_tag() -> str:
    """A short deployment tag: a letter then four letters or digits (names are 'vxi' + tag + '-...')."""
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(alphabet) for _ in range(4))


def prefix_of(tag: str) -> str:
    """The prefix of every name a deployment creates."""
    return f"vxi{tag}-"


@dataclass
class Interface:
    """A component's interface on one segment."""

    name: str
    segment: str  # "vxi/link"
    address: str
    host_side: str | None = None  # the name of the other end on the host (netns backend)
    rate_out_bps: float = 0.0  # shaped rate out of the component
    rate_in_bps: float = 0.0  # shaped rate into the component


@dataclass
class ComponentRecord:
    """A deployed component: its host, state and addresses, and the object that runs it."""

    vxi: str
    id: str
    kind: str
    host: str
    state: str
    addresses: list[str] = field(default_factory=list)
    name: str = ""  # the libvirt domain or the network namespace
    interfaces: list[Interface] = field(default_factory=list)


@dataclass
class Resource:
    """One thing the deployment created: kind (domain, network, namespace), name, and its host."""

    kind: str
    name: str
    host: str


@dataclass
class DeploymentRecord:
    """Everything a later `vxi status`, `teardown`, `migrate` or `exec` needs to know."""

    id: str
    backend: str
    substrate: str = ""
    vxis: list[str] = field(default_factory=list)
    files: dict = field(default_factory=dict)  # {"substrate": path, "vxis": [paths]}
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    state: str = DEPLOYING
    hosts: dict[str, str] = field(default_factory=dict)  # host id -> URI or namespace
    components: dict[str, ComponentRecord] = field(default_factory=dict)
    segments: dict[str, dict] = field(default_factory=dict)  # "vxi/link" -> subnet, rates, hosts, paths
    resources: list[Resource] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # migrations
    time: dict = field(default_factory=dict)  # its schedule and what is in force (backend/deploy/follow.py)
    outlives_process: bool = True  # False on libvirt's test driver: its worlds end with the process
    real_counters: bool = True  # False on libvirt's test driver, whose traffic counters are fake
    error: str | None = None

    @property
    def prefix(self) -> str:
        """The prefix of every name this deployment created."""
        return prefix_of(self.id)

    def find(self, name: str) -> ComponentRecord:
        """A component by key, plain id or vxi/id (KeyError with a clear message otherwise)."""
        if name in self.components:
            return self.components[name]
        found = [c for c in self.components.values() if c.id == name or f"{c.vxi}/{c.id}" == name]
        if len(found) == 1:
            return found[0]
        if found:
            raise KeyError(f"'{name}' names components in several VXIs: write VXI/{name}")
        raise KeyError(f"deployment {self.id} has no component '{name}'")

    def split_key(self, key: str) -> tuple[str, str]:
        """A "VXI/id" key (a component's, a link's) as (VXI, id), also when the VXI's id holds a '/': the
        longest of the deployment's VXI ids that starts the key."""
        vxi = max((v for v in self.vxis if key.startswith(f"{v}/")), key=len, default=key.partition("/")[0])
        return vxi, key[len(vxi) + 1:]

    def key_of(self, comp: ComponentRecord) -> str:
        """The key under which a component is recorded."""
        return next(k for k, c in self.components.items() if c is comp)

    def to_json(self) -> dict:
        """The full JSON form (as stored on disk and printed by --json)."""
        data = asdict(self)
        data["resources"] = [asdict(r) for r in self.resources]
        return data

    def summary_json(self) -> dict:
        """The short form `vxi status --json` lists, with the full fields as well."""
        data = self.to_json()
        data["components"] = {k: {"host": c.host, "state": c.state, "addresses": list(c.addresses),
                                  "vxi": c.vxi, "id": c.id, "kind": c.kind, "name": c.name,
                                  "interfaces": [asdict(i) for i in c.interfaces]}
                              for k, c in self.components.items()}
        return data

    def check(self) -> None:
        """ValueError naming the first field whose stored value has the wrong shape (a damaged record), so
        that no command meets it later as a crash."""
        def strings(value) -> bool:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)

        expected = {"id": str, "backend": str, "substrate": str, "created": str, "state": str, "files": dict,
                    "hosts": dict, "segments": dict, "time": dict, "outlives_process": bool,
                    "real_counters": bool}
        wrong = [name for name, kind in expected.items() if not isinstance(getattr(self, name), kind)]
        wrong += [name for name in ("vxis", "notices") if not strings(getattr(self, name))]
        if not (isinstance(self.history, list) and all(isinstance(h, dict) for h in self.history)):
            wrong.append("history")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.hosts.items()):
            wrong.append("hosts")
        if not all(isinstance(v, dict) for v in self.segments.values()):
            wrong.append("segments")
        if self.error is not None and not isinstance(self.error, str):
            wrong.append("error")
        if KNOWN_BACKENDS and self.backend not in KNOWN_BACKENDS:
            wrong.append(f"backend ({self.backend!r} is none of {', '.join(sorted(KNOWN_BACKENDS))})")
        for key, comp in self.components.items():
            texts = (comp.vxi, comp.id, comp.kind, comp.host, comp.state, comp.name)
            if not all(isinstance(t, str) for t in texts) or not strings(comp.addresses) or not all(
                    isinstance(i.name, str) and isinstance(i.segment, str) and isinstance(i.address, str)
                    and isinstance(i.rate_out_bps, int | float) and isinstance(i.rate_in_bps, int | float)
                    and (i.host_side is None or isinstance(i.host_side, str)) for i in comp.interfaces):
                wrong.append(f"component {key}")
        for res in self.resources:
            if not all(isinstance(t, str) for t in (res.kind, res.name, res.host)):
                wrong.append("resources")
                break
        if wrong:
            raise ValueError(f"wrong values in: {', '.join(dict.fromkeys(wrong))}")

    @classmethod
    def from_json(cls, data: dict) -> DeploymentRecord:
        """Read the stored form back."""
        values = dict(data)
        values["components"] = {
            k: ComponentRecord(**{**c, "interfaces": [Interface(**i) for i in c.get("interfaces", [])]})
            for k, c in data.get("components", {}).items()}
        values["resources"] = [Resource(**r) for r in data.get("resources", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


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

"""The backends by name, with what each can do: the one place that knows them all. A new backend is a
package under `backend/deploy/` with a `Deployer`, and one entry in `BACKENDS` here."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.deploy.record import KNOWN_BACKENDS, DeploymentRecord, recorded_substrate
from backend.extras import MissingExtra, libvirt_missing, require_libvirt  # libvirt-python is an optional extra
from backend.model import Infrastructure, Substrate

if TYPE_CHECKING:  # the deployers import the embedding (numpy, scipy): only when a deployment is made
    from backend.deploy.base import Deployer


def _libvirt() -> type[Deployer]:
    from backend.deploy.libvirt.deployer import LibvirtDeployer

    return LibvirtDeployer


def _netns() -> type[Deployer]:
    from backend.deploy.netns.deployer import NetnsDeployer

    return NetnsDeployer


def _netns_leftovers() -> set[str]:
    """The tags of the deployments whose namespaces (vxi<tag>-...) this kernel holds."""
    from backend.deploy.netns import kernel

    return {name[3:].partition("-")[0] for name in kernel.namespaces("vxi") if "-" in name[4:]}


def _test_leftovers() -> set[str]:
    """The tags of the deployments whose test-driver host files are still in the state directory."""
    from backend.deploy.state import state_dir

    folder = state_dir() / "deployments"
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and any(p.glob("*.xml"))}


def _libvirt_leftovers() -> set[str]:
    """The tags of the deployments whose domains, networks, link devices or disks this machine's labs hold."""
    from backend.deploy.libvirt import leftovers

    if libvirt_missing() is not None:  # without libvirt-python no lab can be asked (and none was deployed to)
        return set()
    return leftovers.leftover_tags()


@dataclass(frozen=True)
class Backend:
    """A deployment backend: its name on the command line, its title in menus, and what it can do."""

    name: str
    title: str
    help: str
    deployer: Callable[[], type[Deployer]]  # the Deployer class (imported when first needed)
    options: tuple[tuple[str, object], ...] = ()  # keyword arguments for a new deployer
    needs_root: bool = False
    needs_libvirt: bool = False  # libvirt-python, the optional extra `vxi-designer[libvirt]`
    traffic: bool = False  # iperf3 flows between components (`vxi traffic`, the Run dock)
    exec: bool = False  # commands run inside components (`vxi exec`)
    leftovers: Callable[[], set[str]] | None = None  # tags of the deployments it finds objects of, by name
    own_leftovers: bool = False  # those are only of this state directory's deployments (`teardown --all` takes them)

    def unavailable(self) -> str | None:
        """Why this backend cannot be used by this process now (None when it can)."""
        if self.needs_root and os.geteuid() != 0:
            return f"the {self.name} backend needs root (network namespaces, tc)"
        if self.needs_libvirt and libvirt_missing() is not None:
            return str(MissingExtra(self.what, "libvirt", libvirt_missing()))
        return None

    @property
    def what(self) -> str:
        """'the test backend (libvirt test driver)', as messages name it."""
        return f"the {self.name} backend" + ("" if self.title.startswith(self.name) else f" ({self.title})")

    def require(self) -> None:
        """Raise MissingExtra (one sentence with the pip command) when an optional library this backend needs is
        not installed."""
        if self.needs_libvirt:
            require_libvirt(self.what)


class _Registry(dict):
    """The backends by name, telling the records which names they may hold (`record.KNOWN_BACKENDS`) as
    backends are added or removed."""

    def __setitem__(self, name: str, entry: Backend) -> None:
        super().__setitem__(name, entry)
        KNOWN_BACKENDS.add(name)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        KNOWN_BACKENDS.discard(name)


BACKENDS: dict[str, Backend] = _Registry()
for _entry in (
    Backend("test", "libvirt test driver", "libvirt's in-process test driver, one host file per host (the default; "
            "nothing runs for real)", _libvirt, (("test_only", True),), needs_libvirt=True,
            leftovers=_test_leftovers, own_leftovers=True),
    Backend("libvirt", "libvirt (substrate URIs)", "the libvirt daemons named by the substrate's host URIs: real "
            "QEMU guests (a local lab: vxi lab up)", _libvirt, needs_libvirt=True, traffic=True, exec=True,
            leftovers=_libvirt_leftovers, own_leftovers=True),
    Backend("netns", "netns (this kernel)", "this machine's kernel: network namespaces, veth, bridges, tc (root)",
            _netns, needs_root=True, traffic=True, exec=True, leftovers=_netns_leftovers),
):
    BACKENDS[_entry.name] = _entry


def backend(name: str) -> Backend:
    """The backend of a name (ValueError naming the known ones otherwise)."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})") from None


def able(capability: str) -> list[str]:
    """The names of the backends that have a capability (`traffic`, `exec`)."""
    return [b.name for b in BACKENDS.values() if getattr(b, capability)]


def available_backends() -> list[Backend]:
    """The backends this process can use now, in menu order."""
    return [b for b in BACKENDS.values() if b.unavailable() is None]


def make_deployer(name: str, substrate: Substrate, vxis: list[Infrastructure],
                  tag: str | None = None) -> Deployer:
    """A deployer for a new deployment on the named backend."""
    chosen = backend(name)
    chosen.require()
    return chosen.deployer()(substrate, vxis, tag, **dict(chosen.options))


def reopen(record: DeploymentRecord, substrate: Substrate | None = None) -> Deployer:
    """A deployer managing a recorded deployment (its substrate re-read when not given and its file still exists)."""
    if substrate is None:
        substrate = recorded_substrate(record)
    chosen = backend(record.backend)
    chosen.require()
    return chosen.deployer().from_record(record, substrate)


def orphan(tag: str) -> DeploymentRecord | None:
    """A bare record for a deployment whose record is lost or damaged but whose objects a backend still finds
    by its tag."""
    for chosen in BACKENDS.values():
        if chosen.leftovers is not None and chosen.unavailable() is None and tag in chosen.leftovers():
            return DeploymentRecord(tag, chosen.name)
    return None


def leftover_tags() -> list[str]:
    """The tags of every deployment the backends usable here find objects of, by name."""
    return sorted(found_by_name())


def found_by_name(own_only: bool = False) -> dict[str, str]:
    """Every deployment the backends usable here find objects of by name: tag -> backend (the first that finds
    it, in the order `orphan` asks them); with `own_only`, only from backends that find this state directory's
    deployments alone (not the netns backend: a kernel's namespaces belong to whoever made them)."""
    found: dict[str, str] = {}
    for chosen in BACKENDS.values():
        if own_only and not chosen.own_leftovers:
            continue
        if chosen.leftovers is not None and chosen.unavailable() is None:
            for tag in chosen.leftovers():
                found.setdefault(tag, chosen.name)
    return found


def made_here() -> dict[str, str]:
    """found_by_name() for the deployments this state directory made: found by a backend whose leftovers are its
    own, or holding their lock file here (a kernel's namespaces belong to whoever made them)."""
    from backend.deploy import state

    own = found_by_name(own_only=True)
    return {tag: name for tag, name in found_by_name().items() if tag in own or state.has_lock_file(tag)}

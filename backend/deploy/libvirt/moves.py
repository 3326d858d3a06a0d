"""Live migration on real libvirtd hosts (a mixin of LibvirtDeployer): the job (migrateToURI3, peer to peer)
run in a thread with its own deadline and progress, watched on both ends: a destination that stops answering
has the job aborted on the source, a source that stops answering has the incoming guest destroyed on the
destination, so that the guest stays on its source in either case (docs/deployment.md, "A host that stops
answering")."""

from __future__ import annotations

import contextlib
import threading
import time

from backend.deploy.base import DeployError, MigrationResult
from backend.deploy.libvirt import disks, guard, pools
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.progress import RUNNING
from backend.deploy.record import Resource


class LiveMoves:
    """`_live_move` and `_found_elsewhere` for LibvirtDeployer (which gives `record`, `connection`, `tracker`,
    `_report` and `_states_on`)."""

    def _live_move(self, dom, component: str, source: str, host: str) -> MigrationResult:
        import libvirt

        flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST
                 | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE | libvirt.VIR_MIGRATE_AUTO_CONVERGE)
        params: dict = {}
        paths: dict[str, str] | None = None  # a disk in the deployment's pool: its paths on source -> destination
        disk = self.record.files.get("disks", {}).get(component)
        if disk and disk.get("pool"):  # its overlay follows it: copied block by block into one made there first
            params, paths = self._disk_before_move(dom, component, source, host, disk)
            flags |= libvirt.VIR_MIGRATE_NON_SHARED_INC
        elif disk:
            if not disks.on_this_machine(self.real_host(host)):
                raise DeployError(f"host {host}: {component} cannot move there: its disk's overlay is a file of this "
                                  "machine, which a host of another machine cannot read", host, "migrate")
            # its overlay is one file that both hosts see at the same path (they are on this machine): libvirt
            # cannot tell that this is shared storage and would refuse the move as unsafe
            flags |= libvirt.VIR_MIGRATE_UNSAFE
        elif not disks.on_this_machine(self.real_host(host)):  # the project's image there (the destination's
            params = self._image_before_move(dom, host)  # QEMU opens its kernel and initramfs as it starts)
        failure: list[Exception] = []
        job = guard.raw(dom)  # the job has its own deadline (migrate_seconds()) and progress, not a call's

        def run() -> None:
            try:
                job.migrateToURI3(self.record.hosts[host], params, flags)
            except libvirt.libvirtError as exc:
                failure.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        started = time.monotonic()
        before = self.tracker.fraction
        self._report(f"migrating {dom.name()} live to {host}", source, component)
        worker.start()
        while worker.is_alive():
            worker.join(0.5)
            if worker.is_alive():
                copied = self._follow_job(dom, component, source, host, started)
                if copied is not None:
                    self.tracker.emit(component, RUNNING, f"migrating {dom.name()} live to {host}: "
                                      f"{copied * 100:.1f} % of its memory copied", source,
                                      before + (1.0 - before) * min(copied, 1.0))
        if failure:
            if paths is not None:
                self._disk_after_move(component, host, source)  # the overlay and seed made for it go again
            raise DeployError(f"host {source}: live migration of {dom.name()} to {host} failed: "
                              f"{failure[0].get_error_message()}{self._taken_on(host, dom)}", source, "migrate")
        seconds = time.monotonic() - started
        if paths is not None:
            self._disk_after_move(component, source, host, paths)
        try:
            moved = self.connection(host).lookupByName(dom.name())
            stats = moved.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        except libvirt.libvirtError:
            stats = {}
        figures = ""
        if stats:
            figures = (f" (job {stats.get('time_elapsed', 0)} ms, stop-and-copy downtime {stats.get('downtime', 0)} ms,"
                       f" {stats.get('data_processed', 0) / 2**20:.1f} MiB sent)")
            self.record.files.setdefault("migrations", []).append(
                {"component": component, "source": source, "destination": host, "seconds": round(seconds, 3),
                 "job_ms": stats.get("time_elapsed"), "downtime_ms": stats.get("downtime"),
                 "data_bytes": stats.get("data_processed")})
        return MigrationResult(component, source, host, "live", None, f"live migration took {seconds:.1f} s{figures}")

    def _found_elsewhere(self, comp, lost: dict[str, str]) -> None:
        """A guest missing on its host found on another of the deployment's (a `vxi migrate` killed while libvirt
        moved it, which libvirt finished): the component is said there, with its state there."""
        for host_id in self.record.hosts:
            if host_id == comp.host or host_id in lost:
                continue
            try:
                there = self._states_on(host_id, [(None, comp)])[comp.name]
            except DeployError as exc:
                lost[host_id] = str(exc)
                continue
            if there != "missing":
                comp.host, comp.state = host_id, there
                return

    def _taken_on(self, host: str, dom) -> str:
        """Why a destination refused a move when another domain of the guest's name is there (libvirt's own
        sentence may not say it: over ssh it can be an end of file); '' otherwise."""
        import libvirt

        try:
            there = self.connection(host).lookupByName(dom.name())
            if there.UUIDString() == dom.UUIDString():
                return ""
        except (libvirt.libvirtError, DeployError):
            return ""
        return f" ({host} already has another domain named {dom.name()}, not this deployment's: left as it is)"

    def _disk_before_move(self, dom, component: str, source: str, host: str,
                          disk: dict) -> tuple[dict, dict[str, str]]:
        """The migration's parameters for a guest whose disk is in the deployment's pool: its overlay (vda) copied
        into an empty one made on the destination first, the destination's paths in its XML where they differ."""
        import libvirt

        self._report(f"{component}: overlay and seed made in storage pool {disk['pool']} on {host}", host, component)
        try:
            paths = disks.copy_for_move(component, host, self.connection(source), self.connection(host),
                                        self.record.prefix, dom.name(), disk)
        except disks.DiskError as exc:
            raise DeployError(f"host {host}: {exc}", host, "migrate") from exc
        return {libvirt.VIR_MIGRATE_PARAM_MIGRATE_DISKS: ["vda"], **_destination_xml(dom, paths)}, paths

    def _image_before_move(self, dom, host: str) -> dict:
        """The project's image on a destination of another machine (found or uploaded, as at deploy); the
        migration's parameters: the domain's XML with the destination's paths where they differ."""
        from lxml import etree

        from backend.guest.image import ensure

        placed = self._image_on(host, ensure())
        root = etree.fromstring(dom.XMLDesc(0).encode())
        paths = {root.findtext("os/kernel"): placed.kernel, root.findtext("os/initrd"): placed.initrd}
        return _destination_xml(dom, {old: new for old, new in paths.items() if old})

    def _disk_after_move(self, component: str, left: str, holder: str, paths: dict | None = None) -> None:
        """The overlay and seed of a guest removed from the host it `left` (after a move, or from the destination
        after a failed one); after a move the record names the paths on the host that now holds it."""
        import libvirt

        names = list(disks.volume_names(self.record.components[component].name))
        try:
            pools.remove_volumes(self.connection(left), self.record.prefix, names)
        except (libvirt.libvirtError, DeployError) as exc:  # the pool goes at teardown in any case
            self.record.notices.append(f"{component}: its overlay on {left} is left until teardown: {exc}")
        if paths is None:
            return
        disk = self.record.files["disks"][component]
        disk["overlay"], disk["seed"] = paths[disk["overlay"]], paths.get(disk["seed"]) if disk["seed"] else None
        kept = [r for r in self.record.resources if not (r.kind == "overlay" and r.host == left
                                                          and r.name in paths)]
        kept.append(Resource("overlay", disk["overlay"], holder))
        if not any(r.kind == "pool" and r.host == holder for r in kept):
            kept.append(Resource("pool", disk["pool"], holder))
        self.record.resources = kept

    def _follow_job(self, dom, component: str, source: str, host: str, started: float) -> float | None:
        """The share of a running migration job's memory copied (None when unknown); DeployError, the job
        cancelled, when the source or the destination stops answering or the job outlives migrate_seconds()."""
        import libvirt

        try:
            self.connection(host).getLibVersion()  # the destination answers
        except DeployError as exc:
            reason = str(exc).removeprefix(f"host {host}: ")
            with contextlib.suppress(libvirt.libvirtError, DeployError):
                dom.abortJob()
            raise DeployError(f"host {host}: live migration of {dom.name()} to {host} failed: {reason}; the job was "
                              f"aborted and {component} stays on {source}", host, "migrate") from exc
        try:
            stats = dom.jobStats()
        except libvirt.libvirtError:
            return None
        except DeployError as exc:  # the source stopped answering: the move is cancelled from its destination
            reason = str(exc).removeprefix(f"host {source}: ")
            where = self._cancel_incoming(host, dom.name())
            raise DeployError(f"host {source}: live migration of {dom.name()} to {host} failed: {reason}; {where}",
                              source, "migrate") from exc
        if time.monotonic() - started > migrate_seconds():
            with contextlib.suppress(libvirt.libvirtError, DeployError):
                dom.abortJob()
            raise DeployError(f"host {source}: live migration of {dom.name()} to {host} did not end within "
                              f"{migrate_seconds():g} s (VXI_MIGRATE_TIMEOUT): the job was aborted", source, "migrate")
        total = stats.get("data_total") or 0
        return (stats.get("data_processed", 0) / total) if total else 0.0

    def _cancel_incoming(self, host: str, name: str) -> str:
        """The guest a migration was bringing up on `host`, destroyed while still paused (incoming) so that the
        move cannot complete: its source keeps the guest. What was done, in words."""
        import libvirt

        try:
            incoming = self.connection(host).lookupByName(name)
            if incoming.state()[0] == libvirt.VIR_DOMAIN_RUNNING:
                return f"it may have reached {host} (running there): see vxi status"
            incoming.destroy()
        except libvirt.libvirtError:
            return "the job was cancelled (nothing of it on the destination)"
        except DeployError as exc:
            return f"its incoming guest on {host} could not be removed either ({exc})"
        return f"the job was cancelled (its incoming guest on {host} destroyed): it stays on its source"


def _destination_xml(dom, paths: dict[str, str]) -> dict:
    """The migration parameter giving the destination the domain's XML with `paths` (old -> new) replaced; none
    when every path stays the same."""
    import libvirt

    if all(old == new for old, new in paths.items()):
        return {}
    from lxml import etree

    root = etree.fromstring(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE).encode())
    for el in root.iter("kernel", "initrd", "source"):
        if el.text in paths:
            el.text = paths[el.text]
        if el.get("file") in paths:
            el.set("file", paths[el.get("file")])
    return {libvirt.VIR_MIGRATE_PARAM_DEST_XML: etree.tostring(root, encoding="unicode")}


def migrate_seconds() -> float:
    """How long a live migration job may take before it is aborted (VXI_MIGRATE_TIMEOUT, 600 s by default)."""
    return hostfiles.env_seconds("VXI_MIGRATE_TIMEOUT", 600.0)

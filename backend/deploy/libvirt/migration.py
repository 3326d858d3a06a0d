"""Moving a component to another host (a mixin of LibvirtDeployer): its links made on the destination first, then
libvirt's live migration on real hosts (`LiveMoves`), or a cold move on the test driver, which cannot migrate. The
destination is recorded before the move: a command killed meanwhile leaves a move that status finds."""

from __future__ import annotations

import time

from backend.deploy.base import DeployError, MigrationResult
from backend.deploy.libvirt import hosts as hostfiles
from backend.deploy.libvirt.moves import LiveMoves
from backend.deploy.libvirt.removal import remove_domain
from backend.deploy.moved import forget_move
from backend.deploy.progress import RUNNING, Tracker
from backend.deploy.record import Resource

COLD_NOTICE = ("the test driver cannot migrate: {c} was moved cold (defined and started on {d}, "
               "destroyed and undefined on {s})")


class Migration(LiveMoves):
    """`migrate` for LibvirtDeployer (which gives `record`, `substrate`, `connection`, `real`, `_step`, `_uri`,
    `_persist`, `_save_worlds`, `_define_network` and the links' `_links_before_move`/`_links_after_move`)."""

    def migrate(self, component: str, host: str) -> MigrationResult:
        """Live migration (migrateToURI3) where the driver has it, with progress; a cold move on the
        test driver. The component's networks are created on the destination first."""
        comp, key = self._moving(component, host)
        if host not in self.record.hosts:
            if self.substrate is None or host not in self.substrate.hosts:
                raise DeployError(f"no host '{host}' in the substrate of deployment {self.tag}", host, "migrate")
            self.record.hosts[host] = self._uri(host)
        self.record.files.setdefault("moving", {})[key] = host
        self._persist()  # its command killed, libvirt may end the move alone: status and teardown look there too
        try:
            return self._move(comp, key, host)
        finally:
            forget_move(self.record, key)

    def _move(self, comp, key: str, host: str) -> MigrationResult:
        """The move itself, the destination recorded: the links, then the live (or cold) migration."""
        source = comp.host
        self.tracker = Tracker(self.on_progress, 4, RUNNING)  # networks, then define, start, remove (or the move)
        src, dst = self.connection(source), self.connection(host)
        if self.real:
            self._links_before_move(key, source, host)
        else:
            self._networks_on(dst, host, comp, key)
        self.tracker.advance()
        dom = self._step(source, f"looking up domain {comp.name}", lambda: src.lookupByName(comp.name), key)
        if hostfiles.is_test_uri(self.record.hosts[source]) or hostfiles.is_test_uri(self.record.hosts[host]):
            result = self._cold_move(dom, dst, key, source, host)
        else:
            probe = self._outage_probe(key)
            if probe is not None:
                probe.start()
            try:
                result = self._live_move(dom, key, source, host)
            except DeployError:
                if probe is not None:
                    probe.stop()
                self._links_after_move(key, source, host)
                raise
            comp.host = host
            self._links_after_move(key, source, host)
            if probe is not None:
                result.outage_s = probe.stop()
                result.notice += probe.sentence(result.outage_s)
        comp.host = host
        self.record.resources = [r for r in self.record.resources
                                 if not (r.kind == "domain" and r.name == comp.name)]
        self.record.resources.append(Resource("domain", comp.name, host))
        self.record.history.append(result.to_json())
        self._save_worlds()
        self.tracker.emit(key, RUNNING, f"{key} moved from {source} to {host} ({result.mode})", host, 1.0)
        return result

    def _networks_on(self, conn, host_id: str, comp, key: str) -> None:
        present = {n.name() for n in conn.listAllNetworks()}
        for iface in comp.interfaces:
            vxi, link = self.record.split_key(iface.segment)
            name = self.network_name(vxi, link)
            if name not in present:
                seg = self.record.segments[iface.segment]
                self._define_network(conn, host_id, vxi, link, seg["index"], seg["forward_bps"],
                                     seg["reverse_bps"], None, key)

    def _cold_move(self, dom, dst, component: str, source: str, host: str) -> MigrationResult:
        import libvirt

        started = time.monotonic()
        xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_MIGRATABLE)
        new = self._step(host, f"defining domain {dom.name()}", lambda: dst.defineXML(xml), component)
        self.tracker.advance()
        try:
            self._step(host, f"starting domain {dom.name()}", new.create, component)
        except DeployError:
            new.undefine()
            raise
        self.tracker.advance()
        self._step(source, f"removing domain {dom.name()}", lambda: remove_domain(dom), component)
        return MigrationResult(component, source, host, "cold", None,
                               COLD_NOTICE.format(c=component, d=host, s=source) +
                               f" in {time.monotonic() - started:.3f} s")

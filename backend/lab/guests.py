"""Guests of the project's image on lab hosts, without a deployment: booted on a host, joined to link
bridges, reached through the exec channel, moved live between hosts. Used by the lab's tests and
benchmarks (the libvirt deployer builds the same domains from a VXI)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from backend.deploy.libvirt.xml import DomainSpec, GuestBoot, NicSpec, domain_xml, stable_uuid
from backend.guest.channel import ExecResult, GuestChannel
from backend.guest.config import GuestConfig, GuestNic, kernel_cmdline
from backend.guest.image import GuestImage
from backend.lab.lab import Lab

TAG = "lab"


@dataclass
class LabGuest:
    """A running guest: where it is, its domain and connection, its exec channel."""

    name: str
    host: str
    config: GuestConfig
    bridges: list[str]
    conn: object = None
    dom: object = None
    channel: GuestChannel | None = None
    created_at: float = 0.0
    ready_seconds: float = 0.0

    def run(self, command: str, timeout: float = 30.0) -> ExecResult:
        """Run a command in the guest (exec channel)."""
        return self.channel.run(command, timeout)


def spec(lab: Lab, image: GuestImage, config: GuestConfig, bridges: list[str], memory_mib: int = 128,
         vcpus: int = 1, host_shaping: bool | None = None, seed: str | None = None) -> DomainSpec:
    """The domain of a lab guest: the project's image booted directly, one virtio NIC per bridge (the
    config's NICs in the same order), its serial console kept in the host's libvirt log folder, and
    optionally a NoCloud seed as a read-only disk."""
    shaping = lab.host_shaping if host_shaping is None else host_shaping
    nics = [NicSpec(bridge, nic.rate_bps if shaping else 0, 0, ",".join(nic.addresses), mac=nic.mac, bridge=bridge,
                    host_shaping=shaping) for bridge, nic in zip(bridges, config.nics, strict=True)]
    if shaping:
        config = GuestConfig(config.name, [GuestNic(n.mac, n.addresses, 0, n.delay_s) for n in config.nics],
                             config.routes, config.forward)
    boot = GuestBoot(kernel=str(image.kernel), initrd=str(image.initrd), cmdline=kernel_cmdline(config), seed=seed)
    return DomainSpec(config.name, stable_uuid(TAG, config.name), memory_mib * 2**20, vcpus, TAG, "lab",
                      config.name, "router" if config.forward else "node", nics, list(config.routes),
                      lab.domain_type, boot, f"/var/log/libvirt/qemu/{config.name}.serial.log")


def start(lab: Lab, image: GuestImage, host_id: str, config: GuestConfig, bridges: list[str], conn=None,
          **kwargs) -> LabGuest:
    """Define and start a guest on a host (not waiting for it to be ready)."""
    conn = conn or lab.connect(host_id)
    xml = domain_xml(spec(lab, image, config, bridges, **kwargs))
    guest = LabGuest(config.name, host_id, config, bridges, conn)
    guest.dom = conn.defineXML(xml)
    guest.created_at = time.monotonic()
    guest.dom.create()
    guest.channel = GuestChannel(guest.dom)
    return guest


def wait_ready(guest: LabGuest, timeout: float = 180.0) -> float:
    """Wait for the guest's agent; seconds from its start to ready (kept in `ready_seconds`)."""
    guest.channel.wait_ready(timeout)
    guest.ready_seconds = time.monotonic() - guest.created_at
    return guest.ready_seconds


def remove(guest: LabGuest) -> None:
    """Destroy and undefine a guest wherever it is now."""
    import libvirt

    for action in ("destroy", "undefine"):
        try:
            getattr(guest.dom, action)()
        except (libvirt.libvirtError, AttributeError):
            pass


@dataclass
class MigrationFigures:
    """What a live migration cost: wall time of the job, its own elapsed time and stop-and-copy
    downtime (jobStats), memory sent."""

    seconds: float
    job_ms: int
    downtime_ms: int
    data_bytes: int


def migrate(lab: Lab, guest: LabGuest, destination: str, dest_conn=None) -> MigrationFigures:
    """Move a running guest live to another lab host (peer to peer, persistent there, undefined here);
    the guest object follows it (new domain, connection and channel)."""
    import libvirt

    flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER | libvirt.VIR_MIGRATE_PERSIST_DEST
             | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
    started = time.monotonic()
    guest.dom.migrateToURI3(lab.host(destination).uri, {}, flags)
    seconds = time.monotonic() - started
    conn = dest_conn or lab.connect(destination)
    dom = conn.lookupByName(guest.name)
    try:
        stats = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    except libvirt.libvirtError:
        stats = {}
    guest.host, guest.conn, guest.dom = destination, conn, dom
    guest.channel = GuestChannel(dom)
    return MigrationFigures(seconds, int(stats.get("time_elapsed", 0)), int(stats.get("downtime", 0)),
                            int(stats.get("data_processed", 0)))

"""The libvirt deployer's steps on real libvirtd hosts: guests booted from the project's image, ready when
their agent answers; link bridges and tunnels (in a lab host's namespace, or over ssh on a host of another
machine) that follow a migrated guest; `vxi exec`
through the guest's exec channel; the outage a live migration causes, measured from a neighbour."""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from backend.deploy.base import DeployError, Journal
from backend.deploy.libvirt import disks, images, pools, real, remote
from backend.deploy.libvirt.disks import DiskError
from backend.deploy.libvirt.real import RealHost, RealHostError
from backend.deploy.plan import Plan
from backend.deploy.progress import STARTING
from backend.deploy.record import Resource
from backend.guest.nocloud import user_disk_of

READY_SECONDS = 240.0  # a guest under software emulation on a busy 2-core machine boots in 3-15 s
DISK_READY_SECONDS = 600.0  # a whole distribution with cloud-init under software emulation: 2-5 min here


def ready_seconds(default: float = READY_SECONDS) -> float:
    """How long a guest may take to become ready: VXI_READY_TIMEOUT seconds when set, else `default`
    (READY_SECONDS for the project's image, DISK_READY_SECONDS for a user's disk)."""
    from backend.deploy.libvirt.hosts import env_seconds

    return env_seconds("VXI_READY_TIMEOUT", default)

EXEC_SECONDS = 600.0
PROBE_INTERVAL = 0.1  # seconds between the pings that measure a migration's outage


class RealGuests:
    """Mixed into LibvirtDeployer: what it does when its hosts are real libvirtd daemons."""

    _real_hosts: dict[str, RealHost]

    def real_host(self, host_id: str) -> RealHost:
        """What a host of the deployment is (found once per deployer)."""
        if not hasattr(self, "_real_hosts"):
            self._real_hosts = {}
        if host_id not in self._real_hosts:
            self._real_hosts[host_id] = real.find_host(host_id, self.record.hosts[host_id])
        return self._real_hosts[host_id]

    def _prepare_real(self) -> None:
        hosts = [self.real_host(h) for h in self.record.hosts]
        kinds = sorted({h.domain_type for h in hosts})
        self.record.notices.append(f"guests run as {'/'.join(kinds)} domains (QEMU "
                                   f"{'software emulation' if kinds == ['qemu'] else 'KVM'}) booted from the "
                                   "project's guest image")
        guest_shaped = [h.id for h in hosts if not h.host_shaping]
        if guest_shaped:
            reason = next(h.shaping_reason for h in hosts if not h.host_shaping)
            self.record.notices.append(f"link rates are shaped inside the guests on {', '.join(guest_shaped)}: "
                                       f"{reason}")
        self.record.files["shaping"] = {h.id: "host" if h.host_shaping else "guest" for h in hosts}
        if any(seg.latency_s for seg in self.plan.segments):
            self.record.notices.append("link latency is added inside the guests (netem on each end's egress)")

    def _segment_hosts(self, plan: Plan, seg) -> list[str]:
        return sorted({plan.components[a.component].host for a in seg.attachments})

    def _create_real(self, plan: Plan, journal: Journal) -> None:
        from backend.guest.image import ImageError, ensure

        for host_id, uri in self.record.hosts.items():
            self._report(f"connecting to {uri}", host_id)
            self.connection(host_id)
        image = None
        if any(user_disk_of(pc) is None for pc in plan.components.values()):
            self._report("finding the guest image", None)
            try:
                image = ensure()
            except ImageError as exc:
                raise DeployError(f"the guests need the guest image: {exc}", None, "image") from exc
        for seg in plan.segments:
            hosts = self._segment_hosts(plan, seg)
            for host_id in hosts:
                self._make_segment(host_id, seg, [h for h in hosts if h != host_id], journal)
                self.tracker.advance()
        started: dict[str, tuple[object, float]] = {}
        pooled: set[str] = set()  # hosts of another machine where the deployment's pool is (or is being) made
        placed: dict[str, images.PlacedImage] = {}  # where such a host boots the project's image from
        for key, pc in plan.components.items():
            host = self.real_host(pc.host)
            name = self.record.components[key].name
            folder = self._folder()
            local = disks.on_this_machine(host)
            conn = None if local else self.connection(pc.host)
            if not local and pc.host not in pooled:
                pooled.add(pc.host)  # the deployment's pool there (if made) goes at rollback with all its volumes
                journal.done(f"storage pool {pools.pool_name(self.record.prefix)} on {pc.host}",
                             lambda c=conn: pools.remove_all(c, self.record.prefix))
            boots = image
            if user_disk_of(pc) is None and not local:
                if pc.host not in placed:
                    placed[pc.host] = self._image_on(pc.host, image)
                boots = placed[pc.host]
            elif user_disk_of(pc) is not None and not local:
                self._report(f"{key}: overlay and seed in storage pool {pools.pool_name(self.record.prefix)}",
                             pc.host, key)
            try:
                spec = real.guest_spec(plan, key, self.tag, name, self.network_name, host, boots, folder, conn)
            except ValueError as exc:
                raise DeployError(f"{key}: {exc}", pc.host, "configure") from exc
            except DiskError as exc:
                if local:
                    disks.remove(folder, name)
                raise DeployError(str(exc), pc.host, "disk") from exc
            if spec.boot.disk:
                if local:
                    journal.done(f"overlay and seed of {key}", lambda f=folder, n=name: disks.remove(f, n))
                elif not any(r.kind == "pool" and r.host == pc.host for r in self.record.resources):
                    self.record.resources.append(Resource("pool", pools.pool_name(self.record.prefix), pc.host))
                self.record.resources.append(Resource("overlay", spec.boot.disk, pc.host))
                self.record.files.setdefault("disks", {})[key] = {
                    "source": user_disk_of(pc).source, "format": user_disk_of(pc).format, "overlay": spec.boot.disk,
                    "seed": spec.boot.seed, "pool": None if local else pools.pool_name(self.record.prefix)}
                self._report(f"{key}: overlay {spec.boot.disk} over {user_disk_of(pc).source}", pc.host, key)
            dom = self._define_domain(self.connection(pc.host), pc.host, spec, journal, key)
            started[key] = (dom, time.monotonic())
            how = "its own disk" if spec.boot.disk else "the project's image"
            self.tracker.emit(key, STARTING, f"{key} booting ({host.domain_type}, {how})", pc.host)
        self._wait_ready(started, {k for k in started if user_disk_of(plan.components[k]) is not None})

    def _image_on(self, host_id: str, image) -> images.PlacedImage:
        """The project's image on a host of another machine: found at this machine's paths there, or uploaded
        into the deployment's pool (said in the notices and `files.images`)."""
        import libvirt

        self._report(f"the guest image on {host_id}", host_id)
        started = time.monotonic()
        try:
            placed = images.on_host(self.connection(host_id), self.record.prefix, image)
        except (libvirt.libvirtError, pools.PoolError) as exc:
            why = exc.get_error_message() if isinstance(exc, libvirt.libvirtError) else str(exc)
            raise DeployError(f"host {host_id}: uploading the guest image failed: {why}", host_id, "image") from exc
        how = (f"uploaded into storage pool {pools.pool_name(self.record.prefix)} ({placed.uploaded_bytes / 2**20:.1f}"
               f" MiB in {time.monotonic() - started:.1f} s)" if placed.uploaded_bytes else "found at the same path")
        self.record.files.setdefault("images", {})[host_id] = {"kernel": placed.kernel, "initrd": placed.initrd,
                                                               "how": how}
        if placed.uploaded_bytes:
            self.record.notices.append(f"the guest image was {how} on {host_id}")
            if not any(r.kind == "pool" and r.host == host_id for r in self.record.resources):
                self.record.resources.append(Resource("pool", pools.pool_name(self.record.prefix), host_id))
        return placed

    def _make_segment(self, host_id: str, seg, peers: list[str], journal: Journal | None) -> None:
        host = self.real_host(host_id)
        if not host.lab:  # another machine's: the link's libvirt network (its bridge), then the tunnel over ssh
            self._define_network(self.connection(host_id), host_id, seg.vxi, seg.link, seg.index,
                                 seg.forward_bps, seg.reverse_bps, journal)
            if not peers:
                return
            step = f"link {seg.vxi}/{seg.link}: tunnel {real.tunnel_name(self.tag, seg.index)} over ssh to " \
                   f"{', '.join(peers)}"
        else:
            step = f"link {seg.vxi}/{seg.link}: bridge {real.bridge_name(self.tag, seg.index)}" + (
                f", tunnel to {', '.join(peers)}" if peers else "")
        self._report(step, host_id)
        try:
            made = real.make_segment(host, self.tag, seg.index, [self.real_host(p) for p in peers], new=True)
        except (RealHostError, RuntimeError) as exc:
            if not isinstance(exc, real.SegmentTaken):  # what it made of the segment, never another's device
                with contextlib.suppress(RealHostError):
                    real.remove_segment(host, self.tag, seg.index)
            raise DeployError(f"host {host_id}: {step} failed: {exc}", host_id, "link") from exc
        if journal is not None:
            journal.done(f"link {seg.vxi}/{seg.link} on {host_id}",
                         lambda: real.remove_segment(host, self.tag, seg.index))
        for name in made:
            kind = "bridge" if name == real.bridge_name(self.tag, seg.index) else "tunnel"
            self.record.resources.append(Resource(kind, name, host_id))

    def _wait_ready(self, started: dict[str, tuple[object, float]], own_disks: set[str] = frozenset()) -> None:
        """Every guest ready (its agent answers; a guest of a user's disk also once cloud-init is done), each
        reported as it comes; DeployError for the first that stops, or of the project's image stays silent."""
        import libvirt

        from backend.guest.channel import ChannelError

        limit, disk_limit = ready_seconds(), ready_seconds(DISK_READY_SECONDS)
        with ThreadPoolExecutor(max_workers=min(8, max(len(started), 1))) as pool:
            waits = {pool.submit(disk_ready, dom, disk_limit) if key in own_disks
                     else pool.submit(_image_ready, dom, limit): key
                     for key, (dom, _t) in started.items()}
            for done in as_completed(waits):
                key = waits[done]
                comp = self.record.components[key]
                try:
                    how = done.result()
                except ChannelError as exc:
                    self.tracker.current = key
                    raise DeployError(f"host {comp.host}: {key} did not become ready: {exc} (its console is in "
                                      f"the host's /var/log/libvirt/qemu/{comp.name}.serial.log)",
                                      comp.host, "boot") from exc
                except libvirt.libvirtError as exc:
                    self.tracker.current = key
                    raise DeployError(f"host {comp.host}: lost while {key} booted ({exc.get_error_message()}): "
                                      "is its libvirtd still running?", comp.host, "boot") from exc
                seconds = time.monotonic() - started[key][1]
                self.record.files.setdefault("ready_seconds", {})[key] = round(seconds, 2)
                self.record.files.setdefault("ready_by", {})[key] = how
                if how.startswith(UNREACHABLE):
                    self.record.notices.append(f"{key}: {how}: vxi exec and vxi traffic cannot reach it")
                self.tracker.emit(key, STARTING, f"{key} ready ({how}) {seconds:.1f} s after its start", comp.host)
                self._running(key)

    def _teardown_links(self, host_id: str) -> list[str]:
        host = self.real_host(host_id)
        if not host.lab:
            try:
                if remote.target_of(host.uri) is None:
                    return []  # no shell there: the deployment made no tunnel on it
            except ValueError:
                return []  # (a URI whose user or host name no shell command takes: no tunnel either)
        try:
            return [f"link device {n} on {host_id}" for n in real.remove_all(host, self.tag)]
        except RealHostError as exc:
            raise RuntimeError(str(exc)) from None

    # ----- migration -----
    def _segment_members(self, segment: str) -> list[str]:
        return list(self.record.segments[segment]["members"])

    def _hosts_of(self, segment: str, moving: str | None = None, to: str | None = None) -> list[str]:
        hosts = {to if key == moving else self.record.components[key].host for key in self._segment_members(segment)}
        return sorted(hosts)

    def _links_before_move(self, key: str, source: str, destination: str) -> None:
        """The moving guest's segments made on the destination (a bridge, or on another machine the link's
        libvirt network), every host of them tunnelled to it."""
        comp = self.record.components[key]
        if not self.real_host(destination).lab:
            self._networks_on(self.connection(destination), destination, comp, key)
        for iface in comp.interfaces:
            seg = self.record.segments[iface.segment]
            hosts = sorted(set(self._hosts_of(iface.segment)) | {destination})
            for host_id in hosts:
                peers = [self.real_host(h) for h in hosts if h != host_id]
                self._report(f"link {iface.segment}: bridge and tunnel to {', '.join(p.id for p in peers)}",
                             host_id, key)
                try:
                    real.make_segment(self.real_host(host_id), self.tag, seg["index"], peers)
                except (RealHostError, RuntimeError) as exc:
                    raise DeployError(f"host {host_id}: preparing link {iface.segment} for {key}: {exc}",
                                      host_id, "migrate") from exc

    def _links_after_move(self, key: str, source: str, destination: str) -> None:
        """Tunnels only between the hosts that still hold a member of each segment; the source's bridge (or
        network) and tunnel go when it holds none. A host that cannot be changed now is said in a notice (its
        part is removed at teardown)."""
        comp = self.record.components[key]
        for iface in comp.interfaces:
            seg = self.record.segments[iface.segment]
            hosts = self._hosts_of(iface.segment)
            for host_id in sorted(set(hosts) | {source, destination}):
                host = self.real_host(host_id)
                try:
                    if host_id in hosts:
                        real.set_tunnel(host, self.tag, seg["index"],
                                        [self.real_host(h) for h in hosts if h != host_id])
                        continue
                    real.remove_segment(host, self.tag, seg["index"])
                    if not host.lab:
                        vxi, link = self.record.split_key(iface.segment)
                        self._remove_link_network(host_id, vxi, link)
                except (RealHostError, RuntimeError) as exc:
                    self.record.notices.append(f"host {host_id}: link {iface.segment} after moving {key}: {exc}")
            seg["hosts"] = hosts
        kept = [r for r in self.record.resources if r.kind not in ("bridge", "tunnel", "network")]
        for name, seg in self.record.segments.items():
            for host_id in seg["hosts"]:
                if self.real_host(host_id).lab:
                    kept.append(Resource("bridge", real.bridge_name(self.tag, seg["index"]), host_id))
                else:
                    kept.append(Resource("network", self.network_name(*self.record.split_key(name)), host_id))
                if len(seg["hosts"]) > 1:
                    kept.append(Resource("tunnel", real.tunnel_name(self.tag, seg["index"]), host_id))
        self.record.resources = kept

    def _remove_link_network(self, host_id: str, vxi: str, link: str) -> None:
        """A link's network on one host, stopped and undefined (nothing when it is not there)."""
        import libvirt

        name = self.network_name(vxi, link)
        conn = self.connection(host_id)
        try:
            net = conn.networkLookupByName(name)
            if net.isActive():
                net.destroy()
            net.undefine()
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_NETWORK:
                raise RuntimeError(f"removing network {name}: {exc.get_error_message()}") from exc

    def _outage_probe(self, key: str) -> OutageProbe | None:
        """Pings of the moving guest from a neighbour on one of its links (None when it has no neighbour)."""
        comp = self.record.components[key]
        for iface in comp.interfaces:
            for other in self._segment_members(iface.segment):
                if other != key:
                    neighbour = self.record.components[other]
                    try:
                        dom = self.connection(neighbour.host).lookupByName(neighbour.name)
                    except Exception:  # no neighbour to measure from: the move goes on
                        continue
                    return OutageProbe(other, dom, iface.address.split("/")[0])
        return None

    # ----- exec -----
    def _exec_real(self, key: str, argv: list[str]) -> int:
        from backend.guest.channel import ChannelError, GuestChannel

        comp = self.record.components[key]
        conn = self.connection(comp.host)
        dom = self._step(comp.host, f"looking up domain {comp.name}", lambda: conn.lookupByName(comp.name), key)
        try:
            result = GuestChannel(dom).run(shlex.join(argv), EXEC_SECONDS)
        except ChannelError as exc:
            raise DeployError(f"host {comp.host}: {exc}", comp.host, "exec") from exc
        sys.stdout.write(result.output)
        sys.stdout.flush()
        return result.exit_code

    def _retune_in_guest(self, key: str, segment: str, out_bps: float | None, latency_s: float | None) -> None:
        """Shape a guest's NIC on a segment again from inside it (`scripts.RESHAPE`: tbf at the rate, netem
        dropping everything when idle, its delay kept): its egress only, the other way is the other end's."""
        from lxml import etree

        from backend.guest.channel import ChannelError, GuestChannel
        from backend.guest.scripts import RESHAPE

        comp = self.record.components[key]
        conn = self.connection(comp.host)
        dom = self._step(comp.host, f"looking up domain {comp.name}", lambda: conn.lookupByName(comp.name), key)
        bridge = real.bridge_name(self.tag, self.record.segments[segment]["index"])
        root = etree.fromstring(dom.XMLDesc(0).encode())
        mac = next((i.find("mac").get("address") for i in root.iterfind("devices/interface")
                    if i.find("source") is not None and i.find("source").get("bridge") == bridge), None)
        if mac is None:
            raise DeployError(f"host {comp.host}: domain {comp.name} has no interface on link {segment}", comp.host,
                              "retune")
        rate = "idle" if out_bps == 0 else str(int(out_bps or 0))
        argv = ["sh", "-c", RESHAPE, "vxi-reshape", mac, rate, str(int((latency_s or 0) * 1e6))]
        try:
            result = GuestChannel(dom).run(shlex.join(argv), EXEC_SECONDS)
        except ChannelError as exc:
            raise DeployError(f"host {comp.host}: {exc}", comp.host, "retune") from exc
        if result.exit_code != 0:
            raise DeployError(f"host {comp.host}: shaping {comp.name} on link {segment} inside the guest failed: "
                              f"{result.output.strip() or result.exit_code}", comp.host, "retune")


UNREACHABLE = "running, its agent unreachable"


def _image_ready(dom, seconds: float = READY_SECONDS) -> str:
    """A guest of the project's image is ready when its agent answers (it configured itself before)."""
    from backend.guest.channel import GuestChannel

    GuestChannel(dom).wait_ready(seconds)
    return "its agent answers"


def disk_ready(dom, seconds: float = DISK_READY_SECONDS) -> str:
    """A guest of a user's disk: its agent answers (qemu-guest-agent, or the seed's), then cloud-init has
    finished (`cloud-init status --wait`); a guest that runs but whose agent never answers is judged ready as a
    running domain, and the answer says so (ChannelError only when it stopped)."""
    from backend.guest.channel import ChannelError, GuestChannel

    channel = GuestChannel(dom)
    started = time.monotonic()
    try:
        channel.wait_ready(seconds)
    except ChannelError:
        if not dom.isActive():
            raise
        return f"{UNREACHABLE} after {seconds:.0f} s"
    agent = channel.agent_name()
    left = max(10.0, seconds - (time.monotonic() - started))
    # `status --wait` returns as soon as a stage fails: boot-finished marks the end of the last one
    done = channel.run("if command -v cloud-init >/dev/null; then cloud-init status --wait >/dev/null; "
                       "while [ ! -e /var/lib/cloud/instance/boot-finished ]; do sleep 1; done; "
                       "cloud-init status --long; else echo 'status: no cloud-init'; fi", left)
    return f"{agent} answers, cloud-init {cloud_init_state(done.output)}"


def cloud_init_state(status_long: str) -> str:
    """'done', or 'error: DETAIL' etc., from `cloud-init status --long`."""
    lines = [line.strip() for line in status_long.strip().splitlines()]
    state = next((line.partition(":")[2].strip() for line in lines if line.startswith("status:")), "") or "unknown"
    if state != "done" and "detail:" in lines:
        detail = lines[lines.index("detail:") + 1:][:1]
        if detail and detail[0]:
            return f"{state}: {detail[0].replace(chr(92) + 'n', ' ')[:200]}"
    return state


class OutageProbe:
    """A neighbour pinging a guest every PROBE_INTERVAL s while it moves, in the background in the neighbour;
    the outage is the longest run of lost pings times the interval (ARP and the tunnel's learning included:
    what an application sees)."""

    LOG = "/tmp/vxi-outage-probe.log"

    def __init__(self, neighbour: str, dom, address: str):
        from backend.guest.channel import GuestChannel

        self.neighbour, self.address = neighbour, address
        self._channel = GuestChannel(dom)
        self._pid: str | None = None

    def start(self) -> None:
        """Start pinging, and let a few answers come before the move."""
        try:
            done = self._channel.run(f"ping -i {PROBE_INTERVAL} -W 1 {self.address} > {self.LOG} 2>&1 &\necho $!", 10)
        except Exception:  # the measure is lost, not the migration
            return
        self._pid = done.output.strip().splitlines()[-1] if done.ok and done.output.strip() else None
        time.sleep(1.0)

    def stop(self) -> float | None:
        """Stop pinging once answers came again; the outage in seconds (None when it could not be measured)."""
        if self._pid is None:
            return None
        try:
            time.sleep(1.0)
            log = self._channel.run(f"kill -INT {self._pid}; sleep 0.3; cat {self.LOG}; rm -f {self.LOG}", 15).output
        except Exception:
            return None
        return outage_of(log, PROBE_INTERVAL)

    def sentence(self, outage: float | None) -> str:
        """The outage in words, for the migration's notice."""
        every = f"{self.neighbour} pinged it every {PROBE_INTERVAL * 1000:.0f} ms"
        if outage is None:
            return f"; the outage could not be measured ({every}, no answer came)"
        if outage == 0:
            return f"; no ping lost ({every}): outage under {PROBE_INTERVAL * 1000:.0f} ms"
        return f"; outage {outage * 1000:.0f} ms ({every})"


def outage_of(ping_output: str, interval: float) -> float | None:
    """The longest run of lost pings, as seconds (None when no reply came at all)."""
    import itertools
    import re

    seqs = sorted(int(s) for s in re.findall(r"seq=(\d+)", ping_output))
    if not seqs:
        return None
    gaps = [b - a - 1 for a, b in itertools.pairwise(seqs)]
    return (max(gaps, default=0)) * interval

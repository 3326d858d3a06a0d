"""Physical hosts as libvirt connections: URIs from the substrate, test-driver host files otherwise."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from lxml import etree

from backend.files import FileError, atomic_write, read_regular
from backend.model import Host

_silenced = False


def silence_libvirt() -> None:
    """Stop libvirt from printing its errors on stderr: they are raised and reported instead."""
    global _silenced
    if not _silenced:
        import libvirt

        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        _silenced = True


def host_file_xml(host: Host, extra: list[str] | None = None) -> str:
    """A test-driver host file: <node> with the host's CPUs and memory (KiB), plus saved objects."""
    cores = int(host.cores.demand() or 1) if host.cores else 4
    memory = int(host.memory.demand() or 2**33) if host.memory else 2**33
    mhz = int((host.frequency.demand() or 2e9) / 1e6) if host.frequency else 2000
    node = etree.Element("node")
    cpu = etree.SubElement(node, "cpu")
    for tag, value in (("mhz", mhz), ("model", "x86_64"), ("nodes", 1), ("sockets", 1), ("cores", cores),
                       ("threads", 1), ("active", cores)):
        etree.SubElement(cpu, tag).text = str(value)
    etree.SubElement(node, "memory").text = str(memory // 1024)
    for item in extra or []:
        node.append(etree.fromstring(item.encode()))
    return etree.tostring(node, pretty_print=True, encoding="unicode")


def host_file_path(folder: Path, host_id: str) -> Path:
    """Where a generated host file lives."""
    from backend.deploy.plan import object_name

    return folder / f"{object_name(host_id)}.xml"  # distinct for ids that reduce alike ('h.0', 'h-0'), bounded


def write_host_file(path: Path, host: Host, extra: list[str] | None = None) -> str:
    """Write a host file (atomically) and return its test:/// URI."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, host_file_xml(host, extra), host.id)
    return test_uri(path)


def test_uri(path: Path) -> str:
    """The test:/// URI of a host file, its path percent-encoded (libvirt refused a path with a space in it)."""
    from urllib.parse import quote

    return f"test://{quote(str(path.resolve()))}"


def _write(path: Path, text: str, host_id: str) -> None:
    from backend.deploy.base import DeployError

    try:
        atomic_write(path, text.encode())
    except FileError as exc:
        raise DeployError(f"host {host_id}: {exc}", host_id, "host file") from None


def open_connection(uri: str, host_id: str):
    """One read-write connection to a host (DeployError naming the host and the URI on failure). A real
    daemon's connection is opened within `connect_seconds()`, every call on it then runs within
    `guard.call_seconds()` (a `guard.Guarded` connection: a host that stops answering fails a call with one
    sentence naming it, and at once after that until it answers again), and libvirt's keep-alive
    (`keepalive()`) closes it where libvirt's event loop runs."""
    from urllib.parse import unquote

    import libvirt

    from backend.deploy.base import DeployError
    from backend.deploy.libvirt.guard import Guarded, guard_of

    silence_libvirt()
    path = unquote(uri[len("test://"):].split("?")[0]) if uri.startswith("test:///") else ""
    if path and path != "/default" and not Path(path).is_file():
        raise DeployError(f"host {host_id}: connecting to {uri} failed: no host file {path}", host_id, "connect")
    try:
        if is_test_uri(uri):
            return libvirt.open(uri)
        conn = _open_within(uri, host_id, connect_seconds())
    except libvirt.libvirtError as exc:  # over ssh the message carries ssh's own lines (CR LF): one line
        reason = " ".join(exc.get_error_message().split()) if not path else host_file_damage(
            exc.get_error_message(), path)
        raise DeployError(f"host {host_id}: connecting to {uri} failed: {reason}", host_id, "connect") from exc
    guarded = Guarded(conn, host_id, guard_of(uri))
    interval, count = keepalive()
    if interval > 0:
        try:
            guarded.setKeepAlive(interval, count)
        except libvirt.libvirtError:  # a driver without keep-alive (a local qemu:///system): calls still work
            pass
    return guarded


def host_file_damage(message: str, path: str) -> str:
    """What is wrong with a test-driver host file libvirt cannot read, in a short line: its first line, the file's
    name made a line number (`its host file is damaged: line 79: AttValue: ' expected`), without the excerpt
    and the caret libxml2 adds below it (a line of the file as long as it is)."""
    lines = message.strip().splitlines()
    first = " ".join(lines[0].split()) if lines else ""
    place, _, what = first.removeprefix(path + ":").partition(":") if first.startswith(path + ":") else ("", "", "")
    damaged = place.strip().isdigit() or first.startswith("XML error: ")
    if place.strip().isdigit():
        first = f"line {place.strip()}: {what.strip()}"
    first = first.removeprefix("XML error: ") or "libvirt says nothing more"
    return (f"its host file {'is damaged' if damaged else 'cannot be read'}: "
            f"{first if len(first) <= 100 else first[:99] + '…'}")


def connect_seconds() -> float:
    """How long opening a real host's connection may take (VXI_CONNECT_TIMEOUT, 30 s by default)."""
    return env_seconds("VXI_CONNECT_TIMEOUT", 30.0)


def keepalive() -> tuple[int, int]:
    """libvirt's keep-alive on real hosts' connections: (interval s, count); VXI_KEEPALIVE="5,3" by default,
    "0" turns it off. A host silent for about interval x (count + 1) seconds is declared unreachable."""
    text = os.environ.get("VXI_KEEPALIVE", "5,3").strip()
    try:
        parts = [int(p) for p in text.split(",")]
        return (parts[0], parts[1] if len(parts) > 1 else 3) if parts[0] > 0 else (0, 0)
    except (ValueError, IndexError):
        return 5, 3


def env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def _open_within(uri: str, host_id: str, seconds: float):
    """libvirt.open through the host's guard, given up after `seconds` (a daemon that accepts the socket but
    never answers, or a network that swallows packets); a connection that comes later is closed at once."""
    import libvirt

    from backend.deploy.libvirt.guard import guard_of
    from backend.deploy.libvirt.lifecycle import event_loop_kind, start_event_loop

    if event_loop_kind() is None and _qt_allows_events():
        start_event_loop()  # keep-alive needs libvirt's events to flow

    def late(conn) -> None:
        with contextlib.suppress(libvirt.libvirtError):
            conn.close()

    return guard_of(uri).run(host_id, lambda: libvirt.open(uri), seconds, late)


def _qt_allows_events() -> bool:
    """False in a process that loaded Qt but has no application yet: libvirt's loop iterates GLib's default
    context, which Qt's main thread must take first (the designer registers its own loop; without one here,
    calls go without keep-alive, each still bounded by its host's guard)."""
    qt = sys.modules.get("PySide6.QtCore")
    return qt is None or qt.QCoreApplication.instance() is not None


def is_test_uri(uri: str) -> bool:
    """True for libvirt's embedded test driver."""
    return uri.startswith("test:")


def rewrite_host_file(path: Path, objects: list[str]) -> None:
    """Keep a host file's CPUs and memory and replace its saved networks and domains by `objects`,
    so that a later process opening it sees what this one left (the test driver keeps nothing). The file is
    read the safe way (a FIFO or device swapped in is refused, never read) and written atomically."""
    from backend.deploy.base import DeployError

    try:
        root = etree.fromstring(read_regular(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (FileError, etree.XMLSyntaxError) as exc:
        raise DeployError(f"host file {path}: cannot be read back: {exc}", None, "host file") from None
    for child in list(root):
        if child.tag in ("domain", "network"):
            root.remove(child)
    for item in objects:
        root.append(etree.fromstring(item.encode()))
    _write(path, etree.tostring(root, pretty_print=True, encoding="unicode"), path.stem)

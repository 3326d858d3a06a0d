"""The one safe way in and out for every file the project reads or writes.

In: only regular files (checked with stat before opening, the open itself non-blocking so a FIFO swapped in
meanwhile cannot block), never more than one size limit. Out: atomic (a temporary file in the target's folder,
fsync, rename), through a symlink to its target, keeping the target's mode and owner, new files following the
umask, special files refused, the temporary file removed on every failure (one left by a killed writer is
clearly named and removed by the next write). Every failure is a FileError: one line naming the file."""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend.model.printable import printable

MAX_BYTES = int(os.environ.get("VXI_MAX_BYTES", str(32 * 1024 * 1024)))
# A mapping (`vxi embed --json`, read back by `vxi replan`) is derived output, not a document a person writes: one
# request at the embedder's limits (100,000 links, each placement on a line) carries about 130 bytes a link and
# 27 a hop of its path, so it may be this many times the one limit (paths of about 40 hops); `vxi embed` refuses
# to write a larger one, so whatever it writes `vxi replan` reads.
MAPPING_SCALE = 4
MAX_MAPPING_BYTES = MAPPING_SCALE * MAX_BYTES
PARTIAL = ".vxi-partial-"  # in the name of a temporary file being written: .NAME.vxi-partial-PID-RANDOM
_SPECIAL_PATHS = ("/proc/", "/dev/fd/", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty")


class FileError(Exception):
    """A file that cannot be read or written; the message names it (and its line) and says why."""

    def __init__(self, filename: str, reason: str, line: int | None = None):
        where = f"{printable(filename)}:{line}" if line else printable(filename)
        super().__init__(f"{where}: {printable(reason)}")
        self.filename = filename
        self.reason = reason
        self.line = line


class FileReadError(FileError):
    """A file that cannot be read (missing, special, too large, unreadable)."""


class FileWriteError(FileError):
    """A file that cannot be written (read-only or missing folder, a directory, a device, a full disk)."""


def size_text(size: int | float) -> str:
    """A size in binary units as the limits are stated: '32 MiB', '1.5 KiB', '12 bytes'."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) or value >= 100 else f"{value:.1f} {unit}"
    return f"{int(size)} bytes"


def over_limit(name: str, size: int, limit: int = MAX_BYTES, what: str = "file is") -> FileReadError:
    """The error of something over the size limit, stated the one way every message states it (the size in bytes
    when rounded it reads as the limit: "32.0 MiB, over the 32 MiB limit" said nothing)."""
    told = size_text(size)
    if told.replace(".0 ", " ") == size_text(limit):
        told = f"{size:,} bytes"
    return FileReadError(name, f"{what} {told}, over the {_limit_text(limit)} (set VXI_MAX_BYTES to raise it)")


def over_reader_limit(name: str, what: str, size: int, limit: int = MAX_BYTES) -> FileWriteError:
    """The error of an output refused because its reader would refuse it (a file this project writes can always be
    read back)."""
    return FileWriteError(name, f"not written: the {what} would be {size_text(size)}, over the "
                                f"{_limit_text(limit, ' of the reader')} (set VXI_MAX_BYTES to raise it)")


def _limit_text(limit: int, whose: str = "") -> str:
    """'32 MiB limit' (and `whose`), or for a mapping '128 MiB limit of a mapping, 4 times the 32 MiB one'."""
    if limit == MAX_MAPPING_BYTES and limit != MAX_BYTES:
        return f"{size_text(limit)} limit of a mapping, {MAPPING_SCALE} times the {size_text(MAX_BYTES)} one"
    return f"{size_text(limit)} limit{whose}"


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _reason(exc: OSError) -> str:
    """The one-line reason of an OSError, in the words the project uses."""
    known = {errno.ENOENT: "no such file", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.EISDIR: "is a directory, not a file", errno.ENOTDIR: "a part of its path is not a directory",
             errno.ELOOP: "too many levels of symbolic links", errno.ENAMETOOLONG: "its name is too long",
             errno.EROFS: "read-only file system", errno.ENOSPC: "no space left on the device",
             errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large", errno.EIO: "input/output error"}
    return known.get(exc.errno, exc.strerror or str(exc))


def unreadable(name: str, exc: OSError) -> FileReadError:
    """The error of a regular file whose reading failed (a /proc file answering EIO, say), in one line."""
    return FileReadError(name, f"cannot be read: {_reason(exc)}")


def read_regular(path: str | Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FileReadError (one line) for anything else."""
    fd, _size = open_regular(path, limit)
    try:
        return read_open(fd, str(path), limit)
    finally:
        os.close(fd)


def open_regular(path: str | Path, limit: int = MAX_BYTES) -> tuple[int, int]:
    """An open descriptor of a regular file of at most `limit` bytes (checked before a blocking open) and its size;
    FileReadError (one line) for anything else."""
    name = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise FileReadError(name, "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError(name, f"is {_kind(info.st_mode)}, not a regular file (refused)")
        if info.st_size > limit:
            raise over_limit(name, info.st_size, limit)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except FileReadError:
        raise
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise FileReadError(name, _reason(exc) if isinstance(exc, OSError) else "not a valid file name") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped between the stat and the open
            raise FileReadError(name, f"is {_kind(opened.st_mode)}, not a regular file (refused)")
    except OSError as exc:
        os.close(fd)
        raise unreadable(name, exc) from None
    except FileReadError:
        os.close(fd)
        raise
    return fd, opened.st_size


def read_open(fd: int, name: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of an open regular file from its start (open_regular), at most `limit`; FileReadError else."""
    try:
        chunks, total = [], 0
        want = os.fstat(fd).st_size + 1  # what stat said, then whatever it grew by
        while total <= limit:
            chunk = os.pread(fd, want, total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = max(1, min(limit + 1 - total, 1 << 20))
    except OSError as exc:
        raise unreadable(name, exc) from None
    if total > limit:
        raise over_limit(name, total, limit, "file grew to")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_json(path: str | Path, limit: int = MAX_BYTES, object_pairs_hook=None):
    """The JSON value of a regular file read the safe way; FileReadError (one line) when it is not JSON.
    `object_pairs_hook`: json.loads' (e.g. `mapping.json_hook()`, objects turned into rows as they are parsed)."""
    data = read_regular(path, limit)
    try:
        return json.loads(data, object_pairs_hook=object_pairs_hook)
    except RecursionError:
        raise FileReadError(str(path), "not JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise FileReadError(str(path), f"not JSON{where}: {str(exc).split(':')[0]}") from None


def _refuse_special(name: str, where: str) -> None:
    if where.startswith(_SPECIAL_PATHS) or where in {p.rstrip("/") for p in _SPECIAL_PATHS}:
        leads = "" if where == os.path.abspath(name) else f"leads to {where}, which "
        raise FileWriteError(name, f"{leads}is a special file (refused)")


def resolve_target(path: str | Path) -> Path:
    """The file a write to `path` must replace: symbolic links followed one by one (a link into /proc or to
    a standard stream is refused, as is anything that is not a regular file)."""
    name = str(path)
    where = os.path.abspath(name)
    for _ in range(40):
        _refuse_special(name, where)
        if not os.path.islink(where):
            break
        where = os.path.normpath(os.path.join(os.path.dirname(where), os.readlink(where)))
    else:
        raise FileWriteError(name, "too many levels of symbolic links")
    try:
        info = os.stat(where)
    except FileNotFoundError:
        return Path(where)
    except OSError as exc:
        raise FileWriteError(name, f"cannot write: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileWriteError(name, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FileWriteError(name, f"is {_kind(info.st_mode)}, not a regular file (refused)")
    return Path(where)


def _clean_partials(folder: Path, target_name: str) -> None:
    """Remove temporary files of `target_name` left by writers that were killed (their process is gone)."""
    prefix = f".{target_name}{PARTIAL}"
    try:
        entries = [e.name for e in os.scandir(folder) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        pid = entry[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                os.unlink(folder / entry)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class AtomicOutput:
    """The file object `atomic_writer` gives: bytes written straight to the temporary file (no copy held, so it
    can be read back by `temporary` before the rename); `size` counts them. A failed write is a FileWriteError
    naming the target."""

    def __init__(self, fd: int, name: str, target: Path, temporary: Path):
        self._fd, self._name, self.target, self.temporary = fd, name, target, temporary
        self.size = 0

    def write(self, data: bytes) -> int:
        """Write all of `data` (a bytes-like object); its length."""
        view = memoryview(data)
        length = len(view)
        try:
            while view:
                view = view[os.write(self._fd, view):]
        except OSError as exc:
            raise _write_error(self._name, self.target.parent, exc) from None
        self.size += length
        return length


class LimitedOutput:
    """Passes bytes on to `out` while their total stays within `limit`; past it only counts them, and `check()`
    refuses (FileWriteError): a file this project writes can always be read back by its reader."""

    def __init__(self, out, name: str, what: str = "VXDL", limit: int = MAX_BYTES):
        self._out, self.name, self.what, self.limit = out, name, what, limit
        self.size = 0

    def write(self, data: bytes) -> int:
        """Pass `data` on (or only count it once over the limit); its length."""
        self.size += len(data)
        if self.size <= self.limit:
            self._out.write(data)
        return len(data)

    def check(self) -> int:
        """The number of bytes written; FileWriteError when they were over the limit."""
        if self.size > self.limit:
            raise over_reader_limit(self.name, self.what, self.size, self.limit)
        return self.size


def _write_error(name: str, folder: Path, exc: OSError) -> FileWriteError:
    reason = _reason(exc)
    if exc.errno == errno.ENOENT:
        reason = f"no such directory: {folder}"
    return FileWriteError(name, f"cannot write: {reason}")


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[AtomicOutput]:
    """Replace (or create) the file at `path` with what is written to the yielded file object, atomically: the
    bytes go to a temporary file in the target's folder as they come, which is synced and renamed over the target
    only when the block ends without an exception (otherwise removed, the exception passed on).

    A crash leaves the old file or the new one, never half of either. FileWriteError says why it failed."""
    name = str(path)
    target = resolve_target(path)
    folder = target.parent
    try:
        existing = os.stat(target)
    except OSError:
        existing = None
    _clean_partials(folder, target.name)
    tmp = folder / f".{target.name}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"
    fd = -1
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)  # umask applies
        yield AtomicOutput(fd, name, target, tmp)
        if existing is not None:
            if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(fd, existing.st_uid, existing.st_gid)
                except PermissionError:
                    pass  # only root gives a file away; the new file is then the writer's
            os.fchmod(fd, stat.S_IMODE(existing.st_mode))
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
        _sync_folder(folder)
    except BaseException as exc:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _write_error(name, folder, exc) from None
        raise


@contextmanager
def spooled_output(out, name: str = "-") -> Iterator:
    """A nameless temporary file (in the temporary folder, unlinked from the start) to write a whole output into
    before any of it goes to `out` (standard output): when the block ends without an exception its bytes are copied
    to `out` a piece at a time; otherwise nothing reaches `out`. So a refused output prints nothing, and is never
    held whole in memory. FileWriteError when the temporary file cannot be written (a full disk, say)."""
    import shutil
    import tempfile

    try:
        with tempfile.TemporaryFile(prefix="vxi-spool-") as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, out, 1 << 16)
            out.flush()
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # the reader went away: as when writing to it directly
            raise
        raise FileWriteError(name, f"cannot write: {_reason(exc)}") from None


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Replace (or create) the file at `path` with `data`, atomically (atomic_writer); returns the file written.

    A crash leaves the old file or the new one, never half of either. FileWriteError says why it failed."""
    with atomic_writer(path) as out:
        out.write(data)
    return out.target


def _sync_folder(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)

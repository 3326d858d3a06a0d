"""The one safe way out (backend.files.atomic_write) and its use by every writer: issue 12's failing writes,
each re-created (symlinks, owner and mode, umask, special files, failures, killed writers, a full disk)."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.files import PARTIAL, FileReadError, FileWriteError, atomic_write, read_json, read_regular
from tests.vxdl.helpers import EXAMPLES, ROOT, vxi

FIGURE1 = str(EXAMPLES / "figure1-vxi1.vxdl")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_write_through_a_symlink_replaces_its_target_keeping_mode_and_owner(tmp_path):
    target = tmp_path / "real.vxdl"
    target.write_bytes(Path(FIGURE1).read_bytes())
    target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 1234, 2345)
    link = tmp_path / "link.vxdl"
    link.symlink_to("real.vxdl")
    done = vxi("format", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == "real.vxdl"  # before: the link became a regular file
    info = target.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 2345)  # before: reset to the writer's
    assert listing(tmp_path) == ["link.vxdl", "real.vxdl"]


@pytest.mark.parametrize("out", ["new.vxdl", "new.graphml", "new.rspec"])
def test_new_files_follow_the_umask(tmp_path, out):
    command = [sys.executable, "-m", "backend.cli", "convert", FIGURE1, str(tmp_path / out)]
    done = subprocess.run(["sh", "-c", 'umask 077 && exec "$@"', "sh", *command], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((tmp_path / out).stat().st_mode) == 0o600  # before: 0644 whatever the umask
    os.umask(old := os.umask(0o022))
    atomic_write(tmp_path / "plain.bin", b"x")
    assert stat.S_IMODE((tmp_path / "plain.bin").stat().st_mode) == 0o666 & ~old


@pytest.mark.parametrize("target", ["/dev/stdin", "/dev/null", "/proc/self/fd/1"])
def test_special_files_are_never_replaced(tmp_path, target):
    before = os.lstat(target)
    with pytest.raises(FileWriteError) as caught:
        atomic_write(target, b"x")
    assert "special file" in str(caught.value) or "not a regular file" in str(caught.value)
    after = os.lstat(target)
    assert (before.st_ino, before.st_mode) == (after.st_ino, after.st_mode)


def test_format_onto_dev_stdin_is_refused(tmp_path):
    copy = tmp_path / "f1.vxdl"
    copy.write_bytes(Path(FIGURE1).read_bytes())
    with open(copy, "rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "backend.cli", "format", str(copy), "-o", "/dev/stdin"],
                              stdin=stdin, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "special file" in done.stderr
    assert copy.read_bytes() == Path(FIGURE1).read_bytes()


@pytest.mark.parametrize("case", ["missing-folder", "directory", "fifo"])
@pytest.mark.parametrize("ext", [".vxdl", ".graphml", ".rspec"])
def test_convert_write_errors_are_one_line_exit_2_and_leave_nothing(tmp_path, case, ext):
    if case == "missing-folder":
        out = tmp_path / "nope" / f"out{ext}"
    elif case == "directory":
        out = tmp_path / f"dir{ext}"
        out.mkdir()
    else:
        out = tmp_path / f"fifo{ext}"
        os.mkfifo(out)
    before = listing(tmp_path)
    done = vxi("convert", FIGURE1, str(out), timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr  # before: exit 3 "internal error"
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert str(out) in done.stderr
    assert listing(tmp_path) == before  # no 0-byte output, no temporary file


def test_a_read_only_file_system_is_one_line(tmp_path, root):
    folder = tmp_path / "ro"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(folder)], check=True)
    try:
        done = vxi("convert", FIGURE1, str(folder / "out.graphml"))
        assert done.returncode == 2 and "read-only file system" in done.stderr
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_one_line_and_keeps_the_old_file(tmp_path, root):
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], check=True)
    try:
        good = folder / "f1.vxdl"
        good.write_bytes(Path(FIGURE1).read_bytes())
        out = folder / "f1.graphml"
        out.write_bytes(b"old")
        fill = os.open(folder / "fill", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fill, bytes(4096)):
                pass
        except OSError:  # the disk is full
            pass
        finally:
            os.close(fill)
        for command in (["convert", str(good), str(out)], ["format", str(good)]):
            done = vxi(*command)
            assert done.returncode == 2 and "no space left" in done.stderr, done.stderr
        assert out.read_bytes() == b"old" and good.read_bytes() == Path(FIGURE1).read_bytes()
        assert not [n for n in listing(folder) if PARTIAL in n]
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_failed_write_removes_its_temporary_file(tmp_path, monkeypatch):
    import backend.files as files

    def no_space(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(FileWriteError) as caught:
        atomic_write(tmp_path / "out.vxdl", b"data")
    assert "no space left" in str(caught.value) and listing(tmp_path) == []


def test_a_killed_writer_leaves_only_a_named_temporary_file_that_the_next_write_removes(tmp_path):
    """A writer killed mid-write leaves `.NAME.vxi-partial-PID-...` and the old file intact; the next write of
    that file removes it (its process is gone)."""
    target = tmp_path / "big.graphml"
    target.write_bytes(b"old good file")
    script = ("import sys, backend.files as f\n"
              "f.os.fsync = lambda fd: (print('ready', flush=True), __import__('time').sleep(60))\n"
              "f.atomic_write(sys.argv[1], b'x' * 1000)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    left = [n for n in listing(tmp_path) if n != "big.graphml"]
    assert len(left) == 1 and left[0].startswith(f".big.graphml{PARTIAL}{writer.pid}-")
    assert target.read_bytes() == b"old good file"
    atomic_write(target, b"new")
    assert listing(tmp_path) == ["big.graphml"] and target.read_bytes() == b"new"


def test_the_temporary_file_of_a_live_writer_is_left_alone(tmp_path):
    live = tmp_path / f".out.vxdl{PARTIAL}1-abcd"  # pid 1 is always alive
    live.write_bytes(b"")
    atomic_write(tmp_path / "out.vxdl", b"x")
    assert live.exists()


def test_reading_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "zero").symlink_to("/dev/zero")
    for name, needle in (("fifo", "FIFO"), ("dir", "directory"), ("zero", "character device"),
                         ("missing", "no such file")):
        start = time.monotonic()
        with pytest.raises(FileReadError) as caught:
            read_regular(tmp_path / name)
        assert needle in str(caught.value) and time.monotonic() - start < 5


def test_read_json_is_one_line(tmp_path):
    (tmp_path / "bad.json").write_text('{"a":\n')
    with pytest.raises(FileReadError) as caught:
        read_json(tmp_path / "bad.json")
    assert "not JSON" in str(caught.value) and "\n" not in str(caught.value)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileReadError):
        read_json(tmp_path / "deep.json")

"""`vxi examples --copy DIR` and `vxi completion --install` write the one safe way out: on a full disk the copy left
an empty file, and with --force it emptied the good copy DIR already had; the completion hung on a FIFO."""

import os
import subprocess
import sys

from backend.resources import examples
from tests.vxdl.helpers import vxi


def vxi_command() -> list[str]:
    return [sys.executable, "-m", "backend.cli"]


def fill(folder) -> None:
    """Fill the file system of `folder` to its last byte."""
    fd = os.open(folder / "fill", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, bytes(4096)):
            pass
    except OSError:  # full
        pass
    finally:
        os.close(fd)


def test_copying_the_examples_onto_a_full_disk_leaves_no_empty_file_and_keeps_the_old(tmp_path, root):
    folder = tmp_path / "small"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], check=True)
    try:
        first = examples()[0]
        (folder / "old").mkdir()
        (folder / "old" / first.name).write_bytes(first.read_bytes())
        (folder / "new").mkdir()
        fill(folder)
        for argv in (["--copy", str(folder / "new")], ["--copy", str(folder / "old"), "--force"]):
            done = vxi("examples", *argv)
            assert done.returncode == 2 and "no space left" in done.stderr, done.stderr
            assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert os.listdir(folder / "new") == []  # before: an empty figure1-substrate.vxdl
        assert os.listdir(folder / "old") == [first.name]
        assert (folder / "old" / first.name).read_bytes() == first.read_bytes()  # before: emptied
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_installing_the_completion_onto_a_fifo_is_refused_without_blocking(tmp_path):
    completions = tmp_path / "bash-completion" / "completions"
    completions.mkdir(parents=True)
    os.mkfifo(completions / "vxi")
    done = subprocess.run([*vxi_command(), "completion", "bash", "--install"], capture_output=True, text=True,
                          timeout=15, env={**os.environ, "XDG_DATA_HOME": str(tmp_path)})  # before: blocked
    assert done.returncode == 2 and "is a FIFO, not a regular file" in done.stderr, done.stderr

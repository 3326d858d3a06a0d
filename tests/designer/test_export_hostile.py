"""Issue 12's designer export of hostile files (`vxi-designer FILE --export-image OUT`): a sentence and exit 1,
never a traceback, never a hang; what it does write is written atomically and follows the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
HEAD = '<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl" xmlns:x="urn:vxi-designer:vxdl-ext:1">'
FILES = {
    "no-vxi.vxdl": HEAD + "</description>",
    "schema-errors.vxdl": HEAD + "<virtualInfrastructure><id>t</id><bogus/><vNode><id>a</id><memory><simple>x"
                                 "</simple></memory></vNode></virtualInfrastructure></description>",
    "nan-layout.vxdl": HEAD + '<virtualInfrastructure><id>t</id><vNode><id>a</id></vNode><x:layout><x:position '
                              'ref="a" x="NaN" y="1e400"/></x:layout></virtualInfrastructure></description>',
    # positions far apart: a traceback (PNG) or no end (SVG, the labels' tiles); now a warning, or a sentence
    "far-layout.vxdl": HEAD + '<virtualInfrastructure><id>t</id><vNode><id>a</id></vNode><vNode><id>b</id></vNode>'
                              '<x:layout><x:position ref="a" x="0" y="0"/><x:position ref="b" x="1e30" y="0"/>'
                              '</x:layout></virtualInfrastructure></description>',
    "far-apart.vxdl": HEAD + '<virtualInfrastructure><id>t</id><vNode><id>a</id></vNode><vNode><id>b</id></vNode>'
                             '<x:layout><x:position ref="a" x="-1000000" y="0"/><x:position ref="b" x="1000000" '
                             'y="1000000"/></x:layout></virtualInfrastructure></description>',
    "utf16-dtd.vxdl": None,
    "not-xml.vxdl": "\x00\x01junk",
    "billion.vxdl": HEAD + "<virtualInfrastructure><id>t</id><vArray><id>c</id><cardinality>1000000000"
                           "</cardinality><vNode><id>m</id></vNode></vArray></virtualInfrastructure></description>",
}


def _run(*args, umask: int | None = None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, "-m", "designer", *args]
    if umask is not None:
        command = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_hostile_file_gives_a_sentence_or_a_picture_never_a_traceback(tmp_path, name):
    path = tmp_path / name
    content = FILES[name]
    if content is None:
        path.write_bytes(('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d SYSTEM "file:///etc/passwd">'
                          + HEAD[21:] + "</description>").encode("utf-16"))
    else:
        path.write_text(content)
    out = tmp_path / "out.png"
    done = _run(str(path), "--export-image", str(out))
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    if done.returncode == 0:
        assert QImage(str(out)).width() > 10
    else:
        assert done.stderr.strip().splitlines()[-1].startswith("vxi-designer: ") and not out.exists()


def test_a_fifo_does_not_hang_the_designer(tmp_path):
    fifo = tmp_path / "in.vxdl"
    os.mkfifo(fifo)
    done = _run(str(fifo), "--export-image", str(tmp_path / "out.png"))
    assert done.returncode == 1 and "FIFO" in done.stderr and "Traceback" not in done.stderr


def test_an_export_onto_a_directory_or_a_device_is_refused(tmp_path):
    (tmp_path / "dir.png").mkdir()
    (tmp_path / "null.svg").symlink_to("/dev/null")
    for target, words in ((tmp_path / "dir.png", "is a directory"), (tmp_path / "null.svg", "character device")):
        done = _run("examples/figure4.vxdl", "--export-image", str(target))
        assert done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "null.svg").is_symlink() and Path("/dev/null").is_char_device()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_an_export_follows_the_umask_and_leaves_no_temporary_file(tmp_path, suffix):
    out = tmp_path / f"f4{suffix}"
    done = _run("examples/figure4.vxdl", "--export-image", str(out), umask=0o077)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and [p.name for p in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize("name", ["far-layout.vxdl", "far-apart.vxdl"])
def test_an_svg_of_positions_far_apart_ends(tmp_path, name):
    path = tmp_path / name
    path.write_text(FILES[name])
    done = _run(str(path), "--export-image", str(tmp_path / "out.svg"))
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr

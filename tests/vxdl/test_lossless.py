"""Issue 12's lossy or invalid output, each case decided and held: whatever `validate` accepts, `format` writes
and `validate` accepts again; what it cannot keep, it refuses to write."""

import os
import subprocess
import sys

from backend.vxdl import read_file
from tests.vxdl.helpers import EXAMPLES, ROOT, vxi

HEAD = ('<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl" '
        'xmlns:x="urn:vxi-designer:vxdl-ext:1"><virtualInfrastructure><id>t</id>')
TAIL = "</virtualInfrastructure></description>"


def test_a_blank_id_is_an_error_so_format_never_writes_an_empty_one(tmp_path):
    path = tmp_path / "blank.vxdl"
    path.write_text(HEAD + "<vNode><id> </id></vNode>" + TAIL)
    done = vxi("validate", str(path))
    assert done.returncode == 1 and "empty-id" in done.stdout  # before: accepted, written <id></id>, refused
    out = tmp_path / "out.vxdl"
    done = vxi("format", str(path), "-o", str(out))
    assert done.returncode == 1 and "not formatted" in done.stderr and not out.exists()


def test_a_position_that_is_not_finite_is_a_warning_and_is_not_written(tmp_path):
    source = (EXAMPLES / "figure4.vxdl").read_text()
    source = source.replace('<x:position ref="A" x="0"', '<x:position ref="A" x="NaN"')
    source = source.replace('<x:position ref="B" x="200"', '<x:position ref="B" x="1e400"')
    path = tmp_path / "nan.vxdl"
    path.write_text(source)
    done = vxi("validate", str(path))
    assert done.returncode == 0 and done.stdout.count("warning: bad-position") == 2
    out = tmp_path / "out.vxdl"
    assert vxi("format", str(path), "-o", str(out)).returncode == 0
    written = out.read_text()
    assert "nan" not in written.lower() and "inf" not in written.lower().replace("virtualinfrastructure", "")
    again = vxi("validate", str(out))
    assert again.returncode == 0 and again.stdout == ""
    model = read_file(out).model
    assert model.components["A"].position is None and model.components["C"].position is not None


def test_a_value_that_cannot_be_read_is_not_silently_dropped(tmp_path):
    source = (EXAMPLES / "figure6-substrate.vxdl").read_text().replace('unit="Gbps">1<', 'unit="Zbps">1<', 1)
    path = tmp_path / "zbps.vxdl"
    path.write_text(source)
    done = vxi("validate", str(path))
    assert done.returncode == 1 and "unknown-unit" in done.stdout and "Zbps" in done.stdout
    done = vxi("format", str(path))
    assert done.returncode == 1 and "Zbps" in done.stderr  # before: written without the capacity
    assert path.read_text() == source


def test_format_refuses_output_the_reader_would_refuse(tmp_path):
    """Formatting indents: a file just under the size limit can grow over it (24.5 MB became 37.7 MB). Such
    output is refused with the sizes named, and the file is left as it was."""
    nodes = "".join(f"<vNode><id>n{i}</id></vNode>" for i in range(600))
    path = tmp_path / "grows.vxdl"
    path.write_text(HEAD + nodes + TAIL)
    size = path.stat().st_size
    env = dict(os.environ, VXI_MAX_BYTES=str(size + 100))
    run = lambda *args: subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    assert run("validate", str(path)).returncode == 0
    plain = str(tmp_path / "plain.vxdl")
    for args in (["format", str(path)], ["format", str(path), "-o", "-"], ["convert", "--plain", str(path), plain]):
        done = run(*args)
        assert done.returncode == 2 and "over the" in done.stderr and "limit of the reader" in done.stderr
        assert done.stdout == ""
    assert path.stat().st_size == size
    assert [p.name for p in tmp_path.iterdir()] == ["grows.vxdl"]  # the streamed temporary files removed


def test_a_duration_under_a_microsecond_is_written_in_full_digits(tmp_path):
    """PT0.0000000001S validated but was written `PT0.S`, which the reader refuses (bad-duration)."""
    path = tmp_path / "tiny.vxdl"
    path.write_text(HEAD + "<startDate>2026-12-01T08:00:00</startDate><totalTime>PT0.0000000001S</totalTime>"
                    "<vNode><id>a</id></vNode>" + TAIL)
    _formatted_back(path, "<totalTime>PT0.0000000001S</totalTime>")


def test_a_small_value_is_written_without_an_exponent(tmp_path):
    """<simple>0.000001</simple> validated but was written `1e-06`, which the schema (xs:decimal) refuses; a
    GraphML capacity of 1 bit/s converted to the same refused VXDL."""
    path = tmp_path / "small.vxdl"
    path.write_text((EXAMPLES / "figure1-vxi1.vxdl").read_text().replace("<simple>8</simple>",
                                                                         "<simple>0.000001</simple>", 1))
    _formatted_back(path, "<simple>0.000001</simple>")


def test_a_position_too_far_to_draw_is_a_warning_and_is_not_kept(tmp_path):
    """x="1e30" is finite but no picture or window can span it (the export failed or never ended)."""
    path = tmp_path / "far.vxdl"
    path.write_text(HEAD + '<vNode><id>a</id></vNode><x:layout><x:position ref="a" x="1e30" y="0"/></x:layout>'
                    + TAIL)
    done = vxi("validate", str(path))
    assert done.returncode == 0 and "warning: bad-position" in done.stdout and "beyond" in done.stdout
    assert read_file(path).model.components["a"].position is None


def _formatted_back(path, written: str) -> None:
    """`path` validates, `vxi format` writes `written` as it is, and the output validates again."""
    assert vxi("validate", str(path)).returncode == 0
    out = path.with_name("out.vxdl")
    assert vxi("format", str(path), "-o", str(out)).returncode == 0
    assert written in out.read_text()
    assert vxi("validate", str(out)).returncode == 0

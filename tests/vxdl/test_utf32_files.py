"""A file in UTF-32 (little- or big-endian, with or without a byte-order mark) is read as its UTF-8 twin is: libxml2
finds its encoding when it parses it whole, but not when it is fed pieces or reads a file, which every reading does
now (a valid document was said "not well-formed XML: Document is empty", a DTD was not said a DTD)."""

import codecs

import pytest

from backend.vxdl import VxdlFileError, read_file
from tests.vxdl.helpers import EXAMPLES, vxi

BOMS = {"UTF-32LE": codecs.BOM_UTF32_LE, "UTF-32BE": codecs.BOM_UTF32_BE}
WAYS = [(codec, bom) for codec in BOMS for bom in (False, True)]


def utf32(text: str, codec: str, bom: bool) -> bytes:
    """`text` with a declaration of UTF-32, encoded in `codec`, after its byte-order mark when `bom`."""
    return (BOMS[codec] if bom else b"") + ("<?xml version='1.0' encoding='UTF-32'?>" + text).encode(codec)


def body(name: str) -> str:
    return (EXAMPLES / name).read_text().split("?>", 1)[1]


@pytest.mark.parametrize(("codec", "bom"), WAYS)
def test_a_utf32_file_reads_as_its_utf8_twin(tmp_path, codec, bom):
    path = tmp_path / "vxi.vxdl"
    path.write_bytes(utf32(body("figure1-vxi1.vxdl"), codec, bom))
    read = read_file(path)
    assert not read.problems and sorted(read.model.components) == sorted(read_file(
        EXAMPLES / "figure1-vxi1.vxdl").model.components)


@pytest.mark.parametrize(("codec", "bom"), WAYS)
def test_a_dtd_in_a_utf32_file_is_said_a_dtd_at_its_line(tmp_path, codec, bom):
    path = tmp_path / "dtd.vxdl"
    path.write_bytes(utf32("<!-- a -->\n<!DOCTYPE description SYSTEM 'file:///etc/passwd'>" + body(
        "figure1-vxi1.vxdl"), codec, bom))
    with pytest.raises(VxdlFileError) as caught:
        read_file(path)
    assert "DTD" in str(caught.value) and caught.value.line == 2


def test_utf32_imports_convert_and_problems_are_placed(tmp_path):
    for kind in ("graphml", "rspec"):
        made = tmp_path / f"made.{kind}"
        assert vxi("convert", str(EXAMPLES / "figure1-vxi1.vxdl"), str(made)).returncode == 0
        text = made.read_text().split("?>", 1)[1]
        made.write_bytes(utf32(text, "UTF-32LE", True))
        done = vxi("convert", str(made), str(tmp_path / f"back-{kind}.vxdl"))
        assert done.returncode == 0, done.stderr  # before: exit 2, "Document is empty"
    bad = tmp_path / "bad.vxdl"
    bad.write_bytes(utf32(body("figure1-vxi1.vxdl").replace("<id>n3</id>", "<id>n2</id>"), "UTF-32LE", False))
    done = vxi("validate", str(bad))
    assert done.returncode == 1 and "duplicate-id" in done.stdout, done.stderr

"""A document in UTF-16 or UTF-32 (little- or big-endian, with or without a byte-order mark) has its problems at the
columns of its UTF-8 twin (every problem was at column 1: its tags were searched as UTF-8 bytes), and a column is
counted in characters in every encoding, as libxml2 counts its own (a UTF-8 line's column counted its bytes)."""

import codecs
import re

import pytest

from backend.vxdl import columns, read_bytes, read_file
from tests.vxdl.helpers import EXAMPLES, vxi

MARKS = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE,
         "utf-32-be": codecs.BOM_UTF32_BE}
WAYS = [(codec, mark) for codec in MARKS for mark in (False, True)]


def text(one_line: bool = False) -> str:
    """figure1-vxi1 with a duplicate id, a dangling reference and an element the schema refuses; `one_line`: its
    first components and a comment of characters of 2, 3 and 4 UTF-8 bytes on one line."""
    body = (EXAMPLES / "figure1-vxi1.vxdl").read_text().split("?>", 1)[1].replace("<id>n3</id>", "<id>n2</id>")
    body = body.replace("</vNode>", "<colour>red</colour></vNode>", 1)
    if one_line:
        body = body.replace("\n    <vNode>", "<!--é€𝄞--><vNode>")
    return body


def encoded(body: str, codec: str, mark: bool) -> bytes:
    name = "UTF-16" if "16" in codec else "UTF-32"
    return (MARKS[codec] if mark else b"") + (f"<?xml version='1.0' encoding='{name}'?>" + body).encode(codec)


def places(problems) -> list[tuple]:
    return sorted((p.line, p.column, p.code) for p in problems)


@pytest.mark.parametrize(("codec", "mark"), WAYS)
def test_validate_gives_a_wide_document_the_columns_of_its_utf8_twin(tmp_path, codec, mark):
    twin, wide = tmp_path / "twin.vxdl", tmp_path / "wide.vxdl"
    twin.write_text("<?xml version='1.0' encoding='UTF-8'?>" + text())
    wide.write_bytes(encoded(text(), codec, mark))
    said, told = vxi("validate", str(twin)), vxi("validate", str(wide))
    assert said.returncode == told.returncode == 1, told.stderr
    assert told.stdout.replace(str(wide), str(twin)) == said.stdout
    assert ":69:5: error: duplicate-id" in told.stdout  # (was 69:1)


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-32-be"])
def test_a_column_counts_characters_in_every_encoding(tmp_path, codec):
    body = text(one_line=True)
    data = encoded(body, codec, True) if codec != "utf-8" else ("<?xml version='1.0'?>" + body).encode()
    path = tmp_path / "one-line.vxdl"
    path.write_bytes(data)
    ascii_twin = ("<?xml version='1.0'?>" + body.replace("<!--é€𝄞-->", "<!--abc-->")).encode()
    expected = places(read_bytes(ascii_twin).problems)
    assert (66, 25, "duplicate-id") in expected
    assert places(read_file(path).problems) == places(read_bytes(data).problems) == expected


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_long_line_is_decoded_a_piece_at_a_time_with_the_same_columns(monkeypatch, codec):
    """A tag or a character cut between two pieces of a line is found at its column all the same."""
    line = "é𝄞<vNode>€<x:vNode/><vNodes><vNode\t<vNode" * 5
    pattern = re.compile(r"<(?:[A-Za-z_][\w.\-]*:)?vNode(?=[\s/>]|$)", re.ASCII)
    whole = [m.start() + 1 for m in pattern.finditer(line)]
    for piece in range(1, 49):
        monkeypatch.setattr(columns, "PIECE_BYTES", piece)
        assert columns._character_columns(line.encode(codec), codec, pattern) == whole, piece

"""Hostile and broken inputs give exit 1 or 2 with a line naming place and cause; the commands work."""

import json

import pytest

from backend.vxdl import read_file
from tests.vxdl.helpers import CORPUS, EXAMPLES, vxi

GOOD_HEAD = '<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure><id>t</id>'
GOOD_TAIL = "</virtualInfrastructure></description>"
BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + ']><description xmlns="http://www.vxdlforum.org/vxdl">&lol9;</description>')
XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure><id>&x;</id>'
       '</virtualInfrastructure></description>')

CASES = {
    "external-entity": (XXE, 2, "DTD"),
    "entity-bomb": (BOMB, 2, "entity"),
    "binary-junk": (bytes(range(256)) * 4, 2, "not well-formed"),
    "wrong-namespace": ('<description xmlns="urn:nope"><virtualInfrastructure/></description>', 2, "not VXDL"),
    "dangling-link": (GOOD_HEAD + "<vNode><id>a</id></vNode><vLink><id>l</id><source>a</source>"
                      "<destination>zz</destination></vLink>" + GOOD_TAIL, 1, "dangling-reference"),
    "min-above-max": (GOOD_HEAD + "<vNode><id>a</id><memory><interval><min>9</min><max>2</max></interval>"
                      "</memory></vNode>" + GOOD_TAIL, 1, "min-above-max"),
    "unknown-unit": (GOOD_HEAD + "<vNode><id>a</id><memory><unit>parsecs</unit><simple>1</simple></memory>"
                     "</vNode>" + GOOD_TAIL, 1, "unknown-unit"),
    "negative-bandwidth": (GOOD_HEAD + "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vLink><id>l</id>"
                           "<source>a</source><destination>b</destination><bandwidth><forward><simple>-10"
                           "</simple></forward></bandwidth></vLink>" + GOOD_TAIL, 1, "negative-value"),
    "not-a-number": (GOOD_HEAD + "<vNode><id>a</id><memory><simple>lots</simple></memory></vNode>"
                     + GOOD_TAIL, 1, "schema"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_a_clear_line_and_no_traceback(tmp_path, case):
    content, code, needle = CASES[case]
    path = tmp_path / f"{case}.vxdl"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    done = vxi("validate", str(path), timeout=10)
    out = done.stdout + done.stderr
    assert done.returncode == code, out
    assert "Traceback" not in out
    assert str(path) in out and needle in out
    if code == 1:
        assert f"{path}:1:" in out


def test_a_100_mb_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.vxdl"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    done = vxi("validate", str(path), timeout=10)
    assert done.returncode == 2 and "over the" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_exits_2(tmp_path):
    done = vxi("validate", str(tmp_path / "nope.vxdl"))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_validate_valid_files_exit_0_and_json_lists_problems(tmp_path):
    assert vxi("validate", *map(str, sorted(EXAMPLES.glob("*.vxdl")))).returncode == 0
    bad = tmp_path / "bad.vxdl"
    bad.write_text(CASES["dangling-link"][0])
    done = vxi("validate", "--json", str(bad))
    items = json.loads(done.stdout)
    assert done.returncode == 1
    assert items[0]["code"] == "dangling-reference" and items[0]["element_id"] == "l"
    assert items[0]["line"] == 1 and items[0]["file"] == str(bad)


def test_show_prints_a_summary_and_si_json():
    done = vxi("show", str(EXAMPLES / "figure4.vxdl"))
    assert done.returncode == 0
    assert "8 components (1 cloud, 5 nodes, 2 routers)" in done.stdout
    assert "periods: I, II, III" in done.stdout and "lease: 2026-12-01 08:00:00 UTC" in done.stdout
    data = json.loads(vxi("show", "--json", str(EXAMPLES / "figure4.vxdl")).stdout)
    link = next(lk for lk in data["links"] if lk["id"] == "A-B")
    assert link["forward"] == {"shape": "simple", "si_unit": "bit/s", "value": 1e9}


def test_format_rewrites_atomically_in_strict_order(tmp_path):
    source = CORPUS / "misc/exemplo_completo_tag.xml"
    if not source.exists():
        pytest.skip("corpus missing")
    target = tmp_path / "formatted.vxdl"
    done = vxi("format", str(source), "-o", str(target))
    assert done.returncode == 0, done.stderr
    from backend.vxdl import strict_problems

    assert strict_problems(target.read_bytes()) == []
    assert read_file(target).model == read_file(source).model
    assert [p.name for p in tmp_path.iterdir()] == ["formatted.vxdl"]  # no temporary file left


def test_format_in_place_keeps_extension_elements(tmp_path):
    target = tmp_path / "f4.vxdl"
    target.write_bytes((EXAMPLES / "figure4.vxdl").read_bytes())
    assert vxi("format", str(target)).returncode == 0
    assert read_file(target).model == read_file(EXAMPLES / "figure4.vxdl").model


def test_validate_against_a_substrate_reports_unknown_anchors():
    if not (CORPUS / "virtual/10.xml").exists():
        pytest.skip("corpus missing")
    done = vxi("validate", "--against", str(CORPUS / "physical/0.xml"), *(str(CORPUS / f"virtual/{i}.xml")
                                                                          for i in range(100)))
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if "unknown-anchor" in line]
    assert lines and all("at location '8'" in line and ":0: " not in line for line in lines)


def test_a_declaration_after_many_comments_is_found_and_placed():
    from backend.vxdl import VxdlFileError, read_bytes

    body = GOOD_HEAD.encode()[21:] + GOOD_TAIL.encode()  # after the XML declaration
    data = b"<!-- hi! <!DOCTYPE in a comment> -->\n" * 100_000 + b'<!DOCTYPE d [<!ENTITY x "y">]>' + body
    with pytest.raises(VxdlFileError) as caught:
        read_bytes(data, "late.vxdl")
    assert caught.value.line == 100_001 and "DTD" in str(caught.value)
    with pytest.raises(VxdlFileError) as caught:  # lower case is not XML at all
        read_bytes(data.replace(b"<!DOCTYPE d", b"<!doctype d"), "late.vxdl")
    assert caught.value.line == 100_001 and "not well-formed" in str(caught.value)

"""Issue 12's failing cases of untrusted VXDL, each re-created: a DTD in any encoding refused after parsing,
nothing it names opened, special files refused, problem locations in linear time, lines that cannot be forged."""

import os
import threading

import pytest

from backend.files import MAX_BYTES, size_text
from backend.vxdl import VxdlFileError, read_bytes, read_file
from tests.vxdl.helpers import ROOT, vxi

BODY = ('<description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure><id>t</id>'
        '<vNode><id>a</id></vNode></virtualInfrastructure></description>')
ENCODINGS = ["UTF-8", "UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-32LE", "UTF-32BE"]


def document(encoding: str, doctype: str, body: str = BODY) -> bytes:
    """A document with a declaration of `encoding` and a document type, encoded that way (with a BOM where
    the bare name has one)."""
    return (f'<?xml version="1.0" encoding="{encoding}"?>{doctype}{body}').encode(encoding.lower())


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("doctype", [
    "<!DOCTYPE description>",
    '<!DOCTYPE d [<!ENTITY x "hello">]>',
    '<!DOCTYPE description SYSTEM "file:///etc/passwd">',
    '<!DOCTYPE description PUBLIC "-//x//y" "http://example.invalid/x.dtd">',
])
def test_a_document_type_is_refused_in_every_encoding(encoding, doctype):
    body = BODY.replace("<id>t</id>", "<id>&x;</id>") if "ENTITY" in doctype else BODY
    with pytest.raises(VxdlFileError) as caught:
        read_bytes(document(encoding, doctype, body), "d.vxdl")
    assert "DTD" in str(caught.value) and caught.value.line == 1


@pytest.mark.parametrize("encoding", ["UTF-16", "UTF-32"])
def test_an_external_dtd_is_never_opened_so_existing_and_missing_files_answer_alike(tmp_path, encoding):
    answers = []
    for target in ("/etc/passwd", str(tmp_path / "missing.dtd")):
        path = tmp_path / f"ext-{len(answers)}.vxdl"
        path.write_bytes(document(encoding, f'<!DOCTYPE description SYSTEM "file://{target}">'))
        done = vxi("validate", str(path), timeout=20)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        answers.append(done.stderr.replace(str(path), "FILE"))
    assert answers[0] == answers[1]


def test_an_external_dtd_naming_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "dtd.fifo"
    os.mkfifo(fifo)
    path = tmp_path / "fifo-dtd.vxdl"
    path.write_bytes(document("UTF-16", f'<!DOCTYPE description SYSTEM "file://{fifo}">'))
    done = vxi("validate", str(path), timeout=20)  # before: blocked forever opening the FIFO
    assert done.returncode == 2 and "DTD" in done.stderr


def test_an_internal_entity_in_utf16_exits_2_not_3(tmp_path):
    path = tmp_path / "entity.vxdl"
    path.write_bytes(document("UTF-16", '<!DOCTYPE d [<!ENTITY x "hello">]>', BODY.replace("<id>a</id>",
                                                                                           "<id>&x;</id>")))
    for command in ("validate", "show", "format"):
        done = vxi(command, str(path), timeout=20)
        assert done.returncode == 2 and "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_comment_that_mentions_doctype_is_not_refused():
    data = ('<?xml version="1.0"?><!-- write no <!DOCTYPE here, nor <!ENTITY --><?pi <!DOCTYPE?>' + BODY).encode()
    result = read_bytes(data, "c.vxdl")
    assert result.model is not None and not result.errors


def test_invalid_utf8_is_one_line():
    with pytest.raises(VxdlFileError) as caught:
        read_bytes(('<?xml version="1.0"?>' + BODY).encode().replace(b"<id>a", b"<id>a\xff\xfe"), "bad.vxdl")
    assert "\n" not in str(caught.value) and "UTF-8" in str(caught.value)


@pytest.mark.parametrize("command", [["validate"], ["show"], ["format"], ["validate", "--substrate"]])
def test_a_fifo_is_refused_without_blocking(tmp_path, command):
    fifo = tmp_path / "in.vxdl"
    os.mkfifo(fifo)
    done = vxi(*command, str(fifo), timeout=20)
    assert done.returncode == 2 and "FIFO" in done.stderr and "not a regular file" in done.stderr


def test_embed_and_replan_refuse_special_files(tmp_path):
    fifo = tmp_path / "in.vxdl"
    os.mkfifo(fifo)
    substrate = "examples/figure6-substrate.vxdl"
    done = vxi("embed", substrate, str(fifo), timeout=20)
    assert done.returncode == 2 and "FIFO" in done.stderr
    done = vxi("replan", substrate, "/dev/zero", "--remove-host", "left", timeout=20)  # before: 9.5 GB in 20 s
    assert done.returncode == 2 and "character device" in done.stderr


def test_a_fifo_swapped_in_after_the_check_cannot_block(tmp_path, monkeypatch):
    """The open itself is non-blocking: even when stat saw a regular file, a FIFO opened later is refused."""
    import backend.files as files

    fifo = tmp_path / "swap.vxdl"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(__file__)
    monkeypatch.setattr(files.os, "stat", lambda p, *a, **k: regular if str(p) == str(fifo) else real_stat(p))
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_refusal(lambda: read_file(fifo))), daemon=True)
    worker.start()
    worker.join(10)
    assert outcome and "FIFO" in outcome[0]


def _refusal(action) -> str:
    try:
        action()
    except VxdlFileError as exc:
        return str(exc)
    return "read"


def test_the_size_limit_is_stated_one_way(tmp_path):
    path = tmp_path / "huge.vxdl"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    done = vxi("validate", str(path))
    assert done.returncode == 2 and f"over the {size_text(MAX_BYTES)} limit" in done.stderr
    assert size_text(MAX_BYTES) == "32 MiB"
    assert "32 MiB" in (ROOT / "docs" / "security.md").read_text()


def test_problem_columns_are_found_in_linear_time(tmp_path):
    """50,000 links, each with a dangling end, after 20,000 nodes on one line (1.3 MB, within the limits of
    components and links): before, the column of each problem was searched from the start of the line (136 s
    with 50,000 nodes); now each line and tag is searched once."""
    nodes = "".join(f"<vNode><id>n{i}</id></vNode>" for i in range(20_000))
    links = "".join(f"<vLink><id>l{i}</id><source>n{i % 20_000}</source><destination>zz{i}</destination></vLink>"
                    for i in range(50_000))
    path = tmp_path / "dangling.vxdl"
    path.write_text(BODY.replace("<vNode><id>a</id></vNode>", nodes + links))
    done = vxi("validate", "--max-problems", "0", str(path), timeout=90)
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and len(lines) == 50_000
    assert all(":1:" in line and "dangling-reference" in line for line in lines[:3])


def test_a_problem_has_the_column_of_its_own_element_among_several_of_its_tag_on_a_line():
    """Several elements of one tag on one line, the second faulty: its problem points at it, not at the first
    (a duplicate id, a dangling link end, a layout position)."""
    line = ('<vNode><id>a</id></vNode><vNode><id>a</id></vNode><vNode><id>b</id></vNode>'
            '<vLink><id>l1</id><source>a</source><destination>b</destination></vLink>'
            '<vLink><id>l2</id><source>a</source><destination>zz</destination></vLink>'
            '<vNode><id>c</id></vNode>')
    text = BODY.replace("<vNode><id>a</id></vNode>", line)
    result = read_bytes(text.encode(), "cols.vxdl")
    found = {p.code: p for p in result.problems}
    assert {"duplicate-id", "dangling-reference"} <= set(found), result.problems

    def nth(tag: str, n: int) -> int:
        at = -1
        for _ in range(n):
            at = text.index(tag, at + 1)
        return at + 1

    assert found["duplicate-id"].line == 1 and found["duplicate-id"].column == nth("<vNode>", 2)
    assert found["dangling-reference"].column == nth("<vLink>", 2)
    layout = ('<x:layout xmlns:x="urn:vxi-designer:vxdl-ext:1"><x:position ref="a" x="1" y="2"/>'
              '<x:position ref="b" x="NaN" y="2"/></x:layout>')
    text = BODY.replace("</virtualInfrastructure>", layout + "</virtualInfrastructure>")
    positions = [p for p in read_bytes(text.encode(), "cols.vxdl").problems if p.code == "bad-position"]
    assert [p.column for p in positions] == [nth("<x:position", 2)]


def test_an_id_cannot_forge_a_second_problem_line(tmp_path):
    path = tmp_path / "forge.vxdl"
    forged = f"l&#10;{path}:9:9: error: fake: forged"
    path.write_text(BODY.replace("</virtualInfrastructure>", f"<vLink><id>{forged}</id><source>a</source>"
                                 "<destination>zz\u202e\u009b31m</destination></vLink></virtualInfrastructure>"))
    done = vxi("validate", str(path))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and "fake" in lines[0] and lines[0].startswith(f"{path}:1:")
    assert "\\n" in lines[0] and "\\u202e" in lines[0] and "\\x9b" in lines[0]
    assert "\u202e" not in done.stdout and "\u009b" not in done.stdout
    shown = vxi("show", str(path))
    assert "\u202e" not in shown.stdout and "\u009b" not in shown.stdout


def test_an_id_that_looks_like_another_is_told_apart(tmp_path):
    """Invisible characters (zero-width space, joiner, byte-order mark, soft hyphen) were printed raw: a link to
    'a\u200b' was said to name a missing 'a' while 'a' was right there."""
    path = tmp_path / "alike.vxdl"
    ends = ["a\u200b", "a\u200d", "a\ufeff", "a\u00ad", "a\u2060"]
    links = "".join(f"<vLink><id>l{i}</id><source>a</source><destination>{end}</destination></vLink>"
                    for i, end in enumerate(ends))
    path.write_text(BODY.replace("</virtualInfrastructure>", links + "</virtualInfrastructure>"))
    for argv in (("validate", str(path)), ("validate", "--json", str(path)), ("show", "--json", str(path))):
        done = vxi(*argv)
        out = done.stdout + done.stderr
        assert done.returncode == (0 if "show" in argv else 1) and not any(end in out for end in ends), out
        soft_hyphen = "a\\u00ad" if "--json" in argv else "a\\xad"
        assert all(shown in out for shown in ("a\\u200b", "a\\u200d", "a\\ufeff", soft_hyphen, "a\\u2060")), out


def test_a_file_name_cannot_forge_a_line_of_convert_or_format(tmp_path):
    name = tmp_path / "x\nfake.vxdl:1:1: error: forged\u202e.vxdl"
    name.write_bytes((ROOT / "examples" / "figure4.vxdl").read_bytes())
    for args in (("convert", str(name), str(name) + ".graphml"), ("format", "-o", str(name) + ".f.vxdl", str(name)),
                 ("convert", str(name), str(name) + ".qq")):
        done = vxi(*args)
        out = done.stdout + done.stderr
        assert done.returncode in (0, 2) and "\u202e" not in out and "\\u202e" in out, out
        assert not any(line.startswith("fake.vxdl") for line in out.splitlines()), out


def test_an_attribute_problem_names_its_element_and_attribute_cleanly():
    """libxml2's "Element 'x', attribute 'a': ..." was printed `element <x', attribute 'a>: ...`."""
    data = (b'<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure '
            b'bad="1"><id>t</id><vNode><id>a</id></vNode></virtualInfrastructure></description>')
    (problem,) = [p for p in read_bytes(data, "attr.vxdl").problems if p.code == "schema"]
    assert problem.message.startswith("element <virtualInfrastructure>, attribute 'bad': ")

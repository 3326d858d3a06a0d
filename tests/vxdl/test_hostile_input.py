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
    """50,000 links, each with a dangling end, after 50,000 nodes on one line (1.5 MB): before, the column of
    each problem was searched from the start of the line (136 s); now each line and tag is searched once."""
    nodes = "".join(f"<vNode><id>n{i}</id></vNode>" for i in range(50_000))
    links = "".join(f"<vLink><id>l{i}</id><source>n{i}</source><destination>zz</destination></vLink>"
                    for i in range(50_000))
    path = tmp_path / "dangling.vxdl"
    path.write_text(BODY.replace("<vNode><id>a</id></vNode>", nodes + links))
    done = vxi("validate", str(path), timeout=90)
    lines = done.stdout.splitlines()
    assert done.returncode == 1 and len(lines) == 50_000
    assert all(":1:" in line and "dangling-reference" in line for line in lines[:3])


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

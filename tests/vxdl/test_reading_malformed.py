"""A VXDL document that is not well-formed is refused in the whole reading's words (file, line, column, what is
wrong), found without building its tree: it was read whole (about 7 times the file) to say where. A document with
problems is read from its file without holding its bytes for their columns."""

from __future__ import annotations

import pytest

from backend.vxdl import read_bytes, read_file
from backend.vxdl.errors import VxdlFileError
from backend.vxdl.reader import read_whole
from tests.vxdl.test_streaming import _bare_links, _read_peak_ratio

SCHEMAS_LOADED = "from backend.vxdl.schema import lenient_schema, strict_schema; strict_schema(), lenient_schema()"


def _malformed(data: bytes) -> dict[str, bytes]:
    """The document not well-formed near its end, in four ways."""
    at = data.rindex(b"<vLink><id>") + len(b"<vLink><id>")
    return {"cut short": data[:-300], "unclosed tag": data[:at] + b"<zz>" + data[at:],
            "entity never declared": data[:at] + b"&bad;" + data[at:], "not UTF-8": data[:at] + b"\xff" + data[at:]}


def _refusal(read) -> tuple[str, int | None]:
    with pytest.raises(VxdlFileError) as caught:
        read()
    return str(caught.value), caught.value.line


def test_a_malformed_document_is_refused_in_the_whole_readings_words(tmp_path):
    """From bytes and from a file: the same message (one line) and line as the whole reading's parse."""
    for kind, data in _malformed(_bare_links(50, 200)).items():
        path = tmp_path / "m.vxdl"
        path.write_bytes(data)
        whole = _refusal(lambda: read_whole(data, str(path)))  # noqa: B023 -- called at once
        assert "not well-formed XML" in whole[0] and "\n" not in whole[0] and whole[1] and whole[1] > 200, kind
        assert _refusal(lambda: read_bytes(data, str(path))) == whole, kind  # noqa: B023
        assert _refusal(lambda: read_file(path)) == whole, kind  # noqa: B023


def test_a_document_malformed_near_its_end_is_refused_without_its_tree(tmp_path):
    """1.8 MB of bare links, not well-formed near the end: 9.9-12.9 times the file over the baseline to say where
    (read whole); now about 3 (the model read so far, then a parse that builds nothing)."""
    for kind, data in _malformed(_bare_links(4_000, 20_000)).items():
        path = tmp_path / "malformed.vxdl"
        path.write_bytes(data)
        check = "assert 'not well-formed XML' in str(result) and result.line > 20_000, result"
        read = ("from backend.vxdl.errors import VxdlFileError\ntry:\n    read_file(path)\n"
                "except VxdlFileError as exc:\n    result = exc")
        ratio = _read_peak_ratio(path, check, SCHEMAS_LOADED, read=read)
        assert ratio < 7, f"{kind}: refusing it took {ratio:.1f} times the file's size over the baseline"



def test_a_document_with_problems_is_read_from_its_file_without_holding_its_bytes(tmp_path):
    """3.5 MB of bare links, one to a missing node (a problem of the model's rules): its bytes were read whole for
    the problem's column, 5.3 times the file over the baseline; now each line searched is read from the file, 4.5.
    (With an XSD problem, 5.1-5.8 before and 4.0-4.9 now: the first reading stops when the strict check's worker
    has failed, sooner or later.)"""
    path = tmp_path / "problems.vxdl"
    path.write_bytes(_bare_links(4_000, 40_000).replace(b"<source>n0</source>", b"<source>gone</source>", 1))
    check = "assert [(p.code, p.line, p.column) for p in result.problems] == [('dangling-reference', 4003, 1)]"
    ratio = _read_peak_ratio(path, check, SCHEMAS_LOADED)
    assert ratio < 4.9, f"reading took {ratio:.1f} times the file's size over the baseline"


def test_a_file_changed_while_its_problems_are_placed_is_read_again_from_one_copy(tmp_path, monkeypatch):
    """The file changes between the reading of its problems and the one that places their columns: read again
    from one copy of its bytes, the problems of what it holds then (never a mix of the two)."""
    import backend.vxdl.stream as stream

    path = tmp_path / "changing.vxdl"
    value = b"<bandwidth><forward><simple>many</simple></forward></bandwidth>"
    for extra in (b"", value):  # the model's rules' problems only; with an XSD problem too
        data = _bare_links(400, 4_000).replace(b"<id>l3990</id>", b"<id>l3990</id>" + extra)
        data = data.replace(b"<source>n0</source>", b"<source>gone</source>", 1)
        changed = data.replace(b"<id>n5</id>", b"<id>m5</id>")  # the same size: links to n5 now dangle
        path.write_bytes(data)
        iterate, calls = stream.StreamedElements.iter, []

        def changing(self, *tags, iterate=iterate, calls=calls, changed=changed):
            if not calls:
                path.write_bytes(changed)
                calls.append(True)
            return iterate(self, *tags)

        monkeypatch.setattr(stream.StreamedElements, "iter", changing)
        found = read_file(path)
        monkeypatch.undo()
        expected = read_bytes(changed, str(path))
        assert calls and found.model == expected.model
        assert [p.format() for p in found.problems] == [p.format() for p in expected.problems]
        assert found.problem_count == expected.problem_count > 2

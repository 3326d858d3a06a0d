"""A test-driver host file damaged under the state directory is said in one short line naming its host, its file
and what is wrong (libxml2's line and words), not libvirt's excerpt of the file with a caret under it (a line
of the file as long as it was: a file of one long line gave a warning as long)."""

from __future__ import annotations

import pytest

from backend.cli import main
from tests.deploy.test_state import files  # noqa: F401 (a fixture)

DAMAGES = {
    "cut": (lambda text: text[:len(text) // 2], "line "),
    "emptied": (lambda _text: "", "line 1: Document is empty"),
    "one long line": (lambda _text: "<node>" + "x" * 5_000 + "<", "line 1: StartTag: invalid element name"),
    "another root": (lambda _text: "<domain/>", "expecting root element of 'node', not 'domain'"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_host_file_is_said_in_one_short_line(files, capsys, state_dir, damage):  # noqa: F811
    assert main(["deploy", "--now", *map(str, files)]) == 0
    capsys.readouterr()
    (host_file, *_others) = sorted(state_dir.glob("deployments/*/*.xml"))
    spoil, said = DAMAGES[damage]
    host_file.write_text(spoil(host_file.read_text()))
    try:
        main(["status"])
        err = capsys.readouterr().err
        (line,) = [line for line in err.splitlines() if str(host_file) in line]
        assert f"host {host_file.stem}: connecting to test://{host_file} failed: its host file is damaged: " \
               f"{said}" in line, line
        assert "^" not in line and "---" not in line and "xxxx" not in line
        assert len(line) < len(str(host_file)) * 2 + 140  # its name twice (the URI and the file) and a few words
    finally:
        main(["teardown", "--all"])
        capsys.readouterr()

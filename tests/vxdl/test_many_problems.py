"""Many problems from a small file: every one counted, the first --max-problems printed, memory bounded."""

import json
import os
import subprocess
import sys
from pathlib import Path

from backend.vxdl import read_bytes
from backend.vxdl.reader import read_whole
from tests.vxdl.helpers import vxi

NS = 'xmlns="http://www.vxdlforum.org/vxdl"'
BIN = Path(sys.executable).parent


def _unknown_attributes(nodes: int, per_node: int = 5) -> str:
    """`nodes` nodes with `per_node` attributes the XSD does not allow each: nodes * per_node schema problems."""
    attributes = " ".join(f'{chr(97 + i)}="{i}"' for i in range(per_node))
    body = "".join(f"<vNode {attributes}><id>n{i}</id></vNode>\n" for i in range(nodes))
    return f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>v</id>\n{body}' \
           "</virtualInfrastructure></description>\n"


def _mixed(count: int) -> str:
    """Schema, value, duplicate-id and dangling-link problems, several on each line and on the same lines."""
    parts = []
    for i in range(count):
        value = "many" if i % 3 == 0 else "2"
        parts.append(f'<vNode q="{i}"><id>n{i % 9}</id><cpu><cores><simple>{value}</simple></cores></cpu></vNode>'
                     f"<vLink><id>l{i % 7}</id><source>n{i % 9}</source><destination>z{i}</destination></vLink>"
                     + ("\n" if i % 4 == 0 else ""))
    return f"<description {NS}><virtualInfrastructure><id>v</id>\n{''.join(parts)}" \
           "\n</virtualInfrastructure></description>\n"


def _peak_kb(command: list[str], out=subprocess.DEVNULL) -> tuple[int, int]:
    """(peak resident KB, exit status) of a command run in a process of its own."""
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss, os.waitstatus_to_exitcode(status)


def test_the_first_problems_kept_are_those_of_a_reading_that_keeps_all():
    """With a limit, the reading keeps the first problems in the very order and words of the whole list, and
    counts every one, for the whole-document and the resource-by-resource readings alike."""
    text = _mixed(300)
    at = text.index("<vNode", len(text) // 2)
    for document in (text, text[:at] + "stray text" + text[at:],  # a problem at the virtualInfrastructure
                     text.replace("<description ", '<description foo="1" ')):  # one at the root
        data = document.encode()
        every = read_bytes(data, "m.vxdl", max_problems=0)
        assert every.problem_count == len(every.problems) > 600
        readings = (lambda limit, data=data: read_bytes(data, "m.vxdl", stream=True, max_problems=limit),
                    lambda limit, data=data: read_whole(data, "m.vxdl", max_problems=limit))  # the whole tree
        for reading in readings:
            for limit in (1, 37, 500):
                kept = reading(limit)
                assert [p.format() for p in kept.problems] == [p.format() for p in every.problems[:limit]]
                assert kept.problem_count == every.problem_count and kept.not_kept == every.problem_count - limit
                assert kept.error_count == len(every.errors)
                assert kept.model == every.model


def test_validate_prints_the_first_problems_then_how_many_more(tmp_path):
    path = tmp_path / "m.vxdl"
    path.write_text(_mixed(100))
    every = vxi("validate", "--max-problems", "0", str(path))
    some = vxi("validate", "--max-problems", "25", str(path))
    lines = every.stdout.splitlines()
    assert every.returncode == some.returncode == 1
    assert some.stdout.splitlines() == lines[:25] + [
        f"{len(lines) - 25:,} more problems not shown ({len(lines):,} in all); --max-problems 0 shows them all"]
    shown = json.loads(vxi("show", "--json", "--max-problems", "3", str(path)).stdout)
    assert len(shown["problems"]) == 3
    assert shown["problem_count"] == len(lines) and shown["problems_not_listed"] == len(lines) - 3
    listed = vxi("validate", "--json", "--max-problems", "3", str(path))
    assert len(json.loads(listed.stdout)) == 3 and f"({len(lines):,} in all)" in listed.stderr


def test_sixty_thousand_schema_problems_from_a_small_file_take_a_bounded_memory(tmp_path):
    """60,000 unknown attributes (0.7 MB): `vxi validate` peaked at 190 MB (the strict and the lenient XSD checks
    each logging every problem, lxml naming each element by a path libxml2 finds by counting its 12,000 siblings,
    and every problem kept as an object), 145 MB over `vxi --version`; now about 10, the count still exact."""
    path = tmp_path / "many.vxdl"
    path.write_text(_unknown_attributes(12_000))
    vxi_bin = str(BIN / "vxi")
    base, _status = _peak_kb([vxi_bin, "--version"])
    with (tmp_path / "out.txt").open("w") as out:
        peak, status = _peak_kb([vxi_bin, "validate", str(path)], out)
    over_mb = (peak - base) / 1024
    assert over_mb < 30, f"vxi validate took {over_mb:.0f} MB over the baseline for a {path.stat().st_size:,}-byte file"
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert status == 1 and len(lines) == 1001
    assert lines[-1] == "59,000 more problems not shown (60,000 in all); --max-problems 0 shows them all"

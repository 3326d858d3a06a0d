"""`vxi replan` given a mapping that does not hold as asked: made without --distinct-hosts and replanned with it,
one VXI placed twice by a hand edit, a bandwidth of 400 digits. Each exited 3 ("reorganisation broke a
constraint", OverflowError); each is now one line naming what is wrong, exit 2."""

import json

import pytest

from tests.vxdl.helpers import EXAMPLES, vxi

SUBSTRATE = str(EXAMPLES / "figure1-substrate.vxdl")


@pytest.fixture(scope="module")
def mapping(tmp_path_factory):
    path = tmp_path_factory.mktemp("given") / "mapping.json"
    done = vxi("embed", "--json", "-o", str(path), SUBSTRATE, str(EXAMPLES / "figure1-vxi1.vxdl"))
    assert done.returncode == 0, done.stderr
    return json.loads(path.read_text())


def replan(tmp_path, data, *options):
    path = tmp_path / "given.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return vxi("replan", *options, "--remove-host", "P1", SUBSTRATE, str(path))


def test_a_colocated_mapping_replanned_with_distinct_hosts_is_refused_in_a_line(tmp_path, mapping):
    done = replan(tmp_path, mapping, "--distinct-hosts")
    assert done.returncode == 2 and "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "the mapping given does not hold on substrate 'figure1-substrate' (was it made without " \
           "--distinct-hosts?): request 'VXI1': two of its parts share a host" in done.stderr, done.stderr


def test_a_vxi_placed_twice_is_refused(tmp_path, mapping):
    twice = {**mapping, "requests": mapping["requests"] * 2}
    done = replan(tmp_path, twice)
    assert done.returncode == 2 and "the mapping places VXI 'VXI1' twice" in done.stderr, done.stderr


def test_a_bandwidth_too_large_for_a_number_is_refused(tmp_path, mapping):
    text = json.dumps(mapping).replace("500000000.0", "9" * 400, 1)
    done = replan(tmp_path, text)
    assert done.returncode == 2 and "a bandwidth of 400 digits is out of range" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

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


@pytest.mark.parametrize(("rate", "said"), [
    ('"12"', "a bandwidth must be a number of bits per second, not str"),
    ("true", "a bandwidth must be a number of bits per second, not bool"),
    ("NaN", "a bandwidth must be finite and not negative, not nan"),
    ("-Infinity", "a bandwidth must be finite and not negative, not -inf"),
    ("-5", "a bandwidth must be finite and not negative, not -5.0"),
])
def test_a_bandwidth_that_is_not_a_rate_is_refused(tmp_path, mapping, rate, said):
    """These were taken as they came (a string, a negative rate): the replan went on silently."""
    text = json.dumps(mapping).replace("500000000.0", rate, 1)
    done = replan(tmp_path, text)
    assert done.returncode == 2 and said in done.stderr and "not a mapping written by vxi embed" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_part_the_vxi_does_not_have_or_lacks_is_named(tmp_path, mapping):
    """A component the VXI does not have was listed as a migration to '-'; one not placed was put 'on unknown
    host 'None''."""
    request = mapping["requests"][0]
    extra = {**mapping, "requests": [{**request, "nodes": {**request["nodes"], "ghost": "P4"}}]}
    done = replan(tmp_path, extra)
    assert done.returncode == 2 and "the mapping of 'VXI1' places component 'ghost', which the VXI does not " \
        "have" in done.stderr, done.stderr
    link = {"path": [], "bandwidth_bps": {"forward": 1, "reverse": 1}}
    extra_link = {**mapping, "requests": [{**request, "links": {**request["links"], "ghost": link}}]}
    done = replan(tmp_path, extra_link)
    assert done.returncode == 2 and "places link 'ghost', which the VXI does not have" in done.stderr, done.stderr
    lacking = {**mapping, "requests": [{**request, "nodes": {k: v for k, v in request["nodes"].items() if k != "n1"}}]}
    done = replan(tmp_path, lacking)
    assert done.returncode == 2 and "the mapping of 'VXI1' does not place 'n1'" in done.stderr, done.stderr

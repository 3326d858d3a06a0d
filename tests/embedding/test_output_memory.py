"""A mapping of many links holds its placements as columns, and `vxi embed --json -o` writes it a piece at a time:
neither one object per link in the result nor the whole JSON (objects or text) is ever held."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from backend.cli import main
from backend.embedding import embed
from backend.embedding.mapping import LinkPlacement, RequestMapping
from backend.model import Infrastructure, Link, Node
from backend.vxdl import write_file
from tests.embedding.builders import host, plink, substrate
from tests.embedding.test_mapping_file import one_line_from_four

LINKS, NODES, HOSTS = 2_000, 200, 5
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ring():
    return substrate([host(f"h{i}", cores=100_000, memory_gb=4000, site=f"s{i}") for i in range(HOSTS)],
                     [plink(f"e{i}", f"h{i}", f"h{(i + 1) % HOSTS}", mbps=10_000_000) for i in range(HOSTS)])


@pytest.fixture(scope="module")
def bare():
    """LINKS links without bandwidth between NODES nodes spread over the ring's sites."""
    request = Infrastructure(id="bare")
    for i in range(NODES):
        request.components[f"n{i}"] = Node(f"n{i}", location=f"s{i % HOSTS}")
    for i in range(LINKS):
        request.links[f"l{i}"] = Link(f"l{i}", f"n{i % NODES}", f"n{(i * 7 + 3) % NODES}")
    embed(substrate([host("h")], []), [Infrastructure(id="one")], "greedy")  # the engine's imports, not measured
    return request


def test_a_mapping_holds_its_links_placements_as_columns(ring, bare):
    """The result of 2,000 links holds about 24 bytes a link and its share of the nodes' entries (a LinkPlacement
    and its dict entry made it 96)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        mapping = embed(ring, [bare], "greedy")
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    [result] = mapping.requests
    assert result.accepted and len(result.links) == LINKS
    assert held / LINKS < 90, f"the mapping holds {held / LINKS:.0f} bytes a link"


def test_placing_many_links_peaks_under_110_bytes_a_link(ring, bare):
    """Placing 2,000 bare links (greedy, after the engine's first request) peaks at about 71 bytes a link of
    Python objects, 150 with a VLink object a link (and a raw link while compiling), 194 before that: equal node
    demands were an array each, the pin mask made without pins, the ledger sorted every link's path id to find the
    distinct paths, the result's columns were copied, and the compiled request was kept while the checker ran."""
    from backend.embedding.stream import Session

    session = Session(ring, "greedy")
    session.submit(Infrastructure(id="warm"))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = session.submit(bare)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert result.accepted and len(result.links) == LINKS
    assert peak / LINKS < 110, f"placing peaked at {peak / LINKS:.0f} bytes a link"


def test_placements_read_changed_copied_and_written_as_a_dict_of_objects(ring, bare):
    """Copy on write: a placement changed through the mapping stays changed; reading makes nothing kept."""
    [result] = embed(ring, [bare], "greedy").requests
    links = result.links
    as_dict = {key: LinkPlacement(list(p.path), p.forward_bps, p.reverse_bps) for key, p in links.items()}
    assert links == as_dict and list(links) == list(as_dict) and "l7" in links and "nope" not in links
    assert links["l3"] is links["l3"]  # one object while in use
    with pytest.raises(TypeError):
        links["l3"].path.append(("e0", "forward"))  # the shared path is read-only
    links["l3"].path = [("e0", "forward")]
    links["l9"].forward_bps = 5.0
    assert links["l3"].path == [("e0", "forward")] and links["l9"].forward_bps == 5.0
    assert links["l4"].path == as_dict["l4"].path  # the others unchanged
    kept = copy.deepcopy(result)
    restored = pickle.loads(pickle.dumps(result))
    links["new"] = LinkPlacement([], 1.0, 2.0)
    del links["l0"]
    assert list(links)[-1] == "new" and "l0" not in links and len(links) == LINKS
    for twin in (kept, restored):
        assert twin.links["l3"].path == [("e0", "forward")] and "new" not in twin.links and len(twin.links) == LINKS
    text = json.dumps(result.to_json(), indent=2)
    assert RequestMapping.from_json(json.loads(text)) == result


def test_embed_json_output_is_written_a_piece_at_a_time(ring, bare, tmp_path):
    """`vxi embed --json -o` of 2,000 links: the Python objects made peak under 22 times the request's small file
    (17 now, mostly reading it whole; the whole JSON, as objects, then as text in a buffer, took it to 29), and the
    file is json.dumps' text (each link's placement on one line, tests/embedding/test_mapping_file.py)."""
    write_file(ring, tmp_path / "ring.vxdl")
    write_file(bare, tmp_path / "bare.vxdl")
    out = tmp_path / "mapping.json"
    size = (tmp_path / "bare.vxdl").stat().st_size
    tracemalloc.start()
    try:
        code = main(["embed", "--algorithm", "greedy", "--json", "-o", str(out), str(tmp_path / "ring.vxdl"),
                     str(tmp_path / "bare.vxdl")])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0
    data = json.loads(out.read_text())
    assert out.read_text() == one_line_from_four(data)
    assert len(data["requests"][0]["links"]) == LINKS
    assert peak / size < 22, f"peak {peak / size:.1f} times the request's file"



def test_a_mapping_read_with_the_json_hook_is_the_same_mapping():
    """`vxi replan` turns each link's placement into its row as the JSON is parsed (`mapping.json_hook`): the same
    mapping as from the objects, equal paths kept once, and what is not a placement left as it was (a link or a
    component named "path", a placement missing its rates or with a bad path)."""
    from backend.embedding.mapping import Mapping, json_hook

    text = json.dumps({"substrate": "s", "algorithm": "greedy", "utilisation": {"hosts": {}, "links": {}},
                       "requests": [{"id": "a", "accepted": True, "reason": None, "nodes": {"path": "h1"},
                                     "links": {"path": {"path": [["e1", "forward"]]},
                                               "l2": {"path": [["e1", "forward"]],
                                                      "bandwidth_bps": {"forward": 5.0, "reverse": 1}},
                                               "l3": {"path": [], "bandwidth_bps": {}}}}]})
    plain = Mapping.from_json(json.loads(text))
    hooked = Mapping.from_json(json.loads(text, object_pairs_hook=json_hook()))
    assert hooked == plain and hooked.to_json() == plain.to_json()
    links = hooked.requests[0].links
    assert links["path"].path is links["l2"].path and links["l2"].forward_bps == 5.0
    bad = text.replace('[["e1", "forward"]]}', '[["e1"]]}', 1)
    with pytest.raises(ValueError):
        Mapping.from_json(json.loads(bad, object_pairs_hook=json_hook()))


def _embed_peak_kb(substrate_file: Path, request: Path, out: Path) -> int:
    """VmHWM of a fresh process running `vxi embed --algorithm greedy --json -o OUT SUBSTRATE REQUEST` (ru_maxrss
    starts from the parent's, pytest's, kept across exec)."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from backend.cli import main
        code = main(["embed", "--algorithm", "greedy", "--json", "-o", {str(out)!r}, {str(substrate_file)!r},
                     {str(request)!r}])
        with open("/proc/self/status") as status:
            print(code, next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.split()[0] == "0", done.stderr
    return int(done.stdout.split()[1])


def test_embedding_many_bare_links_peaks_at_a_few_times_the_file(tmp_path):
    """`vxi embed` (greedy) of 50,000 bare links between 10,000 nodes (4.5 MB), its peak over that of a one-node
    embed (bench/memory_bench.py's baseline), each in a fresh process: the compiled request held a VLink object
    (88 bytes) and, while compiling, a raw link (72) per link, the routing a float and an index per link: 5.3 times
    the file; its links are columns now (about 20 bytes a link), compiled without a raw link each: 4.0-4.1 (the
    model alone is 3)."""
    from tests.vxdl.test_streaming import NS, _bare_links

    hosts = "".join(f"<vNode><id>h{i}</id><cpu><cores><simple>4096</simple></cores></cpu></vNode>" for i in range(10))
    ring = "".join(f"<vLink><id>e{i}</id><bandwidth><forward><unit>Tbps</unit><simple>100</simple></forward>"
                   f"</bandwidth><source>h{i}</source><destination>h{(i + 1) % 10}</destination></vLink>"
                   for i in range(10))
    sub, one, path = tmp_path / "sub.vxdl", tmp_path / "one.vxdl", tmp_path / "links.vxdl"
    sub.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>sub</id>'
                   f'<x:role xmlns:x="urn:vxi-designer:vxdl-ext:1">substrate</x:role>{hosts}{ring}'
                   "</virtualInfrastructure></description>\n")
    one.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>one</id>'
                   "<vNode><id>n</id></vNode></virtualInfrastructure></description>\n")
    path.write_bytes(_bare_links(10_000, 50_000))
    out = tmp_path / "mapping.json"
    base = _embed_peak_kb(sub, one, out)
    ratio = (_embed_peak_kb(sub, path, out) - base) * 1024 / path.stat().st_size
    assert json.loads(out.read_text())["requests"][0]["accepted"]
    assert ratio < 4.8, f"embedding took {ratio:.1f} times the file's size over a one-node embed"

"""Reading resource by resource (backend/vxdl/stream.py): a large document is never held whole as a parsed tree,
and what is read is what the whole-tree reading gives; schema problems sit on their own element."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

from backend.model import Infrastructure, Link, Node, Quantity
from backend.model import units as U
from backend.resources import example, examples_dir
from backend.vxdl import read_bytes, strict_problems, write_bytes
from backend.vxdl.reader import read_whole
from backend.vxdl.stream import read_streaming
from tests.vxdl.helpers import CORPUS, corpus_files

NS = 'xmlns="http://www.vxdlforum.org/vxdl"'
ROOT = Path(__file__).resolve().parents[2]


def values_vxi(components: int) -> Infrastructure:
    vxi = Infrastructure(id="big")
    for n in range(components):
        vxi.components[f"n{n}"] = Node(f"n{n}", location=f"site{n % 7}", cores=Quantity.simple(U.COUNT, n % 8 + 1),
                                       memory=Quantity.simple(U.SIZE, 2 ** (n % 4), "GB"),
                                       storage=Quantity.simple(U.SIZE, n % 500 + 10, "GB"),
                                       frequency=Quantity.at_least(U.FREQUENCY, 2.4, "GHz"), position=(n, n / 3))
        if n:
            vxi.links[f"l{n}"] = Link(f"l{n}", f"n{n}", f"n{n // 2}", forward=Quantity.simple(U.BANDWIDTH, n % 100 + 1),
                                      latency=Quantity.at_most(U.LATENCY, 5))
    return vxi


def _read_peak_ratio(path: Path, check: str, warm: str = "", read: str = "result = read_file(path)") -> float:
    """`read_file(path)`'s own peak resident size (VmHWM: ru_maxrss starts from the parent's, pytest's, kept
    across exec) over the baseline of a process that has read an example, divided by the file's size; `check`
    is a line asserting on `result`, `warm` more set-up before the baseline, `read` the reading (of `path`)."""
    read = read.replace("\n", "\n" + " " * 8)  # the lines after its first at the script's indentation
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        def peak_kb():
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        from backend.vxdl import read_file
        read_file({str(example("figure4.vxdl"))!r})  # the schemas and the walk's plans loaded before the baseline
        {warm}
        base = peak_kb()
        path = {str(path)!r}
        {read}
        {check}
        print((peak_kb() - base) * 1024 / os.path.getsize({str(path)!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return float(done.stdout)


def test_reading_a_large_document_takes_a_few_times_its_size_not_its_whole_tree(tmp_path):
    """The parsed tree alone is about 7 times the file; read whole, this 3.5 MB document took 10.7 times its size
    over the process's baseline, read resource by resource 3.1 (the bytes themselves and the model), as every
    document from 1 MiB on is now. (The peak is the process's own, VmHWM: ru_maxrss starts from the parent's, so
    under pytest this test could not fail before.)"""
    path = tmp_path / "big.vxdl"
    path.write_bytes(write_bytes(values_vxi(4_000)))
    ratio = _read_peak_ratio(path, "assert len(result.model.components) == 4000 and not result.problems")
    assert ratio < 7, f"reading took {ratio:.1f} times the file's size over the baseline"


def _with_semantic_problems(separator: str) -> bytes:
    """A strict-valid VXI whose model's rules find problems: a lease ending before it starts (the VXI's and a
    node's), a link joining the same ends as another, a dangling end, a self-link; resources one per line, or
    several on one line (columns by rank among the line's elements)."""
    parts = [f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>v</id>'
             "<startDate>2026-12-01T08:00:00Z</startDate><totalTime>-PT4H</totalTime>"]
    parts += [f"<vNode><id>n{i}</id></vNode>" for i in range(5)]
    parts += ["<vNode><id>n5</id><startDate>2026-12-01T08:00:00Z</startDate><totalTime>-PT1H</totalTime></vNode>",
              "<vLink><id>a</id><source>n0</source><destination>n1</destination></vLink>",
              "<vLink><id>b</id><source>n1</source><destination>n0</destination></vLink>",
              "<vLink><id>c</id><source>n2</source><destination>gone</destination></vLink>",
              "<vLink><id>d</id><source>n3</source><destination>n3</destination></vLink>"]
    return (separator.join(parts) + "</virtualInfrastructure></description>\n").encode()


def test_the_model_rules_problems_are_found_resource_by_resource_where_the_whole_reading_places_them():
    from backend.vxdl.stream import read_streaming_checked

    for separator in ("\n", "", " "):
        data = _with_semantic_problems(separator)
        assert read_streaming_checked(data, "p.vxdl", None) is not None  # not read whole again
        one_by_one, whole = read_bytes(data, "p.vxdl", stream=True), read_whole(data, "p.vxdl")
        assert one_by_one.model == whole.model
        found = [p.format() for p in one_by_one.problems]
        assert found == [p.format() for p in whole.problems] and len(found) == 6, found
    assert "p.vxdl:2:538: error: dangling-reference" in found[4]  # its own vLink of several on the line


def test_a_large_document_with_a_dangling_link_is_read_in_a_few_times_its_size(tmp_path):
    """A problem of the model's rules no longer sends the document to the whole reading: 40,000 bare links
    (3.6 MB) with one dangling end took 16.6 times the file over the baseline, 6.4 now (the bench's 100,000:
    139 MB over `vxi --version`, 15.8 times, now 39 MB, as a valid one)."""
    path = tmp_path / "bad.vxdl"
    path.write_bytes(_bare_links(8_000, 40_000).replace(b"<destination>n1</destination>",
                                                        b"<destination>gone</destination>", 1))
    only_the_dangling_end = 'assert [p.code for p in result.problems] == ["dangling-reference"], result.problems'
    schemas_loaded = "from backend.vxdl.schema import lenient_schema, strict_schema; strict_schema(), lenient_schema()"
    ratio = _read_peak_ratio(path, only_the_dangling_end, schemas_loaded)
    assert ratio < 10, f"reading took {ratio:.1f} times the file's size over the baseline"


def test_a_large_document_reads_the_same_resource_by_resource_and_whole():
    data = write_bytes(values_vxi(3_000))
    assert read_streaming(data, "big.vxdl", None) is not None
    streamed, whole = read_bytes(data, "big.vxdl", stream=True), read_whole(data, "big.vxdl")
    assert streamed.problems == whole.problems == []
    assert streamed.model == whole.model
    for ident, comp in whole.model.components.items():
        assert streamed.model.components[ident].origin == comp.origin
    origins = [link.origin for link in whole.model.links.values()]
    assert [link.origin for link in streamed.model.links.values()] == origins


def test_a_document_declaring_itself_a_substrate_after_its_hosts_is_read_as_one():
    data = example("figure1-substrate.vxdl").read_bytes()
    assert read_streaming(data, "s.vxdl", None) is not None
    streamed, whole = read_bytes(data, "s.vxdl", stream=True), read_whole(data, "s.vxdl")
    assert type(streamed.model).__name__ == "Substrate"
    assert streamed.model == whole.model and streamed.problems == whole.problems


def test_a_schema_problem_is_on_its_own_element_of_the_second_resource_on_a_line():
    line2 = "<vNode><id>a</id><memory><simple>1</simple></memory></vNode><vNode><id>b</id><bogus/></vNode>"
    data = f"<description {NS}><virtualInfrastructure><id>v</id>\n{line2}\n</virtualInfrastructure></description>"
    for problems in (read_bytes(data.encode(), "t.vxdl").problems, strict_problems(data.encode(), "t.vxdl")):
        [problem] = [p for p in problems if "bogus" in p.message]
        assert (problem.line, problem.column) == (2, line2.index("<bogus") + 1)
        assert problem.element_id == "b" and problem.element == "bogus"


def test_a_schema_problem_in_the_first_resource_of_a_line_names_the_first():
    line2 = "<vNode><id>a</id><bogus/></vNode><vNode><id>b</id></vNode>"
    data = f"<description {NS}><virtualInfrastructure><id>v</id>\n{line2}\n</virtualInfrastructure></description>"
    [problem] = read_bytes(data.encode(), "t.vxdl").problems
    assert (problem.line, problem.column, problem.element_id) == (2, line2.index("<bogus") + 1, "a")


def _documents() -> list[tuple[str, bytes, str | None]]:
    """The examples and the corpus, as they are and rewritten in strict order (most then read one by one)."""
    found = []
    for path in sorted(examples_dir().glob("*.vxdl")):
        role = "substrate" if "substrate" in path.name else None
        found.append((path.name, path.read_bytes(), role))
    for name in corpus_files():
        role = "substrate" if name.startswith("physical/") else None
        data = (CORPUS / name).read_bytes()
        found.append((name, data, role))
        model = read_bytes(data, name, role).model
        if model is not None:
            found.append((f"{name} rewritten", write_bytes(model), role))
    return found


def test_every_example_and_corpus_file_reads_the_same_one_by_one_and_whole():
    streamed = 0
    for name, data, role in _documents():
        one_by_one, whole = read_bytes(data, name, role, stream=True), read_whole(data, name, role)
        assert one_by_one.model == whole.model, name
        assert [p.format() for p in one_by_one.problems] == [p.format() for p in whole.problems], name
        streamed += read_streaming(data, name, role) is not None
    assert streamed >= 100  # the strict-valid ones without problems were read one by one (127 of 259)


def _bare_links(nodes: int, links: int) -> bytes:
    parts = [f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n']
    parts += [f"<vNode><id>n{i}</id></vNode>\n" for i in range(nodes)]
    parts += [f"<vLink><id>l{i}</id><source>n{i % nodes}</source><destination>n{(i + 1 + i // nodes) % nodes}"
              "</destination></vLink>\n" for i in range(links)]
    return "".join([*parts, "</virtualInfrastructure></description>\n"]).encode()


def test_a_document_of_bare_links_is_read_in_a_few_times_its_size():
    """The model of a link costs a few times its 90 bytes of VXDL, and a document of 1.8 MB is read resource by
    resource: the Python objects made reading it peak at 3.7 times its size (11.3 before the compact model and
    the lower streaming threshold, 4.1 before a link's rare fields shared one object), 3.1 held with the model
    (8.6, then 3.5 before)."""
    from backend.model.components import NO_MORE

    data = _bare_links(4_000, 20_000)
    tracemalloc.start()
    try:
        result = read_bytes(data, "links.vxdl")
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.model.links) == 20_000 and not result.problems
    assert peak < 5 * len(data) and held < 3.3 * len(data), (peak / len(data), held / len(data))
    link = result.model.links["l7"]
    assert sys.getsizeof(link) <= 96 and link._more is NO_MORE  # 8 slots; nothing of its own for what it lacks
    assert link.source is result.model.components["n7"].id  # a link's end is the component's own id string

"""The compiled walk (backend/vxdl/_walk.pyx) and the pure-Python walk read strict-valid files into the very
model, places and problems; anything unusual is left to the builder."""


import pytest

from backend.model import Infrastructure, Link, Node, Quantity, Router
from backend.model import units as U
from backend.resources import examples_dir
from backend.vxdl import read_bytes, read_file, write_bytes
from backend.vxdl.fields import REQUEST_RESOURCES, SUBSTRATE_RESOURCES, V, X
from backend.vxdl.secure import parse_bytes
from backend.vxdl.walk import COMPILED, PURE, forced
from tests.vxdl.helpers import CORPUS, corpus_files

EXAMPLES = sorted((examples_dir()).glob("*.vxdl"))


def both_ways(data: bytes, role: str | None = None):
    """What the compiled walk and the pure one read (the pure one twice when there is no compiled walk)."""
    with forced(COMPILED or PURE):
        compiled = read_bytes(data, "f.vxdl", role)
    with forced(PURE):
        python = read_bytes(data, "f.vxdl", role)
    return compiled, python


def assert_same(compiled, python) -> None:
    assert compiled.model == python.model
    assert [p.format() for p in compiled.problems] == [p.format() for p in python.problems]
    if compiled.model is not None:  # components are a substrate's hosts
        for ident, comp in compiled.model.components.items():
            assert comp.origin == python.model.components[ident].origin, ident
            assert comp.position == python.model.components[ident].position, ident
        for ident, link in compiled.model.links.items():
            assert link.origin == python.model.links[ident].origin, ident


def big_vxi(components: int) -> Infrastructure:
    """Nodes on routers, enough of them for lines past 65535 (where libxml2 keeps lines elsewhere)."""
    vxi = Infrastructure(id="big")
    for r in range(components // 20):
        vxi.components[f"r{r}"] = Router(f"r{r}", ports=[f"p{i}" for i in range(24)],
                                         memory=Quantity.simple(U.SIZE, 512, "MB"), position=(r * 5.0, -1.5))
    for n in range(components - components // 20):
        vxi.components[f"n{n}"] = Node(f"n{n}", location=f"site{n % 7}", cores=Quantity.simple(U.COUNT, n % 8 + 1),
                                       memory=Quantity.simple(U.SIZE, 2 ** (n % 4), "GB"),
                                       frequency=Quantity.at_least(U.FREQUENCY, 2.4, "GHz"), position=(n, n / 3))
        vxi.links[f"l{n}"] = Link(f"l{n}", f"n{n}", f"r{n % (components // 20)}",
                                  forward=Quantity.simple(U.BANDWIDTH, n % 100 + 1),
                                  latency=Quantity.at_most(U.LATENCY, 5))
    return vxi


def test_the_compiled_walk_was_built():
    assert COMPILED is not None, "backend/vxdl/_walk was not compiled: reading large files is several times slower"


def test_a_large_file_reads_the_same_both_ways_lines_past_65535_included():
    data = write_bytes(big_vxi(3000))
    compiled, python = both_ways(data)
    assert max(link.origin[0] for link in compiled.model.links.values()) > 65_535
    assert len(compiled.model.components) == 3000 and compiled.problems == []
    assert_same(compiled, python)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_read_the_same_both_ways(path):
    role = "substrate" if "substrate" in path.name else None
    assert_same(*both_ways(path.read_bytes(), role))


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", corpus_files())
def test_corpus_files_rewritten_in_strict_order_read_the_same_both_ways(name):
    role = "substrate" if name.startswith("physical/") else None
    data = write_bytes(read_file(CORPUS / name, role).model)
    assert_same(*both_ways(data, role))


@pytest.mark.skipif(not corpus_files(), reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("name", corpus_files())
def test_corpus_files_as_they_are_read_the_same_both_ways(name):
    role = "substrate" if name.startswith("physical/") else None
    assert_same(*both_ways((CORPUS / name).read_bytes(), role=role))


def unusual(body: str) -> bytes:
    return (b'<description xmlns="http://www.vxdlforum.org/vxdl" xmlns:x="urn:vxi-designer:vxdl-ext:1">'
            b"<virtualInfrastructure><id>v</id>" + body.encode() + b"</virtualInfrastructure></description>")


@pytest.mark.parametrize("body", [
    "<vNode><id>a</id><memory><unit>GB</unit><simple>2<!-- two --></simple></memory></vNode>",  # comment in a value
    "<vNode><id>a</id><memory><unit>GB</unit><simple>1e3</simple></memory></vNode>",  # not an xs:decimal
    "<vNode><id>a</id><memory><unit>parsecs</unit><simple>2</simple></memory></vNode>",  # unknown unit
    "<vNode><id>a</id><memory><unit>GB</unit><simple>-2</simple></memory></vNode>",  # negative
    "<vNode><id>a</id><memory><unit>GB</unit><interval><min>4</min><max>2</max></interval></memory></vNode>",
    "<vNode><id>a</id></vNode><vNode><id>a</id><location>x</location></vNode>",  # a duplicate id
    "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vLink><id>a</id><source>a</source>"
    "<destination>b</destination></vLink>",  # a link named like a node
    "<vNode><id>a</id></vNode><vLink><id>l</id><source>a</source><destination>zz</destination></vLink>",
    "<vStorage><id>s</id><size><unit>GB</unit><simple> 5 </simple></size></vStorage>",  # built by the walks
    "<vRouter><id>r</id><memory><simple>+2.</simple></memory></vRouter><vNode><id>a</id></vNode>"
    + "".join(f"<vLink><id>l{i}</id><source>a</source><destination>r</destination></vLink>" for i in range(6)),
    "<vRouter><id>r</id></vRouter><vRouter><id>r</id><x:ports><x:port>a</x:port></x:ports></vRouter>",
    "<vRouter><id>r</id><x:ports><!-- none yet --></x:ports></vRouter>",  # declared, with no port
    "<vRouter><id>r</id><x:ports><x:port>a</x:port><y:p xmlns:y='urn:y'/></x:ports></vRouter>",
    "<vNode><id>a</id><x:function>compute</x:function><y:z xmlns:y='urn:y'>1</y:z></vNode>",  # a foreign child
    "<vNode><id>a&amp;b</id><location>&#x41;</location></vNode><vNode><id><![CDATA[c]]></id></vNode>",
    "<vNode><!-- first --><id>a</id><!-- last --></vNode><?pi here?>",
    "<vNode><id>a</id><memory><interval><min>.5</min></interval></memory><x:layout/></vNode>",
    "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vLink><id>l</id><source>a</source><destination>b"
    "</destination><x:sourcePort>p1</x:sourcePort><x:periodConfig period='I'><x:forward unit='Mbps'>5</x:forward>"
    "</x:periodConfig></vLink>",
    "<vNode><id>a</id></vNode><x:layout><x:position ref='a' x='1e3' y='INF'/></x:layout>",
    "<vNode><id>a</id></vNode><x:layout><x:position ref='a' x=' 2 ' y='-0.5'/></x:layout>",
])
def test_unusual_or_wrong_values_give_the_same_model_and_problems(body):
    compiled, python = both_ways(unusual(body))
    assert_same(compiled, python)
    assert compiled.model is not None


@pytest.mark.parametrize("body", [
    "<vNode><id>h</id><cpu><cores><simple>4</simple></cores></cpu><x:uri>qemu:///system</x:uri></vNode>",
    "<vNode><id>h</id></vNode><vNode><id>h</id><location>s</location></vNode>",  # a duplicate host
    "<vNode><id>h</id><x:provisioned>true</x:provisioned></vNode><vRouter><id>r</id></vRouter>",  # not a host
    "<vNode><id>a</id></vNode><vNode><id>b</id></vNode><vLink><id>l</id><source>a</source><destination>b"
    "</destination><bandwidth><forward><unit>Gbps</unit><simple>1</simple></forward></bandwidth></vLink>",
])
def test_odd_substrates_give_the_same_model_and_problems(body):
    compiled, python = both_ways(unusual(body), role="substrate")
    assert_same(compiled, python)
    assert compiled.model is not None


def walked(walker, data: bytes, role: str | None) -> tuple:
    """Everything one walk gives for a document: what it builds, what it leaves, the header and the layout."""
    vi = parse_bytes(data, "f.vxdl").getroot().find(V + "virtualInfrastructure")
    resources = SUBSTRATE_RESOURCES if role == "substrate" else REQUEST_RESOURCES
    components: dict = {}
    links: dict = {}
    declared: set = set()
    rest = walker.resources_into(vi, resources, {}, components, links, declared)
    return (components, links, declared, {k: v.origin for k, v in (components | links).items()},
            [(built, el.sourceline) for built, el in rest], [el.tag for el in walker.header_children(vi, resources)],
            [walker.positions(layout) for layout in vi.iterfind(X + "layout")])


def documents() -> list[tuple[str, bytes, str | None]]:
    found = [(path.name, path.read_bytes(), "substrate" if "substrate" in path.name else None) for path in EXAMPLES]
    for name in corpus_files():
        role = "substrate" if name.startswith("physical/") else None
        found.append((name, (CORPUS / name).read_bytes(), role))
        found.append((f"{name} rewritten", write_bytes(read_file(CORPUS / name, role).model), role))
    return found


@pytest.mark.skipif(COMPILED is None, reason="no compiled walk")
def test_both_walks_build_and_leave_the_same_elements():
    built = 0
    for name, data, role in documents():
        pure = walked(PURE, data, role)
        assert walked(COMPILED, data, role) == pure, name
        built += len(pure[0]) + len(pure[1])
    assert built > 2000  # most resources of the corpus are built by the walks, not left to the builder


def test_a_duplicate_is_kept_as_written_and_reported_where_it_is():
    compiled, _ = both_ways(unusual("<vNode><id>a</id></vNode><vNode><id>a</id><location>x</location></vNode>"))
    assert [(p.code, p.element_id) for p in compiled.errors] == [("duplicate-id", "a")]
    assert b"<location>x</location>" in write_bytes(compiled.model)


def test_equal_quantities_are_shared_and_cannot_be_changed_in_place():
    nodes = read_bytes(write_bytes(big_vxi(60))).model.components
    assert nodes["n0"].frequency is nodes["n1"].frequency  # 2.4 GHz at least, read once
    with pytest.raises(AttributeError):
        nodes["n0"].frequency.min = 0  # frozen: an edit makes a new quantity, the other nodes keep theirs
    assert nodes["n1"].frequency.min == 2.4e9

"""Issue 12's imports: GraphML and RSpec read the one safe way, malformed ones refused in a sentence (exit 1 or
2), what VXDL cannot carry listed, and an output that always validates (or the command says why not)."""

import os

import pytest

from backend.vxdl import read_file
from tests.vxdl.helpers import vxi

G = '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">{}</graphml>'
FORWARD = '<key id="f" for="edge" attr.name="forward_bps" attr.type="double"/>'
EDGE = ('<graph edgedefault="directed"><node id="a"/><node id="b"/><edge source="a" target="b">'
        '<data key="f">{}</data></edge></graph>')
R = '<?xml version="1.0"?><rspec xmlns="http://www.geni.net/resources/rspec/3" type="request">{}</rspec>'
NODES = ('<node client_id="a"><interface client_id="a:0"/></node>'
         '<node client_id="b"><interface client_id="b:0"/></node>')
LINK = ('<link client_id="l"><interface_ref client_id="a:0"/><interface_ref client_id="{}"/>'
        '<property source_id="a:0" dest_id="b:0" {}/></link>')

REFUSED = {  # name: (file, code, words of the one line)
    "empty.graphml": ("", 2, "Document is empty"),
    "no-graph.graphml": (G.format(""), 2, "no <graph>"),
    "unknown-key.graphml": (G.format('<graph><node id="a"><data key="d9">x</data></node></graph>'), 2,
                            "key 'd9'"),
    "unknown-type.graphml": (G.format('<key id="d" for="node" attr.type="complex"/><graph/>'), 2, "unknown type"),
    "not-a-double.graphml": (G.format(FORWARD + EDGE.format("abc")), 2, "not of its key's type"),
    "node-without-id.graphml": (G.format("<graph><node/></graph>"), 2, "has no id"),
    "dangling-edge.graphml": (G.format('<graph><node id="a"/><edge source="a" target="zz"/></graph>'), 2,
                              "'zz' is not a node"),
    # two edges of one id between the same nodes were merged into one link, with "nothing dropped"
    "same-edge-twice.graphml": (G.format('<graph><node id="a"/><node id="b"/><edge id="e" source="a" target="b"/>'
                                         '<edge id="e" source="a" target="b"/></graph>'), 2,
                                "two edges have the id 'e'"),
    "entity.graphml": ('<?xml version="1.0"?><!DOCTYPE g [<!ENTITY e "evil">]>'
                       + G.format('<graph><node id="&e;"/></graph>')[21:], 2, "DTD"),
    "negative.graphml": (G.format(FORWARD + EDGE.format("-5")), 1, "would not be valid VXDL"),
    "node-without-id.rspec": (R.format("<node/>"), 2, "has no client_id"),
    "dangling-interface.rspec": (R.format(NODES + LINK.format("zz", "")), 2, "interface 'zz'"),
    "duplicate-node.rspec": (R.format(NODES + '<node client_id="a"/>'), 2, "two <node>s"),
    "not-a-number.rspec": (R.format(NODES + LINK.format("b:0", 'capacity="fast"')), 2, "is not a number"),
    "negative.rspec": (R.format(NODES + LINK.format("b:0", 'capacity="-3"')), 1, "would not be valid VXDL"),
    "wrong-root.rspec": (G.format(""), 2, "not a GENI RSpec"),
    # a <property> between other interfaces was read as the reverse, a second one over the first: lost unsaid
    "property-elsewhere.rspec": (R.format(NODES + LINK.format("b:0", 'capacity="5"').replace(
        'source_id="a:0"', 'source_id="zz"')), 2, "does not join its interfaces"),
    "property-twice.rspec": (R.format(NODES + LINK.format("b:0", 'capacity="5"').replace(
        "</link>", '<property source_id="a:0" dest_id="b:0" capacity="7"/></link>')), 2, "its second"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_malformed_import_is_one_sentence_and_writes_nothing(tmp_path, name):
    content, code, words = REFUSED[name]
    path = tmp_path / name
    path.write_text(content)
    out = tmp_path / "out.vxdl"
    done = vxi("convert", str(path), str(out))
    assert done.returncode == code, done.stdout + done.stderr  # before: exit 3, or an invalid VXDL written
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr and str(path) in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("name, content", [
    ("nan.graphml", G.format(FORWARD + EDGE.format("NaN"))),
    ("minus-inf.graphml", G.format(FORWARD + EDGE.format("-inf"))),
    ("nan.rspec", R.format(NODES + LINK.format("b:0", 'capacity="NaN" latency="-inf"'))),
])
def test_values_that_are_not_finite_are_listed_and_the_output_validates(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    out = tmp_path / "out.vxdl"
    done = vxi("convert", str(path), str(out))
    assert done.returncode == 0, done.stderr
    assert "dropped: values that are not finite numbers" in done.stdout and "nothing dropped" not in done.stdout
    assert vxi("validate", str(out)).returncode == 0
    assert read_file(out).model.links  # the link is kept, without the value


def test_graph_parts_without_a_vxi_equivalent_are_listed(tmp_path):
    """An element the reader does not read is listed by its name wherever it is (a node's was ignored with
    "nothing dropped")."""
    _converted_listing(tmp_path, '<desc>mine</desc><graph><desc>g</desc><node id="a"><port name="p"/>'
                       '<graph id="inner"><node id="x"/></graph><desc>a</desc><y:Shape xmlns:y="urn:y"/></node>'
                       '<node id="b"/><hyperedge><endpoint node="a"/><endpoint node="b"/></hyperedge>'
                       '<edge source="a" target="b"><desc>e</desc></edge></graph><graph><node id="second"/></graph>',
                       ("hyperedges (1)", "nested graphs (1)", "node ports (1)", "graphs after the first (1)",
                        "<node> element <desc> (1)", "<node> element <Shape> (1)", "<edge> element <desc> (1)",
                        "<graph> element <desc> (1)", "<graphml> element <desc> (1)"))


def _converted_listing(folder, graph: str, dropped: tuple[str, ...]) -> None:
    """`vxi convert` of the GraphML document of `graph` succeeds, listing each of `dropped` as dropped."""
    path = folder / "listed.graphml"
    path.write_text(G.format(graph))
    done = vxi("convert", str(path), str(folder / "out.vxdl"))
    assert done.returncode == 0, done.stderr
    for what in dropped:
        assert f"dropped: {what}" in done.stdout


def test_an_rspec_with_a_utf16_dtd_naming_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "dtd.fifo"
    os.mkfifo(fifo)
    path = tmp_path / "evil.rspec"
    body = R.format(NODES)[21:]
    path.write_bytes(f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE rspec SYSTEM "file://{fifo}">{body}'
                     .encode("utf-16"))
    done = vxi("convert", str(path), str(tmp_path / "out.vxdl"), timeout=20)  # before: blocked on the FIFO
    assert done.returncode == 2 and "DTD" in done.stderr


def test_converting_an_invalid_vxdl_is_refused(tmp_path):
    path = tmp_path / "dangling.vxdl"
    path.write_text('<?xml version="1.0"?><description xmlns="http://www.vxdlforum.org/vxdl"><virtualInfrastructure>'
                    "<id>t</id><vNode><id>a</id></vNode><vLink><id>l</id><source>a</source><destination>zz"
                    "</destination></vLink></virtualInfrastructure></description>")
    done = vxi("convert", str(path), str(tmp_path / "out.graphml"))
    assert done.returncode == 1 and "nothing converted" in done.stderr and "not a component" in done.stderr
    assert not (tmp_path / "out.graphml").exists()


def test_what_an_import_has_no_place_for_is_listed_by_name(tmp_path):
    graph = tmp_path / "extra.graphml"
    graph.write_text(G.format('<key id="c" for="edge" attr.name="capacity" attr.type="double"/>'
                              '<key id="w" for="node" attr.name="weight" attr.type="int"/>'
                              '<key id="p" for="node" attr.name="ports" attr.type="string"/>'
                              '<graph edgedefault="directed"><node id="a"><data key="w">3</data>'
                              '<data key="p">p0,p1</data></node><node id="b"/>'
                              '<edge source="a" target="b"><data key="c">NaN</data></edge></graph>'))
    done = vxi("convert", str(graph), str(tmp_path / "g.vxdl"))
    assert done.returncode == 0, done.stderr
    for words in ("edge attribute 'capacity' (1)", "node attribute 'weight' (1)", "node attribute 'ports' (1)"):
        assert words in done.stdout
    assert "nothing dropped" not in done.stdout
    request = tmp_path / "geni.rspec"
    request.write_text(R.format(
        '<node client_id="a" component_manager_id="urn:cm"><sliver_type name="raw-pc"><disk_image name="img"/>'
        '</sliver_type><interface client_id="a:0"><ip address="10.0.0.1"/></interface><services/></node>'
        '<node client_id="b"><interface client_id="b:0"/></node>'
        + LINK.format("b:0", 'capacity="1000"').replace("</link>", '<link_type name="lan"/></link>')
        .replace('<interface_ref client_id="b:0"', '<interface_ref role="x" client_id="b:0"')))
    done = vxi("convert", str(request), str(tmp_path / "r.vxdl"))
    assert done.returncode == 0, done.stderr
    for words in ("<node> attribute 'component_manager_id'", "<sliver_type> element <disk_image>",
                  "<interface> element <ip>", "<node> element <services>", "<link> element <link_type>",
                  "<interface_ref> attribute 'role'"):
        assert words in done.stdout
    assert not read_file(tmp_path / "r.vxdl").errors


@pytest.mark.parametrize("suffix", [".graphml", ".rspec"])
def test_what_the_project_writes_comes_back_with_nothing_listed(tmp_path, suffix):
    out = tmp_path / f"f4{suffix}"
    assert vxi("convert", "examples/figure4.vxdl", str(out)).returncode == 0
    back = vxi("convert", str(out), str(tmp_path / "back.vxdl"))
    assert back.returncode == 0 and "nothing dropped" in back.stdout, back.stdout


def test_graphml_attributes_named_as_networkx_arguments_are_listed_as_dropped(tmp_path):
    """A graph, node or edge attribute named as an argument of networkx's (`node_for_adding`, `key`, `u_for_edge`,
    `incoming_graph_data`) made the import an internal error (exit 3); it is an attribute like any other."""
    _converted_listing(tmp_path, '<key id="k" for="node" attr.name="node_for_adding"/>'
                       '<key id="e" for="edge" attr.name="key"/><key id="u" for="edge" attr.name="u_for_edge"/>'
                       '<key id="g" for="graph" attr.name="incoming_graph_data"/>'
                       '<graph><data key="g">x</data><node id="a"><data key="k">1</data></node><node id="b"/>'
                       '<edge source="a" target="b"><data key="e">x</data><data key="u">y</data></edge></graph>',
                       ("edge attribute 'key' (1)", "edge attribute 'u_for_edge' (1)",
                        "graph attribute 'incoming_graph_data' (1)", "node attribute 'node_for_adding' (1)"))

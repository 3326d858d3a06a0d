"""Imports read element by element against the whole reading, problems included (prints figures, asserts nothing).

Every example (and a generated VXI of every kind, with links in both orders between the same nodes) is written as
GraphML and as RSpec, the small documents of tests/convert/test_hostile_imports.py are taken as they are, and each
document is mutated: the usual unusual layouts (every edge or link before the nodes,
keys after the graph, edges without id or whose id data is not their id attribute) and problems of every kind the
whole reading says (malformed at several places, a document type, an entity, a wrong root, no graph, keys without
id, of an unknown type, with a bad default, data of an undeclared key or not of its key's type, nodes without id or
twice, dangling ends, two edges or links of one id, a lease, a component or a link that cannot be read, interfaces
no node declares, properties between other interfaces or twice...), each at the first, middle and last element, and
two at a time in both orders. For each, the import (`from_bytes`: element by element, what it declines read whole)
must give exactly what the whole reading (the tree, and networkx's graph for GraphML) gives: the same VXI, its
components and links in the same order, the same list of what was dropped, or the same error (words, file, line).
Prints the counts (and how many the element by element reading declined), and each difference.

Run:   .venv/bin/python bench/import_compare.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.convert import graphml, rspec  # noqa: E402
from backend.convert.graphml_stream import DECLINED  # noqa: E402
from backend.model import Cloud, Infrastructure, Link, Node, Quantity, Router, Storage  # noqa: E402
from backend.model import units as U  # noqa: E402
from backend.resources import examples_dir  # noqa: E402
from backend.vxdl import read_file  # noqa: E402


def generated() -> Infrastructure:
    """Components of every kind with values, links in both directions and in parallel, some with values."""
    vxi = Infrastructure(id="gen")
    for i in range(12):
        kind = [Node, Router, Storage, Cloud][i % 4]
        comp = kind(f"c{i}")
        comp.location = f"site{i % 3}"
        comp.position = (i * 10.0, i / 3)
        vxi.components[comp.id] = comp
    for i in range(30):
        u, v = f"c{i % 12}", f"c{(i * 5 + 1) % 12}"
        vxi.links[f"l{i}"] = Link(f"l{i}", *((v, u) if i % 7 == 0 else (u, v)),
                                  forward=Quantity.simple(U.BANDWIDTH, i + 1) if i % 2 else None)
    return vxi


def documents() -> list[tuple[str, Infrastructure]]:
    found = [("generated", generated())]
    for path in sorted(examples_dir().glob("*.vxdl")):
        model = read_file(path).model
        if isinstance(model, Infrastructure):
            found.append((path.name, model))
    return found


def test_documents() -> list[tuple[str, str, str]]:
    """The small documents of the hostile imports' tests (tests/convert/test_hostile_imports.py), by kind."""
    from tests.convert.test_hostile_imports import REFUSED

    return [(name, name.rsplit(".", 1)[1], content) for name, (content, _code, _words) in sorted(REFUSED.items())]


def _at(text: str, pattern: str, which: str) -> re.Match | None:
    """The first, middle or last match of `pattern`."""
    found = list(re.finditer(pattern, text, re.S))
    if not found:
        return None
    return found[{"first": 0, "middle": len(found) // 2, "last": -1}[which]]


def _sub(text: str, pattern: str, which: str, replace) -> str | None:
    """`text` with the chosen match of `pattern` replaced (`replace`: a function of the match), or None."""
    match = _at(text, pattern, which)
    return None if match is None else text[:match.start()] + replace(match) + text[match.end():]


def _key_id(text: str, name: str) -> str:
    match = re.search(rf'<key id="([^"]+)" for="\w+" attr.name="{name}"', text)
    return match[1] if match else "zz"


def items_first(text: str, item: str, first: str) -> str | None:
    """The document with every `first` element (edge, link) before the `item` ones (node)."""
    if f"<{item} " not in text or f"<{first} " not in text[text.index(f"<{item} "):] or f"</{first}>" not in text:
        return None
    head, tail = text.index(f"<{item} "), text.rindex(f"</{first}>") + len(f"</{first}>")
    cut = text.index(f"<{first} ", head)
    if cut > tail:
        return None
    return text[:head] + text[cut:tail] + text[head:cut] + text[tail:]


def malformed(text: str) -> dict[str, str]:
    third = len(text) // 3
    return {"cut at a third": text[:third], "cut before the end": text[:-12], "empty": "",
            "a stray <": text[:2 * third] + "<" + text[2 * third:],
            "a byte not UTF-8": text[:third] + "\udcff" + text[third:],
            "an undefined entity": text[:2 * third] + "&e;" + text[2 * third:],
            "a document type": text.replace("?>", '?>\n<!DOCTYPE x SYSTEM "x.dtd">', 1),
            "a document type, cut": text.replace("?>", '?>\n<!DOCTYPE x>', 1)[:-30]}


def graphml_mutations(text: str) -> dict[str, str | None]:
    """GraphML problems and unusual layouts, each at the first, middle and last place it can be."""
    eid = _key_id(text, "id")
    edge, node = r"<edge [^>]*?(?:/>|>.*?</edge>)", r"<node [^>]*?(?:/>|>.*?</node>)"
    found: dict[str, str | None] = {"as written": text, "edges first": items_first(text, "node", "edge"),
                                    **malformed(text)}
    cloud_keys = ('<key id="zk" for="node" attr.name="kind" attr.type="string"/>'
                  '<key id="zc" for="node" attr.name="cardinality" attr.type="string"/>'
                  '<key id="zf" for="edge" attr.name="forward_bps" attr.type="string"/>'
                  '<key id="zx" for="node" attr.name="x" attr.type="string"/>')
    keyed = text.replace("<graph ", cloud_keys + "<graph ", 1)
    for w in ("first", "middle", "last"):
        found |= {
            f"edge id data not its id ({w})": _sub(text, rf'<data key="{eid}">[^<]*</data>', w,
                                                   lambda m: f'<data key="{eid}">other</data>'),
            f"edge id data another's ({w})": _sub(text, rf'<data key="{eid}">[^<]*</data>', w,
                                                  lambda m: f'<data key="{eid}">l1</data>'),
            f"edge without id attribute ({w})": _sub(text, r'(<edge) id="[^"]*"', w, lambda m: m[1]),
            f"edge without any id ({w})": _sub(text, rf'(<edge) id="[^"]*"([^>]*>)\s*<data key="{eid}">[^<]*</data>',
                                               w, lambda m: m[1] + m[2]),
            f"edge twice ({w})": _sub(text, edge, w, lambda m: m[0] + m[0]),
            f"edge id attribute another's ({w})": _sub(text, r'(<edge) id="[^"]*"', w, lambda m: m[1] + ' id="l1"'),
            f"edge named link0 ({w})": _sub(text, rf'<data key="{eid}">[^<]*</data>', w,
                                            lambda m: f'<data key="{eid}">link0</data>'),
            f"dangling source ({w})": _sub(text, r'(<edge [^>]*?source=")[^"]*"', w, lambda m: m[1] + 'zz"'),
            f"dangling target ({w})": _sub(text, r'(<edge [^>]*?target=")[^"]*"', w, lambda m: m[1] + 'zz"'),
            f"empty source ({w})": _sub(text, r'(<edge [^>]*?source=")[^"]*"', w, lambda m: m[1] + '"'),
            f"no target ({w})": _sub(text, r'(<edge [^>]*?) target="[^"]*"', w, lambda m: m[1]),
            f"node without id ({w})": _sub(text, r'(<node) id="[^"]*"', w, lambda m: m[1]),
            f"node id empty ({w})": _sub(text, r'(<node) id="[^"]*"', w, lambda m: m[1] + ' id=""'),
            f"node twice ({w})": _sub(text, node, w, lambda m: m[0] + m[0]),
            f"key without id ({w})": _sub(text, r'<key id="[^"]*"', w, lambda m: "<key"),
            f"key of an unknown type ({w})": _sub(text, r'attr.type="\w+"', w, lambda m: 'attr.type="complex"'),
            f"key with a bad default ({w})": _sub(text, r'(<key [^>]*attr.type="double")/>', w,
                                                  lambda m: m[1] + "><default>abc</default></key>"),
            f"data of an undeclared key ({w})": _sub(text, r'<data key="[^"]*"', w, lambda m: '<data key="nope"'),
            f"data not of its type ({w})": _sub(text, rf'(<data key="(?!{eid}")[^"]*">)[^<]*<', w,
                                                lambda m: m[1] + "abc<"),
            f"a cloud that cannot be read ({w})": _sub(keyed, r'(<node id="[^"]*")(/?)>', w,
                                                       lambda m: m[1] + '><data key="zk">cloud</data>'
                                                       '<data key="zc">abc</data>' + ("</node>" if m[2] else "")),
            f"a position that is not a number ({w})": _sub(keyed, r'(<node id="[^"]*")(/?)>', w,
                                                           lambda m: m[1] + '><data key="zx">abc</data>'
                                                           + ("</node>" if m[2] else "")),
            f"a link that cannot be read ({w})": _sub(keyed, r'(<edge [^>]*?)(/?)>', w,
                                                      lambda m: m[1] + '><data key="zf">many</data>'
                                                      + ("</edge>" if m[2] else "")),
            f"a link without id that cannot be read ({w})": _sub(
                re.sub(r'(<edge) id="[^"]*"', r"\1", re.sub(rf'<data key="{eid}">[^<]*</data>', "", keyed)),
                r'(<edge [^>]*?)(/?)>', w,
                lambda m: m[1] + '><data key="zf">many</data>' + ("</edge>" if m[2] else "")),
        }
    found |= {
        "not GraphML": text.replace("<graphml ", "<graphmx ", 1).replace("</graphml>", "</graphmx>"),
        "no graph": re.sub(r"<graph .*</graph>", "", text, flags=re.S),
        "a key after the graph with a default": text.replace(
            "</graph>", '</graph><key id="late" for="node" attr.name="note"><default>x</default></key>'),
        **{f"a key for {target} after the graph, a default for {name}": text.replace(
            "</graph>", f'</graph><key id="late" for="{target}" attr.name="{name}" attr.type="{kind}"><default>'
                        f'{value}</default></key>') for target, name, kind, value in (
            ("node", "note", "string", "x"), ("node", "location", "string", "x"), ("node", "cores", "double", "4"),
            ("node", "kind", "string", "router"), ("edge", "note", "int", "3"), ("edge", "forward_bps", "double", "5"),
            ("edge", "id", "string", "e"), ("all", "note", "boolean", "true"), ("all", "x", "double", "1"),
            ("graph", "lease_duration_s", "double", "60"), ("graph", "note", "string", ""),
            ("port", "note", "string", "p"), ("node", "ports", "string", "a,b"))},
        "a key after the graph of an id used": text.replace(
            "</graph>", f'</graph><key id="{_key_id(text, "kind")}" for="node" attr.name="other"/>'),
        "a new key after the graph": text.replace("</graph>", '</graph><key id="late" for="node"/>'),
        "a bad key after the graph": text.replace("</graph>", '</graph><key id="late" attr.type="complex"/>'),
        "a lease that cannot be read": re.sub(r'(<graph [^>]*>)', r'\1<data key="' + _key_id(text, "lease_start")
                                              + '">1e300</data>', text, count=1),
        "a second graph with problems": text.replace("</graphml>", '<graph><node/><edge source="q"/></graph>'
                                                     "</graphml>"),
        "attributes of networkx's names": re.sub(r'(<edge [^>]*?)(/?)>', lambda m: m[1] + '><data key="zk">1</data>'
                                                 + ("</edge>" if m[2] else ""), re.sub(
            r'(<node id="[^"]*")(/?)>', lambda m: m[1] + '><data key="zn">1</data>' + ("</node>" if m[2] else ""),
            text.replace("<graph ", '<key id="zn" for="node" attr.name="node_for_adding"/><key id="zk" for="edge" '
                                    'attr.name="key"/><key id="zg" for="graph" attr.name="incoming_graph_data"/>'
                                    '<graph ', 1), count=1), count=1),
    }
    return found


def rspec_mutations(text: str) -> dict[str, str | None]:
    link, node = r"<link [^>]*?(?:/>|>.*?</link>)", r"<node [^>]*?(?:/>|>.*?</node>)"
    found: dict[str, str | None] = {"as written": text, "links first": items_first(text, "node", "link"),
                                    **malformed(text)}
    for w in ("first", "middle", "last"):
        found |= {
            f"node without client_id ({w})": _sub(text, r'(<node) client_id="[^"]*"', w, lambda m: m[1]),
            f"node twice ({w})": _sub(text, node, w, lambda m: m[0] + m[0]),
            f"interface without client_id ({w})": _sub(text, r'(<interface) client_id="[^"]*"', w, lambda m: m[1]),
            f"interface twice ({w})": _sub(text, r'<interface client_id="[^"]*"/>', w, lambda m: m[0] + m[0]),
            f"link without client_id ({w})": _sub(text, r'(<link) client_id="[^"]*"', w, lambda m: m[1]),
            f"link twice ({w})": _sub(text, link, w, lambda m: m[0] + m[0]),
            f"link of one interface, then its id again ({w})": _sub(
                text, link, w, lambda m: re.sub(r'<interface_ref [^>]*/>', "", m[0], count=1) + m[0]),
            f"undeclared interface ({w})": _sub(text, r'(<interface_ref client_id=")[^"]*"', w,
                                                lambda m: m[1] + 'zz"'),
            f"property between others ({w})": _sub(text, r'(<property source_id=")[^"]*"', w,
                                                   lambda m: m[1] + 'zz"'),
            f"property twice ({w})": _sub(text, r"<property [^>]*/>", w, lambda m: m[0] + m[0]),
            f"capacity not a number ({w})": _sub(text, r'capacity="[^"]*"', w, lambda m: 'capacity="fast"'),
            f"latency not a number ({w})": _sub(text, r'latency="[^"]*"', w, lambda m: 'latency="slow"'),
        }
    found["not RSpec"] = text.replace("<rspec ", "<rspex ", 1).replace("</rspec>", "</rspex>")
    return found


def outcome(function, data: bytes):
    """What reading gives: the VXI, its components' and links' order and what was dropped; or the error."""
    try:
        vxi, losses = function(data, "doc")
    except Exception as exc:  # the error itself is what is compared
        return f"{type(exc).__name__}: {exc} (line {getattr(exc, 'line', None)})"
    return vxi, list(vxi.components), list(vxi.links), sorted(losses.items.items())


def variants(kind: str, text: str, pairs: int) -> dict[str, str]:
    """The mutations of a document, and `pairs` random pairs of two of them applied one after the other."""
    mutate = graphml_mutations if kind == "graphml" else rspec_mutations
    single = {name: changed for name, changed in mutate(text).items() if changed is not None}
    found = dict(single)
    names = sorted(name for name in single if "(" in name)
    chooser = random.Random(len(text))
    for _ in range(pairs if len(names) > 1 else 0):
        a, b = chooser.sample(names, 2)
        twice = mutate(single[a]).get(b)
        if twice is not None:
            found[f"{a} + {b}"] = twice
            found[f"{a} + {b}, items first"] = items_first(twice, "node", "edge" if kind == "graphml" else "link")
    return {name: changed for name, changed in found.items() if changed is not None}


def compare(quick: bool = False) -> tuple[int, int, int]:
    """Print the counts and each difference; (compared, different, declined)."""
    compared = different = declined = refused = 0
    modules = {"graphml": (graphml, graphml.read_streaming, DECLINED), "rspec": (rspec, rspec._read_streaming, ())}
    docs = documents()[:3] if quick else documents()
    texts = [(name, kind, module.to_bytes(model)[0].decode()) for name, model in docs for kind, module in
             (("graphml", graphml), ("rspec", rspec))] + test_documents()
    for name, kind, text in texts:
        module, streaming, declines = modules[kind]
        for mutation, changed in variants(kind, text, 20 if quick else 120).items():
            data = changed.encode("utf-8", "surrogateescape")
            compared += 1
            try:
                streaming(data, "doc")
            except declines:
                declined += 1
            except Exception:  # problems are compared below
                pass
            got, whole = outcome(module.from_bytes, data), outcome(module._read_whole, data)
            refused += isinstance(whole, str)
            if got != whole:
                different += 1
                print(f"DIFFERENT {name} {kind}: {mutation}\n  element by element: {str(got)[:300]}\n"
                      f"  whole:              {str(whole)[:300]}")
    print(f"compared {compared} ({refused} refused by the whole reading), different {different}, declined (read "
          f"whole) {declined}")
    return compared, different, declined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three documents, fewer pairs")
    args = parser.parse_args()
    sys.exit(1 if compare(args.quick)[1] else 0)


if __name__ == "__main__":
    main()

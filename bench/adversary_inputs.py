"""The hostile contents of bench/adversary_red4.py: documents (VXDL, GraphML, RSpec) in every encoding with and
without a byte-order mark, with DTDs, processing instructions, CDATA, XInclude, schemaLocation, NUL bytes, two
roots, text after the root, a second virtualInfrastructure, odd namespaces, long lines and names, nesting at the
parser's depth; odd values, units, leases and ids; substrates; GraphML and RSpec attribute values; mappings.
Each function returns {name: bytes}."""

from __future__ import annotations

import codecs
import copy
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}


def _body(text: str) -> str:
    return text.split("?>", 1)[1] if text.startswith("<?xml") else text


def encoded(text: str, codec: str, bom: bool, declared: bool = True) -> bytes:
    """`text` after a declaration of its encoding (the family's name), in `codec`, after a BOM when `bom`."""
    name = codec.upper().replace("-BE", "").replace("-LE", "")
    head = f"<?xml version='1.0' encoding='{name}'?>" if declared else ""
    return (BOMS[codec] if bom else b"") + (head + text).encode(codec)


def xml_variants(text: str, root: str, first_id: str) -> dict[str, bytes]:
    """A document's hostile variants in five encodings, with and without a BOM."""
    body = _body(text)
    close = f"</{root}>"
    shapes = {
        "plain": body,
        "pi": "<?foo bar?>" + body + "<?bar?>",
        "dtd-entity": f"<!DOCTYPE {root} [<!ENTITY a '{first_id}'>]>" + body,
        "dtd-bare": f"<!DOCTYPE {root}>" + body,
        "dtd-after-comments": "<!-- c -->\n" * 3 + f"<!DOCTYPE {root} SYSTEM 'file:///etc/passwd'>" + body,
        "xinclude": body.replace(close, '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" '
                                        'parse="text"/>' + close),
        "two-roots": body + body,
        "text-after": body + "junk",
        "nul": body.replace(first_id, first_id[:1] + "\x00" + first_id[1:], 1),
    }
    found = {}
    for codec in BOMS:
        for bom in (False, True):
            for shape, value in shapes.items():
                found[f"{shape}-{codec}{'-bom' if bom else ''}"] = encoded(value, codec, bom)
    found["declared-16-written-8"] = ("<?xml version='1.0' encoding='UTF-16'?>" + body).encode()
    found["declared-8-written-16"] = ("<?xml version='1.0' encoding='UTF-8'?>" + body).encode("utf-16")
    found["declared-bogus"] = ("<?xml version='1.0' encoding='X-BOGUS'?>" + body).encode()
    found["ebcdic"] = ("<?xml version='1.0' encoding='cp500'?>" + body).encode("cp500")
    found["empty"], found["bom-only"], found["nuls"] = b"", codecs.BOM_UTF8, b"\x00" * 100
    for depth in (254, 255, 256):
        found[f"depth-{depth}"] = body.replace(close, "<a>" * depth + "</a>" * depth + close).encode()
    found["truncated-half"] = body[:len(body) // 2].encode()
    return found


def vxdl_documents() -> dict[str, bytes]:
    """A VXI's hostile variants, and VXDL-only ones (namespaces, a second VXI, lengths)."""
    text = (EXAMPLES / "figure1-vxi1.vxdl").read_text()
    body = _body(text)
    found = xml_variants(text, "description", "n1")
    more = {
        "cdata-id": body.replace("<id>n1</id>", "<id><![CDATA[n1]]></id>"),
        "schema-location": body.replace("<description ", '<description xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
                                        'instance" xsi:schemaLocation="http://www.vxdlforum.org/vxdl file:///etc/'
                                        'passwd" ', 1),
        "second-vi": body.replace("</description>", "<virtualInfrastructure><id>B</id></virtualInfrastructure>"
                                                    "</description>"),
        "prefixed-root": body.replace('<description xmlns="http://www.vxdlforum.org/vxdl"', '<v:description xmlns:v='
                                      '"http://www.vxdlforum.org/vxdl" xmlns="http://www.vxdlforum.org/vxdl"')
                             .replace("</description>", "</v:description>"),
        "default-ns-inside": body.replace("<vNode>", '<vNode xmlns="urn:other">', 1),
        "x-is-vxdl": body.replace('xmlns:x="urn:vxi-designer:vxdl-ext:1"', 'xmlns:x="http://www.vxdlforum.org/vxdl"'),
        "empty-ns": body.replace("<vNode>", '<vNode xmlns:a="">', 1),
        "no-ns-id": body.replace("<id>n1</id>", '<id xmlns="">n1</id>', 1),
        "long-line": body.replace("<owner>alice</owner>", "<owner>" + "a" * 5_000_000 + "</owner>"),
        "long-name": body.replace("<owner>alice</owner>", "<" + "a" * 200_000 + "/>"),
        "long-attribute": body.replace("<vNode>", '<vNode foo="' + "b" * 3_000_000 + '">', 1),
        "many-attributes": body.replace("<vNode>", "<vNode " + " ".join(f'a{i}="1"' for i in range(50_000)) + ">",
                                        1),
        "long-id": body.replace("n1", "n" * 1_000_000),
    }
    found.update({name: value.encode() for name, value in more.items()})
    return found


def import_documents(kind: str, made: bytes) -> dict[str, bytes]:
    """A GraphML or RSpec document's hostile variants (`made`: one written by `vxi convert`)."""
    text = made.decode()
    return xml_variants(text, "graphml" if kind == "graphml" else "rspec", "n1")


def values() -> dict[str, bytes]:
    """A VXI with odd numbers, units, leases and ids."""
    base = (EXAMPLES / "figure1-vxi1.vxdl").read_text()
    found = {}

    def memory(v, unit="GB"):
        return base.replace("<unit>GB</unit>\n        <simple>8</simple>", f"<unit>{unit}</unit>\n        "
                                                                           f"<simple>{v}</simple>", 1)
    for v in ["-0", "-0.0", "0x1p3", "1e400", "9" * 400, "0.0000000000000000000000001", "+8", " 8 ", "8.", ".8",
              "NaN", "INF", "1_000", "\uff18", "0", "0" * 30 + "8"]:
        found[f"memory {v[:20]!r}"] = memory(v)
    for unit in ["gb", "GIB", "TB", "EB", "ZB", "", " GB", "GB\u200b", "kB", "Kb"]:
        found[f"unit {unit!r}"] = memory(8, unit)
    bandwidth = "<unit>Mbps</unit>\n          <simple>500</simple>"
    for v in ["-0", "1e400", "0", "-1"]:
        found[f"bandwidth {v}"] = base.replace(bandwidth, f"<unit>Mbps</unit>\n          <simple>{v}</simple>", 1)
    for unit in ["mbps", "Zbps", "Mb/s"]:
        found[f"bandwidth unit {unit}"] = base.replace(bandwidth, f"<unit>{unit}</unit>\n          <simple>500"
                                                                  "</simple>", 1)
    lease = "<startDate>2026-12-01T08:00:00</startDate>\n    <totalTime>PT4H</totalTime>"
    for start in ["0001-01-01T00:00:00", "9999-12-31T20:00:00", "9999-12-31T19:59:59", "-0001-01-01T00:00:00",
                  "2026-12-01T08:00:00+14:00", "2024-02-29T24:00:00", "2026-12-01T08:00:60",
                  "2026-12-01T08:00:00.9999999999", "0001-01-01T00:00:00+14:00"]:
        found[f"start {start}"] = base.replace(lease, f"<startDate>{start}</startDate>\n    <totalTime>PT4H"
                                                      "</totalTime>")
    for duration in ["PT0.0000001S", "P9999Y", "P10000Y", "PT-4H", "-P0D", "P0D", "PT1E3S", "P", "PT", "P1W",
                     "PT99999999999999999999S", "PT4h"]:
        found[f"duration {duration}"] = base.replace("<totalTime>PT4H</totalTime>",
                                                     f"<totalTime>{duration}</totalTime>")
    found["id of a node and a link"] = base.replace("<id>l1</id>", "<id>n1</id>")
    found["id of the VXI and a node"] = base.replace("<id>VXI1</id>", "<id>n1</id>")
    found["port twice"] = base.replace("<x:port>p1</x:port>", "<x:port>p0</x:port>")
    found["link id twice"] = base.replace("<id>l2</id>", "<id>l1</id>")
    found["id in two normal forms"] = base.replace("<id>n1</id>", "<id>caf\u00e9</id>").replace(
        "<source>n1</source>", "<source>cafe\u0301</source>")
    for name, char in [("newline", "&#10;x.vxdl:1:1: error: forged"), ("return", "&#13;FORGED"),
                       ("bidi", "\u202egnp.exe"), ("csi", "\u009b31m"), ("line separator", "\u2028L"),
                       ("tab", "a&#9;b"), ("next line", "\u0085N"), ("isolate", "\u2066x\u2069")]:
        found[f"id with a {name}"] = base.replace("<id>n1</id>", f"<id>n1{char}</id>").replace(
            "<source>n1</source>", f"<source>zz{char}</source>")
    return {name: text.encode() for name, text in found.items()}


def substrates() -> dict[str, bytes]:
    """A substrate with odd capacities, units, hosts and links."""
    base = (EXAMPLES / "figure1-substrate.vxdl").read_text()
    found = {}
    for v in ["-0", "1e308", "0", "-1", "9" * 400, "NaN"]:
        found[f"memory {v[:12]}"] = base.replace("<simple>32</simple>", f"<simple>{v}</simple>", 1)
    capacity = '<x:capacity unit="Gbps">1</x:capacity>'
    for v in ["0", "-1", "1e400", "NaN", "-0", ""]:
        found[f"capacity {v!r}"] = base.replace(capacity, f'<x:capacity unit="Gbps">{v}</x:capacity>', 1)
    for unit in ["gbps", "Zbps", "bps", ""]:
        found[f"capacity unit {unit!r}"] = base.replace(capacity, f'<x:capacity unit="{unit}">1</x:capacity>', 1)
    found["host twice"] = base.replace("<id>P2</id>", "<id>P1</id>")
    found["host id with a newline"] = base.replace("<id>P2</id>", "<id>P2&#10;f.vxdl:1:1: error: forged</id>")
    found["no hosts"] = re.sub(r"<vNode>.*?</vNode>", "", base, flags=re.S)
    found["no links"] = re.sub(r"<vLink>.*?</vLink>", "", base, flags=re.S)
    found["role request"] = base.replace("<owner>lab</owner>", "<owner>lab</owner><x:role>request</x:role>")
    found["lease at year 9999"] = base.replace("<owner>lab</owner>", "<startDate>9999-12-31T23:00:00</startDate>"
                                               "<totalTime>PT1H</totalTime><owner>lab</owner>")
    return {name: text.encode() for name, text in found.items()}


def import_values() -> dict[str, bytes]:
    """GraphML data of every key type and RSpec attributes holding odd values."""
    graph = ('<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">{keys}<graph '
             'edgedefault="directed">{g}<node id="a">{n}</node><node id="b"/><edge source="a" target="b">{e}</edge>'
             '</graph></graphml>')
    rspec = ('<?xml version="1.0"?><rspec xmlns="http://www.geni.net/resources/rspec/3" type="request"><node '
             'client_id="a"><interface client_id="a:0"/></node><node client_id="b"><interface client_id="b:0"/>'
             '</node><link client_id="l"><interface_ref client_id="a:0"/><interface_ref client_id="b:0"/><property '
             'source_id="a:0" dest_id="b:0" {p}/></link></rspec>')
    odd = ["9" * 5000, "-0", "0x1p3", "1e400", "NaN", "1_000", "", " 5 ", "1e-400", "\u0663", "true"]
    found = {}
    for kind, names in (("node", ["cores", "memory_bytes", "x", "cardinality", "kind", "ports"]),
                        ("edge", ["forward_bps", "latency_s", "one_way", "id"]),
                        ("graph", ["lease_start", "lease_duration_s", "id"])):
        for attribute in names:
            for type_ in ("int", "long", "double", "boolean", "string"):
                for v in odd:
                    key = f'<key id="k" for="{kind}" attr.name="{attribute}" attr.type="{type_}"/>'
                    data = f'<data key="k">{v}</data>'
                    found[f"graphml {kind} {attribute} {type_} {v[:10]!r}.graphml"] = graph.format(
                        keys=key, g=data if kind == "graph" else "", n=data if kind == "node" else "",
                        e=data if kind == "edge" else "")
    for attribute in ("capacity", "latency", "packet_loss"):
        for v in [*odd, "-5", "inf"]:
            found[f"rspec {attribute} {v[:10]!r}.rspec"] = rspec.format(p=f'{attribute}="{v}"')
    return {name: text.encode() for name, text in found.items()}


def mappings(made: dict) -> dict[str, bytes]:
    """Mutations of a mapping written by `vxi embed --json` (`made`: its JSON value)."""
    found: dict[str, bytes] = {}

    def mutate(name, change):
        data = copy.deepcopy(made)
        request = data["requests"][0]
        result = change(data, request)
        found[name] = json.dumps(data if result is None else result).encode()
    mutate("nodes a list", lambda d, r: r.update(nodes=["P1"]))
    mutate("node on an unknown host", lambda d, r: r["nodes"].update(n1="ZZ\n\u202e"))
    mutate("node on a number", lambda d, r: r["nodes"].update(n1=5))
    mutate("unknown node", lambda d, r: r["nodes"].update({"zz\nforged": "P1"}))
    mutate("path direction", lambda d, r: r["links"]["l3"].update(path=[["L7", "sideways"]]))
    mutate("path unknown link", lambda d, r: r["links"]["l3"].update(path=[["L99", "forward"]]))
    mutate("path a string", lambda d, r: r["links"]["l3"].update(path="L7"))
    mutate("path step short", lambda d, r: r["links"]["l3"].update(path=[["L7"]]))
    for label, value in (("NaN", float("nan")), ("inf", float("inf")), ("negative", -1), ("string", "1"),
                         ("400 digits", 10 ** 400)):
        mutate(f"bandwidth {label}", lambda d, r, v=value: r["links"]["l1"]["bandwidth_bps"].update(forward=v))
    for label, value in (("reversed", [2e9, 1e9]), ("huge", [1e300, 1e301]), ("NaN", [float("nan"), 1]),
                         ("one", [1]), ("string", "x")):
        mutate(f"window {label}", lambda d, r, v=value: r.update(window=v))
    mutate("accepted a string", lambda d, r: r.update(accepted="yes"))
    for label, value in (("missing", "/nonexistent/x.vxdl"), ("/dev/zero", "/dev/zero"), ("a number", 5)):
        mutate(f"source {label}", lambda d, r, v=value: r.update(source=v))
    mutate("requests an object", lambda d, r: d.update(requests={}))
    mutate("requests empty", lambda d, r: d.update(requests=[]))
    mutate("a VXI twice", lambda d, r: d["requests"].append(copy.deepcopy(r)))
    mutate("substrate a number", lambda d, r: d.update(substrate=5))
    mutate("no requests", lambda d, r: d.pop("requests"))
    mutate("a list", lambda d, r: [d])
    mutate("id with a newline", lambda d, r: r.update(id="V\nforged: error"))
    text = json.dumps(made, indent=1)
    found["UTF-16"] = text.encode("utf-16")
    found["UTF-32"] = text.encode("utf-32")
    found["nested 100,000 deep"] = b"[" * 100_000 + b"]" * 100_000
    found["NaN literal"] = text.replace("500000000.0", "NaN", 1).encode()
    found["trailing object"] = (text + "{}").encode()
    found["lone surrogate"] = text.replace('"n1"', '"\\ud800"', 1).encode()
    return found

"""Peak memory of each command on the largest valid inputs (prints figures, asserts nothing).

Each command runs in a process of its own; its peak resident size (ru_maxrss) is printed with the baseline
(the same interpreter running `vxi --version`, i.e. Python and the imports; for embed, `vxi embed` of a
one-node request, as the embedding engine is imported only when embedding; for the designer's export, its
export of that request) subtracted, and divided by the
input file's size. Inputs, just under the limits (20,000 components, 100,000 links, 32 MiB):
  values   20,000 components with their values and positions, 19,000 links with theirs
  links    20,000 bare nodes and 100,000 bare links (the link limit)
  problems the links input with one bad value near the end (a link's bandwidth "many") and its last 5,000 links
           reusing earlier ids; its GraphML with the edges before the nodes and its RSpec with the links before the
           nodes (unusual documents, for the imports)
  text     the links input with one piece of stray text among its resources (after link 50,000); its GraphML with
           a document type (refused)
  unexpected  the links input with an element the XSD does not expect among its resources (after link 50,000) and
           a bad value after it; its GraphML with a key after the graph
  root     the links input with an attribute the XSD refuses on its root; its GraphML with no edge id
  import-problem  the links input, its GraphML with the last edge's target no node, its RSpec with the last link's
           interface none (an import the whole reading refuses: only the imports are worth measuring on it)
  many-problems   100,000 schema problems from 1.2 MB (20,000 nodes with 5 attributes the XSD does not allow)
  many-dangling   60,000 links to missing components (8 MB): problems of the model's rules
  small    2,000 nodes and 9,000 links (0.8 MiB: what was read whole, under 1 MiB); small-problems: with a bad value
           and its last 500 links reusing ids
  before   the links input with an element of another namespace before its virtualInfrastructure
  second   the links input with a second virtualInfrastructure after its own
  dup-line 50,000 links of one id on one line (3.5 MB); dup-lines: on 50,000 lines
  malformed-cut, -tag, -entity, -utf8   the links input not well-formed near its end: cut short 500 bytes before
           it, an unclosed tag, an entity never declared, a byte that is not UTF-8 (in link 99,990)
  (for these two, the commands print their first 1,000 problems and count every one: --max-problems)
Commands: validate, show, show-json (show --json; only when named), format (-o), embed (on a substrate of 40 large
hosts, greedy; embed-json: the same with
--json -o FILE, the mapping JSON written to a file, 14.5 MB for the links input), convert to GraphML, to
RSpec and to plain VXDL 2.0 (graphml, rspec, plain), the designer's headless export (vxi-designer FILE
--export-image OUT.png, offscreen; export-svg: the same to OUT.svg), the window's open (open: open_bench.py --file,
offscreen; only when named), and the imports: convert the input's
GraphML and RSpec (made beforehand) back to VXDL (from-graphml, from-rspec; times that file's size).

Run:   .venv/bin/python bench/memory_bench.py [--inputs values links] [--commands validate show ...]
       .venv/bin/python bench/memory_bench.py --inputs links --trace   where reading's memory goes
                                                                        (tracemalloc, in this process)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BIN = Path(sys.executable).parent
NS = 'xmlns="http://www.vxdlforum.org/vxdl"'
MALFORMED = ("malformed-cut", "malformed-tag", "malformed-entity", "malformed-utf8")


def values_input(folder: Path) -> Path:
    """20,000 components with values (bench/vxdl_bench.py's generator)."""
    from vxdl_bench import generate

    from backend.vxdl import write_bytes

    path = folder / "values.vxdl"
    path.write_bytes(write_bytes(generate(20_000)))
    return path


def links_input(folder: Path) -> Path:
    """20,000 bare nodes and 100,000 bare links (no two between the same nodes)."""
    return _links_with(folder, "links")


def problems_input(folder: Path) -> Path:
    """The links input with a schema problem near its end and 5,000 duplicate link ids."""
    return _links_with(folder, "problems", bad=99_990, ids=95_000)


def _links_with(folder: Path, name: str, root: str = "", after: str = "", bad: int = -1, ids: int = 100_000,
                before: str = "", tail: str = "", nodes: int = 20_000, links: int = 100_000) -> Path:
    """The links input with `root` in its root's start tag, `after` after link 50,000, a bad value in link `bad`,
    and link ids taken modulo `ids` (fewer than 100,000: duplicates); `before` and `tail` in the root before and
    after the virtualInfrastructure; `nodes` and `links` fewer for a smaller input."""
    path = folder / f"{name}.vxdl"
    with path.open("w") as out:
        out.write(f'<?xml version="1.0"?>\n<description {NS}{root}>{before}<virtualInfrastructure><id>big</id>\n')
        for i in range(nodes):
            out.write(f"<vNode><id>n{i}</id></vNode>\n")
        for i in range(links):
            value = "<bandwidth><forward><simple>many</simple></forward></bandwidth>" if i == bad else ""
            out.write(f"<vLink><id>l{i % ids}</id>{value}<source>n{i % nodes}</source>"
                      f"<destination>n{(i + 1 + i // nodes) % nodes}</destination></vLink>\n")
            if i == 50_000:
                out.write(after)
        out.write(f"</virtualInfrastructure>{tail}</description>\n")
    return path


def import_problem_input(folder: Path) -> Path:
    """The links input (its imports get a dangling end in their last edge or link)."""
    return _links_with(folder, "import-problem")


def dangling_import(path: Path, item: str, end: str) -> None:
    """The GraphML or RSpec file with the first `end` attribute of its last `item` naming nothing."""
    import re

    text = path.read_text()
    last = text.rindex(f"<{item} ")
    path.write_text(text[:last] + re.sub(f'{end}="[^"]*"', f'{end}="nothing"', text[last:], count=1))


def small_input(folder: Path) -> Path:
    """2,000 nodes and 9,000 links, under 1 MiB."""
    return _links_with(folder, "small", nodes=2_000, links=9_000)


def small_problems_input(folder: Path) -> Path:
    """The small input with a bad value near its end and its last 500 links reusing ids."""
    return _links_with(folder, "small-problems", nodes=2_000, links=9_000, bad=8_990, ids=8_500)


def before_input(folder: Path) -> Path:
    """The links input with an element of another namespace before its virtualInfrastructure."""
    return _links_with(folder, "before", before='<o:note xmlns:o="urn:other">made by hand</o:note>\n')


def second_input(folder: Path) -> Path:
    """The links input with a second virtualInfrastructure after its own."""
    return _links_with(folder, "second", tail="\n<virtualInfrastructure><id>other</id><vNode><id>m</id></vNode>"
                                               "</virtualInfrastructure>")


def _duplicates(folder: Path, name: str, separator: str) -> Path:
    """Two nodes and 50,001 links of one id, each followed by `separator`."""
    path = folder / f"{name}.vxdl"
    link = "<vLink><id>l0</id><source>n0</source><destination>n1</destination></vLink>" + separator
    path.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n'
                    f"<vNode><id>n0</id></vNode><vNode><id>n1</id></vNode>\n{link * 50_001}"
                    "</virtualInfrastructure></description>\n")
    return path


def dup_line_input(folder: Path) -> Path:
    """50,000 duplicate ids on one line."""
    return _duplicates(folder, "dup-line", "")


def dup_lines_input(folder: Path) -> Path:
    """50,000 duplicate ids on as many lines."""
    return _duplicates(folder, "dup-lines", "\n")


def text_input(folder: Path) -> Path:
    """The links input with stray text among its resources."""
    return _links_with(folder, "text", after="stray text\n")


def unexpected_input(folder: Path) -> Path:
    """The links input with an unexpected element among its resources, a bad value after it (not checked by the
    XSD after that element: the builder says it)."""
    return _links_with(folder, "unexpected", after="<vFoo/>\n", bad=99_990)


def root_input(folder: Path) -> Path:
    """The links input with an attribute the XSD refuses on the root."""
    return _links_with(folder, "root", root=' foo="1"')


def malformed_input(folder: Path, which: str) -> Path:
    """The links input not well-formed near its end: cut short, an unclosed tag, an entity never declared, or bytes
    that are not UTF-8, in link 99,990."""
    path = _links_with(folder, which)
    data = path.read_bytes()
    at = data.index(b"<vLink><id>l99990</id>") + len(b"<vLink><id>")
    mark = {"malformed-cut": None, "malformed-tag": b"<zz>", "malformed-entity": b"&bad;", "malformed-utf8": b"\xff"}
    path.write_bytes(data[:len(data) - 500] if mark[which] is None else data[:at] + mark[which] + data[at:])
    return path


def graphml_variant(path: Path, which: str) -> None:
    """The GraphML file with a document type (text), a key after the graph (unexpected), no edge id (root)."""
    import re

    text = path.read_text()
    if which == "text":
        text = text.replace("<graphml", '<!DOCTYPE graphml SYSTEM "graphml.dtd">\n<graphml', 1)
    elif which == "unexpected":
        text = text.replace("</graph>", '</graph>\n<key id="late" for="node" attr.name="note" attr.type="string"/>')
    elif which == "root":  # neither the id attribute nor the id data: each named link<N> by its place
        text = re.sub(r'(<edge [^>]*?) id="[^"]*"', r"\1", text)
        text = re.sub(r'  <data key="d\d+">l\d+</data>\n', "", text)
    path.write_text(text)


def many_problems_input(folder: Path) -> Path:
    """20,000 nodes with 5 attributes the XSD does not allow each: 100,000 schema problems from 1.2 MB."""
    path = folder / "many-problems.vxdl"
    with path.open("w") as out:
        out.write(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n')
        for i in range(20_000):
            out.write(f'<vNode a="1" b="2" c="3" d="4" e="5"><id>n{i}</id></vNode>\n')
        out.write("</virtualInfrastructure></description>\n")
    return path


def many_dangling_input(folder: Path) -> Path:
    """One node and 60,000 links to components that do not exist (8 MB): 60,000 problems of the model's rules."""
    path = folder / "many-dangling.vxdl"
    with path.open("w") as out:
        out.write(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>big</id>\n'
                  "<vNode><id>n0</id></vNode>\n")
        for i in range(60_000):
            out.write(f"<vLink><id>l{i}</id><source>n0</source><destination>missing{i}</destination>"
                      "<bandwidth><forward><simple>1</simple></forward></bandwidth></vLink>\n")
        out.write("</virtualInfrastructure></description>\n")
    return path


def unusual(path: Path, item: str, first: str) -> None:
    """The GraphML or RSpec file rewritten with its `first` elements (edges, links) before the `item` ones."""
    text = path.read_text()
    head, tail = text.index(f"<{item} "), text.rindex(f"</{first}>") + len(f"</{first}>")
    body = text[head:tail]
    cut = body.index(f"<{first} ")
    cut = body.rindex("\n", 0, cut) + 1 if "\n" in body[:cut] else cut
    path.write_text(text[:head] + body[cut:] + "\n" + body[:cut] + text[tail:])


def substrate(folder: Path) -> Path:
    """40 hosts on the 10 sites the values input names, large enough for 20,000 small components, in a ring."""
    path = folder / "substrate.vxdl"
    hosts = "".join(f"<vNode><id>h{i}</id><location>site{i % 10}</location>"
                    "<cpu><cores><simple>4096</simple></cores></cpu>"
                    "<memory><unit>TB</unit><simple>64</simple></memory></vNode>" for i in range(40))
    links = "".join(f"<vLink><id>e{i}</id><bandwidth><forward><unit>Tbps</unit><simple>100</simple></forward>"
                    f"</bandwidth><source>h{i}</source><destination>h{(i + 1) % 40}</destination></vLink>"
                    for i in range(40))
    path.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>sub</id>'
                    f'<x:role xmlns:x="urn:vxi-designer:vxdl-ext:1">substrate</x:role>{hosts}{links}'
                    "</virtualInfrastructure></description>\n")
    return path


def imports(folder: Path, which: str) -> None:
    """The input as GraphML and RSpec, for the import commands."""
    from backend.convert import graphml, rspec
    from backend.vxdl import read_file

    model = read_file(folder / f"{which}.vxdl").model
    graphml.write(model, folder / f"{which}.graphml")
    rspec.write(model, folder / f"{which}.rspec")
    if which == "problems":
        unusual(folder / f"{which}.graphml", "node", "edge")
        unusual(folder / f"{which}.rspec", "node", "link")
    if which == "import-problem":
        dangling_import(folder / f"{which}.graphml", "edge", "target")
        dangling_import(folder / f"{which}.rspec", "interface_ref", "client_id")
    if which in ("text", "unexpected", "root"):
        graphml_variant(folder / f"{which}.graphml", which)


def peak_rss(command: list[str]) -> tuple[float, float, int]:
    """(peak resident MB, seconds, exit status) of a command run to its end."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024, time.perf_counter() - began, os.waitstatus_to_exitcode(status)


def commands(path: Path, folder: Path) -> dict[str, list[str]]:
    """The command lines measured, by name."""
    vxi = str(BIN / "vxi")
    return {"validate": [vxi, "validate", str(path)],
            "show": [vxi, "show", str(path)],
            "show-json": [vxi, "show", "--json", str(path)],
            "format": [vxi, "format", str(path), "-o", str(folder / "formatted.vxdl")],
            "embed": [vxi, "embed", "--algorithm", "greedy", str(folder / "substrate.vxdl"), str(path)],
            "embed-json": [vxi, "embed", "--algorithm", "greedy", "--json", "-o", str(folder / "mapping.json"),
                           str(folder / "substrate.vxdl"), str(path)],
            "graphml": [vxi, "convert", str(path), str(folder / "converted.graphml")],
            "rspec": [vxi, "convert", str(path), str(folder / "converted.rspec")],
            "plain": [vxi, "convert", "--plain", str(path), str(folder / "plain.vxdl")],
            "export": [str(BIN / "vxi-designer"), str(path), "--export-image", str(folder / "export.png")],
            "export-svg": [str(BIN / "vxi-designer"), str(path), "--export-image", str(folder / "export.svg")],
            "open": [sys.executable, str(Path(__file__).parent / "open_bench.py"), "--file", str(path)],
            "from-graphml": [vxi, "convert", str(path.with_suffix(".graphml")), str(folder / "imported.vxdl")],
            "from-rspec": [vxi, "convert", str(path.with_suffix(".rspec")), str(folder / "imported.vxdl")]}


def trace(path: Path) -> None:
    """Where the memory of reading a file goes (what every command does first), by line, while the model is
    held (tracemalloc, in this process; lxml's own tree is not seen by tracemalloc)."""
    import tracemalloc

    import backend.cli  # noqa: F401 -- the imports are not what is measured
    from backend.vxdl import read_file

    tracemalloc.start(4)
    result = read_file(path)
    current, peak = tracemalloc.get_traced_memory()
    print(f"tracemalloc: peak {peak / 1e6:.1f} MB, held with the model {current / 1e6:.1f} MB "
          f"({len(result.model.components):,} components, {len(result.model.links):,} links)")
    for stat in tracemalloc.take_snapshot().statistics("traceback")[:6]:
        print(f"  {stat.size / 1e6:.1f} MB in {stat.count:,} blocks from")
        for frame in stat.traceback:
            print(f"      {frame}")


def main() -> None:
    """Print one line per input and command."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inputs", nargs="+", default=["values", "links"],
                        choices=["values", "links", "problems", "text", "unexpected", "root", "import-problem",
                                 "many-problems", "many-dangling", "small", "small-problems", "before", "second",
                                 "dup-line", "dup-lines", *MALFORMED])
    parser.add_argument("--commands", nargs="+",
                        default=["validate", "show", "format", "embed", "embed-json", "graphml", "rspec", "plain",
                                 "export", "export-svg", "from-graphml", "from-rspec"])
    parser.add_argument("--trace", action="store_true", help="where reading the first input's memory goes instead")
    parser.add_argument("--make", nargs=2, metavar=("INPUT", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    makers = {"values": values_input, "links": links_input, "problems": problems_input, "text": text_input,
              "unexpected": unexpected_input, "root": root_input, "import-problem": import_problem_input,
              "many-problems": many_problems_input, "many-dangling": many_dangling_input, "small": small_input,
              "small-problems": small_problems_input, "before": before_input, "second": second_input,
              "dup-line": dup_line_input, "dup-lines": dup_lines_input,
              **{name: partial(malformed_input, which=name) for name in MALFORMED}}
    if args.make:  # in a process of its own: a child's peak starts from its parent's size (kept across exec)
        makers[args.make[0]](Path(args.make[1]))
        substrate(Path(args.make[1]))
        if not args.make[0].startswith(("many", "malformed")):  # no model to convert: imports not measured on them
            imports(Path(args.make[1]), args.make[0])
        return
    with tempfile.TemporaryDirectory(prefix="vxi-memory-bench-") as name:
        folder = Path(name)
        for which in args.inputs:
            subprocess.run([sys.executable, __file__, "--make", which, name], check=True)
        if args.trace:
            trace(folder / f"{args.inputs[0]}.vxdl")
            return
        base, _s, _rc = peak_rss([str(BIN / "vxi"), "--version"])
        # vxi loads the embedding engine (numpy, scipy) only when it embeds: embed's baseline is a one-node request
        tiny = folder / "tiny.vxdl"
        tiny.write_text(f'<?xml version="1.0"?>\n<description {NS}><virtualInfrastructure><id>tiny</id>'
                        "<vNode><id>n</id></vNode></virtualInfrastructure></description>\n")
        one_node, _s, _rc = peak_rss([str(BIN / "vxi"), "validate", str(tiny)])  # (under --version: no libvirt)
        engine_base, _s, _rc = peak_rss([str(BIN / "vxi"), "embed", "--algorithm", "greedy",
                                         str(folder / "substrate.vxdl"), str(tiny)])
        # the headless export loads less than the window (no main window): its baseline is the export of that node
        gui_base, _s, _rc = peak_rss([str(BIN / "vxi-designer"), str(tiny), "--export-image", str(folder / "tiny.png")])
        window_base, _s, _rc = peak_rss(commands(tiny, folder)["open"])
        bases = {"export": gui_base, "embed": engine_base, "open": window_base}
        print(f"baseline: vxi --version {base:.0f} MB (vxi validate of one node {one_node:.1f} MB), vxi embed of "
              f"one node {engine_base:.0f} MB, vxi-designer's "
              f"export of one node {gui_base:.0f} MB, the window's open of one node {window_base:.0f} MB")
        print(f"{'input':>8} {'file':>8} {'command':>12} {'peak':>8} {'over base':>10} {'x file':>7} {'time':>7} exit")
        for which in args.inputs:
            path = folder / f"{which}.vxdl"
            for name_, line in commands(path, folder).items():
                if name_ not in args.commands:
                    continue
                read = path.with_suffix("." + name_[5:]) if name_.startswith("from-") else path
                size = read.stat().st_size / 2**20
                peak, seconds, code = peak_rss(line)
                over = peak - bases.get(name_.split("-")[0], base)
                print(f"{which:>8} {size:>6.1f}MB {name_:>12} {peak:>6.0f}MB {over:>8.0f}MB {over / size:>7.1f}"
                      f" {seconds:>6.1f}s {code}", flush=True)


if __name__ == "__main__":
    main()

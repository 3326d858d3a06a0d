"""Reading with problems resource by resource against the whole reading (prints figures, asserts nothing).

Every example and corpus document (as written, and rewritten by the writer) is mutated in ways that touch what the
XSD says of the virtualInfrastructure and the root themselves: text among the resources (several pieces, a no-break
space, text split by a comment), an element it does not expect (first, among, last, with content, in another
namespace, before or after text), an attribute or text on the root or the virtualInfrastructure, an element, a
resource or a virtualInfrastructure before it, a second one after it (with problems), many duplicates on one line;
each alone, with a bad value after it, and all on one line. For each, backend/vxdl/stream_problems.py's reading, and
read_bytes and read_file as the commands read (resource by resource whatever the size; a file a piece at a time),
must give exactly the whole reading's model and problems (words, code, element, id, line, column, order), or answer
None (left to the whole reading). Each document not well-formed near its end must be refused in the whole reading's
words and line. Prints the counts, and each difference.

Run:   .venv/bin/python bench/problems_compare.py [--every N] [--quick]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.resources import examples_dir  # noqa: E402
from backend.vxdl import read_bytes, read_file, write_bytes  # noqa: E402
from backend.vxdl.errors import VxdlFileError  # noqa: E402
from backend.vxdl.reader import read_whole  # noqa: E402
from backend.vxdl.stream_problems import read_with_problems  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "vxdl2"
RESOURCE = re.compile(r"<(vNode|vLink|vRouter|vStorage|vAccessPoint|vArray)\b[^>]*>.*?</\1>", re.S)
VI_START = re.compile(r"<((?:\w+:)?)virtualInfrastructure\b[^>]*>")
ROOT_START = re.compile(r"<((?:\w+:)?)description\b[^>]*?(/?)>")


def documents() -> list[tuple[str, str, str | None]]:
    """The examples and the corpus, as they are and rewritten in strict order."""
    paths = sorted(examples_dir().glob("*.vxdl")) + sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml",
                                                                                                          ".vxdl"))
    found = []
    for path in paths:
        role = "substrate" if "substrate" in path.name or "physical" in path.parts else None
        data = path.read_bytes()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            continue
        found.append((path.name, text, role))
        model = read_bytes(data, path.name, role).model
        if model is not None:
            found.append((f"{path.name} rewritten", write_bytes(model).decode(), role))
    return found


def _insert(text: str, at: int, what: str) -> str:
    return text[:at] + what + text[at:]


def mutations(text: str) -> dict[str, str]:
    """The document with text, unexpected elements, attributes at the virtualInfrastructure and the root."""
    vi, root = VI_START.search(text), ROOT_START.search(text)
    if vi is None or root is None or root[2]:
        return {}
    prefix = vi[1]
    vi_end = text.find(f"</{prefix}virtualInfrastructure>")
    resources = [m for m in RESOURCE.finditer(text) if m.start() > vi.end()]
    if vi_end < 0 or not resources:
        return {}
    first, middle, last = resources[0].start(), resources[len(resources) // 2].start(), resources[-1].end()
    foo, attribute = f"<{prefix}vFoo/>", ' a="1">'
    found = {
        "text first": _insert(text, vi.end(), "stray"),
        "text among": _insert(text, middle, "stray"),
        "text last": _insert(text, vi_end, "stray"),
        "two texts": _insert(_insert(text, middle, "b"), first, "a"),
        "no-break space": _insert(text, middle, "\u00a0"),
        "text, comment, text": _insert(text, middle, "a<!-- c -->b"),
        "text in a header's tail": _insert(text, vi.end(), f"<{prefix}description>d</{prefix}description>t"),
        "unexpected first": _insert(text, vi.end(), foo),
        "unexpected among": _insert(text, middle, foo),
        "unexpected last": _insert(text, vi_end, foo),
        "unexpected with content": _insert(text, middle, f"<{prefix}vFoo>t<{prefix}vNode><{prefix}id>zz</{prefix}id>"
                                                         f"</{prefix}vNode></{prefix}vFoo>"),
        "unexpected, other namespace": _insert(text, middle, '<o:foo xmlns:o="urn:other"/>'),
        "unexpected then text": _insert(_insert(text, last, "stray"), middle, foo),
        "text then unexpected": _insert(_insert(text, last, foo), middle, "stray"),
        "two unexpected": _insert(_insert(text, last, f"<{prefix}vBar/>"), middle, foo),
        "root attribute": _insert(text, root.end() - 1, ' foo="1"'),
        "root text": _insert(text, vi_end + len(f"</{prefix}virtualInfrastructure>"), "stray"),
        "root text before": _insert(text, vi.start(), "stray"),
        "vi attribute": _insert(text, vi.end() - 1, ' foo="1"'),
        "root and vi attributes, text": _insert(_insert(_insert(text, middle, "s"), vi.end() - 1, ' a="1"'),
                                                root.end() - 1, ' b="2"'),
        "element after the vi": _insert(text, vi_end + len(f"</{prefix}virtualInfrastructure>"), foo),
        "a second vi after": _insert(text, vi_end + len(f"</{prefix}virtualInfrastructure>"),
                                     f"<{prefix}virtualInfrastructure><{prefix}id>w</{prefix}id>"
                                     f"</{prefix}virtualInfrastructure>"),
        "a second vi with problems": _insert(text, vi_end + len(f"</{prefix}virtualInfrastructure>"),
                                             f"<{prefix}virtualInfrastructure><{prefix}id>w</{prefix}id>"
                                             f"{resources[0].group().replace('>', attribute, 1)}{foo}stray"
                                             f"{resources[-1].group()}</{prefix}virtualInfrastructure>"),
        "element before the vi": _insert(text, vi.start(), foo),
        "element before the vi, text": _insert(_insert(_insert(text, middle, "stray"), vi.end(), "t"), vi.start(), foo),
        "other namespace before the vi": _insert(text, vi.start(), '<o:foo xmlns:o="urn:other"><o:b/></o:foo>'),
        "a vi before the vi": _insert(text, vi.start(), f"<{prefix}virtualInfrastructure><{prefix}id>w</{prefix}id>"
                                                        f"{resources[0].group()}</{prefix}virtualInfrastructure>"),
        "a resource before the vi": _insert(text, vi.start(), resources[-1].group()),
        "many duplicates": _insert(text, middle, resources[len(resources) // 2].group() * 40),
        "duplicates of the first and last": _insert(text, last, (resources[0].group() + resources[-1].group()) * 5),
    }
    values = [m for m in re.finditer(r"<(\w+:)?simple>([^<]*)</\1?simple>", text) if m.start() > middle]
    for name in list(found):
        changed = found[name]
        later = [m for m in re.finditer(r"(<(?:\w+:)?simple>)([^<]*)(</(?:\w+:)?simple>)", changed)
                 if m.start() > changed.find(resources[len(resources) // 2].group()[:40], middle)]
        if values and later:
            at = later[-1]
            found[f"{name}, bad value after"] = changed[:at.start(2)] + "zz" + changed[at.end(2):]
        found[f"{name}, one line"] = re.sub(r">\s*\n\s*<", "><", changed)
    return found


def malformed(data: bytes) -> dict[str, bytes]:
    """The document not well-formed near its end (or at its last resource): cut short, an unclosed tag, an entity
    never declared, a byte that is not UTF-8, a stray '<' or '&', an end tag that does not match."""
    ends = [m.end() for m in re.finditer(rb"</(?:\w+:)?(?:vNode|vLink|vRouter|vStorage|vAccessPoint|vArray)>", data)]
    if not ends:
        return {}
    at = ends[-1] - 2  # inside the last resource's end tag's name
    inside = data.rindex(b">", 0, ends[-1] - len(b"</vNode>")) + 1  # after the last tag before that end tag
    return {"cut short": data[:len(data) - 40], "cut in its last resource": data[:at],
            "unclosed tag": data[:inside] + b"<zz>" + data[inside:],
            "entity never declared": data[:inside] + b"&bad;" + data[inside:],
            "not UTF-8": data[:inside] + b"\xff" + data[inside:], "stray <": data[:inside] + b"<" + data[inside:],
            "stray &": data[:inside] + b"& " + data[inside:], "end tag not matching": data[:at] + b"x" + data[at:],
            "content after the root": data + b"<x/>"}


def _refusal(read) -> str:
    try:
        read()
    except VxdlFileError as exc:
        return f"{exc} (line {exc.line})"
    return "read"


def compare_malformed(every: int = 1) -> tuple[int, int]:
    """Print each malformed document refused otherwise than by the whole reading (read_bytes and read_file against
    read_whole: words, line); (compared, different)."""
    compared = different = 0
    with tempfile.TemporaryDirectory(prefix="vxi-problems-compare-") as folder:
        path = Path(folder) / "malformed.vxdl"
        for name, text, role in documents()[::every]:
            for kind, data in malformed(text.encode()).items():
                path.write_bytes(data)
                found = [_refusal(lambda: read_whole(data, str(path), role)),  # noqa: B023 -- called at once
                         _refusal(lambda: read_bytes(data, str(path), role)),  # noqa: B023
                         _refusal(lambda: read_file(path, role))]  # noqa: B023
                compared += 1
                if len(set(found)) > 1:
                    different += 1
                    print(f"DIFFERENT {name}: {kind}", *found, sep="\n    ")
    print(f"malformed: compared {compared}, different {different}")
    return compared, different


def _from_file(data: bytes, name: str, role: str | None, path: Path):
    """read_file's reading of the bytes (a piece at a time, the columns' lines read from the file), its problems
    named `name`."""
    path.write_bytes(data)
    read = read_file(path, role)
    for p in read.problems:
        p.file = name
    return read


def compare(every: int = 1) -> tuple[int, int, int]:
    """Print the counts and each difference; (taken, different, left to the whole reading)."""
    with tempfile.TemporaryDirectory(prefix="vxi-problems-compare-") as folder:
        return _compare(every, Path(folder) / "mutated.vxdl")


def _compare(every: int, path: Path) -> tuple[int, int, int]:
    taken = left = different = 0
    left_kinds: dict[str, int] = {}
    for name, text, role in documents()[::every]:
        for kind, changed in mutations(text).items():
            data = changed.encode()
            whole = read_whole(data, name, role)
            found = read_with_problems(data, name, role)
            if found is None:
                left += 1
                left_kinds[kind] = left_kinds.get(kind, 0) + 1
                continue
            taken += 1
            read = read_bytes(data, name, role)  # what the commands do: read resource by resource, whatever the size
            from_file = _from_file(data, name, role, path)  # and from a file, its bytes never held whole
            same = found[0] == whole.model == read.model == from_file.model and [
                (p.format(), p.element_id, p.element) for p in found[1]] == [
                (p.format(), p.element_id, p.element) for p in whole.problems] == [
                (p.format(), p.element_id, p.element) for p in read.problems] == [
                (p.format(), p.element_id, p.element) for p in from_file.problems]
            if not same:
                different += 1
                print(f"DIFFERENT {name}: {kind}")
                print("  streamed:", *[p.format() for p in found[1]][:8], sep="\n    ")
                print("  whole:   ", *[p.format() for p in whole.problems][:8], sep="\n    ")
    print(f"taken {taken}, different {different}, left to the whole reading {left}")
    for kind, count in sorted(left_kinds.items()):
        print(f"  left: {kind} ({count})")
    return taken, different, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=1, help="one document in N")
    parser.add_argument("--quick", action="store_true", help="one document in 9")
    args = parser.parse_args()
    every = 9 if args.quick else args.every
    sys.exit(1 if compare(every)[1] + compare_malformed(every)[1] else 0)


if __name__ == "__main__":
    main()

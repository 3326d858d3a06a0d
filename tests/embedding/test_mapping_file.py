"""The mapping file `vxi embed --json -o` writes is one `vxi replan` reads: each link's placement on one line, a
mapping allowed 4 times the one size limit, and a mapping over it refused when written, not when read back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from backend.cli import main
from backend.files import MAPPING_SCALE
from backend.model import Infrastructure, Link, Node
from backend.vxdl import write_file
from tests.embedding.builders import host, plink, substrate

ROOT = Path(__file__).resolve().parents[2]
HOSTS, LINKS = 20, 1_000


def far_apart(folder: Path) -> tuple[Path, Path]:
    """A ring of 20 hosts and LINKS bare links between parts anchored on opposite hosts: paths of 10 hops."""
    ring = substrate([host(f"h{i}", cores=100_000, memory_gb=4000, site=f"s{i}") for i in range(HOSTS)],
                     [plink(f"e{i}", f"h{i}", f"h{(i + 1) % HOSTS}", mbps=10_000_000) for i in range(HOSTS)])
    request = Infrastructure(id="far")
    request.components = {"a": Node("a", location="s0"), "b": Node("b", location=f"s{HOSTS // 2}")}
    request.links = {f"l{i}": Link(f"l{i}", "a", "b") for i in range(LINKS)}
    write_file(ring, folder / "ring.vxdl")
    write_file(request, folder / "far.vxdl")
    return folder / "ring.vxdl", folder / "far.vxdl"


def one_line_from_four(data) -> str:
    """`json.dumps(data, indent=2)` with every object and list four levels deep written by `json.dumps` on one
    line: a link's placement (top, "requests", a request, "links") and a resource's use in "utilisation"."""
    kept: list[str] = []

    def mark(value, depth: int):
        if depth == 4 and isinstance(value, dict | list):
            kept.append(json.dumps(value))
            return f"@{len(kept) - 1}@"
        if isinstance(value, dict):
            return {key: mark(item, depth + 1) for key, item in value.items()}
        return [mark(item, depth + 1) for item in value] if isinstance(value, list) else value

    text = json.dumps(mark(data, 0), indent=2) + "\n"
    return re.sub(r'"@(\d+)@"', lambda found: kept[int(found[1])], text)


def test_the_mapping_writes_each_link_placement_on_one_line(tmp_path):
    """The file is `json.dumps(indent=2)`'s text but for what is four levels deep (each link's placement), written
    as `json.dumps` writes it on one line (less than half the size), and it is the same JSON."""
    ring, far = far_apart(tmp_path)
    out = tmp_path / "mapping.json"
    assert main(["embed", "--algorithm", "greedy", "--json", "-o", str(out), str(ring), str(far)]) == 0
    text = out.read_text()
    data = json.loads(text)
    links = data["requests"][0]["links"]
    assert len(links) == LINKS and all(len(placed["path"]) == HOSTS // 2 for placed in links.values())
    assert text == one_line_from_four(data)
    assert '\n        "l7": {"path": [["e' in text
    assert len(text) < len(json.dumps(data, indent=2)) / 2


def test_embed_then_replan_works_on_a_mapping_the_old_layout_could_not_carry(tmp_path):
    """With the limit just over the request's file, the mapping written the old way (indent=2 throughout) is over
    the mapping's limit (4 times): replan refused the tool's own output. Written now, it is read back; and a mapping
    written the old way is still read (within the limit)."""
    ring, far = far_apart(tmp_path)
    limit = max(ring.stat().st_size, far.stat().st_size) + 100
    env = dict(os.environ, VXI_MAX_BYTES=str(limit))
    run = lambda *args: subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    out = tmp_path / "mapping.json"
    done = run("embed", "--algorithm", "greedy", "--json", "-o", str(out), str(ring), str(far))
    assert done.returncode == 0, done.stderr
    old = tmp_path / "old.json"
    old.write_text(json.dumps(json.loads(out.read_text()), indent=2) + "\n")
    assert out.stat().st_size <= MAPPING_SCALE * limit < old.stat().st_size
    done = run("replan", str(ring), str(out), "--remove-host", "h3", "--algorithm", "greedy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("case III, a host leaves: local repair; 0 migrations, 1,000 links re-routed")
    done = run("replan", str(ring), str(old), "--remove-host", "h3")
    assert done.returncode == 2 and "over the" in done.stderr and "limit of a mapping" in done.stderr
    assert main(["replan", str(ring), str(old), "--remove-host", "h3", "--algorithm", "greedy"]) == 0


def test_embed_refuses_to_write_a_mapping_replan_would_refuse(tmp_path, monkeypatch, capsys):
    """A mapping over the mapping's limit is not written (exit 2, one line naming the sizes, the target left as
    it was and no temporary file), so whatever `vxi embed` writes `vxi replan` reads."""
    import backend.files

    ring, far = far_apart(tmp_path)
    out = tmp_path / "mapping.json"
    out.write_text("before")
    monkeypatch.setattr(backend.files, "MAX_MAPPING_BYTES", 100_000)
    assert main(["embed", "--algorithm", "greedy", "--json", "-o", str(out), str(ring), str(far)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and error.startswith(f"vxi embed: {out}: not written: the mapping would be ")
    assert error.endswith("over the 97.7 KiB limit of a mapping, 4 times the 32 MiB one (set VXI_MAX_BYTES to "
                          "raise it)")
    assert out.read_text() == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["far.vxdl", "mapping.json", "ring.vxdl"]


def _old_reading(path: Path):
    """What `vxi replan` made of a mapping file before: json.loads of its bytes with json_hook, then from_json."""
    from backend.embedding import Mapping
    from backend.embedding.mapping import json_hook
    from backend.files import MAX_MAPPING_BYTES, read_json

    return Mapping.from_json(read_json(path, MAX_MAPPING_BYTES, object_pairs_hook=json_hook()))


def _outcome(function, path: Path):
    try:
        mapping = function(path)
    except Exception as exc:  # the error itself is compared
        return f"{type(exc).__name__}: {exc}"
    return mapping, [(r.id, list(r.links), [r.links[k] for k in r.links]) for r in mapping.requests]


def _mutations(text: str) -> dict[str, bytes]:
    """Malformed and odd versions of a mapping's text, at many places."""
    found = {"as is": text.encode(), "empty": b"", "one line": json.dumps(json.loads(text)).encode(),
             "old layout": (json.dumps(json.loads(text), indent=2) + "\n").encode(),
             "trailing data": (text + "x").encode(), "a BOM": b"\xef\xbb\xbf" + text.encode(),
             "a path that is a number": text.replace('"path": [[', '"path": 5, "x": [[', 1).encode(),
             "a rate that is text": text.replace('"forward": 0.0', '"forward": "fast"', 1).encode(),
             "a bad placement, then the link again": text.replace(
                 '"l3": {', '"l3": {"path": 5}, "l3": {', 1).encode(),
             "links that are a list": re.sub(r'"links": \{.*?\n      \}', '"links": []', text, count=1,
                                             flags=re.S).encode(),
             "links that are one placement": re.sub(r'"links": \{.*?\n      \}', '"links": {"path": []}', text,
                                                    count=1, flags=re.S).encode(),
             "no requests": text.replace('"requests"', '"requested"').encode()}
    for at in range(0, len(text), max(1, len(text) // 40)):
        found[f"cut at {at}"] = text[:at].encode()
        found[f"a stray character at {at}"] = (text[:at] + "}" + text[at:]).encode()
        found[f"a character less at {at}"] = (text[:at] + text[at + 1:]).encode()
        found[f"a byte not UTF-8 at {at}"] = text[:at].encode() + b"\xff" + text[at:].encode()
    return found


def test_a_mapping_read_a_piece_at_a_time_is_what_json_made_of_it_with_the_same_errors(tmp_path, monkeypatch):
    """Read a piece at a time (windows of 7 characters here), every mapping, malformed or not, gives the mapping or
    the error (words, line) the reading of the whole JSON gave."""
    from backend.embedding import mapping_file

    ring, far = far_apart(tmp_path)
    out = tmp_path / "mapping.json"
    request = Infrastructure(id="few", components={"a": Node("a", location="s0"), "b": Node("b", location="s9")},
                             links={f"l{i}": Link(f"l{i}", "a", "b") for i in range(6)})
    write_file(request, tmp_path / "few.vxdl")
    assert main(["embed", "--algorithm", "greedy", "--json", "-o", str(out), str(ring), str(tmp_path / "few.vxdl"),
                 str(far)]) == 0
    text = out.read_text().replace(str(tmp_path), "T")
    monkeypatch.setattr(mapping_file, "CHUNK", 7)
    different = []
    for name, data in _mutations(text).items():
        path = tmp_path / "mutated.json"
        path.write_bytes(data)
        if _outcome(mapping_file.read_mapping, path) != _outcome(_old_reading, path):
            different.append(name)
    assert not different


def test_replan_reads_a_mapping_within_a_few_times_its_size(tmp_path):
    """The mapping's bytes, its text and its rows were all held (a mapping of 20,000 links on 10-hop paths, read by
    `vxi replan`: 3.2 times the file over the peak before it, in resident memory); now a piece at a time, each
    placement gathered into columns as it comes: 0.6."""
    ring, _far = far_apart(tmp_path)
    request = Infrastructure(id="far", components={"a": Node("a", location="s0"), "b": Node("b", location="s10")},
                             links={f"l{i}": Link(f"l{i}", "a", "b") for i in range(20_000)})
    write_file(request, tmp_path / "far.vxdl")
    out = tmp_path / "mapping.json"
    assert main(["embed", "--algorithm", "greedy", "--json", "-o", str(out), str(ring), str(tmp_path / "far.vxdl")]) \
        == 0
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
high = lambda: int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM")).split()[1])
from backend.cli import main
import backend.cli.embed as embed
from backend.model import Infrastructure
from backend.embedding import replan  # noqa: F401 -- the engine, imported before the baseline
read = embed._read
embed._read = lambda path, role, *more: read(path, role, *more) if role else Infrastructure(id="far")  # the mapping

def measured(args, substrate, requests, mapping, options):  # replan's plan replaced by the measure
    print((high() - base) * 1024 / os.path.getsize({str(out)!r}), [len(mapping.requests[0].links)], flush=True)
    os._exit(0)

embed._plan = measured
main(["replan", {str(ring)!r}, {str(ring)!r}.replace("ring.vxdl", "nothing.json"), "--remove-host", "h3"])
base = high()
main(["replan", {str(ring)!r}, {str(out)!r}, "--remove-host", "h3"])
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    ratio, plans = (done.stdout or "0 " + done.stderr).split(" ", 1)
    assert plans.strip() == "[20000]", done.stdout + done.stderr
    assert float(ratio) < 1.5, f"reading the mapping took {float(ratio):.1f} times its size over the baseline"

"""An adversary's pass over issue 12's promises (input, output and messages), with cases the tests did not have.

Groups: hostile VXDL, GraphML and RSpec documents (bench/adversary_inputs.py: every encoding with and without a
BOM, DTDs, PIs, XInclude, two roots, NUL bytes, namespaces, lengths, nesting at the parser's depth), odd values,
leases and ids (validate, show, format and its round trip, embed), substrates, import attribute values, mappings
(replan), every truncation of a few files, special files in every file argument and output (FIFO, devices,
socket, directory, symlink loops, /proc/self/mem), and as root writers on a full file system. Each case checks:
exit 0, 1 or 2 (never 3, never a traceback, never a hang), one line on standard error for exit 2, no raw control,
line or bidi character in what is printed, a special file never replaced, format's output read back.

Prints each case that failed and the counts held/failed per group; asserts nothing. The content groups run in this
process (an alarm stops a case after TIMEOUT seconds); special files and writers run `vxi` in a child each.

Usage: python bench/adversary_red4.py [--only GROUP] [--step N] [-v]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import adversary_inputs as inputs

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUBSTRATE, REQUEST = str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl")
TIMEOUT = 40
PROBLEM = re.compile(r"^\S.*:\d+:\d+: (error|warning): ")  # a problem line, FILE:LINE:COL: severity: ...


class Hang(BaseException):
    """A case ran past TIMEOUT."""


def _alarm(_signum, _frame):
    raise Hang


def vxi(*argv: str) -> tuple[int | str, str, str]:
    """(exit code, stdout, stderr) of `vxi ARGV` in this process; 'hang' past TIMEOUT."""
    from backend.cli import main

    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    signal.alarm(TIMEOUT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except Hang:
        code = "hang"
    except SystemExit as exc:
        code = exc.code
    finally:
        signal.alarm(0)
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return code, texts[0], texts[1]


def raw(text: str) -> str | None:
    """The first character printed raw that `printable` escapes, or a forged problem line."""
    for char in text:
        if char != "\n" and (unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in "\u202e\u2066\u009b"):
            return f"raw U+{ord(char):04X}"
    if any(line.startswith(("x.vxdl:1:1: error: forged", "f.vxdl:1:1: error: forged", "forged: error"))
           for line in text.splitlines()):
        return "a forged line"
    return None


def judge(result: tuple, allowed=(0, 1, 2)) -> str | None:
    """What breaks the promises in one command's result, or None."""
    code, out, err = result
    if code == "hang":
        return "hang"
    if "Traceback" in err or "internal error" in err:
        return f"exit {code}: {err.strip()[-160:]}"
    if code not in allowed:
        return f"exit {code} (expected {allowed}): {err.strip()[-160:]}"
    said = [line for line in err.splitlines() if line.strip() and not PROBLEM.match(line)]
    if code == 2 and len(said) > 1:  # (embed lists a document's problems, then says why it stops: one line)
        return f"{len(said)} lines on stderr: {err.strip()[:160]}"
    return raw(out + err)


class Tally:
    """Cases held and failed, per group."""

    def __init__(self, verbose: bool):
        self.counts: dict[str, list[int]] = {}
        self.verbose = verbose

    def add(self, group: str, name: str, wrong: str | None) -> None:
        held, failed = self.counts.setdefault(group, [0, 0])
        self.counts[group] = [held + (wrong is None), failed + (wrong is not None)]
        if wrong is not None:
            print(f"FAILED [{group}] {name}: {wrong}", flush=True)
        elif self.verbose:
            print(f"held   [{group}] {name}", flush=True)

    def report(self) -> None:
        total = [sum(c[0] for c in self.counts.values()), sum(c[1] for c in self.counts.values())]
        for group, (held, failed) in self.counts.items():
            print(f"{group:<22} {held + failed:>6} cases: {held:>6} held, {failed:>4} failed")
        print(f"{'all':<22} {sum(total):>6} cases: {total[0]:>6} held, {total[1]:>4} failed")


def expected(name: str) -> tuple[tuple[int, ...], str]:
    """The exit codes a document variant named `name` may give, and a word its refusal must hold."""
    if name.startswith(("plain-", "pi-", "xinclude-")):
        return (0,), ""  # valid whatever its encoding (a UTF-32 file was "not well-formed: Document is empty")
    if name.startswith("dtd-"):
        return (2,), "DTD"  # refused as a DTD, in every encoding
    return (0, 1, 2), ""


def documents(tally: Tally, folder: Path) -> None:
    """VXDL documents: validate, show and format's round trip; imports: convert and the VXDL written."""
    for name, data in inputs.vxdl_documents().items():
        path = folder / "doc.vxdl"
        path.write_bytes(data)
        tally.add("VXDL documents", name, check_vxdl(path, folder, expect=expected(name)))
    for kind in ("graphml", "rspec"):
        made = folder / f"made.{kind}"
        vxi("convert", REQUEST, str(made))
        for name, data in inputs.import_documents(kind, made.read_bytes()).items():
            path = folder / f"doc.{kind}"
            path.write_bytes(data)
            tally.add(f"{kind} documents", name, check_import(path, folder, expect=expected(name)))


def check_vxdl(path: Path, folder: Path, embed: bool = False, role: tuple = (),
               expect: tuple[tuple[int, ...], str] = ((0, 1, 2), "")) -> str | None:
    """validate (`expect`: its exit codes and a word of its refusal), show, format and its output validated again
    (and embed); what failed, or None."""
    valid = vxi("validate", *role, str(path))
    wrong = judge(valid, expect[0]) or judge(vxi("show", str(path)))
    if wrong is None and expect[1] not in valid[2]:
        wrong = f"no '{expect[1]}' in: {valid[2].strip()[:160]}"
    if wrong:
        return wrong
    out = folder / "formatted.vxdl"
    out.unlink(missing_ok=True)
    formatted = vxi("format", "-o", str(out), str(path))
    wrong = judge(formatted)
    if wrong:
        return "format: " + wrong
    if valid[0] == 0 and formatted[0] != 0:
        return f"format refused a document validate accepts: {formatted[2].strip()[:160]}"
    if formatted[0] == 0:
        again = vxi("validate", *role, str(out))
        if again[0] != 0 and valid[0] == 0:
            return f"format's output does not validate: {(again[1] + again[2]).strip()[:160]}"
    if embed:
        args = (str(path), REQUEST) if role else (SUBSTRATE, str(path))
        return judge(vxi("embed", *args))
    return None


def check_import(path: Path, folder: Path, expect: tuple[tuple[int, ...], str] = ((0, 1, 2), "")) -> str | None:
    """convert (`expect` as check_vxdl's) and the VXDL written validated; what failed, or None."""
    out = folder / "imported.vxdl"
    out.unlink(missing_ok=True)
    converted = vxi("convert", str(path), str(out))
    wrong = judge(converted, expect[0])
    if wrong is None and expect[1] not in converted[2]:
        wrong = f"no '{expect[1]}' in: {converted[2].strip()[:160]}"
    if wrong is None and converted[0] == 0:
        again = vxi("validate", str(out))
        if again[0] != 0:
            wrong = f"the VXDL written does not validate: {(again[1] + again[2]).strip()[:160]}"
    return wrong


def values(tally: Tally, folder: Path) -> None:
    """Odd values, leases and ids of a VXI; substrates; import attribute values."""
    for name, data in inputs.values().items():
        path = folder / "values.vxdl"
        path.write_bytes(data)
        tally.add("values and leases", name, check_vxdl(path, folder, embed=True))
    for name, data in inputs.substrates().items():
        path = folder / "substrate.vxdl"
        path.write_bytes(data)
        tally.add("substrates", name, check_vxdl(path, folder, embed=True, role=("--substrate",)))
    for name, data in inputs.import_values().items():
        path = folder / ("values" + Path(name).suffix)
        path.write_bytes(data)
        tally.add("import values", name, check_import(path, folder))


def mappings(tally: Tally, folder: Path) -> None:
    """Mutated mappings given to the three kinds of replan."""
    made = folder / "made.json"
    vxi("embed", "--json", "-o", str(made), SUBSTRATE, REQUEST)
    for name, data in inputs.mappings(json.loads(made.read_text())).items():
        path = folder / "mapping.json"
        path.write_bytes(data)
        for change in (["--remove-host", "P1"], ["--grow", "VXI1=2"], ["--add", str(EXAMPLES / "figure1-vxi2.vxdl")]):
            tally.add("mappings", f"{name} {change[0]}", judge(vxi("replan", *change, SUBSTRATE, str(path))))


def truncations(tally: Tally, folder: Path, step: int) -> None:
    """Every `step`-th truncation of a VXDL (UTF-8 and UTF-32), a GraphML, an RSpec and a mapping, read."""
    made = {"vxdl": Path(REQUEST).read_bytes(),
            "u32.vxdl": inputs.encoded(Path(REQUEST).read_text().split("?>", 1)[1], "utf-32-le", True)}
    for kind in ("graphml", "rspec"):
        vxi("convert", REQUEST, str(folder / f"made.{kind}"))
        made[kind] = (folder / f"made.{kind}").read_bytes()
    vxi("embed", "--json", "-o", str(folder / "made.json"), SUBSTRATE, REQUEST)
    made["json"] = (folder / "made.json").read_bytes()
    for kind, data in made.items():
        path = folder / f"cut.{kind}"
        for cut in range(0, len(data), step):
            path.write_bytes(data[:cut])
            if kind == "json":
                result = vxi("replan", "--remove-host", "P1", SUBSTRATE, str(path))
            elif kind.endswith("vxdl"):
                result = vxi("validate", str(path))
            else:
                result = vxi("convert", str(path), str(folder / "cut-out.vxdl"))
            tally.add("truncations", f"{kind} cut at {cut}", judge(result))


def specials(folder: Path, suffix: str = "") -> dict[str, Path]:
    """Special files to give in a file's place, made in `folder` (names ending in `suffix`: the designer's export
    takes its format from it; a device is then reached by a symbolic link of that name)."""
    folder.mkdir(exist_ok=True)
    at = {name: folder / (name + suffix) for name in ("fifo", "dir", "sock", "loop-a", "loop-b", "to-fifo", "to-zero")}
    os.mkfifo(at["fifo"])
    at["dir"].mkdir()
    socket.socket(socket.AF_UNIX).bind(str(at["sock"]))
    os.symlink(at["loop-b"], at["loop-a"])
    os.symlink(at["loop-a"], at["loop-b"])
    os.symlink(at["fifo"], at["to-fifo"])
    os.symlink("/dev/zero", at["to-zero"])
    found = {"fifo": at["fifo"], "directory": at["dir"], "socket": at["sock"], "symlink loop": at["loop-a"],
             "symlink to a FIFO": at["to-fifo"], "symlink to /dev/zero": at["to-zero"]}
    for dev in ("/dev/zero", "/dev/null", "/dev/full", "/dev/urandom", "/proc/self/mem", "/proc/self/fd/0",
                "/dev/stdin"):
        if suffix:
            os.symlink(dev, folder / (dev.strip("/").replace("/", "-") + suffix))
            found[f"symlink to {dev}"] = folder / (dev.strip("/").replace("/", "-") + suffix)
        else:
            found[dev] = Path(dev)
    return found


def child(argv: list[str], env: dict) -> tuple[int | str, str, str]:
    """(exit code or 'hang', stdout, stderr) of `vxi ARGV` (or the designer's: '@designer') in a child."""
    command = [sys.executable, "-m", "designer", *argv[1:]] if argv[0] == "@designer" else \
        [sys.executable, "-m", "backend.cli", *argv]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "hang", "", ""
    return done.returncode, done.stdout, done.stderr


def special_files(tally: Tally, folder: Path, env: dict) -> None:
    """Every file argument and output given a special file."""
    mapping = folder / "mapping.json"
    child(["embed", "--json", "-o", str(mapping), SUBSTRATE, REQUEST], env)
    takes = {
        "validate": ["validate", "{}"], "validate --substrate": ["validate", "--substrate", "{}"],
        "validate --against": ["validate", "--against", "{}", REQUEST], "show": ["show", "{}"],
        "format -o": ["format", "-o", str(folder / "out.vxdl"), "{}"],
        "convert vxdl": ["convert", "--from", "vxdl", "{}", str(folder / "out.graphml")],
        "convert graphml": ["convert", "--from", "graphml", "{}", str(folder / "out.vxdl")],
        "convert rspec": ["convert", "--from", "rspec", "{}", str(folder / "out.vxdl")],
        "embed substrate": ["embed", "{}", REQUEST], "embed request": ["embed", SUBSTRATE, "{}"],
        "replan substrate": ["replan", "--remove-host", "h1", "{}", str(mapping)],
        "replan mapping": ["replan", "--remove-host", "h1", SUBSTRATE, "{}"],
        "replan --add": ["replan", "--add", "{}", SUBSTRATE, str(mapping)],
        "deploy substrate": ["deploy", "--backend", "test", "{}", REQUEST],
        "deploy request": ["deploy", "--backend", "test", SUBSTRATE, "{}"],
        "designer open": ["@designer", "{}", "--export-image", str(folder / "out.png")],
    }
    gives = {
        "format -o": ["format", "-o", "{}", REQUEST],
        "convert to graphml": ["convert", "--to", "graphml", REQUEST, "{}"],
        "convert to rspec": ["convert", "--to", "rspec", REQUEST, "{}"],
        "convert to vxdl": ["convert", "--to", "vxdl", REQUEST, "{}"], "validate -o": ["validate", "-o", "{}", REQUEST],
        "embed -o": ["embed", "-o", "{}", SUBSTRATE, REQUEST], "status -o": ["status", "-o", "{}"],
        "examples -o": ["examples", "-o", "{}"],
        "designer --export-image": ["@designer", REQUEST, "--export-image", "{}"],
    }
    odd, pictures = specials(folder), specials(folder / "png", ".png")
    for command, argv in takes.items():
        for kind, path in odd.items():
            tally.add("special files in", f"{command} <- {kind}",
                      judge(child([a.replace("{}", str(path)) for a in argv], env)))
    for command, argv in gives.items():
        for kind, path in (pictures if "designer" in command else odd).items():
            if kind.endswith("/proc/self/mem"):
                continue
            before = os.lstat(path) if os.path.lexists(path) else None
            wrong = judge(child([a.replace("{}", str(path)) for a in argv], env), (1, 2))
            if wrong is None and before is not None:
                after = os.lstat(path)
                if (stat.S_IFMT(after.st_mode), after.st_ino) != (stat.S_IFMT(before.st_mode), before.st_ino):
                    wrong = "the special file was replaced"
            tally.add("special files out", f"{command} -> {kind}", wrong)


def full_disk(tally: Tally, folder: Path, env: dict) -> None:
    """As root: every writer onto a full tmpfs (mounted here, then unmounted): one line, exit 1 or 2, the old
    file kept whole and nothing else left."""
    if os.geteuid() != 0:
        print("full disk: skipped (needs root to mount a tmpfs)")
        return
    mount = folder / "full"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs-red4", str(mount)], check=True)
    try:
        old = Path(REQUEST).read_bytes()
        for name in ("old.vxdl", "old.graphml", "old.rspec", "old.txt", "old.json", "old.png", "old.svg"):
            (mount / name).write_bytes(old)
        (mount / "copies").mkdir()
        with contextlib.suppress(OSError), open(mount / "fill", "wb") as filling:
            while True:
                filling.write(bytes(4096))
                filling.flush()
        writers = {
            "format in place": ["format", str(mount / "old.vxdl")],
            "convert to graphml": ["convert", REQUEST, str(mount / "old.graphml")],
            "convert to rspec": ["convert", REQUEST, str(mount / "old.rspec")],
            "embed -o": ["embed", "-o", str(mount / "old.txt"), SUBSTRATE, REQUEST],
            "embed --json -o": ["embed", "--json", "-o", str(mount / "old.json"), SUBSTRATE, REQUEST],
            "export png": ["@designer", REQUEST, "--export-image", str(mount / "old.png")],
            "export svg": ["@designer", REQUEST, "--export-image", str(mount / "old.svg")],
            "examples --copy": ["examples", "--copy", str(mount / "copies")],
            "completion --install": ["completion", "bash", "--install"],
        }
        for name, argv in writers.items():
            result = child(argv, {**env, "XDG_DATA_HOME": str(mount)})
            wrong = judge(result, (1, 2))
            left = sorted(p.name for p in mount.rglob("*") if p.is_file()
                          and p.name not in ("fill", "old.vxdl", "old.graphml", "old.rspec", "old.txt", "old.json",
                                             "old.png", "old.svg"))
            kept = [p.name for p in mount.glob("old.*") if p.read_bytes() != old]
            if wrong is None and (left or kept):
                wrong = f"left {left}, changed {kept}"
            tally.add("full disk", name, wrong)
    finally:
        subprocess.run(["umount", str(mount)], check=True)


WINDOW = """
import json, sys, traceback, unicodedata
from PySide6.QtWidgets import QTreeWidget
from designer.app import make_application
from designer.main_window import MainWindow
from designer.modal_dialogs import Dialogs

class Answers(Dialogs):
    def __init__(self): self.errors = []
    def ask_recover(self, parent, what): return True
    def ask_save_changes(self, parent, name): return "discard"
    def error(self, parent, title, message): self.errors.append(message)

make_application([], theme="light")
for path in json.load(open(sys.argv[1])):
    dialogs = Answers()
    try:
        window = MainWindow(dialogs=dialogs)
        window.offer_recovery() or window.open_path(path, ask=False)
        tree = window.docks.problems.findChild(QTreeWidget)
        texts = [tree.topLevelItem(i).text(c) for i in range(tree.topLevelItemCount())
                 for c in range(tree.columnCount())] + dialogs.errors + [window.statusBar().currentMessage()]
        window.document.undo_stack.setClean()
        window.close()
        bad = [t for t in texts if any(c != "\\n" and unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in t)]
        print(json.dumps([path, "raw " + bad[0][:80] if bad else None]), flush=True)
    except BaseException:
        print(json.dumps([path, traceback.format_exc()[-300:]]), flush=True)
"""


def window(tally: Tally, folder: Path, env: dict) -> None:
    """The designer's window (offscreen) opening hostile documents in turn, in one child; and its start on a
    hostile recovery folder."""
    files = []
    for group in (inputs.values(), {k: v for k, v in inputs.vxdl_documents().items() if "utf-8" in k or "-" not in k}):
        for name, data in group.items():
            path = folder / "window" / (name.replace("/", "_").replace(" ", "_") + ".vxdl")
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
            files.append(str(path))
    recovery = folder / "recovery-hostile"
    recovery.mkdir()
    (recovery / "dangling.json").symlink_to(folder / "nowhere")
    (recovery / "loop.json").symlink_to("loop.json")
    (recovery / "dir.json").mkdir()
    (recovery / "dir.vxdl").write_bytes(Path(REQUEST).read_bytes())
    (recovery / "shape.json").write_text('{"original": ["a"], "saved_at": {"at": 5}}')
    (recovery / "shape.vxdl").write_bytes(Path(REQUEST).read_bytes())
    for paths, extra, label in ((files, {}, "window open"), ([REQUEST], {"VXI_DESIGNER_RECOVERY_DIR": str(recovery)},
                                                              "window recovery")):
        (folder / "paths.json").write_text(json.dumps(paths))
        try:
            done = subprocess.run([sys.executable, "-c", WINDOW, str(folder / "paths.json")], capture_output=True,
                                  text=True, timeout=TIMEOUT * len(paths), cwd=ROOT, env={**env, **extra})
        except subprocess.TimeoutExpired:
            tally.add(label, "the child", "hang")
            continue
        said = dict(json.loads(line) for line in done.stdout.splitlines() if line.startswith("["))
        for path in paths:
            wrong = said.get(path, f"not reached: {done.stderr.strip()[-300:]}")
            tally.add(label, Path(path).name, wrong)


def state(tally: Tally, folder: Path, env: dict) -> None:
    """The deployments database as others may leave it: status, status --json and teardown --all say so, exit 1,
    never "no deployments"."""
    variants = {"a link to nothing": lambda db: db.symlink_to("/nonexistent-red4/deployments.db"),
                "a link loop": lambda db: db.symlink_to(db.name), "a directory": lambda db: db.mkdir(),
                "a FIFO": lambda db: os.mkfifo(db), "a link to /dev/zero": lambda db: db.symlink_to("/dev/zero"),
                "garbage": lambda db: db.write_bytes(b"garbage" * 100), "empty": lambda db: db.write_bytes(b"")}
    for name, make in variants.items():
        where = folder / "states" / name.replace(" ", "-").replace("/", "-")
        where.mkdir(parents=True)
        make(where / "deployments.db")
        for argv in (["status"], ["status", "--json"], ["teardown", "--all"]):
            code, out, err = child(argv, {**env, "VXI_STATE_DIR": str(where)})
            wrong = judge((code, out, err), (1,))
            if wrong is None and "no deployments" in out:
                wrong = "said no deployments"
            tally.add("deployments database", f"{' '.join(argv)} <- {name}", wrong)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the groups whose name holds this word")
    parser.add_argument("--step", type=int, default=7, help="truncate every STEP-th byte (1: every one)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    tally = Tally(args.verbose)
    with tempfile.TemporaryDirectory(prefix="red4-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "VXI_STATE_DIR": str(folder / "state"), "QT_QPA_PLATFORM": "offscreen",
               "VXI_DESIGNER_RECOVERY_DIR": str(folder / "recovery")}
        os.environ.update(VXI_STATE_DIR=env["VXI_STATE_DIR"])
        groups = {"documents": lambda: documents(tally, folder), "values": lambda: values(tally, folder),
                  "mappings": lambda: mappings(tally, folder),
                  "truncations": lambda: truncations(tally, folder, args.step),
                  "special": lambda: special_files(tally, folder, env), "full": lambda: full_disk(tally, folder, env),
                  "window": lambda: window(tally, folder, env), "state": lambda: state(tally, folder, env)}
        for name, run in groups.items():
            if args.only in name:
                run()
    tally.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())

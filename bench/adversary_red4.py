"""An adversary's pass over issue 12's promises for file arguments and outputs: every `vxi` command given special
files (FIFO, device, socket, directory, symlink loop...) in each file position, each run under a timeout, checked
for exit 1 or 2 (never 3, never a traceback, never a hang), one line on standard error, and the output position
left as it was. Prints each case that failed and the counts held/failed; asserts nothing.

Usage: python bench/adversary_red4.py [--only WORD] [-v]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIMEOUT = 40


def specials(folder: Path, suffix: str = "") -> dict[str, Path]:
    """Special files to give in a file's place, made in `folder` (their names ending in `suffix`: the designer's
    export takes its format from it; a device is then reached by a symbolic link of that name)."""
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


def inputs(folder: Path) -> dict[str, list[str]]:
    """Each command with its file arguments, the one to replace written {X}."""
    sub, vxi = str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl")
    mapping = folder / "mapping.json"
    subprocess.run([sys.executable, "-m", "backend.cli", "embed", "--json", "-o", str(mapping), sub, vxi],
                   capture_output=True, cwd=ROOT, timeout=120)
    return {
        "validate": ["validate", "{X}"], "validate --substrate": ["validate", "--substrate", "{X}"],
        "validate --against": ["validate", "--against", "{X}", vxi], "show": ["show", "{X}"],
        "format -o": ["format", "-o", str(folder / "out.vxdl"), "{X}"],
        "convert vxdl": ["convert", "--from", "vxdl", "{X}", str(folder / "out.graphml")],
        "convert graphml": ["convert", "--from", "graphml", "{X}", str(folder / "out.vxdl")],
        "convert rspec": ["convert", "--from", "rspec", "{X}", str(folder / "out.vxdl")],
        "embed substrate": ["embed", "{X}", vxi], "embed request": ["embed", sub, "{X}"],
        "replan substrate": ["replan", "--remove-host", "h1", "{X}", str(mapping)],
        "replan mapping": ["replan", "--remove-host", "h1", sub, "{X}"],
        "replan --add": ["replan", "--add", "{X}", sub, str(mapping)],
        "deploy substrate": ["deploy", "--backend", "test", "{X}", vxi],
        "deploy request": ["deploy", "--backend", "test", sub, "{X}"],
    }


def outputs(folder: Path) -> dict[str, list[str]]:
    """Each command with its output file, written {Y}."""
    sub, vxi = str(EXAMPLES / "figure1-substrate.vxdl"), str(EXAMPLES / "figure1-vxi1.vxdl")
    return {
        "format -o": ["format", "-o", "{Y}", vxi], "convert to graphml": ["convert", "--to", "graphml", vxi, "{Y}"],
        "convert to rspec": ["convert", "--to", "rspec", vxi, "{Y}"],
        "convert to vxdl": ["convert", "--to", "vxdl", vxi, "{Y}"],
        "validate -o": ["validate", "-o", "{Y}", vxi], "embed -o": ["embed", "-o", "{Y}", sub, vxi],
        "embed --json -o": ["embed", "--json", "-o", "{Y}", sub, vxi],
        "designer --export-image": ["@designer", vxi, "--export-image", "{Y}"],
    }


def run(argv: list[str], env: dict) -> tuple[int, str, str]:
    """(exit code or 'hang', stdout, stderr) of `vxi ARGV` (or the designer's)."""
    if argv[0] == "@designer":
        command = [sys.executable, "-m", "designer", *argv[1:]]
    else:
        command = [sys.executable, "-m", "backend.cli", *argv]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return -1, "", "hang"
    return done.returncode, done.stdout, done.stderr


def judge(code: int, err: str) -> str | None:
    """What breaks the promises, or None."""
    if code == -1:
        return "hang"
    if "Traceback" in err:
        return "traceback"
    if code not in (1, 2):
        return f"exit {code}"
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 2 and len(lines) > 1:
        return f"{len(lines)} lines on stderr"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    held = failed = 0
    with tempfile.TemporaryDirectory(prefix="red4-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "VXI_STATE_DIR": str(folder / "state"), "QT_QPA_PLATFORM": "offscreen"}
        odd = specials(folder)
        cases = [(f"in {command} <- {kind}", [a.replace("{X}", str(path)) for a in argv], None)
                 for command, argv in inputs(folder).items() for kind, path in odd.items()]
        pictures = specials(folder / "png", ".png")
        cases += [(f"out {command} -> {kind}", [a.replace("{Y}", str(path)) for a in argv], path)
                  for command, argv in outputs(folder).items()
                  for kind, path in (pictures if "designer" in command else odd).items()
                  if not kind.endswith("/proc/self/mem")]
        for name, argv, target in cases:
            if args.only not in name:
                continue
            before = os.lstat(target) if target is not None and os.path.lexists(target) else None
            code, _out, err = run(argv, env)
            wrong = judge(code, err)
            if wrong is None and before is not None:
                after = os.lstat(target)
                if (stat.S_IFMT(after.st_mode), after.st_ino) != (stat.S_IFMT(before.st_mode), before.st_ino):
                    wrong = "the special file was replaced"
            if wrong is None:
                held += 1
                if args.verbose:
                    print(f"held   {name}: exit {code} {err.strip()[:120]}")
            else:
                failed += 1
                print(f"FAILED {name}: {wrong}: {err.strip()[-300:]}")
        shutil.rmtree(folder / "state", ignore_errors=True)
    print(f"{held + failed} cases: {held} held, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

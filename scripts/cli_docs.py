"""Writes docs/cli.md and the man pages docs/man/*.1 from the argument parsers (`make cli-docs`);
`--check` only says whether they are current (exit 1 when not). Install the man pages with
`install -m 644 docs/man/*.1 ~/.local/share/man/man1/`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path.cwd()


def generated() -> dict[Path, str]:
    """Every generated file and its text."""
    from backend.cli.reference import man_pages, markdown
    from designer.__main__ import build_parser

    extra = [("vxi-designer", build_parser())]
    files = {ROOT / "docs" / "cli.md": markdown(extra)}
    files.update({ROOT / "docs" / "man" / name: text for name, text in man_pages(extra).items()})
    return files


def main(argv: list[str]) -> int:
    """Write (or check) the files."""
    stale = []
    files = generated()
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
            if "--check" not in argv:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for old in (ROOT / "docs" / "man").glob("*.1"):
        if old not in files:
            stale.append(old)
            if "--check" not in argv:
                old.unlink()
    verb = "out of date" if "--check" in argv else "written"
    for path in stale:
        print(f"{path.relative_to(ROOT)}: {verb}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

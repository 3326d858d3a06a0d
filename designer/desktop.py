"""`vxi-designer --install-desktop`: the menu entry, the application icon in every size, the AppStream metadata
and the VXDL file type, installed for this user in the XDG data folder ($XDG_DATA_HOME, by default
~/.local/share); `--uninstall-desktop` removes them. No Qt here: plain file copies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from backend.resources import resource_path

APP_ID = "vxi-designer"


def data_home() -> Path:
    """The user's XDG data folder."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _executable() -> str:
    """The vxi-designer program to start from the menu: the one running now, by its full path (a venv's)."""
    found = shutil.which("vxi-designer")
    here = Path(sys.argv[0])
    if here.name == "vxi-designer" and here.exists():
        return str(here.resolve())
    return found or "vxi-designer"


def planned() -> dict[Path, Path | str]:
    """Target file -> the resource it is copied from (or its text)."""
    home = data_home()
    desktop = resource_path("desktop", f"{APP_ID}.desktop").read_text(encoding="utf-8")
    exe = _executable()
    desktop = desktop.replace("Exec=vxi-designer", f"Exec={exe}").replace("TryExec=vxi-designer", f"TryExec={exe}")
    files: dict[Path, Path | str] = {
        home / "applications" / f"{APP_ID}.desktop": desktop,
        home / "metainfo" / f"{APP_ID}.metainfo.xml": resource_path("desktop", f"{APP_ID}.metainfo.xml"),
        home / "mime" / "packages" / f"{APP_ID}.xml": resource_path("desktop", f"{APP_ID}-mime.xml"),
        home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg": resource_path("icons", f"{APP_ID}.svg"),
    }
    for png in sorted(resource_path("icons", "hicolor").glob(f"*/apps/{APP_ID}.png")):
        files[home / "icons" / "hicolor" / png.parent.parent.name / "apps" / png.name] = png
    return files


def _refresh(home: Path) -> None:
    """Tell the desktop about the change where its tools are installed (each is optional)."""
    for command in (["update-desktop-database", str(home / "applications")],
                    ["update-mime-database", str(home / "mime")],
                    ["gtk-update-icon-cache", "-q", "-t", "-f", str(home / "icons" / "hicolor")]):
        if shutil.which(command[0]):
            subprocess.run(command, check=False, capture_output=True)


def install() -> list[Path]:
    """Copy every file; returns the files written."""
    written = []
    for target, source in planned().items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, str):
            target.write_text(source, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    _refresh(data_home())
    return written


def uninstall() -> list[Path]:
    """Remove what install() wrote; returns the files removed."""
    removed = []
    for target in planned():
        if target.exists():
            target.unlink()
            removed.append(target)
    _refresh(data_home())
    return removed


def main(remove: bool = False) -> int:
    """The command: 0 when done, 1 with one line when a file cannot be written."""
    try:
        done = uninstall() if remove else install()
    except OSError as exc:
        print(f"vxi-designer: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    verb = "removed" if remove else "installed"
    print(f"{len(done)} files {verb} under {data_home()}")
    for path in done:
        print(f"  {path}")
    return 0

"""`vxi-designer [FILE] [--export-image OUT.png|OUT.svg] [--theme auto|light|dark] [--install-desktop]
[--version]`."""

from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    """The command line (its man page and reference are generated from it)."""
    from backend.cli import add_version_option

    parser = argparse.ArgumentParser(prog="vxi-designer", description="Draw, edit, validate and save VXIs.")
    add_version_option(parser, "vxi-designer")
    parser.add_argument("file", nargs="?", help="a VXDL file to open")
    parser.add_argument("--export-image", metavar="OUT", help="render FILE to OUT.png or OUT.svg and exit")
    parser.add_argument("--theme", choices=("auto", "light", "dark"), default="auto")
    parser.add_argument("--install-desktop", action="store_true",
                        help="install the menu entry, the icons and the AppStream metadata for this user (XDG data "
                             "folders) and exit")
    parser.add_argument("--uninstall-desktop", action="store_true", help="remove what --install-desktop installed")
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, parsed."""
    return build_parser().parse_args(argv)


def export_headless(path: str, out: str, theme: str) -> int:
    """Render a file to an image without showing a window; 0 on success, 1 with a message otherwise."""
    if "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import gc

    from backend.files import FileError
    from backend.heap import release_freed_memory
    from backend.model.printable import printable
    from backend.vxdl import read_file
    from backend.vxdl.kept import DEFAULT_MAX_PROBLEMS, VALIDATE_SHOWS_ALL, not_shown_line

    try:  # read before Qt is loaded: reading's peak (its model and its passing pieces) is not added to Qt's
        result = read_file(path, max_problems=DEFAULT_MAX_PROBLEMS)  # the first kept (as many as the window's
        # list, document.KEPT_PROBLEMS, which would load Qt), every one counted and badged
    except FileError as exc:
        print(f"vxi-designer: {exc}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(problem.format(), file=sys.stderr)
    if result.not_kept:
        print(not_shown_line(result.not_kept, result.problem_count, VALIDATE_SHOWS_ALL), file=sys.stderr)
    if result.model is None:
        print(f"vxi-designer: {printable(path)}: no VXI could be read, nothing to draw (run vxi validate)",
              file=sys.stderr)
        return 1
    result.model.forget_lines()  # its problems are read: nothing more is said at a line (an int object each)
    gc.collect()
    release_freed_memory()  # what reading freed goes back to the system before the drawing starts
    from designer.app import make_application

    make_application(theme="light" if theme == "auto" else theme)
    from designer.appearance import scene_colours
    from designer.document import missing_positions
    from designer.image_export import ExportError, export_image
    from designer.scene import DesignScene

    # no item per component or link: a picture; the positions a file lacks are the window's, kept in its columns
    scene = DesignScene(result.model, scene_colours(), picture=True, placed=missing_positions(result.model))
    scene.set_problems(result.problems, result.kept().worst)  # the reader has added the model's own problems
    try:
        export_image(scene, out, result.model.id)
    except ExportError as exc:
        print(f"vxi-designer: {printable(exc)}", file=sys.stderr)
        return 1
    finally:
        scene.detach()
    print(printable(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `vxi-designer`."""
    args = parse_args(argv)
    if args.install_desktop or args.uninstall_desktop:
        from designer import desktop

        return desktop.main(remove=args.uninstall_desktop)
    if args.export_image:
        if not args.file:
            print("vxi-designer: --export-image needs a FILE to render", file=sys.stderr)
            return 2
        return export_headless(args.file, args.export_image, args.theme)
    from designer.app import run

    return run(args.file, args.theme)


if __name__ == "__main__":
    sys.exit(main())

"""`vxi examples [--copy DIR]`: the example VXDL files installed with the product (the paper's figures)."""

from __future__ import annotations

from pathlib import Path

from backend.cli.errors import CliError
from backend.cli.output import add_json_option, add_output_option, print_json
from backend.files import FileError, atomic_write, read_regular


def register(sub) -> None:
    """Add the examples subcommand."""
    p = sub.add_parser("examples", help="list the installed example VXDL files, or copy them into a folder",
                       description="List the example VXDL files installed with VXI Designer (full paths), or "
                                   "copy them into DIR to try the commands on them.")
    p.add_argument("--copy", metavar="DIR", help="copy every example into DIR (created when missing)")
    p.add_argument("--force", action="store_true", help="with --copy: replace files DIR already has")
    add_json_option(p, "print the files as a JSON list")
    add_output_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """List or copy the examples."""
    from backend.resources import examples

    files = examples()
    if not files:
        raise CliError("no example is installed (reinstall vxi-designer)", 2)
    if args.copy:
        target = Path(args.copy)
        try:
            target.mkdir(parents=True, exist_ok=True)
            copied, kept = [], []
            for src in files:
                dst = target / src.name
                if dst.exists() and not args.force:
                    kept.append(str(dst))
                    continue
                atomic_write(dst, read_regular(src))  # (a full disk left an empty file, --force emptied the old)
                copied.append(str(dst))
        except FileError as exc:
            raise CliError(str(exc), 2) from None
        except OSError as exc:
            raise CliError(f"{args.copy}: cannot copy the examples: {exc.strerror or exc}", 2) from None
        if args.json:
            print_json({"copied": copied, "kept": kept})
        else:
            print(f"{len(copied)} examples copied into {target}" +
                  (f"; {len(kept)} kept as they were (--force replaces them)" if kept else ""))
        return 0
    if args.json:
        print_json([str(f) for f in files])
    else:
        print("\n".join(str(f) for f in files))
    return 0
